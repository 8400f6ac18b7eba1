/*
 * Requests: building netlink messages in the send buffer, sending them in
 * one send(), and reading the answers: data messages, ACKs, errors with
 * their extended ACK, NLMSG_DONE, interrupted dumps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "internal.h"

void ipvl_req_init(struct ipvl_req *r, struct ipvl_handle *h)
{
	memset(r, 0, sizeof(*r));
	r->h = h;
	r->buf = h->txbuf;
	r->size = IPVL_TXBUF_SIZE;
	/* libmnl leaves the padding after attributes as it finds it. */
	memset(r->buf, 0, r->size);
	ipvl_clear_errmsg(h);
}

static void req_finish_msg(struct ipvl_req *r)
{
	if (!r->nlh)
		return;
	/* Attributes keep nlmsg_len aligned; the buffer size is too. */
	r->len += NLMSG_ALIGN(r->nlh->nlmsg_len);
	r->nlh = NULL;
}

/*
 * Start a message. Only NLM_F_DUMP may be asked for: the family gives
 * NLM_F_CREATE, NLM_F_EXCL and NLM_F_REPLACE no meaning and refuses them
 * (their bits are those of NLM_F_DUMP, so they are told apart here).
 * Sequence numbers are given when the request is sent.
 */
int ipvl_req_msg(struct ipvl_req *r, uint16_t type, uint8_t version,
		 uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;

	req_finish_msg(r);
	if (r->err)
		return r->err;
	if (flags & ~NLM_F_DUMP) {
		r->err = -EINVAL;
		return r->err;
	}
	if (r->size - r->len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*genl))) {
		r->err = -EMSGSIZE;
		return r->err;
	}
	nlh = mnl_nlmsg_put_header(r->buf + r->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	r->nlh = nlh;
	r->count++;
	r->attr_names = NULL;
	r->attr_max = 0;
	return 0;
}

/*
 * The message being built asks for no ACK: for a "do" whose success is
 * always answered by a reply (an error is sent anyway), with reply_acks
 * set on the request. One answer less to read per message.
 */
void ipvl_req_noack(struct ipvl_req *r)
{
	if (r->nlh)
		r->nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
}

int ipvl_req_op(struct ipvl_req *r, uint8_t cmd, uint16_t flags)
{
	return ipvl_req_msg(r, r->h->family, IPVL_FAMILY_VERSION, cmd, flags);
}

/* Attribute names of the message being built, to explain extacks. */
void ipvl_req_names(struct ipvl_req *r, const char *const *names,
		    unsigned int max)
{
	r->attr_names = names;
	r->attr_max = max;
}

/* Room left for the message being built, from its header on. */
static size_t req_room(const struct ipvl_req *r)
{
	return r->size - (size_t)((char *)r->nlh - r->buf);
}

static bool req_can_put(struct ipvl_req *r)
{
	if (!r->err && !r->nlh)
		r->err = -EINVAL;
	return !r->err;
}

static void req_check(struct ipvl_req *r, bool ok)
{
	if (!ok)
		r->err = -EMSGSIZE;
}

void ipvl_put_u8(struct ipvl_req *r, uint16_t type, uint8_t v)
{
	if (req_can_put(r))
		req_check(r, mnl_attr_put_u8_check(r->nlh, req_room(r), type, v));
}

void ipvl_put_u32(struct ipvl_req *r, uint16_t type, uint32_t v)
{
	if (req_can_put(r))
		req_check(r, mnl_attr_put_u32_check(r->nlh, req_room(r), type, v));
}

void ipvl_put_str(struct ipvl_req *r, uint16_t type, const char *s)
{
	if (req_can_put(r))
		req_check(r, mnl_attr_put_strz_check(r->nlh, req_room(r), type, s));
}

void ipvl_put_flag(struct ipvl_req *r, uint16_t type)
{
	if (req_can_put(r))
		req_check(r, mnl_attr_put_check(r->nlh, req_room(r), type, 0, NULL));
}

void ipvl_put_data(struct ipvl_req *r, uint16_t type, const void *p,
		   size_t len)
{
	if (req_can_put(r))
		req_check(r, mnl_attr_put_check(r->nlh, req_room(r), type, len, p));
}

struct nlattr *ipvl_nest_start(struct ipvl_req *r, uint16_t type)
{
	struct nlattr *nest;

	if (!req_can_put(r))
		return NULL;
	nest = mnl_attr_nest_start_check(r->nlh, req_room(r), type);
	req_check(r, nest != NULL);
	/* Strict validation refuses nests without the flag. */
	if (nest)
		nest->nla_type |= NLA_F_NESTED;
	return nest;
}

void ipvl_nest_end(struct ipvl_req *r, struct nlattr *nest)
{
	if (nest && !r->err)
		mnl_attr_nest_end(r->nlh, nest);
}

/*
 * Give the messages consecutive sequence numbers after the last one used,
 * never 0 (netlink's "none") nor wrapping through it, so that a number
 * belongs to this request iff seq - seq_first < count.
 */
void ipvl_req_renumber(struct ipvl_req *r)
{
	uint32_t seq = r->h->seq + 1;
	struct nlmsghdr *nlh;
	int rem = (int)r->len;

	if (seq == 0 || (uint32_t)(seq + r->count - 1) < seq)
		seq = 1;
	r->seq_first = seq;
	for (nlh = (struct nlmsghdr *)r->buf; mnl_nlmsg_ok(nlh, rem);
	     nlh = mnl_nlmsg_next(nlh, &rem))
		nlh->nlmsg_seq = seq++;
	r->h->seq = seq - 1;
}

/* The state of reading the answers of a request. */
struct xfer {
	struct ipvl_req *r;
	ipvl_reply_cb cb;
	void *data;
	uint32_t pending;		/* messages not answered yet */
	bool intr;			/* a dump was flagged interrupted */
	uint32_t intr_seq;
	int err;			/* the first error */
};

static bool xfer_ours(const struct xfer *x, const struct nlmsghdr *nlh)
{
	return (uint32_t)(nlh->nlmsg_seq - x->r->seq_first) < x->r->count;
}

static void xfer_error(struct xfer *x, int err)
{
	if (err && !x->err)
		x->err = err;
}

static void xfer_complete(struct xfer *x, uint32_t seq, int err);

static int xfer_data(const struct nlmsghdr *nlh, void *data)
{
	struct xfer *x = data;

	if (!xfer_ours(x, nlh))
		return MNL_CB_OK;
	/* The rest of an interrupted dump is read and dropped. */
	if (x->intr && nlh->nlmsg_seq == x->intr_seq)
		return MNL_CB_OK;
	if (!x->cb)
		;
	else if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		xfer_error(x, -EPROTO);
	else
		xfer_error(x, x->cb(nlh, x->data));
	/* The reply of a "do" sent without NLM_F_ACK is its answer. */
	if (x->r->reply_acks && !(nlh->nlmsg_flags & NLM_F_MULTI)) {
		ipvl_clear_errmsg(x->r->h);
		xfer_complete(x, nlh->nlmsg_seq, 0);
	}
	return MNL_CB_OK;
}

struct extack {
	const char *msg;
	bool has_miss_type;
	uint32_t miss_type;
	bool has_miss_nest;
};

static int extack_attr(const struct nlattr *attr, void *data)
{
	struct extack *e = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			e->msg = mnl_attr_get_str(attr);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			e->has_miss_type = true;
			e->miss_type = mnl_attr_get_u32(attr);
		}
		break;
	case NLMSGERR_ATTR_MISS_NEST:
		e->has_miss_nest = true;
		break;
	}
	return MNL_CB_OK;
}

/*
 * Keep the extended ACK's message in the handle. When the kernel only
 * says which attribute is missing, say it in words.
 */
static void xfer_extack(struct xfer *x, const struct nlmsghdr *nlh,
			size_t offset)
{
	struct ipvl_handle *h = x->r->h;
	struct extack e = { 0 };

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (offset > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, (unsigned int)offset, extack_attr, &e);
	if (e.msg && e.msg[0])
		ipvl_set_errmsg(h, "%s", e.msg);
	else if (e.has_miss_type && e.has_miss_nest)
		ipvl_set_errmsg(h, "missing attribute %u in a nested attribute",
				e.miss_type);
	else if (e.has_miss_type && x->r->attr_names &&
		 e.miss_type <= x->r->attr_max &&
		 x->r->attr_names[e.miss_type])
		ipvl_set_errmsg(h, "missing attribute \"%s\"",
				x->r->attr_names[e.miss_type]);
	else if (e.has_miss_type)
		ipvl_set_errmsg(h, "missing attribute %u", e.miss_type);
}

static void xfer_complete(struct xfer *x, uint32_t seq, int err)
{
	struct ipvl_req *r = x->r;

	if (err > 0)		/* some subsystems send positive errnos */
		err = -err;
	if (!err && x->intr && seq == x->intr_seq)
		err = -EINTR;
	xfer_error(x, err);
	if (x->pending)
		x->pending--;
	if (r->done)
		r->done(r, seq - r->seq_first, err, r->done_data);
}

/* NLMSG_ERROR: an ACK (error 0) or an error, maybe with extended ACK. */
static int xfer_ack(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct xfer *x = data;
	size_t offset;

	if (!xfer_ours(x, nlh))
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		xfer_complete(x, nlh->nlmsg_seq, -EBADMSG);
		return MNL_CB_OK;
	}
	/* Each answer of a batch has its own message, or none. */
	if (x->r->done)
		ipvl_clear_errmsg(x->r->h);
	/* Without NETLINK_CAP_ACK the request's payload is echoed first. */
	offset = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > sizeof(struct nlmsghdr))
		offset += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	xfer_extack(x, nlh, offset);
	xfer_complete(x, nlh->nlmsg_seq, e->error);
	return MNL_CB_OK;
}

/* NLMSG_DONE: the end of a dump, with its status and extended ACK. */
static int xfer_done(const struct nlmsghdr *nlh, void *data)
{
	struct xfer *x = data;
	int err = 0;

	if (!xfer_ours(x, nlh))
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		xfer_extack(x, nlh, sizeof(err));
	}
	xfer_complete(x, nlh->nlmsg_seq, err);
	return MNL_CB_OK;
}

static mnl_cb_t xfer_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR]	= xfer_ack,
	[NLMSG_DONE]	= xfer_done,
};

/*
 * A message flagged NLM_F_DUMP_INTR, which libmnl reports as EINTR without
 * handing it to the callbacks: the dump it belongs to is read to its end
 * and dropped, and will be asked for again.
 */
static void xfer_interrupted(struct xfer *x, const struct nlmsghdr *nlh)
{
	if (!xfer_ours(x, nlh))
		return;
	x->intr = true;
	x->intr_seq = nlh->nlmsg_seq;
	if (nlh->nlmsg_type == NLMSG_DONE)
		xfer_done(nlh, x);
	else if (nlh->nlmsg_type == NLMSG_ERROR)
		xfer_ack(nlh, x);
}

/*
 * Messages are handed to libmnl one at a time, so that an interrupted
 * dump (EINTR) is known to the message and the others still count.
 */
static void xfer_buffer(struct xfer *x, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int rem = (int)len;

	for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		if (mnl_cb_run2(nlh, nlh->nlmsg_len, 0, x->r->h->portid,
				xfer_data, x, xfer_ctl, NLMSG_MIN_TYPE) >= 0)
			continue;
		if (errno == EINTR)
			xfer_interrupted(x, nlh);
		/* else ESRCH: not addressed to this socket, ignored */
	}
}

int ipvl_req_run(struct ipvl_req *r, ipvl_reply_cb cb, void *data)
{
	struct ipvl_handle *h = r->h;
	struct xfer x = { .r = r, .cb = cb, .data = data };
	ssize_t n;

	req_finish_msg(r);
	r->interrupted = false;
	r->io_err = 0;
	if (r->err)
		return r->err;
	if (!r->count)
		return 0;
	ipvl_req_renumber(r);
	ipvl_clear_errmsg(h);

	if (mnl_socket_sendto(h->nl, r->buf, r->len) < 0) {
		r->io_err = -errno;
		return r->io_err;
	}

	x.pending = r->count;
	while (x.pending) {
		n = mnl_socket_recvfrom(h->nl, h->rxbuf, IPVL_RXBUF_SIZE);
		if (n < 0) {
			if (errno == EINTR || errno == ESRCH)
				continue;
			r->io_err = -errno;
			return r->io_err;
		}
		xfer_buffer(&x, h->rxbuf, (size_t)n);
	}
	r->interrupted = x.intr;
	return x.err;
}

struct do_ctx {
	int (*parse)(const struct nlmsghdr *nlh, void *obj);
	void *obj;
	unsigned int replies;
};

static int do_reply(const struct nlmsghdr *nlh, void *data)
{
	struct do_ctx *d = data;

	if (d->replies++ || !d->obj)
		return 0;
	return d->parse(nlh, d->obj);
}

int ipvl_req_do(struct ipvl_req *r,
		int (*parse)(const struct nlmsghdr *, void *), void *obj)
{
	struct do_ctx d = { .parse = parse, .obj = obj };
	int err;

	err = ipvl_req_run(r, do_reply, &d);
	if (!err && obj && !d.replies)
		err = -ENODATA;
	return err;
}

struct dump_ctx {
	const struct ipvl_dump_ops *ops;
	char *items;
	size_t count;
	size_t cap;
};

static int dump_reply(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	size_t size = d->ops->objsize;
	void *obj;
	int err;

	if (d->count == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		char *items = reallocarray(d->items, cap, size);

		if (!items)
			return -ENOMEM;
		d->items = items;
		d->cap = cap;
	}
	obj = d->items + d->count * size;
	memset(obj, 0, size);
	err = d->ops->parse(nlh, obj);
	if (err)
		return err;
	d->count++;
	return 0;
}

int ipvl_req_dump(struct ipvl_req *r, const struct ipvl_dump_ops *ops)
{
	struct dump_ctx d = { .ops = ops };
	unsigned int tries = 0;
	size_t i;
	int err;

	for (;;) {
		d.count = 0;
		err = ipvl_req_run(r, dump_reply, &d);
		if (!r->interrupted || (err && err != -EINTR))
			break;
		if (++tries == IPVL_DUMP_TRIES) {
			ipvl_set_errmsg(r->h,
					"dump interrupted by concurrent changes %u times",
					tries);
			err = -EAGAIN;
			break;
		}
	}
	for (i = 0; !err && i < d.count; i++)
		err = ops->cb(d.items + i * ops->objsize, ops->data);
	free(d.items);
	return err;
}
