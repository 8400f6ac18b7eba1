/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipvl: a host-owned ipvlan-style datapath.
 *
 * Objects: a port (per master netdev, rx_handler data), links (our netdevs,
 * one per tenant) and bindings (addresses owned by one link of a port).
 * Every control-plane change runs under RTNL; the data path reads ports,
 * links and bindings under RCU only.
 */
#ifndef _IPVL_PRIV_H
#define _IPVL_PRIV_H

#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/u64_stats_sync.h>
#include <linux/in6.h>
#include <linux/idr.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>

#include "ipvl.h"	/* UAPI, generated from genl/ipvl.yaml */
#include "compat.h"

#define IPVL_MODULE_VERSION	"0.1.0"

enum ipvl_drop_reason {
	IPVL_DROP_NO_BINDING,
	IPVL_DROP_SPOOFED,
	IPVL_DROP_BACKLOG,
	IPVL_DROP_LINK_DOWN,
	IPVL_DROP_POLICY,
	IPVL_DROP_MALFORMED,
	IPVL_DROP_MAX,
};

/* Per-CPU counters; the sums are what netlink and ndo_get_stats64 report. */
struct ipvl_port_pcpu {
	u64_stats_t rx_dispatched;
	u64_stats_t rx_passed;
	u64_stats_t tx_local;
	u64_stats_t tx_out;
	u64_stats_t drop[IPVL_DROP_MAX];
	struct u64_stats_sync syncp;
};

struct ipvl_link_pcpu {
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	u64_stats_t rx_multicast;
	u64_stats_t rx_dropped;
	u64_stats_t tx_packets;
	u64_stats_t tx_bytes;
	u64_stats_t tx_dropped;
	struct u64_stats_sync syncp;
};

struct ipvl_addr_pcpu {
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	u64_stats_t tx_packets;
	u64_stats_t tx_bytes;
	struct u64_stats_sync syncp;
};

struct ipvl_port_stats {
	u64 rx_dispatched, rx_passed, tx_local, tx_out;
	u64 drop[IPVL_DROP_MAX];
};

struct ipvl_link_stats {
	u64 rx_packets, rx_bytes, rx_multicast, rx_dropped;
	u64 tx_packets, tx_bytes, tx_dropped;
};

struct ipvl_addr_stats {
	u64 rx_packets, rx_bytes, tx_packets, tx_bytes;
};

/* Hash key of a binding: IPv4 addresses use the first word only. */
struct ipvl_key {
	union {
		__be32		v4;
		struct in6_addr	v6;
	};
	u32 family;
};

struct ipvl_port {
	struct net_device	*master;
	u32			id;		/* dump cursor, never reused */
	u16			mode;		/* enum ipvl_mode */
	u32			flags;		/* enum ipvl_port_flags */
	bool			spoof_check;
	struct list_head	links;		/* ipvl_link.pnode, RCU */
	struct rhashtable	addrs;		/* ipvl_addr.node, RCU */
	u32			n_links;
	u32			n_addrs;
	struct ida		dev_ids;
	struct ipvl_port_pcpu __percpu *stats;
	struct sk_buff_head	backlog;	/* L2 multicast to replicate */
	struct work_struct	mc_work;
	struct rcu_head		rcu;
};

/* L2 multicast: the most frames waiting for replication on one port. */
#define IPVL_BACKLOG_MAX	1000
#define IPVL_MC_FILTER_BITS	8

/* Where a frame in the backlog came from. */
struct ipvl_mc_cb {
	struct net_device	*src;	/* the sending link (held), or NULL */
};

#define IPVL_MC_CB(skb) ((struct ipvl_mc_cb *)(skb)->cb)

/* The owner tag of a link, with its NUL (IPVL_A_LINK_OWNER). */
#define IPVL_OWNER_LEN	128

struct ipvl_link {
	struct net_device	*dev;
	/*
	 * The port, for as long as the link is attached (ndo_init to
	 * ndo_uninit) and for RCU readers that reached the link through it:
	 * it is freed after a grace period once its last link is detached.
	 */
	struct ipvl_port	*port;
	/*
	 * The master, held for the netdev's whole life: ndos that still run
	 * after ndo_uninit (linkwatch asks for the iflink of a link being
	 * unregistered) must not reach it through the freed port.
	 */
	struct net_device	*master;
	netdevice_tracker	master_tracker;
	u32			id;
	/*
	 * The name the host resolves the link by: its netdev name, followed
	 * while the link lives in a namespace of the master's user namespace,
	 * but not a tenant's renames in a namespace of its own (RTNL).
	 */
	char			name[IFNAMSIZ];
	struct list_head	pnode;
	struct list_head	addrs;		/* ipvl_addr.lnode, RTNL */
	u32			n_addrs;
	bool			attached;	/* on the port, between ndo_init and ndo_uninit */
	bool			announced;	/* link-new notification sent */
	char			owner[IPVL_OWNER_LEN];	/* "" when none was set */
	DECLARE_BITMAP(mc_filter, 1 << IPVL_MC_FILTER_BITS);
	struct ipvl_link_pcpu __percpu *stats;
};

struct ipvl_addr {
	struct rhash_head	node;
	struct ipvl_key		key;
	struct ipvl_link	*link;
	struct list_head	lnode;
	bool			keep;		/* scratch mark of addr-replace */
	struct ipvl_addr_pcpu __percpu *stats;
	struct rcu_head		rcu;
};

/* main.c */
extern u32 ipvl_generation;
void ipvl_changed(void);

/* port.c */
extern struct idr ipvl_ports;
struct ipvl_port *ipvl_port_get_rtnl(const struct net_device *dev);
struct ipvl_port *ipvl_port_get_rcu(const struct net_device *dev);
struct ipvl_port *ipvl_port_find_rcu(const struct net_device *dev);
int ipvl_port_create(struct net_device *master, u16 mode, u32 flags,
		     bool spoof_check, struct netlink_ext_ack *extack);
void ipvl_port_destroy(struct ipvl_port *port);
void ipvl_port_teardown(struct ipvl_port *port);
void ipvl_port_set_mode(struct ipvl_port *port, u16 mode);
void ipvl_port_destroy_all(void);
int ipvl_notifier_init(void);
void ipvl_notifier_exit(void);

/* link.c */
extern struct rtnl_link_ops ipvl_link_ops;
extern struct idr ipvl_links;
bool ipvl_is_link(const struct net_device *dev);
struct net_device *ipvl_link_create(struct net *net, const char *name,
				    struct ipvl_port *port, u32 mtu,
				    const char *owner,
				    struct netlink_ext_ack *extack);
void ipvl_link_apply_mode(struct ipvl_link *link);
void ipvl_link_dellink(struct net_device *dev, struct list_head *head);

/* addr.c */
int ipvl_addr_table_init(struct ipvl_port *port);
void ipvl_addr_table_destroy(struct ipvl_port *port);
struct ipvl_addr *ipvl_addr_lookup(struct ipvl_port *port,
				   const struct ipvl_key *key);
struct ipvl_addr *ipvl_addr_find(struct ipvl_port *port,
				 const struct ipvl_key *key);
int ipvl_addr_check(struct ipvl_link *link, const struct ipvl_key *key,
		    struct netlink_ext_ack *extack);
int ipvl_addr_bind(struct ipvl_link *link, const struct ipvl_key *key,
		   struct ipvl_addr **out, struct netlink_ext_ack *extack);
int ipvl_addr_replace(struct ipvl_link *link, const struct ipvl_key *keys,
		      unsigned int n, struct netlink_ext_ack *extack);
void ipvl_addr_unbind(struct ipvl_addr *addr);
void ipvl_addr_flush_link(struct ipvl_link *link);
int ipvl_addr_validators_init(void);
void ipvl_addr_validators_exit(void);

/* mcast.c */
void ipvl_mc_init(struct ipvl_port *port);
void ipvl_mc_flush(struct ipvl_port *port);
void ipvl_mc_enqueue(struct ipvl_port *port, struct sk_buff *skb,
		     struct net_device *src);
void ipvl_mc_set_filter(struct ipvl_link *link);

/* rx.c, tx.c */
rx_handler_result_t ipvl_handle_frame(struct sk_buff **pskb);
netdev_tx_t ipvl_start_xmit(struct sk_buff *skb, struct net_device *dev);
void ipvl_l3s_flush_queues(void);

/* stats.c: readers sum the per-CPU counters; writers are the inlines below,
 * called with BH disabled (softirq RX, ndo_start_xmit).
 */
void ipvl_port_stats_read(struct ipvl_port *port, struct ipvl_port_stats *s);
void ipvl_link_stats_read(struct ipvl_link *link, struct ipvl_link_stats *s);
void ipvl_addr_stats_read(struct ipvl_addr *addr, struct ipvl_addr_stats *s);

#define __ipvl_inc(type, pcpu, member) do {				\
	type *__s = this_cpu_ptr(pcpu);					\
									\
	u64_stats_update_begin(&__s->syncp);				\
	u64_stats_inc(&__s->member);					\
	u64_stats_update_end(&__s->syncp);				\
} while (0)

#define ipvl_port_inc(port, member) \
	__ipvl_inc(struct ipvl_port_pcpu, (port)->stats, member)
#define ipvl_link_inc(link, member) \
	__ipvl_inc(struct ipvl_link_pcpu, (link)->stats, member)

static inline void ipvl_port_drop(struct ipvl_port *port,
				  enum ipvl_drop_reason reason)
{
	ipvl_port_inc(port, drop[reason]);
}

static inline void ipvl_link_count_rx(struct ipvl_link *link,
				      unsigned int len, bool mcast)
{
	struct ipvl_link_pcpu *s = this_cpu_ptr(link->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->rx_packets);
	u64_stats_add(&s->rx_bytes, len);
	if (mcast)
		u64_stats_inc(&s->rx_multicast);
	u64_stats_update_end(&s->syncp);
}

static inline void ipvl_link_count_tx(struct ipvl_link *link, unsigned int len)
{
	struct ipvl_link_pcpu *s = this_cpu_ptr(link->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->tx_packets);
	u64_stats_add(&s->tx_bytes, len);
	u64_stats_update_end(&s->syncp);
}

static inline void ipvl_addr_count(struct ipvl_addr *addr, unsigned int len,
				   bool rx)
{
	struct ipvl_addr_pcpu *s = this_cpu_ptr(addr->stats);

	u64_stats_update_begin(&s->syncp);
	if (rx) {
		u64_stats_inc(&s->rx_packets);
		u64_stats_add(&s->rx_bytes, len);
	} else {
		u64_stats_inc(&s->tx_packets);
		u64_stats_add(&s->tx_bytes, len);
	}
	u64_stats_update_end(&s->syncp);
}

/* genl.c */
extern struct genl_family ipvl_genl_family;
int ipvl_genl_init(void);
void ipvl_genl_exit(void);
void ipvl_notify_port(struct ipvl_port *port, u8 cmd);
void ipvl_notify_link(struct ipvl_link *link, u8 cmd);
void ipvl_notify_addr(struct ipvl_addr *addr, u8 cmd);

#endif /* _IPVL_PRIV_H */
