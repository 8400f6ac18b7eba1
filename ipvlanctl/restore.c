/*
 * ipvlanctl restore FILE [ check ]: apply a configuration (the output of
 * save, ipvlanctl.conf(5)) idempotently, or only check it.
 *
 * restore is a batch (batch.c) restricted to port add, link add, addr
 * bind and addr replace, in which a port add finding the same port and a
 * link add finding the same link succeed (every link add is exist-ok).
 *
 * check applies nothing. The commands tell what they would change in the
 * check pass (cli_plan()); the changes are then played, in order, on a
 * model of the running state (the ports, links and bindings dumped, the
 * devices and addresses of the namespace) with the kernel's rules: each
 * line that would change something is printed, each that the kernel would
 * refuse is reported as an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include "cli.h"

const char cli_restore_usage[] = "ipvlanctl restore FILE [ check ]";

/* ---- the changes, as told by the commands -------------------------------- */

struct change {
	unsigned int lineno;
	enum cli_change_kind kind;
	char dev[IF_NAMESIZE];		/* port add: the master; link add:
					   its port */
	struct ipvl_port want;		/* port add */
	char link[IF_NAMESIZE];		/* link add, addr bind, addr replace */
	char *netns;			/* link add */
	uint32_t mtu;			/* link add; 0: the default */
	struct ipvl_ipaddr *addrs;
	size_t count;
};

struct cli_planner {
	struct change *v;
	size_t n, cap;
	bool nomem;
};

int cli_plan(struct cli *c, const struct cli_change *ch)
{
	struct cli_planner *p = c->planner;
	struct change *x;

	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;

		x = reallocarray(p->v, cap, sizeof(*x));
		if (!x)
			return cli_error(c, "out of memory");
		p->v = x;
		p->cap = cap;
	}
	x = &p->v[p->n];
	memset(x, 0, sizeof(*x));
	x->lineno = c->lineno;
	x->kind = ch->kind;
	switch (ch->kind) {
	case CLI_CHANGE_PORT:
		snprintf(x->dev, sizeof(x->dev), "%s", ch->port->ifname);
		port_config_defaults(ch->port_cfg, &x->want);
		break;
	case CLI_CHANGE_LINK:
		snprintf(x->dev, sizeof(x->dev), "%s",
			 ch->link_cfg->port.ifname);
		snprintf(x->link, sizeof(x->link), "%s", ch->link_cfg->ifname);
		x->mtu = ch->link_cfg->mtu;
		if (ch->netns && !(x->netns = strdup(ch->netns)))
			return cli_error(c, "out of memory");
		break;
	default:
		snprintf(x->link, sizeof(x->link), "%s", ch->link->ifname);
		if (ch->count) {
			x->addrs = calloc(ch->count, sizeof(*x->addrs));
			if (!x->addrs) {
				free(x->netns);
				return cli_error(c, "out of memory");
			}
			memcpy(x->addrs, ch->addrs,
			       ch->count * sizeof(*x->addrs));
		}
		x->count = ch->count;
		break;
	}
	p->n++;
	return EXIT_OK;
}

static void planner_free(struct cli_planner *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].netns);
		free(p->v[i].addrs);
	}
	free(p->v);
}

/* ---- the model of the running state -------------------------------------- */

struct mport {
	char name[IF_NAMESIZE];
	struct ipvl_port p;
	uint32_t mtu;			/* of the master */
};

struct mlink {
	char name[IF_NAMESIZE];
	size_t port;			/* index in ports */
	bool has_nsid;			/* false: in our namespace */
	int32_t nsid;
	uint32_t mtu;
};

struct model {
	struct mport *ports;
	size_t nports;
	struct mlink *links;
	size_t nlinks, cap_links;
	struct addrmap binds;		/* (port, address) -> link */
	struct ipvl_ipaddr *host;	/* the addresses of our namespace */
	size_t nhost;
	struct cli_netns_map *names;
	unsigned int errors;
	ssize_t last;			/* the link found by name last */
};

static void model_free(struct model *m)
{
	free(m->ports);
	free(m->links);
	addrmap_clear(&m->binds);
	free(m->host);
	cli_netns_map_free(m->names);
}

static struct mport *port_by_name(struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nports; i++)
		if (strcmp(m->ports[i].name, name) == 0)
			return &m->ports[i];
	return NULL;
}

static int add_port(const struct ipvl_port *p, void *data)
{
	struct model *m = data;
	struct mport *v = reallocarray(m->ports, m->nports + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	m->ports = v;
	v = &m->ports[m->nports++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", p->ifname);
	v->p = *p;
	if (cli_dev_mtu(p->ifname, &v->mtu) < 0)
		v->mtu = UINT32_MAX;
	return 0;
}

static int link_push(struct model *m, const struct mlink *l)
{
	if (m->nlinks == m->cap_links) {
		size_t cap = m->cap_links ? 2 * m->cap_links : 64;
		struct mlink *v = reallocarray(m->links, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->links = v;
		m->cap_links = cap;
	}
	m->links[m->nlinks++] = *l;
	return 0;
}

struct dumped {
	struct model *m;
	uint32_t *ids;			/* link id of each model link, in the
					   order of the dump: ascending */
	size_t nids, cap;
};

static int add_link(const struct ipvl_link *l, void *data)
{
	struct dumped *d = data;
	struct model *m = d->m;
	struct mlink ml = { 0 };
	uint32_t *ids;
	size_t i;

	for (i = 0; i < m->nports; i++)
		if (m->ports[i].p.ifindex == l->port_ifindex)
			break;
	if (i == m->nports)
		return 0;	/* its port is not in our namespace */
	snprintf(ml.name, sizeof(ml.name), "%s", l->ifname);
	ml.port = i;
	ml.has_nsid = l->has_netnsid;
	ml.nsid = l->netnsid;
	ml.mtu = l->mtu;
	if (d->nids && l->id <= d->ids[d->nids - 1])
		return -EPROTO;		/* not in id order: not as dumped */
	if (d->nids == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		ids = reallocarray(d->ids, d->cap, sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		d->ids = ids;
	}
	d->ids[d->nids++] = l->id;
	return link_push(m, &ml);
}

static int id_cmp(const void *key, const void *elem)
{
	uint32_t a = *(const uint32_t *)key, b = *(const uint32_t *)elem;

	return a < b ? -1 : a > b;
}

static int add_binding(const struct ipvl_addr *a, void *data)
{
	struct dumped *d = data;
	uint32_t *id = bsearch(&a->link_id, d->ids, d->nids, sizeof(*d->ids),
			       id_cmp);

	if (!id)
		return 0;	/* a link of another namespace's port */
	return addrmap_put(&d->m->binds, d->m->links[id - d->ids].port,
			   &a->addr, (size_t)(id - d->ids));
}

static int load_host_addrs(struct model *m)
{
	struct ifaddrs *ifa, *i;
	size_t n = 0;

	if (getifaddrs(&ifa) < 0)
		return -errno;
	for (i = ifa; i; i = i->ifa_next)
		n++;
	m->host = calloc(n ? n : 1, sizeof(*m->host));
	if (!m->host) {
		freeifaddrs(ifa);
		return -ENOMEM;
	}
	for (i = ifa; i; i = i->ifa_next) {
		struct ipvl_ipaddr *a = &m->host[m->nhost];

		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			a->family = AF_INET;
			a->v4 = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			m->nhost++;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			a->family = AF_INET6;
			a->v6 = ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			m->nhost++;
		}
	}
	freeifaddrs(ifa);
	return 0;
}

static int model_load(struct cli *c, struct model *m)
{
	struct dumped d = { .m = m };
	int ret, err;

	ret = cli_handle(c);
	if (ret)
		return ret;
	err = ipvl_port_dump(c->h, add_port, m);
	if (!err)
		err = ipvl_link_dump(c->h, NULL, add_link, &d);
	if (!err)
		err = ipvl_addr_dump(c->h, NULL, NULL, add_binding, &d);
	free(d.ids);
	if (!err)
		err = load_host_addrs(m);
	if (err)
		return cli_kernel_error(c, err);
	return cli_netns_map_load(c, &m->names);
}

/* ---- the kernel's rules --------------------------------------------------- */

static int conflict(struct cli *c, struct model *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int conflict(struct cli *c, struct model *m, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m->errors++;
	return cli_refused(c, "%s", msg);
}

/* Does a device of that name exist in a named namespace (NULL: ours)? */
static bool dev_exists_in(const char *netns, const char *name)
{
	char path[PATH_MAX];
	int self, fd;
	bool found;

	if (!netns)
		return if_nametoindex(name) != 0;
	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || setns(fd, CLONE_NEWNET) < 0) {
		found = false;
	} else {
		found = if_nametoindex(name) != 0;
		if (setns(self, CLONE_NEWNET) < 0)
			abort();	/* cannot come back: nothing is safe */
	}
	if (self >= 0)
		close(self);
	close(fd);
	return found;
}

/* The checks of the kernel that do not depend on the table. */
static const char *addr_refused(const struct model *m,
				const struct ipvl_ipaddr *a)
{
	size_t i;

	if (a->family == AF_INET) {
		uint32_t v = ntohl(a->v4.s_addr);

		if ((v >> 24) == 0 || (v >> 28) == 0xe || (v >> 24) == 127 ||
		    v == 0xffffffff)
			return "address must be a unicast IPv4 address";
	} else {
		const struct in6_addr *v = &a->v6;

		if (IN6_IS_ADDR_UNSPECIFIED(v) || IN6_IS_ADDR_MULTICAST(v) ||
		    IN6_IS_ADDR_LOOPBACK(v) || IN6_IS_ADDR_V4MAPPED(v) ||
		    IN6_IS_ADDR_LINKLOCAL(v))
			return "address must be a global or unique-local IPv6 unicast address";
	}
	for (i = 0; i < m->nhost; i++)
		if (cli_addr_equal(&m->host[i], a))
			return "address is configured in the master's namespace: it belongs to the host";
	return NULL;
}

static bool same_netns(const struct mlink *l, bool has_nsid, int32_t nsid)
{
	return l->has_nsid == has_nsid && (!has_nsid || l->nsid == nsid);
}

/* port add: 1 when it would change something, 0 if not, <0 refused. */
static int play_port(struct cli *c, struct model *m, const struct change *x)
{
	struct mport *p = port_by_name(m, x->dev);
	struct ipvl_port q = { 0 };
	char a[64], b[64];

	if (p) {
		if (port_same(&p->p, &x->want))
			return 0;
		return -conflict(c, m, "port on %s exists with other settings: %s, not %s",
				 x->dev, port_settings(&p->p, a, sizeof(a)),
				 port_settings(&x->want, b, sizeof(b)));
	}
	if (!dev_exists_in(NULL, x->dev))
		return -conflict(c, m, "no such device %s", x->dev);
	q = x->want;
	snprintf(q.ifname, sizeof(q.ifname), "%s", x->dev);
	if (add_port(&q, m))
		return -cli_error(c, "out of memory");
	return 1;
}

static int play_link(struct cli *c, struct model *m, const struct change *x)
{
	struct mport *p = port_by_name(m, x->dev);
	bool has_nsid = x->netns != NULL;
	int32_t nsid = -1;
	struct mlink l = { 0 };
	size_t i;

	if (!p && dev_exists_in(NULL, x->dev))
		return -conflict(c, m, "device %s has no ipvl port", x->dev);
	if (!p)
		return -conflict(c, m, "no such device %s", x->dev);
	if (x->mtu && x->mtu > p->mtu)
		return -conflict(c, m, "mtu %u is larger than the master's (%u)",
				 x->mtu, p->mtu);
	if (has_nsid && !cli_netns_map_nsid(m->names, x->netns, &nsid))
		return -conflict(c, m, "no network namespace %s", x->netns);
	/* in the target namespace: the same link (exist-ok), or not */
	for (i = 0; i < m->nlinks; i++) {
		const struct mlink *o = &m->links[i];

		if (strcmp(o->name, x->link) || !same_netns(o, has_nsid, nsid))
			continue;
		if (&m->ports[o->port] != p)
			return -conflict(c, m, "a link named %s exists on port %s",
					 x->link, m->ports[o->port].name);
		if (x->mtu && x->mtu != o->mtu)
			return -conflict(c, m, "link %s exists with mtu %u",
					 x->link, o->mtu);
		return 0;
	}
	/* elsewhere: the name would name two links */
	for (i = 0; i < m->nlinks; i++)
		if (strcmp(m->links[i].name, x->link) == 0)
			return -conflict(c, m, "a link named %s exists on port %s in another namespace: the names would be ambiguous",
					 x->link, m->ports[m->links[i].port].name);
	if (dev_exists_in(x->netns, x->link))
		return -conflict(c, m, "a device named %s exists in the target namespace",
				 x->link);
	snprintf(l.name, sizeof(l.name), "%s", x->link);
	l.port = (size_t)(p - m->ports);
	l.has_nsid = has_nsid;
	l.nsid = nsid;
	l.mtu = x->mtu ? x->mtu : p->mtu;
	if (link_push(m, &l))
		return -cli_error(c, "out of memory");
	return 1;
}

/*
 * The link an addr command names; -1 (reported) if none or ambiguous. A
 * name found once stays unique: links are only added, and never with the
 * name of another.
 */
static ssize_t find_link(struct cli *c, struct model *m, const char *name)
{
	ssize_t found = -1;
	size_t i;

	if (m->last >= 0 && strcmp(m->links[m->last].name, name) == 0)
		return m->last;
	for (i = 0; i < m->nlinks; i++) {
		if (strcmp(m->links[i].name, name))
			continue;
		if (found >= 0) {
			conflict(c, m, "link name %s is ambiguous", name);
			return -1;
		}
		found = (ssize_t)i;
	}
	if (found < 0)
		conflict(c, m, "no such link %s", name);
	else
		m->last = found;
	return found;
}

/* The address may go to the link: 0, or refused (reported). */
static int addr_check(struct cli *c, struct model *m, size_t link,
		      const struct ipvl_ipaddr *a, struct addrmap_ent **holder)
{
	const char *why = addr_refused(m, a);
	char text[IPVL_IPADDR_STRLEN];

	ipvl_ipaddr_format(a, text, sizeof(text));
	*holder = addrmap_get(&m->binds, m->links[link].port, a);
	if (*holder && (*holder)->value != link)
		return -conflict(c, m, "%s: address is bound to link %s of this port",
				 text, m->links[(*holder)->value].name);
	if (!*holder && why)
		return -conflict(c, m, "%s: %s", text, why);
	return 0;
}

static int play_bind(struct cli *c, struct model *m, const struct change *x)
{
	ssize_t link = find_link(c, m, x->link);
	struct addrmap_ent *holder;
	bool changed = false;
	size_t i;

	if (link < 0)
		return -EXIT_KERNEL;
	for (i = 0; i < x->count; i++) {
		if (addr_check(c, m, (size_t)link, &x->addrs[i], &holder))
			return -EXIT_KERNEL;	/* the line stops there */
		if (holder)
			continue;
		if (addrmap_put(&m->binds, m->links[link].port, &x->addrs[i],
				(size_t)link))
			return -cli_error(c, "out of memory");
		changed = true;
	}
	return changed;
}

static int play_replace(struct cli *c, struct model *m,
			const struct change *x)
{
	ssize_t link = find_link(c, m, x->link);
	struct addrmap_ent *holder, *e;
	size_t i, kept = 0, had = 0, distinct = 0, pos = 0;
	int bad = 0;

	if (link < 0)
		return -EXIT_KERNEL;
	/* validated whole, as the kernel does, before any change */
	for (i = 0; i < x->count; i++) {
		size_t k;

		for (k = 0; k < i; k++)
			if (cli_addr_equal(&x->addrs[k], &x->addrs[i]))
				break;
		if (k < i)
			continue;	/* listed twice */
		distinct++;
		if (addr_check(c, m, (size_t)link, &x->addrs[i], &holder))
			bad = 1;
		else if (holder)
			kept++;
	}
	if (bad)
		return -EXIT_KERNEL;
	while ((e = addrmap_next(&m->binds, &pos)))
		if (e->value == (size_t)link)
			had++;
	if (kept == had && kept == distinct)
		return 0;
	pos = 0;
	while ((e = addrmap_next(&m->binds, &pos)))
		if (e->value == (size_t)link)
			addrmap_del(&m->binds, e);
	for (i = 0; i < x->count; i++)
		if (addrmap_put(&m->binds, m->links[link].port, &x->addrs[i],
				(size_t)link))
			return -cli_error(c, "out of memory");
	return 1;
}

static int restore_check(struct cli *c, struct cli_script *s)
{
	struct cli_planner p = { 0 };
	struct model m = { .last = -1 };
	int ret, r;
	size_t i;

	c->planner = &p;
	ret = cli_script_check(c, s, true);
	c->planner = NULL;
	if (ret && !c->force)
		goto out;
	r = model_load(c, &m);
	if (r) {
		ret = r;
		goto out;
	}
	c->file = cli_script_name(s);
	for (i = 0; i < p.n; i++) {
		const struct change *x = &p.v[i];

		c->lineno = x->lineno;
		switch (x->kind) {
		case CLI_CHANGE_PORT:
			r = play_port(c, &m, x);
			break;
		case CLI_CHANGE_LINK:
			r = play_link(c, &m, x);
			break;
		case CLI_CHANGE_BIND:
			r = play_bind(c, &m, x);
			break;
		default:
			r = play_replace(c, &m, x);
			break;
		}
		if (r > 0)
			printf("%s:%u: %s\n", c->file, x->lineno,
			       cli_script_text(s, x->lineno));
		else if (r == -EXIT_USAGE)
			ret = EXIT_USAGE;
	}
	c->file = NULL;
	if (m.errors)
		ret = EXIT_KERNEL;
out:
	model_free(&m);
	planner_free(&p);
	return ret;
}

int cli_restore(struct cli *c, int argc, char **argv)
{
	struct cli_script *s;
	bool check = false;
	int ret, r;

	if (argc == 1 && cli_is(argv[0], "help"))
		return cli_help_usage(c, cli_restore_usage);
	if (argc == 0)
		return cli_missing(c, "restore", "FILE");
	if (argc > 1) {
		if (!cli_is(argv[1], "check"))
			return cli_junk(c, "restore", argv[1]);
		check = true;
	}
	if (argc > 2)
		return cli_junk(c, "restore", argv[2]);
	if (c->in_batch)
		return cli_error(c, "restore: not available in a batch");
	if (c->json)
		return cli_error(c, "restore: prints no JSON: drop -j");

	ret = cli_script_read(c, argv[0], &s);
	if (ret)
		return ret;
	if (check) {
		ret = restore_check(c, s);
	} else {
		ret = cli_script_check(c, s, true);
		if (!ret || c->force) {
			c->restore = true;
			r = cli_script_run(c, s);
			c->restore = false;
			ret = r ? r : ret;
		}
	}
	cli_script_free(s);
	return ret;
}
