/* ipvlanctl port: the datapath on a master device. */
#include <errno.h>
#include <string.h>

#include "cli.h"

const char cli_port_usage[] =
	"ipvlanctl port add DEV mode { l2 | l3 | l3s } [ bridge | private | vepa ] [ spoofcheck | nospoofcheck ]\n"
	"ipvlanctl port set DEV [ mode MODE ] [ bridge | private | vepa ] [ spoofcheck | nospoofcheck ]\n"
	"ipvlanctl port del DEV [ force ]\n"
	"ipvlanctl port show [ DEV ]";

static void port_counters(struct cli *c, const struct ipvl_port_stats *s)
{
	const struct cli_counter cs[] = {
		{ "RX", "dispatched", "rx-dispatched", s->rx_dispatched },
		{ "RX", "passed", "rx-passed", s->rx_passed },
		{ "TX", "local", "tx-local", s->tx_local },
		{ "TX", "out", "tx-out", s->tx_out },
		{ "drop", "no-binding", "drop-no-binding", s->drop_no_binding },
		{ "drop", "spoofed", "drop-spoofed", s->drop_spoofed },
		{ "drop", "backlog", "drop-backlog", s->drop_backlog },
		{ "drop", "link-down", "drop-link-down", s->drop_link_down },
		{ "drop", "policy", "drop-policy", s->drop_policy },
		{ "drop", "malformed", "drop-malformed", s->drop_malformed },
	};

	cli_print_counters(c, cs, sizeof(cs) / sizeof(cs[0]));
}

static void port_json_flags(struct json *j, uint32_t flags)
{
	uint32_t bit;
	char hex[16];

	json_arr_begin(j, "flags");
	for (bit = 1; bit; bit <<= 1) {
		const char *name;

		if (!(flags & bit))
			continue;
		name = ipvl_port_flags_name(bit);
		if (!name) {
			snprintf(hex, sizeof(hex), "0x%x", bit);
			name = hex;
		}
		json_str(j, NULL, name);
	}
	json_arr_end(j);
}

void port_print(struct cli *c, const struct ipvl_port *p, bool stats)
{
	const char *mode = ipvl_mode_name(p->mode);
	const char *flags = ipvl_port_flags_name(p->flags);
	struct json *j = cli_json_item(c);

	if (j) {
		json_obj_begin(j, c->item_key);
		json_uint(j, "ifindex", p->ifindex);
		json_str(j, "ifname", p->ifname);
		if (mode)
			json_str(j, "mode", mode);
		else
			json_uint(j, "mode", p->mode);
		port_json_flags(j, p->flags);
		json_bool(j, "spoof-check", p->spoof_check);
		json_uint(j, "link-count", p->link_count);
		json_uint(j, "binding-count", p->binding_count);
		if (stats && p->has_stats)
			port_counters(c, &p->stats);
		json_obj_end(j);
		return;
	}

	printf("%s: mode ", p->ifname);
	if (mode)
		printf("%s", mode);
	else
		printf("%u", p->mode);
	if (flags)
		printf(" %s", flags);
	else
		printf(" flags 0x%x", p->flags);
	printf(" %s links %u bindings %u\n",
	       p->spoof_check ? "spoofcheck" : "nospoofcheck",
	       p->link_count, p->binding_count);
	if (stats && p->has_stats)
		port_counters(c, &p->stats);
}

/* DEV, the first argument of every port command. */
static int port_dev(struct cli *c, const char *cmd, int *argc, char ***argv,
		    struct ipvl_port_ref *ref)
{
	int ret;

	if (*argc == 0)
		return cli_missing(c, cmd, "DEV");
	memset(ref, 0, sizeof(*ref));
	ret = cli_parse_ifname(c, (*argv)[0], ref->ifname);
	(*argc)--;
	(*argv)++;
	return ret;
}

/* [ mode MODE ] [ bridge | private | vepa ] [ spoofcheck | nospoofcheck ] */
static int port_config(struct cli *c, const char *cmd, int argc, char **argv,
		       struct ipvl_port_config *cfg)
{
	uint32_t flags;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	for (; argc > 0; argc--, argv++) {
		if (cli_is(argv[0], "mode")) {
			if (cfg->mask & IPVL_PORT_CFG_MODE)
				return cli_duplicate(c, cmd, "mode");
			ret = cli_need_arg(c, cmd, "mode", &argc, &argv);
			if (!ret)
				ret = cli_parse_mode(c, argv[0], &cfg->mode);
			if (ret)
				return ret;
			cfg->mask |= IPVL_PORT_CFG_MODE;
		} else if (ipvl_port_flags_parse(argv[0], &flags) == 0) {
			if (cfg->mask & IPVL_PORT_CFG_FLAGS)
				return cli_error(c, "%s: \"%s\": give only one of bridge, private or vepa",
						 cmd, argv[0]);
			cfg->flags = flags;
			cfg->mask |= IPVL_PORT_CFG_FLAGS;
		} else if (cli_is(argv[0], "spoofcheck") ||
			   cli_is(argv[0], "nospoofcheck")) {
			if (cfg->mask & IPVL_PORT_CFG_SPOOF_CHECK)
				return cli_error(c, "%s: \"%s\": give only one of spoofcheck or nospoofcheck",
						 cmd, argv[0]);
			cfg->spoof_check = cli_is(argv[0], "spoofcheck");
			cfg->mask |= IPVL_PORT_CFG_SPOOF_CHECK;
		} else {
			return cli_junk(c, cmd, argv[0]);
		}
	}
	return EXIT_OK;
}

/* What port add asks for, with the family's defaults filled in. */
void port_config_defaults(const struct ipvl_port_config *cfg,
			  struct ipvl_port *want)
{
	memset(want, 0, sizeof(*want));
	want->mode = cfg->mode;
	want->flags = cfg->mask & IPVL_PORT_CFG_FLAGS ? cfg->flags : 0;
	want->spoof_check = cfg->mask & IPVL_PORT_CFG_SPOOF_CHECK ?
		cfg->spoof_check : true;
}

bool port_same(const struct ipvl_port *a, const struct ipvl_port *b)
{
	return a->mode == b->mode && a->flags == b->flags &&
	       a->spoof_check == b->spoof_check;
}

/* "mode l3 private nospoofcheck", for messages. */
const char *port_settings(const struct ipvl_port *p, char *buf, size_t size)
{
	const char *mode = ipvl_mode_name(p->mode);
	const char *flags = ipvl_port_flags_name(p->flags);

	snprintf(buf, size, "mode %s %s %s", mode ? mode : "?",
		 flags ? flags : "?",
		 p->spoof_check ? "spoofcheck" : "nospoofcheck");
	return buf;
}

/*
 * restore: a port that exists with the settings asked for is fine, one
 * with other settings is not (restore changes no live port).
 */
static int port_add_exists(struct cli *c, const struct ipvl_port_ref *ref,
			   const struct ipvl_port_config *cfg)
{
	struct ipvl_port want, have;
	char a[64], b[64];
	int err;

	err = ipvl_port_get(c->h, ref, &have);
	if (err)
		return cli_kernel_error(c, err);
	port_config_defaults(cfg, &want);
	if (port_same(&want, &have))
		return EXIT_OK;
	return cli_refused(c, "port on %s exists with other settings: %s, not %s",
			   ref->ifname, port_settings(&have, a, sizeof(a)),
			   port_settings(&want, b, sizeof(b)));
}

static int port_add(struct cli *c, int argc, char **argv)
{
	struct ipvl_port_config cfg;
	struct ipvl_port_ref ref;
	int ret, err;

	ret = port_dev(c, "port add", &argc, &argv, &ref);
	if (!ret)
		ret = port_config(c, "port add", argc, argv, &cfg);
	if (ret)
		return ret;
	if (!(cfg.mask & IPVL_PORT_CFG_MODE))
		return cli_missing(c, "port add", "\"mode { l2 | l3 | l3s }\"");
	if (c->planner) {
		const struct cli_change ch = {
			.kind = CLI_CHANGE_PORT, .port = &ref, .port_cfg = &cfg,
		};

		ret = cli_plan(c, &ch);
		if (ret)
			return ret;
	}

	ret = cli_handle(c);
	if (ret)
		return ret;
	err = ipvl_port_new(c->h, &ref, &cfg, NULL);
	if (err == -EEXIST && c->restore)
		return port_add_exists(c, &ref, &cfg);
	if (err)
		return cli_kernel_error(c, err);
	cli_warning(c);
	return EXIT_OK;
}

static int port_set(struct cli *c, int argc, char **argv)
{
	struct ipvl_port_config cfg;
	struct ipvl_port_ref ref;
	int ret, err;

	ret = port_dev(c, "port set", &argc, &argv, &ref);
	if (!ret)
		ret = port_config(c, "port set", argc, argv, &cfg);
	if (ret)
		return ret;
	if (!cfg.mask)
		return cli_missing(c, "port set",
				   "what to change (mode, bridge, private, vepa, spoofcheck or nospoofcheck)");

	ret = cli_handle(c);
	if (ret)
		return ret;
	err = ipvl_port_set(c->h, &ref, &cfg, NULL);
	if (err)
		return cli_kernel_error(c, err);
	cli_warning(c);
	return EXIT_OK;
}

static int port_del(struct cli *c, int argc, char **argv)
{
	struct ipvl_port_ref ref;
	bool force = false;
	int ret, err;

	ret = port_dev(c, "port del", &argc, &argv, &ref);
	if (ret)
		return ret;
	if (argc > 0 && cli_is(argv[0], "force")) {
		force = true;
		argc--;
		argv++;
	}
	if (argc > 0)
		return cli_junk(c, "port del", argv[0]);

	ret = cli_handle(c);
	if (ret)
		return ret;
	err = ipvl_port_del(c->h, &ref, force);
	if (err)
		return cli_kernel_error(c, err);
	cli_warning(c);
	return EXIT_OK;
}

static int port_show_one(const struct ipvl_port *port, void *data)
{
	struct cli *c = data;

	port_print(c, port, c->stats);
	return 0;
}

static int port_show(struct cli *c, int argc, char **argv)
{
	struct ipvl_port_ref ref;
	struct ipvl_port port;
	bool one = false;
	int ret, err;

	if (argc > 0) {
		ret = port_dev(c, "port show", &argc, &argv, &ref);
		if (ret)
			return ret;
		one = true;
	}
	if (argc > 0)
		return cli_junk(c, "port show", argv[0]);

	ret = cli_handle(c);
	if (ret)
		return ret;
	cli_list_begin(c, "ports");
	if (one) {
		err = ipvl_port_get(c->h, &ref, &port);
		if (!err)
			port_print(c, &port, c->stats);
	} else {
		err = ipvl_port_dump(c->h, port_show_one, c);
	}
	cli_list_end(c, err);
	if (err)
		return cli_kernel_error(c, err);
	cli_warning(c);
	return EXIT_OK;
}

static const struct cli_cmd port_cmds[] = {
	{ "show",	port_show },	/* the default */
	{ "list",	port_show },
	{ "lst",	port_show },
	{ "add",	port_add },
	{ "set",	port_set },
	{ "del",	port_del },
	{ "delete",	port_del },
	{ NULL, NULL },
};

int cli_port(struct cli *c, int argc, char **argv)
{
	return cli_run_cmds(c, "port", cli_port_usage, port_cmds, argc, argv);
}
