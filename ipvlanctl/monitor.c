/*
 * ipvlanctl monitor: the family's notifications, as they happen, one line
 * each: "[link-new] " and the line link show would print, or with -j one
 * JSON object, {"event":"link-new","link":{...}}. Every line is flushed.
 * SIGINT and SIGTERM end it with status 0; they are taken through a
 * signalfd, so that a line is never cut.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "cli.h"

const char cli_monitor_usage[] = "ipvlanctl monitor [ port | link | addr ]";

static void event_begin(struct cli *c, const char *name)
{
	struct json *j = cli_json(c);

	if (j)
		json_str(j, "event", name);
	else
		printf("[%s] ", name);
}

static void print_event(struct cli *c, const struct ipvl_event *ev)
{
	event_begin(c, ipvl_event_name(ev->cmd));
	switch (ev->object) {
	case IPVL_EVENT_PORT:
		c->item_key = "port";
		port_print(c, &ev->port, c->stats);
		break;
	case IPVL_EVENT_LINK:
		c->item_key = "link";
		link_print(c, &ev->link, c->stats);
		break;
	default:
		c->item_key = "addr";
		addr_print(c, &ev->addr, c->stats);
		break;
	}
	c->item_key = NULL;
}

/* Events were dropped: the socket's buffer was full. */
static void print_lost(struct cli *c)
{
	event_begin(c, "lost");
	if (!c->json)
		puts("events were lost: the receive buffer overflowed");
}

/* Every event queued on the socket; false on an error (printed). */
static bool drain(struct cli *c, struct ipvl_monitor *m, int *ret)
{
	struct ipvl_event ev;
	int err;

	for (;;) {
		err = ipvl_monitor_next(m, &ev);
		if (err == -EAGAIN || err == -EINTR)
			return true;
		if (err == -EPROTO)	/* a malformed event: skipped */
			continue;
		if (err && err != -ENOBUFS) {
			*ret = cli_kernel_error_msg(c, err, NULL);
			return false;
		}
		if (err)
			print_lost(c);
		else
			print_event(c, &ev);
		cli_end_output(c);
		if (fflush(stdout) == EOF || ferror(stdout)) {
			*ret = EXIT_OK;		/* the reader went away */
			return false;
		}
	}
}

static int monitor_run(struct cli *c, unsigned int objects)
{
	struct ipvl_monitor *m;
	struct pollfd pfd[2];
	sigset_t sigs, old;
	int ret = EXIT_OK, err;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &sigs, &old) < 0)
		return cli_error(c, "monitor: cannot block signals: %s",
				 strerror(errno));
	pfd[1].fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	pfd[1].events = POLLIN;
	if (pfd[1].fd < 0) {
		ret = cli_error(c, "monitor: signalfd: %s", strerror(errno));
		goto out_mask;
	}
	err = ipvl_monitor_open(&m, objects, IPVL_MONITOR_NONBLOCK);
	if (err) {
		ret = cli_family_error(c, err);
		goto out_sigfd;
	}
	pfd[0].fd = ipvl_monitor_fd(m);
	pfd[0].events = POLLIN;

	for (;;) {
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = cli_kernel_error_msg(c, -errno, NULL);
			break;
		}
		/* what came before the signal is printed first */
		if (!drain(c, m, &ret))
			break;
		if (pfd[1].revents) {
			struct signalfd_siginfo si;

			/* taken, so that unblocking does not deliver them */
			while (read(pfd[1].fd, &si, sizeof(si)) > 0)
				;
			break;
		}
	}

	ipvl_monitor_close(m);
out_sigfd:
	if (pfd[1].fd >= 0)
		close(pfd[1].fd);
out_mask:
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int cli_monitor(struct cli *c, int argc, char **argv)
{
	unsigned int objects = 0;

	if (argc == 1 && cli_is(argv[0], "help"))
		return cli_help_usage(c, cli_monitor_usage);
	if (argc > 0) {
		if (cli_is(argv[0], "port"))
			objects = IPVL_EVENT_PORT;
		else if (cli_is(argv[0], "link"))
			objects = IPVL_EVENT_LINK;
		else if (cli_is(argv[0], "addr"))
			objects = IPVL_EVENT_ADDR;
		else
			return cli_junk(c, "monitor", argv[0]);
	}
	if (argc > 1)
		return cli_junk(c, "monitor", argv[1]);
	if (c->in_batch)
		return cli_error(c, "monitor: not available in a batch");
	return monitor_run(c, objects);
}
