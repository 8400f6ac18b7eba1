/*
 * ipvl: a CNI plugin over libipvlanctl. See ipvl-cni(8).
 *
 * conf.c parses the configuration and results and writes results and
 * errors, ipam.c runs the IPAM plugin, rtnl.c configures a namespace over
 * rtnetlink, ipvl.c has main() and the commands.
 */
#ifndef IPVL_CNI_H
#define IPVL_CNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ipvlanctl.h"

/* The spec's well-known error codes, and this plugin's own (100+). */
enum {
	CNI_ERR_VERSION		= 1,	/* incompatible CNI version */
	CNI_ERR_UNSUPPORTED	= 2,	/* unsupported field */
	CNI_ERR_UNKNOWN		= 3,	/* container unknown or gone */
	CNI_ERR_ENV		= 4,	/* invalid environment variables */
	CNI_ERR_IO		= 5,	/* I/O failure */
	CNI_ERR_DECODE		= 6,	/* failed to decode content */
	CNI_ERR_CONFIG		= 7,	/* invalid network config */
	CNI_ERR_TRY_LATER	= 11,	/* try again later */
	CNI_ERR_UNAVAILABLE	= 50,	/* STATUS: cannot serve ADD */
	CNI_ERR_KERNEL		= 100,	/* the ipvl family refused or is absent */
	CNI_ERR_IPAM		= 101,	/* the IPAM plugin could not be run */
	CNI_ERR_NETNS		= 102,	/* configuring the namespace failed */
	CNI_ERR_CHECK		= 103,	/* CHECK found a difference */
};

/* The versions of the spec this plugin speaks, oldest first. */
extern const char *const cni_versions[];
#define CNI_VERSION_0_4_0	2
#define CNI_VERSION_1_1_0	4
#define CNI_VERSION_LATEST	"1.1.0"

int cni_version_index(const char *version);

struct cni_error {
	int code;			/* 0: none */
	char msg[256];
	char details[512];
};

int cni_fail(struct cni_error *e, int code, const char *msg,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* An address with its prefix length. */
struct cni_prefix {
	struct ipvl_ipaddr addr;
	unsigned int len;
};

struct cni_ip {
	struct cni_prefix address;
	bool has_gw;
	struct ipvl_ipaddr gw;
	int iface;			/* index into interfaces, -1: none */
};

struct cni_route {
	struct cni_prefix dst;
	bool has_gw;
	struct ipvl_ipaddr gw;
};

struct cni_iface {
	char name[IF_NAMESIZE];
	const char *sandbox;		/* in the JSON it came from */
};

struct cni_result {
	struct cni_ip *ips;
	size_t n_ips;
	struct cni_route *routes;
	size_t n_routes;
	struct cni_iface *ifaces;
	size_t n_ifaces;
	json_t *dns;			/* a reference, or NULL */
};

void cni_result_free(struct cni_result *r);
int cni_result_parse(const json_t *obj, struct cni_result *r,
		     struct cni_error *e);
int cni_prefix_parse(const char *text, struct cni_prefix *p);

/* The environment of the call (CNI_*). */
struct cni_env {
	const char *command;
	const char *container_id;
	const char *netns;
	const char *ifname;
	const char *args;
	const char *path;
};

struct cni_conf {
	json_t *root;			/* the whole configuration */
	const char *version;
	int vidx;			/* index in cni_versions */
	const char *name;
	const char *master;		/* NULL: chained or default route */
	uint32_t mode;
	uint32_t flags;
	bool spoof_check;
	uint32_t mtu;
	const char *ipam_type;		/* NULL: no IPAM */
	bool has_prev;
	struct cni_result prev;
	json_t *dns;			/* the configuration's dns, or NULL */
	json_t *valid;			/* cni.dev/valid-attachments, or NULL */
};

int cni_conf_parse(const char *buf, size_t len, struct cni_conf *c,
		   struct cni_error *e);
void cni_conf_free(struct cni_conf *c);

/* The owner tag of the links the plugin creates. */
int cni_owner(const struct cni_conf *c, const char *container_id,
	      const char *ifname, char *buf, size_t size);
/* The prefix of the tags of one network's links ("cni/NAME/"). */
int cni_owner_prefix(const struct cni_conf *c, char *buf, size_t size);

/* Results and errors on stdout. */
json_t *cni_result_json(const struct cni_result *r, const char *version,
			int vidx);
int cni_print(json_t *obj);
void cni_print_error(const struct cni_error *e, const char *version);

/* ipam.c: run the IPAM plugin with a command. */
int cni_ipam_exec(const struct cni_conf *c, const struct cni_env *env,
		  const char *command, struct cni_result *res,
		  struct cni_error *e);

/* rtnl.c: rtnetlink in one namespace. */
struct rtnl;

int rtnl_open(struct rtnl **rp, int netns_fd);	/* -1: the current one */
void rtnl_close(struct rtnl *r);
int rtnl_link_get(struct rtnl *r, const char *ifname, uint32_t *ifindex,
		  unsigned char mac[6]);
int rtnl_link_up(struct rtnl *r, uint32_t ifindex);
int rtnl_addr_add(struct rtnl *r, uint32_t ifindex,
		  const struct cni_prefix *p);
bool rtnl_addr_has(struct rtnl *r, uint32_t ifindex,
		   const struct cni_prefix *p);
int rtnl_route_add(struct rtnl *r, uint32_t ifindex,
		   const struct cni_prefix *dst, const struct ipvl_ipaddr *gw);
int rtnl_default_ifname(struct rtnl *r, char ifname[IF_NAMESIZE]);

#endif /* IPVL_CNI_H */
