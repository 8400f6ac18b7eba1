/*
 * ipvlanctl -b FILE: commands from a file, one a line ("-" is the
 * standard input), with the grammar of the command line: words separated
 * by blanks, '...' and "..." quote, \ escapes outside '...', # at the
 * start of a word comments the rest of the line out.
 *
 * The file is read whole and checked first: every line is parsed by its
 * command (cli_dispatch() with c->checking set), which stops where it
 * would talk to the kernel. Without -force, a line that does not parse
 * stops everything before anything is sent. Then the lines are run, with
 * the messages of a failing line prefixed by "FILE:LINE: ".
 *
 * Pipelining: consecutive addr bind and addr unbind lines are queued and
 * sent together (ipvl_batch_run(): many requests per send(), answers
 * matched by sequence number); any other line first sends what is queued
 * and waits for all of it, then runs on its own. Without -force, a
 * failure must leave the state of "the lines before it applied", but the
 * kernel has applied the requests sent after the failing one in the same
 * window. They are undone, in reverse order: a bind that created a
 * binding is unbound, an unbind is bound again. A bind of an address the
 * link held already succeeds too, and must not be undone: the binding set
 * of a link is tracked when it is known (the link had none when first
 * seen), else the bind is preceded in the same window by an addr-get of
 * the address (a probe), which the kernel answers in order, just before
 * the bind: it says exactly what the bind found. The requests of the
 * failing line itself are undone too. With -force nothing is undone and
 * nothing is looked up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Queued requests, at most, before they are sent anyway. */
#define QUEUE_MAX	65536

struct line {
	unsigned int no;		/* its number in the file */
	char *text;			/* NULL: blank, or only a comment */
	bool bad;			/* refused by the check pass */
	bool queueable;			/* addr bind or unbind */
};

struct cli_script {
	char *name;			/* for messages */
	struct line *v;
	size_t n, cap;
	bool restore;
	unsigned int usage_errors;	/* found by the check pass */
};

/* ---- reading and splitting ------------------------------------------- */

static bool blank_line(const char *s)
{
	s += strspn(s, " \t\r\v\f");
	return *s == '\0' || *s == '#';
}

int cli_script_read(struct cli *c, const char *path, struct cli_script **sp)
{
	struct cli_script *s;
	bool is_stdin = strcmp(path, "-") == 0;
	size_t size = 0;
	unsigned int no = 0;
	char *buf = NULL;
	ssize_t len;
	FILE *f;

	*sp = NULL;
	f = is_stdin ? stdin : fopen(path, "re");
	if (!f)
		return cli_error(c, "cannot open \"%s\": %s", path,
				 strerror(errno));
	s = calloc(1, sizeof(*s));
	if (!s || !(s->name = strdup(is_stdin ? "<stdin>" : path)))
		goto nomem;
	while ((len = getline(&buf, &size, f)) >= 0) {
		struct line *l;

		no++;
		if ((size_t)len != strlen(buf)) {
			cli_script_free(s);
			s = NULL;
			c->file = is_stdin ? "<stdin>" : path;
			c->lineno = no;
			cli_error(c, "a NUL byte in the line");
			c->file = NULL;
			goto fail;
		}
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 256;

			l = reallocarray(s->v, cap, sizeof(*l));
			if (!l)
				goto nomem;
			s->v = l;
			s->cap = cap;
		}
		l = &s->v[s->n++];
		memset(l, 0, sizeof(*l));
		l->no = no;
		if (len && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (!blank_line(buf) && !(l->text = strdup(buf)))
			goto nomem;
	}
	if (ferror(f)) {
		cli_error(c, "cannot read \"%s\": %s", path, strerror(errno));
		goto fail;
	}
	free(buf);
	if (!is_stdin)
		fclose(f);
	*sp = s;
	return EXIT_OK;

nomem:
	cli_error(c, "out of memory");
fail:
	free(buf);
	cli_script_free(s);
	if (!is_stdin)
		fclose(f);
	return EXIT_USAGE;
}

void cli_script_free(struct cli_script *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->v[i].text);
	free(s->v);
	free(s->name);
	free(s);
}

const char *cli_script_name(const struct cli_script *s)
{
	return s->name;
}

const char *cli_script_text(const struct cli_script *s, unsigned int lineno)
{
	if (!lineno || lineno > s->n)
		return NULL;
	return s->v[lineno - 1].text;	/* line i is at index i - 1 */
}

/* A line split into words. */
struct words {
	int argc;
	char **argv;
	char *buf;
};

static void words_free(struct words *w)
{
	free(w->argv);
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

static int split(struct cli *c, const char *text, struct words *w)
{
	size_t len = strlen(text), cap = 8;
	const char *p = text;
	char *out;

	memset(w, 0, sizeof(*w));
	w->buf = malloc(len + 1);
	w->argv = malloc(cap * sizeof(*w->argv));
	if (!w->buf || !w->argv) {
		words_free(w);
		return cli_error(c, "out of memory");
	}
	out = w->buf;
	for (;;) {
		char quote = 0;

		p += strspn(p, " \t\r\v\f");
		if (!*p || *p == '#')
			break;
		if ((size_t)w->argc + 1 == cap) {
			char **argv = reallocarray(w->argv, cap * 2,
						   sizeof(*argv));

			if (!argv) {
				words_free(w);
				return cli_error(c, "out of memory");
			}
			w->argv = argv;
			cap *= 2;
		}
		w->argv[w->argc++] = out;
		for (; *p; p++) {
			if (quote) {
				if (*p == quote)
					quote = 0;
				else if (*p == '\\' && quote == '"' && p[1])
					*out++ = *++p;
				else
					*out++ = *p;
			} else if (*p == '\'' || *p == '"') {
				quote = *p;
			} else if (*p == '\\' && p[1]) {
				*out++ = *++p;
			} else if (strchr(" \t\r\v\f", *p)) {
				break;
			} else {
				*out++ = *p;
			}
		}
		*out++ = '\0';
		if (quote) {
			words_free(w);
			return cli_error(c, "unterminated %s quote",
					 quote == '"' ? "double" : "single");
		}
	}
	w->argv[w->argc] = NULL;
	return EXIT_OK;
}

/* ---- the check pass ---------------------------------------------------- */

/* What a configuration may contain: what makes state, nothing else. */
static bool restore_allowed(int argc, char **argv)
{
	if (argc < 2)
		return false;
	if (cli_is(argv[0], "port"))
		return cli_is(argv[1], "add");
	if (cli_is(argv[0], "link"))
		return cli_is(argv[1], "add");
	if (cli_is(argv[0], "addr"))
		return cli_is(argv[1], "bind") || cli_is(argv[1], "replace");
	return false;
}

static int check_line(struct cli *c, struct cli_script *s, struct line *l)
{
	struct words w;
	int ret;

	ret = split(c, l->text, &w);
	if (ret)
		return ret;
	if (w.argc == 0) {	/* only quotes of nothing: a blank line */
		free(l->text);
		l->text = NULL;
	} else if (w.argv[0][0] == '-') {
		ret = cli_error(c, "\"%s\": options go on the command line, not in a batch",
				w.argv[0]);
	} else if (s->restore && !restore_allowed(w.argc, w.argv)) {
		ret = cli_error(c, "restore: only port add, link add, addr bind and addr replace may be in a configuration");
	} else {
		c->queueable = false;
		ret = cli_dispatch(c, w.argc, w.argv);
		if (ret == EXIT_CHECKED)
			ret = EXIT_OK;
		l->queueable = !ret && c->queueable;
		c->queueable = false;
	}
	words_free(&w);
	return ret;
}

/*
 * Parse every line, printing what is wrong; without -force, stop at the
 * first one. Returns EXIT_USAGE if any line is wrong.
 */
int cli_script_check(struct cli *c, struct cli_script *s, bool restore)
{
	int ret = EXIT_OK, r;
	size_t i;

	s->restore = restore;
	c->in_batch = true;
	c->checking = true;
	c->file = s->name;
	for (i = 0; i < s->n; i++) {
		struct line *l = &s->v[i];

		if (!l->text)
			continue;
		c->lineno = l->no;
		r = check_line(c, s, l);
		if (!r)
			continue;
		l->bad = true;
		s->usage_errors++;
		ret = EXIT_USAGE;
		if (!c->force)
			break;
	}
	c->checking = false;
	c->in_batch = false;
	c->file = NULL;
	return ret;
}

/* ---- the queue --------------------------------------------------------- */

/*
 * Knowing what a bind found. A probe (addr-get) before each bind costs a
 * request. It is not needed for a link whose whole binding set is known:
 * one that had no binding when first looked up, and whose bindings have
 * since changed only by this batch. Links are looked up (link-get: id and
 * binding count) when queued requests are sent; the count still being the
 * one expected says that the set is still the one tracked. Tracking ends
 * with any other command. Up to SLOTS_MAX links are tracked; the binds to
 * others are probed. This assumes that nobody else changes the bindings
 * of those links during the batch.
 */
#define SLOTS_MAX	64

enum { Q_BIND, Q_UNBIND };

struct slot {
	char name[IF_NAMESIZE];
	bool tracked;			/* the set in cli_queue.bound is its */
	bool used;			/* by the requests being sent */
	bool probe;			/* ... whose binds are probed */
	uint32_t id;			/* the link, when last looked up */
	uint32_t count;			/* its bindings, as tracked */
};

struct qent {
	const struct line *line;
	uint8_t kind;
	int slot;			/* -1: none */
	int err;			/* 1: no answer yet */
	uint32_t held_by;		/* Q_BIND: the link holding the
					   address before; 0: none */
	uint32_t link_id;		/* Q_BIND: the link that answered */
	struct ipvl_link_ref link;
	struct ipvl_ipaddr addr;
};

struct cli_queue {
	struct ipvl_batch *b;
	struct qent *v;
	size_t n, cap;
	size_t *req;			/* batch request -> entry (+ PROBE) */
	size_t req_cap;
	const struct line *line;	/* the line being queued */
	bool exact;			/* without -force: binds must be known */
	struct slot slots[SLOTS_MAX];
	int nslots;
	struct addrmap bound;		/* (slot, address) of tracked links */
	/* the first failure, without -force */
	bool failed;
	size_t fail_index;
	int fail_err;
	char fail_msg[512];
	bool has_fail_msg;
	unsigned int errors;		/* with -force, and undo failures */
	size_t cancelled;		/* not sent: after a failure only */
};

#define PROBE	((size_t)1 << (sizeof(size_t) * 8 - 1))

int cli_queue_addr(struct cli *c, bool bind, const struct ipvl_link_ref *link,
		   const struct ipvl_ipaddr *addr)
{
	struct cli_queue *q = c->queue;
	struct qent *e;

	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 256;

		e = reallocarray(q->v, cap, sizeof(*e));
		if (!e)
			return cli_error(c, "out of memory");
		q->v = e;
		q->cap = cap;
	}
	e = &q->v[q->n++];
	memset(e, 0, sizeof(*e));
	e->line = q->line;
	e->kind = bind ? Q_BIND : Q_UNBIND;
	e->slot = -1;
	e->err = 1;
	e->link = *link;
	e->addr = *addr;
	return EXIT_OK;
}

/* Forget every tracked link: something else may have changed them. */
static void queue_forget(struct cli_queue *q)
{
	q->nslots = 0;
	addrmap_clear(&q->bound);
}

static void slot_untrack(struct cli_queue *q, int i)
{
	struct addrmap_ent *e;
	size_t pos = 0;

	if (!q->slots[i].tracked)
		return;
	q->slots[i].tracked = false;
	while ((e = addrmap_next(&q->bound, &pos)))
		if (e->group == (size_t)i)
			addrmap_del(&q->bound, e);
}

/* The slot of a link named in a request: -1 when they are all taken. */
static int slot_of(struct cli_queue *q, const struct ipvl_link_ref *link)
{
	int i;

	for (i = 0; i < q->nslots; i++)
		if (strcmp(q->slots[i].name, link->ifname) == 0)
			return i;
	if (q->nslots == SLOTS_MAX)
		return -1;
	memset(&q->slots[i], 0, sizeof(q->slots[i]));
	snprintf(q->slots[i].name, sizeof(q->slots[i].name), "%s",
		 link->ifname);
	q->nslots++;
	return i;
}

/* Look the links up: are their binding sets the ones tracked? */
static void slots_lookup(struct cli *c, struct cli_queue *q)
{
	struct ipvl_link_ref ref;
	struct ipvl_link link;
	size_t i;
	int k;

	for (k = 0; k < q->nslots; k++)
		q->slots[k].used = false;
	for (i = 0; i < q->n; i++) {
		q->v[i].slot = slot_of(q, &q->v[i].link);
		if (q->v[i].slot >= 0)
			q->slots[q->v[i].slot].used = true;
	}
	for (k = 0; k < q->nslots; k++) {
		struct slot *sl = &q->slots[k];

		if (!sl->used)
			continue;
		memset(&ref, 0, sizeof(ref));
		snprintf(ref.ifname, sizeof(ref.ifname), "%s", sl->name);
		sl->probe = true;
		if (ipvl_link_get(c->h, &ref, &link)) {
			slot_untrack(q, k);
			continue;
		}
		if (sl->tracked && sl->id == link.id &&
		    sl->count == link.binding_count) {
			sl->probe = false;
		} else if (link.binding_count == 0) {
			slot_untrack(q, k);
			sl->tracked = true;
			sl->id = link.id;
			sl->count = 0;
			sl->probe = false;
		} else {
			slot_untrack(q, k);
		}
	}
}

/* After the answers: what each bind to a tracked link found. */
static void slots_update(struct cli_queue *q)
{
	struct addrmap_ent *a;
	size_t i;

	for (i = 0; i < q->n; i++) {
		struct qent *e = &q->v[i];
		struct slot *sl;

		if (e->slot < 0 || e->err)
			continue;
		sl = &q->slots[e->slot];
		if (!sl->tracked || sl->probe)
			continue;
		a = addrmap_get(&q->bound, (size_t)e->slot, &e->addr);
		if (e->kind == Q_BIND) {
			if (e->link_id != sl->id) {
				slot_untrack(q, e->slot);
				continue;
			}
			e->held_by = a ? e->link_id : 0;
			if (a)
				continue;
			if (addrmap_put(&q->bound, (size_t)e->slot, &e->addr, 1)) {
				slot_untrack(q, e->slot);
				continue;
			}
			sl->count++;
		} else if (a) {
			addrmap_del(&q->bound, a);
			sl->count--;
		} else {
			slot_untrack(q, e->slot);	/* not as tracked */
		}
	}
}

struct flush {
	struct cli *c;
	struct cli_queue *q;
};

static void at_line(struct cli *c, const struct line *l)
{
	c->lineno = l->no;
}

static void flush_cb(const struct ipvl_batch_result *res, void *data)
{
	struct flush *f = data;
	struct cli_queue *q = f->q;
	size_t r = q->req[res->index];
	struct qent *e = &q->v[r & ~PROBE];

	if (r & PROBE) {
		/* the bind that follows finds what the probe found */
		if (!res->err && res->binding)
			e->held_by = res->binding->link_id;
		return;
	}
	e->err = res->err;
	if (e->kind == Q_BIND && !res->err && res->binding)
		e->link_id = res->binding->link_id;
	if (res->err == -ECANCELED) {
		q->cancelled++;
		return;
	}
	at_line(f->c, e->line);
	if (!res->err) {
		cli_warning_msg(f->c, res->errmsg);
	} else if (f->c->force) {
		cli_kernel_error_msg(f->c, res->err, res->errmsg);
		q->errors++;
	} else if (!q->failed) {
		q->failed = true;
		q->fail_index = r;
		q->fail_err = res->err;
		q->has_fail_msg = res->errmsg != NULL;
		snprintf(q->fail_msg, sizeof(q->fail_msg), "%s",
			 res->errmsg ? res->errmsg : "");
	}
}

/* The answers of the undo: only failures matter. */
static void undo_cb(const struct ipvl_batch_result *res, void *data)
{
	struct flush *f = data;
	struct qent *e = &f->q->v[f->q->req[res->index]];
	char text[IPVL_IPADDR_STRLEN], msg[600];

	if (!res->err)
		return;
	at_line(f->c, e->line);
	if (!ipvl_ipaddr_format(&e->addr, text, sizeof(text)))
		strcpy(text, "?");
	snprintf(msg, sizeof(msg), "cannot undo the %s of %s: %s",
		 e->kind == Q_BIND ? "bind" : "unbind", text,
		 res->errmsg ? res->errmsg : strerror(-res->err));
	cli_kernel_error_msg(f->c, res->err, msg);
	f->q->errors++;
}

static int req_reserve(struct cli *c, struct cli_queue *q, size_t n)
{
	size_t *v;

	if (n <= q->req_cap)
		return EXIT_OK;
	v = reallocarray(q->req, n, sizeof(*v));
	if (!v)
		return cli_error(c, "out of memory");
	q->req = v;
	q->req_cap = n;
	return EXIT_OK;
}

/*
 * Undo what was applied from the failing line on, last first: a bind
 * that created a binding is unbound (by the link's id), an unbind is
 * bound again.
 */
static void queue_undo(struct cli *c, struct cli_queue *q)
{
	struct flush f = { c, q };
	unsigned int first = q->v[q->fail_index].line->no;
	size_t i, count = 0;
	int err = 0;

	if (req_reserve(c, q, q->n)) {
		cli_error(c, "lines from %u on may have been applied", first);
		return;
	}
	for (i = q->n; i-- > 0 && !err;) {
		const struct qent *e = &q->v[i];
		struct ipvl_link_ref by_id = { .id = e->link_id };

		if (e->line->no < first || e->err)
			continue;
		if (e->kind == Q_BIND && e->held_by == e->link_id)
			continue;	/* the link held it already */
		if (e->kind == Q_BIND)
			err = ipvl_batch_addr_unbind(q->b, &by_id, &e->addr);
		else
			err = ipvl_batch_addr_bind(q->b, &e->link, &e->addr);
		if (!err)
			q->req[count++] = i;
	}
	if (err)
		cli_error(c, "cannot undo everything: %s", strerror(-err));
	ipvl_batch_run(q->b, 0, undo_cb, &f);
}

/*
 * Send what is queued and wait for every answer. Without -force, a
 * failure is reported, what was applied after it undone, and EXIT_KERNEL
 * returned; with -force, failures are reported as they come and counted.
 */
static int queue_flush(struct cli *c, struct cli_queue *q)
{
	struct flush f = { c, q };
	unsigned int lineno = c->lineno;
	size_t i, nreq = 0;
	int ret = EXIT_OK, err = 0;

	if (!q->n)
		return EXIT_OK;
	q->failed = false;
	q->cancelled = 0;
	if (q->exact)
		slots_lookup(c, q);
	ret = req_reserve(c, q, 2 * q->n);
	for (i = 0; !ret && !err && i < q->n; i++) {
		const struct qent *e = &q->v[i];

		if (e->kind == Q_BIND && q->exact &&
		    (e->slot < 0 || q->slots[e->slot].probe)) {
			err = ipvl_batch_addr_get(q->b, &e->link, &e->addr);
			q->req[nreq++] = i | PROBE;
		}
		if (!err && e->kind == Q_BIND)
			err = ipvl_batch_addr_bind(q->b, &e->link, &e->addr);
		else if (!err)
			err = ipvl_batch_addr_unbind(q->b, &e->link, &e->addr);
		q->req[nreq++] = i;
	}
	if (!ret && !err) {
		err = ipvl_batch_run(q->b, c->force ? 0 : IPVL_BATCH_STOP,
				     flush_cb, &f);
	} else {
		/* nothing was sent: drop what was queued in the batch */
		ipvl_batch_free(q->b);
		q->b = NULL;
		if (!ret)
			ret = cli_kernel_error_msg(c, err, NULL);
		q->n = 0;
		return ret;
	}
	if (!ret && (err || q->cancelled) && !q->failed && !c->force) {
		/* no failure to blame: say it at the first line */
		at_line(c, q->v[0].line);
		ret = cli_kernel_error_msg(c, err ? err : -ECANCELED, NULL);
	}
	if (q->exact)
		slots_update(q);
	if (q->failed) {
		at_line(c, q->v[q->fail_index].line);
		ret = cli_kernel_error_msg(c, q->fail_err,
					   q->has_fail_msg ? q->fail_msg : NULL);
		queue_undo(c, q);
		queue_forget(q);
	}
	q->n = 0;
	c->lineno = lineno;
	return ret;
}

static int queue_open(struct cli *c, struct cli_queue *q)
{
	int ret, err;

	if (q->b)
		return EXIT_OK;
	ret = cli_handle(c);
	if (ret)
		return ret;
	err = ipvl_batch_new(c->h, &q->b);
	if (err)
		return cli_kernel_error_msg(c, err, NULL);
	q->exact = !c->force;
	return EXIT_OK;
}

static void queue_free(struct cli_queue *q)
{
	ipvl_batch_free(q->b);
	free(q->v);
	free(q->req);
	addrmap_clear(&q->bound);
}

/* ---- the run ------------------------------------------------------------- */

struct tally {
	unsigned int usage, kernel;
	int first;			/* the first failure's code */
};

static void tally(struct tally *t, int ret)
{
	if (!ret)
		return;
	if (!t->first)
		t->first = ret;
	if (ret == EXIT_USAGE)
		t->usage++;
	else
		t->kernel++;
}

static int run_line(struct cli *c, struct cli_queue *q, const struct line *l)
{
	struct words w;
	int ret;

	ret = split(c, l->text, &w);
	if (ret)
		return ret;
	if (l->queueable) {
		ret = queue_open(c, q);
		if (!ret) {
			q->line = l;
			c->queue = q;
			ret = cli_dispatch(c, w.argc, w.argv);
			c->queue = NULL;
		}
	} else {
		/* it may change what the queue knew of links */
		queue_forget(q);
		ret = cli_dispatch(c, w.argc, w.argv);
		cli_end_output(c);
		fflush(stdout);
	}
	words_free(&w);
	return ret;
}

int cli_script_run(struct cli *c, struct cli_script *s)
{
	struct cli_queue q = { 0 };
	struct tally t = { 0 };
	size_t i;
	int ret;

	c->in_batch = true;
	c->file = s->name;
	for (i = 0; i < s->n; i++) {
		const struct line *l = &s->v[i];

		if (!l->text || l->bad)
			continue;
		c->lineno = l->no;
		if (!l->queueable || q.n >= QUEUE_MAX) {
			ret = queue_flush(c, &q);
			tally(&t, ret);
			if (ret && !c->force)
				break;
		}
		ret = run_line(c, &q, l);
		if (ret && l->queueable) {
			/* what came before it is applied first */
			int r = queue_flush(c, &q);

			if (r && !c->force) {
				tally(&t, r);
				break;
			}
		}
		tally(&t, ret);
		if (ret && !c->force)
			break;
	}
	if (!t.first || c->force)
		tally(&t, queue_flush(c, &q));
	t.kernel += q.errors;
	queue_free(&q);
	c->file = NULL;
	c->in_batch = false;

	if (!c->force)
		return t.first;
	if (t.kernel)
		return EXIT_KERNEL;
	return t.usage || s->usage_errors ? EXIT_USAGE : EXIT_OK;
}

int cli_batch(struct cli *c, const char *file)
{
	struct cli_script *s;
	int ret;

	ret = cli_script_read(c, file, &s);
	if (ret)
		return ret;
	ret = cli_script_check(c, s, false);
	if (!ret || c->force) {
		int r = cli_script_run(c, s);

		ret = r ? r : ret;
	}
	cli_script_free(s);
	return ret;
}
