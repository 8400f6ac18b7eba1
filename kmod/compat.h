/* SPDX-License-Identifier: GPL-2.0 */
/* The few kernel API differences between 6.1 and 6.12 that ipvl meets. */
#ifndef _IPVL_COMPAT_H
#define _IPVL_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>

static inline struct nlattr **ipvl_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

static inline void ipvl_set_lltx(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/*
 * Formatted extack messages: 6.2 added a buffer inside the extack. Before
 * that, the message must outlive the handler: netlink_ack() copies it after
 * the handler has returned and dropped RTNL. It is formatted into a static
 * ring of buffers (main.c), never freed; a slot is reused only after
 * IPVL_EXTACK_RING later formatted messages, so an ack can show another
 * request's text only if its sender is held off between the handler's
 * return and the copy for that many failed requests. Static strings
 * (NL_SET_ERR_MSG) have no such limit.
 */
#ifdef NL_SET_ERR_MSG_FMT
#define IPVL_ERR_FMT(extack, fmt, args...) NL_SET_ERR_MSG_FMT(extack, fmt, ##args)
#else
__printf(2, 3)
void ipvl_extack_fmt(struct netlink_ext_ack *extack, const char *fmt, ...);
#define IPVL_ERR_FMT(extack, fmt, args...) ipvl_extack_fmt(extack, fmt, ##args)
#endif

#endif /* _IPVL_COMPAT_H */
