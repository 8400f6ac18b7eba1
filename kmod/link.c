// SPDX-License-Identifier: GPL-2.0
/*
 * Links: our netdevs. They share the master's MAC address (each with its
 * own dev_id, so IPv6 link-local addresses differ), live in any namespace
 * and attach to their port for the whole of their registered life.
 */
#include <linux/etherdevice.h>
#include <net/rtnetlink.h>

#include "ipvl_priv.h"

/* All links by id, so dumps can resume by key. RTNL protects it. */
DEFINE_IDR(ipvl_links);

#define IPVL_FEATURES	(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | \
			 NETIF_F_FRAGLIST | NETIF_F_GSO_SOFTWARE | \
			 NETIF_F_RXCSUM)

static const struct net_device_ops ipvl_netdev_ops;

bool ipvl_is_link(const struct net_device *dev)
{
	return dev->netdev_ops == &ipvl_netdev_ops;
}

/* L3 and L3S links resolve no neighbours: the master does. */
void ipvl_link_apply_mode(struct ipvl_link *link)
{
	struct net_device *dev = link->dev;
	unsigned int flags = dev->flags;

	if (link->port->mode == IPVL_MODE_L2)
		flags &= ~IFF_NOARP;
	else
		flags |= IFF_NOARP;
	if (flags != dev->flags)
		dev_change_flags(dev, flags, NULL);
}

static int ipvl_init(struct net_device *dev)
{
	struct ipvl_link *link = netdev_priv(dev);
	struct ipvl_port *port = link->port;
	struct net_device *master = port->master;
	int err;

	link->dev = dev;
	strscpy(link->name, dev->name, sizeof(link->name));
	INIT_LIST_HEAD(&link->addrs);
	link->stats = netdev_alloc_pcpu_stats(struct ipvl_link_pcpu);
	if (!link->stats)
		return -ENOMEM;

	err = ida_alloc_range(&port->dev_ids, 1, 0xfffe, GFP_KERNEL);
	if (err < 0)
		goto err_stats;
	dev->dev_id = err;

	err = idr_alloc_cyclic(&ipvl_links, link, 1, INT_MAX, GFP_KERNEL);
	if (err < 0)
		goto err_devid;
	link->id = err;

	/*
	 * VLAN_CHALLENGED: no VLAN devices on a link, whose frames the master
	 * would carry tagged onto its segment. Assigning the features drops
	 * what ipvl_setup() set, so LLTX (a feature bit before 6.11) is set
	 * again.
	 */
	dev->features = IPVL_FEATURES & (master->features | NETIF_F_GSO_SOFTWARE |
					 NETIF_F_HW_CSUM | NETIF_F_SG);
	dev->features |= NETIF_F_VLAN_CHALLENGED;
	ipvl_set_lltx(dev);
	dev->hw_features = IPVL_FEATURES;
	dev->vlan_features = IPVL_FEATURES;
	netif_inherit_tso_max(dev, master);
	dev->hard_header_len = master->hard_header_len;
	/* our own lock classes: set_rx_mode takes the master's address lock */
	netdev_lockdep_set_classes(dev);

	ipvl_mc_set_filter(link);
	list_add_tail_rcu(&link->pnode, &port->links);
	port->n_links++;
	link->attached = true;
	link->master = master;
	netdev_hold(master, &link->master_tracker, GFP_KERNEL);
	ipvl_changed();
	return 0;

err_devid:
	ida_free(&port->dev_ids, dev->dev_id);
err_stats:
	free_percpu(link->stats);
	link->stats = NULL;
	return err;
}

/*
 * Take @link off its port: its bindings, its place in the port's list and
 * its ids. Runs before the netdev is queued for unregistration (dellink),
 * so that a master unregistered in the same batch does not find the link
 * on its port and queue it a second time; ndo_uninit catches the paths
 * that do not go through dellink.
 */
static void ipvl_link_detach(struct ipvl_link *link)
{
	struct net_device *dev = link->dev;
	struct ipvl_port *port = link->port;

	ASSERT_RTNL();
	if (!link->attached)
		return;
	ipvl_addr_flush_link(link);
	if (link->announced)
		ipvl_notify_link(link, IPVL_CMD_LINK_DEL_NTF);
	list_del_rcu(&link->pnode);
	port->n_links--;
	idr_remove(&ipvl_links, link->id);
	ida_free(&port->dev_ids, dev->dev_id);
	link->attached = false;
	ipvl_changed();
}

static void ipvl_uninit(struct net_device *dev)
{
	ipvl_link_detach(netdev_priv(dev));
}

/* Every deletion: ip link del (also by group), port del, netns dismantle. */
void ipvl_link_dellink(struct net_device *dev, struct list_head *head)
{
	ipvl_link_detach(netdev_priv(dev));
	unregister_netdevice_queue(dev, head);
}

static void ipvl_destructor(struct net_device *dev)
{
	struct ipvl_link *link = netdev_priv(dev);

	free_percpu(link->stats);
	netdev_put(link->master, &link->master_tracker);
}

/*
 * The master's filters follow the link's multicast list (solicited-node
 * groups of bound IPv6 addresses) and its allmulti, as long as the link is
 * up; a link cannot make the master promiscuous.
 */
static int ipvl_open(struct net_device *dev)
{
	struct ipvl_link *link = netdev_priv(dev);
	int err;

	if (dev->flags & IFF_ALLMULTI) {
		err = dev_set_allmulti(link->master, 1);
		if (err)
			return err;
	}
	netif_stacked_transfer_operstate(link->master, dev);
	return 0;
}

static int ipvl_stop(struct net_device *dev)
{
	struct ipvl_link *link = netdev_priv(dev);

	dev_mc_unsync(link->master, dev);
	if (dev->flags & IFF_ALLMULTI)
		dev_set_allmulti(link->master, -1);
	return 0;
}

static void ipvl_change_rx_flags(struct net_device *dev, int change)
{
	struct ipvl_link *link = netdev_priv(dev);

	if ((dev->flags & IFF_UP) && (change & IFF_ALLMULTI))
		dev_set_allmulti(link->master,
				 dev->flags & IFF_ALLMULTI ? 1 : -1);
}

static int ipvl_change_mtu(struct net_device *dev, int new_mtu)
{
	struct ipvl_link *link = netdev_priv(dev);

	if (new_mtu > link->master->mtu)
		return -EINVAL;
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;
}

static void ipvl_get_stats64(struct net_device *dev,
			     struct rtnl_link_stats64 *s)
{
	struct ipvl_link *link = netdev_priv(dev);
	struct ipvl_link_stats st;

	ipvl_link_stats_read(link, &st);
	s->rx_packets = st.rx_packets;
	s->rx_bytes = st.rx_bytes;
	s->multicast = st.rx_multicast;
	s->rx_dropped = st.rx_dropped;
	s->tx_packets = st.tx_packets;
	s->tx_bytes = st.tx_bytes;
	s->tx_dropped = st.tx_dropped;
}

static int ipvl_get_iflink(const struct net_device *dev)
{
	const struct ipvl_link *link = netdev_priv(dev);

	return READ_ONCE(link->master->ifindex);
}

static void ipvl_set_rx_mode(struct net_device *dev)
{
	struct ipvl_link *link = netdev_priv(dev);

	ipvl_mc_set_filter(link);
	dev_mc_sync(link->master, dev);
}

static const struct net_device_ops ipvl_netdev_ops = {
	.ndo_init		= ipvl_init,
	.ndo_uninit		= ipvl_uninit,
	.ndo_open		= ipvl_open,
	.ndo_stop		= ipvl_stop,
	.ndo_start_xmit		= ipvl_start_xmit,
	.ndo_change_mtu		= ipvl_change_mtu,
	.ndo_get_stats64	= ipvl_get_stats64,
	.ndo_get_iflink		= ipvl_get_iflink,
	.ndo_set_rx_mode	= ipvl_set_rx_mode,
	.ndo_change_rx_flags	= ipvl_change_rx_flags,
	.ndo_validate_addr	= eth_validate_addr,
};

static void ipvl_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->max_mtu = ETH_MAX_MTU;
	dev->features |= NETIF_F_VLAN_CHALLENGED;
	dev->priv_flags &= ~IFF_TX_SKB_SHARING;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->netdev_ops = &ipvl_netdev_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = ipvl_destructor;
	ipvl_set_lltx(dev);
}

/* Attach @dev to @port and register it; the caller holds RTNL. */
static int ipvl_link_register(struct net_device *dev, struct ipvl_port *port,
			      struct netlink_ext_ack *extack)
{
	struct ipvl_link *link = netdev_priv(dev);
	struct net_device *master = port->master;
	int err;

	if (dev->mtu > master->mtu) {
		NL_SET_ERR_MSG(extack, "mtu is larger than the master's");
		return -EINVAL;
	}
	link->port = port;
	eth_hw_addr_set(dev, master->dev_addr);
	dev->max_mtu = master->mtu;
	if (port->mode != IPVL_MODE_L2)
		dev->flags |= IFF_NOARP;

	err = register_netdevice(dev);
	if (err)
		return err;
	netif_stacked_transfer_operstate(master, dev);
	return 0;
}

struct net_device *ipvl_link_create(struct net *net, const char *name,
				    struct ipvl_port *port, u32 mtu,
				    const char *owner,
				    struct netlink_ext_ack *extack)
{
	struct ipvl_link *link;
	struct net_device *dev;
	int err;

	ASSERT_RTNL();
	dev = alloc_netdev(sizeof(struct ipvl_link), name ? name : "ipvl%d",
			   name ? NET_NAME_USER : NET_NAME_ENUM, ipvl_setup);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	dev_net_set(dev, net);
	dev->rtnl_link_ops = &ipvl_link_ops;
	dev->mtu = mtu ? mtu : port->master->mtu;
	link = netdev_priv(dev);
	if (owner)
		strscpy(link->owner, owner, sizeof(link->owner));

	err = ipvl_link_register(dev, port, extack);
	if (err) {
		if (err == -EEXIST)
			NL_SET_ERR_MSG(extack,
				       "a device of that name exists in the target namespace");
		free_netdev(dev);
		return ERR_PTR(err);
	}
	return dev;
}

static int ipvl_newlink(struct net *src_net, struct net_device *dev,
			struct nlattr *tb[], struct nlattr *data[],
			struct netlink_ext_ack *extack)
{
	struct net_device *master;
	struct ipvl_port *port;

	if (!tb[IFLA_LINK]) {
		NL_SET_ERR_MSG(extack,
			       "an ipvl link needs a master: ip link add link DEV NAME type ipvl");
		return -EINVAL;
	}
	master = __dev_get_by_index(src_net, nla_get_u32(tb[IFLA_LINK]));
	if (!master) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_LINK], "master not found");
		return -ENODEV;
	}
	port = ipvl_port_get_rtnl(master);
	if (!port) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_LINK],
				    "master has no ipvl port (ipvlanctl port add DEV mode MODE)");
		return -EINVAL;
	}
	if (!ns_capable(dev_net(master)->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(extack,
			       "CAP_NET_ADMIN over the master's network namespace is required");
		return -EPERM;
	}
	if (!tb[IFLA_MTU])
		dev->mtu = master->mtu;
	return ipvl_link_register(dev, port, extack);
}

static size_t ipvl_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u32)) +	/* IPVL_A_LINKINFO_LINK_ID */
	       nla_total_size(sizeof(u32)) +	/* ..._PORT_IFINDEX */
	       nla_total_size(sizeof(u32)) +	/* ..._MODE */
	       nla_total_size(sizeof(u32));	/* ..._FLAGS */
}

static int ipvl_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	const struct ipvl_link *link = netdev_priv(dev);
	const struct ipvl_port *port = link->port;

	if (nla_put_u32(skb, IPVL_A_LINKINFO_LINK_ID, link->id) ||
	    nla_put_u32(skb, IPVL_A_LINKINFO_PORT_IFINDEX,
			link->master->ifindex))
		return -EMSGSIZE;
	/* a detached link (being unregistered) may have lost its port */
	if (link->attached &&
	    (nla_put_u32(skb, IPVL_A_LINKINFO_MODE, READ_ONCE(port->mode)) ||
	     nla_put_u32(skb, IPVL_A_LINKINFO_FLAGS, READ_ONCE(port->flags))))
		return -EMSGSIZE;
	return 0;
}

static struct net *ipvl_get_link_net(const struct net_device *dev)
{
	const struct ipvl_link *link = netdev_priv(dev);

	return dev_net(link->master);
}

struct rtnl_link_ops ipvl_link_ops = {
	.kind		= "ipvl",
	.priv_size	= sizeof(struct ipvl_link),
	.setup		= ipvl_setup,
	.newlink	= ipvl_newlink,
	.dellink	= ipvl_link_dellink,
	.get_size	= ipvl_get_size,
	.fill_info	= ipvl_fill_info,
	.get_link_net	= ipvl_get_link_net,
};
