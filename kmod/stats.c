// SPDX-License-Identifier: GPL-2.0
/* Readers of the per-CPU counters: sums with a consistent 64-bit snapshot. */
#include "ipvl_priv.h"

void ipvl_port_stats_read(struct ipvl_port *port, struct ipvl_port_stats *s)
{
	int cpu, i;

	memset(s, 0, sizeof(*s));
	for_each_possible_cpu(cpu) {
		const struct ipvl_port_pcpu *p = per_cpu_ptr(port->stats, cpu);
		struct ipvl_port_stats t;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&p->syncp);
			t.rx_dispatched = u64_stats_read(&p->rx_dispatched);
			t.rx_passed = u64_stats_read(&p->rx_passed);
			t.tx_local = u64_stats_read(&p->tx_local);
			t.tx_out = u64_stats_read(&p->tx_out);
			for (i = 0; i < IPVL_DROP_MAX; i++)
				t.drop[i] = u64_stats_read(&p->drop[i]);
		} while (u64_stats_fetch_retry(&p->syncp, start));

		s->rx_dispatched += t.rx_dispatched;
		s->rx_passed += t.rx_passed;
		s->tx_local += t.tx_local;
		s->tx_out += t.tx_out;
		for (i = 0; i < IPVL_DROP_MAX; i++)
			s->drop[i] += t.drop[i];
	}
}

void ipvl_link_stats_read(struct ipvl_link *link, struct ipvl_link_stats *s)
{
	int cpu;

	memset(s, 0, sizeof(*s));
	for_each_possible_cpu(cpu) {
		const struct ipvl_link_pcpu *p = per_cpu_ptr(link->stats, cpu);
		struct ipvl_link_stats t;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&p->syncp);
			t.rx_packets = u64_stats_read(&p->rx_packets);
			t.rx_bytes = u64_stats_read(&p->rx_bytes);
			t.rx_multicast = u64_stats_read(&p->rx_multicast);
			t.rx_dropped = u64_stats_read(&p->rx_dropped);
			t.tx_packets = u64_stats_read(&p->tx_packets);
			t.tx_bytes = u64_stats_read(&p->tx_bytes);
			t.tx_dropped = u64_stats_read(&p->tx_dropped);
		} while (u64_stats_fetch_retry(&p->syncp, start));

		s->rx_packets += t.rx_packets;
		s->rx_bytes += t.rx_bytes;
		s->rx_multicast += t.rx_multicast;
		s->rx_dropped += t.rx_dropped;
		s->tx_packets += t.tx_packets;
		s->tx_bytes += t.tx_bytes;
		s->tx_dropped += t.tx_dropped;
	}
}

void ipvl_addr_stats_read(struct ipvl_addr *addr, struct ipvl_addr_stats *s)
{
	int cpu;

	memset(s, 0, sizeof(*s));
	for_each_possible_cpu(cpu) {
		const struct ipvl_addr_pcpu *p = per_cpu_ptr(addr->stats, cpu);
		struct ipvl_addr_stats t;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&p->syncp);
			t.rx_packets = u64_stats_read(&p->rx_packets);
			t.rx_bytes = u64_stats_read(&p->rx_bytes);
			t.tx_packets = u64_stats_read(&p->tx_packets);
			t.tx_bytes = u64_stats_read(&p->tx_bytes);
		} while (u64_stats_fetch_retry(&p->syncp, start));

		s->rx_packets += t.rx_packets;
		s->rx_bytes += t.rx_bytes;
		s->tx_packets += t.tx_packets;
		s->tx_bytes += t.tx_bytes;
	}
}
