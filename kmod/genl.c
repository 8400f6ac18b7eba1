// SPDX-License-Identifier: GPL-2.0
/*
 * The "ipvl" generic netlink family: requests, replies, dumps and the
 * notifications of the monitor group. Every handler runs under RTNL, which
 * also serialises every other writer (netdev notifier, rtnetlink).
 *
 * Replies to mutating commands are allocated before RTNL is taken, so a
 * change that has been made is always reported.
 */
#include <linux/etherdevice.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "ipvl_priv.h"

enum ipvl_nl_groups {
	IPVL_NLGRP_MONITOR,
};

/* ---- policies, one per command ---------------------------------------- */

#define IPVL_IFNAME_POLICY	{ .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 }
#define IPVL_IFINDEX_POLICY	NLA_POLICY_MIN(NLA_U32, 1)

static const struct nla_policy ipvl_info_policy[IPVL_A_INFO_MAX + 1] = {
};

static const struct nla_policy ipvl_port_get_policy[IPVL_A_PORT_MAX + 1] = {
	[IPVL_A_PORT_IFINDEX]	= IPVL_IFINDEX_POLICY,
	[IPVL_A_PORT_IFNAME]	= IPVL_IFNAME_POLICY,
};

static const struct nla_policy ipvl_port_new_policy[IPVL_A_PORT_MAX + 1] = {
	[IPVL_A_PORT_IFINDEX]	= IPVL_IFINDEX_POLICY,
	[IPVL_A_PORT_IFNAME]	= IPVL_IFNAME_POLICY,
	[IPVL_A_PORT_MODE]	= NLA_POLICY_MAX(NLA_U32, IPVL_MODE_L3S),
	[IPVL_A_PORT_FLAGS]	= NLA_POLICY_MASK(NLA_U32,
						  IPVL_PORT_FLAGS_PRIVATE |
						  IPVL_PORT_FLAGS_VEPA),
	[IPVL_A_PORT_SPOOF_CHECK] = NLA_POLICY_MAX(NLA_U8, 1),
};

static const struct nla_policy ipvl_port_del_policy[IPVL_A_PORT_MAX + 1] = {
	[IPVL_A_PORT_IFINDEX]	= IPVL_IFINDEX_POLICY,
	[IPVL_A_PORT_IFNAME]	= IPVL_IFNAME_POLICY,
	[IPVL_A_PORT_FORCE]	= { .type = NLA_FLAG },
};

static const struct nla_policy ipvl_link_get_policy[IPVL_A_LINK_MAX + 1] = {
	[IPVL_A_LINK_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[IPVL_A_LINK_IFNAME]	= IPVL_IFNAME_POLICY,
	[IPVL_A_LINK_PORT_IFINDEX] = IPVL_IFINDEX_POLICY,
	[IPVL_A_LINK_PORT_IFNAME] = IPVL_IFNAME_POLICY,
};

static const struct nla_policy ipvl_link_new_policy[IPVL_A_LINK_MAX + 1] = {
	[IPVL_A_LINK_IFNAME]	= IPVL_IFNAME_POLICY,
	[IPVL_A_LINK_PORT_IFINDEX] = IPVL_IFINDEX_POLICY,
	[IPVL_A_LINK_PORT_IFNAME] = IPVL_IFNAME_POLICY,
	[IPVL_A_LINK_NETNS_FD]	= { .type = NLA_U32 },
	[IPVL_A_LINK_MTU]	= NLA_POLICY_MIN(NLA_U32, ETH_MIN_MTU),
	[IPVL_A_LINK_EXIST_OK]	= { .type = NLA_FLAG },
	[IPVL_A_LINK_OWNER]	= { .type = NLA_NUL_STRING,
				    .len = IPVL_OWNER_LEN - 1 },
};

static const struct nla_policy ipvl_link_del_policy[IPVL_A_LINK_MAX + 1] = {
	[IPVL_A_LINK_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[IPVL_A_LINK_IFNAME]	= IPVL_IFNAME_POLICY,
};

static const struct nla_policy ipvl_addr_entry_policy[IPVL_A_ADDR_MAX + 1] = {
	[IPVL_A_ADDR_IPV4]	= { .type = NLA_U32 },
	[IPVL_A_ADDR_IPV6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy ipvl_addr_get_policy[IPVL_A_ADDR_MAX + 1] = {
	[IPVL_A_ADDR_LINK_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[IPVL_A_ADDR_LINK_IFNAME] = IPVL_IFNAME_POLICY,
	[IPVL_A_ADDR_PORT_IFINDEX] = IPVL_IFINDEX_POLICY,
	[IPVL_A_ADDR_PORT_IFNAME] = IPVL_IFNAME_POLICY,
	[IPVL_A_ADDR_IPV4]	= { .type = NLA_U32 },
	[IPVL_A_ADDR_IPV6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy ipvl_addr_new_policy[IPVL_A_ADDR_MAX + 1] = {
	[IPVL_A_ADDR_LINK_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[IPVL_A_ADDR_LINK_IFNAME] = IPVL_IFNAME_POLICY,
	[IPVL_A_ADDR_IPV4]	= { .type = NLA_U32 },
	[IPVL_A_ADDR_IPV6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

static const struct nla_policy ipvl_addr_replace_policy[IPVL_A_ADDR_MAX + 1] = {
	[IPVL_A_ADDR_LINK_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[IPVL_A_ADDR_LINK_IFNAME] = IPVL_IFNAME_POLICY,
	[IPVL_A_ADDR_LIST]	= NLA_POLICY_NESTED(ipvl_addr_entry_policy),
};

/* ---- resolving objects named in a request ----------------------------- */

static struct net_device *ipvl_nl_dev(struct genl_info *info, int a_ifindex,
				      int a_ifname)
{
	struct net *net = genl_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct net_device *dev = NULL;
	struct nlattr *attr;

	if (attrs[a_ifindex]) {
		attr = attrs[a_ifindex];
		dev = __dev_get_by_index(net, nla_get_u32(attr));
	} else if (attrs[a_ifname]) {
		attr = attrs[a_ifname];
		dev = __dev_get_by_name(net, nla_data(attr));
	} else {
		NL_SET_ERR_MSG(info->extack,
			       "master device missing: give its ifindex or ifname");
		return ERR_PTR(-EINVAL);
	}
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such device");
		return ERR_PTR(-ENODEV);
	}
	return dev;
}

static struct ipvl_port *ipvl_nl_port(struct genl_info *info, int a_ifindex,
				      int a_ifname)
{
	struct net_device *master = ipvl_nl_dev(info, a_ifindex, a_ifname);
	struct ipvl_port *port;

	if (IS_ERR(master))
		return ERR_CAST(master);
	port = ipvl_port_get_rtnl(master);
	if (!port) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[a_ifindex] ? : info->attrs[a_ifname],
				    "device has no ipvl port");
		return ERR_PTR(-ENOENT);
	}
	return port;
}

/*
 * What a caller may read: the ports whose master is in its namespace; the
 * links (and their bindings) whose netdev is in its namespace; and with
 * CAP_NET_ADMIN over the master's namespace (the host's view), every link
 * of those ports, wherever it lives. A tenant thus sees its own link and
 * nothing of its neighbours.
 */
static bool ipvl_link_readable(struct ipvl_link *link, struct net *net,
			       bool admin)
{
	return net_eq(dev_net(link->dev), net) ||
	       (admin && net_eq(dev_net(link->port->master), net));
}

/* @skb is the request (for a dump, cb->skb). */
static bool ipvl_nl_admin(const struct sk_buff *skb, struct net *net)
{
	return netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN);
}

/*
 * The name the host knows a link by: its netdev name in the caller's own
 * namespace, else the name it was given by the host (link->name), which a
 * tenant renaming its netdev inside its namespace does not change.
 */
static const char *ipvl_link_name(const struct ipvl_link *link,
				  struct net *net)
{
	return net_eq(dev_net(link->dev), net) ? link->dev->name : link->name;
}

static struct ipvl_link *ipvl_nl_link(struct sk_buff *skb,
				      struct genl_info *info, int a_id,
				      int a_ifname)
{
	struct net *net = genl_info_net(info);
	bool admin = ipvl_nl_admin(skb, net);
	struct ipvl_link *link, *found = NULL;
	struct net_device *dev;
	struct nlattr *attr;
	int id;

	if (info->attrs[a_id]) {
		attr = info->attrs[a_id];
		link = idr_find(&ipvl_links, nla_get_u32(attr));
		if (link && ipvl_link_readable(link, net, admin))
			return link;
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such link");
		return ERR_PTR(-ENODEV);
	}
	if (!info->attrs[a_ifname]) {
		NL_SET_ERR_MSG(info->extack,
			       "link missing: give its id or ifname");
		return ERR_PTR(-EINVAL);
	}
	attr = info->attrs[a_ifname];

	/* the host's view: links of this namespace's ports, by host name */
	if (admin) {
		idr_for_each_entry(&ipvl_links, link, id) {
			if (!net_eq(dev_net(link->port->master), net) ||
			    strcmp(ipvl_link_name(link, net), nla_data(attr)))
				continue;
			if (found) {
				NL_SET_ERR_MSG_ATTR(info->extack, attr,
						    "link name is ambiguous: use the link id");
				return ERR_PTR(-EINVAL);
			}
			found = link;
		}
		if (found)
			return found;
	}

	dev = __dev_get_by_name(net, nla_data(attr));
	if (dev && ipvl_is_link(dev))
		return netdev_priv(dev);
	NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such link");
	return ERR_PTR(-ENODEV);
}

/* Control over a port needs CAP_NET_ADMIN where its master lives. */
static int ipvl_nl_capable(struct sk_buff *skb, struct genl_info *info,
			   struct ipvl_port *port)
{
	if (netlink_ns_capable(skb, dev_net(port->master)->user_ns,
			       CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG(info->extack,
		       "CAP_NET_ADMIN over the master's network namespace is required");
	return -EPERM;
}

static int ipvl_nl_key(struct genl_info *info, struct nlattr **attrs,
		       struct nlattr *where, struct ipvl_key *key)
{
	memset(key, 0, sizeof(*key));
	if (attrs[IPVL_A_ADDR_IPV4] && attrs[IPVL_A_ADDR_IPV6]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[IPVL_A_ADDR_IPV6],
				    "give one address: ipv4 or ipv6");
		return -EINVAL;
	}
	if (attrs[IPVL_A_ADDR_IPV4]) {
		key->family = AF_INET;
		key->v4 = nla_get_in_addr(attrs[IPVL_A_ADDR_IPV4]);
		return 0;
	}
	if (attrs[IPVL_A_ADDR_IPV6]) {
		key->family = AF_INET6;
		key->v6 = nla_get_in6_addr(attrs[IPVL_A_ADDR_IPV6]);
		return 0;
	}
	if (where)
		NL_SET_ERR_MSG_ATTR(info->extack, where, "address missing");
	else
		NL_SET_ERR_MSG(info->extack, "address missing: ipv4 or ipv6");
	return -EINVAL;
}

/* ---- filling messages ------------------------------------------------- */

static int ipvl_put_u64(struct sk_buff *skb, int type, u64 v, int pad)
{
	return nla_put_u64_64bit(skb, type, v, pad);
}

static int ipvl_fill_port(struct sk_buff *skb, struct ipvl_port *port,
			  u32 portid, u32 seq, int flags, u8 cmd,
			  struct netlink_callback *cb)
{
	static const int drop_attr[IPVL_DROP_MAX] = {
		[IPVL_DROP_NO_BINDING]	= IPVL_A_PORT_STATS_DROP_NO_BINDING,
		[IPVL_DROP_SPOOFED]	= IPVL_A_PORT_STATS_DROP_SPOOFED,
		[IPVL_DROP_BACKLOG]	= IPVL_A_PORT_STATS_DROP_BACKLOG,
		[IPVL_DROP_LINK_DOWN]	= IPVL_A_PORT_STATS_DROP_LINK_DOWN,
		[IPVL_DROP_POLICY]	= IPVL_A_PORT_STATS_DROP_POLICY,
		[IPVL_DROP_MALFORMED]	= IPVL_A_PORT_STATS_DROP_MALFORMED,
	};
	const int pad = IPVL_A_PORT_STATS_PAD;
	struct ipvl_port_stats st;
	struct nlattr *nest;
	void *hdr;
	int i;

	hdr = genlmsg_put(skb, portid, seq, &ipvl_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_u32(skb, IPVL_A_PORT_IFINDEX, port->master->ifindex) ||
	    nla_put_string(skb, IPVL_A_PORT_IFNAME, port->master->name) ||
	    nla_put_u32(skb, IPVL_A_PORT_MODE, port->mode) ||
	    nla_put_u32(skb, IPVL_A_PORT_FLAGS, port->flags) ||
	    nla_put_u8(skb, IPVL_A_PORT_SPOOF_CHECK, port->spoof_check) ||
	    nla_put_u32(skb, IPVL_A_PORT_LINK_COUNT, port->n_links) ||
	    nla_put_u32(skb, IPVL_A_PORT_BINDING_COUNT, port->n_addrs))
		goto cancel;

	ipvl_port_stats_read(port, &st);
	nest = nla_nest_start(skb, IPVL_A_PORT_STATS);
	if (!nest ||
	    ipvl_put_u64(skb, IPVL_A_PORT_STATS_RX_DISPATCHED,
			 st.rx_dispatched, pad) ||
	    ipvl_put_u64(skb, IPVL_A_PORT_STATS_RX_PASSED, st.rx_passed, pad) ||
	    ipvl_put_u64(skb, IPVL_A_PORT_STATS_TX_LOCAL, st.tx_local, pad) ||
	    ipvl_put_u64(skb, IPVL_A_PORT_STATS_TX_OUT, st.tx_out, pad))
		goto cancel;
	for (i = 0; i < IPVL_DROP_MAX; i++)
		if (ipvl_put_u64(skb, drop_attr[i], st.drop[i], pad))
			goto cancel;
	nla_nest_end(skb, nest);

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int ipvl_fill_link(struct sk_buff *skb, struct ipvl_link *link,
			  struct net *net, u32 portid, u32 seq, int flags,
			  u8 cmd, struct netlink_callback *cb)
{
	const int pad = IPVL_A_LINK_STATS_PAD;
	struct net_device *dev = link->dev;
	struct net_device *master = link->port->master;
	struct ipvl_link_stats st;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &ipvl_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_u32(skb, IPVL_A_LINK_ID, link->id) ||
	    nla_put_u32(skb, IPVL_A_LINK_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, IPVL_A_LINK_IFNAME, dev->name) ||
	    nla_put_u32(skb, IPVL_A_LINK_PORT_IFINDEX, master->ifindex) ||
	    nla_put_string(skb, IPVL_A_LINK_PORT_IFNAME, master->name) ||
	    nla_put_u32(skb, IPVL_A_LINK_MTU, dev->mtu) ||
	    nla_put_u32(skb, IPVL_A_LINK_BINDING_COUNT, link->n_addrs))
		goto cancel;
	if (link->owner[0] &&
	    nla_put_string(skb, IPVL_A_LINK_OWNER, link->owner))
		goto cancel;

	if (!net_eq(dev_net(dev), net)) {
		int id = peernet2id_alloc(net, dev_net(dev), GFP_KERNEL);

		if (nla_put_s32(skb, IPVL_A_LINK_NETNSID, id))
			goto cancel;
	}

	ipvl_link_stats_read(link, &st);
	nest = nla_nest_start(skb, IPVL_A_LINK_STATS);
	if (!nest ||
	    ipvl_put_u64(skb, IPVL_A_LINK_STATS_RX_PACKETS, st.rx_packets, pad) ||
	    ipvl_put_u64(skb, IPVL_A_LINK_STATS_RX_BYTES, st.rx_bytes, pad) ||
	    ipvl_put_u64(skb, IPVL_A_LINK_STATS_RX_MULTICAST,
			 st.rx_multicast, pad) ||
	    ipvl_put_u64(skb, IPVL_A_LINK_STATS_RX_DROPPED, st.rx_dropped, pad) ||
	    ipvl_put_u64(skb, IPVL_A_LINK_STATS_TX_PACKETS, st.tx_packets, pad) ||
	    ipvl_put_u64(skb, IPVL_A_LINK_STATS_TX_BYTES, st.tx_bytes, pad) ||
	    ipvl_put_u64(skb, IPVL_A_LINK_STATS_TX_DROPPED, st.tx_dropped, pad))
		goto cancel;
	nla_nest_end(skb, nest);

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int ipvl_fill_addr(struct sk_buff *skb, struct ipvl_addr *addr,
			  u32 portid, u32 seq, int flags, u8 cmd,
			  struct netlink_callback *cb)
{
	const int pad = IPVL_A_ADDR_STATS_PAD;
	struct ipvl_link *link = addr->link;
	struct net_device *master = link->port->master;
	struct ipvl_addr_stats st;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &ipvl_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_u32(skb, IPVL_A_ADDR_LINK_ID, link->id) ||
	    nla_put_string(skb, IPVL_A_ADDR_LINK_IFNAME, link->dev->name) ||
	    nla_put_u32(skb, IPVL_A_ADDR_PORT_IFINDEX, master->ifindex) ||
	    nla_put_string(skb, IPVL_A_ADDR_PORT_IFNAME, master->name))
		goto cancel;
	if (addr->key.family == AF_INET) {
		if (nla_put_in_addr(skb, IPVL_A_ADDR_IPV4, addr->key.v4))
			goto cancel;
	} else {
		if (nla_put_in6_addr(skb, IPVL_A_ADDR_IPV6, &addr->key.v6))
			goto cancel;
	}

	ipvl_addr_stats_read(addr, &st);
	nest = nla_nest_start(skb, IPVL_A_ADDR_STATS);
	if (!nest ||
	    ipvl_put_u64(skb, IPVL_A_ADDR_STATS_RX_PACKETS, st.rx_packets, pad) ||
	    ipvl_put_u64(skb, IPVL_A_ADDR_STATS_RX_BYTES, st.rx_bytes, pad) ||
	    ipvl_put_u64(skb, IPVL_A_ADDR_STATS_TX_PACKETS, st.tx_packets, pad) ||
	    ipvl_put_u64(skb, IPVL_A_ADDR_STATS_TX_BYTES, st.tx_bytes, pad))
		goto cancel;
	nla_nest_end(skb, nest);

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* ---- notifications ----------------------------------------------------- */

static void ipvl_multicast(struct sk_buff *msg, struct net *net)
{
	genlmsg_multicast_netns(&ipvl_genl_family, net, msg, 0,
				IPVL_NLGRP_MONITOR, GFP_KERNEL);
}

static void ipvl_notify_failed(struct net *net)
{
	netlink_set_err(net->genl_sock, 0,
			ipvl_genl_family.mcgrp_offset + IPVL_NLGRP_MONITOR,
			-ENOBUFS);
}

static bool ipvl_listeners(struct net *net)
{
	return genl_has_listeners(&ipvl_genl_family, net, IPVL_NLGRP_MONITOR);
}

void ipvl_notify_port(struct ipvl_port *port, u8 cmd)
{
	struct net *net = dev_net(port->master);
	struct sk_buff *msg;

	if (!ipvl_listeners(net))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg || ipvl_fill_port(msg, port, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(msg);
		ipvl_notify_failed(net);
		return;
	}
	ipvl_multicast(msg, net);
}

static void ipvl_notify_link_in(struct ipvl_link *link, u8 cmd,
				struct net *net)
{
	struct sk_buff *msg;

	if (!ipvl_listeners(net))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg || ipvl_fill_link(msg, link, net, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(msg);
		ipvl_notify_failed(net);
		return;
	}
	ipvl_multicast(msg, net);
}

/* Link events go to the master's namespace and to the link's own. */
void ipvl_notify_link(struct ipvl_link *link, u8 cmd)
{
	struct net *mnet = dev_net(link->port->master);

	ipvl_notify_link_in(link, cmd, mnet);
	if (!net_eq(dev_net(link->dev), mnet))
		ipvl_notify_link_in(link, cmd, dev_net(link->dev));
}

void ipvl_notify_addr(struct ipvl_addr *addr, u8 cmd)
{
	struct net *net = dev_net(addr->link->port->master);
	struct sk_buff *msg;

	if (!ipvl_listeners(net))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg || ipvl_fill_addr(msg, addr, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(msg);
		ipvl_notify_failed(net);
		return;
	}
	ipvl_multicast(msg, net);
}

/* ---- info -------------------------------------------------------------- */

#define IPVL_FEATURES_NOW (IPVL_FEATURES_PORTS | IPVL_FEATURES_LINKS | \
			   IPVL_FEATURES_BINDINGS | IPVL_FEATURES_IPV6 | \
			   IPVL_FEATURES_MODE_L3 | IPVL_FEATURES_MODE_L2 | \
			   IPVL_FEATURES_MODE_L3S | IPVL_FEATURES_SPOOF_CHECK | \
			   IPVL_FEATURES_STATS | IPVL_FEATURES_MONITOR | \
			   IPVL_FEATURES_ADDR_REPLACE)

static int ipvl_nl_get_info_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ipvl_genl_family, 0,
				IPVL_CMD_GET_INFO);
	if (!hdr ||
	    nla_put_string(msg, IPVL_A_INFO_MODULE_VERSION,
			   IPVL_MODULE_VERSION) ||
	    nla_put_u32(msg, IPVL_A_INFO_FAMILY_VERSION, IPVL_FAMILY_VERSION) ||
	    nla_put_u32(msg, IPVL_A_INFO_FEATURES, IPVL_FEATURES_NOW)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* ---- ports ------------------------------------------------------------- */

static int ipvl_nl_port_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ipvl_port *port;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	port = ipvl_nl_port(info, IPVL_A_PORT_IFINDEX, IPVL_A_PORT_IFNAME);
	if (IS_ERR(port))
		err = PTR_ERR(port);
	else
		err = ipvl_fill_port(msg, port, info->snd_portid, info->snd_seq,
				     0, IPVL_CMD_PORT_GET, NULL);
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

struct ipvl_dump_ctx {
	u32 next_id;		/* port or link id to continue from */
	u32 next_idx;		/* binding index within that link */
};

static struct ipvl_dump_ctx *ipvl_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct ipvl_dump_ctx) > sizeof(cb->ctx));
	return (struct ipvl_dump_ctx *)cb->ctx;
}

static int ipvl_nl_port_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct ipvl_dump_ctx *ctx = ipvl_dump_ctx(cb);
	struct net *net = sock_net(skb->sk);
	struct ipvl_port *port;
	int id = ctx->next_id;
	int err = 0;

	rtnl_lock();
	cb->seq = ipvl_generation;
	for (port = idr_get_next(&ipvl_ports, &id); port;
	     id++, port = idr_get_next(&ipvl_ports, &id)) {
		if (!net_eq(dev_net(port->master), net))
			continue;
		err = ipvl_fill_port(skb, port, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI,
				     IPVL_CMD_PORT_GET, cb);
		if (err)
			break;
	}
	ctx->next_id = id;
	rtnl_unlock();
	if (err && skb->len)
		return skb->len;
	return err;
}

static bool ipvl_port_flags_ok(struct genl_info *info, u32 flags)
{
	if ((flags & IPVL_PORT_FLAGS_PRIVATE) && (flags & IPVL_PORT_FLAGS_VEPA)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[IPVL_A_PORT_FLAGS],
				    "private and vepa are mutually exclusive");
		return false;
	}
	return true;
}

static int ipvl_nl_port_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct net_device *master;
	struct ipvl_port *port;
	struct sk_buff *msg;
	u32 mode, flags = 0;
	bool spoof = true;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, IPVL_A_PORT_MODE))
		return -EINVAL;
	mode = nla_get_u32(attrs[IPVL_A_PORT_MODE]);
	if (attrs[IPVL_A_PORT_FLAGS])
		flags = nla_get_u32(attrs[IPVL_A_PORT_FLAGS]);
	if (attrs[IPVL_A_PORT_SPOOF_CHECK])
		spoof = nla_get_u8(attrs[IPVL_A_PORT_SPOOF_CHECK]);
	if (!ipvl_port_flags_ok(info, flags))
		return -EINVAL;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	master = ipvl_nl_dev(info, IPVL_A_PORT_IFINDEX, IPVL_A_PORT_IFNAME);
	if (IS_ERR(master)) {
		err = PTR_ERR(master);
		goto out;
	}
	if (!netlink_ns_capable(skb, dev_net(master)->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(info->extack,
			       "CAP_NET_ADMIN over the master's network namespace is required");
		err = -EPERM;
		goto out;
	}
	err = ipvl_port_create(master, mode, flags, spoof, info->extack);
	if (err)
		goto out;
	port = ipvl_port_get_rtnl(master);
	err = ipvl_fill_port(msg, port, info->snd_portid, info->snd_seq, 0,
			     IPVL_CMD_PORT_NEW, NULL);
out:
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int ipvl_nl_port_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct ipvl_port *port;
	struct sk_buff *msg;
	bool changed = false;
	int err;

	if (attrs[IPVL_A_PORT_FLAGS] &&
	    !ipvl_port_flags_ok(info, nla_get_u32(attrs[IPVL_A_PORT_FLAGS])))
		return -EINVAL;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	port = ipvl_nl_port(info, IPVL_A_PORT_IFINDEX, IPVL_A_PORT_IFNAME);
	if (IS_ERR(port)) {
		err = PTR_ERR(port);
		goto out;
	}
	err = ipvl_nl_capable(skb, info, port);
	if (err)
		goto out;

	if (attrs[IPVL_A_PORT_MODE]) {
		u16 mode = nla_get_u32(attrs[IPVL_A_PORT_MODE]);

		changed |= mode != port->mode;
		ipvl_port_set_mode(port, mode);
	}
	if (attrs[IPVL_A_PORT_FLAGS]) {
		u32 flags = nla_get_u32(attrs[IPVL_A_PORT_FLAGS]);

		changed |= flags != port->flags;
		WRITE_ONCE(port->flags, flags);
	}
	if (attrs[IPVL_A_PORT_SPOOF_CHECK]) {
		bool spoof = nla_get_u8(attrs[IPVL_A_PORT_SPOOF_CHECK]);

		changed |= spoof != port->spoof_check;
		WRITE_ONCE(port->spoof_check, spoof);
	}
	if (changed) {
		ipvl_changed();
		ipvl_notify_port(port, IPVL_CMD_PORT_CHANGE_NTF);
	}
	err = ipvl_fill_port(msg, port, info->snd_portid, info->snd_seq, 0,
			     IPVL_CMD_PORT_SET, NULL);
out:
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int ipvl_nl_port_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ipvl_port *port;
	int err;

	rtnl_lock();
	port = ipvl_nl_port(info, IPVL_A_PORT_IFINDEX, IPVL_A_PORT_IFNAME);
	if (IS_ERR(port)) {
		err = PTR_ERR(port);
		goto out;
	}
	err = ipvl_nl_capable(skb, info, port);
	if (err)
		goto out;
	if (port->n_links && !info->attrs[IPVL_A_PORT_FORCE]) {
		IPVL_ERR_FMT(info->extack,
			     "port has %u link(s): delete them first or use force",
			     port->n_links);
		err = -EBUSY;
		goto out;
	}
	ipvl_port_teardown(port);
out:
	rtnl_unlock();
	return err;
}

/* ---- links ------------------------------------------------------------- */

static int ipvl_nl_link_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ipvl_link *link;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rtnl_lock();
	link = ipvl_nl_link(skb, info, IPVL_A_LINK_ID, IPVL_A_LINK_IFNAME);
	if (IS_ERR(link))
		err = PTR_ERR(link);
	else
		err = ipvl_fill_link(msg, link, genl_info_net(info),
				     info->snd_portid, info->snd_seq, 0,
				     IPVL_CMD_LINK_GET, NULL);
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* Resolve the optional port filter of a dump; NULL when there is none. */
static struct ipvl_port *ipvl_dump_port(struct netlink_callback *cb,
					struct net *net, int a_ifindex,
					int a_ifname)
{
	struct nlattr **attrs = ipvl_dump_attrs(cb);
	struct net_device *dev = NULL;
	struct ipvl_port *port;

	if (attrs[a_ifindex])
		dev = __dev_get_by_index(net, nla_get_u32(attrs[a_ifindex]));
	else if (attrs[a_ifname])
		dev = __dev_get_by_name(net, nla_data(attrs[a_ifname]));
	else
		return NULL;
	port = dev ? ipvl_port_get_rtnl(dev) : NULL;
	if (!port) {
		NL_SET_ERR_MSG(cb->extack, "no ipvl port on that device");
		return ERR_PTR(-ENODEV);
	}
	return port;
}

static int ipvl_nl_link_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct ipvl_dump_ctx *ctx = ipvl_dump_ctx(cb);
	struct net *net = sock_net(skb->sk);
	bool admin = ipvl_nl_admin(cb->skb, net);
	struct ipvl_port *filter;
	struct ipvl_link *link;
	int id = ctx->next_id;
	int err = 0;

	rtnl_lock();
	filter = ipvl_dump_port(cb, net, IPVL_A_LINK_PORT_IFINDEX,
				IPVL_A_LINK_PORT_IFNAME);
	if (IS_ERR(filter)) {
		err = PTR_ERR(filter);
		goto out;
	}
	cb->seq = ipvl_generation;
	for (link = idr_get_next(&ipvl_links, &id); link;
	     id++, link = idr_get_next(&ipvl_links, &id)) {
		if ((filter && link->port != filter) ||
		    !ipvl_link_readable(link, net, admin))
			continue;
		err = ipvl_fill_link(skb, link, net,
				     NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI,
				     IPVL_CMD_LINK_GET, cb);
		if (err)
			break;
	}
	ctx->next_id = id;
out:
	rtnl_unlock();
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err;
}

/* link-new with exist-ok: is @dev the link that was asked for? */
static bool ipvl_link_same(struct net_device *dev, struct ipvl_port *port)
{
	return ipvl_is_link(dev) &&
	       ((struct ipvl_link *)netdev_priv(dev))->port == port;
}

static int ipvl_nl_link_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	const char *owner = NULL;
	const char *name = NULL;
	struct net *net = NULL;
	struct net_device *dev;
	struct ipvl_port *port;
	struct sk_buff *msg;
	u32 mtu = 0;
	int err;

	if (attrs[IPVL_A_LINK_IFNAME])
		name = nla_data(attrs[IPVL_A_LINK_IFNAME]);
	if (attrs[IPVL_A_LINK_OWNER])
		owner = nla_data(attrs[IPVL_A_LINK_OWNER]);
	if (attrs[IPVL_A_LINK_MTU])
		mtu = nla_get_u32(attrs[IPVL_A_LINK_MTU]);
	if (attrs[IPVL_A_LINK_NETNS_FD]) {
		net = get_net_ns_by_fd(nla_get_u32(attrs[IPVL_A_LINK_NETNS_FD]));
		if (IS_ERR(net)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[IPVL_A_LINK_NETNS_FD],
					    "not a network namespace file descriptor");
			return PTR_ERR(net);
		}
		if (!netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[IPVL_A_LINK_NETNS_FD],
					    "CAP_NET_ADMIN over the target namespace is required");
			put_net(net);
			return -EPERM;
		}
	} else {
		net = get_net(genl_info_net(info));
	}

	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out_net;

	rtnl_lock();
	port = ipvl_nl_port(info, IPVL_A_LINK_PORT_IFINDEX,
			    IPVL_A_LINK_PORT_IFNAME);
	if (IS_ERR(port)) {
		err = PTR_ERR(port);
		goto out;
	}
	err = ipvl_nl_capable(skb, info, port);
	if (err)
		goto out;
	if (mtu > port->master->mtu) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[IPVL_A_LINK_MTU],
				    "mtu is larger than the master's");
		err = -EINVAL;
		goto out;
	}

	dev = name ? __dev_get_by_name(net, name) : NULL;
	if (dev) {
		if (!attrs[IPVL_A_LINK_EXIST_OK] || !ipvl_link_same(dev, port) ||
		    (mtu && dev->mtu != mtu)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[IPVL_A_LINK_IFNAME],
					    "a device of that name exists in the target namespace");
			err = -EEXIST;
			goto out;
		}
		if (owner &&
		    strcmp(((struct ipvl_link *)netdev_priv(dev))->owner,
			   owner)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    attrs[IPVL_A_LINK_OWNER],
					    "the existing link has another owner");
			err = -EEXIST;
			goto out;
		}
	} else {
		dev = ipvl_link_create(net, name, port, mtu, owner,
				       info->extack);
		if (IS_ERR(dev)) {
			err = PTR_ERR(dev);
			goto out;
		}
	}
	err = ipvl_fill_link(msg, netdev_priv(dev), genl_info_net(info),
			     info->snd_portid, info->snd_seq, 0,
			     IPVL_CMD_LINK_NEW, NULL);
out:
	rtnl_unlock();
	if (err)
		nlmsg_free(msg);
	else
		err = genlmsg_reply(msg, info);
out_net:
	put_net(net);
	return err;
}

static int ipvl_nl_link_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ipvl_link *link;
	int err;

	rtnl_lock();
	link = ipvl_nl_link(skb, info, IPVL_A_LINK_ID, IPVL_A_LINK_IFNAME);
	if (IS_ERR(link)) {
		err = PTR_ERR(link);
		goto out;
	}
	err = ipvl_nl_capable(skb, info, link->port);
	if (err)
		goto out;
	ipvl_link_dellink(link->dev, NULL);
out:
	rtnl_unlock();
	return err;
}

/* ---- bindings ---------------------------------------------------------- */

static int ipvl_nl_addr_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct ipvl_link *link = NULL;
	struct ipvl_port *port;
	struct ipvl_addr *addr;
	struct sk_buff *msg;
	struct ipvl_key key;
	int err;

	err = ipvl_nl_key(info, attrs, NULL, &key);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	if (attrs[IPVL_A_ADDR_LINK_ID] || attrs[IPVL_A_ADDR_LINK_IFNAME]) {
		/* the binding of that link, not any of its port */
		link = ipvl_nl_link(skb, info, IPVL_A_ADDR_LINK_ID,
				    IPVL_A_ADDR_LINK_IFNAME);
		if (IS_ERR(link)) {
			err = PTR_ERR(link);
			goto out;
		}
		addr = ipvl_addr_find(link->port, &key);
		if (addr && addr->link != link)
			addr = NULL;
	} else {
		port = ipvl_nl_port(info, IPVL_A_ADDR_PORT_IFINDEX,
				    IPVL_A_ADDR_PORT_IFNAME);
		if (IS_ERR(port)) {
			err = PTR_ERR(port);
			goto out;
		}
		/* a search of the whole port is the host's view */
		err = ipvl_nl_capable(skb, info, port);
		if (err)
			goto out;
		addr = ipvl_addr_find(port, &key);
	}
	if (!addr) {
		if (link)
			NL_SET_ERR_MSG(info->extack,
				       "address is not bound to this link");
		else
			NL_SET_ERR_MSG(info->extack,
				       "address is not bound on this port");
		err = -ENOENT;
		goto out;
	}
	err = ipvl_fill_addr(msg, addr, info->snd_portid, info->snd_seq, 0,
			     IPVL_CMD_ADDR_GET, NULL);
out:
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int ipvl_nl_addr_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct ipvl_dump_ctx *ctx = ipvl_dump_ctx(cb);
	struct nlattr **attrs = ipvl_dump_attrs(cb);
	struct net *net = sock_net(skb->sk);
	bool admin = ipvl_nl_admin(cb->skb, net);
	struct ipvl_link *link, *only = NULL;
	struct ipvl_port *filter;
	struct ipvl_addr *addr;
	int id = ctx->next_id;
	int err = 0;
	u32 idx;

	rtnl_lock();
	filter = ipvl_dump_port(cb, net, IPVL_A_ADDR_PORT_IFINDEX,
				IPVL_A_ADDR_PORT_IFNAME);
	if (IS_ERR(filter)) {
		err = PTR_ERR(filter);
		goto out;
	}
	if (attrs[IPVL_A_ADDR_LINK_ID]) {
		only = idr_find(&ipvl_links, nla_get_u32(attrs[IPVL_A_ADDR_LINK_ID]));
		if (!only || !ipvl_link_readable(only, net, admin)) {
			NL_SET_ERR_MSG(cb->extack, "no such link");
			err = -ENODEV;
			goto out;
		}
	}

	cb->seq = ipvl_generation;
	for (link = idr_get_next(&ipvl_links, &id); link;
	     id++, link = idr_get_next(&ipvl_links, &id), ctx->next_idx = 0) {
		if ((only && link != only) ||
		    (filter && link->port != filter) ||
		    !ipvl_link_readable(link, net, admin))
			continue;
		if (attrs[IPVL_A_ADDR_LINK_IFNAME] &&
		    strcmp(ipvl_link_name(link, net),
			   nla_data(attrs[IPVL_A_ADDR_LINK_IFNAME])))
			continue;
		idx = 0;
		list_for_each_entry(addr, &link->addrs, lnode) {
			if (idx++ < ctx->next_idx)
				continue;
			err = ipvl_fill_addr(skb, addr,
					     NETLINK_CB(cb->skb).portid,
					     cb->nlh->nlmsg_seq, NLM_F_MULTI,
					     IPVL_CMD_ADDR_GET, cb);
			if (err) {
				ctx->next_idx = idx - 1;
				goto stop;
			}
		}
	}
stop:
	ctx->next_id = id;
out:
	rtnl_unlock();
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err;
}

static int ipvl_nl_addr_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ipvl_link *link;
	struct ipvl_addr *addr;
	struct sk_buff *msg;
	struct ipvl_key key;
	int err;

	err = ipvl_nl_key(info, info->attrs, NULL, &key);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	link = ipvl_nl_link(skb, info, IPVL_A_ADDR_LINK_ID, IPVL_A_ADDR_LINK_IFNAME);
	if (IS_ERR(link)) {
		err = PTR_ERR(link);
		goto out;
	}
	err = ipvl_nl_capable(skb, info, link->port);
	if (err)
		goto out;
	err = ipvl_addr_bind(link, &key, &addr, info->extack);
	if (!err)
		ipvl_notify_addr(addr, IPVL_CMD_ADDR_NEW_NTF);
	else if (err == -EEXIST)	/* bound to this link already */
		err = 0;
	if (!err)
		err = ipvl_fill_addr(msg, addr, info->snd_portid,
				     info->snd_seq, 0, IPVL_CMD_ADDR_NEW, NULL);
out:
	rtnl_unlock();
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int ipvl_nl_addr_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ipvl_link *link;
	struct ipvl_addr *addr;
	struct ipvl_key key;
	int err;

	err = ipvl_nl_key(info, info->attrs, NULL, &key);
	if (err)
		return err;

	rtnl_lock();
	link = ipvl_nl_link(skb, info, IPVL_A_ADDR_LINK_ID, IPVL_A_ADDR_LINK_IFNAME);
	if (IS_ERR(link)) {
		err = PTR_ERR(link);
		goto out;
	}
	err = ipvl_nl_capable(skb, info, link->port);
	if (err)
		goto out;
	addr = ipvl_addr_find(link->port, &key);
	if (!addr || addr->link != link) {
		NL_SET_ERR_MSG(info->extack, "address is not bound to this link");
		err = -ENOENT;
		goto out;
	}
	ipvl_notify_addr(addr, IPVL_CMD_ADDR_DEL_NTF);
	ipvl_addr_unbind(addr);
out:
	rtnl_unlock();
	return err;
}

/* The most addresses one addr-replace can carry. */
#define IPVL_REPLACE_MAX	65536

static int ipvl_nl_addr_replace_doit(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct nlattr *tb[IPVL_A_ADDR_MAX + 1];
	struct ipvl_key *keys = NULL;
	struct ipvl_link *link;
	unsigned int n = 0;
	struct nlattr *nla;
	int err, rem;

	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem)
		if (nla_type(nla) == IPVL_A_ADDR_LIST)
			n++;
	if (n > IPVL_REPLACE_MAX) {
		NL_SET_ERR_MSG(info->extack, "too many addresses in one request");
		return -E2BIG;
	}
	if (n) {
		keys = kvcalloc(n, sizeof(*keys), GFP_KERNEL);
		if (!keys)
			return -ENOMEM;
	}
	n = 0;
	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(nla) != IPVL_A_ADDR_LIST)
			continue;
		err = nla_parse_nested(tb, IPVL_A_ADDR_MAX, nla,
				       ipvl_addr_entry_policy, info->extack);
		if (err)
			goto out_free;
		err = ipvl_nl_key(info, tb, nla, &keys[n++]);
		if (err)
			goto out_free;
	}

	rtnl_lock();
	link = ipvl_nl_link(skb, info, IPVL_A_ADDR_LINK_ID, IPVL_A_ADDR_LINK_IFNAME);
	if (IS_ERR(link)) {
		err = PTR_ERR(link);
		goto out;
	}
	err = ipvl_nl_capable(skb, info, link->port);
	if (!err)
		err = ipvl_addr_replace(link, keys, n, info->extack);
out:
	rtnl_unlock();
out_free:
	kvfree(keys);
	return err;
}

/* ---- the family -------------------------------------------------------- */

#define IPVL_OP(_cmd, _doit, _dumpit, _policy, _max, _flags) {		\
	.cmd		= _cmd,						\
	.doit		= _doit,					\
	.dumpit		= _dumpit,					\
	.policy		= _policy,					\
	.maxattr	= _max,						\
	.flags		= _flags,					\
}

static const struct genl_ops ipvl_genl_ops[] = {
	IPVL_OP(IPVL_CMD_GET_INFO, ipvl_nl_get_info_doit, NULL,
		ipvl_info_policy, IPVL_A_INFO_MAX, 0),
	IPVL_OP(IPVL_CMD_PORT_GET, ipvl_nl_port_get_doit,
		ipvl_nl_port_get_dumpit, ipvl_port_get_policy,
		IPVL_A_PORT_MAX, 0),
	IPVL_OP(IPVL_CMD_PORT_NEW, ipvl_nl_port_new_doit, NULL,
		ipvl_port_new_policy, IPVL_A_PORT_MAX, GENL_UNS_ADMIN_PERM),
	IPVL_OP(IPVL_CMD_PORT_SET, ipvl_nl_port_set_doit, NULL,
		ipvl_port_new_policy, IPVL_A_PORT_MAX, GENL_UNS_ADMIN_PERM),
	IPVL_OP(IPVL_CMD_PORT_DEL, ipvl_nl_port_del_doit, NULL,
		ipvl_port_del_policy, IPVL_A_PORT_MAX, GENL_UNS_ADMIN_PERM),
	IPVL_OP(IPVL_CMD_LINK_GET, ipvl_nl_link_get_doit,
		ipvl_nl_link_get_dumpit, ipvl_link_get_policy,
		IPVL_A_LINK_MAX, 0),
	IPVL_OP(IPVL_CMD_LINK_NEW, ipvl_nl_link_new_doit, NULL,
		ipvl_link_new_policy, IPVL_A_LINK_MAX, GENL_UNS_ADMIN_PERM),
	IPVL_OP(IPVL_CMD_LINK_DEL, ipvl_nl_link_del_doit, NULL,
		ipvl_link_del_policy, IPVL_A_LINK_MAX, GENL_UNS_ADMIN_PERM),
	IPVL_OP(IPVL_CMD_ADDR_GET, ipvl_nl_addr_get_doit,
		ipvl_nl_addr_get_dumpit, ipvl_addr_get_policy,
		IPVL_A_ADDR_MAX, 0),
	IPVL_OP(IPVL_CMD_ADDR_NEW, ipvl_nl_addr_new_doit, NULL,
		ipvl_addr_new_policy, IPVL_A_ADDR_MAX, GENL_UNS_ADMIN_PERM),
	IPVL_OP(IPVL_CMD_ADDR_DEL, ipvl_nl_addr_del_doit, NULL,
		ipvl_addr_new_policy, IPVL_A_ADDR_MAX, GENL_UNS_ADMIN_PERM),
	IPVL_OP(IPVL_CMD_ADDR_REPLACE, ipvl_nl_addr_replace_doit, NULL,
		ipvl_addr_replace_policy, IPVL_A_ADDR_MAX, GENL_UNS_ADMIN_PERM),
};

static const struct genl_multicast_group ipvl_mcgrps[] = {
	[IPVL_NLGRP_MONITOR] = { .name = IPVL_MCGRP_MONITOR },
};

struct genl_family ipvl_genl_family __ro_after_init = {
	.name		= IPVL_FAMILY_NAME,
	.version	= IPVL_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= ipvl_genl_ops,
	.n_ops		= ARRAY_SIZE(ipvl_genl_ops),
	.resv_start_op	= IPVL_CMD_GET_INFO,
	.mcgrps		= ipvl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ipvl_mcgrps),
};

int ipvl_genl_init(void)
{
	return genl_register_family(&ipvl_genl_family);
}

void ipvl_genl_exit(void)
{
	genl_unregister_family(&ipvl_genl_family);
}
