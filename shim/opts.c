/* Command-line and environment parsing shared by the supervisor and the resolver.
 * Hand-written rather than getopt_long: one table, messages that name option and value,
 * and no global state, so the unit tests can call it again and again. */
#include "opts.h"

#include "array.h"
#include "env.h"
#include "signame.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_id {
	O_TASKDEF = 1,
	O_CONTAINER,
	O_SSM_PATH,
	O_SECRET_JSON,
	O_ENV_FILE,
	O_PROFILE,
	O_STORE,
	O_REGION,
	O_CHECK,
	O_PRINT,
	O_AUDIT,
	O_IAM,
	O_GROUP,
	O_GRACE,
	O_STOP_DELAY,
	O_REMAP,
	O_REFRESH,
	O_TIMEOUT,
	O_VERBOSE,
	O_QUIET,
	O_LOG_FORMAT,
	O_HELP,
	O_VERSION,
	O_DIGEST,
	O_SUBREAPER,
	O_REWRITE,
	O_REFRESH_SIGNAL,
	O_DIGEST_FD,
	O_EXPLAIN,
};
enum { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

struct opt_def {
	const char *name;
	char short_name;
	int arg;
	int id;
	const char *env; /* its environment variable, or NULL */
};

static const struct opt_def opt_table[] = {
        {"task-definition", 't', ARG_REQUIRED, O_TASKDEF, "COVENANT_SHIM_TASK_DEFINITION"},
        {"container", 'c', ARG_REQUIRED, O_CONTAINER, "COVENANT_SHIM_CONTAINER"},
        {"ssm-path", 0, ARG_REQUIRED, O_SSM_PATH, "COVENANT_SHIM_SSM_PATHS"},
        {"secret-json", 0, ARG_REQUIRED, O_SECRET_JSON, "COVENANT_SHIM_SECRET_JSON"},
        {"env-file", 0, ARG_REQUIRED, O_ENV_FILE, "COVENANT_SHIM_ENV_FILE"},
        {"profile", 'p', ARG_REQUIRED, O_PROFILE, NULL},
        {"store", 0, ARG_REQUIRED, O_STORE, "COVENANT_SHIM_STORE"},
        {"region", 0, ARG_REQUIRED, O_REGION, NULL},
        {"check", 0, ARG_NONE, O_CHECK, NULL},
        {"print", 0, ARG_OPTIONAL, O_PRINT, NULL},
        {"audit", 0, ARG_REQUIRED, O_AUDIT, NULL},
        {"iam-policy", 0, ARG_OPTIONAL, O_IAM, NULL},
        {"explain", 0, ARG_OPTIONAL, O_EXPLAIN, NULL},
        {"group", 'g', ARG_NONE, O_GROUP, "COVENANT_SHIM_GROUP"},
        {"grace", 0, ARG_REQUIRED, O_GRACE, "COVENANT_SHIM_GRACE"},
        {"stop-delay", 0, ARG_REQUIRED, O_STOP_DELAY, "COVENANT_SHIM_STOP_DELAY"},
        {"remap-exit", 'e', ARG_REQUIRED, O_REMAP, "COVENANT_SHIM_REMAP_EXIT"},
        {"refresh", 0, ARG_REQUIRED, O_REFRESH, "COVENANT_SHIM_REFRESH"},
        {"refresh-signal", 0, ARG_REQUIRED, O_REFRESH_SIGNAL, "COVENANT_SHIM_REFRESH_SIGNAL"},
        {"timeout", 0, ARG_REQUIRED, O_TIMEOUT, "COVENANT_SHIM_TIMEOUT"},
        {"verbose", 'v', ARG_NONE, O_VERBOSE, NULL},
        {"quiet", 'q', ARG_NONE, O_QUIET, NULL},
        {"log-format", 0, ARG_REQUIRED, O_LOG_FORMAT, "COVENANT_SHIM_LOG_FORMAT"},
        {"help", 'h', ARG_NONE, O_HELP, NULL},
        {"version", 'V', ARG_NONE, O_VERSION, NULL},
        /* tini's and dumb-init's spellings (README: "Coming from tini or dumb-init"). */
        {"subreaper", 's', ARG_NONE, O_SUBREAPER, NULL},
        {"rewrite", 'r', ARG_REQUIRED, O_REWRITE, "COVENANT_SHIM_REWRITE"},
        /* Internal: the refresh child of DESIGN.md 3.5 prints only a digest. */
        {"digest", 0, ARG_NONE, O_DIGEST, NULL},
        /* Internal: the supervisor's child writes its digests to this fd, then waits for a
         * go-ahead on it before the exec (DESIGN.md 3.5, include/refresh.h). */
        {"digest-fd", 0, ARG_REQUIRED, O_DIGEST_FD, NULL},
};
#define OPT_COUNT (sizeof(opt_table) / sizeof(opt_table[0]))

#define MAX_DURATION_MS (7L * 24 * 3600 * 1000)

static int strlist_add(struct strlist *l, const char *s, size_t len)
{
	if (ARRAY_GROW(l->v, l->cap, l->n + 1) < 0 || !(l->v[l->n] = strndup(s, len)))
		return -1;
	l->n++;
	return 0;
}

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

long opts_parse_duration(const char *s)
{
	long whole = 0, frac = 0, scale = 1000, frac_div = 1;
	const char *p = s;
	int too_big = 0;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (whole > MAX_DURATION_MS)
			too_big = 1;
		else
			whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -1;
		for (; isdigit((unsigned char)*p); p++)
			if (frac_div < 1000000) {
				frac = frac * 10 + (*p - '0');
				frac_div *= 10;
			}
	}
	if (strcmp(p, "ms") == 0)
		scale = 1;
	else if (strcmp(p, "m") == 0)
		scale = 60L * 1000;
	else if (strcmp(p, "h") == 0)
		scale = 3600L * 1000;
	else if (*p && strcmp(p, "s") != 0)
		return -1;
	if (too_big || whole > MAX_DURATION_MS / scale)
		return -2;
	whole = whole * scale + frac * scale / frac_div;
	return whole > MAX_DURATION_MS ? -2 : whole;
}

static int parse_bool(int *out, const char *s)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"", "0", "false", "no", "off"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

static int parse_status(const char *s)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 255)
		return -1;
	return (int)v;
}

static int parse_level(const char *s)
{
	static const char *const names[] = {"error", "warning", "info", "debug", "trace"};

	if (isdigit((unsigned char)s[0]) && !s[1] && s[0] <= '4')
		return s[0] - '0';
	for (int i = 0; i <= LOG_TRACE; i++)
		if (strcasecmp(s, names[i]) == 0 || (i == LOG_WARN && strcasecmp(s, "warn") == 0))
			return i;
	return -1;
}

/* Apply one comma-separated environment list or one option value to a list. */
static int add_items(struct strlist *l, const char *value, int split)
{
	const char *p = value, *end;

	if (!split)
		return strlist_add(l, value, strlen(value));
	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ',');
		if (end > p && strlist_add(l, p, (size_t)(end - p)) < 0)
			return -1;
	}
	return 0;
}

/* The next item of a comma list at *p into item (cap bytes), *p moved past it: 1, 0 at the
 * end of the list, -1 when the item does not fit. */
static int next_item(char *item, size_t cap, const char **p)
{
	const char *end;

	if (!*p)
		return 0;
	end = strchrnul(*p, ',');
	if ((size_t)(end - *p) >= cap)
		return -1;
	memcpy(item, *p, (size_t)(end - *p));
	item[end - *p] = '\0';
	*p = *end ? end + 1 : NULL;
	return 1;
}

static int apply_remap(struct shim_opts *o, const char *value, const char *src,
                       struct shim_err *err)
{
	char item[16];
	const char *p = value;
	int rc, st;

	while ((rc = next_item(item, sizeof(item), &p)) > 0) {
		if ((st = parse_status(item)) < 0)
			goto bad;
		o->remap_exit[st / 8] |= (unsigned char)(1u << (st % 8));
	}
	if (rc < 0)
		goto bad;
	return 0;
bad:
	return shim_err_set(err, SHIM_EX_USAGE, "%s: \"%s\" is not an exit status 0-255", src,
	                    value);
}

int opts_parse_signal(const char *s)
{
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	char *end;
	long v;

	if (isdigit((unsigned char)*s)) {
		errno = 0;
		v = strtol(s, &end, 10);
		return errno || *end || v < 1 || v > SIGRTMAX ? -1 : (int)v;
	}
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = signame_abbrev(sig);
		if (abbrev && *name && strcasecmp(name, abbrev) == 0)
			return sig;
	}
	return -1;
}

/* "FROM:TO[,FROM:TO]...": FROM a signal the supervisor forwards, TO any signal or 0. */
static int apply_rewrite(struct shim_opts *o, const char *value, const char *src,
                         struct shim_err *err)
{
	char item[40], *colon;
	const char *p = value;
	int from, to, rc;

	while ((rc = next_item(item, sizeof(item), &p)) > 0) {
		if (!(colon = strchr(item, ':')))
			goto bad;
		*colon = '\0';
		from = opts_parse_signal(item);
		to = strcmp(colon + 1, "0") == 0 ? 0 : opts_parse_signal(colon + 1);
		if (from < 0 || to < 0)
			goto bad;
		if (from == SIGKILL || from == SIGSTOP || from == SIGCHLD || from == SIGTTIN ||
		    from == SIGTTOU)
			return shim_err_set(err, SHIM_EX_USAGE,
			                    "%s: \"%s\": %s is never forwarded, so it cannot be "
			                    "rewritten",
			                    src, value, item);
		o->rewrite[from] = (unsigned char)to;
		o->rewrite_set[from] = 1;
	}
	if (rc < 0)
		goto bad;
	return 0;
bad:
	return shim_err_set(err, SHIM_EX_USAGE,
	                    "%s: \"%s\" is not FROM:TO signals (e.g. TERM:QUIT, 15:3, HUP:0)", src,
	                    value);
}

static int apply_duration(long *out, const char *value, long min_ms, long max_ms, const char *src,
                          struct shim_err *err)
{
	long ms = opts_parse_duration(value);

	if (ms == -2)
		ms = max_ms + 1;
	if (ms < 0)
		return shim_err_set(
		        err, SHIM_EX_USAGE,
		        "%s: \"%s\" is not a duration (seconds, e.g. 30, 1.5, 500ms, 2m)", src,
		        value);
	if (ms < min_ms || ms > max_ms)
		return shim_err_set(err, SHIM_EX_USAGE, "%s: %s is out of range (%ld ms to %ld s)",
		                    src, value, min_ms, max_ms / 1000);
	*out = ms;
	return 0;
}

/* The words of the options that take one; an option given without its word (--print,
 * --iam-policy, --explain) takes its first. */
static const struct word_def {
	int id;
	const char *word;
	int value;
} word_table[] = {
        {O_PRINT, "dotenv", PRINT_DOTENV},   {O_PRINT, "json", PRINT_JSON},
        {O_PRINT, "shell", PRINT_SHELL},     {O_IAM, "task", IAM_TASK},
        {O_IAM, "execution", IAM_EXECUTION}, {O_EXPLAIN, "text", EXPLAIN_TEXT},
        {O_EXPLAIN, "json", EXPLAIN_JSON},   {O_LOG_FORMAT, "text", LOG_TEXT},
        {O_LOG_FORMAT, "json", LOG_JSON},
};
#define WORD_COUNT (sizeof(word_table) / sizeof(word_table[0]))

static void set_word(struct shim_opts *o, int id, int value)
{
	if (id == O_PRINT)
		o->print = (enum print_format)value;
	else if (id == O_IAM)
		o->iam_policy = (enum iam_role)value;
	else if (id == O_EXPLAIN)
		o->explain = (enum explain_format)value;
	else
		o->log_format = (enum log_format)value;
}

static int apply_word(struct shim_opts *o, int id, const char *value, const char *src,
                      struct shim_err *err)
{
	char words[64] = "";
	size_t n = 0, len;

	for (size_t i = 0; i < WORD_COUNT; i++) {
		const struct word_def *w = &word_table[i];
		if (w->id != id)
			continue;
		if (!value || strcmp(value, w->word) == 0)
			return set_word(o, id, w->value), 0;
		n++;
	}
	for (size_t i = 0, k = 0; i < WORD_COUNT; i++) { /* "dotenv, json or shell" */
		if (word_table[i].id != id)
			continue;
		len = strlen(words);
		snprintf(words + len, sizeof(words) - len, "%s%s",
		         k == 0       ? ""
		         : k + 1 == n ? " or "
		                      : ", ",
		         word_table[i].word);
		k++;
	}
	return shim_err_set(err, SHIM_EX_USAGE, "%s: unknown %s \"%s\" (%s)", src,
	                    id == O_LOG_FORMAT ? "log format"
	                    : id == O_IAM      ? "role"
	                                       : "format",
	                    value, words);
}

/* The options that set a string (borrowed from argv or envp), and those that set a flag: where
 * each one's value goes in struct shim_opts. */
static const struct {
	int id;
	size_t at;
} string_opts[] =
        {
                {O_TASKDEF, offsetof(struct shim_opts, task_definition)},
                {O_CONTAINER, offsetof(struct shim_opts, container)},
                {O_PROFILE, offsetof(struct shim_opts, profile)},
                {O_STORE, offsetof(struct shim_opts, store)},
                {O_REGION, offsetof(struct shim_opts, region)},
                {O_AUDIT, offsetof(struct shim_opts, audit)},
},
  flag_opts[] = {
          {O_CHECK, offsetof(struct shim_opts, check)},
          {O_DIGEST, offsetof(struct shim_opts, digest)},
          {O_HELP, offsetof(struct shim_opts, help)},
          {O_VERSION, offsetof(struct shim_opts, version)},
          {O_SUBREAPER, offsetof(struct shim_opts, subreaper)},
};

static const char **string_slot(struct shim_opts *o, int id)
{
	for (size_t i = 0; i < sizeof(string_opts) / sizeof(string_opts[0]); i++)
		if (string_opts[i].id == id)
			return (const char **)(void *)((char *)o + string_opts[i].at);
	return NULL;
}

static int *flag_slot(struct shim_opts *o, int id)
{
	for (size_t i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]); i++)
		if (flag_opts[i].id == id)
			return (int *)(void *)((char *)o + flag_opts[i].at);
	return NULL;
}

/* --ssm-path, --secret-json, --env-file: repeatable; their variables are comma lists (but for
 * COVENANT_SHIM_ENV_FILE, one file). */
static int apply_list(struct shim_opts *o, int id, const char *value, const char *src, int from_env,
                      struct shim_err *err)
{
	struct strlist *l = id == O_SSM_PATH      ? &o->ssm_paths
	                    : id == O_SECRET_JSON ? &o->secret_json
	                                          : &o->env_files;

	if (!*value && !from_env)
		return shim_err_set(err, SHIM_EX_USAGE, "%s: empty value", src);
	if (add_items(l, value, from_env && id != O_ENV_FILE) < 0)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	for (size_t i = 0; id == O_SSM_PATH && i < l->n; i++)
		if (l->v[i][0] != '/')
			return shim_err_set(err, SHIM_EX_USAGE,
			                    "%s: \"%s\" is not a path (paths start with /)", src,
			                    l->v[i]);
	return 0;
}

static int apply_refresh(struct shim_opts *o, const char *value, const char *src,
                         struct shim_err *err)
{
	if (apply_duration(&o->refresh_ms, value, 0, MAX_DURATION_MS, src, err) < 0)
		return -1;
	if (o->refresh_ms && o->refresh_ms < 1000)
		return shim_err_set(err, SHIM_EX_USAGE, "%s: %s is shorter than 1s", src, value);
	return 0;
}

/* --refresh-signal SIG: any signal an application can catch. */
static int apply_refresh_signal(struct shim_opts *o, const char *value, const char *src,
                                struct shim_err *err)
{
	int sig = opts_parse_signal(value);

	if (sig < 0 || sig == SIGKILL || sig == SIGSTOP)
		return shim_err_set(
		        err, SHIM_EX_USAGE,
		        "%s: \"%s\" is not a signal an application can catch (e.g. HUP, "
		        "USR1)",
		        src, value);
	o->refresh_signal = sig;
	return 0;
}

static int apply_fd(struct shim_opts *o, const char *value, const char *src, struct shim_err *err)
{
	char *end;
	long v;

	errno = 0;
	v = isdigit((unsigned char)*value) ? strtol(value, &end, 10) : -1;
	if (v < 3 || errno || *end || v > INT_MAX)
		return shim_err_set(err, SHIM_EX_USAGE,
		                    "%s: \"%s\" is not a descriptor (3 or more)", src, value);
	o->digest_fd = (int)v;
	return 0;
}

/* Store one value; src names the option or variable for messages, from_env selects the
 * environment's spelling (comma lists, booleans). */
static int apply(struct shim_opts *o, const struct opt_def *d, const char *value, const char *src,
                 int from_env, struct shim_err *err)
{
	const char **slot = string_slot(o, d->id);
	int *flag = flag_slot(o, d->id);

	if (flag)
		return *flag = 1, 0;
	if (d->id == O_GROUP && !from_env)
		return o->group = 1, 0;
	if (d->arg == ARG_OPTIONAL)
		return apply_word(o, d->id, value, src, err);
	if (!value) /* the table gives every other option a value: said once, for the analyzers */
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: no value", src);
	if (slot) {
		if (!*value)
			return shim_err_set(err, SHIM_EX_USAGE, "%s: empty value", src);
		*slot = value;
		return 0;
	}
	switch (d->id) {
	case O_SSM_PATH:
	case O_SECRET_JSON:
	case O_ENV_FILE:
		return apply_list(o, d->id, value, src, from_env, err);
	case O_GROUP:
		if (parse_bool(&o->group, value) < 0)
			return shim_err_set(err, SHIM_EX_USAGE, "%s: \"%s\" is not 0 or 1", src,
			                    value);
		return 0;
	case O_GRACE:
		return apply_duration(&o->grace_ms, value, 0, MAX_DURATION_MS, src, err);
	case O_STOP_DELAY:
		return apply_duration(&o->stop_delay_ms, value, 0, MAX_DURATION_MS, src, err);
	case O_TIMEOUT:
		return apply_duration(&o->timeout_ms, value, 1, 3600L * 1000, src, err);
	case O_REFRESH:
		return apply_refresh(o, value, src, err);
	case O_REFRESH_SIGNAL:
		return apply_refresh_signal(o, value, src, err);
	case O_DIGEST_FD:
		return apply_fd(o, value, src, err);
	case O_REMAP:
		return apply_remap(o, value, src, err);
	case O_REWRITE:
		return apply_rewrite(o, value, src, err);
	case O_LOG_FORMAT:
		return apply_word(o, d->id, value, src, err);
	default:
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: unhandled option", src);
	}
}

static const struct opt_def *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < OPT_COUNT; i++)
		if (strlen(opt_table[i].name) == len && strncmp(opt_table[i].name, name, len) == 0)
			return &opt_table[i];
	return NULL;
}

static const struct opt_def *find_short(char c)
{
	for (size_t i = 0; i < OPT_COUNT; i++)
		if (opt_table[i].short_name == c)
			return &opt_table[i];
	return NULL;
}

struct parse_state {
	int verbose, quiet;
	unsigned char seen[OPT_COUNT + 1]; /* by opt_id */
};

static int take(struct shim_opts *o, struct parse_state *st, const struct opt_def *d,
                const char *value, const char *src, struct shim_err *err)
{
	st->seen[d->id] = 1;
	if (d->id == O_VERBOSE)
		return st->verbose++, 0;
	if (d->id == O_QUIET)
		return st->quiet++, 0;
	return apply(o, d, value, src, 0, err);
}

/* "--name", "--name=value", "--name value". */
static int parse_long(struct shim_opts *o, struct parse_state *st, int argc, char **argv, int *i,
                      struct shim_err *err)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct opt_def *d = find_long(arg, len);
	char src[64];

	if (!d)
		return shim_err_set(err, SHIM_EX_USAGE, "unknown option \"--%.*s\" (try --help)",
		                    (int)(len > 40 ? 40 : len), arg);
	snprintf(src, sizeof(src), "--%s", d->name);
	if (d->arg == ARG_NONE && eq)
		return shim_err_set(err, SHIM_EX_USAGE, "%s takes no value", src);
	if (d->arg == ARG_REQUIRED && !eq) {
		if (*i + 1 >= argc)
			return shim_err_set(err, SHIM_EX_USAGE, "%s needs a value (try --help)",
			                    src);
		return take(o, st, d, argv[++*i], src, err);
	}
	return take(o, st, d, eq ? eq + 1 : NULL, src, err);
}

/* "-v", "-vvq", "-t FILE", "-tFILE". */
static int parse_short(struct shim_opts *o, struct parse_state *st, int argc, char **argv, int *i,
                       struct shim_err *err)
{
	const char *p = argv[*i] + 1;
	char src[3] = "-?";

	for (; *p; p++) {
		const struct opt_def *d = find_short(*p);
		src[1] = *p;
		if (!d)
			return shim_err_set(err, SHIM_EX_USAGE,
			                    "unknown option \"-%c\" (try --help)",
			                    isprint((unsigned char)*p) ? *p : '?');
		if (d->arg != ARG_REQUIRED) {
			if (take(o, st, d, NULL, src, err) < 0)
				return -1;
			continue;
		}
		if (p[1])
			return take(o, st, d, p + 1, src, err);
		if (*i + 1 >= argc)
			return shim_err_set(err, SHIM_EX_USAGE, "%s needs a value (try --help)",
			                    src);
		return take(o, st, d, argv[++*i], src, err);
	}
	return 0;
}

/* Environment variables fill what no option set. */
static int apply_env(struct shim_opts *o, struct parse_state *st, char **envp, struct shim_err *err)
{
	const char *v;

	for (size_t i = 0; i < OPT_COUNT; i++) {
		const struct opt_def *d = &opt_table[i];
		if (!d->env || st->seen[d->id] || !(v = env_lookup(envp, d->env)))
			continue;
		if (!*v && d->arg == ARG_REQUIRED && d->id != O_SSM_PATH &&
		    d->id != O_SECRET_JSON && d->id != O_REMAP)
			continue; /* an empty variable means unset, as in most tools */
		if (d->id == O_REMAP && !*v)
			continue;
		if (apply(o, d, v, d->env, 1, err) < 0)
			return -1;
	}
	if (st->verbose || st->quiet) {
		int level = LOG_INFO + st->verbose - st->quiet;
		o->verbosity = level < LOG_ERROR   ? LOG_ERROR
		               : level > LOG_TRACE ? LOG_TRACE
		                                   : level;
	} else if ((v = env_lookup(envp, "COVENANT_SHIM_VERBOSITY")) && *v) {
		if ((o->verbosity = parse_level(v)) < 0)
			return shim_err_set(err, SHIM_EX_USAGE,
			                    "COVENANT_SHIM_VERBOSITY: \"%s\" is not a level "
			                    "(error, warning, info, debug, trace or 0-4)",
			                    v);
	}
	return 0;
}

static int check_combination(const struct shim_opts *o, struct shim_err *err)
{
	int modes =
	        !!o->check + !!o->print + !!o->audit + !!o->iam_policy + !!o->explain + !!o->digest;

	if (modes > 1)
		return shim_err_set(
		        err, SHIM_EX_USAGE,
		        "--check, --print, --audit, --iam-policy and --explain exclude each other");
	if (o->profile && o->store)
		return shim_err_set(err, SHIM_EX_USAGE, "--profile and --store exclude each other");
	/* --digest is the refresh's own check: it runs with the supervisor's options. */
	if (o->refresh_ms && modes && !o->digest)
		return shim_err_set(err, SHIM_EX_USAGE,
		                    "--refresh supervises an application: it excludes --check, "
		                    "--print, --audit, --iam-policy and --explain");
	if (o->refresh_signal && !o->refresh_ms)
		return shim_err_set(err, SHIM_EX_USAGE,
		                    "--refresh-signal needs --refresh INTERVAL");
	return 0;
}

int opts_parse(struct shim_opts *out, int argc, char **argv, char **envp, struct shim_err *err)
{
	struct shim_opts o = {.verbosity = LOG_INFO, .timeout_ms = 60000, .digest_fd = -1};
	struct parse_state st = {0};
	int i = 1;

	memset(out, 0, sizeof(*out));
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break; /* the command starts here */
		if ((a[1] == '-' ? parse_long(&o, &st, argc, argv, &i, err)
		                 : parse_short(&o, &st, argc, argv, &i, err)) < 0)
			goto fail;
	}
	if (apply_env(&o, &st, envp, err) < 0 || check_combination(&o, err) < 0)
		goto fail;
	o.command = argv + i;
	o.command_argc = argc - i;
	*out = o;
	return 0;
fail:
	opts_free(&o);
	return -1;
}

void opts_free(struct shim_opts *o)
{
	strlist_free(&o->ssm_paths);
	strlist_free(&o->secret_json);
	strlist_free(&o->env_files);
}

int opts_report_mode(const struct shim_opts *o)
{
	return o->check || o->print || o->audit || o->iam_policy || o->explain || o->digest;
}

int opts_has_mapping(const struct shim_opts *o)
{
	return o->task_definition || o->ssm_paths.n || o->secret_json.n || o->env_files.n;
}

int opts_remaps(const struct shim_opts *o, int status)
{
	return status >= 0 && status <= 255 && (o->remap_exit[status / 8] & (1u << (status % 8)));
}

int opts_rewrite(const struct shim_opts *o, int sig)
{
	return sig > 0 && sig < SHIM_NSIG && o->rewrite_set[sig] ? o->rewrite[sig] : sig;
}

static const char usage_text[] =
        "Usage: covenant-shim [OPTION]... [--] [COMMAND [ARG]...]\n"
        "Resolve the environment ECS would inject (Secrets Manager, SSM Parameter Store),\n"
        "then run COMMAND under a small PID 1 that forwards signals and reaps zombies.\n"
        "\n"
        "Mapping:\n"
        "  -t, --task-definition FILE  ECS task definition JSON       "
        "[COVENANT_SHIM_TASK_DEFINITION]\n"
        "  -c, --container NAME        container in it                "
        "[COVENANT_SHIM_CONTAINER]\n"
        "      --ssm-path PATH         import parameters under PATH   "
        "[COVENANT_SHIM_SSM_PATHS]\n"
        "      --secret-json ID        import every key of a secret   "
        "[COVENANT_SHIM_SECRET_JSON]\n"
        "      --env-file FILE         dotenv file, values may be ARNs "
        "[COVENANT_SHIM_ENV_FILE]\n"
        "Sources:\n"
        "  -p, --profile NAME          credentials and region from an AWS profile only\n"
        "      --store FILE            resolve offline from a JSON store "
        "[COVENANT_SHIM_STORE]\n"
        "      --region REGION         region of references that carry none\n"
        "      --timeout SECONDS       deadline for all resolution (60) "
        "[COVENANT_SHIM_TIMEOUT]\n"
        "Reports (nothing is run):\n"
        "      --check                 resolve all, print a line per variable\n"
        "      --print[=FORMAT]        print the variables: dotenv, json or shell\n"
        "      --audit FILE            compare the keys of an env file (.env.example) with\n"
        "                              the mapping: no AWS call (78: a key nothing fills)\n"
        "      --iam-policy[=ROLE]     print the IAM policy the mapping needs: task (the\n"
        "                              shim fetches) or execution (ECS injects secrets)\n"
        "      --explain[=FORMAT]      the source of each variable and the sources it\n"
        "                              overrode, no value: text or json\n"
        "Supervision:\n"
        "  -g, --group                 signal the child's whole process group "
        "[COVENANT_SHIM_GROUP]\n"
        "      --grace SECONDS         SIGKILL the group this long after a stop signal "
        "[COVENANT_SHIM_GRACE]\n"
        "      --stop-delay SECONDS    wait before forwarding SIGTERM "
        "[COVENANT_SHIM_STOP_DELAY]\n"
        "  -e, --remap-exit N[,N]...   report child status N as 0     "
        "[COVENANT_SHIM_REMAP_EXIT]\n"
        "  -r, --rewrite FROM:TO       forward signal TO for FROM (TO 0: none) "
        "[COVENANT_SHIM_REWRITE]\n"
        "  -s, --subreaper             accepted for tini: subreaping is automatic\n"
        "      --refresh INTERVAL      re-resolve every INTERVAL (about +-10%); restart "
        "the\n"
        "                              child when a value changed [COVENANT_SHIM_REFRESH]\n"
        "      --refresh-signal SIG    send SIG instead of restarting (apps that reload)\n"
        "                              [COVENANT_SHIM_REFRESH_SIGNAL]\n"
        "Output:\n"
        "  -v, -q                      more or less logging           "
        "[COVENANT_SHIM_VERBOSITY]\n"
        "      --log-format text|json  log lines as text or JSON      "
        "[COVENANT_SHIM_LOG_FORMAT]\n"
        "                              json: one object a line: time, level, event, msg\n"
        "                              and the event's fields (resolved, refresh,\n"
        "                              restart, signal, stop, exit...; see the README)\n"
        "  -h, --help                  this text\n"
        "  -V, --version               the version\n"
        "\n"
        "Exit status: the child's (128+N when killed by signal N); 64 usage, 65 bad input,\n"
        "69 AWS unreachable, 77 access denied or no credentials, 78 a variable does not\n"
        "resolve, 126 command not executable, 127 command not found, 70 internal error.\n"
        "On a terminal the child gets the foreground only when the shim has it; Ctrl-Z\n"
        "stops the shim with the child, so the shell's fg and bg work.\n";

const char *opts_usage(void)
{
	return usage_text;
}

int opts_start(struct shim_opts *out, int argc, char **argv, char **envp, struct shim_err *err)
{
	if (opts_parse(out, argc, argv, envp, err) < 0)
		return -1;
	log_setup(out->verbosity, out->log_format);
	return 0;
}

const char *opts_answer(const struct shim_opts *o)
{
	if (o->help)
		return opts_usage();
	return o->version ? "covenant-shim " SHIM_VERSION "\n" : NULL;
}
