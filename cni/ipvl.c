/*
 * ipvl: CNI plugin for ipvl links with explicit bindings (ipvl-cni(8)).
 *
 * ADD creates the link in CNI_NETNS on the port of the master (creating
 * the port when there is none), binds every address IPAM gave it and
 * configures them there; DEL, CHECK, STATUS, GC and VERSION as the CNI
 * spec 1.1.0 says. The links it creates carry the owner tag
 * "cni/NETWORK/CONTAINERID/IFNAME", by which DEL and GC find them.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"

struct cni {
	struct cni_env env;
	struct cni_conf conf;
	bool conf_ok;
	struct cni_error err;
	struct ipvl_handle *h;
};

static int kernel_fail(struct cni *c, int err, const char *what)
{
	const char *m = c->h ? ipvl_errmsg(c->h) : NULL;
	int code = CNI_ERR_KERNEL;

	if (err == -EAGAIN || err == -EBUSY || err == -EINTR)
		code = CNI_ERR_TRY_LATER;
	return cni_fail(&c->err, code, what, "%s%s%s", strerror(-err),
			m ? ": " : "", m ? m : "");
}

static int open_ipvl(struct cni *c)
{
	int err = ipvl_open(&c->h);

	if (err == -ENOENT)
		return cni_fail(&c->err, CNI_ERR_KERNEL,
				"the ipvl module is not loaded",
				"generic netlink family \"ipvl\" not found (modprobe ipvl)");
	if (err)
		return kernel_fail(c, err, "cannot talk to the ipvl module");
	return 0;
}

/* ---- environment -------------------------------------------------------- */

static bool valid_id(const char *s)
{
	if (!s || !isalnum((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static bool valid_ifname(const char *s)
{
	if (!s || !*s || strlen(s) >= IF_NAMESIZE || !strcmp(s, ".") ||
	    !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s))
			return false;
	return true;
}

static int need_env(struct cni *c, const char *name, const char *value)
{
	if (value && *value)
		return 0;
	return cni_fail(&c->err, CNI_ERR_ENV,
			"required environment variable missing", "%s", name);
}

/* The variables ADD, DEL and CHECK need. */
static int attach_env(struct cni *c, bool netns)
{
	const struct cni_env *v = &c->env;

	if (need_env(c, "CNI_CONTAINERID", v->container_id) ||
	    need_env(c, "CNI_IFNAME", v->ifname) ||
	    (netns && need_env(c, "CNI_NETNS", v->netns)) ||
	    (c->conf.ipam_type && need_env(c, "CNI_PATH", v->path)))
		return -1;
	if (!valid_id(v->container_id))
		return cni_fail(&c->err, CNI_ERR_ENV, "invalid CNI_CONTAINERID",
				"\"%s\": alphanumeric, then alphanumeric, '_', '.' or '-'",
				v->container_id);
	if (!valid_ifname(v->ifname))
		return cni_fail(&c->err, CNI_ERR_ENV, "invalid CNI_IFNAME",
				"\"%s\" is not an interface name", v->ifname);
	return 0;
}

static int owner_tag(struct cni *c, char *buf, size_t size)
{
	if (cni_owner(&c->conf, c->env.container_id, c->env.ifname, buf,
		      size))
		return cni_fail(&c->err, CNI_ERR_ENV, "CNI_CONTAINERID too long",
				"the link's owner tag would exceed %d bytes",
				IPVL_LINK_OWNER_LEN - 1);
	return 0;
}

static int open_netns(struct cni *c, int *fd)
{
	*fd = open(c->env.netns, O_RDONLY | O_CLOEXEC);
	if (*fd >= 0)
		return 0;
	if (errno == ENOENT)
		return cni_fail(&c->err, CNI_ERR_UNKNOWN,
				"the network namespace does not exist",
				"%s", c->env.netns);
	return cni_fail(&c->err, CNI_ERR_IO,
			"cannot open the network namespace", "%s: %s",
			c->env.netns, strerror(errno));
}

/* ---- the master and its port ----------------------------------------- */

static int find_master(struct cni *c, char master[IF_NAMESIZE])
{
	const struct cni_result *p = &c->conf.prev;
	struct rtnl *r;
	size_t i, n = 0;
	int err;

	if (c->conf.master) {
		snprintf(master, IF_NAMESIZE, "%s", c->conf.master);
	} else if (c->conf.has_prev) {
		/* chained: the one host interface of the previous result */
		for (i = 0; i < p->n_ifaces; i++)
			if (!p->ifaces[i].sandbox) {
				snprintf(master, IF_NAMESIZE, "%s",
					 p->ifaces[i].name);
				n++;
			}
		if (n != 1)
			return cni_fail(&c->err, CNI_ERR_CONFIG,
					"no master",
					"master is not set and prevResult has %zu host interfaces, not one",
					n);
	} else {
		err = rtnl_open(&r, -1);
		if (!err)
			err = rtnl_default_ifname(r, master);
		rtnl_close(r);
		if (err)
			return cni_fail(&c->err, CNI_ERR_CONFIG, "no master",
					"master is not set and there is no default route (%s)",
					strerror(-err));
	}
	if (!if_nametoindex(master))
		return cni_fail(&c->err, CNI_ERR_CONFIG, "master not found",
				"master \"%s\": %s", master, strerror(errno));
	return 0;
}

static int port_differs(struct cni *c, const struct ipvl_port *port)
{
	const struct cni_conf *f = &c->conf;
	char want[128] = "", have[128] = "";

	if (port->mode == f->mode && port->flags == f->flags &&
	    port->spoof_check == f->spoof_check)
		return 0;
	snprintf(have, sizeof(have), "mode %s, flags %s, spoofCheck %s",
		 ipvl_mode_name(port->mode), ipvl_port_flags_name(port->flags),
		 port->spoof_check ? "true" : "false");
	snprintf(want, sizeof(want), "mode %s, flags %s, spoofCheck %s",
		 ipvl_mode_name(f->mode), ipvl_port_flags_name(f->flags),
		 f->spoof_check ? "true" : "false");
	return cni_fail(&c->err, CNI_ERR_CONFIG,
			"the master's port has another mode or flags",
			"port on %s has %s; the configuration wants %s",
			port->ifname, have, want);
}

/* The port of master, created when there is none (*created then). */
static int ensure_port(struct cni *c, const char *master, bool *created)
{
	struct ipvl_port_config cfg = {
		.mask = IPVL_PORT_CFG_MODE | IPVL_PORT_CFG_FLAGS |
			IPVL_PORT_CFG_SPOOF_CHECK,
		.mode = c->conf.mode,
		.flags = c->conf.flags,
		.spoof_check = c->conf.spoof_check,
	};
	struct ipvl_port_ref ref = { 0 };
	struct ipvl_port port;
	int err, tries;

	*created = false;
	snprintf(ref.ifname, sizeof(ref.ifname), "%s", master);
	for (tries = 0; tries < 3; tries++) {
		err = ipvl_port_get(c->h, &ref, &port);
		if (!err)
			return port_differs(c, &port);
		if (err != -ENOENT)
			return kernel_fail(c, err, "cannot get the master's port");
		err = ipvl_port_new(c->h, &ref, &cfg, NULL);
		if (!err) {
			*created = true;
			return 0;
		}
		/* another ADD made it first: compare with that one */
		if (err != -EEXIST)
			return kernel_fail(c, err, "cannot create the port");
	}
	return kernel_fail(c, -EAGAIN, "the master's port keeps changing");
}

/* ---- links by owner ---------------------------------------------------- */

struct owned {
	const char *tag;		/* the whole tag, or NULL */
	const char *prefix;		/* or its prefix */
	struct ipvl_link *links;
	size_t n, cap;
	int err;
};

static int owned_cb(const struct ipvl_link *link, void *data)
{
	struct owned *o = data;

	if (o->tag ? strcmp(link->owner, o->tag) :
	    strncmp(link->owner, o->prefix, strlen(o->prefix)))
		return 0;
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 4;
		struct ipvl_link *l = realloc(o->links, cap * sizeof(*l));

		if (!l) {
			o->err = -ENOMEM;
			return -ENOMEM;
		}
		o->links = l;
		o->cap = cap;
	}
	o->links[o->n++] = *link;
	return 0;
}

static int find_owned(struct cni *c, struct owned *o)
{
	int err = ipvl_link_dump(c->h, NULL, owned_cb, o);

	if (o->err)
		err = o->err;
	if (err)
		return kernel_fail(c, err, "cannot list the links");
	return 0;
}

static void del_link(struct cni *c, uint32_t id)
{
	struct ipvl_link_ref ref = { .id = id };

	ipvl_link_del(c->h, &ref);
}

/* ---- ADD --------------------------------------------------------------- */

/* The gateway of the first address of a family, for routes without one. */
static const struct ipvl_ipaddr *family_gw(const struct cni_result *r,
					   int family)
{
	size_t i;

	for (i = 0; i < r->n_ips; i++)
		if (r->ips[i].has_gw && r->ips[i].gw.family == family)
			return &r->ips[i].gw;
	return NULL;
}

static int configure_netns(struct cni *c, int nsfd, struct cni_result *res,
			   unsigned char mac[6])
{
	struct rtnl *r;
	uint32_t ifindex;
	const char *step;
	size_t i;
	int err;

	err = rtnl_open(&r, nsfd);
	if (err)
		return cni_fail(&c->err, CNI_ERR_NETNS,
				"cannot enter the network namespace", "%s: %s",
				c->env.netns, strerror(-err));
	step = "link";
	err = rtnl_link_get(r, c->env.ifname, &ifindex, mac);
	if (!err) {
		step = "link up";
		err = rtnl_link_up(r, ifindex);
	}
	for (i = 0; !err && i < res->n_ips; i++) {
		step = "address";
		err = rtnl_addr_add(r, ifindex, &res->ips[i].address);
	}
	for (i = 0; !err && i < res->n_routes; i++) {
		const struct cni_route *rt = &res->routes[i];

		step = "route";
		err = rtnl_route_add(r, ifindex, &rt->dst, rt->has_gw ? &rt->gw :
				     family_gw(res, rt->dst.addr.family));
	}
	rtnl_close(r);
	if (err)
		return cni_fail(&c->err, CNI_ERR_NETNS,
				"cannot configure the container's interface",
				"%s of %s: %s", step, c->env.ifname,
				strerror(-err));
	return 0;
}

static int bind_all(struct cni *c, uint32_t id, const struct cni_result *res)
{
	struct ipvl_link_ref ref = { .id = id };
	struct ipvl_ipaddr *addrs;
	size_t i;
	int err;

	addrs = calloc(res->n_ips + 1, sizeof(*addrs));
	if (!addrs)
		return cni_fail(&c->err, CNI_ERR_IO, "out of memory", NULL);
	for (i = 0; i < res->n_ips; i++)
		addrs[i] = res->ips[i].address.addr;
	err = ipvl_addr_replace(c->h, &ref, addrs, res->n_ips);
	free(addrs);
	if (err)
		return kernel_fail(c, err, "cannot bind the addresses");
	return 0;
}

static int print_add_result(struct cni *c, struct cni_result *res,
			    const unsigned char mac[6])
{
	json_t *o, *ifs, *f;
	char m[18];
	size_t i;
	int err;

	for (i = 0; i < res->n_ips; i++)
		res->ips[i].iface = 0;
	if (!res->dns && c->conf.dns)
		res->dns = json_incref(c->conf.dns);
	o = cni_result_json(res, c->conf.version, c->conf.vidx);
	snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
		 mac[1], mac[2], mac[3], mac[4], mac[5]);
	f = json_object();
	json_object_set_new(f, "name", json_string(c->env.ifname));
	json_object_set_new(f, "mac", json_string(m));
	json_object_set_new(f, "sandbox", json_string(c->env.netns));
	ifs = json_array();
	json_array_append_new(ifs, f);
	json_object_set_new(o, "interfaces", ifs);
	err = cni_print(o);
	json_decref(o);
	if (err)
		return cni_fail(&c->err, CNI_ERR_IO, "cannot write the result",
				NULL);
	return 0;
}

static int cmd_add(struct cni *c)
{
	struct ipvl_link_config cfg = { 0 };
	struct cni_result res = { 0 };
	bool port_created = false, ipam_done = false;
	char master[IF_NAMESIZE], owner[IPVL_LINK_OWNER_LEN];
	unsigned char mac[6] = { 0 };
	struct cni_error saved;
	struct ipvl_link link;
	int nsfd = -1, err;
	uint32_t id = 0;

	if (attach_env(c, true) || owner_tag(c, owner, sizeof(owner)) ||
	    find_master(c, master) || open_netns(c, &nsfd) || open_ipvl(c))
		goto fail;
	if (ensure_port(c, master, &port_created))
		goto fail;

	snprintf(cfg.ifname, sizeof(cfg.ifname), "%s", c->env.ifname);
	snprintf(cfg.port.ifname, sizeof(cfg.port.ifname), "%s", master);
	cfg.has_netns_fd = true;
	cfg.netns_fd = nsfd;
	cfg.mtu = c->conf.mtu;
	cfg.owner = owner;
	err = ipvl_link_new(c->h, &cfg, &link);
	if (err) {
		kernel_fail(c, err, "cannot create the link");
		goto fail;
	}
	id = link.id;

	if (c->conf.ipam_type) {
		if (cni_ipam_exec(&c->conf, &c->env, "ADD", &res, &c->err))
			goto fail;
		ipam_done = true;
	} else if (c->conf.has_prev) {
		struct cni_result *p = &c->conf.prev;

		/* chained: the previous result's addresses are ours now */
		res = *p;
		memset(p, 0, sizeof(*p));
		free(res.ifaces);
		res.ifaces = NULL;
		res.n_ifaces = 0;
	}
	if (bind_all(c, id, &res) || configure_netns(c, nsfd, &res, mac))
		goto fail;
	if (print_add_result(c, &res, mac))
		goto fail;
	cni_result_free(&res);
	close(nsfd);
	return 0;

fail:
	/* undo everything, keeping the first error */
	saved = c->err;
	if (id)
		del_link(c, id);
	if (ipam_done) {
		struct cni_error ignored;

		cni_ipam_exec(&c->conf, &c->env, "DEL", NULL, &ignored);
	}
	if (port_created) {
		struct ipvl_port_ref ref = { 0 };

		snprintf(ref.ifname, sizeof(ref.ifname), "%s", master);
		ipvl_port_del(c->h, &ref, false);
	}
	c->err = saved;
	cni_result_free(&res);
	if (nsfd >= 0)
		close(nsfd);
	return -1;
}

/* ---- DEL --------------------------------------------------------------- */

static int cmd_del(struct cni *c)
{
	char owner[IPVL_LINK_OWNER_LEN];
	struct owned o = { 0 };
	size_t i;
	int err;

	if (attach_env(c, false) || owner_tag(c, owner, sizeof(owner)))
		return -1;
	/* best effort: no module, no link, no namespace are all fine */
	if (!ipvl_open(&c->h)) {
		o.tag = owner;
		if (!ipvl_link_dump(c->h, NULL, owned_cb, &o))
			for (i = 0; i < o.n; i++)
				del_link(c, o.links[i].id);
		free(o.links);
	}
	/* IPAM DEL always, as the spec wants */
	if (c->conf.ipam_type) {
		err = cni_ipam_exec(&c->conf, &c->env, "DEL", NULL, &c->err);
		if (err)
			return err;
	}
	return 0;
}

/* ---- CHECK ------------------------------------------------------------- */

struct bound {
	struct ipvl_ipaddr *addrs;
	size_t n, cap;
};

static int bound_cb(const struct ipvl_addr *a, void *data)
{
	struct bound *b = data;

	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 8;
		struct ipvl_ipaddr *n = realloc(b->addrs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		b->addrs = n;
		b->cap = cap;
	}
	b->addrs[b->n++] = a->addr;
	return 0;
}

static bool same_addr(const struct ipvl_ipaddr *a, const struct ipvl_ipaddr *b)
{
	if (a->family != b->family)
		return false;
	return a->family == AF_INET ? a->v4.s_addr == b->v4.s_addr :
	       !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

static bool has_addr(const struct ipvl_ipaddr *set, size_t n,
		     const struct ipvl_ipaddr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same_addr(&set[i], a))
			return true;
	return false;
}

/* Is ips entry i of the previous result on our interface? */
static bool ours(const struct cni *c, const struct cni_ip *ip)
{
	const struct cni_result *p = &c->conf.prev;
	const struct cni_iface *f;

	if (ip->iface < 0)
		return true;
	if ((size_t)ip->iface >= p->n_ifaces)
		return false;
	f = &p->ifaces[ip->iface];
	return !strcmp(f->name, c->env.ifname) &&
	       (!f->sandbox || !strcmp(f->sandbox, c->env.netns));
}

static int check_fail(struct cni *c, const char *fmt, const char *arg)
{
	return cni_fail(&c->err, CNI_ERR_CHECK, "CHECK failed", fmt, arg);
}

static int check_link(struct cni *c, const struct ipvl_link *link, int nsfd)
{
	const struct cni_result *p = &c->conf.prev;
	struct ipvl_ipaddr *want;
	struct bound b = { 0 };
	struct rtnl *r = NULL;
	char a[IPVL_IPADDR_STRLEN];
	struct ipvl_link_ref ref = { .id = link->id };
	uint32_t ifindex;
	size_t i, n = 0;
	int err;

	if (c->conf.master && strcmp(link->port_ifname, c->conf.master))
		return check_fail(c, "the link is on the port of %s, not of the master",
				  link->port_ifname);
	err = rtnl_open(&r, nsfd);
	if (err)
		return cni_fail(&c->err, CNI_ERR_NETNS,
				"cannot enter the network namespace", "%s: %s",
				c->env.netns, strerror(-err));
	if (rtnl_link_get(r, c->env.ifname, &ifindex, NULL) ||
	    ifindex != link->ifindex) {
		rtnl_close(r);
		return check_fail(c, "%s is not the plugin's link in the namespace",
				  c->env.ifname);
	}
	want = calloc(p->n_ips + 1, sizeof(*want));
	err = want ? ipvl_addr_dump(c->h, &ref, NULL, bound_cb, &b) : -ENOMEM;
	if (err) {
		free(want);
		rtnl_close(r);
		free(b.addrs);
		return kernel_fail(c, err, "cannot list the link's bindings");
	}
	for (i = 0; !err && i < p->n_ips; i++) {
		const struct cni_ip *ip = &p->ips[i];

		if (!ours(c, ip))
			continue;
		want[n++] = ip->address.addr;
		ipvl_ipaddr_format(&ip->address.addr, a, sizeof(a));
		if (!has_addr(b.addrs, b.n, &ip->address.addr))
			err = check_fail(c, "%s is not bound to the link", a);
		else if (!rtnl_addr_has(r, ifindex, &ip->address))
			err = check_fail(c, "%s is not configured in the namespace",
					 a);
	}
	for (i = 0; !err && i < b.n; i++)
		if (!has_addr(want, n, &b.addrs[i]))
			err = check_fail(c, "%s is bound to the link but not in the result",
					 ipvl_ipaddr_format(&b.addrs[i], a,
							    sizeof(a)));
	free(want);
	free(b.addrs);
	rtnl_close(r);
	return err ? -1 : 0;
}

static int cmd_check(struct cni *c)
{
	char owner[IPVL_LINK_OWNER_LEN];
	struct owned o = { 0 };
	int nsfd = -1, err;

	if (c->conf.vidx < CNI_VERSION_0_4_0)
		return cni_fail(&c->err, CNI_ERR_VERSION,
				"config version does not allow CHECK",
				"CHECK needs 0.4.0 or newer, config is %s",
				c->conf.version);
	if (attach_env(c, true) || owner_tag(c, owner, sizeof(owner)))
		return -1;
	if (!c->conf.has_prev)
		return cni_fail(&c->err, CNI_ERR_CONFIG,
				"required prevResult missing", NULL);
	if (open_ipvl(c) || open_netns(c, &nsfd))
		return -1;
	o.tag = owner;
	err = find_owned(c, &o);
	if (!err && o.n != 1)
		err = check_fail(c, "no ipvl link is tagged %s", owner);
	if (!err)
		err = check_link(c, &o.links[0], nsfd);
	free(o.links);
	close(nsfd);
	/* then the IPAM plugin's own check */
	if (!err && c->conf.ipam_type)
		err = cni_ipam_exec(&c->conf, &c->env, "CHECK", NULL, &c->err);
	return err;
}

/* ---- STATUS and GC ----------------------------------------------------- */

/* Old IPAM plugins know neither STATUS nor GC: that is not an error. */
static int ipam_optional(struct cni *c, const char *command)
{
	struct cni_error e;

	if (!c->conf.ipam_type || !c->env.path)
		return 0;
	if (!cni_ipam_exec(&c->conf, &c->env, command, NULL, &e) ||
	    e.code == CNI_ERR_VERSION || e.code == CNI_ERR_ENV)
		return 0;
	c->err = e;
	return -1;
}

static int cmd_status(struct cni *c)
{
	char master[IF_NAMESIZE];
	struct ipvl_info info;
	int err;

	if (c->conf.vidx < CNI_VERSION_1_1_0)
		return cni_fail(&c->err, CNI_ERR_VERSION,
				"config version does not allow STATUS",
				"STATUS needs 1.1.0, config is %s",
				c->conf.version);
	if (open_ipvl(c)) {
		c->err.code = CNI_ERR_UNAVAILABLE;
		return -1;
	}
	err = ipvl_get_info(c->h, &info);
	if (err) {
		kernel_fail(c, err, "the ipvl module does not answer");
		c->err.code = CNI_ERR_UNAVAILABLE;
		return -1;
	}
	if (find_master(c, master)) {
		c->err.code = CNI_ERR_UNAVAILABLE;
		return -1;
	}
	return ipam_optional(c, "STATUS");
}

static bool valid_attachment(const json_t *valid, const char *cid,
			     const char *ifname)
{
	size_t i;
	json_t *v;

	json_array_foreach(valid, i, v) {
		const char *a = json_string_value(json_object_get(v,
							"containerID"));
		const char *b = json_string_value(json_object_get(v, "ifname"));

		if (a && b && !strcmp(a, cid) && !strcmp(b, ifname))
			return true;
	}
	return false;
}

static int cmd_gc(struct cni *c)
{
	char prefix[64];
	struct owned o = { 0 };
	size_t i;

	if (c->conf.vidx < CNI_VERSION_1_1_0)
		return cni_fail(&c->err, CNI_ERR_VERSION,
				"config version does not allow GC",
				"GC needs 1.1.0, config is %s", c->conf.version);
	if (cni_owner_prefix(&c->conf, prefix, sizeof(prefix)))
		return cni_fail(&c->err, CNI_ERR_CONFIG, "invalid name", NULL);
	/* without the module there is no link to collect */
	if (!ipvl_open(&c->h)) {
		o.prefix = prefix;
		if (find_owned(c, &o)) {
			free(o.links);
			return -1;
		}
		for (i = 0; i < o.n; i++) {
			char *rest = o.links[i].owner + strlen(prefix);
			char *slash = strchr(rest, '/');

			if (!slash)
				continue;
			*slash = '\0';
			if (!c->conf.valid ||
			    !valid_attachment(c->conf.valid, rest, slash + 1))
				del_link(c, o.links[i].id);
		}
		free(o.links);
	}
	return ipam_optional(c, "GC");
}

/* ---- VERSION and main -------------------------------------------------- */

static int cmd_version(struct cni *c)
{
	json_t *o = json_object(), *list = json_array();
	int i, err;

	for (i = 0; cni_versions[i]; i++)
		json_array_append_new(list, json_string(cni_versions[i]));
	json_object_set_new(o, "cniVersion", json_string(
		c->conf.version && c->conf.vidx >= 0 ? c->conf.version :
		CNI_VERSION_LATEST));
	json_object_set_new(o, "supportedVersions", list);
	err = cni_print(o);
	json_decref(o);
	return err ? cni_fail(&c->err, CNI_ERR_IO, "cannot write", NULL) : 0;
}

static char *read_stdin(size_t *lenp)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap);

	while (buf) {
		size_t n;

		if (len == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb)
				break;
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, stdin);
		len += n;
		if (n == 0) {
			if (ferror(stdin))
				break;
			*lenp = len;
			return buf;
		}
	}
	free(buf);
	return NULL;
}

static const struct {
	const char *name;
	int (*fn)(struct cni *c);
} commands[] = {
	{ "ADD", cmd_add },
	{ "DEL", cmd_del },
	{ "CHECK", cmd_check },
	{ "STATUS", cmd_status },
	{ "GC", cmd_gc },
	{ "VERSION", cmd_version },
};

int main(void)
{
	struct cni c = { 0 };
	struct cni_error perr = { 0 };
	int (*fn)(struct cni *c) = NULL;
	size_t len, i;
	char *in;
	int ret;

	c.env.command = getenv("CNI_COMMAND");
	c.env.container_id = getenv("CNI_CONTAINERID");
	c.env.netns = getenv("CNI_NETNS");
	c.env.ifname = getenv("CNI_IFNAME");
	c.env.args = getenv("CNI_ARGS");
	c.env.path = getenv("CNI_PATH");

	in = read_stdin(&len);
	if (!in) {
		cni_fail(&c.err, CNI_ERR_IO, "cannot read the configuration",
			 "stdin: %s", strerror(errno));
		goto out;
	}
	c.conf_ok = !cni_conf_parse(in, len, &c.conf, &perr);
	free(in);

	for (i = 0; c.env.command && i < sizeof(commands) / sizeof(*commands);
	     i++)
		if (!strcmp(c.env.command, commands[i].name))
			fn = commands[i].fn;
	if (!c.env.command || !*c.env.command)
		need_env(&c, "CNI_COMMAND", c.env.command);
	else if (!fn)
		cni_fail(&c.err, CNI_ERR_ENV, "unknown CNI_COMMAND", "\"%s\"",
			 c.env.command);
	else if (fn == cmd_version)
		cmd_version(&c);
	else if (!c.conf_ok)
		c.err = perr;
	else
		fn(&c);
out:
	ret = c.err.code ? 1 : 0;
	if (c.err.code)
		cni_print_error(&c.err, c.conf.vidx >= 0 && c.conf.version ?
				c.conf.version : CNI_VERSION_LATEST);
	ipvl_close(c.h);
	cni_conf_free(&c.conf);
	return ret;
}
