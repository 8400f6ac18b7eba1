/* ipvlanctl link: the virtual devices of a port. */
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char cli_link_usage[] =
	"ipvlanctl link add NAME port DEV [ netns NETNS ] [ mtu MTU ] [ owner OWNER ] [ exist-ok ]\n"
	"ipvlanctl link del { NAME | id ID }\n"
	"ipvlanctl link show [ NAME | id ID | port DEV ]";

static void link_counters(struct cli *c, const struct ipvl_link_stats *s)
{
	const struct cli_counter cs[] = {
		{ "RX", "packets", "rx-packets", s->rx_packets },
		{ "RX", "bytes", "rx-bytes", s->rx_bytes },
		{ "RX", "multicast", "rx-multicast", s->rx_multicast },
		{ "RX", "dropped", "rx-dropped", s->rx_dropped },
		{ "TX", "packets", "tx-packets", s->tx_packets },
		{ "TX", "bytes", "tx-bytes", s->tx_bytes },
		{ "TX", "dropped", "tx-dropped", s->tx_dropped },
	};

	cli_print_counters(c, cs, sizeof(cs) / sizeof(cs[0]));
}

void link_print(struct cli *c, const struct ipvl_link *l, bool stats)
{
	struct json *j = cli_json_item(c);

	if (j) {
		json_obj_begin(j, c->item_key);
		json_uint(j, "id", l->id);
		json_uint(j, "ifindex", l->ifindex);
		json_str(j, "ifname", l->ifname);
		json_uint(j, "port-ifindex", l->port_ifindex);
		json_str(j, "port-ifname", l->port_ifname);
		if (l->has_netnsid)
			json_int(j, "netnsid", l->netnsid);
		json_uint(j, "mtu", l->mtu);
		json_uint(j, "binding-count", l->binding_count);
		if (l->owner[0])
			json_str(j, "owner", l->owner);
		if (stats && l->has_stats)
			link_counters(c, &l->stats);
		json_obj_end(j);
		return;
	}

	printf("%s: id %u port ", l->ifname, l->id);
	if (l->port_ifname[0])
		printf("%s", l->port_ifname);
	else
		printf("ifindex %u", l->port_ifindex);
	if (l->has_netnsid)
		printf(" netnsid %d", l->netnsid);
	printf(" mtu %u bindings %u", l->mtu, l->binding_count);
	if (l->owner[0])
		printf(" owner %s", l->owner);
	printf("\n");
	if (stats && l->has_stats)
		link_counters(c, &l->stats);
}

/* { NAME | id ID } */
static int link_ref(struct cli *c, const char *cmd, int *argc, char ***argv,
		    struct ipvl_link_ref *ref)
{
	int ret;

	memset(ref, 0, sizeof(*ref));
	if (*argc == 0)
		return cli_missing(c, cmd, "NAME or \"id ID\"");
	if (cli_is((*argv)[0], "id")) {
		ret = cli_need_arg(c, cmd, "id", argc, argv);
		if (!ret)
			ret = cli_parse_u32(c, "link id", (*argv)[0], &ref->id);
		if (!ret && ref->id == 0)
			ret = cli_error(c, "invalid link id \"%s\"", (*argv)[0]);
	} else {
		ret = cli_parse_ifname(c, (*argv)[0], ref->ifname);
	}
	(*argc)--;
	(*argv)++;
	return ret;
}

static int link_add(struct cli *c, int argc, char **argv)
{
	const char *cmd = "link add";
	struct ipvl_link_config cfg;
	bool have_port = false, have_mtu = false;
	const char *netns = NULL;
	int ret, err;

	memset(&cfg, 0, sizeof(cfg));
	if (argc == 0)
		return cli_missing(c, cmd, "NAME");
	ret = cli_parse_ifname(c, argv[0], cfg.ifname);
	for (argc--, argv++; !ret && argc > 0; argc--, argv++) {
		if (cli_is(argv[0], "port")) {
			if (have_port) {
				ret = cli_duplicate(c, cmd, "port");
				break;
			}
			ret = cli_need_arg(c, cmd, "port", &argc, &argv);
			if (!ret)
				ret = cli_parse_ifname(c, argv[0], cfg.port.ifname);
			have_port = true;
		} else if (cli_is(argv[0], "netns")) {
			if (cfg.has_netns_fd) {
				ret = cli_duplicate(c, cmd, "netns");
				break;
			}
			ret = cli_need_arg(c, cmd, "netns", &argc, &argv);
			if (!ret)
				ret = cli_open_netns(c, argv[0], &cfg.netns_fd);
			cfg.has_netns_fd = !ret;
			netns = argv[0];
		} else if (cli_is(argv[0], "mtu")) {
			if (have_mtu) {
				ret = cli_duplicate(c, cmd, "mtu");
				break;
			}
			ret = cli_need_arg(c, cmd, "mtu", &argc, &argv);
			if (!ret)
				ret = cli_parse_u32(c, "mtu", argv[0], &cfg.mtu);
			if (!ret && cfg.mtu == 0)
				ret = cli_error(c, "invalid mtu \"%s\"", argv[0]);
			have_mtu = true;
		} else if (cli_is(argv[0], "owner")) {
			if (cfg.owner) {
				ret = cli_duplicate(c, cmd, "owner");
				break;
			}
			ret = cli_need_arg(c, cmd, "owner", &argc, &argv);
			if (ret)
				break;
			cfg.owner = argv[0];
			if (!cfg.owner[0] ||
			    strlen(cfg.owner) >= IPVL_LINK_OWNER_LEN)
				ret = cli_error(c, "invalid owner \"%s\" (1 to %d bytes)",
						argv[0], IPVL_LINK_OWNER_LEN - 1);
		} else if (cli_is(argv[0], "exist-ok")) {
			if (cfg.exist_ok) {
				ret = cli_duplicate(c, cmd, "exist-ok");
				break;
			}
			cfg.exist_ok = true;
		} else {
			ret = cli_junk(c, cmd, argv[0]);
			break;
		}
	}
	if (!ret && !have_port)
		ret = cli_missing(c, cmd, "\"port DEV\"");
	/* restore makes every link add idempotent */
	if (c->restore)
		cfg.exist_ok = true;
	if (!ret && c->planner) {
		const struct cli_change ch = {
			.kind = CLI_CHANGE_LINK, .link_cfg = &cfg, .netns = netns,
		};

		ret = cli_plan(c, &ch);
	}
	if (!ret)
		ret = cli_handle(c);
	if (!ret) {
		err = ipvl_link_new(c->h, &cfg, NULL);
		if (err)
			ret = cli_kernel_error(c, err);
		else
			cli_warning(c);
	}
	if (cfg.has_netns_fd)
		close(cfg.netns_fd);
	return ret;
}

static int link_del(struct cli *c, int argc, char **argv)
{
	struct ipvl_link_ref ref;
	int ret, err;

	ret = link_ref(c, "link del", &argc, &argv, &ref);
	if (ret)
		return ret;
	if (argc > 0)
		return cli_junk(c, "link del", argv[0]);

	ret = cli_handle(c);
	if (ret)
		return ret;
	err = ipvl_link_del(c->h, &ref);
	if (err)
		return cli_kernel_error(c, err);
	cli_warning(c);
	return EXIT_OK;
}

static int link_show_one(const struct ipvl_link *link, void *data)
{
	struct cli *c = data;

	link_print(c, link, c->stats);
	return 0;
}

static int link_show(struct cli *c, int argc, char **argv)
{
	const char *cmd = "link show";
	struct ipvl_port_ref port;
	struct ipvl_link_ref ref;
	struct ipvl_link link;
	bool one = false, by_port = false;
	int ret, err;

	if (argc > 0 && cli_is(argv[0], "port")) {
		memset(&port, 0, sizeof(port));
		ret = cli_need_arg(c, cmd, "port", &argc, &argv);
		if (!ret)
			ret = cli_parse_ifname(c, argv[0], port.ifname);
		if (ret)
			return ret;
		argc--;
		argv++;
		by_port = true;
	} else if (argc > 0) {
		ret = link_ref(c, cmd, &argc, &argv, &ref);
		if (ret)
			return ret;
		one = true;
	}
	if (argc > 0)
		return cli_junk(c, cmd, argv[0]);

	ret = cli_handle(c);
	if (ret)
		return ret;
	cli_list_begin(c, "links");
	if (one) {
		err = ipvl_link_get(c->h, &ref, &link);
		if (!err)
			link_print(c, &link, c->stats);
	} else {
		err = ipvl_link_dump(c->h, by_port ? &port : NULL,
				     link_show_one, c);
	}
	cli_list_end(c, err);
	if (err)
		return cli_kernel_error(c, err);
	cli_warning(c);
	return EXIT_OK;
}

static const struct cli_cmd link_cmds[] = {
	{ "show",	link_show },	/* the default */
	{ "list",	link_show },
	{ "lst",	link_show },
	{ "add",	link_add },
	{ "del",	link_del },
	{ "delete",	link_del },
	{ NULL, NULL },
};

int cli_link(struct cli *c, int argc, char **argv)
{
	return cli_run_cmds(c, "link", cli_link_usage, link_cmds, argc, argv);
}
