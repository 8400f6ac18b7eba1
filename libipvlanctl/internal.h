/*
 * Internals of libipvlanctl, shared by its source files and never
 * exported: the handle, the request builder, the reply engine and the
 * attribute parsers.
 */
#ifndef IPVLANCTL_INTERNAL_H
#define IPVLANCTL_INTERNAL_H

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "ipvlanctl.h"
#include "ipvl.h"

#define IPVL_EXPORT		__attribute__((visibility("default")))

/*
 * The kernel sizes dump messages after the largest buffer the socket was
 * read with, up to 32 KiB: a receive buffer smaller than that would
 * truncate them. The send buffer holds one request, or a batch of them.
 */
#define IPVL_RXBUF_SIZE		(64 * 1024)
#define IPVL_TXBUF_SIZE		(64 * 1024)
#define IPVL_ERRMSG_SIZE	512
/* Attempts of a dump that the kernel reports as interrupted. */
#define IPVL_DUMP_TRIES		4

struct ipvl_handle {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;			/* last sequence number used */
	uint16_t family;		/* resolved id of "ipvl" */
	uint32_t family_version;
	uint32_t monitor_group;		/* 0: the family has no such group */
	int rcvbuf;			/* receive buffer, once raised (batch.c) */
	char *rxbuf;
	char *txbuf;
	bool has_errmsg;
	char errmsg[IPVL_ERRMSG_SIZE];
};

/* lib.c */
void ipvl_set_errmsg(struct ipvl_handle *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ipvl_clear_errmsg(struct ipvl_handle *h);

/*
 * req.c: requests.
 *
 * A request is built in the handle's send buffer: one or more netlink
 * messages back to back, each with its own sequence number (consecutive
 * from seq_first) and NLM_F_REQUEST | NLM_F_ACK. ipvl_req_run() sends the
 * whole buffer with a single send() and reads until every message has been
 * answered: by an ACK or an error for a "do", by NLMSG_DONE or an error for
 * a dump. Batch mode queues many messages the same way.
 *
 * The attribute putters never overflow the buffer: when one does not fit,
 * the request is marked failed with -EMSGSIZE, which ipvl_req_run()
 * returns without sending anything.
 */
struct ipvl_req {
	struct ipvl_handle *h;
	char *buf;
	size_t size;
	size_t len;			/* bytes of the finished messages */
	struct nlmsghdr *nlh;		/* message being built, or NULL */
	uint32_t seq_first;
	uint32_t count;			/* messages, finished or not */
	const char *const *attr_names;	/* of the last message, for extack */
	unsigned int attr_max;
	int err;
	int io_err;			/* set by ipvl_req_run(): send/recv failed */
	bool interrupted;		/* set by ipvl_req_run(): a dump was */
	/*
	 * Optional: called when message number index (0 for the first) is
	 * answered by its ACK or error, with ipvl_errmsg() giving the
	 * message the kernel attached to that very answer.
	 */
	void (*done)(struct ipvl_req *r, uint32_t index, int err, void *data);
	void *done_data;
	/* Messages sent with ipvl_req_noack() are answered by their reply. */
	bool reply_acks;
};

/* Called for each data message that answers a message of the request. */
typedef int (*ipvl_reply_cb)(const struct nlmsghdr *nlh, void *data);

void ipvl_req_init(struct ipvl_req *r, struct ipvl_handle *h);
int ipvl_req_msg(struct ipvl_req *r, uint16_t type, uint8_t version,
		 uint8_t cmd, uint16_t flags);
int ipvl_req_op(struct ipvl_req *r, uint8_t cmd, uint16_t flags);
void ipvl_req_noack(struct ipvl_req *r);
void ipvl_req_names(struct ipvl_req *r, const char *const *names,
		    unsigned int max);
void ipvl_put_u8(struct ipvl_req *r, uint16_t type, uint8_t v);
void ipvl_put_u32(struct ipvl_req *r, uint16_t type, uint32_t v);
void ipvl_put_str(struct ipvl_req *r, uint16_t type, const char *s);
void ipvl_put_flag(struct ipvl_req *r, uint16_t type);
void ipvl_put_data(struct ipvl_req *r, uint16_t type, const void *p,
		   size_t len);
struct nlattr *ipvl_nest_start(struct ipvl_req *r, uint16_t type);
void ipvl_nest_end(struct ipvl_req *r, struct nlattr *nest);
int ipvl_req_run(struct ipvl_req *r, ipvl_reply_cb cb, void *data);
void ipvl_req_renumber(struct ipvl_req *r);

/* A "do" whose answer is one object: parse() fills obj (may be NULL). */
int ipvl_req_do(struct ipvl_req *r, int (*parse)(const struct nlmsghdr *,
						 void *), void *obj);

/*
 * A dump: objects are collected until the dump completes consistently
 * (it is re-sent from scratch when the kernel flags it interrupted), then
 * handed to cb() one by one; a non-zero return of cb() stops and is
 * returned.
 */
struct ipvl_dump_ops {
	size_t objsize;
	int (*parse)(const struct nlmsghdr *nlh, void *obj);
	int (*cb)(const void *obj, void *data);
	void *data;
};

int ipvl_req_dump(struct ipvl_req *r, const struct ipvl_dump_ops *ops);

/*
 * attr.c: attribute parsing. A policy entry gives the libmnl type of an
 * attribute and, for strings, the largest payload (with the NUL) or, for
 * binary attributes, the exact length. Attributes the policy does not
 * know (newer kernels) are ignored; known ones of the wrong size make the
 * message invalid (-EPROTO).
 */
struct ipvl_pol {
	enum mnl_attr_data_type type;
	uint16_t len;
};

int ipvl_parse_msg(const struct nlmsghdr *nlh, const struct ipvl_pol *pol,
		   unsigned int max, const struct nlattr **tb);
int ipvl_parse_nest(const struct nlattr *nest, const struct ipvl_pol *pol,
		    unsigned int max, const struct nlattr **tb);
void ipvl_attr_strcpy(char *dst, size_t size, const struct nlattr *attr);

/* A table of u64 counters: attribute type -> offset in a stats struct. */
struct ipvl_counter {
	uint16_t type;
	uint16_t offset;
};

int ipvl_parse_counters(const struct nlattr *nest,
			const struct ipvl_counter *tab, size_t n, void *stats);

/* The objects of replies and notifications (port.c, link.c, addr.c). */
int ipvl_port_parse(const struct nlmsghdr *nlh, void *obj);
int ipvl_link_parse(const struct nlmsghdr *nlh, void *obj);
int ipvl_addr_parse(const struct nlmsghdr *nlh, void *obj);
int ipvl_addr_msg(struct ipvl_req *r, uint8_t cmd, uint16_t flags,
		  const struct ipvl_link_ref *link,
		  const struct ipvl_port_ref *port);
int ipvl_addr_put_ip(struct ipvl_req *r, const struct ipvl_ipaddr *a);

/* Raise the receive buffer of the socket (root may go past rmem_max). */
int ipvl_raise_rcvbuf(struct ipvl_handle *h, int size);

/* Selectors shared by several objects. */
int ipvl_put_port_ref(struct ipvl_req *r, const struct ipvl_port_ref *ref,
		      uint16_t ifindex_type, uint16_t ifname_type);
int ipvl_put_link_ref(struct ipvl_req *r, const struct ipvl_link_ref *ref,
		      uint16_t id_type, uint16_t ifname_type);
int ipvl_check_ifname(const char *ifname);

#endif /* IPVLANCTL_INTERNAL_H */
