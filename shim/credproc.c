/* credential_process (reference/aws-protocol.md B5): the command line split as botocore splits
 * it (shlex, POSIX rules, no shell), run in its own process group with stdin /dev/null and
 * stderr passed through, its stdout read through a pipe (capped) under a timeout, then its
 * Version 1 JSON. The output is wiped after use and never appears in a message. */
#include "credproc.h"

#include "buf.h"
#include "clock.h"
#include "exec.h"
#include "sanitize.h"
#include "wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OUT_MAX    (64 * 1024)
#define DEFAULT_MS 60000L /* the Go SDK's; botocore waits forever */

void credproc_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		wipe_free_str(argv[i]);
	free(argv);
}

static int argv_push(char ***argv, size_t *n, struct buf *word)
{
	char **grown = realloc(*argv, (*n + 2) * sizeof(**argv));
	char *w;

	if (!grown)
		return -1;
	*argv = grown;
	grown[*n] =
	        NULL; /* terminated even when the copy below fails: credproc_argv_free reads it */
	w = word->ptr ? buf_detach(word) : strdup("");
	if (!w)
		return -1;
	grown[(*n)++] = w;
	grown[*n] = NULL;
	return 0;
}

/* One character of the shlex state machine; q is the open quote (0 outside). */
static int split_step(struct buf *w, int *inword, char *q, const char **pp)
{
	const char *p = *pp;

	if (*q == '\'') {
		if (*p == '\'')
			*q = 0;
		else
			buf_putc(w, *p);
	} else if (*q == '"') {
		if (*p == '"')
			*q = 0;
		else if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			buf_putc(w, *++p);
		else
			buf_putc(w, *p);
	} else if (*p == '\'' || *p == '"') {
		*q = *p;
		*inword = 1;
	} else if (*p == '\\') {
		if (!p[1])
			return -1;
		buf_putc(w, *++p);
		*inword = 1;
	} else {
		buf_putc(w, *p);
		*inword = 1;
	}
	*pp = p;
	return 0;
}

int credproc_split(char ***out, const char *command, struct shim_err *err)
{
	struct buf w = BUF_INIT;
	char **argv = NULL, q = 0;
	size_t n = 0;
	int inword = 0;

	for (const char *p = command ? command : ""; *p; p++) {
		if (!q && strchr(" \t\r\n", *p)) {
			if (inword && argv_push(&argv, &n, &w) < 0)
				goto oom;
			inword = 0;
		} else if (split_step(&w, &inword, &q, &p) < 0) {
			buf_free(&w);
			credproc_argv_free(argv);
			return shim_err_set(err, SHIM_EX_NOPERM,
			                    "a backslash ends the command line");
		}
	}
	if (q) {
		buf_free(&w);
		credproc_argv_free(argv);
		return shim_err_set(err, SHIM_EX_NOPERM, "no closing quotation (%c)", q);
	}
	if ((inword && argv_push(&argv, &n, &w) < 0) || buf_oom(&w))
		goto oom;
	buf_free(&w);
	if (n == 0) {
		credproc_argv_free(argv);
		return shim_err_set(err, SHIM_EX_NOPERM, "the command is empty");
	}
	*out = argv;
	return 0;
oom:
	buf_free(&w);
	credproc_argv_free(argv);
	return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
}

/* The child: its own process group, stdin /dev/null, stdout the pipe, a clean signal state.
 * An exec failure goes back to the parent as errno through the close-on-exec pipe. */
static void child_run(char **argv, char **envp, int devnull, int out, int report)
{
	sigset_t none;
	int e;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (dup2(devnull, STDIN_FILENO) >= 0 && dup2(out, STDOUT_FILENO) >= 0)
		shim_exec(argv[0], argv, envp ? envp : (char *[]){NULL},
		          SHIM_EXEC_SEARCH | SHIM_EXEC_SCRIPT);
	e = errno;
	if (write(report, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

struct proc {
	pid_t pid;
	int out;          /* read end of stdout */
	int exec_errno;   /* the exec's failure, 0 when it ran */
	long long expiry; /* clock_ms() deadline */
};

static int spawn(struct proc *pr, char **argv, char **envp, struct shim_err *err)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC), out[2] = {-1, -1}, rep[2] = {-1, -1};
	int rc = -1;
	ssize_t n;

	if (devnull < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		shim_err_set(err, SHIM_EX_NOPERM, "cannot set up pipes: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	if ((pr->pid = fork()) < 0) {
		shim_err_set(err, SHIM_EX_NOPERM, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pr->pid == 0)
		child_run(argv, envp, devnull, out[1], rep[1]);
	setpgid(pr->pid, pr->pid); /* also here, so the group exists before any kill */
	close(rep[1]);
	rep[1] = -1;
	while ((n = read(rep[0], &pr->exec_errno, sizeof(pr->exec_errno))) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(pr->exec_errno))
		pr->exec_errno = 0;
	pr->out = out[0];
	out[0] = -1;
	rc = 0;
out:
	for (int *fd = (int[]){devnull, out[0], out[1], rep[0], rep[1]}, i = 0; i < 5; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return rc;
}

static void proc_kill(struct proc *pr)
{
	kill(-pr->pid, SIGKILL);
	kill(pr->pid, SIGKILL);
	while (waitpid(pr->pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Read stdout to its end through chunk (the caller wipes it): 0, or -1 (the caller kills)
 * when the time or the cap runs out. */
static int read_output(struct proc *pr, struct buf *o, char *chunk, size_t cap, long ms,
                       struct shim_err *err)
{
	for (;;) {
		long long left = pr->expiry - clock_ms();
		struct pollfd p = {pr->out, POLLIN, 0};
		ssize_t n;

		if (left <= 0)
			return shim_err_set(err, SHIM_EX_NOPERM, "it did not finish within %ld ms",
			                    ms);
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return shim_err_set(err, SHIM_EX_NOPERM, "poll: %s", strerror(errno));
		if (!p.revents)
			continue;
		if ((n = read(pr->out, chunk, cap)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? shim_err_set(err, SHIM_EX_NOPERM, "reading its output: %s",
			                            strerror(errno))
			             : 0;
		if (o->len + (size_t)n > (size_t)OUT_MAX)
			return shim_err_set(err, SHIM_EX_NOPERM, "it printed more than %d KiB",
			                    OUT_MAX / 1024);
		buf_put(o, chunk, (size_t)n);
	}
}

/* Wait for the exit after stdout closed, still under the deadline. */
static int wait_exit(struct proc *pr, long ms, int *status, struct shim_err *err)
{
	for (;;) {
		pid_t r = waitpid(pr->pid, status, WNOHANG);

		if (r == pr->pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return shim_err_set(err, SHIM_EX_NOPERM, "waitpid: %s", strerror(errno));
		if (clock_ms() >= pr->expiry)
			return shim_err_set(err, SHIM_EX_NOPERM, "it did not finish within %ld ms",
			                    ms);
		nanosleep(&(struct timespec){0, 5000000L}, NULL);
	}
}

/* Run argv: 0 with its whole stdout in *o after a zero exit status, or -1 with err. */
static int run(struct buf *o, char **argv, char **envp, long ms, struct shim_err *err)
{
	struct proc pr = {.expiry = clock_ms() + ms};
	char name[96], chunk[4096];
	int status = 0, rc;

	if (spawn(&pr, argv, envp, err) < 0)
		return -1;
	if (pr.exec_errno) {
		close(pr.out);
		while (waitpid(pr.pid, NULL, 0) < 0 && errno == EINTR)
			;
		sanitize_quote(name, sizeof(name), argv[0], strlen(argv[0]), 80);
		return shim_err_set(err, SHIM_EX_NOPERM, "cannot run \"%s\": %s", name,
		                    strerror(pr.exec_errno));
	}
	rc = read_output(&pr, o, chunk, sizeof(chunk), ms, err);
	wipe(chunk, sizeof(chunk));
	close(pr.out);
	if (rc == 0)
		rc = wait_exit(&pr, ms, &status, err);
	if (rc < 0) {
		proc_kill(&pr);
		return -1;
	}
	if (WIFSIGNALED(status))
		return shim_err_set(err, SHIM_EX_NOPERM, "it was killed by signal %d",
		                    WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "it exited with status %d (its own message is above)",
		                    WEXITSTATUS(status));
	return 0;
}

/* A required or optional string member, fit for a header. */
static int member(const char **out, json_t *root, const char *key, int required,
                  struct shim_err *err)
{
	json_t *v = json_object_get(root, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return shim_err_set(err, SHIM_EX_NOPERM, "its output has no %s", key);
		return 0;
	}
	if (!json_is_string(v) || (required && json_string_length(v) == 0) ||
	    !creds_value_safe(json_string_value(v), json_string_length(v)))
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "%s in its output is not a string of printable characters",
		                    key);
	*out = json_string_length(v) ? json_string_value(v) : NULL;
	return 0;
}

static int parse(struct aws_creds *out, const struct buf *o, long long now, struct shim_err *err)
{
	json_t *root = json_loadb(buf_cstr(o), o->len, JSON_REJECT_DUPLICATES, NULL);
	json_t *ver = json_object_get(root, "Version");
	const char *id, *secret, *token, *exp;
	long long when = 0;
	int rc = -1;

	if (!json_is_object(root))
		shim_err_set(err, SHIM_EX_NOPERM, "its output is not a JSON object");
	else if (!json_is_integer(ver) || json_integer_value(ver) != 1)
		shim_err_set(err, SHIM_EX_NOPERM, "its output is not Version 1 (\"Version\": 1)");
	else if (member(&id, root, "AccessKeyId", 1, err) == 0 &&
	         member(&secret, root, "SecretAccessKey", 1, err) == 0 &&
	         member(&token, root, "SessionToken", 0, err) == 0 &&
	         member(&exp, root, "Expiration", 0, err) == 0) {
		if (exp && (when = creds_parse_time(exp)) < 0)
			shim_err_set(err, SHIM_EX_NOPERM,
			             "Expiration in its output is not an RFC 3339 time");
		else if (exp && when <= now)
			shim_err_set(err, SHIM_EX_NOPERM,
			             "the credentials it printed have expired");
		else
			rc = creds_set(out, id, secret, token, when, "credential_process", err);
	}
	json_decref(root);
	return rc;
}

int credproc_load(struct aws_creds *out, const char *profile, const char *command, long timeout_ms,
                  struct creds_ctx *ctx, struct shim_err *err)
{
	struct buf o = BUF_INIT;
	char **argv = NULL, why[sizeof(err->msg)];
	long ms = timeout_ms > 0 ? timeout_ms : DEFAULT_MS;
	int rc = -1;

	if (credproc_split(&argv, command, err) == 0 && run(&o, argv, ctx->envp, ms, err) == 0 &&
	    parse(out, &o, ctx->now, err) == 0)
		rc = 1;
	credproc_argv_free(argv);
	buf_free(&o);
	if (rc < 0) {
		snprintf(why, sizeof(why), "%s", err->msg);
		return shim_err_set(
		        err, err->status == SHIM_EX_INTERNAL ? SHIM_EX_INTERNAL : SHIM_EX_NOPERM,
		        "profile %s: credential_process: %s", profile, why);
	}
	return 1;
}
