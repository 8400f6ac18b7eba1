/*
 * The IPAM plugin: found in CNI_PATH, run with the same environment but
 * its own CNI_COMMAND and the whole configuration on stdin, as the spec's
 * delegation says.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni.h"

extern char **environ;

static int find_plugin(const char *path, const char *type, char *out,
		       size_t size)
{
	const char *p = path;

	while (p && *p) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct stat st;
		int n;

		n = snprintf(out, size, "%.*s/%s", (int)len, p, type);
		if (len && n > 0 && (size_t)n < size && !stat(out, &st) &&
		    S_ISREG(st.st_mode) && !access(out, X_OK))
			return 0;
		p = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

/* The environment with CNI_COMMAND replaced. */
static char **child_env(const char *command)
{
	size_t n = 0, i, j = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "CNI_COMMAND=", 12))
			env[j++] = environ[i];
	if (asprintf(&env[j], "CNI_COMMAND=%s", command) < 0) {
		free(env);
		return NULL;
	}
	return env;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static char *read_all(int fd, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	while (buf) {
		ssize_t n;

		if (len == cap) {
			char *nb = realloc(buf, cap *= 2);

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*lenp = len;
	return buf;
}

struct run {
	int status;
	char *out;
	size_t len;
};

static int run_plugin(const char *file, const char *command, const char *in,
		      struct run *run)
{
	int inp[2] = { -1, -1 }, outp[2] = { -1, -1 };
	char *argv[] = { (char *)file, NULL };
	char **env = child_env(command);
	posix_spawn_file_actions_t fa;
	int err = -1;
	pid_t pid;

	memset(run, 0, sizeof(*run));
	if (!env || pipe2(inp, O_CLOEXEC) || pipe2(outp, O_CLOEXEC))
		goto out;
	/* posix_spawn: a vfork, no copy of our address space (cheaper than
	 * fork by a third of the call under QEMU TCG) */
	if (posix_spawn_file_actions_init(&fa))
		goto out;
	if (posix_spawn_file_actions_adddup2(&fa, inp[0], 0) ||
	    posix_spawn_file_actions_adddup2(&fa, outp[1], 1) ||
	    posix_spawn(&pid, file, &fa, NULL, argv, env)) {
		posix_spawn_file_actions_destroy(&fa);
		goto out;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(inp[0]);
	close(outp[1]);
	inp[0] = outp[1] = -1;
	/* a plugin that does not read its stdin must not kill us */
	signal(SIGPIPE, SIG_IGN);
	write_all(inp[1], in, strlen(in));
	close(inp[1]);
	inp[1] = -1;
	run->out = read_all(outp[0], &run->len);
	while (waitpid(pid, &run->status, 0) < 0 && errno == EINTR)
		;
	err = run->out ? 0 : -1;
out:
	if (env) {
		size_t i;

		for (i = 0; env[i]; i++)
			if (!strncmp(env[i], "CNI_COMMAND=", 12))
				free(env[i]);
		free(env);
	}
	if (inp[0] >= 0)
		close(inp[0]);
	if (inp[1] >= 0)
		close(inp[1]);
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	return err;
}

/* The IPAM plugin's own error, passed on with its code. */
static int plugin_error(const struct run *run, const char *type,
			struct cni_error *e)
{
	json_t *o = json_loadb(run->out, run->len, 0, NULL);
	json_t *code = json_object_get(o, "code");
	json_t *msg = json_object_get(o, "msg");
	json_t *details = json_object_get(o, "details");
	int err;

	if (json_is_integer(code) && json_is_string(msg)) {
		err = cni_fail(e, (int)json_integer_value(code),
			       json_string_value(msg), "IPAM plugin %s%s%s",
			       type, json_is_string(details) ? ": " : "",
			       json_is_string(details) ?
			       json_string_value(details) : "");
	} else {
		err = cni_fail(e, CNI_ERR_IPAM, "the IPAM plugin failed",
			       "%s exited with status %d: %.*s", type,
			       WIFEXITED(run->status) ?
			       WEXITSTATUS(run->status) : -1,
			       (int)(run->len > 300 ? 300 : run->len),
			       run->out);
	}
	json_decref(o);
	return err;
}

/*
 * res may be NULL (DEL, CHECK, STATUS, GC). A configuration of 1.1.0 that
 * an older IPAM plugin refuses (code 1, such as Debian 12's host-local,
 * which speaks up to 1.0.0) is given to it again as 1.0.0: ADD, DEL and
 * CHECK are the same in both versions.
 */
int cni_ipam_exec(const struct cni_conf *c, const struct cni_env *env,
		  const char *command, struct cni_result *res,
		  struct cni_error *e)
{
	char file[4096], *in;
	bool lowered = false;
	struct run run;
	json_t *conf;
	int err;

	if (find_plugin(env->path, c->ipam_type, file, sizeof(file)))
		return cni_fail(e, CNI_ERR_IPAM, "IPAM plugin not found",
				"no executable %s in CNI_PATH %s", c->ipam_type,
				env->path ? env->path : "(unset)");
	conf = json_copy(c->root);
again:
	in = conf ? json_dumps(conf, JSON_COMPACT | JSON_PRESERVE_ORDER) :
	     NULL;
	if (!in) {
		json_decref(conf);
		return cni_fail(e, CNI_ERR_IO, "out of memory", NULL);
	}
	err = run_plugin(file, command, in, &run);
	free(in);
	if (err) {
		free(run.out);
		json_decref(conf);
		return cni_fail(e, CNI_ERR_IPAM, "the IPAM plugin could not be run",
				"%s: %s", file, strerror(errno));
	}
	if (!WIFEXITED(run.status) || WEXITSTATUS(run.status)) {
		err = plugin_error(&run, c->ipam_type, e);
		free(run.out);
		if (e->code == CNI_ERR_VERSION && !lowered &&
		    c->vidx == CNI_VERSION_1_1_0) {
			lowered = true;
			e->code = 0;
			json_object_set_new(conf, "cniVersion",
					    json_string("1.0.0"));
			goto again;
		}
		json_decref(conf);
		return err;
	}
	json_decref(conf);
	if (res) {
		json_t *o = json_loadb(run.out, run.len, 0, NULL);

		if (!o) {
			free(run.out);
			return cni_fail(e, CNI_ERR_IPAM,
					"the IPAM plugin's result is not JSON",
					"%s", c->ipam_type);
		}
		err = cni_result_parse(o, res, e);
		json_decref(o);
	}
	free(run.out);
	return err;
}
