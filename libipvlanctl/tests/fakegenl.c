/* fakegenl: see fakegenl.h. Test code only. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#include "ipvl.h"
#include "fakegenl.h"

#define FAMILY		FAKEGENL_FAMILY_ID

static int fake_fd = -1;
static bool ext_ack, cap_ack, no_cap, no_family;
static int intr_left;
static int rcvbuf;		/* as set with SO_RCVBUF(FORCE), 0: default */
static bool monitoring;		/* joined the monitor group */
static bool events_term;	/* raise SIGTERM once the events are read */
static bool overrun;		/* ENOBUFS in the middle of the events */
static uint32_t msg_pid = FAKEGENL_PORTID;
static char last[4096];
static unsigned int nreq;

struct dgram {
	struct dgram *next;
	size_t len;
	char data[];
};

static struct dgram *q_head, **q_tail = &q_head;
static struct dgram *q_overrun;	/* dropped, with ENOBUFS, when read */

const char *fakegenl_last_request(void)
{
	return last;
}

unsigned int fakegenl_request_count(void)
{
	return nreq;
}

#define REAL(name) real_##name = dlsym(RTLD_NEXT, #name)

static int (*real_socket)(int, int, int);
static int (*real_close)(int);
static int (*real_bind)(int, const struct sockaddr *, socklen_t);
static int (*real_getsockname)(int, struct sockaddr *, socklen_t *);
static int (*real_setsockopt)(int, int, int, const void *, socklen_t);
static int (*real_getsockopt)(int, int, int, void *, socklen_t *);
static ssize_t (*real_sendto)(int, const void *, size_t, int,
			      const struct sockaddr *, socklen_t);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);

static void init_real(void)
{
	if (real_socket)
		return;
	REAL(socket);
	REAL(close);
	REAL(bind);
	REAL(getsockname);
	REAL(setsockopt);
	REAL(getsockopt);
	REAL(sendto);
	REAL(recvmsg);
}

static bool env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

static void queue_free(void)
{
	struct dgram *d;

	while ((d = q_head)) {
		q_head = d->next;
		free(d);
	}
	q_tail = &q_head;
	q_overrun = NULL;
}

/* ---- building answers ------------------------------------------------ */

static char dbuf[65536];	/* the datagram being built */
static size_t dlen;

static void dgram_flush(void)
{
	struct dgram *d;

	if (!dlen)
		return;
	d = malloc(sizeof(*d) + dlen);
	if (!d)
		abort();
	d->next = NULL;
	d->len = dlen;
	memcpy(d->data, dbuf, dlen);
	*q_tail = d;
	q_tail = &d->next;
	dlen = 0;
}

static struct nlmsghdr *msg_start(const struct nlmsghdr *req, uint16_t type,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(dbuf + dlen);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = msg_pid;
	return nlh;
}

static void msg_end(struct nlmsghdr *nlh)
{
	dlen += NLMSG_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *genl_start(const struct nlmsghdr *req, uint16_t type,
				   uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = msg_start(req, type, flags);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

/* NLMSG_ERROR, with the extended ACK when the socket asked for it. */
static void send_ack(const struct nlmsghdr *req, int err, const char *msg,
		     int miss_type)
{
	struct nlmsghdr *nlh;
	bool capped = cap_ack || err == 0;
	size_t echo = capped ? 0 : req->nlmsg_len - sizeof(*req);
	struct nlmsgerr *e;

	/* as netlink_rcv_skb(): errors always, success when asked for */
	if (!err && !(req->nlmsg_flags & NLM_F_ACK))
		return;
	nlh = msg_start(req, NLMSG_ERROR, 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e) + echo);
	e->error = err;
	memcpy(&e->msg, req, capped ? sizeof(*req) : req->nlmsg_len);
	if (capped)
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	if (ext_ack && (msg || miss_type >= 0)) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		if (msg)
			mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
		if (miss_type >= 0)
			mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE,
					 (uint32_t)miss_type);
	}
	msg_end(nlh);
	dgram_flush();
}

static void send_done(const struct nlmsghdr *req, int err, const char *msg,
		      uint16_t extra_flags)
{
	struct nlmsghdr *nlh = msg_start(req, NLMSG_DONE,
					 NLM_F_MULTI | extra_flags);
	int *status = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*status = err;
	if (ext_ack && msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	msg_end(nlh);
	dgram_flush();
}

/* A u64 counter after a pad attribute, as nla_put_u64_64bit() may do. */
static void put_counter(struct nlmsghdr *nlh, uint16_t pad, uint16_t type,
			uint64_t v, bool with_pad)
{
	if (with_pad)
		mnl_attr_put(nlh, pad, 0, NULL);
	mnl_attr_put_u64(nlh, type, v);
}

/* ---- the data set ---------------------------------------------------- */

struct fport {
	uint32_t ifindex;
	const char *name;
	uint32_t mode, flags;
	uint8_t spoof;
	uint32_t links, bindings;
	uint64_t base;
};

static const struct fport ports[] = {
	{ 2, "eth0", IPVL_MODE_L3, 0, 1, 2, 3, 1000 },
	{ 3, "eth1", IPVL_MODE_L2, IPVL_PORT_FLAGS_PRIVATE, 0, 0, 0, 0 },
};

struct flink {
	uint32_t id, ifindex;
	const char *name;
	uint32_t port_ifindex;
	const char *port;
	bool has_nsid;
	int32_t nsid;
	uint32_t mtu, bindings;
};

static const struct flink links[] = {
	{ 1, 5, "ipvl1", 2, "eth0", false, 0, 1500, 2 },
	{ 2, 2, "ipvl2", 2, "eth0", true, 0, 1400, 1 },
};

struct faddr {
	const char *text;
	unsigned int link;	/* index in links[] */
};

static const struct faddr addrs[] = {
	{ "10.0.0.5", 0 },
	{ "fd00::5", 0 },
	{ "10.0.0.6", 1 },
};

#define N(a)	(sizeof(a) / sizeof((a)[0]))

static void put_port(const struct nlmsghdr *req, const struct fport *p,
		     uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = genl_start(req, FAMILY, flags, cmd);
	struct nlattr *nest;
	uint16_t i;

	mnl_attr_put_u32(nlh, IPVL_A_PORT_IFINDEX, p->ifindex);
	mnl_attr_put_strz(nlh, IPVL_A_PORT_IFNAME, p->name);
	mnl_attr_put_u32(nlh, IPVL_A_PORT_MODE, p->mode);
	mnl_attr_put_u32(nlh, IPVL_A_PORT_FLAGS, p->flags);
	mnl_attr_put_u8(nlh, IPVL_A_PORT_SPOOF_CHECK, p->spoof);
	mnl_attr_put_u32(nlh, IPVL_A_PORT_LINK_COUNT, p->links);
	mnl_attr_put_u32(nlh, IPVL_A_PORT_BINDING_COUNT, p->bindings);
	mnl_attr_put_u32(nlh, 99, 0xdead);	/* from a newer module */
	nest = mnl_attr_nest_start(nlh, IPVL_A_PORT_STATS);
	for (i = IPVL_A_PORT_STATS_RX_DISPATCHED;
	     i <= IPVL_A_PORT_STATS_DROP_MALFORMED; i++)
		put_counter(nlh, IPVL_A_PORT_STATS_PAD, i,
			    p->base ? p->base * 1000 + i : 0, i == 1);
	mnl_attr_put_u64(nlh, 50, 7);		/* a newer counter */
	mnl_attr_nest_end(nlh, nest);
	msg_end(nlh);
}

static void put_link(const struct nlmsghdr *req, const struct flink *l,
		     uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = genl_start(req, FAMILY, flags, cmd);
	struct nlattr *nest;
	uint16_t i;

	mnl_attr_put_u32(nlh, IPVL_A_LINK_ID, l->id);
	mnl_attr_put_u32(nlh, IPVL_A_LINK_IFINDEX, l->ifindex);
	mnl_attr_put_strz(nlh, IPVL_A_LINK_IFNAME, l->name);
	mnl_attr_put_u32(nlh, IPVL_A_LINK_PORT_IFINDEX, l->port_ifindex);
	mnl_attr_put_strz(nlh, IPVL_A_LINK_PORT_IFNAME, l->port);
	if (l->has_nsid)
		mnl_attr_put_u32(nlh, IPVL_A_LINK_NETNSID, (uint32_t)l->nsid);
	mnl_attr_put_u32(nlh, IPVL_A_LINK_MTU, l->mtu);
	mnl_attr_put_u32(nlh, IPVL_A_LINK_BINDING_COUNT, l->bindings);
	nest = mnl_attr_nest_start(nlh, IPVL_A_LINK_STATS);
	for (i = IPVL_A_LINK_STATS_RX_PACKETS;
	     i <= IPVL_A_LINK_STATS_TX_DROPPED; i++)
		put_counter(nlh, IPVL_A_LINK_STATS_PAD, i, l->id * 100 + i,
			    false);
	mnl_attr_nest_end(nlh, nest);
	msg_end(nlh);
}

static void put_addr(const struct nlmsghdr *req, const char *text,
		     const struct flink *l, uint16_t flags, uint8_t cmd)
{
	struct nlmsghdr *nlh = genl_start(req, FAMILY, flags, cmd);
	struct nlattr *nest;
	unsigned char buf[16];

	mnl_attr_put_u32(nlh, IPVL_A_ADDR_LINK_ID, l->id);
	mnl_attr_put_strz(nlh, IPVL_A_ADDR_LINK_IFNAME, l->name);
	mnl_attr_put_u32(nlh, IPVL_A_ADDR_PORT_IFINDEX, l->port_ifindex);
	mnl_attr_put_strz(nlh, IPVL_A_ADDR_PORT_IFNAME, l->port);
	if (inet_pton(AF_INET, text, buf) == 1)
		mnl_attr_put(nlh, IPVL_A_ADDR_IPV4, 4, buf);
	else if (inet_pton(AF_INET6, text, buf) == 1)
		mnl_attr_put(nlh, IPVL_A_ADDR_IPV6, 16, buf);
	nest = mnl_attr_nest_start(nlh, IPVL_A_ADDR_STATS);
	mnl_attr_put_u64(nlh, IPVL_A_ADDR_STATS_RX_PACKETS, 11);
	mnl_attr_put_u64(nlh, IPVL_A_ADDR_STATS_RX_BYTES, 1100);
	mnl_attr_put_u64(nlh, IPVL_A_ADDR_STATS_TX_PACKETS, 22);
	mnl_attr_put_u64(nlh, IPVL_A_ADDR_STATS_TX_BYTES, 2200);
	mnl_attr_nest_end(nlh, nest);
	msg_end(nlh);
}

/* ---- checking and decoding requests ----------------------------------- */

enum kind { K_NONE, K_U8, K_U32, K_STR, K_FLAG, K_IPV4, K_IPV6, K_LIST };

struct fattr {
	const char *name;
	enum kind kind;
};

static const struct fattr port_set[IPVL_A_PORT_MAX + 1] = {
	[IPVL_A_PORT_IFINDEX] = { "ifindex", K_U32 },
	[IPVL_A_PORT_IFNAME] = { "ifname", K_STR },
	[IPVL_A_PORT_MODE] = { "mode", K_U32 },
	[IPVL_A_PORT_FLAGS] = { "flags", K_U32 },
	[IPVL_A_PORT_SPOOF_CHECK] = { "spoof-check", K_U8 },
	[IPVL_A_PORT_FORCE] = { "force", K_FLAG },
};

static const struct fattr link_set[IPVL_A_LINK_MAX + 1] = {
	[IPVL_A_LINK_ID] = { "id", K_U32 },
	[IPVL_A_LINK_IFNAME] = { "ifname", K_STR },
	[IPVL_A_LINK_PORT_IFINDEX] = { "port-ifindex", K_U32 },
	[IPVL_A_LINK_PORT_IFNAME] = { "port-ifname", K_STR },
	[IPVL_A_LINK_NETNS_FD] = { "netns-fd", K_U32 },
	[IPVL_A_LINK_MTU] = { "mtu", K_U32 },
	[IPVL_A_LINK_EXIST_OK] = { "exist-ok", K_FLAG },
	[IPVL_A_LINK_OWNER] = { "owner", K_STR },
};

static const struct fattr addr_set[IPVL_A_ADDR_MAX + 1] = {
	[IPVL_A_ADDR_LINK_ID] = { "link-id", K_U32 },
	[IPVL_A_ADDR_LINK_IFNAME] = { "link-ifname", K_STR },
	[IPVL_A_ADDR_PORT_IFINDEX] = { "port-ifindex", K_U32 },
	[IPVL_A_ADDR_PORT_IFNAME] = { "port-ifname", K_STR },
	[IPVL_A_ADDR_IPV4] = { "ipv4", K_IPV4 },
	[IPVL_A_ADDR_IPV6] = { "ipv6", K_IPV6 },
	[IPVL_A_ADDR_LIST] = { "list", K_LIST },
};

#define B(x)	(1u << (x))

/* What each operation takes: the attribute set and the allowed types. */
struct fop {
	const char *name;
	const struct fattr *set;
	unsigned int max;
	uint32_t do_attrs;
	bool has_dump;
	uint32_t dump_attrs;
};

static const struct fop ops[IPVL_CMD_MAX + 1] = {
	[IPVL_CMD_GET_INFO] = { "get-info", NULL, 0, 0, false, 0 },
	[IPVL_CMD_PORT_GET] = { "port-get", port_set, IPVL_A_PORT_MAX,
		B(1) | B(2), true, 0 },
	[IPVL_CMD_PORT_NEW] = { "port-new", port_set, IPVL_A_PORT_MAX,
		B(1) | B(2) | B(3) | B(4) | B(5), false, 0 },
	[IPVL_CMD_PORT_SET] = { "port-set", port_set, IPVL_A_PORT_MAX,
		B(1) | B(2) | B(3) | B(4) | B(5), false, 0 },
	[IPVL_CMD_PORT_DEL] = { "port-del", port_set, IPVL_A_PORT_MAX,
		B(1) | B(2) | B(6), false, 0 },
	[IPVL_CMD_LINK_GET] = { "link-get", link_set, IPVL_A_LINK_MAX,
		B(1) | B(3) | B(4) | B(5), true, B(4) | B(5) },
	[IPVL_CMD_LINK_NEW] = { "link-new", link_set, IPVL_A_LINK_MAX,
		B(3) | B(4) | B(5) | B(6) | B(8) | B(10) | B(IPVL_A_LINK_OWNER),
		false, 0 },
	[IPVL_CMD_LINK_DEL] = { "link-del", link_set, IPVL_A_LINK_MAX,
		B(1) | B(3), false, 0 },
	[IPVL_CMD_ADDR_GET] = { "addr-get", addr_set, IPVL_A_ADDR_MAX,
		B(1) | B(2) | B(3) | B(4) | B(5) | B(6), true,
		B(1) | B(2) | B(3) | B(4) },
	[IPVL_CMD_ADDR_NEW] = { "addr-new", addr_set, IPVL_A_ADDR_MAX,
		B(1) | B(2) | B(5) | B(6), false, 0 },
	[IPVL_CMD_ADDR_DEL] = { "addr-del", addr_set, IPVL_A_ADDR_MAX,
		B(1) | B(2) | B(5) | B(6), false, 0 },
	[IPVL_CMD_ADDR_REPLACE] = { "addr-replace", addr_set, IPVL_A_ADDR_MAX,
		B(1) | B(2) | B(7), false, 0 },
};

static char logbuf[4096];
static size_t loglen;

static void logf_(const char *fmt, ...)
{
	va_list ap;

	if (loglen >= sizeof(logbuf) - 1)
		return;
	va_start(ap, fmt);
	loglen += (size_t)vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen,
				    fmt, ap);
	va_end(ap);
	if (loglen > sizeof(logbuf) - 1)
		loglen = sizeof(logbuf) - 1;
}

static void log_commit(void)
{
	const char *path = getenv("FAKEGENL_LOG");
	FILE *f;

	snprintf(last, sizeof(last), "%s", logbuf);
	if (path && (f = fopen(path, "a"))) {
		fprintf(f, "%s\n", logbuf);
		fclose(f);
	}
	loglen = 0;
	logbuf[0] = '\0';
}

/* Check one attribute's size against its kind; log it. NULL: fine. */
static const char *check_attr(const struct nlattr *a, const struct fattr *fa)
{
	uint16_t len = mnl_attr_get_payload_len(a);
	const char *s = mnl_attr_get_payload(a);
	char text[INET6_ADDRSTRLEN];

	switch (fa->kind) {
	case K_U8:
		if (len != 1)
			return "bad u8 length";
		logf_(" %s=%u", fa->name, *(const uint8_t *)s);
		break;
	case K_U32:
		if (len != 4)
			return "bad u32 length";
		if (strcmp(fa->name, "netns-fd") == 0)
			logf_(" netns-fd=%s", fcntl((int)mnl_attr_get_u32(a),
						    F_GETFD) >= 0 ? "open" : "closed");
		else
			logf_(" %s=%u", fa->name, mnl_attr_get_u32(a));
		break;
	case K_STR:
		if (len == 0 || s[len - 1] != '\0')
			return "string without NUL";
		if (strlen(s) > 15)
			return "string longer than 15";
		logf_(" %s=%s", fa->name, s);
		break;
	case K_FLAG:
		if (len != 0)
			return "bad flag length";
		logf_(" %s", fa->name);
		break;
	case K_IPV4:
		if (len != 4)
			return "bad ipv4 length";
		inet_ntop(AF_INET, s, text, sizeof(text));
		logf_(" %s=%s", fa->name, text);
		break;
	case K_IPV6:
		if (len != 16)
			return "bad ipv6 length";
		inet_ntop(AF_INET6, s, text, sizeof(text));
		logf_(" %s=%s", fa->name, text);
		break;
	default:
		return "unexpected kind";
	}
	return NULL;
}

/* A list entry: ipv4 or ipv6, nothing else. */
static const char *check_entry(const struct nlattr *nest)
{
	const struct nlattr *a;
	const char *err;

	if (!(nest->nla_type & NLA_F_NESTED))
		return "NLA_F_NESTED is missing";
	logf_(" list={");
	mnl_attr_for_each_nested(a, nest) {
		uint16_t t = mnl_attr_get_type(a);

		if (t != IPVL_A_ADDR_IPV4 && t != IPVL_A_ADDR_IPV6)
			return "list entry takes ipv4 or ipv6 only";
		err = check_attr(a, &addr_set[t]);
		if (err)
			return err;
	}
	logf_(" }");
	return NULL;
}

struct request {
	const struct nlattr *tb[16];
	bool dump;
	uint8_t cmd;
};

static const char *check_request(const struct nlmsghdr *nlh,
				 struct request *rq)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct fop *op;
	const struct nlattr *a;
	uint32_t allowed;
	const char *err;

	memset(rq, 0, sizeof(*rq));
	if (!(nlh->nlmsg_flags & NLM_F_REQUEST))
		return "not a request";
	rq->dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	/* only a "do" answered by a reply may go without (batches) */
	if (!(nlh->nlmsg_flags & NLM_F_ACK) &&
	    (rq->dump || mnl_nlmsg_get_payload_len(nlh) < sizeof(*g) ||
	     (g->cmd != IPVL_CMD_ADDR_NEW && g->cmd != IPVL_CMD_ADDR_GET)))
		return "no NLM_F_ACK";
	if (nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_APPEND) ||
	    (!rq->dump && nlh->nlmsg_flags & (NLM_F_REPLACE | NLM_F_EXCL)))
		return "NLM_F_CREATE, NLM_F_EXCL and NLM_F_REPLACE are refused";
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*g))
		return "short genl header";
	if (g->version != IPVL_FAMILY_VERSION)
		return "bad family version";
	rq->cmd = g->cmd;
	op = g->cmd <= IPVL_CMD_MAX ? &ops[g->cmd] : NULL;
	if (!op || !op->name || (rq->dump && !op->has_dump))
		return "unknown operation";
	logf_("%s%s", op->name, rq->dump ? " dump" : "");
	allowed = rq->dump ? op->dump_attrs : op->do_attrs;
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		uint16_t t = mnl_attr_get_type(a);

		if (t > 31 || !(allowed & B(t)) || !op->set || t > op->max)
			return "Unknown attribute type";
		if (op->set[t].kind == K_LIST) {
			err = check_entry(a);
		} else {
			err = check_attr(a, &op->set[t]);
			rq->tb[t] = a;
		}
		if (err)
			return err;
	}
	return NULL;
}

static const char *str_attr(const struct request *rq, int type)
{
	return rq->tb[type] ? mnl_attr_get_str(rq->tb[type]) : NULL;
}

static bool name_is(const char *name, const char *word)
{
	return name && strcmp(name, word) == 0;
}

/* Shared error triggers; true when an answer was sent. */
static bool trigger(const struct nlmsghdr *req, const char *name,
		    int miss_type)
{
	if (name_is(name, "busy0")) {
		send_ack(req, -EBUSY, "device is busy", -1);
	} else if (name_is(name, "eperm0")) {
		send_ack(req, -EPERM, NULL, -1);
	} else if (name_is(name, "miss0")) {
		send_ack(req, -EINVAL, NULL, miss_type);
	} else if (name && strncmp(name, "nosuch", 6) == 0) {
		send_ack(req, -ENODEV, "no such device", -1);
	} else {
		return false;
	}
	return true;
}

static const struct fport *find_port(const struct request *rq, int a_index,
				     int a_name)
{
	size_t i;

	for (i = 0; i < N(ports); i++) {
		if (rq->tb[a_index] &&
		    mnl_attr_get_u32(rq->tb[a_index]) == ports[i].ifindex)
			return &ports[i];
		if (name_is(str_attr(rq, a_name), ports[i].name))
			return &ports[i];
	}
	return NULL;
}

/* Any link named fresh*: id 90 on eth0, without bindings. */
static char fresh_name[16];
static const struct flink fresh = { 90, 90, fresh_name, 2, "eth0", false, 0,
				    1500, 0 };

static const struct flink *find_link(const struct request *rq, int a_id,
				     int a_name)
{
	const char *name = str_attr(rq, a_name);
	size_t i;

	if ((rq->tb[a_id] && mnl_attr_get_u32(rq->tb[a_id]) == fresh.id) ||
	    (name && strncmp(name, "fresh", 5) == 0)) {
		if (name)
			snprintf(fresh_name, sizeof(fresh_name), "%s", name);
		return &fresh;
	}

	for (i = 0; i < N(links); i++) {
		if (rq->tb[a_id] && mnl_attr_get_u32(rq->tb[a_id]) == links[i].id)
			return &links[i];
		if (name_is(str_attr(rq, a_name), links[i].name))
			return &links[i];
	}
	return NULL;
}

static void handle_port(const struct nlmsghdr *req, const struct request *rq)
{
	const char *name = str_attr(rq, IPVL_A_PORT_IFNAME);
	const struct fport *p;
	size_t i;

	if (rq->dump) {
		uint16_t intr = 0;

		if (intr_left > 0) {
			intr_left--;
			intr = NLM_F_DUMP_INTR;
		}
		for (i = 0; i < N(ports); i++)
			put_port(req, &ports[i], NLM_F_MULTI | (i ? intr : 0),
				 IPVL_CMD_PORT_GET);
		dgram_flush();
		send_done(req, 0, NULL, intr);
		return;
	}
	if (trigger(req, name, IPVL_A_PORT_MODE))
		return;
	if (name_is(name, "warn0")) {
		send_ack(req, 0, "fake warning", -1);
		return;
	}
	if (rq->cmd == IPVL_CMD_PORT_DEL) {
		send_ack(req, 0, NULL, -1);
		return;
	}
	if (name && strncmp(name, "have", 4) == 0) {
		/* a port there already: l3, bridge, spoof check */
		struct fport have = { 7, name, IPVL_MODE_L3, 0, 1, 0, 0, 0 };

		if (rq->cmd == IPVL_CMD_PORT_NEW) {
			send_ack(req, -EEXIST, "master has an ipvl port already",
				 -1);
			return;
		}
		put_port(req, &have, 0, rq->cmd);
		dgram_flush();
		send_ack(req, 0, NULL, -1);
		return;
	}
	p = find_port(rq, IPVL_A_PORT_IFINDEX, IPVL_A_PORT_IFNAME);
	if (!p && rq->cmd == IPVL_CMD_PORT_GET) {
		send_ack(req, -ENODEV, "no such device", -1);
		return;
	}
	put_port(req, p ? p : &ports[0], 0, rq->cmd);
	dgram_flush();
	send_ack(req, 0, NULL, -1);
}

static void handle_link(const struct nlmsghdr *req, const struct request *rq)
{
	const char *name = str_attr(rq, IPVL_A_LINK_IFNAME);
	const char *port = str_attr(rq, IPVL_A_LINK_PORT_IFNAME);
	const struct flink *l;
	size_t i;

	if (rq->dump) {
		if (port && !name_is(port, "eth0") && !name_is(port, "eth1")) {
			send_done(req, -ENODEV, "no ipvl port on that device", 0);
			return;
		}
		for (i = 0; i < N(links); i++) {
			if (!name_is(port, "eth1")) {
				put_link(req, &links[i], NLM_F_MULTI,
					 IPVL_CMD_LINK_GET);
				dgram_flush();
			}
		}
		send_done(req, 0, NULL, 0);
		return;
	}
	if (trigger(req, name, IPVL_A_LINK_IFNAME) ||
	    trigger(req, port, IPVL_A_LINK_PORT_IFNAME))
		return;
	if (name_is(name, "warn0")) {
		send_ack(req, 0, "fake warning", -1);
		return;
	}
	if (rq->cmd == IPVL_CMD_LINK_DEL) {
		send_ack(req, 0, NULL, -1);
		return;
	}
	if (rq->cmd == IPVL_CMD_LINK_NEW) {
		put_link(req, &links[0], 0, IPVL_CMD_LINK_NEW);
		dgram_flush();
		send_ack(req, 0, NULL, -1);
		return;
	}
	l = find_link(rq, IPVL_A_LINK_ID, IPVL_A_LINK_IFNAME);
	if (!l) {
		send_ack(req, -ENODEV, "no such link", -1);
		return;
	}
	put_link(req, l, 0, IPVL_CMD_LINK_GET);
	dgram_flush();
	send_ack(req, 0, NULL, -1);
}

static void handle_addr(const struct nlmsghdr *req, const struct request *rq)
{
	const char *lname = str_attr(rq, IPVL_A_ADDR_LINK_IFNAME);
	const char *pname = str_attr(rq, IPVL_A_ADDR_PORT_IFNAME);
	const struct flink *l = find_link(rq, IPVL_A_ADDR_LINK_ID,
					  IPVL_A_ADDR_LINK_IFNAME);
	bool by_link = rq->tb[IPVL_A_ADDR_LINK_ID] || lname;
	char text[INET6_ADDRSTRLEN] = "";
	size_t i;

	if (rq->tb[IPVL_A_ADDR_IPV4])
		inet_ntop(AF_INET, mnl_attr_get_payload(rq->tb[IPVL_A_ADDR_IPV4]),
			  text, sizeof(text));
	if (rq->tb[IPVL_A_ADDR_IPV6])
		inet_ntop(AF_INET6, mnl_attr_get_payload(rq->tb[IPVL_A_ADDR_IPV6]),
			  text, sizeof(text));

	if (rq->dump) {
		if (by_link && !l) {
			send_ack(req, -ENODEV, "no such link", -1);
			return;
		}
		for (i = 0; i < N(addrs); i++) {
			const struct flink *al = &links[addrs[i].link];

			if ((by_link && al != l) ||
			    (pname && !name_is(pname, al->port)))
				continue;
			put_addr(req, addrs[i].text, al, NLM_F_MULTI,
				 IPVL_CMD_ADDR_GET);
		}
		dgram_flush();
		send_done(req, 0, NULL, 0);
		return;
	}
	if (trigger(req, lname, IPVL_A_ADDR_LINK_IFNAME))
		return;
	if (name_is(lname, "warn0")) {
		/* a reply, then the warning, if an ACK was asked for */
		if (rq->cmd == IPVL_CMD_ADDR_NEW ||
		    rq->cmd == IPVL_CMD_ADDR_GET) {
			put_addr(req, text[0] ? text : "10.0.0.5", &links[0], 0,
				 rq->cmd);
			dgram_flush();
		}
		send_ack(req, 0, "fake warning", -1);
		return;
	}
	if (!l && by_link) {
		send_ack(req, -ENODEV, "no such link", -1);
		return;
	}
	if (strcmp(text, "10.9.9.9") == 0) {
		send_ack(req, -EADDRINUSE,
			 "address is bound to link ipvl2 (id 2) of this port", -1);
		return;
	}
	if (rq->cmd == IPVL_CMD_ADDR_DEL || rq->cmd == IPVL_CMD_ADDR_REPLACE) {
		send_ack(req, 0, NULL, -1);
		return;
	}
	if (rq->cmd == IPVL_CMD_ADDR_GET) {
		/* only the bindings of the data set exist */
		for (i = 0; i < N(addrs); i++)
			if (strcmp(addrs[i].text, text) == 0)
				break;
		if (i == N(addrs)) {
			send_ack(req, -ENOENT,
				 "address is not bound on this port", -1);
			return;
		}
		put_addr(req, text, &links[addrs[i].link], 0, rq->cmd);
		dgram_flush();
		send_ack(req, 0, NULL, -1);
		return;
	}
	put_addr(req, text[0] ? text : "10.0.0.5", l ? l : &links[0], 0,
		 rq->cmd);
	dgram_flush();
	send_ack(req, 0, NULL, -1);
}

static void handle_info(const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = genl_start(req, FAMILY, 0, IPVL_CMD_GET_INFO);

	mnl_attr_put_strz(nlh, IPVL_A_INFO_MODULE_VERSION, "0.1.0-fake \"q\"\t\\");
	mnl_attr_put_u32(nlh, IPVL_A_INFO_FAMILY_VERSION, 1);
	mnl_attr_put_u32(nlh, IPVL_A_INFO_FEATURES, 0x7ff | 0x8000);
	msg_end(nlh);
	dgram_flush();
	send_ack(req, 0, NULL, -1);
}

static void handle_ctrl(const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	const struct nlattr *a, *name = NULL;
	struct nlattr *groups, *grp;
	struct nlmsghdr *nlh;

	logf_("ctrl-getfamily");
	if (g->cmd != CTRL_CMD_GETFAMILY || !(req->nlmsg_flags & NLM_F_ACK)) {
		send_ack(req, -EINVAL, "fake: unexpected ctrl request", -1);
		return;
	}
	mnl_attr_for_each(a, req, sizeof(*g))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME)
			name = a;
	if (name)
		logf_(" name=%s", mnl_attr_get_str(name));
	if (no_family || !name || strcmp(mnl_attr_get_str(name), "ipvl") != 0) {
		send_ack(req, -ENOENT, NULL, -1);
		return;
	}
	nlh = genl_start(req, GENL_ID_CTRL, 0, CTRL_CMD_NEWFAMILY);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "ipvl");
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAMILY);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, 1);
	mnl_attr_put_u32(nlh, CTRL_ATTR_HDRSIZE, 0);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MAXATTR, 0);
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	grp = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "monitor");
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, FAKEGENL_MONITOR_ID);
	mnl_attr_nest_end(nlh, grp);
	mnl_attr_nest_end(nlh, groups);
	msg_end(nlh);
	dgram_flush();
	send_ack(req, 0, NULL, -1);
}

static void handle(const struct nlmsghdr *req)
{
	struct request rq;
	const char *err;

	nreq++;
	if (req->nlmsg_type == GENL_ID_CTRL) {
		handle_ctrl(req);
		log_commit();
		return;
	}
	if (req->nlmsg_type != FAMILY) {
		logf_("unknown-family");
		log_commit();
		send_ack(req, -EINVAL, "fake: unknown family", -1);
		return;
	}
	err = check_request(req, &rq);
	if (err) {
		logf_(" REFUSED: %s", err);
		log_commit();
		send_ack(req, -EINVAL, err, -1);
		return;
	}
	log_commit();
	switch (rq.cmd) {
	case IPVL_CMD_GET_INFO:
		handle_info(req);
		break;
	case IPVL_CMD_PORT_GET:
	case IPVL_CMD_PORT_NEW:
	case IPVL_CMD_PORT_SET:
	case IPVL_CMD_PORT_DEL:
		handle_port(req, &rq);
		break;
	case IPVL_CMD_LINK_GET:
	case IPVL_CMD_LINK_NEW:
	case IPVL_CMD_LINK_DEL:
		handle_link(req, &rq);
		break;
	default:
		handle_addr(req, &rq);
		break;
	}
}

/*
 * The notifications a monitor reads once it joined the group: every kind
 * of event, two in one datagram, and what a reader must skip (an unknown
 * command, a message of another family).
 */
static void queue_events(void)
{
	const struct nlmsghdr ntf = { .nlmsg_seq = 0 };
	struct nlmsghdr *nlh;

	msg_pid = 0;
	put_port(&ntf, &ports[1], 0, IPVL_CMD_PORT_NEW_NTF);
	dgram_flush();
	put_link(&ntf, &links[1], 0, IPVL_CMD_LINK_NEW_NTF);
	dgram_flush();
	put_addr(&ntf, addrs[2].text, &links[1], 0, IPVL_CMD_ADDR_NEW_NTF);
	dgram_flush();
	nlh = genl_start(&ntf, FAMILY, 0, 99);		/* from a newer module */
	mnl_attr_put_u32(nlh, 1, 1);
	msg_end(nlh);
	nlh = genl_start(&ntf, GENL_ID_CTRL, 0, CTRL_CMD_NEWFAMILY);
	msg_end(nlh);
	dgram_flush();
	put_port(&ntf, &ports[0], 0, IPVL_CMD_PORT_CHANGE_NTF);
	dgram_flush();
	put_link(&ntf, &links[0], 0, IPVL_CMD_LINK_CHANGE_NTF);
	dgram_flush();
	put_addr(&ntf, addrs[2].text, &links[1], 0, IPVL_CMD_ADDR_DEL_NTF);
	put_link(&ntf, &links[1], 0, IPVL_CMD_LINK_DEL_NTF);
	dgram_flush();
	if (overrun) {
		struct dgram *d;

		for (d = q_head; d && d->next; d = d->next)
			;
		q_overrun = d;
	}
	put_port(&ntf, &ports[1], 0, IPVL_CMD_PORT_DEL_NTF);
	dgram_flush();
	msg_pid = FAKEGENL_PORTID;
}

/* ---- the replaced calls ---------------------------------------------- */

int socket(int domain, int type, int protocol)
{
	const char *intr;

	init_real();
	if (domain != AF_NETLINK || protocol != NETLINK_GENERIC ||
	    !env_flag("FAKEGENL"))
		return real_socket(domain, type, protocol);
	if (fake_fd >= 0) {
		errno = EMFILE;		/* one fake socket at a time */
		return -1;
	}
	fake_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ext_ack = cap_ack = false;
	no_cap = env_flag("FAKEGENL_NOCAP");
	no_family = env_flag("FAKEGENL_NOFAMILY");
	intr = getenv("FAKEGENL_INTR");
	intr_left = intr ? atoi(intr) : 0;
	events_term = env_flag("FAKEGENL_EVENTS_TERM");
	overrun = env_flag("FAKEGENL_OVERRUN");
	monitoring = false;
	rcvbuf = 0;
	queue_free();
	return fake_fd;
}

int close(int fd)
{
	init_real();
	if (fd >= 0 && fd == fake_fd) {
		fake_fd = -1;
		queue_free();
	}
	return real_close(fd);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	init_real();
	if (fd >= 0 && fd == fake_fd)
		return 0;
	return real_bind(fd, addr, len);
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sockaddr_nl snl = {
		.nl_family = AF_NETLINK,
		.nl_pid = FAKEGENL_PORTID,
	};

	init_real();
	if (fd < 0 || fd != fake_fd)
		return real_getsockname(fd, addr, len);
	memcpy(addr, &snl, *len < sizeof(snl) ? *len : sizeof(snl));
	*len = sizeof(snl);
	return 0;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	init_real();
	if (fd < 0 || fd != fake_fd)
		return real_setsockopt(fd, level, name, val, len);
	if (len != sizeof(int)) {
		errno = EINVAL;
		return -1;
	}
	if (level == SOL_SOCKET &&
	    (name == SO_RCVBUF || name == SO_RCVBUFFORCE)) {
		/* as an unprivileged caller: capped at 212992 */
		if (name == SO_RCVBUFFORCE)
			return errno = EPERM, -1;
		rcvbuf = *(const int *)val < 212992 ? *(const int *)val : 212992;
		return 0;
	}
	if (level != SOL_NETLINK) {
		errno = ENOPROTOOPT;
		return -1;
	}
	if (name == NETLINK_EXT_ACK) {
		ext_ack = *(const int *)val;
	} else if (name == NETLINK_CAP_ACK) {
		cap_ack = *(const int *)val && !no_cap;
	} else if (name == NETLINK_ADD_MEMBERSHIP) {
		if (*(const int *)val != FAKEGENL_MONITOR_ID)
			return errno = EINVAL, -1;
		monitoring = true;
		queue_events();
	} else {
		return errno = ENOPROTOOPT, -1;
	}
	return 0;
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	init_real();
	if (fd < 0 || fd != fake_fd)
		return real_getsockopt(fd, level, name, val, len);
	if (level != SOL_SOCKET || name != SO_RCVBUF || *len < sizeof(int)) {
		errno = ENOPROTOOPT;
		return -1;
	}
	*(int *)val = 2 * (rcvbuf ? rcvbuf : 212992);
	*len = sizeof(int);
	return 0;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *addr, socklen_t alen)
{
	const struct nlmsghdr *nlh = buf;
	int rem = (int)len;

	init_real();
	if (fd < 0 || fd != fake_fd)
		return real_sendto(fd, buf, len, flags, addr, alen);
	for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem))
		handle(nlh);
	return (ssize_t)len;
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	struct dgram *d;
	size_t n;

	init_real();
	if (fd < 0 || fd != fake_fd)
		return real_recvmsg(fd, msg, flags);
	d = q_head;
	if (d && d == q_overrun) {
		/* the kernel dropped it: the socket's buffer was full */
		q_head = d->next;
		if (!q_head)
			q_tail = &q_head;
		free(d);
		q_overrun = NULL;
		errno = ENOBUFS;
		return -1;
	}
	if (!d && monitoring) {
		/* the events are all read: nothing more will come */
		if (events_term)
			raise(SIGTERM);
		errno = EAGAIN;
		return -1;
	}
	if (!d) {
		fputs("fakegenl: read with no answer queued\n", stderr);
		errno = EAGAIN;
		return -1;
	}
	q_head = d->next;
	if (!q_head)
		q_tail = &q_head;
	n = d->len < msg->msg_iov[0].iov_len ? d->len : msg->msg_iov[0].iov_len;
	memcpy(msg->msg_iov[0].iov_base, d->data, n);
	msg->msg_flags = n < d->len ? MSG_TRUNC : 0;
	if (msg->msg_name && msg->msg_namelen >= sizeof(snl)) {
		memcpy(msg->msg_name, &snl, sizeof(snl));
		msg->msg_namelen = sizeof(snl);
	}
	free(d);
	return (ssize_t)n;
}
