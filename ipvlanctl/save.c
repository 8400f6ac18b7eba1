/*
 * ipvlanctl save and restore: the whole configuration (ports, links,
 * bindings) to a file and back. Not implemented yet: the grammar is
 * checked, then they say so.
 */
#include "cli.h"

const char cli_save_usage[] = "ipvlanctl save";
const char cli_restore_usage[] = "ipvlanctl restore FILE [ check ]";

int cli_save(struct cli *c, int argc, char **argv)
{
	if (argc == 1 && cli_is(argv[0], "help")) {
		cli_print_usage(stdout, cli_save_usage);
		return EXIT_OK;
	}
	if (argc > 0)
		return cli_junk(c, "save", argv[0]);
	return cli_not_implemented(c, "save");
}

int cli_restore(struct cli *c, int argc, char **argv)
{
	if (argc == 1 && cli_is(argv[0], "help")) {
		cli_print_usage(stdout, cli_restore_usage);
		return EXIT_OK;
	}
	if (argc == 0)
		return cli_missing(c, "restore", "FILE");
	if (argc > 1 && !cli_is(argv[1], "check"))
		return cli_junk(c, "restore", argv[1]);
	if (argc > 2)
		return cli_junk(c, "restore", argv[2]);
	return cli_not_implemented(c, "restore");
}
