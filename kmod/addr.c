// SPDX-License-Identifier: GPL-2.0
/*
 * The address table of a port: a resizable hash of bindings, read under RCU
 * by the data path and written under RTNL by the control plane. Each link
 * also keeps the list of its own bindings, so nothing walks all addresses.
 */
#include <linux/inetdevice.h>
#include <net/addrconf.h>
#include <net/ipv6.h>

#include "ipvl_priv.h"

static const struct rhashtable_params ipvl_addr_params = {
	.head_offset		= offsetof(struct ipvl_addr, node),
	.key_offset		= offsetof(struct ipvl_addr, key),
	.key_len		= sizeof(struct ipvl_key),
	.automatic_shrinking	= true,
};

int ipvl_addr_table_init(struct ipvl_port *port)
{
	return rhashtable_init(&port->addrs, &ipvl_addr_params);
}

/* Called once every link of the port is gone: the table is empty. */
void ipvl_addr_table_destroy(struct ipvl_port *port)
{
	WARN_ON(atomic_read(&port->addrs.nelems));
	rhashtable_destroy(&port->addrs);
}

/* Data path lookup; the caller holds rcu_read_lock(). */
struct ipvl_addr *ipvl_addr_lookup(struct ipvl_port *port,
				   const struct ipvl_key *key)
{
	return rhashtable_lookup(&port->addrs, key, ipvl_addr_params);
}

/* Control path lookup, under RTNL. */
struct ipvl_addr *ipvl_addr_find(struct ipvl_port *port,
				 const struct ipvl_key *key)
{
	ASSERT_RTNL();
	return rhashtable_lookup_fast(&port->addrs, key, ipvl_addr_params);
}

/* Is @key configured on any device of @net? Then it belongs to the host. */
static bool ipvl_addr_is_hosts(struct net *net, const struct ipvl_key *key)
{
	if (key->family == AF_INET)
		return !!__ip_dev_find(net, key->v4, false);
#if IS_ENABLED(CONFIG_IPV6)
	return ipv6_chk_addr(net, &key->v6, NULL, 0);
#else
	return false;
#endif
}

/*
 * Checks that do not depend on the current table: what kind of address,
 * and whether the host owns it. -EINVAL/-EADDRNOTAVAIL with extack.
 */
int ipvl_addr_check(struct ipvl_link *link, const struct ipvl_key *key,
		    struct netlink_ext_ack *extack)
{
	struct net_device *master = link->port->master;

	if (key->family == AF_INET) {
		__be32 a = key->v4;

		if (ipv4_is_zeronet(a) || ipv4_is_multicast(a) ||
		    ipv4_is_loopback(a) || ipv4_is_lbcast(a)) {
			NL_SET_ERR_MSG(extack,
				       "address must be a unicast IPv4 address");
			return -EINVAL;
		}
	} else {
		int type = ipv6_addr_type(&key->v6);

		if (!(type & IPV6_ADDR_UNICAST) ||
		    (type & (IPV6_ADDR_LOOPBACK | IPV6_ADDR_MAPPED |
			     IPV6_ADDR_LINKLOCAL))) {
			NL_SET_ERR_MSG(extack,
				       "address must be a global or unique-local IPv6 unicast address");
			return -EINVAL;
		}
	}

	if (ipvl_addr_is_hosts(dev_net(master), key)) {
		NL_SET_ERR_MSG(extack,
			       "address is configured in the master's namespace: it belongs to the host");
		return -EADDRNOTAVAIL;
	}
	return 0;
}

static void ipvl_addr_free_rcu(struct rcu_head *head)
{
	struct ipvl_addr *addr = container_of(head, struct ipvl_addr, rcu);

	free_percpu(addr->stats);
	kfree(addr);
}

/* A new binding of @key to @link, in the hash but not yet on the link. */
static struct ipvl_addr *ipvl_addr_insert(struct ipvl_link *link,
					  const struct ipvl_key *key,
					  struct netlink_ext_ack *extack)
{
	struct ipvl_addr *addr;
	int err;

	addr = kzalloc(sizeof(*addr), GFP_KERNEL_ACCOUNT);
	if (!addr)
		return ERR_PTR(-ENOMEM);
	addr->stats = alloc_percpu_gfp(struct ipvl_addr_pcpu,
				       GFP_KERNEL_ACCOUNT);
	if (!addr->stats) {
		kfree(addr);
		return ERR_PTR(-ENOMEM);
	}
	addr->key = *key;
	addr->link = link;

	err = rhashtable_lookup_insert_fast(&link->port->addrs, &addr->node,
					    ipvl_addr_params);
	if (err) {
		free_percpu(addr->stats);
		kfree(addr);
		NL_SET_ERR_MSG(extack, "cannot insert the address in the table");
		return ERR_PTR(err);
	}
	return addr;
}

/* Who holds @key on the port: NULL, @link, or -EADDRINUSE with extack. */
static struct ipvl_addr *ipvl_addr_holder(struct ipvl_link *link,
					  const struct ipvl_key *key,
					  struct netlink_ext_ack *extack)
{
	struct ipvl_addr *addr = ipvl_addr_find(link->port, key);

	if (addr && addr->link != link) {
		IPVL_ERR_FMT(extack,
			     "address is bound to link %s (id %u) of this port",
			     addr->link->dev->name, addr->link->id);
		return ERR_PTR(-EADDRINUSE);
	}
	return addr;
}

static void ipvl_addr_attach(struct ipvl_addr *addr)
{
	struct ipvl_link *link = addr->link;

	list_add_tail(&addr->lnode, &link->addrs);
	link->n_addrs++;
	link->port->n_addrs++;
}

/*
 * Bind @key to @link. Binding an address the link holds already returns
 * -EEXIST with *out set to the existing binding.
 */
int ipvl_addr_bind(struct ipvl_link *link, const struct ipvl_key *key,
		   struct ipvl_addr **out, struct netlink_ext_ack *extack)
{
	struct ipvl_addr *addr;
	int err;

	ASSERT_RTNL();

	addr = ipvl_addr_holder(link, key, extack);
	if (IS_ERR(addr))
		return PTR_ERR(addr);
	if (addr) {
		*out = addr;
		return -EEXIST;
	}
	err = ipvl_addr_check(link, key, extack);
	if (err)
		return err;
	addr = ipvl_addr_insert(link, key, extack);
	if (IS_ERR(addr))
		return PTR_ERR(addr);
	ipvl_addr_attach(addr);
	ipvl_changed();
	*out = addr;
	return 0;
}

/* Prefix the message of a refused addr-replace with the entry's address. */
static void ipvl_addr_err_entry(const struct ipvl_key *key,
				struct netlink_ext_ack *extack)
{
	char msg[80];

	if (!extack)
		return;
	strscpy(msg, extack->_msg ? extack->_msg : "refused", sizeof(msg));
	if (key->family == AF_INET)
		IPVL_ERR_FMT(extack, "%pI4: %s", &key->v4, msg);
	else
		IPVL_ERR_FMT(extack, "%pI6c: %s", &key->v6, msg);
}

/*
 * Make @keys the whole binding set of @link, or change nothing. New
 * bindings enter the hash first (they can fail); the ones that go are
 * removed last (that cannot fail).
 */
int ipvl_addr_replace(struct ipvl_link *link, const struct ipvl_key *keys,
		      unsigned int n, struct netlink_ext_ack *extack)
{
	struct ipvl_addr *addr, *tmp;
	LIST_HEAD(fresh);
	unsigned int i;
	int err = 0;

	ASSERT_RTNL();
	for (i = 0; i < n; i++) {
		addr = ipvl_addr_holder(link, &keys[i], extack);
		if (IS_ERR(addr)) {
			err = PTR_ERR(addr);
			break;
		}
		if (addr) {		/* kept, or listed twice */
			addr->keep = true;
			continue;
		}
		err = ipvl_addr_check(link, &keys[i], extack);
		if (err)
			break;
		addr = ipvl_addr_insert(link, &keys[i], extack);
		if (IS_ERR(addr)) {
			err = PTR_ERR(addr);
			break;
		}
		addr->keep = true;
		list_add_tail(&addr->lnode, &fresh);
	}

	if (err) {
		ipvl_addr_err_entry(&keys[i], extack);
		list_for_each_entry_safe(addr, tmp, &fresh, lnode) {
			rhashtable_remove_fast(&link->port->addrs, &addr->node,
					       ipvl_addr_params);
			list_del(&addr->lnode);
			call_rcu(&addr->rcu, ipvl_addr_free_rcu);
		}
		list_for_each_entry(addr, &link->addrs, lnode)
			addr->keep = false;
		return err;
	}

	list_for_each_entry_safe(addr, tmp, &link->addrs, lnode) {
		if (addr->keep) {
			addr->keep = false;
			continue;
		}
		ipvl_notify_addr(addr, IPVL_CMD_ADDR_DEL_NTF);
		ipvl_addr_unbind(addr);
	}
	list_for_each_entry_safe(addr, tmp, &fresh, lnode) {
		list_del(&addr->lnode);
		addr->keep = false;
		ipvl_addr_attach(addr);
		ipvl_notify_addr(addr, IPVL_CMD_ADDR_NEW_NTF);
	}
	ipvl_changed();
	return 0;
}

void ipvl_addr_unbind(struct ipvl_addr *addr)
{
	struct ipvl_link *link = addr->link;
	struct ipvl_port *port = link->port;

	ASSERT_RTNL();
	rhashtable_remove_fast(&port->addrs, &addr->node, ipvl_addr_params);
	list_del(&addr->lnode);
	link->n_addrs--;
	port->n_addrs--;
	ipvl_changed();
	call_rcu(&addr->rcu, ipvl_addr_free_rcu);
}

/* Remove every binding of @link, with a notification for each. */
void ipvl_addr_flush_link(struct ipvl_link *link)
{
	struct ipvl_addr *addr, *tmp;

	list_for_each_entry_safe(addr, tmp, &link->addrs, lnode) {
		ipvl_notify_addr(addr, IPVL_CMD_ADDR_DEL_NTF);
		ipvl_addr_unbind(addr);
	}
}

/*
 * The other half of "a link never takes a host address": once an address
 * is bound, the host cannot configure it in the master's namespace, except
 * on the link that owns it (the host's own link of ipvl(7)). Addresses in
 * other namespaces are the tenants' business and are not checked.
 *
 * The validators run for every address added anywhere, in process context;
 * IPv4 holds RTNL, IPv6 does not always, so the ports and their tables are
 * read under RCU, as the data path does: ipvl_port_destroy() takes a port
 * out of the idr and waits for a grace period before it destroys the table
 * and frees the port, and the master outlives its port.
 */
static int ipvl_addr_validate(struct net_device *dev,
			      const struct ipvl_key *key,
			      struct netlink_ext_ack *extack)
{
	struct net *net = dev_net(dev);
	struct ipvl_port *port;
	struct ipvl_addr *addr;
	int id, err = 0;

	rcu_read_lock();
	idr_for_each_entry(&ipvl_ports, port, id) {
		if (!net_eq(dev_net(port->master), net))
			continue;
		addr = ipvl_addr_lookup(port, key);
		if (addr && addr->link->dev != dev) {
			IPVL_ERR_FMT(extack,
				     "address is bound to ipvl link %s (id %u) of port %s: unbind it first",
				     addr->link->dev->name, addr->link->id,
				     port->master->name);
			err = -EADDRINUSE;
			break;
		}
	}
	rcu_read_unlock();
	return notifier_from_errno(err);
}

static int ipvl_inetaddr_validate(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct in_validator_info *ivi = ptr;
	struct ipvl_key key = { .family = AF_INET };

	if (event != NETDEV_UP)
		return NOTIFY_DONE;
	key.v4 = ivi->ivi_addr;
	return ipvl_addr_validate(ivi->ivi_dev->dev, &key, ivi->extack);
}

static struct notifier_block ipvl_inetaddr_validator = {
	.notifier_call = ipvl_inetaddr_validate,
};

#if IS_ENABLED(CONFIG_IPV6)
static int ipvl_inet6addr_validate(struct notifier_block *nb,
				   unsigned long event, void *ptr)
{
	struct in6_validator_info *i6vi = ptr;
	struct ipvl_key key = { .family = AF_INET6 };

	if (event != NETDEV_UP)
		return NOTIFY_DONE;
	key.v6 = i6vi->i6vi_addr;
	return ipvl_addr_validate(i6vi->i6vi_dev->dev, &key, i6vi->extack);
}

static struct notifier_block ipvl_inet6addr_validator = {
	.notifier_call = ipvl_inet6addr_validate,
};
#endif

int ipvl_addr_validators_init(void)
{
	int err;

	err = register_inetaddr_validator_notifier(&ipvl_inetaddr_validator);
	if (err)
		return err;
#if IS_ENABLED(CONFIG_IPV6)
	err = register_inet6addr_validator_notifier(&ipvl_inet6addr_validator);
	if (err)
		unregister_inetaddr_validator_notifier(&ipvl_inetaddr_validator);
#endif
	return err;
}

void ipvl_addr_validators_exit(void)
{
#if IS_ENABLED(CONFIG_IPV6)
	unregister_inet6addr_validator_notifier(&ipvl_inet6addr_validator);
#endif
	unregister_inetaddr_validator_notifier(&ipvl_inetaddr_validator);
}
