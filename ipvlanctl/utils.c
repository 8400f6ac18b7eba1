/* ipvlanctl: command tables, argument parsing, errors, output helpers. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define NETNS_RUN_DIR	"/run/netns"

/* Message prefix: the batch file and line, else the program. */
static void cli_prefix(struct cli *c)
{
	if (c->file)
		fprintf(stderr, "%s:%u: ", c->file, c->lineno);
	else
		fputs("ipvlanctl: ", stderr);
}

/* Where a message from the kernel applies: the batch file and line. */
static void cli_location(struct cli *c)
{
	if (c->file)
		fprintf(stderr, "%s:%u: ", c->file, c->lineno);
}

int cli_error(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	cli_prefix(c);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	putc('\n', stderr);
	return EXIT_USAGE;
}

/* "Error: <text>." as iproute2 prints it, after the batch location. */
static void cli_print_error(struct cli *c, const char *label,
			    const char *msg)
{
	size_t len = strlen(msg);

	cli_location(c);
	fprintf(stderr, "%s: %s%s\n", label, msg,
		len && msg[len - 1] == '.' ? "" : ".");
}

/* The kernel refused: its message, else the error number's. */
int cli_kernel_error_msg(struct cli *c, int err, const char *msg)
{
	cli_print_error(c, "Error", msg ? msg : strerror(-err));
	return EXIT_KERNEL;
}

int cli_kernel_error(struct cli *c, int err)
{
	return cli_kernel_error_msg(c, err, c->h ? ipvl_errmsg(c->h) : NULL);
}

/* A refusal found without the kernel's help (exit status 2). */
int cli_refused(struct cli *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_print_error(c, "Error", msg);
	return EXIT_KERNEL;
}

void cli_warning_msg(struct cli *c, const char *msg)
{
	if (msg)
		cli_print_error(c, "Warning", msg);
}

/* A message the kernel attached to a success. */
void cli_warning(struct cli *c)
{
	cli_warning_msg(c, c->h ? ipvl_errmsg(c->h) : NULL);
}

/* The family cannot be opened (ipvl_open() or ipvl_monitor_open()). */
int cli_family_error(struct cli *c, int err)
{
	if (err == -ENOENT)
		return cli_refused(c, "the generic netlink family \"ipvl\" does "
				   "not exist (is the ipvl module available?)");
	return cli_refused(c, "cannot open the ipvl generic netlink family: %s",
			   strerror(-err));
}

/*
 * Open the family on the first command that talks to the kernel. In the
 * check pass of a batch, the command stops here: it parsed fine.
 */
int cli_handle(struct cli *c)
{
	int err;

	if (c->checking)
		return EXIT_CHECKED;
	if (c->h)
		return EXIT_OK;
	err = ipvl_open(&c->h);
	if (!err)
		return EXIT_OK;
	return cli_family_error(c, err);
}

void cli_print_usage(FILE *out, const char *usage)
{
	const char *line = usage, *end;
	bool first = true;

	while (*line) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		fprintf(out, "%s%.*s\n", first ? "Usage: " : "       ",
			(int)(end - line), line);
		first = false;
		line = *end ? end + 1 : end;
	}
}

/* "help": the grammar, except in the check pass of a batch. */
int cli_help_usage(struct cli *c, const char *usage)
{
	if (!c->checking)
		cli_print_usage(stdout, usage);
	return EXIT_OK;
}

/*
 * The command words of an object: none runs the first (show), "help"
 * prints the object's grammar.
 */
int cli_run_cmds(struct cli *c, const char *object, const char *usage,
		 const struct cli_cmd *cmds, int argc, char **argv)
{
	const struct cli_cmd *cmd;

	if (argc == 0)
		return cmds[0].run(c, 0, argv);
	if (strcmp(argv[0], "help") == 0) {
		if (argc > 1)
			return cli_junk(c, object, argv[1]);
		return cli_help_usage(c, usage);
	}
	for (cmd = cmds; cmd->name; cmd++)
		if (strcmp(cmd->name, argv[0]) == 0)
			return cmd->run(c, argc - 1, argv + 1);
	return cli_error(c, "%s: unknown command \"%s\" (try \"ipvlanctl %s help\")",
			 object, argv[0], object);
}

bool cli_is(const char *arg, const char *word)
{
	return strcmp(arg, word) == 0;
}

/* Step from a keyword to its value: argv[0] is then the value. */
int cli_need_arg(struct cli *c, const char *cmd, const char *keyword,
		 int *argc, char ***argv)
{
	if (*argc < 2)
		return cli_error(c, "%s: missing argument after \"%s\"", cmd,
				 keyword);
	(*argc)--;
	(*argv)++;
	return EXIT_OK;
}

int cli_missing(struct cli *c, const char *cmd, const char *what)
{
	int object = (int)strcspn(cmd, " ");

	return cli_error(c, "%s: missing %s (try \"ipvlanctl %.*s help\")",
			 cmd, what, object, cmd);
}

int cli_junk(struct cli *c, const char *cmd, const char *arg)
{
	return cli_error(c, "%s: unexpected argument \"%s\"", cmd, arg);
}

int cli_duplicate(struct cli *c, const char *cmd, const char *keyword)
{
	return cli_error(c, "%s: duplicate \"%s\"", cmd, keyword);
}

/* What the kernel accepts as a device name (dev_valid_name()). */
int cli_parse_ifname(struct cli *c, const char *arg, char *name)
{
	size_t len = strlen(arg), i;

	if (len >= IF_NAMESIZE)
		return cli_error(c, "interface name \"%s\" is too long (at most %d characters)",
				 arg, IF_NAMESIZE - 1);
	if (len == 0 || strcmp(arg, ".") == 0 || strcmp(arg, "..") == 0)
		return cli_error(c, "invalid interface name \"%s\"", arg);
	for (i = 0; i < len; i++)
		if (arg[i] == '/' || arg[i] == ':' ||
		    isspace((unsigned char)arg[i]))
			return cli_error(c, "invalid interface name \"%s\"", arg);
	memcpy(name, arg, len + 1);
	return EXIT_OK;
}

int cli_parse_addr(struct cli *c, const char *arg, struct ipvl_ipaddr *addr)
{
	if (ipvl_ipaddr_parse(arg, addr) < 0)
		return cli_error(c, "invalid address \"%s\" (expected an IPv4 or IPv6 address)",
				 arg);
	return EXIT_OK;
}

int cli_parse_u32(struct cli *c, const char *what, const char *arg,
		  uint32_t *v)
{
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)arg[0]))
		return cli_error(c, "invalid %s \"%s\"", what, arg);
	errno = 0;
	n = strtoull(arg, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		return cli_error(c, "invalid %s \"%s\"", what, arg);
	*v = (uint32_t)n;
	return EXIT_OK;
}

int cli_parse_mode(struct cli *c, const char *arg, uint32_t *mode)
{
	if (ipvl_mode_parse(arg, mode) < 0)
		return cli_error(c, "unknown mode \"%s\" (expected l2, l3 or l3s)",
				 arg);
	return EXIT_OK;
}

/* A named network namespace, as ip-netns(8) keeps them. */
int cli_open_netns(struct cli *c, const char *name, int *fd)
{
	char path[PATH_MAX];

	if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return cli_error(c, "invalid network namespace name \"%s\"", name);
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return cli_error(c, "cannot open network namespace \"%s\": %s",
				 name, strerror(errno));
	return EXIT_OK;
}

/* -n NETNS: run in that namespace, like ip -n. */
int cli_switch_netns(struct cli *c, const char *name)
{
	int fd, ret;

	ret = cli_open_netns(c, name, &fd);
	if (ret)
		return ret;
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "Error: cannot switch to network namespace \"%s\": %s.\n",
			name, strerror(errno));
		close(fd);
		return EXIT_KERNEL;
	}
	close(fd);
	return EXIT_OK;
}

/* The -j document, begun on first use: one top-level object. */
struct json *cli_json(struct cli *c)
{
	if (!c->json)
		return NULL;
	if (!c->jw) {
		c->jw = json_new(stdout, c->pretty);
		if (!c->jw) {
			fputs("ipvlanctl: out of memory\n", stderr);
			exit(EXIT_KERNEL);
		}
		json_obj_begin(c->jw, NULL);
	}
	return c->jw;
}

void cli_list_begin(struct cli *c, const char *key)
{
	c->list_key = key;
	c->list_open = false;
}

/* The writer, ready for one more item of the current listing. */
struct json *cli_json_item(struct cli *c)
{
	struct json *j = cli_json(c);

	if (j && c->list_key && !c->list_open) {
		json_arr_begin(j, c->list_key);
		c->list_open = true;
	}
	return j;
}

void cli_list_end(struct cli *c, int err)
{
	if (!err)
		cli_json_item(c);
	if (c->list_open)
		json_arr_end(c->jw);
	c->list_key = NULL;
	c->list_open = false;
}

/* End of a command's output: complete its JSON document. */
void cli_end_output(struct cli *c)
{
	if (c->jw) {
		json_end_all(c->jw);
		json_free(c->jw);
		c->jw = NULL;
	}
	c->list_key = NULL;
	c->list_open = false;
}

/* End of the run: complete the JSON document, close the family. */
void cli_finish(struct cli *c)
{
	cli_end_output(c);
	fflush(stdout);
	ipvl_close(c->h);
	c->h = NULL;
}

static unsigned int u64_width(uint64_t v)
{
	unsigned int w = 1;

	while (v >= 10) {
		v /= 10;
		w++;
	}
	return w;
}

static int column_width(const struct cli_counter *counter)
{
	unsigned int w = u64_width(counter->value);

	if (w < strlen(counter->text))
		w = (unsigned int)strlen(counter->text);
	return (int)w;
}

/*
 * Counters under an object: in text, like ip -s, a header line and a
 * value line for each group; in JSON, a "stats" object.
 */
void cli_print_counters(struct cli *c, const struct cli_counter *cs,
			unsigned int n)
{
	struct json *j = cli_json(c);
	unsigned int i, k, end;
	char label[16];

	if (j) {
		json_obj_begin(j, "stats");
		for (i = 0; i < n; i++)
			json_uint(j, cs[i].key, cs[i].value);
		json_obj_end(j);
		return;
	}
	for (i = 0; i < n; i = end) {
		for (end = i; end < n && strcmp(cs[end].group, cs[i].group) == 0;
		     end++)
			;
		snprintf(label, sizeof(label), "%s:", cs[i].group);
		printf("    %-5s", label);
		for (k = i; k < end; k++)
			printf(" %*s", column_width(&cs[k]), cs[k].text);
		printf("\n    %-5s", "");
		for (k = i; k < end; k++)
			printf(" %*llu", column_width(&cs[k]),
			       (unsigned long long)cs[k].value);
		putchar('\n');
	}
}
