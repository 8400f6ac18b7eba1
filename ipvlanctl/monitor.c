/*
 * ipvlanctl monitor: the family's notifications, as they happen.
 * Not implemented yet: the grammar is checked, then it says so.
 */
#include "cli.h"

const char cli_monitor_usage[] = "ipvlanctl monitor [ port | link | addr ]";

int cli_monitor(struct cli *c, int argc, char **argv)
{
	if (argc == 1 && cli_is(argv[0], "help")) {
		cli_print_usage(stdout, cli_monitor_usage);
		return EXIT_OK;
	}
	if (argc > 0 && !cli_is(argv[0], "port") && !cli_is(argv[0], "link") &&
	    !cli_is(argv[0], "addr"))
		return cli_junk(c, "monitor", argv[0]);
	if (argc > 1)
		return cli_junk(c, "monitor", argv[1]);
	return cli_not_implemented(c, "monitor");
}
