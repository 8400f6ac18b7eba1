/*
 * Attributes: validation of the attributes of replies against a policy,
 * counters nests, and the selectors that name ports and links in requests.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

struct parse_ctx {
	const struct ipvl_pol *pol;
	unsigned int max;
	const struct nlattr **tb;
};

static int parse_attr(const struct nlattr *attr, void *data)
{
	struct parse_ctx *p = data;
	uint16_t type = mnl_attr_get_type(attr);
	const struct ipvl_pol *pol;

	if (type > p->max)
		return MNL_CB_OK;
	pol = &p->pol[type];
	switch (pol->type) {
	case MNL_TYPE_UNSPEC:
		return MNL_CB_OK;
	case MNL_TYPE_NUL_STRING:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		if (pol->len && mnl_attr_get_payload_len(attr) > pol->len)
			return MNL_CB_ERROR;
		break;
	case MNL_TYPE_BINARY:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, pol->len) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		if (mnl_attr_validate(attr, pol->type) < 0)
			return MNL_CB_ERROR;
		break;
	}
	p->tb[type] = attr;
	return MNL_CB_OK;
}

int ipvl_parse_msg(const struct nlmsghdr *nlh, const struct ipvl_pol *pol,
		   unsigned int max, const struct nlattr **tb)
{
	struct parse_ctx p = { pol, max, tb };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EPROTO;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), parse_attr, &p) < 0)
		return -EPROTO;
	return 0;
}

int ipvl_parse_nest(const struct nlattr *nest, const struct ipvl_pol *pol,
		    unsigned int max, const struct nlattr **tb)
{
	struct parse_ctx p = { pol, max, tb };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_attr_parse_nested(nest, parse_attr, &p) < 0)
		return -EPROTO;
	return 0;
}

/* Copy a validated NUL-terminated string attribute, truncating. */
void ipvl_attr_strcpy(char *dst, size_t size, const struct nlattr *attr)
{
	const char *s = mnl_attr_get_str(attr);
	size_t len = strnlen(s, mnl_attr_get_payload_len(attr));

	if (len >= size)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

int ipvl_parse_counters(const struct nlattr *nest,
			const struct ipvl_counter *tab, size_t n, void *stats)
{
	const struct nlattr *attr;
	uint64_t v;
	size_t i;

	mnl_attr_for_each_nested(attr, nest) {
		for (i = 0; i < n; i++)
			if (tab[i].type == mnl_attr_get_type(attr))
				break;
		if (i == n)		/* a newer counter, or padding */
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return -EPROTO;
		v = mnl_attr_get_u64(attr);
		memcpy((char *)stats + tab[i].offset, &v, sizeof(v));
	}
	return 0;
}

int ipvl_check_ifname(const char *ifname)
{
	size_t len = strnlen(ifname, IF_NAMESIZE);

	if (len == 0)
		return -EINVAL;
	if (len >= IF_NAMESIZE)
		return -ENAMETOOLONG;
	return 0;
}

/* A port by the ifindex of its master when set, else by its name. */
int ipvl_put_port_ref(struct ipvl_req *r, const struct ipvl_port_ref *ref,
		      uint16_t ifindex_type, uint16_t ifname_type)
{
	int err;

	if (!ref)
		return -EINVAL;
	if (ref->ifindex) {
		ipvl_put_u32(r, ifindex_type, ref->ifindex);
		return 0;
	}
	err = ipvl_check_ifname(ref->ifname);
	if (err)
		return err;
	ipvl_put_str(r, ifname_type, ref->ifname);
	return 0;
}

/* A link by its id when set, else by its name. */
int ipvl_put_link_ref(struct ipvl_req *r, const struct ipvl_link_ref *ref,
		      uint16_t id_type, uint16_t ifname_type)
{
	int err;

	if (!ref)
		return -EINVAL;
	if (ref->id) {
		ipvl_put_u32(r, id_type, ref->id);
		return 0;
	}
	err = ipvl_check_ifname(ref->ifname);
	if (err)
		return err;
	ipvl_put_str(r, ifname_type, ref->ifname);
	return 0;
}
