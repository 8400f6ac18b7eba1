// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: the rx_handler on the master. One hash lookup on the L3
 * destination decides: a bound address goes to its link (crossing into the
 * link's namespace), anything else stays with the master. No locks, no
 * allocations: RCU readers only.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/etherdevice.h>

#include "ipvl_priv.h"

/* Fill @key from the destination of the packet at skb->data. */
static bool ipvl_rx_key(struct sk_buff *skb, struct ipvl_key *key)
{
	memset(key, 0, sizeof(*key));
	switch (skb->protocol) {
	case htons(ETH_P_IP): {
		const struct iphdr *iph;

		if (unlikely(!pskb_may_pull(skb, sizeof(*iph))))
			return false;
		iph = (const struct iphdr *)skb->data;
		if (unlikely(iph->ihl < 5 || iph->version != 4))
			return false;
		key->family = AF_INET;
		key->v4 = iph->daddr;
		return true;
	}
	case htons(ETH_P_IPV6): {
		const struct ipv6hdr *ip6h;

		if (unlikely(!pskb_may_pull(skb, sizeof(*ip6h))))
			return false;
		ip6h = (const struct ipv6hdr *)skb->data;
		if (unlikely(ip6h->version != 6))
			return false;
		key->family = AF_INET6;
		key->v6 = ip6h->daddr;
		return true;
	}
	}
	return false;
}

static rx_handler_result_t ipvl_rx_l3(struct ipvl_port *port,
				      struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct ipvl_link *link;
	struct ipvl_addr *addr;
	struct net_device *dev;
	struct ipvl_key key;
	unsigned int len;

	/* L3 links take unicast only; the rest is the master's */
	if (skb->pkt_type != PACKET_HOST || !ipvl_rx_key(skb, &key))
		goto pass;

	addr = ipvl_addr_lookup(port, &key);
	if (!addr)
		goto pass;

	link = addr->link;
	dev = link->dev;
	if (unlikely(!(dev->flags & IFF_UP))) {
		ipvl_port_drop(port, IPVL_DROP_LINK_DOWN);
		ipvl_link_inc(link, rx_dropped);
		kfree_skb(skb);
		return RX_HANDLER_CONSUMED;
	}

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		ipvl_link_inc(link, rx_dropped);
		return RX_HANDLER_CONSUMED;
	}
	*pskb = skb;

	len = skb->len + ETH_HLEN;
	skb_scrub_packet(skb, !net_eq(dev_net(skb->dev), dev_net(dev)));
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;

	ipvl_link_count_rx(link, len, false);
	ipvl_addr_count(addr, len, true);
	ipvl_port_inc(port, rx_dispatched);
	return RX_HANDLER_ANOTHER;

pass:
	ipvl_port_inc(port, rx_passed);
	return RX_HANDLER_PASS;
}

rx_handler_result_t ipvl_handle_frame(struct sk_buff **pskb)
{
	struct ipvl_port *port = ipvl_port_get_rcu((*pskb)->dev);

	if (unlikely(!port))
		return RX_HANDLER_PASS;

	switch (READ_ONCE(port->mode)) {
	case IPVL_MODE_L3:
		return ipvl_rx_l3(port, pskb);
	}
	return RX_HANDLER_PASS;
}
