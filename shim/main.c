/* covenant-shim, the supervisor: parse the options, then either exec the resolver in place
 * (report modes) or become PID 1 for a child that runs the resolver or the command itself.
 * Static, libc only: PID 1 never maps libcurl or OpenSSL and never holds a secret value. */
#include "exec.h"
#include "opts.h"
#include "supervise.h"
#include "valuefrom.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static char resolver_buf[PATH_MAX];

/* COVENANT_SHIM_RESOLVER, else covenant-shim-resolve beside this executable. */
static const char *find_resolver(void)
{
	const char *env = getenv("COVENANT_SHIM_RESOLVER");
	ssize_t n;
	char *slash;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", resolver_buf, sizeof(resolver_buf) - 1);
	if (n <= 0)
		return "covenant-shim-resolve"; /* no /proc: look it up in PATH */
	resolver_buf[n] = '\0';
	slash = strrchr(resolver_buf, '/');
	if (!slash || (size_t)(slash - resolver_buf) + 23 >= sizeof(resolver_buf))
		return "covenant-shim-resolve";
	strcpy(slash + 1, "covenant-shim-resolve");
	return resolver_buf;
}

/* Why the resolver cannot run. In an image a missing one usually means that only
 * covenant-shim was copied: the message says which file is missing and how to install it. */
static int resolver_error(const char *path, int e)
{
	if (e == ENOENT || e == ENOTDIR)
		log_error("cannot run the resolver \"%s\": %s: covenant-shim needs "
		          "covenant-shim-resolve in the same directory (or COVENANT_SHIM_RESOLVER "
		          "naming it); install both, e.g. copy both files to /usr/local/bin",
		          path, strerror(e));
	else
		log_error("cannot run the resolver \"%s\": %s", path, strerror(e));
	return shim_exec_status(e);
}

/* The resolver must be there before anything is forked for it: a missing one is exit 127,
 * as for any command, with resolver_error's message. A bare name (no /proc to find this
 * executable's directory) is looked up in PATH by the exec itself. */
static int resolver_check(const char *path)
{
	if (!strchr(path, '/') || access(path, X_OK) == 0)
		return 0;
	return resolver_error(path, errno);
}

static int exec_resolver_in_place(char **argv)
{
	const char *path = find_resolver();
	int status = resolver_check(path);

	if (status)
		return status;
	argv[0] = (char *)path;
	shim_exec(path, argv, environ, SHIM_EXEC_SEARCH);
	return resolver_error(path, errno);
}

/* --version: this line, then the resolver's own report of the libraries inside it. */
static int print_versions(const char *line)
{
	char *args[] = {"covenant-shim-resolve", "--version", NULL};

	if (fputs(line, stdout) == EOF || fflush(stdout) != 0)
		return SHIM_EX_INTERNAL;
	return exec_resolver_in_place(args);
}

int main(int argc, char **argv)
{
	struct shim_err err = {0};
	struct shim_opts o;
	const char *answer;
	int needs_resolver, status;

	if (opts_start(&o, argc, argv, environ, &err) < 0) {
		log_error("%s", err.msg);
		return err.status;
	}
	if ((answer = opts_answer(&o))) {
		if (o.help)
			status = fputs(answer, stdout) == EOF ? SHIM_EX_INTERNAL : 0;
		else
			status = print_versions(answer);
		opts_free(&o);
		return status;
	}
	if (opts_report_mode(&o))
		return exec_resolver_in_place(argv);
	if (!o.command_argc && !o.task_definition) {
		log_error(
		        "no command given, and no --task-definition to take it from (try --help)");
		opts_free(&o);
		return SHIM_EX_USAGE;
	}

	needs_resolver = opts_has_mapping(&o) || o.store || o.profile || ref_env_has_arn(environ);
	if (needs_resolver) {
		argv[0] = (char *)find_resolver();
		if ((status = resolver_check(argv[0]))) {
			opts_free(&o);
			return status;
		}
		status = supervise_run(&o, argv[0], argv, !strchr(argv[0], '/'), 1);
	} else {
		status = supervise_run(&o, o.command[0], o.command, 1, 0);
	}
	opts_free(&o);
	return status;
}
