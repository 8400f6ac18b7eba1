/*
 * libipvlanctl: client library of the "ipvl" generic netlink family.
 *
 * Ports, links and address bindings of the ipvl datapath are owned by the
 * host and managed over generic netlink; this library hides the netlink
 * details behind plain structs and one function per operation.
 *
 * Error model: every function returning int returns 0 on success and a
 * negative errno value on failure. After a request, ipvl_errmsg() returns
 * the message the kernel attached to its answer (an error, or a warning on
 * success), or NULL when there was none.
 *
 * Threads: a handle must not be used by two threads at the same time; use
 * one handle per thread. Distinct handles are independent.
 *
 * See libipvlanctl(3).
 */
#ifndef IPVLANCTL_H
#define IPVLANCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

/*
 * The protocol's enums (enum ipvl_mode, enum ipvl_port_flags, enum
 * ipvl_features), generated from the family's YAML specification and
 * installed next to this header.
 */
#include "ipvl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An open connection to the ipvl family; opaque. */
struct ipvl_handle;

int ipvl_open(struct ipvl_handle **hp);
void ipvl_close(struct ipvl_handle *h);
const char *ipvl_errmsg(const struct ipvl_handle *h);

/* Names of the protocol's values, for printing and parsing. */
const char *ipvl_mode_name(uint32_t mode);
int ipvl_mode_parse(const char *name, uint32_t *mode);
const char *ipvl_port_flags_name(uint32_t flags);
int ipvl_port_flags_parse(const char *name, uint32_t *flags);
const char *ipvl_feature_name(uint32_t feature);

/* An IPv4 or IPv6 address. */
struct ipvl_ipaddr {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* Longest text ipvl_ipaddr_format() writes, with the terminating NUL. */
#define IPVL_IPADDR_STRLEN	INET6_ADDRSTRLEN

int ipvl_ipaddr_parse(const char *text, struct ipvl_ipaddr *addr);
const char *ipvl_ipaddr_format(const struct ipvl_ipaddr *addr, char *buf,
			       size_t size);

/* Module information: get-info. */
struct ipvl_info {
	char module_version[64];
	uint32_t family_version;
	uint32_t features;		/* enum ipvl_features bits */
};

int ipvl_get_info(struct ipvl_handle *h, struct ipvl_info *info);

/*
 * Ports. A port is named by its master device: by ifindex when it is not
 * 0, else by name, both in the network namespace of the handle's socket.
 */
struct ipvl_port_ref {
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
};

struct ipvl_port_stats {
	uint64_t rx_dispatched;
	uint64_t rx_passed;
	uint64_t tx_local;
	uint64_t tx_out;
	uint64_t drop_no_binding;
	uint64_t drop_spoofed;
	uint64_t drop_backlog;
	uint64_t drop_link_down;
	uint64_t drop_policy;
	uint64_t drop_malformed;
};

struct ipvl_port {
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
	uint32_t mode;			/* enum ipvl_mode */
	uint32_t flags;			/* enum ipvl_port_flags bits */
	bool spoof_check;
	uint32_t link_count;
	uint32_t binding_count;
	bool has_stats;
	struct ipvl_port_stats stats;
};

/* Which fields of struct ipvl_port_config are set. */
enum {
	IPVL_PORT_CFG_MODE		= 1 << 0,
	IPVL_PORT_CFG_FLAGS		= 1 << 1,
	IPVL_PORT_CFG_SPOOF_CHECK	= 1 << 2,
};

struct ipvl_port_config {
	unsigned int mask;		/* IPVL_PORT_CFG_* */
	uint32_t mode;			/* enum ipvl_mode */
	uint32_t flags;			/* enum ipvl_port_flags bits */
	bool spoof_check;
};

typedef int (*ipvl_port_cb)(const struct ipvl_port *port, void *data);

int ipvl_port_new(struct ipvl_handle *h, const struct ipvl_port_ref *ref,
		  const struct ipvl_port_config *cfg, struct ipvl_port *port);
int ipvl_port_set(struct ipvl_handle *h, const struct ipvl_port_ref *ref,
		  const struct ipvl_port_config *cfg, struct ipvl_port *port);
int ipvl_port_del(struct ipvl_handle *h, const struct ipvl_port_ref *ref,
		  bool force);
int ipvl_port_get(struct ipvl_handle *h, const struct ipvl_port_ref *ref,
		  struct ipvl_port *port);
int ipvl_port_dump(struct ipvl_handle *h, ipvl_port_cb cb, void *data);

/* Links. A link is named by its id when it is not 0, else by name. */

/* Size of a link's owner tag (IPVL_A_LINK_OWNER), with its NUL. */
#define IPVL_LINK_OWNER_LEN	128

struct ipvl_link_ref {
	uint32_t id;
	char ifname[IF_NAMESIZE];
};

struct ipvl_link_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t rx_multicast;
	uint64_t rx_dropped;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t tx_dropped;
};

struct ipvl_link {
	uint32_t id;
	uint32_t ifindex;		/* in the link's own namespace */
	char ifname[IF_NAMESIZE];
	uint32_t port_ifindex;
	char port_ifname[IF_NAMESIZE];
	bool has_netnsid;		/* false: in the caller's namespace */
	int32_t netnsid;
	uint32_t mtu;
	uint32_t binding_count;
	bool has_stats;
	struct ipvl_link_stats stats;
	char owner[IPVL_LINK_OWNER_LEN];	/* "": none */
};

struct ipvl_link_config {
	char ifname[IF_NAMESIZE];	/* required */
	struct ipvl_port_ref port;	/* required */
	bool has_netns_fd;		/* create in the namespace of netns_fd */
	int netns_fd;
	uint32_t mtu;			/* 0: the default */
	bool exist_ok;
	const char *owner;		/* NULL: none; at most 127 bytes */
};

/* The owner tag of a link, or NULL when it has none. */
const char *ipvl_link_owner(const struct ipvl_link *link);

typedef int (*ipvl_link_cb)(const struct ipvl_link *link, void *data);

int ipvl_link_new(struct ipvl_handle *h, const struct ipvl_link_config *cfg,
		  struct ipvl_link *link);
int ipvl_link_del(struct ipvl_handle *h, const struct ipvl_link_ref *ref);
int ipvl_link_get(struct ipvl_handle *h, const struct ipvl_link_ref *ref,
		  struct ipvl_link *link);
int ipvl_link_dump(struct ipvl_handle *h, const struct ipvl_port_ref *port,
		   ipvl_link_cb cb, void *data);

/* Address bindings. */
struct ipvl_addr_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
};

struct ipvl_addr {
	struct ipvl_ipaddr addr;
	uint32_t link_id;
	char link_ifname[IF_NAMESIZE];
	uint32_t port_ifindex;
	char port_ifname[IF_NAMESIZE];
	bool has_stats;
	struct ipvl_addr_stats stats;
};

typedef int (*ipvl_addr_cb)(const struct ipvl_addr *addr, void *data);

int ipvl_addr_bind(struct ipvl_handle *h, const struct ipvl_link_ref *link,
		   const struct ipvl_ipaddr *addr, struct ipvl_addr *binding);
int ipvl_addr_unbind(struct ipvl_handle *h, const struct ipvl_link_ref *link,
		     const struct ipvl_ipaddr *addr);
int ipvl_addr_replace(struct ipvl_handle *h, const struct ipvl_link_ref *link,
		      const struct ipvl_ipaddr *addrs, size_t count);
int ipvl_addr_get(struct ipvl_handle *h, const struct ipvl_link_ref *link,
		  const struct ipvl_port_ref *port,
		  const struct ipvl_ipaddr *addr, struct ipvl_addr *binding);
int ipvl_addr_dump(struct ipvl_handle *h, const struct ipvl_link_ref *link,
		   const struct ipvl_port_ref *port, ipvl_addr_cb cb,
		   void *data);

/*
 * Batches: address bindings changed in bulk. Requests are queued, then
 * sent many per send() and their answers matched back to them by sequence
 * number; the callback sees each result, in the order queued.
 */
struct ipvl_batch;

struct ipvl_batch_result {
	size_t index;			/* of the request, in the order queued */
	int err;			/* 0 or a negative errno; -ECANCELED:
					   not sent (IPVL_BATCH_STOP) */
	const char *errmsg;		/* the kernel's message, or NULL */
	const struct ipvl_addr *binding; /* the binding answered, or NULL */
};

typedef void (*ipvl_batch_cb)(const struct ipvl_batch_result *res,
			      void *data);

/* Flags of ipvl_batch_run(). */
enum {
	IPVL_BATCH_STOP		= 1 << 0,	/* send nothing more after a
						   window in which a bind or
						   an unbind failed */
};

int ipvl_batch_new(struct ipvl_handle *h, struct ipvl_batch **bp);
void ipvl_batch_free(struct ipvl_batch *b);
int ipvl_batch_addr_bind(struct ipvl_batch *b,
			 const struct ipvl_link_ref *link,
			 const struct ipvl_ipaddr *addr);
int ipvl_batch_addr_unbind(struct ipvl_batch *b,
			   const struct ipvl_link_ref *link,
			   const struct ipvl_ipaddr *addr);
int ipvl_batch_addr_get(struct ipvl_batch *b,
			const struct ipvl_link_ref *link,
			const struct ipvl_ipaddr *addr);
size_t ipvl_batch_count(const struct ipvl_batch *b);
size_t ipvl_batch_window(const struct ipvl_batch *b);
int ipvl_batch_run(struct ipvl_batch *b, unsigned int flags,
		   ipvl_batch_cb cb, void *data);

/*
 * Notifications (the "monitor" multicast group). A monitor is a handle of
 * its own, subscribed to the group, that reads events one by one.
 */
int ipvl_monitor_join(struct ipvl_handle *h);

struct ipvl_monitor;

/* The objects of events, for filtering and in struct ipvl_event. */
enum {
	IPVL_EVENT_PORT		= 1 << 0,
	IPVL_EVENT_LINK		= 1 << 1,
	IPVL_EVENT_ADDR		= 1 << 2,
};

/* Flags of ipvl_monitor_open(). */
enum {
	IPVL_MONITOR_NONBLOCK	= 1 << 0,	/* next() fails with EAGAIN
						   instead of waiting */
};

struct ipvl_event {
	uint8_t cmd;			/* IPVL_CMD_PORT_NEW_NTF ... */
	unsigned int object;		/* IPVL_EVENT_PORT, _LINK or _ADDR */
	union {
		struct ipvl_port port;
		struct ipvl_link link;
		struct ipvl_addr addr;
	};
};

int ipvl_monitor_open(struct ipvl_monitor **mp, unsigned int objects,
		      unsigned int flags);
void ipvl_monitor_close(struct ipvl_monitor *m);
int ipvl_monitor_fd(const struct ipvl_monitor *m);
int ipvl_monitor_next(struct ipvl_monitor *m, struct ipvl_event *ev);
const char *ipvl_event_name(uint8_t cmd);

#ifdef __cplusplus
}
#endif

#endif /* IPVLANCTL_H */
