// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit from a link. The source must be bound to the link (spoof
 * check); a destination bound to another link of the port is delivered
 * locally (unless the port is private or vepa); anything else is routed in
 * the master's namespace and leaves through the master.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/etherdevice.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/route.h>
#include <net/addrconf.h>
#include <net/inet_dscp.h>

#include "ipvl_priv.h"

struct ipvl_tx {
	struct ipvl_key	saddr;
	struct ipvl_key	daddr;
};

/*
 * Parse the frame at skb->data (Ethernet + IPv4/IPv6) without trusting the
 * header offsets a sender may or may not have set (AF_PACKET).
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

	switch (eth->h_proto) {
	case htons(ETH_P_IP): {
		const struct iphdr *iph;

		if (unlikely(!pskb_may_pull(skb, ETH_HLEN + sizeof(*iph))))
			return false;
		iph = ip_hdr(skb);
		if (unlikely(iph->ihl < 5 || iph->version != 4))
			return false;
		tx->saddr.family = AF_INET;
		tx->saddr.v4 = iph->saddr;
		tx->daddr.family = AF_INET;
		tx->daddr.v4 = iph->daddr;
		skb->protocol = eth->h_proto;
		return true;
	}
	case htons(ETH_P_IPV6): {
		const struct ipv6hdr *ip6h;

		if (unlikely(!pskb_may_pull(skb, ETH_HLEN + sizeof(*ip6h))))
			return false;
		ip6h = ipv6_hdr(skb);
		if (unlikely(ip6h->version != 6))
			return false;
		tx->saddr.family = AF_INET6;
		tx->saddr.v6 = ip6h->saddr;
		tx->daddr.family = AF_INET6;
		tx->daddr.v6 = ip6h->daddr;
		skb->protocol = eth->h_proto;
		return true;
	}
	}
	return false;
}

/*
 * The binding the packet's source belongs to, NULL for the unspecified
 * address or the link's own IPv6 link-local address, or an ERR_PTR when
 * the link may not use this source.
 */
static struct ipvl_addr *ipvl_tx_source(struct ipvl_link *link,
					const struct ipvl_key *saddr)
{
	struct ipvl_addr *addr = ipvl_addr_lookup(link->port, saddr);

	if (addr && addr->link == link)
		return addr;
	if (!READ_ONCE(link->port->spoof_check))
		return NULL;
	if (saddr->family == AF_INET)
		return saddr->v4 ? ERR_PTR(-EPERM) : NULL;
	if (ipv6_addr_any(&saddr->v6))
		return NULL;
	if ((ipv6_addr_type(&saddr->v6) & IPV6_ADDR_LINKLOCAL) &&
	    ipv6_chk_addr(dev_net(link->dev), &saddr->v6, link->dev, 0))
		return NULL;
	return ERR_PTR(-EPERM);
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

static int ipvl_tx_l3(struct ipvl_link *link, struct sk_buff *skb)
{
	struct ipvl_port *port = link->port;
	struct ipvl_addr *saddr, *daddr;
	struct ipvl_tx tx;
	u32 flags;

	if (unlikely(!ipvl_tx_parse(skb, &tx))) {
		ipvl_port_drop(port, IPVL_DROP_MALFORMED);
		goto drop;
	}
	/* L3 links do not do multicast or broadcast */
	if (is_multicast_ether_addr(eth_hdr(skb)->h_dest)) {
		ipvl_port_drop(port, IPVL_DROP_POLICY);
		goto drop;
	}

	saddr = ipvl_tx_source(link, &tx.saddr);
	if (IS_ERR(saddr)) {
		ipvl_port_drop(port, IPVL_DROP_SPOOFED);
		goto drop;
	}
	if (saddr)
		ipvl_addr_count(saddr, skb->len, false);

	flags = READ_ONCE(port->flags);
	if (!(flags & IPVL_PORT_FLAGS_VEPA)) {
		daddr = ipvl_addr_lookup(port, &tx.daddr);
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

netdev_tx_t ipvl_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ipvl_link *link = netdev_priv(dev);
	unsigned int len = skb->len;
	int ret = NET_XMIT_DROP;

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (likely(skb)) {
		switch (READ_ONCE(link->port->mode)) {
		case IPVL_MODE_L3:
			ret = ipvl_tx_l3(link, skb);
			break;
		default:
			kfree_skb(skb);
			break;
		}
	}

	if (likely(ret == NET_XMIT_SUCCESS))
		ipvl_link_count_tx(link, len);
	else
		ipvl_link_inc(link, tx_dropped);
	return NETDEV_TX_OK;
}
