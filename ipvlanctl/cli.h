/*
 * ipvlanctl: what the command files share: the run context, the command
 * tables, argument parsing, errors and output helpers.
 */
#ifndef IPVLANCTL_CLI_H
#define IPVLANCTL_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <ipvlanctl.h>

#include "json.h"

/* Exit codes, as ip(8) would have them. */
enum {
	EXIT_OK		= 0,
	EXIT_USAGE	= 1,	/* the command line is wrong */
	EXIT_KERNEL	= 2,	/* the kernel (or the family) refused */
};

struct cli {
	/* global options */
	bool json;
	bool pretty;
	bool stats;
	bool force;
	const char *netns;
	const char *batch;

	/* where a command comes from, for messages: batch file and line */
	const char *file;
	unsigned int lineno;

	struct ipvl_handle *h;		/* opened by the first kernel command */
	struct json *jw;		/* the -j document, once begun */
	const char *list_key;		/* the listing being printed */
	bool list_open;			/* ... and its array begun */
};

/* An object (the first word) or one of its commands (the second). */
struct cli_cmd {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
};

struct cli_object {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *usage;		/* its part of the grammar */
};

/* main.c */
int cli_dispatch(struct cli *c, int argc, char **argv);
void cli_usage(FILE *out);

/* utils.c: commands */
int cli_run_cmds(struct cli *c, const char *object, const char *usage,
		 const struct cli_cmd *cmds, int argc, char **argv);
void cli_print_usage(FILE *out, const char *usage);

/* utils.c: errors; each returns the exit code to return */
int cli_error(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cli_kernel_error(struct cli *c, int err);
int cli_not_implemented(struct cli *c, const char *what);
void cli_warning(struct cli *c);
int cli_handle(struct cli *c);

/* utils.c: arguments (on error: message printed, EXIT_USAGE returned) */
bool cli_is(const char *arg, const char *word);
int cli_need_arg(struct cli *c, const char *cmd, const char *keyword,
		 int *argc, char ***argv);
int cli_missing(struct cli *c, const char *cmd, const char *what);
int cli_junk(struct cli *c, const char *cmd, const char *arg);
int cli_duplicate(struct cli *c, const char *cmd, const char *keyword);
int cli_parse_ifname(struct cli *c, const char *arg, char *name);
int cli_parse_addr(struct cli *c, const char *arg, struct ipvl_ipaddr *addr);
int cli_parse_u32(struct cli *c, const char *what, const char *arg,
		  uint32_t *v);
int cli_parse_mode(struct cli *c, const char *arg, uint32_t *mode);
int cli_open_netns(struct cli *c, const char *name, int *fd);
int cli_switch_netns(struct cli *c, const char *name);

/*
 * utils.c: output. A listing is "KEY": [ ... ] in the -j document; its
 * array is begun by the first item (cli_json_item()), so that a failed
 * request prints nothing, and cli_list_end() prints an empty one.
 */
struct json *cli_json(struct cli *c);
struct json *cli_json_item(struct cli *c);
void cli_list_begin(struct cli *c, const char *key);
void cli_list_end(struct cli *c, int err);
void cli_finish(struct cli *c);

struct cli_counter {
	const char *group;		/* text: "RX", "TX", "drop" */
	const char *text;		/* text column */
	const char *key;		/* JSON key in "stats" */
	uint64_t value;
};

void cli_print_counters(struct cli *c, const struct cli_counter *cs,
			unsigned int n);

/* the objects (their files) */
int cli_info(struct cli *c, int argc, char **argv);
int cli_port(struct cli *c, int argc, char **argv);
int cli_link(struct cli *c, int argc, char **argv);
int cli_addr(struct cli *c, int argc, char **argv);
int cli_stats(struct cli *c, int argc, char **argv);
int cli_monitor(struct cli *c, int argc, char **argv);
int cli_save(struct cli *c, int argc, char **argv);
int cli_restore(struct cli *c, int argc, char **argv);
int cli_batch(struct cli *c, const char *file);

extern const char cli_info_usage[], cli_port_usage[], cli_link_usage[],
	cli_addr_usage[], cli_stats_usage[], cli_monitor_usage[],
	cli_save_usage[], cli_restore_usage[];

/* printers shared with stats.c */
void port_print(struct cli *c, const struct ipvl_port *port, bool stats);
void link_print(struct cli *c, const struct ipvl_link *link, bool stats);
void addr_print(struct cli *c, const struct ipvl_addr *addr, bool stats);

#endif /* IPVLANCTL_CLI_H */
