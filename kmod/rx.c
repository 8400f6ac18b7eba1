// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: the rx_handler on the master. One hash lookup on the L3
 * destination decides: a bound address goes to its link (crossing into the
 * link's namespace), anything else stays with the master. Unicast dispatch
 * takes no locks and allocates nothing; L2 multicast is cloned into the
 * port's backlog (mcast.c); L3S runs the master namespace's netfilter
 * PREROUTING and INPUT hooks before delivering.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/etherdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/net_namespace.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/ndisc.h>

#include "ipvl_priv.h"

/* Fill @key from the destination of the IP packet at skb->data. */
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

/*
 * ARP: the target IP of an Ethernet/IPv4 ARP packet at skb->data; with
 * @announce, whether it is gratuitous (sender and target IP the same, or a
 * reply), news for every neighbour cache on the segment.
 */
static bool ipvl_rx_arp_key(struct sk_buff *skb, struct ipvl_key *key,
			    bool *announce)
{
	const struct arphdr *arp;
	const u8 *p;

	if (unlikely(!pskb_may_pull(skb, arp_hdr_len(skb->dev))))
		return false;
	arp = (const struct arphdr *)skb->data;
	if (arp->ar_hrd != htons(ARPHRD_ETHER) || arp->ar_pro != htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4)
		return false;
	p = (const u8 *)(arp + 1) + 2 * ETH_ALEN + 4;
	memset(key, 0, sizeof(*key));
	key->family = AF_INET;
	memcpy(&key->v4, p, 4);
	if (announce)
		*announce = arp->ar_op == htons(ARPOP_REPLY) ||
			    !memcmp(p, p - ETH_ALEN - 4, 4);
	return true;
}

/* IPv6 neighbour solicitation (DAD probes too): its target address. */
static bool ipvl_rx_ns_key(struct sk_buff *skb, struct ipvl_key *key)
{
	const unsigned int off = sizeof(struct ipv6hdr);
	const struct ipv6hdr *ip6h;
	const struct nd_msg *ns;

	if (unlikely(!pskb_may_pull(skb, off + sizeof(*ns))))
		return false;
	ip6h = (const struct ipv6hdr *)skb->data;
	if (ip6h->version != 6 || ip6h->nexthdr != IPPROTO_ICMPV6)
		return false;
	ns = (const struct nd_msg *)(skb->data + off);
	if (ns->icmph.icmp6_type != NDISC_NEIGHBOUR_SOLICITATION)
		return false;
	memset(key, 0, sizeof(*key));
	key->family = AF_INET6;
	key->v6 = ns->target;
	return true;
}

/* Hand @skb to the link owning @addr; the caller returns ANOTHER. */
static rx_handler_result_t ipvl_rx_deliver(struct ipvl_port *port,
					   struct ipvl_addr *addr,
					   struct sk_buff **pskb)
{
	struct ipvl_link *link = addr->link;
	struct net_device *dev = link->dev;
	struct sk_buff *skb = *pskb;
	unsigned int len;
	u8 pkt_type;
	bool mcast;

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
	pkt_type = skb->pkt_type;
	mcast = pkt_type == PACKET_BROADCAST || pkt_type == PACKET_MULTICAST;
	/* scrubbing makes every packet PACKET_HOST: keep broadcast as it was */
	skb_scrub_packet(skb, !net_eq(dev_net(skb->dev), dev_net(dev)));
	skb->dev = dev;
	skb->pkt_type = mcast ? pkt_type : PACKET_HOST;

	ipvl_link_count_rx(link, len, mcast);
	ipvl_addr_count(addr, len, true);
	ipvl_port_inc(port, rx_dispatched);
	return RX_HANDLER_ANOTHER;
}

static rx_handler_result_t ipvl_rx_pass(struct ipvl_port *port)
{
	ipvl_port_inc(port, rx_passed);
	return RX_HANDLER_PASS;
}

/* ---- L3S: netfilter in the master's namespace ------------------------ */

/* What ip_rcv/ipv6_rcv would check before the hooks see the packet. */
static bool ipvl_l3s_sane(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);
		unsigned int len;

		if (!pskb_may_pull(skb, iph->ihl * 4))
			return false;
		iph = ip_hdr(skb);
		if (unlikely(ip_fast_csum((const u8 *)iph, iph->ihl)))
			return false;
		/* a BIG TCP GRO packet has tot_len 0 */
		len = skb_ip_totlen(skb);
		if (len < iph->ihl * 4 || skb->len < len ||
		    pskb_trim_rcsum(skb, len))
			return false;
		memset(IPCB(skb), 0, sizeof(struct inet_skb_parm));
		IPCB(skb)->iif = skb->skb_iif;
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		unsigned int len = ntohs(ip6h->payload_len);

		if (ipv6_addr_is_multicast(&ip6h->saddr) ||
		    ipv6_addr_loopback(&ip6h->saddr))
			return false;
		/* payload_len 0 before a hop-by-hop header: a jumbogram */
		if (len || ip6h->nexthdr != NEXTHDR_HOP) {
			len += sizeof(struct ipv6hdr);
			if (skb->len < len || pskb_trim_rcsum(skb, len))
				return false;
		}
		memset(IP6CB(skb), 0, sizeof(struct inet6_skb_parm));
		IP6CB(skb)->iif = skb->skb_iif;
	}
	return true;
}

/*
 * The input route, as in-tree L3S takes it: looked up in the link's
 * namespace with the link as the input device, so that rp_filter and the
 * martian checks apply and the LOCAL_IN hooks find a route (xt_realm reads
 * it). Only a local destination there goes on.
 */
static bool ipvl_l3s_route(struct sk_buff *skb, struct net_device *dev)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		const struct iphdr *iph = ip_hdr(skb);

		if (ip_route_input_noref(skb, iph->daddr, iph->saddr,
					 iph->tos, dev))
			return false;
		return skb_rtable(skb)->rt_type == RTN_LOCAL;
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		struct flowi6 fl6 = {
			.flowi6_iif	= dev->ifindex,
			.daddr		= ip6h->daddr,
			.saddr		= ip6h->saddr,
			.flowlabel	= ip6_flowinfo(ip6h),
			.flowi6_mark	= skb->mark,
			.flowi6_proto	= ip6h->nexthdr,
		};
		struct dst_entry *dst;

		skb_dst_drop(skb);
		dst = ip6_route_input_lookup(dev_net(dev), dev, &fl6, skb,
					     RT6_LOOKUP_F_HAS_SADDR);
		skb_dst_set(skb, dst);
		return !dst->error &&
		       (container_of(dst, struct rt6_info, dst)->rt6i_flags &
			RTF_LOCAL);
	}
#else
	return false;
#endif
}

/* The binding of the packet's destination on the port of skb->dev. */
static struct ipvl_addr *ipvl_l3s_addr(struct sk_buff *skb,
				       struct ipvl_port **portp)
{
	struct ipvl_port *port = ipvl_port_find_rcu(skb->dev);
	struct ipvl_addr *addr;
	struct ipvl_key key;

	*portp = port;
	if (!port || !ipvl_rx_key(skb, &key))
		return NULL;
	addr = ipvl_addr_lookup(port, &key);
	if (!addr)
		ipvl_port_drop(port, IPVL_DROP_NO_BINDING);
	return addr;
}

/* After the hooks accepted it: re-dispatch, as the table may have moved. */
static int ipvl_l3s_deliver(struct net *net, struct sock *sk,
			    struct sk_buff *skb)
{
	struct ipvl_port *port;
	struct ipvl_addr *addr;

	rcu_read_lock();
	addr = ipvl_l3s_addr(skb, &port);
	if (!addr) {
		rcu_read_unlock();
		kfree_skb(skb);
		return NET_RX_DROP;
	}
	if (ipvl_rx_deliver(port, addr, &skb) == RX_HANDLER_ANOTHER)
		netif_rx(skb);
	rcu_read_unlock();
	return NET_RX_SUCCESS;
}

/* After PREROUTING (which may have rewritten the destination): route. */
static int ipvl_l3s_input(struct net *net, struct sock *sk,
			  struct sk_buff *skb)
{
	u8 pf = skb->protocol == htons(ETH_P_IP) ? NFPROTO_IPV4 : NFPROTO_IPV6;
	struct ipvl_port *port;
	struct ipvl_addr *addr;
	int ret;

	rcu_read_lock();
	addr = ipvl_l3s_addr(skb, &port);
	if (!addr)
		goto drop;
	if (!ipvl_l3s_route(skb, addr->link->dev)) {
		ipvl_port_drop(port, IPVL_DROP_POLICY);
		goto drop;
	}
	ret = NF_HOOK(pf, NF_INET_LOCAL_IN, net, NULL, skb, skb->dev, NULL,
		      ipvl_l3s_deliver);
	rcu_read_unlock();
	return ret;

drop:
	rcu_read_unlock();
	kfree_skb(skb);
	return NET_RX_DROP;
}

static unsigned int ipvl_nf_accept(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	return NF_ACCEPT;
}

/*
 * NFQUEUE may hold L3S packets whose okfn is in this module. Unregistering
 * a hook makes the core drop what the queues of that namespace hold: do
 * that in every namespace once no port is left, before the module goes.
 */
void ipvl_l3s_flush_queues(void)
{
	static const struct nf_hook_ops ops = {
		.hook		= ipvl_nf_accept,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_LAST,
	};
	struct net *net;

	down_read(&net_rwsem);
	for_each_net(net)
		if (!nf_register_net_hook(net, &ops))
			nf_unregister_net_hook(net, &ops);
	up_read(&net_rwsem);
}

static rx_handler_result_t ipvl_rx_l3s(struct ipvl_port *port,
				       struct sk_buff *skb)
{
	struct net_device *master = skb->dev;
	u8 pf = skb->protocol == htons(ETH_P_IP) ? NFPROTO_IPV4 : NFPROTO_IPV6;

	skb_reset_network_header(skb);
	if (!ipvl_l3s_sane(skb)) {
		ipvl_port_drop(port, IPVL_DROP_MALFORMED);
		kfree_skb(skb);
		return RX_HANDLER_CONSUMED;
	}
	NF_HOOK(pf, NF_INET_PRE_ROUTING, dev_net(master), NULL, skb, master,
		NULL, ipvl_l3s_input);
	return RX_HANDLER_CONSUMED;
}

/* ---- the modes ------------------------------------------------------- */

static rx_handler_result_t ipvl_rx_l3(struct ipvl_port *port,
				      struct sk_buff **pskb, bool l3s)
{
	struct sk_buff *skb = *pskb;
	struct ipvl_addr *addr;
	struct ipvl_key key;

	/* L3 links take unicast only; the rest is the master's */
	if (skb->pkt_type != PACKET_HOST || !ipvl_rx_key(skb, &key))
		return ipvl_rx_pass(port);

	addr = ipvl_addr_lookup(port, &key);
	if (!addr)
		return ipvl_rx_pass(port);
	if (l3s) {
		skb = skb_share_check(skb, GFP_ATOMIC);
		if (unlikely(!skb))
			return RX_HANDLER_CONSUMED;
		return ipvl_rx_l3s(port, skb);
	}
	return ipvl_rx_deliver(port, addr, pskb);
}

static rx_handler_result_t ipvl_rx_l2(struct ipvl_port *port,
				      struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct ipvl_addr *addr;
	struct sk_buff *nskb;
	bool found, announce = false;
	struct ipvl_key key;

	if (skb->pkt_type == PACKET_HOST) {
		found = skb->protocol == htons(ETH_P_ARP) ?
			ipvl_rx_arp_key(skb, &key, NULL) :
			ipvl_rx_key(skb, &key);
		addr = found ? ipvl_addr_lookup(port, &key) : NULL;
		if (addr)
			return ipvl_rx_deliver(port, addr, pskb);
		return ipvl_rx_pass(port);
	}
	if (skb->pkt_type != PACKET_BROADCAST &&
	    skb->pkt_type != PACKET_MULTICAST)
		return ipvl_rx_pass(port);

	/* ARP requests and neighbour solicitations go to the owner only */
	if (skb->protocol == htons(ETH_P_ARP))
		found = ipvl_rx_arp_key(skb, &key, &announce);
	else if (skb->protocol == htons(ETH_P_IPV6))
		found = ipvl_rx_ns_key(skb, &key);
	else
		found = false;
	if (found) {
		addr = ipvl_addr_lookup(port, &key);
		if (addr)
			return ipvl_rx_deliver(port, addr, pskb);
		if (!announce)
			return ipvl_rx_pass(port);
	}

	/* other multicast and gratuitous ARP: every link that wants it */
	nskb = skb_clone(skb, GFP_ATOMIC);
	if (nskb) {
		skb_push(nskb, ETH_HLEN);
		ipvl_mc_enqueue(port, nskb, NULL);
	} else {
		ipvl_port_drop(port, IPVL_DROP_BACKLOG);
	}
	return ipvl_rx_pass(port);
}

rx_handler_result_t ipvl_handle_frame(struct sk_buff **pskb)
{
	struct ipvl_port *port = ipvl_port_get_rcu((*pskb)->dev);

	if (unlikely(!port))
		return RX_HANDLER_PASS;

	switch (READ_ONCE(port->mode)) {
	case IPVL_MODE_L2:
		return ipvl_rx_l2(port, pskb);
	case IPVL_MODE_L3:
		return ipvl_rx_l3(port, pskb, false);
	case IPVL_MODE_L3S:
		return ipvl_rx_l3(port, pskb, true);
	}
	return RX_HANDLER_PASS;
}
