// SPDX-License-Identifier: GPL-2.0
/*
 * Ports: the per-master state behind our rx_handler, and the netdev
 * notifier that follows masters and links through their lifetime.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>

#include "ipvl_priv.h"

/* All ports by id, so dumps can resume by key. RTNL protects it. */
DEFINE_IDR(ipvl_ports);

static bool ipvl_is_master(const struct net_device *dev)
{
	return rcu_access_pointer(dev->rx_handler) == ipvl_handle_frame;
}

struct ipvl_port *ipvl_port_get_rtnl(const struct net_device *dev)
{
	if (!ipvl_is_master(dev))
		return NULL;
	return rtnl_dereference(dev->rx_handler_data);
}

/* Data path: the caller knows @dev's rx_handler is ours (it is running). */
struct ipvl_port *ipvl_port_get_rcu(const struct net_device *dev)
{
	return rcu_dereference(dev->rx_handler_data);
}

/* Data path, from anywhere else: NULL unless @dev is one of our masters. */
struct ipvl_port *ipvl_port_find_rcu(const struct net_device *dev)
{
	if (rcu_access_pointer(dev->rx_handler) != ipvl_handle_frame)
		return NULL;
	return rcu_dereference(dev->rx_handler_data);
}

static int ipvl_master_check(struct net_device *master,
			     struct netlink_ext_ack *extack)
{
	if (master->flags & IFF_LOOPBACK) {
		NL_SET_ERR_MSG(extack, "master cannot be a loopback device");
		return -EINVAL;
	}
	if (ipvl_is_link(master)) {
		NL_SET_ERR_MSG(extack, "master cannot be an ipvl link");
		return -EINVAL;
	}
	if (master->type != ARPHRD_ETHER || master->addr_len != ETH_ALEN) {
		NL_SET_ERR_MSG(extack, "master must be an Ethernet device");
		return -EINVAL;
	}
	if (ipvl_is_master(master)) {
		NL_SET_ERR_MSG(extack, "master has an ipvl port already");
		return -EEXIST;
	}
	if (netdev_is_rx_handler_busy(master)) {
		NL_SET_ERR_MSG(extack,
			       "master is in use by another driver (bridge, bond, macvlan, ipvlan, ...)");
		return -EBUSY;
	}
	return 0;
}

int ipvl_port_create(struct net_device *master, u16 mode, u32 flags,
		     bool spoof_check, struct netlink_ext_ack *extack)
{
	struct ipvl_port *port;
	int err, id;

	ASSERT_RTNL();
	err = ipvl_master_check(master, extack);
	if (err)
		return err;

	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port)
		return -ENOMEM;
	port->master = master;
	port->mode = mode;
	port->flags = flags;
	port->spoof_check = spoof_check;
	INIT_LIST_HEAD(&port->links);
	ida_init(&port->dev_ids);
	ipvl_mc_init(port);

	err = -ENOMEM;
	port->stats = alloc_percpu_gfp(struct ipvl_port_pcpu,
				       GFP_KERNEL_ACCOUNT);
	if (!port->stats)
		goto err_free;

	err = ipvl_addr_table_init(port);
	if (err)
		goto err_stats;

	id = idr_alloc_cyclic(&ipvl_ports, port, 1, INT_MAX, GFP_KERNEL);
	if (id < 0) {
		err = id;
		goto err_table;
	}
	port->id = id;

	err = netdev_rx_handler_register(master, ipvl_handle_frame, port);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot attach to the master");
		goto err_idr;
	}
	ipvl_changed();
	ipvl_notify_port(port, IPVL_CMD_PORT_NEW_NTF);
	return 0;

err_idr:
	idr_remove(&ipvl_ports, port->id);
err_table:
	ipvl_addr_table_destroy(port);
err_stats:
	free_percpu(port->stats);
err_free:
	ida_destroy(&port->dev_ids);
	kfree(port);
	return err;
}

static void ipvl_port_free_rcu(struct rcu_head *head)
{
	struct ipvl_port *port = container_of(head, struct ipvl_port, rcu);

	free_percpu(port->stats);
	kfree(port);
}

/*
 * Destroy a port that has no links left. The notification goes out while
 * the port is still complete. Once the rx_handler is gone and the port out
 * of the idr, netdev_rx_handler_unregister() waits for a grace period: no
 * reader is left then, neither the data path nor the address validators
 * (addr.c), which walk the idr under RCU without RTNL, and the table can go.
 */
void ipvl_port_destroy(struct ipvl_port *port)
{
	ASSERT_RTNL();
	WARN_ON(!list_empty(&port->links));

	ipvl_notify_port(port, IPVL_CMD_PORT_DEL_NTF);
	idr_remove(&ipvl_ports, port->id);
	netdev_rx_handler_unregister(port->master);
	ipvl_mc_flush(port);
	ipvl_addr_table_destroy(port);
	ida_destroy(&port->dev_ids);
	ipvl_changed();
	call_rcu(&port->rcu, ipvl_port_free_rcu);
}

void ipvl_port_set_mode(struct ipvl_port *port, u16 mode)
{
	struct ipvl_link *link;

	ASSERT_RTNL();
	if (port->mode == mode)
		return;
	WRITE_ONCE(port->mode, mode);
	list_for_each_entry(link, &port->links, pnode)
		ipvl_link_apply_mode(link);
}

/*
 * Unregister every link of @port in one batch, then destroy the port. Each
 * link leaves the port before it is queued (ipvl_link_dellink), so a link
 * already queued elsewhere is not on the port and never queued twice.
 */
void ipvl_port_teardown(struct ipvl_port *port)
{
	struct ipvl_link *link, *tmp;
	LIST_HEAD(kill);

	ASSERT_RTNL();
	list_for_each_entry_safe(link, tmp, &port->links, pnode)
		ipvl_link_dellink(link->dev, &kill);
	unregister_netdevice_many(&kill);
	ipvl_port_destroy(port);
}

void ipvl_port_destroy_all(void)
{
	struct ipvl_port *port;
	int id;

	rtnl_lock();
	idr_for_each_entry(&ipvl_ports, port, id)
		ipvl_port_teardown(port);
	rtnl_unlock();
}

static int ipvl_master_event(struct net_device *master, unsigned long event)
{
	struct ipvl_port *port = ipvl_port_get_rtnl(master);
	struct ipvl_link *link;

	if (!port)
		return NOTIFY_DONE;

	switch (event) {
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
		list_for_each_entry(link, &port->links, pnode)
			netif_stacked_transfer_operstate(master, link->dev);
		break;
	case NETDEV_CHANGEMTU:
		list_for_each_entry(link, &port->links, pnode) {
			link->dev->max_mtu = master->mtu;
			if (link->dev->mtu > master->mtu)
				dev_set_mtu(link->dev, master->mtu);
		}
		break;
	case NETDEV_CHANGEADDR:
		list_for_each_entry(link, &port->links, pnode) {
			eth_hw_addr_set(link->dev, master->dev_addr);
			call_netdevice_notifiers(NETDEV_CHANGEADDR, link->dev);
		}
		break;
	case NETDEV_PRE_TYPE_CHANGE:
		return NOTIFY_BAD;
	case NETDEV_UNREGISTER:
		/*
		 * A move to another namespace takes the port along, except
		 * when the namespace is being dismantled: a physical master
		 * then returns to the initial namespace, and the port that was
		 * made inside (by a tenant, maybe) must not come with it.
		 */
		if (master->reg_state != NETREG_UNREGISTERING &&
		    check_net(dev_net(master)))
			break;
		ipvl_port_teardown(port);
		break;
	}
	return NOTIFY_DONE;
}

/* The host's name of a link follows renames the host's side makes. */
static void ipvl_link_follow_name(struct ipvl_link *link)
{
	if (dev_net(link->dev)->user_ns == dev_net(link->master)->user_ns)
		strscpy(link->name, link->dev->name, sizeof(link->name));
}

static int ipvl_link_event(struct net_device *dev, unsigned long event)
{
	struct ipvl_link *link = netdev_priv(dev);

	switch (event) {
	case NETDEV_REGISTER:
		ipvl_link_follow_name(link);
		/* the first one is the creation, others follow netns moves */
		if (!link->announced) {
			link->announced = true;
			ipvl_notify_link(link, IPVL_CMD_LINK_NEW_NTF);
		} else {
			ipvl_notify_link(link, IPVL_CMD_LINK_CHANGE_NTF);
		}
		break;
	case NETDEV_CHANGENAME:
		ipvl_link_follow_name(link);
		fallthrough;
	case NETDEV_CHANGEMTU:
		if (link->attached)
			ipvl_notify_link(link, IPVL_CMD_LINK_CHANGE_NTF);
		break;
	}
	return NOTIFY_DONE;
}

static int ipvl_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (ipvl_is_link(dev))
		return ipvl_link_event(dev, event);
	return ipvl_master_event(dev, event);
}

static struct notifier_block ipvl_netdev_notifier = {
	.notifier_call = ipvl_netdev_event,
};

int ipvl_notifier_init(void)
{
	return register_netdevice_notifier(&ipvl_netdev_notifier);
}

void ipvl_notifier_exit(void)
{
	unregister_netdevice_notifier(&ipvl_netdev_notifier);
}
