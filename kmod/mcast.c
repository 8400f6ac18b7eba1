// SPDX-License-Identifier: GPL-2.0
/*
 * L2 multicast and broadcast: frames to replicate to the links of a port
 * wait in a bounded per-port backlog and are cloned to each link by a work
 * item, outside the softirq fast path. A full backlog drops and counts.
 */
#include <linux/etherdevice.h>
#include <linux/hash.h>

#include "ipvl_priv.h"

/* Frames handled between two chances for the scheduler to run others. */
#define IPVL_MC_BATCH	64

static u32 ipvl_mc_hash(const u8 *addr)
{
	return hash_32(get_unaligned((const u32 *)(addr + 2)),
		       IPVL_MC_FILTER_BITS);
}

/* ndo_set_rx_mode: which multicast MACs the link takes. */
void ipvl_mc_set_filter(struct ipvl_link *link)
{
	struct net_device *dev = link->dev;
	DECLARE_BITMAP(filter, 1 << IPVL_MC_FILTER_BITS);
	struct netdev_hw_addr *ha;

	if (dev->flags & (IFF_PROMISC | IFF_ALLMULTI)) {
		bitmap_fill(filter, 1 << IPVL_MC_FILTER_BITS);
	} else {
		bitmap_zero(filter, 1 << IPVL_MC_FILTER_BITS);
		netdev_for_each_mc_addr(ha, dev)
			__set_bit(ipvl_mc_hash(ha->addr), filter);
		/* broadcast is always welcome */
		__set_bit(ipvl_mc_hash(dev->broadcast), filter);
	}
	bitmap_copy(link->mc_filter, filter, 1 << IPVL_MC_FILTER_BITS);
}

static bool ipvl_mc_wanted(struct ipvl_link *link, const u8 *dest)
{
	return test_bit(ipvl_mc_hash(dest), link->mc_filter);
}

/*
 * Queue @skb (data at the MAC header) for the links of @port. @src is the
 * link that sent it, NULL for frames received on the master. Consumes skb.
 */
void ipvl_mc_enqueue(struct ipvl_port *port, struct sk_buff *skb,
		     struct net_device *src)
{
	spin_lock(&port->backlog.lock);
	if (skb_queue_len(&port->backlog) >= IPVL_BACKLOG_MAX) {
		spin_unlock(&port->backlog.lock);
		ipvl_port_drop(port, IPVL_DROP_BACKLOG);
		kfree_skb(skb);
		return;
	}
	IPVL_MC_CB(skb)->src = src;
	if (src)
		dev_hold(src);
	__skb_queue_tail(&port->backlog, skb);
	spin_unlock(&port->backlog.lock);
	schedule_work(&port->mc_work);
}

/* Clone one frame to every link that should see it. Under RCU. */
static void ipvl_mc_deliver(struct ipvl_port *port, struct sk_buff *skb)
{
	struct net_device *src = IPVL_MC_CB(skb)->src;
	const u8 *dest = eth_hdr(skb)->h_dest;
	u32 flags = READ_ONCE(port->flags);
	struct ipvl_link *link;
	struct sk_buff *nskb;
	unsigned int len;

	/* between links only in bridge mode: private isolates broadcast too */
	if (src && (flags & (IPVL_PORT_FLAGS_PRIVATE | IPVL_PORT_FLAGS_VEPA)))
		return;

	list_for_each_entry_rcu(link, &port->links, pnode) {
		if (link->dev == src || !(link->dev->flags & IFF_UP) ||
		    !ipvl_mc_wanted(link, dest))
			continue;
		nskb = skb_clone(skb, GFP_ATOMIC);
		if (!nskb) {
			ipvl_link_inc(link, rx_dropped);
			continue;
		}
		len = nskb->len;
		if (dev_forward_skb(link->dev, nskb) == NET_RX_SUCCESS)
			ipvl_link_count_rx(link, len, true);
		else
			ipvl_link_inc(link, rx_dropped);
	}
}

static void ipvl_mc_work(struct work_struct *work)
{
	struct ipvl_port *port = container_of(work, struct ipvl_port, mc_work);
	struct sk_buff_head list;
	struct sk_buff *skb;
	unsigned int n = 0;

	__skb_queue_head_init(&list);
	spin_lock_bh(&port->backlog.lock);
	skb_queue_splice_tail_init(&port->backlog, &list);
	spin_unlock_bh(&port->backlog.lock);

	while ((skb = __skb_dequeue(&list))) {
		struct net_device *src = IPVL_MC_CB(skb)->src;

		local_bh_disable();
		rcu_read_lock();
		ipvl_mc_deliver(port, skb);
		rcu_read_unlock();
		local_bh_enable();

		consume_skb(skb);
		if (src)
			dev_put(src);
		if (++n % IPVL_MC_BATCH == 0)
			cond_resched();
	}
}

void ipvl_mc_init(struct ipvl_port *port)
{
	skb_queue_head_init(&port->backlog);
	INIT_WORK(&port->mc_work, ipvl_mc_work);
}

/* The port is going: no producer is left, drop what still waits. */
void ipvl_mc_flush(struct ipvl_port *port)
{
	struct sk_buff *skb;

	cancel_work_sync(&port->mc_work);
	while ((skb = skb_dequeue(&port->backlog))) {
		if (IPVL_MC_CB(skb)->src)
			dev_put(IPVL_MC_CB(skb)->src);
		kfree_skb(skb);
	}
}
