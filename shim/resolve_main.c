/* covenant-shim-resolve: build the mapping, resolve it in one wave (AWS or --store), then exec
 * the command with the values, or report them (--check, --print, --digest, --explain), or
 * report on the mapping alone (--audit, --iam-policy: no AWS call). Run by the supervisor's
 * child, or exec'd in its place for the report modes; nothing half-done: on any failure every
 * failing variable is named and nothing is exec'd. */
#include "audit.h"
#include "aws.h"
#include "buf.h"
#include "clock.h"
#include "digest.h"
#include "dotenv.h"
#include "env.h"
#include "exec.h"
#include "explain.h"
#include "iam.h"
#include "harden.h"
#include "jsonval.h"
#include "log.h"
#include "mapping.h"
#include "opts.h"
#include "profile.h"
#include "plan.h"
#include "refresh.h"
#include "resolve.h"
#include "store.h"
#include "version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

extern char **environ;

/* The environment the resolver was given: what the mapping reads and the application gets. */
static char **app_env;

/* libcurl writes every TLS secret to the file SSLKEYLOGFILE names (it reads it with getenv):
 * the resolver's own environment loses the variable, the application's keeps it. */
static int keylog_hide(void)
{
	size_t n = 0;

	while (environ && environ[n])
		n++;
	app_env = calloc(n + 1, sizeof(*app_env));
	if (!app_env)
		return -1;
	if (n)
		memcpy(app_env, environ, n * sizeof(*app_env));
	return unsetenv("SSLKEYLOGFILE");
}

/* Before main and before anything is fetched: not dumpable, no job-control stop (harden.h). */
__attribute__((constructor(101))) static void resolve_harden(void)
{
	harden_start();
}

static const char *status_word(int status)
{
	switch (status) {
	case 0:
		return "ok";
	case SHIM_EX_UNRESOLVED:
		return "missing";
	case SHIM_EX_NOPERM:
		return "denied";
	case SHIM_EX_UNAVAILABLE:
		return "unavailable";
	case SHIM_EX_DATA:
		return "invalid";
	default:
		return "error";
	}
}

static void describe_var(char *out, size_t size, const struct var *v)
{
	char ref[600];

	if (!v->has_ref) {
		snprintf(out, size, "%s", v->origin ? v->origin : "literal");
		return;
	}
	mapping_describe_ref(ref, sizeof(ref), &v->ref, NULL);
	if (v->kept_by)
		snprintf(out, size, "%s, kept: set by %s", ref, v->kept_by);
	else
		snprintf(out, size, "%s", ref);
}

/* A kept variable's row says "kept" when its reference resolves, else the reference's own
 * status: an inherited value never hides a missing secret. */
static const char *row_status(const struct var *v)
{
	if (v->kept_by && !v->fail.status)
		return "kept";
	return status_word(v->fail.status);
}

/* --check: one line per variable, values shown only as a 12-digit SHA-256 prefix (a kept
 * row's is its reference's value). */
static int print_check(const struct mapping *m)
{
	struct buf b = BUF_INIT;
	size_t width = 4;

	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->vars[i].name) > width)
			width = strlen(m->vars[i].name);
	buf_printf(&b, "%-*s  %-11s  %-12s  %s\n", (int)width, "NAME", "STATUS", "SHA256",
	           "SOURCE");
	for (size_t i = 0; i < m->n; i++) {
		const struct var *v = &m->vars[i];
		char sha[DIGEST_HEX_SIZE] = "-", source[700];
		if (!v->fail.status && v->value &&
		    digest_sha256_hex(sha, v->value, strlen(v->value)) < 0)
			return SHIM_EX_INTERNAL;
		sha[12] = '\0';
		describe_var(source, sizeof(source), v);
		buf_printf(&b, "%-*s  %-11s  %-12s  %s\n", (int)width, v->name, row_status(v), sha,
		           source);
	}
	for (size_t i = 0; i < m->n_imports; i++)
		if (m->imports[i].fail.status)
			buf_printf(&b, "%-*s  %-11s  %-12s  %s %s\n", (int)width, "-",
			           status_word(m->imports[i].fail.status), "-",
			           m->imports[i].kind == IMPORT_SSM_PATH ? "--ssm-path"
			                                                 : "--secret-json",
			           m->imports[i].arg);
	if (buf_oom(&b) || fwrite(b.ptr, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
		buf_free(&b);
		log_error("cannot write the report: %s", strerror(errno));
		return SHIM_EX_INTERNAL;
	}
	buf_free(&b);
	return 0;
}

/* A report on stdout; 0, or 70 with a line when it cannot be written. */
static int write_report(const struct buf *b, const char *what)
{
	if (buf_oom(b)) {
		log_error("out of memory");
		return SHIM_EX_INTERNAL;
	}
	if (fwrite(buf_cstr(b), 1, b->len, stdout) != b->len || fflush(stdout) != 0) {
		log_error("cannot write the %s: %s", what, strerror(errno));
		return SHIM_EX_INTERNAL;
	}
	return 0;
}

/* --print: every variable of the mapping, in the chosen format. */
static int print_values(const struct mapping *m, enum print_format pf)
{
	enum dotenv_format f = pf == PRINT_JSON    ? DOTENV_FMT_JSON
	                       : pf == PRINT_SHELL ? DOTENV_FMT_SHELL
	                                           : DOTENV_FMT_DOTENV;
	struct buf b = BUF_INIT;
	int rc = 0, first = 1;

	dotenv_format_begin(&b, f);
	for (size_t i = 0; i < m->n; i++) {
		if (m->vars[i].kept_by)
			continue;
		dotenv_format_entry(&b, f, m->vars[i].name, m->vars[i].value, first);
		first = 0;
	}
	dotenv_format_end(&b, f);
	if (buf_oom(&b) || fwrite(b.ptr, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
		log_error("cannot write the variables: %s", strerror(errno));
		rc = SHIM_EX_INTERNAL;
	}
	buf_free(&b);
	return rc;
}

/* The digest set of include/refresh.h: per variable, SHA-256 over NAME\0VALUE\0, so the
 * supervisor can name what changed and never sees a value. */
static int digest_set(struct buf *out, const struct mapping *m)
{
	struct buf one = BUF_INIT;
	char hex[DIGEST_HEX_SIZE], *line;
	int rc = 0;

	for (size_t i = 0; i < m->n && !rc; i++) {
		if (m->vars[i].kept_by)
			continue; /* --check's row for a reference an inherited value hides */
		buf_clear(&one);
		buf_put(&one, m->vars[i].name, strlen(m->vars[i].name) + 1);
		buf_put(&one, m->vars[i].value, strlen(m->vars[i].value) + 1);
		if (buf_oom(&one) || digest_sha256_hex(hex, buf_cstr(&one), one.len) < 0 ||
		    refresh_record(&line, m->vars[i].name, hex) < 0) {
			rc = -1;
			break;
		}
		buf_puts(out, line);
		free(line);
	}
	buf_free(&one); /* it held values */
	buf_puts(out, REFRESH_END);
	return rc || buf_oom(out) ? -1 : 0;
}

/* Everything to fd: send(2) without SIGPIPE on the supervisor's socket, write(2) else. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* --digest (the periodic check of --refresh): the set on stdout. */
static int print_digest(const struct mapping *m)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	if (digest_set(&b, m) < 0) {
		log_error("out of memory");
		rc = SHIM_EX_INTERNAL;
	} else if (write_all(STDOUT_FILENO, b.ptr, b.len) < 0) {
		log_error("cannot write the digests: %s", strerror(errno));
		rc = SHIM_EX_INTERNAL;
	}
	buf_free(&b);
	return rc;
}

/* --digest-fd: hand the supervisor this environment's digests, then wait for its go-ahead:
 * 1 to exec, 0 when it aborted the start (end of file), -1 on failure. */
static int await_go(int fd, const struct mapping *m)
{
	struct buf b = BUF_INIT;
	char c = 0;
	int rc = -1;

	if (digest_set(&b, m) < 0)
		log_error("out of memory");
	else if (write_all(fd, b.ptr, b.len) < 0)
		log_error("cannot hand the digests to the supervisor: %s", strerror(errno));
	else
		rc = 0;
	buf_free(&b);
	while (rc == 0 && read(fd, &c, 1) < 0 && errno == EINTR)
		;
	close(fd);
	if (rc < 0)
		return -1;
	if (c != REFRESH_GO)
		log_debug("the supervisor called off this start (a refresh found no change)");
	return c == REFRESH_GO;
}

/* The application's environment: the inherited one with references replaced in place, then
 * every other variable of the mapping, in mapping order. */
static int exec_env(char ***out, const struct mapping *m, char **envp)
{
	struct env_var *vars = calloc(m->n + 1, sizeof(*vars));
	size_t n = 0;
	int rc;

	if (!vars)
		return -1;
	for (size_t i = 0; i < m->n; i++)
		if (!m->vars[i].kept_by)
			vars[n++] = (struct env_var){m->vars[i].name, m->vars[i].value};
	rc = env_build(out, envp, vars, n);
	free(vars);
	return rc;
}

/* One line at level for the variables of group g from index i on: their names, then the cause. */
static void report_group(const struct mapping *m, size_t i, int level)
{
	const struct var *v = &m->vars[i];
	struct buf names = BUF_INIT;

	for (size_t j = i; j < m->n; j++)
		if (m->vars[j].fail.status && m->vars[j].fail_group == v->fail_group)
			buf_printf(&names, "%s%s", names.len ? ", " : "", m->vars[j].name);
	log_msg(level, "%s: %s", buf_oom(&names) ? v->name : buf_cstr(&names),
	        v->fail.msg + v->fail_text);
	buf_free(&names);
}

/* Whether a variable before i failed in the same group (its line is written). */
static int group_reported(const struct mapping *m, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (m->vars[j].fail.status && m->vars[j].fail_group == m->vars[i].fail_group)
			return 1;
	return 0;
}

/* Every failing variable named, at level (a refresh's check only warns: the application keeps
 * running); one line per cause (a failed call, a missing secret) with every variable it
 * affects. */
static int report_failures(const struct mapping *m, int level, int *count)
{
	int worst = 0;

	*count = 0;
	for (size_t i = 0; i < m->n; i++) {
		const struct var *v = &m->vars[i];
		if (!v->fail.status)
			continue;
		worst = shim_status_worst(worst, v->fail.status);
		++*count;
		if (!v->fail_group)
			log_msg(level, "%s", v->fail.msg);
		else if (!group_reported(m, i))
			report_group(m, i, level);
	}
	for (size_t i = 0; i < m->n_imports; i++)
		if (m->imports[i].fail.status) {
			log_msg(level, "%s", m->imports[i].fail.msg);
			worst = shim_status_worst(worst, m->imports[i].fail.status);
			++*count;
		}
	return worst;
}

/* Exec the command with the resolved environment; returns only on failure. */
static int exec_command(const struct shim_opts *o, const struct mapping *m)
{
	char **command = o->command_argc ? o->command : m->command, **env;
	int e;

	if (!command || !command[0]) {
		log_error("no command given, and the task definition has none");
		return SHIM_EX_USAGE;
	}
	if (o->digest_fd >= 0 && (e = await_go(o->digest_fd, m)) <= 0)
		return e < 0 ? SHIM_EX_INTERNAL : 0;
	if (exec_env(&env, m, app_env) < 0) {
		log_error("out of memory");
		return SHIM_EX_INTERNAL;
	}
	fflush(NULL);
	harden_restore();
	shim_exec(command[0], command, env, SHIM_EXEC_SEARCH | SHIM_EXEC_SCRIPT);
	e = errno;
	harden_start();
	env_free(env); /* it holds values */
	log_error("cannot run \"%s\": %s", command[0], strerror(e));
	return shim_exec_status(e);
}

/* The "resolved" event: what start-up cost (README, "Logs and events"). A refresh's check
 * logs it at debug level: it comes every interval. */
static void log_resolved(const struct shim_opts *o, const struct mapping *m,
                         const struct backend_stats *st, long long ms)
{
	int level = o->digest ? LOG_DEBUG : LOG_INFO;
	const struct log_field f[] = {LOG_INT("variables", (long long)m->n),
	                              LOG_INT("calls", st->api_calls), LOG_INT("waves", st->waves),
	                              LOG_INT("ms", ms),
	                              LOG_STR("source", o->store ? "store" : "aws")};

	if (o->store)
		log_event(level, "resolved", f, 5, "resolved %zu variables from store %s", m->n,
		          o->store);
	else
		log_event(level, "resolved", f, 5,
		          "resolved %zu variables from %d API call%s in %d wave%s (%lld ms)", m->n,
		          st->api_calls, st->api_calls == 1 ? "" : "s", st->waves,
		          st->waves == 1 ? "" : "s", ms);
}

/* --version: this executable's version and the libraries inside it (covenant-shim --version
 * execs this after its own line). */
static int print_version(void)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	version_report(&b);
	if (buf_oom(&b) || fwrite(b.ptr, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
		log_error("cannot write the version: %s", strerror(errno));
		rc = SHIM_EX_INTERNAL;
	}
	buf_free(&b);
	return rc;
}

/* --explain after the failures were reported (a failed import fills nothing): the worst
 * status, or 0. */
static int print_explain(const struct shim_opts *o, const struct mapping *m, int failed)
{
	struct buf b = BUF_INIT;
	int rc;

	if (explain_format(&b, m, o->explain) < 0) {
		log_error("out of memory");
		rc = SHIM_EX_INTERNAL;
	} else {
		rc = write_report(&b, "explanation");
	}
	buf_free(&b);
	return rc ? rc : failed;
}

static int resolve_and_run(const struct shim_opts *o, struct mapping *m,
                           const struct backend_cfg *cfg)
{
	struct backend_stats st = {0};
	struct shim_err err = {0};
	int rc, failed, n_failed;

	int level = o->digest ? LOG_WARN : LOG_ERROR;
	long long t0 = clock_ms();

	rc = resolve_mapping(m, cfg, app_env, o->store ? store_fetch_plan : aws_fetch_plan, &st,
	                     &err);
	if (rc < 0) {
		log_msg(level, "%s", err.msg);
		return err.status ? err.status : SHIM_EX_INTERNAL;
	}
	failed = report_failures(m, level, &n_failed);
	if (o->check) {
		int r = print_check(m);
		return r ? r : failed;
	}
	if (o->explain)
		return print_explain(o, m, failed);
	if (failed) {
		if (!o->print && !o->digest)
			log_error("not starting the application: %d variable%s did not resolve",
			          n_failed, n_failed == 1 ? "" : "s");
		return failed;
	}
	log_resolved(o, m, &st, st.elapsed_ms ? st.elapsed_ms : clock_ms() - t0);
	if (o->print)
		return print_values(m, o->print);
	if (o->digest)
		return print_digest(m);
	return exec_command(o, m);
}

/* What a backend (or the plan's default region) is told. The AWS backend reads the shared
 * config files first: a file that does not parse stops the run (65) before any call. */
static int load_cfg(struct backend_cfg *cfg, struct profile_set *profiles,
                    const struct shim_opts *o, const struct mapping *m)
{
	struct shim_err err = {0};

	/* the entryPoint's --region applies when the command line gives none */
	*cfg = (struct backend_cfg){o->region           ? o->region
	                            : m->has_entry_opts ? m->entry_opts.region
	                                                : NULL,
	                            o->store, o->profile, o->timeout_ms, NULL};
	if (o->store)
		return 0;
	if (profile_load(profiles, app_env, &err) < 0) {
		log_error("%s", err.msg);
		return err.status;
	}
	cfg->profiles = profiles;
	return 0;
}

static int run(const struct shim_opts *o, struct mapping *m)
{
	struct backend_cfg cfg;
	struct profile_set profiles = {0};
	int status = load_cfg(&cfg, &profiles, o, m);

	if (!status)
		status = resolve_and_run(o, m, &cfg);
	profile_set_free(&profiles);
	return status;
}

/* --audit: the table on stdout; a line on stderr for each key nothing fills (78), each key only
 * an import might fill and each mapped key the file lacks. */
static int report_audit(const struct shim_opts *o, const struct mapping *m)
{
	struct audit a = {0};
	struct shim_err err = {0};
	struct buf b = BUF_INIT;
	int rc;

	if (audit_run(&a, o->audit, m, &err) < 0) {
		log_error("--audit: %s", err.msg);
		return err.status;
	}
	for (size_t i = 0; i < a.n; i++) {
		const struct audit_row *r = &a.rows[i];
		if (r->status == AUDIT_MISSING)
			log_error("%s: %s:%d: nothing in the mapping fills it", r->name, o->audit,
			          r->line);
		else if (r->status == AUDIT_IMPORT)
			log_warn("%s: %s:%d: only an import (--ssm-path, --secret-json) might fill "
			         "it; --check resolves them",
			         r->name, o->audit, r->line);
		else if (r->status == AUDIT_UNLISTED)
			log_warn("%s: mapped (%s), but %s lacks it", r->name,
			         mapping_source_name(r->source), o->audit);
	}
	audit_format(&b, &a);
	rc = write_report(&b, "audit");
	if (!rc && a.n_missing)
		rc = SHIM_EX_UNRESOLVED;
	buf_free(&b);
	audit_free(&a);
	return rc;
}

/* --iam-policy: the document on stdout, and one line for each placeholder in it. */
static int report_iam(const struct shim_opts *o, const struct mapping *m,
                      const struct backend_cfg *cfg)
{
	unsigned sources = o->iam_policy == IAM_EXECUTION ? 1u << VAR_TASKDEF_SECRET : ~0u, ph = 0;
	struct plan p = {0};
	struct shim_err err = {0};
	struct buf b = BUF_INIT;
	char *text = NULL;
	int rc = 0;

	if (resolve_plan(&p, m, sources, cfg, app_env, &err) < 0 ||
	    iam_policy(&text, &ph, &p, o->iam_policy, &err) < 0) {
		log_error("--iam-policy: %s", err.msg);
		plan_free(&p);
		return err.status;
	}
	if (!text)
		log_warn("--iam-policy: the mapping fetches nothing: no policy to print");
	buf_puts(&b, text ? text : "");
	if (text && !(rc = write_report(&b, "policy")) && (ph & IAM_PH_ACCOUNT))
		log_warn("--iam-policy: %s stands for the account of the names given without an "
		         "ARN: replace it",
		         IAM_ACCOUNT_PLACEHOLDER);
	if (!rc && (ph & IAM_PH_KEY))
		log_warn("--iam-policy: kms:Decrypt names key/%s: put the customer managed key of "
		         "the SecureString parameters and secrets there, or drop the statement if "
		         "they use the AWS managed keys",
		         IAM_KEY_PLACEHOLDER);
	buf_free(&b);
	free(text);
	plan_free(&p);
	return rc;
}

/* --audit and --iam-policy report on the mapping as the task sees it: the task definition,
 * env files and options, not this shell's environment (its values are not the task's); with
 * --iam-policy=execution every `secrets` entry, kept or not (ECS injects them all). No AWS
 * call, no value. */
static int run_static(const struct shim_opts *o)
{
	char *no_env[] = {NULL};
	struct shim_opts mo = *o;
	struct mapping m = {0};
	struct shim_err err = {0};
	struct backend_cfg cfg;
	struct profile_set profiles = {0};
	int status, n_failed;

	mo.check = o->iam_policy == IAM_EXECUTION;
	if (mapping_build(&m, &mo, no_env, &err) < 0) {
		log_error("%s", err.msg);
		return err.status;
	}
	if (!(status = report_failures(&m, LOG_ERROR, &n_failed)))
		status = o->audit ? report_audit(o, &m) : load_cfg(&cfg, &profiles, o, &m);
	if (!status && o->iam_policy)
		status = report_iam(o, &m, &cfg);
	profile_set_free(&profiles);
	mapping_free(&m);
	return status;
}

int main(int argc, char **argv)
{
	struct shim_err err = {0};
	struct shim_opts o;
	struct mapping m = {0};
	const char *answer;
	int status;

	if (keylog_hide() < 0) {
		log_error("out of memory");
		return SHIM_EX_INTERNAL;
	}
	jsonval_init_allocator();
	if (opts_start(&o, argc, argv, app_env, &err) < 0) {
		log_error("%s", err.msg);
		return err.status;
	}
	if (o.version && !o.help) {
		opts_free(&o);
		return print_version();
	}
	if ((answer = opts_answer(&o))) {
		status = fputs(answer, stdout) == EOF || fflush(stdout) != 0 ? SHIM_EX_INTERNAL : 0;
		opts_free(&o);
		return status;
	}
	if (o.audit || o.iam_policy) {
		status = run_static(&o);
		opts_free(&o);
		return status;
	}
	if (mapping_build(&m, &o, app_env, &err) < 0) {
		log_error("%s", err.msg);
		opts_free(&o);
		return err.status;
	}
	/* --explain calls AWS only for what the imports bring: nothing else needs a value */
	if (o.explain && !m.n_imports)
		status = print_explain(&o, &m, report_failures(&m, LOG_ERROR, &(int){0}));
	else
		status = run(&o, &m);
	mapping_free(&m);
	opts_free(&o);
	return status;
}
