/*
 * ipvlanctl save: the configuration of the current namespace as a batch
 * that recreates it (ipvlanctl restore, ipvlanctl.conf(5)):
 *
 *	port add DEV mode MODE FLAGS SPOOFCHECK
 *	link add NAME port DEV [ netns NETNS ] [ mtu MTU ] exist-ok
 *	addr bind NAME ADDR			(one per binding)
 *
 * Ports, then each link followed by its bindings, in the kernel's order
 * (by creation), so that a restore recreates them in the same order. What
 * cannot be written (a link in a namespace without a name in /run/netns)
 * is left out with a comment and a warning.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"

const char cli_save_usage[] = "ipvlanctl save";

/* A growable array of objects of one kind, filled by a dump. */
struct objs {
	void *v;
	size_t n, cap, size;
};

static int objs_add(struct objs *o, const void *obj)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 64;
		void *v = reallocarray(o->v, cap, o->size);

		if (!v)
			return -1;
		o->v = v;
		o->cap = cap;
	}
	memcpy((char *)o->v + o->n++ * o->size, obj, o->size);
	return 0;
}

static int add_port(const struct ipvl_port *p, void *data)
{
	return objs_add(data, p) ? -ENOMEM : 0;
}

static int add_link(const struct ipvl_link *l, void *data)
{
	return objs_add(data, l) ? -ENOMEM : 0;
}

static int add_addr(const struct ipvl_addr *a, void *data)
{
	return objs_add(data, a) ? -ENOMEM : 0;
}

/* Bindings by link id, then in the order of the dump (a stable sort). */
static int addr_cmp(const void *x, const void *y, void *data)
{
	const struct ipvl_addr *addrs = data;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;

	if (addrs[i].link_id != addrs[j].link_id)
		return addrs[i].link_id < addrs[j].link_id ? -1 : 1;
	return i < j ? -1 : i > j;
}

static int addrs_sort(struct ipvl_addr *addrs, size_t n)
{
	struct ipvl_addr *sorted;
	size_t *idx, i;

	for (i = 1; i < n; i++)
		if (addrs[i].link_id < addrs[i - 1].link_id)
			break;
	if (i >= n)
		return 0;	/* the kernel dumps by link id */
	idx = calloc(n, sizeof(*idx));
	sorted = calloc(n, sizeof(*sorted));
	if (!idx || !sorted) {
		free(idx);
		free(sorted);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), addr_cmp, addrs);
	for (i = 0; i < n; i++)
		sorted[i] = addrs[idx[i]];
	memcpy(addrs, sorted, n * sizeof(*addrs));
	free(sorted);
	free(idx);
	return 0;
}

struct saved {
	const struct ipvl_port *ports;
	size_t nports;
	const struct ipvl_link *links;
	size_t nlinks;
	struct ipvl_addr *addrs;
	size_t naddrs;
	struct cli_netns_map *names;
	unsigned int warnings;
};

static const struct ipvl_port *port_of(const struct saved *s,
				       const struct ipvl_link *l)
{
	size_t i;

	for (i = 0; i < s->nports; i++)
		if (s->ports[i].ifindex == l->port_ifindex)
			return &s->ports[i];
	return NULL;
}

static void save_port(const struct ipvl_port *p)
{
	const char *mode = ipvl_mode_name(p->mode);
	const char *flags = ipvl_port_flags_name(p->flags);

	if (mode && flags) {
		printf("port add %s mode %s %s %s\n", p->ifname, mode, flags,
		       p->spoof_check ? "spoofcheck" : "nospoofcheck");
		return;
	}
	printf("# port %s: mode %u flags 0x%x unknown to this version: not saved\n",
	       p->ifname, p->mode, p->flags);
}

static bool save_link(struct saved *s, const struct ipvl_link *l)
{
	const struct ipvl_port *port = port_of(s, l);
	const char *netns = NULL;
	uint32_t mtu;
	size_t i;

	if (!port) {
		printf("# link %s: its port is in another network namespace: not saved\n",
		       l->ifname);
		return false;
	}
	if (l->has_netnsid) {
		netns = cli_netns_map_name(s->names, l->netnsid);
		if (!netns) {
			printf("# link %s: its network namespace (netnsid %d) has no name in /run/netns: not saved\n",
			       l->ifname, l->netnsid);
			fprintf(stderr, "ipvlanctl: save: link %s is in a network namespace without a name (netnsid %d): not saved\n",
				l->ifname, l->netnsid);
			s->warnings++;
			return false;
		}
	}
	for (i = 0; i < s->nlinks; i++) {
		const struct ipvl_link *o = &s->links[i];

		if (o->id < l->id && strcmp(o->ifname, l->ifname) == 0) {
			fprintf(stderr, "ipvlanctl: save: several links are named %s: their bindings are ambiguous by name\n",
				l->ifname);
			s->warnings++;
			break;
		}
	}
	printf("link add %s port %s", l->ifname, port->ifname);
	if (netns)
		printf(" netns %s", netns);
	if (cli_dev_mtu(port->ifname, &mtu) < 0 || mtu != l->mtu)
		printf(" mtu %u", l->mtu);
	puts(" exist-ok");
	return true;
}

static void save_addrs(const struct saved *s, const struct ipvl_link *l,
		       size_t *next, bool saved)
{
	char text[IPVL_IPADDR_STRLEN];
	size_t i = *next;

	/* both dumps come in link id order: skip the bindings of links
	 * that are not listed (changed meanwhile) */
	while (i < s->naddrs && s->addrs[i].link_id < l->id)
		i++;
	for (; i < s->naddrs && s->addrs[i].link_id == l->id; i++) {
		if (!saved)
			continue;
		if (ipvl_ipaddr_format(&s->addrs[i].addr, text, sizeof(text)))
			printf("addr bind %s %s\n", l->ifname, text);
	}
	*next = i;
}

static int save_run(struct cli *c)
{
	struct objs ports = { .size = sizeof(struct ipvl_port) };
	struct objs links = { .size = sizeof(struct ipvl_link) };
	struct objs addrs = { .size = sizeof(struct ipvl_addr) };
	struct saved s = { 0 };
	size_t i, next = 0;
	int ret, err;

	ret = cli_handle(c);
	if (ret)
		return ret;
	err = ipvl_port_dump(c->h, add_port, &ports);
	if (!err)
		err = ipvl_link_dump(c->h, NULL, add_link, &links);
	if (!err)
		err = ipvl_addr_dump(c->h, NULL, NULL, add_addr, &addrs);
	if (!err)
		err = addrs_sort(addrs.v, addrs.n);
	if (err) {
		ret = cli_kernel_error(c, err);
		goto out;
	}
	s.ports = ports.v;
	s.nports = ports.n;
	s.links = links.v;
	s.nlinks = links.n;
	s.addrs = addrs.v;
	s.naddrs = addrs.n;
	for (i = 0; i < s.nlinks; i++)
		if (s.links[i].has_netnsid)
			break;
	if (i < s.nlinks) {
		ret = cli_netns_map_load(c, &s.names);
		if (ret)
			goto out;
	}
	printf("# ipvlanctl %s save\n", IPVLANCTL_VERSION);
	for (i = 0; i < s.nports; i++)
		save_port(&s.ports[i]);
	for (i = 0; i < s.nlinks; i++)
		save_addrs(&s, &s.links[i], &next,
			   save_link(&s, &s.links[i]));
	if (fflush(stdout) == EOF || ferror(stdout))
		ret = cli_error(c, "save: cannot write the standard output");
out:
	cli_netns_map_free(s.names);
	free(ports.v);
	free(links.v);
	free(addrs.v);
	return ret;
}

int cli_save(struct cli *c, int argc, char **argv)
{
	if (argc == 1 && cli_is(argv[0], "help"))
		return cli_help_usage(c, cli_save_usage);
	if (argc > 0)
		return cli_junk(c, "save", argv[0]);
	if (c->json)
		return cli_error(c, "save: the configuration is a batch, not JSON: drop -j");
	return save_run(c);
}
