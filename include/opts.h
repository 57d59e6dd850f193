/* The command line and its environment variables (DESIGN.md section 2), parsed by one
 * source that both executables compile in. Options win over their environment variables. */
#ifndef SHIM_OPTS_H
#define SHIM_OPTS_H

#include "err.h"
#include "log.h"

#define SHIM_VERSION "0.2.0"
#define SHIM_NSIG    65 /* signals 1 to 64, as Linux numbers them */

enum print_format { PRINT_NONE = 0, PRINT_DOTENV, PRINT_JSON, PRINT_SHELL };
/* --iam-policy[=task|execution]: the task role's policy (the shim fetches) or the execution
 * role's (ECS injects the task definition's secrets). */
enum iam_role { IAM_NONE = 0, IAM_TASK, IAM_EXECUTION };
enum explain_format { EXPLAIN_NONE = 0, EXPLAIN_TEXT, EXPLAIN_JSON };

struct strlist {
	char **v; /* owned copies */
	size_t n, cap;
};

struct shim_opts {
	/* Borrowed from argv or the environment; valid for the life of the process. */
	const char *task_definition, *container, *profile, *store, *region, *audit;
	struct strlist ssm_paths, secret_json, env_files;
	int check, group, help, version, digest;
	enum iam_role iam_policy;
	enum explain_format explain;
	int subreaper; /* -s, tini's: accepted, subreaping is automatic */
	enum print_format print;
	long grace_ms, stop_delay_ms, refresh_ms, timeout_ms;
	int refresh_signal;           /* --refresh-signal: 0 restarts the child on a change */
	int digest_fd;                /* internal --digest-fd (include/refresh.h); -1 when absent */
	unsigned char remap_exit[32]; /* bit N set: child status N becomes 0 */
	/* --rewrite FROM:TO: rewrite[FROM] is the signal forwarded instead of FROM, 0 for
	 * "do not forward" (dumb-init's FROM:0); rewrite_set[FROM] says whether one is given. */
	unsigned char rewrite[SHIM_NSIG], rewrite_set[SHIM_NSIG];
	int verbosity;
	enum log_format log_format;
	char **command; /* points into argv; NULL-terminated; command_argc == 0 when absent */
	int command_argc;
};

/* Parse argv (argv[0] is the program) and envp. On failure err->status is 64 and err->msg
 * one line naming the option or variable and the bad value; out is left cleared. */
int opts_parse(struct shim_opts *out, int argc, char **argv, char **envp, struct shim_err *err);
void opts_free(struct shim_opts *o);

/* --check, --print, --audit, --iam-policy, --explain (and the refresh digest): the resolver
 * is exec'd in place, with no supervision. */
int opts_report_mode(const struct shim_opts *o);
/* A mapping option that only the resolver can act on. */
int opts_has_mapping(const struct shim_opts *o);
int opts_remaps(const struct shim_opts *o, int status);
/* The signal to forward for a received sig after --rewrite; 0: forward nothing. */
int opts_rewrite(const struct shim_opts *o, int sig);
/* "TERM", "SIGTERM", "term" or "15" -> 15; -1 when no signal has that name or number. */
int opts_parse_signal(const char *s);

/* "30", "1.5", "500ms", "2m", "1h" -> milliseconds; -1 when malformed, -2 above a week. */
long opts_parse_duration(const char *s);

const char *opts_usage(void);

/* The start both executables share: parse, then set up the logger. 0 with *out filled, or -1
 * with err (64, one line naming the option or variable) and *out cleared. */
int opts_start(struct shim_opts *out, int argc, char **argv, char **envp, struct shim_err *err);

/* What --help or --version prints on stdout, or NULL when neither was asked. Static. */
const char *opts_answer(const struct shim_opts *o);

#endif
