// SPDX-License-Identifier: GPL-2.0
/*
 * ipvl: a host-owned ipvlan-style datapath. Module entry points and the
 * generation counter that lets dumps detect concurrent changes.
 */
#include <linux/module.h>
#include <net/rtnetlink.h>

#include "ipvl_priv.h"

/* Bumped under RTNL on every change a dump could observe. */
u32 ipvl_generation = 1;

void ipvl_changed(void)
{
	ASSERT_RTNL();
	if (++ipvl_generation == 0)
		ipvl_generation = 1;
}

#ifndef NL_SET_ERR_MSG_FMT
/* see compat.h: 256 x 80 bytes, the kernel's own limit for such messages */
#define IPVL_EXTACK_RING	256
#define IPVL_EXTACK_LEN		80

static char ipvl_extack_ring[IPVL_EXTACK_RING][IPVL_EXTACK_LEN];
static atomic_t ipvl_extack_next = ATOMIC_INIT(0);

void ipvl_extack_fmt(struct netlink_ext_ack *extack, const char *fmt, ...)
{
	unsigned int slot;
	va_list args;
	char *buf;

	if (!extack)
		return;
	slot = (unsigned int)atomic_inc_return(&ipvl_extack_next) %
	       IPVL_EXTACK_RING;
	buf = ipvl_extack_ring[slot];
	va_start(args, fmt);
	vsnprintf(buf, IPVL_EXTACK_LEN, fmt, args);
	va_end(args);
	extack->_msg = buf;
}
#endif

static int __init ipvl_init_module(void)
{
	int err;

	err = ipvl_notifier_init();
	if (err)
		return err;
	err = ipvl_addr_validators_init();
	if (err)
		goto err_notifier;
	err = rtnl_link_register(&ipvl_link_ops);
	if (err)
		goto err_validators;
	err = ipvl_genl_init();
	if (err)
		goto err_link;
	return 0;

err_link:
	rtnl_link_unregister(&ipvl_link_ops);
err_validators:
	ipvl_addr_validators_exit();
err_notifier:
	ipvl_notifier_exit();
	return err;
}

static void __exit ipvl_exit_module(void)
{
	ipvl_genl_exit();
	/* deletes every link of kind ipvl, in every namespace */
	rtnl_link_unregister(&ipvl_link_ops);
	ipvl_port_destroy_all();
	ipvl_l3s_flush_queues();
	ipvl_addr_validators_exit();
	ipvl_notifier_exit();
	rcu_barrier();
}

module_init(ipvl_init_module);
module_exit(ipvl_exit_module);

MODULE_LICENSE("GPL");
MODULE_VERSION(IPVL_MODULE_VERSION);
MODULE_DESCRIPTION("Host-owned ipvlan-style datapath with explicit address bindings");
MODULE_AUTHOR("The ipvlanctl authors");
MODULE_ALIAS_RTNL_LINK("ipvl");
MODULE_ALIAS_GENL_FAMILY(IPVL_FAMILY_NAME);
