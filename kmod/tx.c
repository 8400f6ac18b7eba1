// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit from a link. The source must be bound to the link (spoof
 * check); a destination bound to another link of the port is delivered
 * locally (unless the port is private or vepa). In L3 and L3S anything
 * else is routed in the master's namespace; in L2 it leaves through the
 * master as it is, and multicast is also replicated to the other links.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/icmpv6.h>
#include <linux/etherdevice.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/addrconf.h>
#include <net/inet_dscp.h>
#include <net/ndisc.h>

#include "ipvl_priv.h"

struct ipvl_tx {
	struct ipvl_key	saddr;		/* IP source, ARP sender */
	struct ipvl_key	daddr;		/* IP destination, ARP target */
	struct ipvl_key	claim;		/* target of a neighbour advertisement */
	const u8	*arp_sha;	/* ARP sender hardware address */
	bool		has_claim;
	bool		router_msg;	/* RA or redirect: never from a link */
};

static void ipvl_key4(struct ipvl_key *key, const void *a)
{
	key->family = AF_INET;
	memcpy(&key->v4, a, 4);
}

static void ipvl_key6(struct ipvl_key *key, const struct in6_addr *a)
{
	key->family = AF_INET6;
	key->v6 = *a;
}

static bool ipvl_tx_parse_arp(struct sk_buff *skb, struct ipvl_tx *tx)
{
	const struct arphdr *arp;
	const u8 *p;

	if (unlikely(!pskb_may_pull(skb, ETH_HLEN + arp_hdr_len(skb->dev))))
		return false;
	arp = arp_hdr(skb);
	if (arp->ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->ar_pro != htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != 4)
		return false;
	p = (const u8 *)(arp + 1);
	tx->arp_sha = p;
	ipvl_key4(&tx->saddr, p + ETH_ALEN);
	ipvl_key4(&tx->daddr, p + 2 * ETH_ALEN + 4);
	return true;
}

/*
 * ICMPv6 behind any extension headers: a neighbour advertisement claims
 * its target; router advertisements and redirects are a router's to send.
 * False when the extension headers cannot be walked.
 */
static bool ipvl_tx_parse_icmp6(struct sk_buff *skb, struct ipvl_tx *tx)
{
	int off = ETH_HLEN + sizeof(struct ipv6hdr);
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	const struct nd_msg *msg;
	__be16 frag_off;

	off = ipv6_skip_exthdr(skb, off, &nexthdr, &frag_off);
	if (off < 0)
		return false;
	if (nexthdr != IPPROTO_ICMPV6 || frag_off)
		return true;
	if (!pskb_may_pull(skb, off + sizeof(struct icmp6hdr)))
		return false;
	msg = (const struct nd_msg *)(skb->data + off);
	switch (msg->icmph.icmp6_type) {
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
		if (!pskb_may_pull(skb, off + sizeof(*msg)))
			return false;
		msg = (const struct nd_msg *)(skb->data + off);
		ipvl_key6(&tx->claim, &msg->target);
		tx->has_claim = true;
		break;
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_REDIRECT:
		tx->router_msg = true;
		break;
	}
	return true;
}

/*
 * Parse the frame at skb->data (Ethernet + IPv4/IPv6/ARP) without trusting
 * the header offsets a sender may or may not have set (AF_PACKET).
 */
static bool ipvl_tx_parse(struct sk_buff *skb, struct ipvl_tx *tx)
{
	const struct ethhdr *eth;

	if (unlikely(!pskb_may_pull(skb, ETH_HLEN)))
		return false;
	skb_reset_mac_header(skb);
	eth = (const struct ethhdr *)skb->data;
	skb_set_network_header(skb, ETH_HLEN);
	memset(tx, 0, sizeof(*tx));
	skb->protocol = eth->h_proto;

	switch (eth->h_proto) {
	case htons(ETH_P_IP): {
		const struct iphdr *iph;

		if (unlikely(!pskb_may_pull(skb, ETH_HLEN + sizeof(*iph))))
			return false;
		iph = ip_hdr(skb);
		if (unlikely(iph->ihl < 5 || iph->version != 4))
			return false;
		ipvl_key4(&tx->saddr, &iph->saddr);
		ipvl_key4(&tx->daddr, &iph->daddr);
		return true;
	}
	case htons(ETH_P_IPV6): {
		const struct ipv6hdr *ip6h;

		if (unlikely(!pskb_may_pull(skb, ETH_HLEN + sizeof(*ip6h))))
			return false;
		ip6h = ipv6_hdr(skb);
		if (unlikely(ip6h->version != 6))
			return false;
		ipvl_key6(&tx->saddr, &ip6h->saddr);
		ipvl_key6(&tx->daddr, &ip6h->daddr);
		return ipvl_tx_parse_icmp6(skb, tx);
	}
	case htons(ETH_P_ARP):
		return ipvl_tx_parse_arp(skb, tx);
	}
	return false;
}

/*
 * The one link-local address a link may send from: the one the kernel
 * derives from its MAC address and dev_id (EUI-64), distinct for every
 * link of a port, the master's and any router's. Others (fe80::1 of the
 * segment's router, say) are spoofed.
 */
static bool ipvl_tx_own_ll(struct ipvl_link *link, const struct in6_addr *a)
{
	u8 eui[8];

	if (a->s6_addr32[0] != htonl(0xfe800000) || a->s6_addr32[1] ||
	    addrconf_ifid_eui48(eui, link->dev))
		return false;
	return !memcmp(eui, &a->s6_addr[8], sizeof(eui));
}

/* May @link use @key as its own? Unspecified and own link-local are ok. */
static struct ipvl_addr *ipvl_tx_own(struct ipvl_link *link,
				     const struct ipvl_key *key)
{
	struct ipvl_addr *addr = ipvl_addr_lookup(link->port, key);

	if (addr && addr->link == link)
		return addr;
	if (!READ_ONCE(link->port->spoof_check))
		return NULL;
	if (key->family == AF_INET)
		return key->v4 ? ERR_PTR(-EPERM) : NULL;
	if (ipv6_addr_any(&key->v6))
		return NULL;
	if (ipvl_tx_own_ll(link, &key->v6))
		return NULL;
	return ERR_PTR(-EPERM);
}

/*
 * Source validation: the binding the source belongs to (for its counters),
 * NULL when there is none to count, or an ERR_PTR for a spoofed packet.
 */
static struct ipvl_addr *ipvl_tx_source(struct ipvl_link *link,
					const struct ipvl_tx *tx)
{
	struct ipvl_addr *claim;

	if (tx->router_msg && READ_ONCE(link->port->spoof_check))
		return ERR_PTR(-EPERM);
	if (tx->arp_sha && READ_ONCE(link->port->spoof_check) &&
	    !ether_addr_equal(tx->arp_sha, link->dev->dev_addr))
		return ERR_PTR(-EPERM);
	if (tx->has_claim) {
		claim = ipvl_tx_own(link, &tx->claim);
		if (IS_ERR(claim))
			return claim;
	}
	return ipvl_tx_own(link, &tx->saddr);
}

static noinline_for_stack int ipvl_out_v4(struct sk_buff *skb,
					  struct net_device *master)
{
	struct net *net = dev_net(master);
	const struct iphdr *iph = ip_hdr(skb);
	struct flowi4 fl4 = {
		.flowi4_oif	= master->ifindex,
		.flowi4_flags	= FLOWI_FLAG_ANYSRC,
		.flowi4_mark	= skb->mark,
		.flowi4_tos	= iph->tos & INET_DSCP_MASK,
		.daddr		= iph->daddr,
		.saddr		= iph->saddr,
	};
	struct rtable *rt;
	int err;

	rt = ip_route_output_flow(net, &fl4, NULL);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return NET_XMIT_DROP;
	}
	if (rt->rt_type != RTN_UNICAST && rt->rt_type != RTN_LOCAL) {
		ip_rt_put(rt);
		kfree_skb(skb);
		return NET_XMIT_DROP;
	}
	skb_dst_set(skb, &rt->dst);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	err = ip_local_out(net, NULL, skb);
	return net_xmit_eval(err) ? NET_XMIT_DROP : NET_XMIT_SUCCESS;
}

#if IS_ENABLED(CONFIG_IPV6)
static noinline_for_stack int ipvl_out_v6(struct sk_buff *skb,
					  struct net_device *master)
{
	struct net *net = dev_net(master);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct flowi6 fl6 = {
		.flowi6_oif	= master->ifindex,
		.flowi6_flags	= FLOWI_FLAG_ANYSRC,
		.flowi6_mark	= skb->mark,
		.flowi6_proto	= ip6h->nexthdr,
		.flowlabel	= ip6_flowinfo(ip6h),
		.daddr		= ip6h->daddr,
		.saddr		= ip6h->saddr,
	};
	struct dst_entry *dst;
	int err;

	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		kfree_skb(skb);
		return NET_XMIT_DROP;
	}
	skb_dst_set(skb, dst);
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	err = ip6_local_out(net, NULL, skb);
	return net_xmit_eval(err) ? NET_XMIT_DROP : NET_XMIT_SUCCESS;
}
#else
static int ipvl_out_v6(struct sk_buff *skb, struct net_device *master)
{
	kfree_skb(skb);
	return NET_XMIT_DROP;
}
#endif

/* Leave through the master: drop the link's Ethernet header and route. */
static int ipvl_tx_out(struct ipvl_port *port, struct sk_buff *skb)
{
	struct net_device *master = port->master;

	skb_scrub_packet(skb, !net_eq(dev_net(skb->dev), dev_net(master)));
	skb->dev = master;
	skb_pull(skb, ETH_HLEN);
	skb_reset_network_header(skb);
	skb->mac_header = (typeof(skb->mac_header))~0U;

	ipvl_port_inc(port, tx_out);
	if (skb->protocol == htons(ETH_P_IP))
		return ipvl_out_v4(skb, master);
	return ipvl_out_v6(skb, master);
}

/* Deliver to another link of the port, as if received from the master. */
static int ipvl_tx_local(struct ipvl_port *port, struct ipvl_addr *daddr,
			 struct sk_buff *skb)
{
	struct ipvl_link *peer = daddr->link;
	unsigned int len = skb->len;

	if (unlikely(!(peer->dev->flags & IFF_UP))) {
		ipvl_port_drop(port, IPVL_DROP_LINK_DOWN);
		ipvl_link_inc(peer, rx_dropped);
		kfree_skb(skb);
		return NET_XMIT_DROP;
	}
	if (dev_forward_skb(peer->dev, skb) != NET_RX_SUCCESS) {
		ipvl_link_inc(peer, rx_dropped);
		return NET_XMIT_DROP;
	}
	ipvl_link_count_rx(peer, len, false);
	ipvl_addr_count(daddr, len, true);
	ipvl_port_inc(port, tx_local);
	return NET_XMIT_SUCCESS;
}

/*
 * Validate the frame: no VLAN tag (in the skb or in the frame: a link
 * stays on the master's segment), the link's own MAC and IP source. On
 * success *saddr is the binding to count the frame on once it is sent.
 * False when the frame must be dropped.
 */
static bool ipvl_tx_check(struct ipvl_link *link, struct sk_buff *skb,
			  struct ipvl_tx *tx, struct ipvl_addr **saddr)
{
	struct ipvl_port *port = link->port;
	bool spoof_check = READ_ONCE(port->spoof_check);

	*saddr = NULL;
	if (unlikely(skb_vlan_tag_present(skb))) {
		ipvl_port_drop(port, IPVL_DROP_POLICY);
		return false;
	}
	if (unlikely(!ipvl_tx_parse(skb, tx))) {
		if (eth_type_vlan(skb->protocol)) {
			ipvl_port_drop(port, IPVL_DROP_POLICY);
			return false;
		}
		/* other protocols: only without the spoof check, in L2 */
		if (port->mode == IPVL_MODE_L2 && !spoof_check &&
		    skb->len >= ETH_HLEN)
			return true;
		ipvl_port_drop(port, IPVL_DROP_MALFORMED);
		return false;
	}
	if (spoof_check &&
	    !ether_addr_equal(eth_hdr(skb)->h_source, link->dev->dev_addr)) {
		ipvl_port_drop(port, IPVL_DROP_SPOOFED);
		return false;
	}
	*saddr = ipvl_tx_source(link, tx);
	if (IS_ERR(*saddr)) {
		*saddr = NULL;
		ipvl_port_drop(port, IPVL_DROP_SPOOFED);
		return false;
	}
	if (skb->protocol == htons(ETH_P_ARP))
		*saddr = NULL;
	return true;
}

static int ipvl_tx_l3(struct ipvl_link *link, struct sk_buff *skb,
		      struct ipvl_tx *tx)
{
	struct ipvl_port *port = link->port;
	struct ipvl_addr *daddr;
	u32 flags;

	/* L3 links speak IP, and neither multicast nor broadcast */
	if (skb->protocol != htons(ETH_P_IP) &&
	    skb->protocol != htons(ETH_P_IPV6)) {
		ipvl_port_drop(port, IPVL_DROP_MALFORMED);
		goto drop;
	}
	/* (the stack's own MLD and router solicitations: not a policy drop) */
	if (is_multicast_ether_addr(eth_hdr(skb)->h_dest))
		goto drop;

	flags = READ_ONCE(port->flags);
	if (!(flags & IPVL_PORT_FLAGS_VEPA)) {
		daddr = ipvl_addr_lookup(port, &tx->daddr);
		if (daddr) {
			if (flags & IPVL_PORT_FLAGS_PRIVATE) {
				ipvl_port_drop(port, IPVL_DROP_POLICY);
				goto drop;
			}
			return ipvl_tx_local(port, daddr, skb);
		}
	}
	return ipvl_tx_out(port, skb);

drop:
	kfree_skb(skb);
	return NET_XMIT_DROP;
}

/* L2: out through the master, the frame as the link built it. */
static int ipvl_tx_wire(struct ipvl_port *port, struct sk_buff *skb)
{
	struct net_device *master = port->master;

	skb_scrub_packet(skb, !net_eq(dev_net(skb->dev), dev_net(master)));
	skb->dev = master;
	ipvl_port_inc(port, tx_out);
	return dev_queue_xmit(skb);
}

static int ipvl_tx_l2(struct ipvl_link *link, struct sk_buff *skb,
		      struct ipvl_tx *tx)
{
	struct ipvl_port *port = link->port;
	const struct ethhdr *eth = eth_hdr(skb);
	u32 flags = READ_ONCE(port->flags);
	struct ipvl_addr *daddr;
	struct sk_buff *nskb;

	if (ether_addr_equal(eth->h_dest, eth->h_source)) {
		/* to the shared MAC: another link, or the master's stack */
		if (flags & IPVL_PORT_FLAGS_VEPA)
			return ipvl_tx_wire(port, skb);
		daddr = tx->daddr.family ? ipvl_addr_lookup(port, &tx->daddr) :
					   NULL;
		if (daddr) {
			if (daddr->link != link &&
			    (flags & IPVL_PORT_FLAGS_PRIVATE)) {
				ipvl_port_drop(port, IPVL_DROP_POLICY);
				kfree_skb(skb);
				return NET_XMIT_DROP;
			}
			return ipvl_tx_local(port, daddr, skb);
		}
		skb_scrub_packet(skb, !net_eq(dev_net(skb->dev),
					      dev_net(port->master)));
		return dev_forward_skb(port->master, skb) == NET_RX_SUCCESS ?
		       NET_XMIT_SUCCESS : NET_XMIT_DROP;
	}

	if (is_multicast_ether_addr(eth->h_dest) &&
	    !(flags & (IPVL_PORT_FLAGS_PRIVATE | IPVL_PORT_FLAGS_VEPA))) {
		nskb = skb_clone(skb, GFP_ATOMIC);
		if (nskb)
			ipvl_mc_enqueue(port, nskb, link->dev);
		else
			ipvl_port_drop(port, IPVL_DROP_BACKLOG);
	}
	return ipvl_tx_wire(port, skb);
}

netdev_tx_t ipvl_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ipvl_link *link = netdev_priv(dev);
	struct ipvl_addr *saddr = NULL;
	unsigned int len = skb->len;
	int ret = NET_XMIT_DROP;
	struct ipvl_tx tx;

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb))
		goto out;

	/*
	 * The core calls us with BH disabled only (a packet socket sends
	 * without rcu_read_lock()); the address table's readers need it.
	 */
	rcu_read_lock();
	if (!ipvl_tx_check(link, skb, &tx, &saddr)) {
		kfree_skb(skb);
		goto out_unlock;
	}

	switch (READ_ONCE(link->port->mode)) {
	case IPVL_MODE_L2:
		ret = ipvl_tx_l2(link, skb, &tx);
		break;
	case IPVL_MODE_L3:
	case IPVL_MODE_L3S:
		ret = ipvl_tx_l3(link, skb, &tx);
		break;
	default:
		kfree_skb(skb);
		break;
	}
	/* the binding is RCU-freed: count on it before unlocking */
	if (saddr && (ret == NET_XMIT_SUCCESS || ret == NET_XMIT_CN))
		ipvl_addr_count(saddr, len, false);
out_unlock:
	rcu_read_unlock();
out:
	if (likely(ret == NET_XMIT_SUCCESS || ret == NET_XMIT_CN))
		ipvl_link_count_tx(link, len);
	else
		ipvl_link_inc(link, tx_dropped);
	return NETDEV_TX_OK;
}
