/* The shared option parser: every option, its environment variable, precedence, and
 * every kind of bad value. */
#include "opts.h"
#include "unit.h"

#include <signal.h>

static int parse(struct shim_opts *o, struct shim_err *e, char **env, char *a0, ...);

#include <stdarg.h>

#define MAXARGS 32
static char *argv_buf[MAXARGS];

/* parse(o, err, env, "arg", ..., NULL): argv[0] is added. */
static int parse(struct shim_opts *o, struct shim_err *e, char **env, char *a0, ...)
{
	va_list ap;
	int argc = 0;
	char *a;

	argv_buf[argc++] = "covenant-shim";
	va_start(ap, a0);
	for (a = a0; a && argc < MAXARGS - 1; a = va_arg(ap, char *))
		argv_buf[argc++] = a;
	va_end(ap);
	argv_buf[argc] = NULL;
	memset(e, 0, sizeof(*e));
	return opts_parse(o, argc, argv_buf, env, e);
}

static char *no_env[] = {NULL};

static void test_defaults_and_command(void)
{
	struct shim_opts o;
	struct shim_err e;

	CHECK_INT(parse(&o, &e, no_env, "gunicorn", "-b", "0.0.0.0", NULL), 0);
	CHECK_INT(o.command_argc, 3);
	CHECK_STR(o.command[0], "gunicorn");
	CHECK_STR(o.command[1], "-b"); /* options after the command belong to it */
	CHECK(o.command[3] == NULL);
	CHECK_INT(o.timeout_ms, 60000);
	CHECK_INT(o.grace_ms, 0);
	CHECK_INT(o.verbosity, LOG_INFO);
	CHECK_INT(o.print, PRINT_NONE);
	CHECK(!opts_report_mode(&o) && !opts_has_mapping(&o));
	opts_free(&o);

	CHECK_INT(parse(&o, &e, no_env, "--", "-v", NULL), 0);
	CHECK_INT(o.command_argc, 1);
	CHECK_STR(o.command[0], "-v");
	opts_free(&o);

	CHECK_INT(parse(&o, &e, no_env, NULL), 0);
	CHECK_INT(o.command_argc, 0);
	opts_free(&o);
}

static void test_every_option(void)
{
	struct shim_opts o;
	struct shim_err e;

	CHECK_INT(parse(&o, &e, no_env, "-t", "td.json", "--container=web", "--ssm-path", "/a",
	                "--ssm-path=/b", "--secret-json", "s1", "--env-file", "x.env", "-p", "dev",
	                "--region", "eu-west-1", "-g", "--grace", "1.5", "--stop-delay=500ms",
	                "--remap-exit", "143", "--remap-exit=3", "--refresh", "5m", "--timeout",
	                "10", "-vv", "--log-format", "json", "--", "app", NULL),
	          0);
	CHECK_STR(o.task_definition, "td.json");
	CHECK_STR(o.container, "web");
	CHECK_INT(o.ssm_paths.n, 2);
	CHECK_STR(o.ssm_paths.v[1], "/b");
	CHECK_STR(o.secret_json.v[0], "s1");
	CHECK_STR(o.env_files.v[0], "x.env");
	CHECK_STR(o.profile, "dev");
	CHECK_STR(o.region, "eu-west-1");
	CHECK(o.group);
	CHECK_INT(o.grace_ms, 1500);
	CHECK_INT(o.stop_delay_ms, 500);
	CHECK(opts_remaps(&o, 143) && opts_remaps(&o, 3) && !opts_remaps(&o, 0));
	CHECK_INT(o.refresh_ms, 300000);
	CHECK_INT(o.timeout_ms, 10000);
	CHECK_INT(o.verbosity, LOG_TRACE);
	CHECK_INT(o.log_format, LOG_JSON);
	CHECK(opts_has_mapping(&o));
	CHECK_STR(o.command[0], "app");
	opts_free(&o);

	CHECK_INT(parse(&o, &e, no_env, "-tfile", "-cweb", "-qq", NULL), 0);
	CHECK_STR(o.task_definition, "file");
	CHECK_STR(o.container, "web");
	CHECK_INT(o.verbosity, LOG_ERROR);
	opts_free(&o);
}

static void test_report_modes(void)
{
	struct shim_opts o;
	struct shim_err e;

	CHECK_INT(parse(&o, &e, no_env, "--print", NULL), 0);
	CHECK_INT(o.print, PRINT_DOTENV);
	CHECK(opts_report_mode(&o));
	opts_free(&o);
	CHECK_INT(parse(&o, &e, no_env, "--print=shell", NULL), 0);
	CHECK_INT(o.print, PRINT_SHELL);
	opts_free(&o);
	CHECK_INT(parse(&o, &e, no_env, "--print=json", NULL), 0);
	CHECK_INT(o.print, PRINT_JSON);
	opts_free(&o);
	CHECK_INT(parse(&o, &e, no_env, "--audit", ".env.example", NULL), 0);
	CHECK_STR(o.audit, ".env.example");
	opts_free(&o);
	CHECK_INT(parse(&o, &e, no_env, "--check", NULL), 0);
	CHECK(o.check && opts_report_mode(&o));
	opts_free(&o);
	CHECK_INT(parse(&o, &e, no_env, "--iam-policy", NULL), 0);
	CHECK(o.iam_policy == IAM_TASK && opts_report_mode(&o));
	opts_free(&o);
	CHECK_INT(parse(&o, &e, no_env, "--iam-policy=execution", NULL), 0);
	CHECK_INT(o.iam_policy, IAM_EXECUTION);
	opts_free(&o);
	CHECK_INT(parse(&o, &e, no_env, "--iam-policy=task", NULL), 0);
	CHECK_INT(o.iam_policy, IAM_TASK);
	opts_free(&o);
	CHECK_INT(parse(&o, &e, no_env, "--explain", NULL), 0);
	CHECK(o.explain == EXPLAIN_TEXT && opts_report_mode(&o));
	opts_free(&o);
	CHECK_INT(parse(&o, &e, no_env, "--explain=json", NULL), 0);
	CHECK_INT(o.explain, EXPLAIN_JSON);
	opts_free(&o);
	CHECK_INT(parse(&o, &e, no_env, "--explain=text", NULL), 0);
	CHECK_INT(o.explain, EXPLAIN_TEXT);
	opts_free(&o);
}

static void test_environment_and_precedence(void)
{
	char *env[] = {"COVENANT_SHIM_TASK_DEFINITION=env.json",
	               "COVENANT_SHIM_CONTAINER=worker",
	               "COVENANT_SHIM_SSM_PATHS=/x,,/y",
	               "COVENANT_SHIM_SECRET_JSON=a,b",
	               "COVENANT_SHIM_ENV_FILE=f,g.env",
	               "COVENANT_SHIM_GROUP=true",
	               "COVENANT_SHIM_GRACE=2",
	               "COVENANT_SHIM_STOP_DELAY=1",
	               "COVENANT_SHIM_REMAP_EXIT=143,0",
	               "COVENANT_SHIM_TIMEOUT=5",
	               "COVENANT_SHIM_VERBOSITY=debug",
	               "COVENANT_SHIM_LOG_FORMAT=json",
	               "COVENANT_SHIM_STORE=store.json",
	               "COVENANT_SHIM_REFRESH=1h",
	               "COVENANT_SHIM_TASK_DEFINITIONX=no",
	               NULL};
	struct shim_opts o;
	struct shim_err e;

	CHECK_INT(parse(&o, &e, env, NULL), 0);
	CHECK_STR(o.task_definition, "env.json");
	CHECK_STR(o.container, "worker");
	CHECK_INT(o.ssm_paths.n, 2); /* empty items are skipped */
	CHECK_STR(o.ssm_paths.v[1], "/y");
	CHECK_INT(o.secret_json.n, 2);
	CHECK_INT(o.env_files.n, 1); /* one file: a comma may be part of its name */
	CHECK_STR(o.env_files.v[0], "f,g.env");
	CHECK(o.group);
	CHECK_INT(o.grace_ms, 2000);
	CHECK_INT(o.stop_delay_ms, 1000);
	CHECK(opts_remaps(&o, 143) && opts_remaps(&o, 0));
	CHECK_INT(o.timeout_ms, 5000);
	CHECK_INT(o.verbosity, LOG_DEBUG);
	CHECK_INT(o.log_format, LOG_JSON);
	CHECK_STR(o.store, "store.json");
	CHECK_INT(o.refresh_ms, 3600000);
	opts_free(&o);

	/* Options win, repeatable ones replace the environment's list. */
	CHECK_INT(parse(&o, &e, env, "-t", "opt.json", "--ssm-path", "/z", "--grace", "0", "-q",
	                "--log-format", "text", NULL),
	          0);
	CHECK_STR(o.task_definition, "opt.json");
	CHECK_INT(o.ssm_paths.n, 1);
	CHECK_STR(o.ssm_paths.v[0], "/z");
	CHECK_INT(o.grace_ms, 0);
	CHECK_INT(o.verbosity, LOG_WARN);
	CHECK_INT(o.log_format, LOG_TEXT);
	opts_free(&o);

	char *off[] = {"COVENANT_SHIM_GROUP=0", "COVENANT_SHIM_GRACE=", NULL};
	CHECK_INT(parse(&o, &e, off, NULL), 0);
	CHECK(!o.group);
	CHECK_INT(o.grace_ms, 0);
	opts_free(&o);
}

static void expect_usage(char **env, const char *needle, char *a0, char *a1, char *a2)
{
	struct shim_opts o;
	struct shim_err e;

	CHECK_INT(parse(&o, &e, env, a0, a1, a2, NULL), -1);
	CHECK_INT(e.status, SHIM_EX_USAGE);
	if (!strstr(e.msg, needle)) {
		unit_cur_failed++;
		fprintf(stderr, "message \"%s\" lacks \"%s\"\n", e.msg, needle);
	}
	CHECK(!strchr(e.msg, '\n'));
}

static void test_bad_input(void)
{
	expect_usage(no_env, "unknown option \"--nope\"", "--nope", NULL, NULL);
	expect_usage(no_env, "unknown option \"-x\"", "-x", NULL, NULL);
	expect_usage(no_env, "--grace needs a value", "--grace", NULL, NULL);
	expect_usage(no_env, "-t needs a value", "-t", NULL, NULL);
	expect_usage(no_env, "--check takes no value", "--check=yes", NULL, NULL);
	expect_usage(no_env, "--grace: \"ten\"", "--grace", "ten", NULL);
	expect_usage(no_env, "--grace: \"1.\"", "--grace", "1.", NULL);
	expect_usage(no_env, "--grace: \"-1\"", "--grace", "-1", NULL);
	expect_usage(no_env, "--stop-delay: \"5d\"", "--stop-delay", "5d", NULL);
	expect_usage(no_env, "--grace: 99999999", "--grace", "99999999", NULL);
	expect_usage(no_env, "--timeout: 0", "--timeout", "0", NULL);
	expect_usage(no_env, "--refresh: 10ms", "--refresh", "10ms", NULL);
	expect_usage(no_env, "--remap-exit: \"256\"", "--remap-exit", "256", NULL);
	expect_usage(no_env, "--remap-exit: \"-1\"", "--remap-exit", "-1", NULL);
	expect_usage(no_env, "--remap-exit: \"1a\"", "--remap-exit", "1a", NULL);
	expect_usage(no_env, "--print: unknown format \"xml\"", "--print=xml", NULL, NULL);
	expect_usage(no_env, "--log-format: unknown log format", "--log-format", "x", NULL);
	expect_usage(no_env, "-t: empty value", "-t", "", NULL);
	expect_usage(no_env, "exclude", "--check", "--iam-policy", NULL);
	expect_usage(no_env, "--print: unknown format \"xml\" (dotenv, json or shell)",
	             "--print=xml", NULL, NULL);
	expect_usage(no_env, "--iam-policy: unknown role \"admin\" (task or execution)",
	             "--iam-policy=admin", NULL, NULL);
	expect_usage(no_env, "--explain: unknown format \"yaml\" (text or json)", "--explain=yaml",
	             NULL, NULL);
	expect_usage(no_env, "exclude", "--explain", "--check", NULL);
	expect_usage(no_env, "exclude", "--explain=json", "--print", NULL);
	expect_usage(no_env, "exclude", "--explain", "--audit", "x.env");
	expect_usage(no_env, "exclude", "--audit", "x.env", "--iam-policy");
	expect_usage(no_env, "exclude", "--iam-policy=execution", "--print=json", NULL);
	expect_usage(no_env, "--refresh supervises", "--refresh", "5m", "--explain");
	expect_usage(no_env, "--ssm-path: \"a/b\" is not a path", "--ssm-path", "a/b", NULL);
	char *e0[] = {"COVENANT_SHIM_SSM_PATHS=/ok,bad", NULL};
	expect_usage(e0, "COVENANT_SHIM_SSM_PATHS: \"bad\"", NULL, NULL, NULL);
	expect_usage(no_env, "exclude", "--profile", "p", "--store=s");
	char *e1[] = {"COVENANT_SHIM_GROUP=perhaps", NULL};
	expect_usage(e1, "COVENANT_SHIM_GROUP: \"perhaps\"", NULL, NULL, NULL);
	char *e2[] = {"COVENANT_SHIM_REMAP_EXIT=1,,2", NULL};
	expect_usage(e2, "COVENANT_SHIM_REMAP_EXIT", NULL, NULL, NULL);
	char *e3[] = {"COVENANT_SHIM_VERBOSITY=9", NULL};
	expect_usage(e3, "COVENANT_SHIM_VERBOSITY: \"9\"", NULL, NULL, NULL);
	char *e4[] = {"COVENANT_SHIM_TIMEOUT=soon", NULL};
	expect_usage(e4, "COVENANT_SHIM_TIMEOUT: \"soon\"", NULL, NULL, NULL);
	expect_usage(no_env, "--refresh supervises", "--refresh=1m", "--print", NULL);
	char *e5[] = {"COVENANT_SHIM_REFRESH=5m", NULL};
	expect_usage(e5, "excludes --check", "--check", NULL, NULL);
	expect_usage(no_env, "needs --refresh", "--refresh-signal", "HUP", NULL);
	expect_usage(no_env, "--refresh-signal: \"KILL\"", "--refresh=1m", "--refresh-signal",
	             "KILL");
	expect_usage(no_env, "--digest-fd: \"1\"", "--digest-fd", "1", NULL);
}

/* --refresh's own options, and the check child's --digest beside --refresh. */
static void test_refresh_options(void)
{
	struct shim_opts o;
	struct shim_err e;
	char *env[] = {"COVENANT_SHIM_REFRESH=5m", "COVENANT_SHIM_REFRESH_SIGNAL=usr1", NULL};

	CHECK_INT(parse(&o, &e, env, "--digest", "--digest-fd=7", NULL), 0);
	CHECK_INT(o.refresh_ms, 300000);
	CHECK_INT(o.refresh_signal, SIGUSR1);
	CHECK_INT(o.digest_fd, 7);
	opts_free(&o);
	CHECK_INT(parse(&o, &e, no_env, "--refresh", "2s", NULL), 0);
	CHECK_INT(o.refresh_signal, 0);
	CHECK_INT(o.digest_fd, -1);
	opts_free(&o);
}

/* tini's and dumb-init's spellings: -s, -e N, -r/--rewrite FROM:TO, comma lists. */
static void test_tini_and_dumb_init_habits(void)
{
	struct shim_opts o;
	struct shim_err e;

	CHECK_INT(parse(&o, &e, no_env, "-s", "-e", "143", "-e2", "--remap-exit", "7,9", "-r",
	                "TERM:QUIT", "--rewrite=sigint:15", "-r", "HUP:0", "--rewrite",
	                "10:USR2,usr2:1", "--", "app", NULL),
	          0);
	CHECK(o.subreaper);
	CHECK(opts_remaps(&o, 143) && opts_remaps(&o, 2) && opts_remaps(&o, 7) &&
	      opts_remaps(&o, 9) && !opts_remaps(&o, 8));
	CHECK_INT(opts_rewrite(&o, SIGTERM), SIGQUIT);
	CHECK_INT(opts_rewrite(&o, SIGINT), SIGTERM);
	CHECK_INT(opts_rewrite(&o, SIGHUP), 0); /* dumb-init's "do not forward" */
	CHECK_INT(opts_rewrite(&o, SIGUSR1), SIGUSR2);
	CHECK_INT(opts_rewrite(&o, SIGUSR2), SIGHUP);
	CHECK_INT(opts_rewrite(&o, SIGQUIT), SIGQUIT); /* untouched */
	CHECK_INT(opts_rewrite(&o, 64), 64);
	CHECK_STR(o.command[0], "app");
	opts_free(&o);

	/* The variable is a comma list; an option replaces it whole. */
	char *env[] = {"COVENANT_SHIM_REWRITE=TERM:QUIT,SIGWINCH:0", NULL};
	CHECK_INT(parse(&o, &e, env, NULL), 0);
	CHECK_INT(opts_rewrite(&o, SIGTERM), SIGQUIT);
	CHECK_INT(opts_rewrite(&o, SIGWINCH), 0);
	CHECK(!o.subreaper);
	opts_free(&o);
	CHECK_INT(parse(&o, &e, env, "-r", "INT:KILL", NULL), 0);
	CHECK_INT(opts_rewrite(&o, SIGTERM), SIGTERM);
	CHECK_INT(opts_rewrite(&o, SIGINT), SIGKILL); /* KILL and STOP may be targets */
	opts_free(&o);
	char *empty[] = {"COVENANT_SHIM_REWRITE=", NULL};
	CHECK_INT(parse(&o, &e, empty, NULL), 0);
	CHECK_INT(opts_rewrite(&o, SIGTERM), SIGTERM);
	opts_free(&o);

	CHECK_INT(opts_parse_signal("TERM"), SIGTERM);
	CHECK_INT(opts_parse_signal("SIGTERM"), SIGTERM);
	CHECK_INT(opts_parse_signal("sigquit"), SIGQUIT);
	CHECK_INT(opts_parse_signal("9"), SIGKILL);
	CHECK_INT(opts_parse_signal("64"), 64);
	CHECK_INT(opts_parse_signal("65"), -1);
	CHECK_INT(opts_parse_signal("0"), -1);
	CHECK_INT(opts_parse_signal("SIG"), -1);
	CHECK_INT(opts_parse_signal(""), -1);
	CHECK_INT(opts_parse_signal("TERMX"), -1);
	CHECK_INT(opts_parse_signal("15x"), -1);
}

static void test_bad_habits(void)
{
	expect_usage(no_env, "--rewrite: \"TERM:NOPE\"", "--rewrite", "TERM:NOPE", NULL);
	expect_usage(no_env, "--rewrite: \"BOGUS:TERM\"", "--rewrite", "BOGUS:TERM", NULL);
	expect_usage(no_env, "-r: \"TERM\" is not FROM:TO", "-r", "TERM", NULL);
	expect_usage(no_env, "-r: \"TERM:\"", "-r", "TERM:", NULL);
	expect_usage(no_env, "-r: \":QUIT\"", "-r", ":QUIT", NULL);
	expect_usage(no_env, "-r: \"TERM:QUIT:INT\"", "-r", "TERM:QUIT:INT", NULL);
	expect_usage(no_env, "-r: \"TERM:QUIT,\"", "-r", "TERM:QUIT,", NULL);
	expect_usage(no_env, "-r: \"15:99\"", "-r", "15:99", NULL);
	expect_usage(no_env, "-r: \"0:15\"", "-r", "0:15", NULL);
	expect_usage(no_env, "KILL is never forwarded", "-r", "KILL:TERM", NULL);
	expect_usage(no_env, "SIGSTOP is never forwarded", "--rewrite", "SIGSTOP:TERM", NULL);
	expect_usage(no_env, "CHLD is never forwarded", "-r", "CHLD:TERM", NULL);
	expect_usage(no_env, "TTIN is never forwarded", "-r", "TTIN:TERM", NULL);
	expect_usage(no_env, "-r needs a value", "-r", NULL, NULL);
	expect_usage(no_env, "--subreaper takes no value", "--subreaper=1", NULL, NULL);
	expect_usage(no_env, "-e: \"x\"", "-e", "x", NULL);
	expect_usage(no_env, "--remap-exit: \"143,256\"", "--remap-exit", "143,256", NULL);
	expect_usage(no_env, "--remap-exit: \"143,\"", "--remap-exit", "143,", NULL);
	char *env[] = {"COVENANT_SHIM_REWRITE=TERM:QUIT,KILL:1", NULL};
	expect_usage(env, "COVENANT_SHIM_REWRITE: \"TERM:QUIT,KILL:1\"", NULL, NULL, NULL);
}

static void test_durations(void)
{
	CHECK_INT(opts_parse_duration("0"), 0);
	CHECK_INT(opts_parse_duration("30"), 30000);
	CHECK_INT(opts_parse_duration("30s"), 30000);
	CHECK_INT(opts_parse_duration("1.25"), 1250);
	CHECK_INT(opts_parse_duration("0.0005"), 0);
	CHECK_INT(opts_parse_duration("250ms"), 250);
	CHECK_INT(opts_parse_duration("2m"), 120000);
	CHECK_INT(opts_parse_duration("1h"), 3600000);
	CHECK_INT(opts_parse_duration("168h"), 7L * 24 * 3600 * 1000);
	CHECK_INT(opts_parse_duration("169h"), -2);
	CHECK_INT(opts_parse_duration("99999999999999999999"), -2);
	CHECK_INT(opts_parse_duration(""), -1);
	CHECK_INT(opts_parse_duration(" 1"), -1);
	CHECK_INT(opts_parse_duration("1 s"), -1);
	CHECK_INT(opts_parse_duration("+1"), -1);
	CHECK_INT(opts_parse_duration(".5"), -1);
	CHECK_INT(opts_parse_duration("1e3"), -1);
}

int main(void)
{
	RUN(test_defaults_and_command);
	RUN(test_every_option);
	RUN(test_report_modes);
	RUN(test_environment_and_precedence);
	RUN(test_bad_input);
	RUN(test_refresh_options);
	RUN(test_tini_and_dumb_init_habits);
	RUN(test_bad_habits);
	RUN(test_durations);
	return unit_done("test_opts");
}
