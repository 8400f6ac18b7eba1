/* Links: link-new, link-del, link-get (do, and dump by port). */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "internal.h"

static const char *const link_attr_names[IPVL_A_LINK_MAX + 1] = {
	[IPVL_A_LINK_ID]		= "id",
	[IPVL_A_LINK_IFINDEX]		= "ifindex",
	[IPVL_A_LINK_IFNAME]		= "ifname",
	[IPVL_A_LINK_PORT_IFINDEX]	= "port-ifindex",
	[IPVL_A_LINK_PORT_IFNAME]	= "port-ifname",
	[IPVL_A_LINK_NETNS_FD]		= "netns-fd",
	[IPVL_A_LINK_NETNSID]		= "netnsid",
	[IPVL_A_LINK_MTU]		= "mtu",
	[IPVL_A_LINK_BINDING_COUNT]	= "binding-count",
	[IPVL_A_LINK_EXIST_OK]		= "exist-ok",
	[IPVL_A_LINK_STATS]		= "stats",
	[IPVL_A_LINK_OWNER]		= "owner",
};

static const struct ipvl_pol link_pol[IPVL_A_LINK_MAX + 1] = {
	[IPVL_A_LINK_ID]		= { MNL_TYPE_U32, 0 },
	[IPVL_A_LINK_IFINDEX]		= { MNL_TYPE_U32, 0 },
	[IPVL_A_LINK_IFNAME]		= { MNL_TYPE_NUL_STRING, IF_NAMESIZE },
	[IPVL_A_LINK_PORT_IFINDEX]	= { MNL_TYPE_U32, 0 },
	[IPVL_A_LINK_PORT_IFNAME]	= { MNL_TYPE_NUL_STRING, IF_NAMESIZE },
	[IPVL_A_LINK_NETNSID]		= { MNL_TYPE_U32, 0 },
	[IPVL_A_LINK_MTU]		= { MNL_TYPE_U32, 0 },
	[IPVL_A_LINK_BINDING_COUNT]	= { MNL_TYPE_U32, 0 },
	[IPVL_A_LINK_STATS]		= { MNL_TYPE_NESTED, 0 },
	[IPVL_A_LINK_OWNER]		= { MNL_TYPE_NUL_STRING,
					    IPVL_LINK_OWNER_LEN },
};

#define LINK_COUNTER(attr, field) \
	{ IPVL_A_LINK_STATS_##attr, offsetof(struct ipvl_link_stats, field) }

static const struct ipvl_counter link_counters[] = {
	LINK_COUNTER(RX_PACKETS, rx_packets),
	LINK_COUNTER(RX_BYTES, rx_bytes),
	LINK_COUNTER(RX_MULTICAST, rx_multicast),
	LINK_COUNTER(RX_DROPPED, rx_dropped),
	LINK_COUNTER(TX_PACKETS, tx_packets),
	LINK_COUNTER(TX_BYTES, tx_bytes),
	LINK_COUNTER(TX_DROPPED, tx_dropped),
};

int ipvl_link_parse(const struct nlmsghdr *nlh, void *obj)
{
	const struct nlattr *tb[IPVL_A_LINK_MAX + 1];
	struct ipvl_link *link = obj;
	int err;

	err = ipvl_parse_msg(nlh, link_pol, IPVL_A_LINK_MAX, tb);
	if (err)
		return err;
	memset(link, 0, sizeof(*link));
	if (tb[IPVL_A_LINK_ID])
		link->id = mnl_attr_get_u32(tb[IPVL_A_LINK_ID]);
	if (tb[IPVL_A_LINK_IFINDEX])
		link->ifindex = mnl_attr_get_u32(tb[IPVL_A_LINK_IFINDEX]);
	if (tb[IPVL_A_LINK_IFNAME])
		ipvl_attr_strcpy(link->ifname, sizeof(link->ifname),
				 tb[IPVL_A_LINK_IFNAME]);
	if (tb[IPVL_A_LINK_PORT_IFINDEX])
		link->port_ifindex =
			mnl_attr_get_u32(tb[IPVL_A_LINK_PORT_IFINDEX]);
	if (tb[IPVL_A_LINK_PORT_IFNAME])
		ipvl_attr_strcpy(link->port_ifname, sizeof(link->port_ifname),
				 tb[IPVL_A_LINK_PORT_IFNAME]);
	if (tb[IPVL_A_LINK_NETNSID]) {
		link->has_netnsid = true;
		link->netnsid = (int32_t)mnl_attr_get_u32(tb[IPVL_A_LINK_NETNSID]);
	}
	if (tb[IPVL_A_LINK_MTU])
		link->mtu = mnl_attr_get_u32(tb[IPVL_A_LINK_MTU]);
	if (tb[IPVL_A_LINK_BINDING_COUNT])
		link->binding_count =
			mnl_attr_get_u32(tb[IPVL_A_LINK_BINDING_COUNT]);
	if (tb[IPVL_A_LINK_OWNER])
		ipvl_attr_strcpy(link->owner, sizeof(link->owner),
				 tb[IPVL_A_LINK_OWNER]);
	if (tb[IPVL_A_LINK_STATS]) {
		err = ipvl_parse_counters(tb[IPVL_A_LINK_STATS], link_counters,
					  sizeof(link_counters) /
					  sizeof(link_counters[0]),
					  &link->stats);
		if (err)
			return err;
		link->has_stats = true;
	}
	return 0;
}

static int link_msg(struct ipvl_req *r, uint8_t cmd, uint16_t flags)
{
	int err;

	err = ipvl_req_op(r, cmd, flags);
	if (!err)
		ipvl_req_names(r, link_attr_names, IPVL_A_LINK_MAX);
	return err;
}

IPVL_EXPORT int ipvl_link_new(struct ipvl_handle *h,
			      const struct ipvl_link_config *cfg,
			      struct ipvl_link *link)
{
	struct ipvl_req r;
	int err;

	if (!cfg || (cfg->has_netns_fd && cfg->netns_fd < 0))
		return -EINVAL;
	if (cfg->owner && strlen(cfg->owner) >= IPVL_LINK_OWNER_LEN)
		return -ENAMETOOLONG;
	err = ipvl_check_ifname(cfg->ifname);
	if (err)
		return err;
	ipvl_req_init(&r, h);
	err = link_msg(&r, IPVL_CMD_LINK_NEW, 0);
	if (err)
		return err;
	ipvl_put_str(&r, IPVL_A_LINK_IFNAME, cfg->ifname);
	err = ipvl_put_port_ref(&r, &cfg->port, IPVL_A_LINK_PORT_IFINDEX,
				IPVL_A_LINK_PORT_IFNAME);
	if (err)
		return err;
	if (cfg->has_netns_fd)
		ipvl_put_u32(&r, IPVL_A_LINK_NETNS_FD, (uint32_t)cfg->netns_fd);
	if (cfg->mtu)
		ipvl_put_u32(&r, IPVL_A_LINK_MTU, cfg->mtu);
	if (cfg->exist_ok)
		ipvl_put_flag(&r, IPVL_A_LINK_EXIST_OK);
	if (cfg->owner)
		ipvl_put_str(&r, IPVL_A_LINK_OWNER, cfg->owner);
	return ipvl_req_do(&r, ipvl_link_parse, link);
}

IPVL_EXPORT const char *ipvl_link_owner(const struct ipvl_link *link)
{
	return link && link->owner[0] ? link->owner : NULL;
}

IPVL_EXPORT int ipvl_link_del(struct ipvl_handle *h,
			      const struct ipvl_link_ref *ref)
{
	struct ipvl_req r;
	int err;

	ipvl_req_init(&r, h);
	err = link_msg(&r, IPVL_CMD_LINK_DEL, 0);
	if (!err)
		err = ipvl_put_link_ref(&r, ref, IPVL_A_LINK_ID,
					IPVL_A_LINK_IFNAME);
	if (err)
		return err;
	return ipvl_req_do(&r, NULL, NULL);
}

IPVL_EXPORT int ipvl_link_get(struct ipvl_handle *h,
			      const struct ipvl_link_ref *ref,
			      struct ipvl_link *link)
{
	struct ipvl_req r;
	int err;

	if (!link)
		return -EINVAL;
	ipvl_req_init(&r, h);
	err = link_msg(&r, IPVL_CMD_LINK_GET, 0);
	if (!err)
		err = ipvl_put_link_ref(&r, ref, IPVL_A_LINK_ID,
					IPVL_A_LINK_IFNAME);
	if (err)
		return err;
	return ipvl_req_do(&r, ipvl_link_parse, link);
}

struct link_dump {
	ipvl_link_cb cb;
	void *data;
};

static int link_dump_cb(const void *obj, void *data)
{
	const struct link_dump *d = data;

	return d->cb(obj, d->data);
}

IPVL_EXPORT int ipvl_link_dump(struct ipvl_handle *h,
			       const struct ipvl_port_ref *port,
			       ipvl_link_cb cb, void *data)
{
	struct link_dump d = { cb, data };
	const struct ipvl_dump_ops ops = {
		.objsize = sizeof(struct ipvl_link),
		.parse = ipvl_link_parse,
		.cb = link_dump_cb,
		.data = &d,
	};
	struct ipvl_req r;
	int err;

	if (!cb)
		return -EINVAL;
	ipvl_req_init(&r, h);
	err = link_msg(&r, IPVL_CMD_LINK_GET, NLM_F_DUMP);
	if (!err && port)
		err = ipvl_put_port_ref(&r, port, IPVL_A_LINK_PORT_IFINDEX,
					IPVL_A_LINK_PORT_IFNAME);
	if (err)
		return err;
	return ipvl_req_dump(&r, &ops);
}
