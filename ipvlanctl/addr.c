/* ipvlanctl addr: the addresses bound to links. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"

const char cli_addr_usage[] =
	"ipvlanctl addr bind LINK ADDR...\n"
	"ipvlanctl addr unbind LINK ADDR...\n"
	"ipvlanctl addr replace LINK [ ADDR... ]\n"
	"ipvlanctl addr show [ LINK | port DEV ]";

static void addr_counters(struct cli *c, const struct ipvl_addr_stats *s)
{
	const struct cli_counter cs[] = {
		{ "RX", "packets", "rx-packets", s->rx_packets },
		{ "RX", "bytes", "rx-bytes", s->rx_bytes },
		{ "TX", "packets", "tx-packets", s->tx_packets },
		{ "TX", "bytes", "tx-bytes", s->tx_bytes },
	};

	cli_print_counters(c, cs, sizeof(cs) / sizeof(cs[0]));
}

void addr_print(struct cli *c, const struct ipvl_addr *a, bool stats)
{
	struct json *j = cli_json_item(c);
	char text[IPVL_IPADDR_STRLEN];

	if (!ipvl_ipaddr_format(&a->addr, text, sizeof(text)))
		snprintf(text, sizeof(text), "?");
	if (j) {
		json_obj_begin(j, c->item_key);
		json_str(j, "family", a->addr.family == AF_INET6 ? "inet6" : "inet");
		json_str(j, "addr", text);
		json_uint(j, "link-id", a->link_id);
		json_str(j, "link-ifname", a->link_ifname);
		json_uint(j, "port-ifindex", a->port_ifindex);
		json_str(j, "port-ifname", a->port_ifname);
		if (stats && a->has_stats)
			addr_counters(c, &a->stats);
		json_obj_end(j);
		return;
	}

	printf("%s link ", text);
	if (a->link_ifname[0])
		printf("%s", a->link_ifname);
	else
		printf("id %u", a->link_id);
	if (a->port_ifname[0])
		printf(" port %s\n", a->port_ifname);
	else
		printf(" port ifindex %u\n", a->port_ifindex);
	if (stats && a->has_stats)
		addr_counters(c, &a->stats);
}

/*
 * LINK ADDR...: every address is checked before anything is sent. The
 * caller frees *addrs.
 */
static int addr_args(struct cli *c, const char *cmd, int argc, char **argv,
		     bool need_one, struct ipvl_link_ref *link,
		     struct ipvl_ipaddr **addrs, size_t *count)
{
	int i, ret;

	*addrs = NULL;
	*count = 0;
	memset(link, 0, sizeof(*link));
	if (argc == 0)
		return cli_missing(c, cmd, "LINK");
	ret = cli_parse_ifname(c, argv[0], link->ifname);
	if (ret)
		return ret;
	argc--;
	argv++;
	if (argc == 0)
		return need_one ? cli_missing(c, cmd, "ADDR") : EXIT_OK;

	*addrs = calloc((size_t)argc, sizeof(**addrs));
	if (!*addrs)
		return cli_error(c, "out of memory");
	for (i = 0; i < argc; i++) {
		ret = cli_parse_addr(c, argv[i], &(*addrs)[i]);
		if (ret)
			return ret;
	}
	*count = (size_t)argc;
	return EXIT_OK;
}

/*
 * One request per address; the first failure stops. In a batch, the
 * requests are queued and sent with those of the next lines.
 */
static int addr_each(struct cli *c, const char *cmd, int argc, char **argv,
		     bool bind)
{
	struct ipvl_link_ref link;
	struct ipvl_ipaddr *addrs;
	size_t count, i;
	int ret, err = 0;

	ret = addr_args(c, cmd, argc, argv, true, &link, &addrs, &count);
	if (!ret && c->planner && bind) {
		const struct cli_change ch = {
			.kind = CLI_CHANGE_BIND, .link = &link, .addrs = addrs,
			.count = count,
		};

		ret = cli_plan(c, &ch);
	}
	if (!ret && c->checking)
		c->queueable = true;
	if (!ret && c->queue) {
		for (i = 0; !ret && i < count; i++)
			ret = cli_queue_addr(c, bind, &link, &addrs[i]);
		free(addrs);
		return ret;
	}
	if (!ret)
		ret = cli_handle(c);
	for (i = 0; !ret && i < count; i++) {
		if (bind)
			err = ipvl_addr_bind(c->h, &link, &addrs[i], NULL);
		else
			err = ipvl_addr_unbind(c->h, &link, &addrs[i]);
		if (err)
			ret = cli_kernel_error(c, err);
		else
			cli_warning(c);
	}
	free(addrs);
	return ret;
}

static int addr_bind(struct cli *c, int argc, char **argv)
{
	return addr_each(c, "addr bind", argc, argv, true);
}

static int addr_unbind(struct cli *c, int argc, char **argv)
{
	return addr_each(c, "addr unbind", argc, argv, false);
}

static int addr_replace(struct cli *c, int argc, char **argv)
{
	struct ipvl_link_ref link;
	struct ipvl_ipaddr *addrs;
	size_t count;
	int ret, err;

	ret = addr_args(c, "addr replace", argc, argv, false, &link, &addrs,
			&count);
	if (!ret && c->planner) {
		const struct cli_change ch = {
			.kind = CLI_CHANGE_REPLACE, .link = &link, .addrs = addrs,
			.count = count,
		};

		ret = cli_plan(c, &ch);
	}
	if (!ret)
		ret = cli_handle(c);
	if (!ret) {
		err = ipvl_addr_replace(c->h, &link, addrs, count);
		if (err)
			ret = cli_kernel_error(c, err);
		else
			cli_warning(c);
	}
	free(addrs);
	return ret;
}

static int addr_show_one(const struct ipvl_addr *addr, void *data)
{
	struct cli *c = data;

	addr_print(c, addr, c->stats);
	return 0;
}

static int addr_show(struct cli *c, int argc, char **argv)
{
	const char *cmd = "addr show";
	struct ipvl_link_ref link;
	struct ipvl_port_ref port;
	bool by_link = false, by_port = false;
	int ret, err;

	memset(&link, 0, sizeof(link));
	memset(&port, 0, sizeof(port));
	if (argc > 0 && cli_is(argv[0], "port")) {
		ret = cli_need_arg(c, cmd, "port", &argc, &argv);
		if (!ret)
			ret = cli_parse_ifname(c, argv[0], port.ifname);
		by_port = true;
	} else if (argc > 0) {
		ret = cli_parse_ifname(c, argv[0], link.ifname);
		by_link = true;
	} else {
		ret = EXIT_OK;
	}
	if (ret)
		return ret;
	if (by_link || by_port) {
		argc--;
		argv++;
	}
	if (argc > 0)
		return cli_junk(c, cmd, argv[0]);

	ret = cli_handle(c);
	if (ret)
		return ret;
	cli_list_begin(c, "addrs");
	err = ipvl_addr_dump(c->h, by_link ? &link : NULL,
			     by_port ? &port : NULL, addr_show_one, c);
	cli_list_end(c, err);
	if (err)
		return cli_kernel_error(c, err);
	cli_warning(c);
	return EXIT_OK;
}

static const struct cli_cmd addr_cmds[] = {
	{ "show",	addr_show },	/* the default */
	{ "list",	addr_show },
	{ "lst",	addr_show },
	{ "bind",	addr_bind },
	{ "unbind",	addr_unbind },
	{ "replace",	addr_replace },
	{ NULL, NULL },
};

int cli_addr(struct cli *c, int argc, char **argv)
{
	return cli_run_cmds(c, "addr", cli_addr_usage, addr_cmds, argc, argv);
}
