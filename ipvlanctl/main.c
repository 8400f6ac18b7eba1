/*
 * ipvlanctl: the control plane of the ipvl datapath.
 *
 *   ipvlanctl [ OPTIONS ] OBJECT { COMMAND | help }
 *
 * main() reads the global options and hands the rest to cli_dispatch(),
 * which batch mode calls as well, once per line.
 */
#include <string.h>

#include "cli.h"

#ifndef IPVLANCTL_VERSION
#define IPVLANCTL_VERSION "unknown"
#endif

static int cli_help(struct cli *c, int argc, char **argv);

static const struct cli_object objects[] = {
	{ "info",	cli_info,	cli_info_usage },
	{ "port",	cli_port,	cli_port_usage },
	{ "link",	cli_link,	cli_link_usage },
	{ "addr",	cli_addr,	cli_addr_usage },
	{ "stats",	cli_stats,	cli_stats_usage },
	{ "monitor",	cli_monitor,	cli_monitor_usage },
	{ "save",	cli_save,	cli_save_usage },
	{ "restore",	cli_restore,	cli_restore_usage },
	{ "help",	cli_help,	NULL },
	{ NULL, NULL, NULL },
};

void cli_usage(FILE *out)
{
	const struct cli_object *o;

	fputs("Usage: ipvlanctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
	      "       ipvlanctl [ OPTIONS ] -b[atch] FILE\n"
	      "where  OBJECT := { info | port | link | addr | stats | monitor | save | restore | help }\n"
	      "       OPTIONS := { -V[ersion] | -j[son] | -p[retty] | -s[tatistics] | -n[etns] NETNS | -b[atch] FILE | -force | -h[elp] }\n"
	      "\n", out);
	for (o = objects; o->name; o++) {
		const char *line = o->usage, *end;

		while (line && *line) {
			end = strchr(line, '\n');
			if (!end)
				end = line + strlen(line);
			fprintf(out, "       %.*s\n", (int)(end - line), line);
			line = *end ? end + 1 : end;
		}
	}
}

static int cli_help(struct cli *c, int argc, char **argv)
{
	if (argc > 0)
		return cli_junk(c, "help", argv[0]);
	if (!c->checking)
		cli_usage(stdout);
	return EXIT_OK;
}

int cli_dispatch(struct cli *c, int argc, char **argv)
{
	const struct cli_object *o;

	for (o = objects; o->name; o++)
		if (strcmp(o->name, argv[0]) == 0)
			return o->run(c, argc - 1, argv + 1);
	return cli_error(c, "unknown object \"%s\" (try \"ipvlanctl help\")",
			 argv[0]);
}

/*
 * Is arg the option word, or a prefix of it at least min characters
 * long? "--word" is taken as "-word", as iproute2 does.
 */
static bool option_is(const char *arg, const char *word, size_t min)
{
	size_t len;

	if (arg[0] == '-' && arg[1] == '-')
		arg++;
	len = strlen(arg);
	return len >= min && strncmp(arg, word, len) == 0;
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	int ret;

	argc--;
	argv++;
	while (argc > 0 && argv[0][0] == '-') {
		const char *opt = argv[0];

		if (option_is(opt, "-Version", 2)) {
			printf("ipvlanctl %s\n", IPVLANCTL_VERSION);
			return EXIT_OK;
		} else if (option_is(opt, "-help", 2)) {
			cli_usage(stdout);
			return EXIT_OK;
		} else if (option_is(opt, "-json", 2)) {
			c.json = true;
		} else if (option_is(opt, "-pretty", 2)) {
			c.pretty = true;
		} else if (option_is(opt, "-statistics", 2)) {
			c.stats = true;
		} else if (option_is(opt, "-force", 6)) {
			c.force = true;
		} else if (option_is(opt, "-netns", 2) ||
			   option_is(opt, "-batch", 2)) {
			if (argc < 2)
				return cli_error(&c, "option \"%s\" needs an argument",
						 opt);
			if (option_is(opt, "-netns", 2))
				c.netns = argv[1];
			else
				c.batch = argv[1];
			argc--;
			argv++;
		} else {
			return cli_error(&c, "unknown option \"%s\" (try \"ipvlanctl help\")",
					 opt);
		}
		argc--;
		argv++;
	}

	if (c.netns) {
		ret = cli_switch_netns(&c, c.netns);
		if (ret)
			return ret;
	}
	if (c.batch) {
		if (argc > 0)
			return cli_junk(&c, "-batch", argv[0]);
		ret = cli_batch(&c, c.batch);
	} else if (argc == 0) {
		cli_usage(stderr);
		return EXIT_USAGE;
	} else {
		ret = cli_dispatch(&c, argc, argv);
	}
	cli_finish(&c);
	return ret;
}
