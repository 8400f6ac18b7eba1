/*
 * Address bindings: addr-new, addr-del, addr-replace, addr-get (do, and
 * dump by link or port).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

static const char *const addr_attr_names[IPVL_A_ADDR_MAX + 1] = {
	[IPVL_A_ADDR_LINK_ID]		= "link-id",
	[IPVL_A_ADDR_LINK_IFNAME]	= "link-ifname",
	[IPVL_A_ADDR_PORT_IFINDEX]	= "port-ifindex",
	[IPVL_A_ADDR_PORT_IFNAME]	= "port-ifname",
	[IPVL_A_ADDR_IPV4]		= "ipv4",
	[IPVL_A_ADDR_IPV6]		= "ipv6",
	[IPVL_A_ADDR_LIST]		= "list",
	[IPVL_A_ADDR_STATS]		= "stats",
};

static const struct ipvl_pol addr_pol[IPVL_A_ADDR_MAX + 1] = {
	[IPVL_A_ADDR_LINK_ID]		= { MNL_TYPE_U32, 0 },
	[IPVL_A_ADDR_LINK_IFNAME]	= { MNL_TYPE_NUL_STRING, IF_NAMESIZE },
	[IPVL_A_ADDR_PORT_IFINDEX]	= { MNL_TYPE_U32, 0 },
	[IPVL_A_ADDR_PORT_IFNAME]	= { MNL_TYPE_NUL_STRING, IF_NAMESIZE },
	[IPVL_A_ADDR_IPV4]		= { MNL_TYPE_U32, 0 },
	[IPVL_A_ADDR_IPV6]		= { MNL_TYPE_BINARY,
					    sizeof(struct in6_addr) },
	[IPVL_A_ADDR_STATS]		= { MNL_TYPE_NESTED, 0 },
};

#define ADDR_COUNTER(attr, field) \
	{ IPVL_A_ADDR_STATS_##attr, offsetof(struct ipvl_addr_stats, field) }

static const struct ipvl_counter addr_counters[] = {
	ADDR_COUNTER(RX_PACKETS, rx_packets),
	ADDR_COUNTER(RX_BYTES, rx_bytes),
	ADDR_COUNTER(TX_PACKETS, tx_packets),
	ADDR_COUNTER(TX_BYTES, tx_bytes),
};

int ipvl_addr_parse(const struct nlmsghdr *nlh, void *obj)
{
	const struct nlattr *tb[IPVL_A_ADDR_MAX + 1];
	struct ipvl_addr *b = obj;
	int err;

	err = ipvl_parse_msg(nlh, addr_pol, IPVL_A_ADDR_MAX, tb);
	if (err)
		return err;
	memset(b, 0, sizeof(*b));
	if (tb[IPVL_A_ADDR_IPV4]) {
		b->addr.family = AF_INET;
		/* big-endian on the wire, as in struct in_addr */
		memcpy(&b->addr.v4, mnl_attr_get_payload(tb[IPVL_A_ADDR_IPV4]),
		       sizeof(b->addr.v4));
	} else if (tb[IPVL_A_ADDR_IPV6]) {
		b->addr.family = AF_INET6;
		memcpy(&b->addr.v6, mnl_attr_get_payload(tb[IPVL_A_ADDR_IPV6]),
		       sizeof(b->addr.v6));
	} else {
		return -EPROTO;		/* a binding is an address */
	}
	if (tb[IPVL_A_ADDR_LINK_ID])
		b->link_id = mnl_attr_get_u32(tb[IPVL_A_ADDR_LINK_ID]);
	if (tb[IPVL_A_ADDR_LINK_IFNAME])
		ipvl_attr_strcpy(b->link_ifname, sizeof(b->link_ifname),
				 tb[IPVL_A_ADDR_LINK_IFNAME]);
	if (tb[IPVL_A_ADDR_PORT_IFINDEX])
		b->port_ifindex = mnl_attr_get_u32(tb[IPVL_A_ADDR_PORT_IFINDEX]);
	if (tb[IPVL_A_ADDR_PORT_IFNAME])
		ipvl_attr_strcpy(b->port_ifname, sizeof(b->port_ifname),
				 tb[IPVL_A_ADDR_PORT_IFNAME]);
	if (tb[IPVL_A_ADDR_STATS]) {
		err = ipvl_parse_counters(tb[IPVL_A_ADDR_STATS], addr_counters,
					  sizeof(addr_counters) /
					  sizeof(addr_counters[0]),
					  &b->stats);
		if (err)
			return err;
		b->has_stats = true;
	}
	return 0;
}

/* ipv4 or ipv6, in the message or in a list entry (same numbers). */
int ipvl_addr_put_ip(struct ipvl_req *r, const struct ipvl_ipaddr *a)
{
	if (!a)
		return -EINVAL;
	switch (a->family) {
	case AF_INET:
		ipvl_put_data(r, IPVL_A_ADDR_IPV4, &a->v4, sizeof(a->v4));
		return 0;
	case AF_INET6:
		ipvl_put_data(r, IPVL_A_ADDR_IPV6, &a->v6, sizeof(a->v6));
		return 0;
	default:
		return -EAFNOSUPPORT;
	}
}

/* Start a message with the optional link and port selectors. */
int ipvl_addr_msg(struct ipvl_req *r, uint8_t cmd, uint16_t flags,
		  const struct ipvl_link_ref *link,
		  const struct ipvl_port_ref *port)
{
	int err;

	err = ipvl_req_op(r, cmd, flags);
	if (err)
		return err;
	ipvl_req_names(r, addr_attr_names, IPVL_A_ADDR_MAX);
	if (link) {
		err = ipvl_put_link_ref(r, link, IPVL_A_ADDR_LINK_ID,
					IPVL_A_ADDR_LINK_IFNAME);
		if (err)
			return err;
	}
	if (port)
		err = ipvl_put_port_ref(r, port, IPVL_A_ADDR_PORT_IFINDEX,
					IPVL_A_ADDR_PORT_IFNAME);
	return err;
}

IPVL_EXPORT int ipvl_addr_bind(struct ipvl_handle *h,
			       const struct ipvl_link_ref *link,
			       const struct ipvl_ipaddr *addr,
			       struct ipvl_addr *binding)
{
	struct ipvl_req r;
	int err;

	if (!link)
		return -EINVAL;
	ipvl_req_init(&r, h);
	err = ipvl_addr_msg(&r, IPVL_CMD_ADDR_NEW, 0, link, NULL);
	if (!err)
		err = ipvl_addr_put_ip(&r, addr);
	if (err)
		return err;
	return ipvl_req_do(&r, ipvl_addr_parse, binding);
}

IPVL_EXPORT int ipvl_addr_unbind(struct ipvl_handle *h,
				 const struct ipvl_link_ref *link,
				 const struct ipvl_ipaddr *addr)
{
	struct ipvl_req r;
	int err;

	if (!link)
		return -EINVAL;
	ipvl_req_init(&r, h);
	err = ipvl_addr_msg(&r, IPVL_CMD_ADDR_DEL, 0, link, NULL);
	if (!err)
		err = ipvl_addr_put_ip(&r, addr);
	if (err)
		return err;
	return ipvl_req_do(&r, NULL, NULL);
}

IPVL_EXPORT int ipvl_addr_replace(struct ipvl_handle *h,
				  const struct ipvl_link_ref *link,
				  const struct ipvl_ipaddr *addrs,
				  size_t count)
{
	struct nlattr *entry;
	struct ipvl_req r;
	size_t i;
	int err;

	if (!link || (count && !addrs))
		return -EINVAL;
	ipvl_req_init(&r, h);
	err = ipvl_addr_msg(&r, IPVL_CMD_ADDR_REPLACE, 0, link, NULL);
	for (i = 0; !err && i < count; i++) {
		entry = ipvl_nest_start(&r, IPVL_A_ADDR_LIST);
		err = ipvl_addr_put_ip(&r, &addrs[i]);
		ipvl_nest_end(&r, entry);
	}
	if (err)
		return err;
	return ipvl_req_do(&r, NULL, NULL);
}

IPVL_EXPORT int ipvl_addr_get(struct ipvl_handle *h,
			      const struct ipvl_link_ref *link,
			      const struct ipvl_port_ref *port,
			      const struct ipvl_ipaddr *addr,
			      struct ipvl_addr *binding)
{
	struct ipvl_req r;
	int err;

	if (!binding)
		return -EINVAL;
	ipvl_req_init(&r, h);
	err = ipvl_addr_msg(&r, IPVL_CMD_ADDR_GET, 0, link, port);
	if (!err)
		err = ipvl_addr_put_ip(&r, addr);
	if (err)
		return err;
	return ipvl_req_do(&r, ipvl_addr_parse, binding);
}

struct addr_dump {
	ipvl_addr_cb cb;
	void *data;
};

static int addr_dump_cb(const void *obj, void *data)
{
	const struct addr_dump *d = data;

	return d->cb(obj, d->data);
}

IPVL_EXPORT int ipvl_addr_dump(struct ipvl_handle *h,
			       const struct ipvl_link_ref *link,
			       const struct ipvl_port_ref *port,
			       ipvl_addr_cb cb, void *data)
{
	struct addr_dump d = { cb, data };
	const struct ipvl_dump_ops ops = {
		.objsize = sizeof(struct ipvl_addr),
		.parse = ipvl_addr_parse,
		.cb = addr_dump_cb,
		.data = &d,
	};
	struct ipvl_req r;
	int err;

	if (!cb)
		return -EINVAL;
	ipvl_req_init(&r, h);
	err = ipvl_addr_msg(&r, IPVL_CMD_ADDR_GET, NLM_F_DUMP, link, port);
	if (err)
		return err;
	return ipvl_req_dump(&r, &ops);
}
