/*
 * Batches: many address requests sent together.
 *
 * Requests are queued as plain descriptions and encoded when the batch
 * runs, a window at a time: as many messages as fit the send buffer and
 * whose answers fit the receive buffer, sent with one send(). The kernel
 * answers every message of a send() in order before the send() returns;
 * an answer that does not fit the socket's receive buffer is dropped
 * (ENOBUFS), so the window is sized after the receive buffer, which is
 * raised first.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

/*
 * The largest message a batch sends: headers, a link name with its NUL
 * (an id is shorter) and an IPv6 address.
 */
#define BATCH_MSG_MAX	(NLMSG_ALIGN(NLMSG_HDRLEN + GENL_HDRLEN) + \
			 NLA_ALIGN(NLA_HDRLEN + IF_NAMESIZE) + \
			 NLA_ALIGN(NLA_HDRLEN + sizeof(struct in6_addr)))

/*
 * What the answers of one request may take in the receive buffer, as the
 * kernel counts it (skb truesize): a reply with the binding, or an ACK or
 * an error, each well under 1 KiB once the kernel trimmed the reply
 * (binds and gets are sent without NLM_F_ACK: their reply is the
 * answer). Four times that, to be safe.
 */
#define BATCH_ANSWER_COST	4096
#define BATCH_RCVBUF		(4 * 1024 * 1024)

struct batch_op {
	uint8_t cmd;
	struct ipvl_link_ref link;
	struct ipvl_ipaddr addr;
};

struct ipvl_batch {
	struct ipvl_handle *h;
	struct batch_op *ops;
	size_t count;
	size_t cap;
	size_t window;
};

int ipvl_raise_rcvbuf(struct ipvl_handle *h, int size)
{
	socklen_t len = sizeof(h->rcvbuf);
	int fd = mnl_socket_get_fd(h->nl);

	if (h->rcvbuf >= size)
		return 0;
	/* Beyond net.core.rmem_max with CAP_NET_ADMIN, else up to it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* The kernel reports (and counts against) twice the value set. */
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &h->rcvbuf, &len) < 0 ||
	    h->rcvbuf <= 0)
		h->rcvbuf = 212992;	/* the usual default, doubled */
	return 0;
}

IPVL_EXPORT int ipvl_batch_new(struct ipvl_handle *h, struct ipvl_batch **bp)
{
	struct ipvl_batch *b;
	size_t window;

	*bp = NULL;
	if (!h)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->h = h;
	ipvl_raise_rcvbuf(h, BATCH_RCVBUF);
	window = (size_t)h->rcvbuf / BATCH_ANSWER_COST;
	if (window > IPVL_TXBUF_SIZE / BATCH_MSG_MAX)
		window = IPVL_TXBUF_SIZE / BATCH_MSG_MAX;
	b->window = window ? window : 1;
	*bp = b;
	return 0;
}

IPVL_EXPORT void ipvl_batch_free(struct ipvl_batch *b)
{
	if (!b)
		return;
	free(b->ops);
	free(b);
}

IPVL_EXPORT size_t ipvl_batch_count(const struct ipvl_batch *b)
{
	return b ? b->count : 0;
}

IPVL_EXPORT size_t ipvl_batch_window(const struct ipvl_batch *b)
{
	return b ? b->window : 0;
}

/* Arguments are checked here, so that a queued request can be encoded. */
static int batch_add(struct ipvl_batch *b, uint8_t cmd,
		     const struct ipvl_link_ref *link,
		     const struct ipvl_ipaddr *addr)
{
	struct batch_op *op;
	int err;

	if (!b || !link || !addr)
		return -EINVAL;
	if (!link->id) {
		err = ipvl_check_ifname(link->ifname);
		if (err)
			return err;
	}
	if (addr->family != AF_INET && addr->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (b->count == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct batch_op *ops = reallocarray(b->ops, cap, sizeof(*ops));

		if (!ops)
			return -ENOMEM;
		b->ops = ops;
		b->cap = cap;
	}
	op = &b->ops[b->count++];
	op->cmd = cmd;
	op->link = *link;
	op->addr = *addr;
	return 0;
}

IPVL_EXPORT int ipvl_batch_addr_bind(struct ipvl_batch *b,
				     const struct ipvl_link_ref *link,
				     const struct ipvl_ipaddr *addr)
{
	return batch_add(b, IPVL_CMD_ADDR_NEW, link, addr);
}

IPVL_EXPORT int ipvl_batch_addr_unbind(struct ipvl_batch *b,
				       const struct ipvl_link_ref *link,
				       const struct ipvl_ipaddr *addr)
{
	return batch_add(b, IPVL_CMD_ADDR_DEL, link, addr);
}

IPVL_EXPORT int ipvl_batch_addr_get(struct ipvl_batch *b,
				    const struct ipvl_link_ref *link,
				    const struct ipvl_ipaddr *addr)
{
	return batch_add(b, IPVL_CMD_ADDR_GET, link, addr);
}

/* One window being answered. */
struct window {
	struct ipvl_batch *b;
	const struct ipvl_req *r;
	size_t first;			/* index of its first request */
	size_t count;
	struct ipvl_addr *replies;	/* by position in the window */
	int *reply_err;			/* 1: none yet, 0: parsed, <0: bad */
	ipvl_batch_cb cb;
	void *data;
	size_t answered;
	bool failed;
};

/* The result of request first + pos; answered: by the kernel. */
static void report(struct window *w, size_t pos, int err, bool answered)
{
	struct ipvl_batch_result res = {
		.index = w->first + pos,
		.err = err,
		.errmsg = answered ? ipvl_errmsg(w->b->h) : NULL,
	};

	if (answered && !err && w->reply_err[pos] == 0)
		res.binding = &w->replies[pos];
	/* a get that finds nothing changes nothing: it does not stop */
	if (err && w->b->ops[res.index].cmd != IPVL_CMD_ADDR_GET)
		w->failed = true;
	w->cb(&res, w->data);
}

static int window_reply(const struct nlmsghdr *nlh, void *data)
{
	struct window *w = data;
	uint32_t pos = nlh->nlmsg_seq - w->r->seq_first;

	if (pos >= w->count || w->reply_err[pos] != 1)
		return 0;	/* a second reply to a "do": ignored */
	w->reply_err[pos] = ipvl_addr_parse(nlh, &w->replies[pos]);
	return 0;
}

static void window_done(struct ipvl_req *r, uint32_t pos, int err,
			void *data)
{
	struct window *w = data;

	(void)r;
	if (pos >= w->count)
		return;
	if (!err && w->reply_err[pos] < 0)
		err = w->reply_err[pos];	/* a malformed answer */
	w->answered = pos + 1;
	report(w, pos, err, true);
}

/* Encode requests [first, first + count) in one request buffer. */
static int window_build(struct ipvl_req *r, struct ipvl_batch *b,
			size_t first, size_t count)
{
	size_t i;
	int err;

	ipvl_req_init(r, b->h);
	for (i = first; i < first + count; i++) {
		const struct batch_op *op = &b->ops[i];

		err = ipvl_addr_msg(r, op->cmd, 0, &op->link, NULL);
		if (!err)
			err = ipvl_addr_put_ip(r, &op->addr);
		if (err)
			return err;
		/* addr-new and addr-get answer success with the binding */
		if (op->cmd != IPVL_CMD_ADDR_DEL)
			ipvl_req_noack(r);
	}
	r->reply_acks = true;
	return r->err;
}

IPVL_EXPORT int ipvl_batch_run(struct ipvl_batch *b, unsigned int flags,
			       ipvl_batch_cb cb, void *data)
{
	struct window w = { .b = b, .cb = cb, .data = data };
	struct ipvl_req r;
	size_t i = 0, pos;
	int err = 0;

	if (!b || !cb || (flags & ~(unsigned int)IPVL_BATCH_STOP))
		return -EINVAL;
	if (b->count) {
		w.replies = calloc(b->window, sizeof(*w.replies));
		w.reply_err = calloc(b->window, sizeof(*w.reply_err));
		if (!w.replies || !w.reply_err)
			err = -ENOMEM;
	}

	while (!err && i < b->count &&
	       !(w.failed && (flags & IPVL_BATCH_STOP))) {
		w.first = i;
		w.count = b->count - i < b->window ? b->count - i : b->window;
		w.answered = 0;
		for (pos = 0; pos < w.count; pos++)
			w.reply_err[pos] = 1;
		err = window_build(&r, b, i, w.count);
		if (err)
			break;
		r.done = window_done;
		r.done_data = &w;
		w.r = &r;
		ipvl_req_run(&r, window_reply, &w);
		if (r.io_err) {
			/* What was not answered is in an unknown state. */
			err = r.io_err;
			for (pos = w.answered; pos < w.count; pos++)
				report(&w, pos, err, false);
		}
		i += w.count;
	}
	/* What was not sent, because of a failure or of an error here. */
	w.first = 0;
	for (; i < b->count; i++)
		report(&w, i, -ECANCELED, false);

	free(w.replies);
	free(w.reply_err);
	b->count = 0;
	return err;
}
