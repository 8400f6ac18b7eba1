/* Ports: port-new, port-set, port-del, port-get (do and dump). */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "internal.h"

static const char *const port_attr_names[IPVL_A_PORT_MAX + 1] = {
	[IPVL_A_PORT_IFINDEX]		= "ifindex",
	[IPVL_A_PORT_IFNAME]		= "ifname",
	[IPVL_A_PORT_MODE]		= "mode",
	[IPVL_A_PORT_FLAGS]		= "flags",
	[IPVL_A_PORT_SPOOF_CHECK]	= "spoof-check",
	[IPVL_A_PORT_FORCE]		= "force",
	[IPVL_A_PORT_LINK_COUNT]	= "link-count",
	[IPVL_A_PORT_BINDING_COUNT]	= "binding-count",
	[IPVL_A_PORT_STATS]		= "stats",
};

static const struct ipvl_pol port_pol[IPVL_A_PORT_MAX + 1] = {
	[IPVL_A_PORT_IFINDEX]		= { MNL_TYPE_U32, 0 },
	[IPVL_A_PORT_IFNAME]		= { MNL_TYPE_NUL_STRING, IF_NAMESIZE },
	[IPVL_A_PORT_MODE]		= { MNL_TYPE_U32, 0 },
	[IPVL_A_PORT_FLAGS]		= { MNL_TYPE_U32, 0 },
	[IPVL_A_PORT_SPOOF_CHECK]	= { MNL_TYPE_U8, 0 },
	[IPVL_A_PORT_LINK_COUNT]	= { MNL_TYPE_U32, 0 },
	[IPVL_A_PORT_BINDING_COUNT]	= { MNL_TYPE_U32, 0 },
	[IPVL_A_PORT_STATS]		= { MNL_TYPE_NESTED, 0 },
};

#define PORT_COUNTER(attr, field) \
	{ IPVL_A_PORT_STATS_##attr, offsetof(struct ipvl_port_stats, field) }

static const struct ipvl_counter port_counters[] = {
	PORT_COUNTER(RX_DISPATCHED, rx_dispatched),
	PORT_COUNTER(RX_PASSED, rx_passed),
	PORT_COUNTER(TX_LOCAL, tx_local),
	PORT_COUNTER(TX_OUT, tx_out),
	PORT_COUNTER(DROP_NO_BINDING, drop_no_binding),
	PORT_COUNTER(DROP_SPOOFED, drop_spoofed),
	PORT_COUNTER(DROP_BACKLOG, drop_backlog),
	PORT_COUNTER(DROP_LINK_DOWN, drop_link_down),
	PORT_COUNTER(DROP_POLICY, drop_policy),
	PORT_COUNTER(DROP_MALFORMED, drop_malformed),
};

int ipvl_port_parse(const struct nlmsghdr *nlh, void *obj)
{
	const struct nlattr *tb[IPVL_A_PORT_MAX + 1];
	struct ipvl_port *port = obj;
	int err;

	err = ipvl_parse_msg(nlh, port_pol, IPVL_A_PORT_MAX, tb);
	if (err)
		return err;
	memset(port, 0, sizeof(*port));
	port->spoof_check = true;	/* the family's default */
	if (tb[IPVL_A_PORT_IFINDEX])
		port->ifindex = mnl_attr_get_u32(tb[IPVL_A_PORT_IFINDEX]);
	if (tb[IPVL_A_PORT_IFNAME])
		ipvl_attr_strcpy(port->ifname, sizeof(port->ifname),
				 tb[IPVL_A_PORT_IFNAME]);
	if (tb[IPVL_A_PORT_MODE])
		port->mode = mnl_attr_get_u32(tb[IPVL_A_PORT_MODE]);
	if (tb[IPVL_A_PORT_FLAGS])
		port->flags = mnl_attr_get_u32(tb[IPVL_A_PORT_FLAGS]);
	if (tb[IPVL_A_PORT_SPOOF_CHECK])
		port->spoof_check = mnl_attr_get_u8(tb[IPVL_A_PORT_SPOOF_CHECK]);
	if (tb[IPVL_A_PORT_LINK_COUNT])
		port->link_count = mnl_attr_get_u32(tb[IPVL_A_PORT_LINK_COUNT]);
	if (tb[IPVL_A_PORT_BINDING_COUNT])
		port->binding_count =
			mnl_attr_get_u32(tb[IPVL_A_PORT_BINDING_COUNT]);
	if (tb[IPVL_A_PORT_STATS]) {
		err = ipvl_parse_counters(tb[IPVL_A_PORT_STATS], port_counters,
					  sizeof(port_counters) /
					  sizeof(port_counters[0]),
					  &port->stats);
		if (err)
			return err;
		port->has_stats = true;
	}
	return 0;
}

static int port_msg(struct ipvl_req *r, uint8_t cmd,
		    const struct ipvl_port_ref *ref)
{
	int err;

	err = ipvl_req_op(r, cmd, 0);
	if (err)
		return err;
	ipvl_req_names(r, port_attr_names, IPVL_A_PORT_MAX);
	return ipvl_put_port_ref(r, ref, IPVL_A_PORT_IFINDEX,
				 IPVL_A_PORT_IFNAME);
}

static int port_put_config(struct ipvl_req *r,
			   const struct ipvl_port_config *cfg)
{
	if (!cfg)
		return 0;
	if (cfg->mask & ~(unsigned int)(IPVL_PORT_CFG_MODE |
					IPVL_PORT_CFG_FLAGS |
					IPVL_PORT_CFG_SPOOF_CHECK))
		return -EINVAL;
	if (cfg->mask & IPVL_PORT_CFG_MODE)
		ipvl_put_u32(r, IPVL_A_PORT_MODE, cfg->mode);
	if (cfg->mask & IPVL_PORT_CFG_FLAGS)
		ipvl_put_u32(r, IPVL_A_PORT_FLAGS, cfg->flags);
	if (cfg->mask & IPVL_PORT_CFG_SPOOF_CHECK)
		ipvl_put_u8(r, IPVL_A_PORT_SPOOF_CHECK, cfg->spoof_check ? 1 : 0);
	return 0;
}

static int port_change(struct ipvl_handle *h, uint8_t cmd,
		       const struct ipvl_port_ref *ref,
		       const struct ipvl_port_config *cfg,
		       struct ipvl_port *port)
{
	struct ipvl_req r;
	int err;

	ipvl_req_init(&r, h);
	err = port_msg(&r, cmd, ref);
	if (!err)
		err = port_put_config(&r, cfg);
	if (err)
		return err;
	return ipvl_req_do(&r, ipvl_port_parse, port);
}

IPVL_EXPORT int ipvl_port_new(struct ipvl_handle *h,
			      const struct ipvl_port_ref *ref,
			      const struct ipvl_port_config *cfg,
			      struct ipvl_port *port)
{
	return port_change(h, IPVL_CMD_PORT_NEW, ref, cfg, port);
}

IPVL_EXPORT int ipvl_port_set(struct ipvl_handle *h,
			      const struct ipvl_port_ref *ref,
			      const struct ipvl_port_config *cfg,
			      struct ipvl_port *port)
{
	return port_change(h, IPVL_CMD_PORT_SET, ref, cfg, port);
}

IPVL_EXPORT int ipvl_port_del(struct ipvl_handle *h,
			      const struct ipvl_port_ref *ref, bool force)
{
	struct ipvl_req r;
	int err;

	ipvl_req_init(&r, h);
	err = port_msg(&r, IPVL_CMD_PORT_DEL, ref);
	if (err)
		return err;
	if (force)
		ipvl_put_flag(&r, IPVL_A_PORT_FORCE);
	return ipvl_req_do(&r, NULL, NULL);
}

IPVL_EXPORT int ipvl_port_get(struct ipvl_handle *h,
			      const struct ipvl_port_ref *ref,
			      struct ipvl_port *port)
{
	struct ipvl_req r;
	int err;

	if (!port)
		return -EINVAL;
	ipvl_req_init(&r, h);
	err = port_msg(&r, IPVL_CMD_PORT_GET, ref);
	if (err)
		return err;
	return ipvl_req_do(&r, ipvl_port_parse, port);
}

struct port_dump {
	ipvl_port_cb cb;
	void *data;
};

static int port_dump_cb(const void *obj, void *data)
{
	const struct port_dump *d = data;

	return d->cb(obj, d->data);
}

IPVL_EXPORT int ipvl_port_dump(struct ipvl_handle *h, ipvl_port_cb cb,
			       void *data)
{
	struct port_dump d = { cb, data };
	const struct ipvl_dump_ops ops = {
		.objsize = sizeof(struct ipvl_port),
		.parse = ipvl_port_parse,
		.cb = port_dump_cb,
		.data = &d,
	};
	struct ipvl_req r;
	int err;

	if (!cb)
		return -EINVAL;
	ipvl_req_init(&r, h);
	err = ipvl_req_op(&r, IPVL_CMD_PORT_GET, NLM_F_DUMP);
	if (err)
		return err;
	ipvl_req_names(&r, port_attr_names, IPVL_A_PORT_MAX);
	return ipvl_req_dump(&r, &ops);
}
