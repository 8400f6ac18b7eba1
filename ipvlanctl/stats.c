/* ipvlanctl stats: the counters of ports, links and bindings. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"

const char cli_stats_usage[] =
	"ipvlanctl stats show [ link LINK | port DEV | addr ADDR ]";

static int stats_port(const struct ipvl_port *port, void *data)
{
	port_print(data, port, true);
	return 0;
}

static int stats_link(const struct ipvl_link *link, void *data)
{
	link_print(data, link, true);
	return 0;
}

static int stats_addr(const struct ipvl_addr *addr, void *data)
{
	addr_print(data, addr, true);
	return 0;
}

/* Everything: the ports, then the links, then the bindings. */
static int stats_all(struct cli *c)
{
	int err;

	cli_list_begin(c, "ports");
	err = ipvl_port_dump(c->h, stats_port, c);
	cli_list_end(c, err);
	if (!err) {
		cli_list_begin(c, "links");
		err = ipvl_link_dump(c->h, NULL, stats_link, c);
		cli_list_end(c, err);
	}
	if (!err) {
		cli_list_begin(c, "addrs");
		err = ipvl_addr_dump(c->h, NULL, NULL, stats_addr, c);
		cli_list_end(c, err);
	}
	return err ? cli_kernel_error(c, err) : EXIT_OK;
}

static bool ipaddr_equal(const struct ipvl_ipaddr *a,
			 const struct ipvl_ipaddr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.s_addr == b->v4.s_addr;
	return memcmp(&a->v6, &b->v6, sizeof(a->v6)) == 0;
}

struct addr_filter {
	struct cli *c;
	struct ipvl_ipaddr want;
	unsigned int found;
};

static int stats_addr_match(const struct ipvl_addr *addr, void *data)
{
	struct addr_filter *f = data;

	if (ipaddr_equal(&addr->addr, &f->want)) {
		addr_print(f->c, addr, true);
		f->found++;
	}
	return 0;
}

/*
 * An address may be bound on several ports (one link of each): all the
 * bindings are listed and those of the address printed.
 */
static int stats_one_addr(struct cli *c, const struct ipvl_ipaddr *addr,
			  const char *text)
{
	struct addr_filter f = { .c = c, .want = *addr };
	int err;

	cli_list_begin(c, "addrs");
	err = ipvl_addr_dump(c->h, NULL, NULL, stats_addr_match, &f);
	cli_list_end(c, err ? err : f.found ? 0 : -ENOENT);
	if (err)
		return cli_kernel_error(c, err);
	if (!f.found)
		return cli_refused(c, "address %s is not bound to any link", text);
	return EXIT_OK;
}

static int stats_show(struct cli *c, int argc, char **argv)
{
	const char *cmd = "stats show";
	struct ipvl_link_ref link_ref;
	struct ipvl_port_ref port_ref;
	struct ipvl_ipaddr addr;
	const char *what = NULL, *arg = NULL;
	int ret, err;

	memset(&link_ref, 0, sizeof(link_ref));
	memset(&port_ref, 0, sizeof(port_ref));
	if (argc > 0) {
		what = argv[0];
		if (!cli_is(what, "link") && !cli_is(what, "port") &&
		    !cli_is(what, "addr"))
			return cli_junk(c, cmd, what);
		ret = cli_need_arg(c, cmd, what, &argc, &argv);
		if (ret)
			return ret;
		arg = argv[0];
		if (cli_is(what, "link"))
			ret = cli_parse_ifname(c, arg, link_ref.ifname);
		else if (cli_is(what, "port"))
			ret = cli_parse_ifname(c, arg, port_ref.ifname);
		else
			ret = cli_parse_addr(c, arg, &addr);
		if (ret)
			return ret;
		if (argc > 1)
			return cli_junk(c, cmd, argv[1]);
	}

	ret = cli_handle(c);
	if (ret)
		return ret;
	if (!what)
		return stats_all(c);
	if (cli_is(what, "addr"))
		return stats_one_addr(c, &addr, arg);

	if (cli_is(what, "link")) {
		struct ipvl_link link;

		cli_list_begin(c, "links");
		err = ipvl_link_get(c->h, &link_ref, &link);
		if (!err)
			link_print(c, &link, true);
	} else {
		struct ipvl_port port;

		cli_list_begin(c, "ports");
		err = ipvl_port_get(c->h, &port_ref, &port);
		if (!err)
			port_print(c, &port, true);
	}
	cli_list_end(c, err);
	if (err)
		return cli_kernel_error(c, err);
	cli_warning(c);
	return EXIT_OK;
}

static const struct cli_cmd stats_cmds[] = {
	{ "show",	stats_show },	/* the default */
	{ "list",	stats_show },
	{ "lst",	stats_show },
	{ NULL, NULL },
};

int cli_stats(struct cli *c, int argc, char **argv)
{
	return cli_run_cmds(c, "stats", cli_stats_usage, stats_cmds, argc,
			    argv);
}
