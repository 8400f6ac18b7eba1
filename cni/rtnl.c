/*
 * rtnetlink in one network namespace: the socket is opened inside it (setns
 * there and back), then everything sent on it applies there.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cni.h"

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

struct rtnl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char buf[32768];	/* MNL_SOCKET_BUFFER_SIZE is not a constant */
};

int rtnl_open(struct rtnl **rp, int netns_fd)
{
	int self = -1, err = 0;
	struct rtnl *r;

	*rp = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (netns_fd >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setns(netns_fd, CLONE_NEWNET)) {
			err = -errno;
			goto out;
		}
	}
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->nl)
		err = -errno;
	if (self >= 0 && setns(self, CLONE_NEWNET)) {
		/* stuck in the container's namespace: give up entirely */
		abort();
	}
	if (!err && mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		err = -errno;
	if (!err) {
		int one = 1;

		mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one,
				      sizeof(one));
		r->portid = mnl_socket_get_portid(r->nl);
		r->seq = (uint32_t)time(NULL);
	}
out:
	if (self >= 0)
		close(self);
	if (err) {
		rtnl_close(r);
		return err;
	}
	*rp = r;
	return 0;
}

void rtnl_close(struct rtnl *r)
{
	if (!r)
		return;
	if (r->nl)
		mnl_socket_close(r->nl);
	free(r);
}

static struct nlmsghdr *msg(struct rtnl *r, uint16_t type, uint16_t flags,
			    size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	/* NLM_F_EXCL shares its bit with NLM_F_MATCH, one half of NLM_F_DUMP */
	if ((flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++r->seq;
	mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

/* Sends nlh and reads until its ack or the end of its dump. */
static int talk(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(r->nl, r->buf, sizeof(r->buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(r->buf, (size_t)n, seq, r->portid, cb, data);
	} while (ret > 0);
	return ret < 0 ? -errno : 0;
}

struct link_get {
	uint32_t ifindex;
	unsigned char mac[6];
	bool has_mac;
};

static int link_attr(const struct nlattr *a, void *data)
{
	struct link_get *g = data;

	if (mnl_attr_get_type(a) == IFLA_ADDRESS &&
	    mnl_attr_get_payload_len(a) == 6) {
		memcpy(g->mac, mnl_attr_get_payload(a), 6);
		g->has_mac = true;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_get *g = data;

	g->ifindex = (uint32_t)ifi->ifi_index;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr, g);
	return MNL_CB_OK;
}

int rtnl_link_get(struct rtnl *r, const char *ifname, uint32_t *ifindex,
		  unsigned char mac[6])
{
	struct nlmsghdr *nlh = msg(r, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
	struct link_get g = { 0 };
	int err;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	err = talk(r, nlh, link_cb, &g);
	if (err)
		return err;
	if (!g.ifindex)
		return -ENODEV;
	*ifindex = g.ifindex;
	if (mac)
		memcpy(mac, g.mac, 6);
	return 0;
}

int rtnl_link_up(struct rtnl *r, uint32_t ifindex)
{
	struct nlmsghdr *nlh = msg(r, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_index = (int)ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return talk(r, nlh, NULL, NULL);
}

static size_t addr_len(const struct ipvl_ipaddr *a)
{
	return a->family == AF_INET ? 4 : 16;
}

int rtnl_addr_add(struct rtnl *r, uint32_t ifindex,
		  const struct cni_prefix *p)
{
	struct nlmsghdr *nlh = msg(r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
				   sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	ifa->ifa_family = (unsigned char)p->addr.family;
	ifa->ifa_prefixlen = (unsigned char)p->len;
	ifa->ifa_index = ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	/* the host assigned the address: no duplicate detection to wait for */
	if (p->addr.family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	mnl_attr_put(nlh, IFA_LOCAL, addr_len(&p->addr), &p->addr.v6);
	mnl_attr_put(nlh, IFA_ADDRESS, addr_len(&p->addr), &p->addr.v6);
	return talk(r, nlh, NULL, NULL);
}

struct addr_has {
	uint32_t ifindex;
	const struct cni_prefix *p;
	bool found;
};

static int addr_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type == IFA_LOCAL || type == IFA_ADDRESS)
		tb[type] = a;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct addr_has *h = data;
	const struct nlattr *a;

	if (ifa->ifa_index != h->ifindex ||
	    ifa->ifa_family != h->p->addr.family ||
	    ifa->ifa_prefixlen != h->p->len)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a && mnl_attr_get_payload_len(a) == addr_len(&h->p->addr) &&
	    !memcmp(mnl_attr_get_payload(a), &h->p->addr.v6,
		    addr_len(&h->p->addr)))
		h->found = true;
	return MNL_CB_OK;
}

bool rtnl_addr_has(struct rtnl *r, uint32_t ifindex,
		   const struct cni_prefix *p)
{
	struct nlmsghdr *nlh = msg(r, RTM_GETADDR, NLM_F_DUMP,
				   sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct addr_has h = { ifindex, p, false };

	ifa->ifa_family = (unsigned char)p->addr.family;
	return talk(r, nlh, addr_cb, &h) == 0 && h.found;
}

int rtnl_route_add(struct rtnl *r, uint32_t ifindex,
		   const struct cni_prefix *dst, const struct ipvl_ipaddr *gw)
{
	struct nlmsghdr *nlh = msg(r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
				   sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_family = (unsigned char)dst->addr.family;
	rtm->rtm_dst_len = (unsigned char)dst->len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (dst->len)
		mnl_attr_put(nlh, RTA_DST, addr_len(&dst->addr),
			     &dst->addr.v6);
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, addr_len(gw), &gw->v6);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return talk(r, nlh, NULL, NULL);
}

struct default_route {
	uint32_t oif;
	uint32_t metric;
};

static int route_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= RTA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct default_route *d = data;
	uint32_t metric = 0;

	if (rtm->rtm_dst_len || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr, tb);
	if (tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) != RT_TABLE_MAIN :
	    rtm->rtm_table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	if (!tb[RTA_OIF])
		return MNL_CB_OK;
	if (tb[RTA_PRIORITY])
		metric = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (!d->oif || metric < d->metric) {
		d->oif = mnl_attr_get_u32(tb[RTA_OIF]);
		d->metric = metric;
	}
	return MNL_CB_OK;
}

/* The interface of the default route: IPv4's, else IPv6's. */
int rtnl_default_ifname(struct rtnl *r, char ifname[IF_NAMESIZE])
{
	static const unsigned char families[] = { AF_INET, AF_INET6 };
	size_t i;

	for (i = 0; i < sizeof(families); i++) {
		struct nlmsghdr *nlh = msg(r, RTM_GETROUTE, NLM_F_DUMP,
					   sizeof(struct rtmsg));
		struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
		struct default_route d = { 0, 0 };
		int err;

		rtm->rtm_family = families[i];
		err = talk(r, nlh, route_cb, &d);
		if (err)
			return err;
		if (d.oif && if_indextoname(d.oif, ifname))
			return 0;
	}
	return -ENOENT;
}
