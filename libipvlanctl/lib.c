/*
 * The handle: the generic netlink socket, the resolution of the "ipvl"
 * family and of its "monitor" group, and the last kernel message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "internal.h"

void ipvl_set_errmsg(struct ipvl_handle *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->errmsg, sizeof(h->errmsg), fmt, ap);
	va_end(ap);
	h->has_errmsg = true;
}

void ipvl_clear_errmsg(struct ipvl_handle *h)
{
	h->has_errmsg = false;
	h->errmsg[0] = '\0';
}

IPVL_EXPORT const char *ipvl_errmsg(const struct ipvl_handle *h)
{
	return h && h->has_errmsg ? h->errmsg : NULL;
}

static const struct ipvl_pol ctrl_pol[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID]		= { MNL_TYPE_U16, 0 },
	[CTRL_ATTR_FAMILY_NAME]		= { MNL_TYPE_NUL_STRING, GENL_NAMSIZ },
	[CTRL_ATTR_VERSION]		= { MNL_TYPE_U32, 0 },
	[CTRL_ATTR_MCAST_GROUPS]	= { MNL_TYPE_NESTED, 0 },
};

static const struct ipvl_pol ctrl_grp_pol[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME]	= { MNL_TYPE_NUL_STRING, GENL_NAMSIZ },
	[CTRL_ATTR_MCAST_GRP_ID]	= { MNL_TYPE_U32, 0 },
};

struct family_info {
	bool found;
	uint16_t id;
	uint32_t version;
	uint32_t monitor_group;
};

static int parse_family(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct family_info *fi = data;
	const struct nlattr *pos;
	int err;

	err = ipvl_parse_msg(nlh, ctrl_pol, CTRL_ATTR_MAX, tb);
	if (err)
		return err;
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return -EPROTO;
	fi->found = true;
	fi->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		fi->version = mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;

	mnl_attr_for_each_nested(pos, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *gtb[CTRL_ATTR_MCAST_GRP_MAX + 1];

		err = ipvl_parse_nest(pos, ctrl_grp_pol, CTRL_ATTR_MCAST_GRP_MAX,
				      gtb);
		if (err)
			return err;
		if (!gtb[CTRL_ATTR_MCAST_GRP_NAME] || !gtb[CTRL_ATTR_MCAST_GRP_ID])
			continue;
		if (strcmp(mnl_attr_get_str(gtb[CTRL_ATTR_MCAST_GRP_NAME]),
			   IPVL_MCGRP_MONITOR) == 0)
			fi->monitor_group =
				mnl_attr_get_u32(gtb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

/* CTRL_CMD_GETFAMILY: the family id and the monitor group id. */
static int resolve_family(struct ipvl_handle *h)
{
	struct family_info fi = { 0 };
	struct ipvl_req r;
	int err;

	ipvl_req_init(&r, h);
	ipvl_req_msg(&r, GENL_ID_CTRL, 1, CTRL_CMD_GETFAMILY, 0);
	ipvl_put_str(&r, CTRL_ATTR_FAMILY_NAME, IPVL_FAMILY_NAME);
	err = ipvl_req_do(&r, parse_family, &fi);
	if (err == -ENODATA)
		err = -EPROTO;
	if (err)
		return err;
	h->family = fi.id;
	h->family_version = fi.version;
	h->monitor_group = fi.monitor_group;
	return 0;
}

static int set_flag(struct mnl_socket *nl, int opt)
{
	int one = 1;

	if (mnl_socket_setsockopt(nl, opt, &one, sizeof(one)) == 0)
		return 0;
	/* Kernels without the option still work, with plainer errors. */
	return errno == ENOPROTOOPT ? 0 : -errno;
}

IPVL_EXPORT int ipvl_open(struct ipvl_handle **hp)
{
	struct ipvl_handle *h;
	int err;

	*hp = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->rxbuf = malloc(IPVL_RXBUF_SIZE);
	h->txbuf = malloc(IPVL_TXBUF_SIZE);
	if (!h->rxbuf || !h->txbuf) {
		err = -ENOMEM;
		goto fail;
	}

	h->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!h->nl) {
		err = -errno;
		goto fail;
	}
	err = set_flag(h->nl, NETLINK_EXT_ACK);
	if (!err)
		err = set_flag(h->nl, NETLINK_CAP_ACK);
	if (err)
		goto fail;
	if (mnl_socket_bind(h->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	h->portid = mnl_socket_get_portid(h->nl);
	h->seq = (uint32_t)time(NULL);

	err = resolve_family(h);
	if (err)
		goto fail;
	ipvl_clear_errmsg(h);
	*hp = h;
	return 0;

fail:
	ipvl_close(h);
	return err;
}

IPVL_EXPORT void ipvl_close(struct ipvl_handle *h)
{
	if (!h)
		return;
	if (h->nl)
		mnl_socket_close(h->nl);
	free(h->rxbuf);
	free(h->txbuf);
	free(h);
}
