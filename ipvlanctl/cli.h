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
	/*
	 * Not an exit code: in the check pass of a batch, a command that
	 * parsed fine stops where it would talk to the kernel.
	 */
	EXIT_CHECKED	= 64,
};

struct cli_queue;
struct cli_planner;

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

	/* batch mode (batch.c) */
	bool in_batch;
	bool checking;			/* the check pass: parse, send nothing */
	bool queueable;			/* set in the check pass by a command
					   whose requests can be queued */
	struct cli_queue *queue;	/* the run pass: where they go */
	bool restore;			/* restore: a port or link identical to
					   the one asked for is fine */
	struct cli_planner *planner;	/* restore ... check (restore.c) */

	struct ipvl_handle *h;		/* opened by the first kernel command */
	struct json *jw;		/* the -j document, once begun */
	const char *list_key;		/* the listing being printed */
	bool list_open;			/* ... and its array begun */
	const char *item_key;		/* key of a printed object, NULL in a
					   listing (monitor events have one) */
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
int cli_help_usage(struct cli *c, const char *usage);

/* utils.c: errors; each returns the exit code to return */
int cli_error(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cli_kernel_error(struct cli *c, int err);
int cli_kernel_error_msg(struct cli *c, int err, const char *msg);
int cli_refused(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_warning(struct cli *c);
void cli_warning_msg(struct cli *c, const char *msg);
int cli_handle(struct cli *c);
int cli_family_error(struct cli *c, int err);

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
void cli_end_output(struct cli *c);
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

/* batch.c: requests of addr bind and unbind, queued in batch mode */
int cli_queue_addr(struct cli *c, bool bind, const struct ipvl_link_ref *link,
		   const struct ipvl_ipaddr *addr);

/*
 * batch.c: a file of commands, read whole, checked, then run. restore
 * allows only the commands of a configuration and makes them idempotent.
 */
struct cli_script;

int cli_script_read(struct cli *c, const char *path, struct cli_script **sp);
void cli_script_free(struct cli_script *s);
int cli_script_check(struct cli *c, struct cli_script *s, bool restore);
int cli_script_run(struct cli *c, struct cli_script *s);
const char *cli_script_name(const struct cli_script *s);
const char *cli_script_text(const struct cli_script *s, unsigned int lineno);

/*
 * restore.c: what the commands of a configuration would change, told by
 * them in the check pass of restore ... check.
 */
enum cli_change_kind {
	CLI_CHANGE_PORT,		/* port add */
	CLI_CHANGE_LINK,		/* link add */
	CLI_CHANGE_BIND,		/* addr bind */
	CLI_CHANGE_REPLACE,		/* addr replace */
};

struct cli_change {
	enum cli_change_kind kind;
	const struct ipvl_port_ref *port;
	const struct ipvl_port_config *port_cfg;
	const struct ipvl_link_config *link_cfg;
	const char *netns;		/* link add: its name, or NULL */
	const struct ipvl_link_ref *link;
	const struct ipvl_ipaddr *addrs;
	size_t count;
};

int cli_plan(struct cli *c, const struct cli_change *ch);

/*
 * addrmap.c: (group, address) -> value, a hash map. The values
 * (size_t)-1 and -2 are reserved.
 */
struct addrmap_ent {
	size_t group;
	struct ipvl_ipaddr addr;
	size_t value;
};

struct addrmap {
	struct addrmap_ent *v;
	size_t cap;			/* a power of 2, or 0 */
	size_t count;			/* entries */
	size_t used;			/* entries and tombstones */
};

bool cli_addr_equal(const struct ipvl_ipaddr *a, const struct ipvl_ipaddr *b);
struct addrmap_ent *addrmap_get(struct addrmap *m, size_t group,
				const struct ipvl_ipaddr *a);
int addrmap_put(struct addrmap *m, size_t group, const struct ipvl_ipaddr *a,
		size_t value);
void addrmap_del(struct addrmap *m, struct addrmap_ent *e);
struct addrmap_ent *addrmap_next(struct addrmap *m, size_t *pos);
void addrmap_clear(struct addrmap *m);

/* netns.c: named network namespaces, devices */
struct cli_netns_map;

int cli_netns_map_load(struct cli *c, struct cli_netns_map **mp);
void cli_netns_map_free(struct cli_netns_map *m);
const char *cli_netns_map_name(const struct cli_netns_map *m, int32_t nsid);
bool cli_netns_map_nsid(const struct cli_netns_map *m, const char *name,
			int32_t *nsid);
int cli_dev_mtu(const char *ifname, uint32_t *mtu);

extern const char cli_info_usage[], cli_port_usage[], cli_link_usage[],
	cli_addr_usage[], cli_stats_usage[], cli_monitor_usage[],
	cli_save_usage[], cli_restore_usage[];

/* printers shared with stats.c and monitor.c */
void port_print(struct cli *c, const struct ipvl_port *port, bool stats);
void link_print(struct cli *c, const struct ipvl_link *link, bool stats);
void addr_print(struct cli *c, const struct ipvl_addr *addr, bool stats);

/* port.c: port settings, shared with save.c and restore.c */
void port_config_defaults(const struct ipvl_port_config *cfg,
			  struct ipvl_port *want);
bool port_same(const struct ipvl_port *a, const struct ipvl_port *b);
const char *port_settings(const struct ipvl_port *p, char *buf, size_t size);

#endif /* IPVLANCTL_CLI_H */
