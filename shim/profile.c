/* The shared config and credentials files (reference/aws-protocol.md B6): the SDKs' INI dialect
 * as smithy-rs parses it (its profile-parser-tests.json is the specification), the merge of both
 * files, the profile choice, the [services] endpoints, and each profile's credential chain as
 * smithy-rs's repr.rs resolves it. Values may be keys: every copy is wiped before it is freed. */
#include "profile.h"

#include "array.h"
#include "env.h"
#include "file.h"
#include "sanitize.h"
#include "wipe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define FILE_MAX (1u << 20)
/* Inside one file's parse only: a [default] of the config file, dropped when [profile default]
 * is there too. */
#define KIND_BARE_DEFAULT ((enum profile_kind)99)

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && is_ws(**s))
		(*s)++;
	while (*e > *s && is_ws((*e)[-1]))
		(*e)--;
}

/* Profile, section and key names: letters, digits and _ - / . % @ : + (smithy-rs). */
static int name_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr("_-/.%@:+", c))))
			return 0;
	}
	return n > 0;
}

static int same_name(const char *a, const char *s, size_t n)
{
	return strlen(a) == n && memcmp(a, s, n) == 0;
}

/* ---- the set ------------------------------------------------------------------------------ */

static void section_free(struct profile_section *sec)
{
	for (size_t i = 0; i < sec->n; i++) {
		free(sec->props[i].key);
		wipe_free_str(sec->props[i].value);
	}
	free(sec->props);
	free(sec->name);
}

void profile_set_free(struct profile_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		section_free(&set->s[i]);
	free(set->s);
	free(set->config_path);
	free(set->credentials_path);
	memset(set, 0, sizeof(*set));
}

/* The index of the section (created when new), or -1 on OOM. */
static long section_at(struct profile_set *set, enum profile_kind kind, const char *name,
                       size_t len)
{
	struct profile_section *sec;

	for (size_t i = 0; i < set->n; i++)
		if (set->s[i].kind == kind && same_name(set->s[i].name, name, len))
			return (long)i;
	if (ARRAY_GROW(set->s, set->cap, set->n + 1) < 0)
		return -1;
	sec = &set->s[set->n];
	*sec = (struct profile_section){.kind = kind, .name = strndup(name, len)};
	if (!sec->name)
		return -1;
	return (long)set->n++;
}

/* Set key (lower-cased) to value, the last definition winning: the property's index, or -1. */
static long prop_set(struct profile_section *sec, const char *key, size_t klen, const char *value,
                     size_t vlen)
{
	char *v = strndup(value, vlen), *k;
	size_t i;

	if (!v)
		return -1;
	for (i = 0; i < sec->n; i++)
		if (strlen(sec->props[i].key) == klen &&
		    strncasecmp(sec->props[i].key, key, klen) == 0)
			break;
	if (i < sec->n) {
		wipe_free_str(sec->props[i].value);
		sec->props[i].value = v;
		return (long)i;
	}
	if (!(k = strndup(key, klen)) || ARRAY_GROW(sec->props, sec->cap, sec->n + 1) < 0) {
		free(k);
		wipe_free_str(v);
		return -1;
	}
	for (char *p = k; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	sec->props[sec->n] = (struct profile_prop){k, v};
	return (long)sec->n++;
}

/* Append "\n" and line to the property's value. -1 on OOM. */
static int prop_append(struct profile_prop *p, const char *s, size_t len)
{
	size_t old = strlen(p->value);
	char *v = malloc(old + len + 2);

	if (!v)
		return -1;
	memcpy(v, p->value, old);
	v[old] = '\n';
	memcpy(v + old + 1, s, len);
	v[old + 1 + len] = '\0';
	wipe_free_str(p->value);
	p->value = v;
	return 0;
}

/* ---- parsing one file ---------------------------------------------------------------------- */

struct parser {
	struct profile_set *set; /* this file's sections only */
	enum profile_file which;
	const char *path;
	int line;
	int in_section; /* a section header was seen */
	long sec;       /* the current section's index; -1 when it is skipped */
	int have_prop;  /* a property was defined since that header: continuations extend it */
	long prop;      /* its index; -1 when it is skipped */
	int sub;        /* its value was empty: continuation lines are sub-properties */
	struct shim_err *err;
};

static int parse_fail(struct parser *ps, const char *what)
{
	return shim_err_set(ps->err, SHIM_EX_DATA, "%s line %d: %s", ps->path, ps->line, what);
}

static int oom(struct shim_err *err)
{
	return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
}

/* Where a header's name [s, e) (trimmed, brackets removed) goes: a section index, -1 when the
 * SDKs ignore such a section, -2 on OOM. */
static long header_section(struct parser *ps, const char *s, const char *e)
{
	const char *p = s, *n;
	enum profile_kind kind;
	long at;

	while (p < e && !is_ws(*p))
		p++;
	n = p;
	trim(&n, &e);
	if (ps->which == PROFILE_FILE_CREDENTIALS) {
		if (p != e || !name_valid(s, (size_t)(e - s)))
			return -1;
		kind = PROFILE_PROFILE;
		n = s;
	} else if (p == e) {
		if (!same_name("default", s, (size_t)(e - s)))
			return -1;
		kind = KIND_BARE_DEFAULT;
		n = s;
	} else if (same_name("profile", s, (size_t)(p - s))) {
		kind = PROFILE_PROFILE;
	} else if (same_name("sso-session", s, (size_t)(p - s))) {
		kind = PROFILE_SSO_SESSION;
	} else if (same_name("services", s, (size_t)(p - s))) {
		kind = PROFILE_SERVICES;
	} else {
		return -1;
	}
	if (!name_valid(n, (size_t)(e - n)))
		return -1;
	at = section_at(ps->set, kind, n, (size_t)(e - n));
	return at < 0 ? -2 : at;
}

static int parse_header(struct parser *ps, const char *s, const char *e)
{
	trim(&s, &e);
	for (const char *p = s; p < e; p++)
		if (*p == '#' || *p == ';') {
			e = p;
			break;
		}
	trim(&s, &e);
	if (e - s < 2 || e[-1] != ']')
		return parse_fail(ps, "Profile definition must end with ']'");
	s++;
	e--;
	trim(&s, &e);
	ps->in_section = 1;
	ps->have_prop = 0;
	if ((ps->sec = header_section(ps, s, e)) == -2)
		return oom(ps->err);
	return 0;
}

static int parse_property(struct parser *ps, const char *s, const char *e)
{
	const char *eq, *k, *ke, *v, *ve;
	int prev_ws = 0;

	if (!ps->in_section)
		return parse_fail(ps, "Expected a profile definition");
	trim(&s, &e);
	for (const char *p = s; p < e; prev_ws = is_ws(*p) || *p == '\v' || *p == '\f', p++)
		if ((*p == '#' || *p == ';') && prev_ws) {
			e = p;
			break;
		}
	trim(&s, &e);
	if (!(eq = memchr(s, '=', (size_t)(e - s))))
		return parse_fail(ps, "Expected an '=' sign defining a property");
	k = s, ke = eq, v = eq + 1, ve = e;
	trim(&k, &ke);
	trim(&v, &ve);
	if (k == ke)
		return parse_fail(ps, "Property did not have a name");
	ps->have_prop = 1;
	ps->sub = v == ve;
	ps->prop = -1;
	if (ps->sec < 0 || !name_valid(k, (size_t)(ke - k)))
		return 0;
	ps->prop = prop_set(&ps->set->s[ps->sec], k, (size_t)(ke - k), v, (size_t)(ve - v));
	return ps->prop < 0 ? oom(ps->err) : 0;
}

static int parse_continuation(struct parser *ps, const char *s, const char *e)
{
	const char *eq, *k;

	if (!ps->in_section)
		return parse_fail(ps, "Expected a profile definition, found continuation");
	if (!ps->have_prop)
		return parse_fail(ps, "Expected a property definition, found continuation");
	trim(&s, &e);
	if (ps->sub) {
		if (!(eq = memchr(s, '=', (size_t)(e - s))))
			return parse_fail(ps, "Expected an '=' sign defining a sub-property");
		k = s;
		trim(&k, &eq);
		if (k == eq)
			return parse_fail(ps, "Sub-property did not have a name");
	}
	if (ps->sec < 0 || ps->prop < 0)
		return 0;
	if (prop_append(&ps->set->s[ps->sec].props[ps->prop], s, (size_t)(e - s)) < 0)
		return oom(ps->err);
	return 0;
}

static int parse_line(struct parser *ps, const char *s, const char *e)
{
	const char *t = s, *te = e;

	trim(&t, &te);
	if (t == te || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return parse_header(ps, s, e);
	if (is_ws(*s))
		return parse_continuation(ps, s, e);
	return parse_property(ps, s, e);
}

static int parse_lines(struct parser *ps, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	if (memchr(text, '\0', len)) {
		ps->line = 1;
		for (const char *q = text; *q; q++)
			ps->line += *q == '\n';
		return parse_fail(ps, "contains a NUL byte");
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
		ps->line++;
		if (e > p && e[-1] == '\r')
			e--;
		if (parse_line(ps, p, e) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* A config file's [default] counts only when it has no [profile default]. */
static void settle_default(struct profile_set *f)
{
	int have = profile_find(f, PROFILE_PROFILE, "default") != NULL;

	for (size_t i = 0; i < f->n; i++) {
		if (f->s[i].kind != KIND_BARE_DEFAULT)
			continue;
		if (!have) {
			f->s[i].kind = PROFILE_PROFILE;
			continue;
		}
		section_free(&f->s[i]);
		memmove(&f->s[i], &f->s[i + 1], (f->n - i - 1) * sizeof(f->s[0]));
		f->n--;
		i--;
	}
}

static int merge(struct profile_set *set, const struct profile_set *f, struct shim_err *err)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct profile_section *from = &f->s[i];
		long at = section_at(set, from->kind, from->name, strlen(from->name));
		if (at < 0)
			return oom(err);
		for (size_t j = 0; j < from->n; j++)
			if (prop_set(&set->s[at], from->props[j].key, strlen(from->props[j].key),
			             from->props[j].value, strlen(from->props[j].value)) < 0)
				return oom(err);
	}
	return 0;
}

int profile_parse(struct profile_set *set, const char *text, size_t len, enum profile_file which,
                  const char *path, struct shim_err *err)
{
	struct profile_set f = {0};
	struct parser ps = {.set = &f, .which = which, .path = path, .sec = -1, .err = err};
	int rc = -1;

	if (parse_lines(&ps, text ? text : "", text ? len : 0) < 0)
		goto out;
	if (which == PROFILE_FILE_CONFIG)
		settle_default(&f);
	rc = merge(set, &f, err);
out:
	profile_set_free(&f);
	return rc;
}

/* ---- the files ------------------------------------------------------------------------------ */

/* The file's path: the variable's value (a leading "~/" meaning $HOME), else $HOME/.aws/NAME;
 * NULL in *out when there is none. -1 on OOM. */
static int file_path(char **out, char **envp, const char *var, const char *name)
{
	const char *v = env_value(envp, var), *home = env_value(envp, "HOME");
	int n;

	*out = NULL;
	if (v && strncmp(v, "~/", 2) == 0 && home)
		n = asprintf(out, "%s/%s", home, v + 2);
	else if (v)
		n = (*out = strdup(v)) ? 0 : -1;
	else if (home)
		n = asprintf(out, "%s/.aws/%s", home, name);
	else
		return 0;
	if (n < 0)
		*out = NULL;
	return n < 0 ? -1 : 0;
}

static int load_file(struct profile_set *set, const char *path, enum profile_file which,
                     struct shim_err *err)
{
	const char *what =
	        which == PROFILE_FILE_CONFIG ? "AWS config file" : "AWS credentials file";
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int rc;

	if (!path || (stat(path, &st) < 0 && (errno == ENOENT || errno == ENOTDIR)))
		return 0;
	if (file_read(&text, &len, path, FILE_MAX, what, err) < 0)
		return -1;
	rc = profile_parse(set, text, len, which, path, err);
	wipe_free(text, len);
	return rc;
}

int profile_load(struct profile_set *out, char **envp, struct shim_err *err)
{
	struct profile_set set = {0};

	if (file_path(&set.config_path, envp, "AWS_CONFIG_FILE", "config") < 0 ||
	    file_path(&set.credentials_path, envp, "AWS_SHARED_CREDENTIALS_FILE", "credentials") <
	            0) {
		profile_set_free(&set);
		return oom(err);
	}
	if (load_file(&set, set.config_path, PROFILE_FILE_CONFIG, err) < 0 ||
	    load_file(&set, set.credentials_path, PROFILE_FILE_CREDENTIALS, err) < 0) {
		profile_set_free(&set);
		return -1;
	}
	/* The paths move to *out with set. clang's analyzer loses them when &set goes to
	 * load_file, which may change any field, and takes that for a leak. */
	*out = set; // NOLINT(clang-analyzer-unix.Malloc)
	return 0;
}

/* ---- look-ups ------------------------------------------------------------------------------ */

const char *profile_select(const char *cli, char **envp, int *explicit_out)
{
	const char *env = env_value(envp, "AWS_PROFILE");
	const char *name = cli && *cli ? cli : env ? env : "default";

	if (explicit_out)
		*explicit_out = name != NULL && (name == cli || name == env);
	return name;
}

const struct profile_section *profile_find(const struct profile_set *set, enum profile_kind kind,
                                           const char *name)
{
	for (size_t i = 0; set && name && i < set->n; i++)
		if (set->s[i].kind == kind && strcmp(set->s[i].name, name) == 0)
			return &set->s[i];
	return NULL;
}

const char *profile_get(const struct profile_section *sec, const char *key)
{
	for (size_t i = 0; sec && i < sec->n; i++)
		if (strcasecmp(sec->props[i].key, key) == 0)
			return sec->props[i].value[0] ? sec->props[i].value : NULL;
	return NULL;
}

const char *profile_value(const struct profile_set *set, const char *profile, const char *key)
{
	return profile_get(profile_find(set, PROFILE_PROFILE, profile), key);
}

/* The value of sub-property key in a block ("\nk = v\nk2 = v2"): 1 with *s, *e around it. */
static int sub_property(const char **s, const char **e, const char *block, const char *key)
{
	const char *p = block;

	while (*p) {
		const char *nl = strchr(p, '\n'), *le = nl ? nl : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(le - p)), *k = p, *ke = eq;
		if (eq) {
			trim(&k, &ke);
			if ((size_t)(ke - k) == strlen(key) &&
			    strncasecmp(k, key, strlen(key)) == 0) {
				*s = eq + 1;
				*e = le;
				trim(s, e);
				return 1;
			}
		}
		p = nl ? nl + 1 : le;
	}
	return 0;
}

int profile_endpoint_url(char **out, const struct profile_set *set, const char *profile,
                         const char *service_key, struct shim_err *err)
{
	const struct profile_section *p = profile_find(set, PROFILE_PROFILE, profile);
	const char *svc = profile_get(p, "services"), *block, *s = NULL, *e = NULL, *url;

	block = profile_get(profile_find(set, PROFILE_SERVICES, svc), service_key);
	if (block && sub_property(&s, &e, block, "endpoint_url") && e > s) {
		if (!(*out = strndup(s, (size_t)(e - s))))
			return oom(err);
		return 1;
	}
	if (!(url = profile_get(p, "endpoint_url")))
		return 0;
	if (!(*out = strdup(url)))
		return oom(err);
	return 1;
}

/* ---- credential chains ---------------------------------------------------------------------- */

#define GET profile_get

static const char *quoted(char *buf, size_t cap, const char *s)
{
	return sanitize_quote(buf, cap, s, strlen(s), 64);
}

static int base_keys(struct profile_chain *c, const struct profile_section *p, struct shim_err *err)
{
	const char *id = GET(p, "aws_access_key_id"), *secret = GET(p, "aws_secret_access_key");
	const char *token = GET(p, "aws_session_token");

	if (!id && !secret && !token)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "profile `%s` did not contain credential information (keys, "
		                    "role_arn, credential_process or sso settings)",
		                    p->name);
	if (!id || !secret)
		return shim_err_set(err, SHIM_EX_NOPERM, "profile `%s`: profile missing %s",
		                    p->name, id ? "aws_secret_access_key" : "aws_access_key_id");
	c->base = PROFILE_BASE_KEYS;
	c->profile = p->name;
	c->access_key_id = id;
	c->secret_access_key = secret;
	c->session_token = token;
	return 0;
}

/* The sso-session's settings into c; -1 when they are in the wrong place or it is missing. */
static int sso_session(struct profile_chain *c, const struct profile_set *set,
                       const struct profile_section *p, struct shim_err *err)
{
	const struct profile_section *ss = profile_find(set, PROFILE_SSO_SESSION, c->sso_session);
	char q[96];

	if (!ss)
		return shim_err_set(
		        err, SHIM_EX_NOPERM,
		        "sso-session named `%s` (referenced by profile `%s`) was not found",
		        quoted(q, sizeof(q), c->sso_session), p->name);
	if (c->sso_region || c->sso_start_url)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "profile `%s`: `%s` can only be specified in the [sso-session] "
		                    "config when a session name is given",
		                    p->name, c->sso_region ? "sso_region" : "sso_start_url");
	c->sso_region = GET(ss, "sso_region");
	c->sso_start_url = GET(ss, "sso_start_url");
	c->sso_scopes = GET(ss, "sso_registration_scopes");
	return 0;
}

/* 1 when the profile uses SSO (c filled), 0 when it has no SSO key, -1 when incomplete. */
static int base_sso(struct profile_chain *c, const struct profile_set *set,
                    const struct profile_section *p, struct shim_err *err)
{
	struct profile_chain s = {.base = PROFILE_BASE_SSO, .profile = p->name};

	s.sso_account_id = GET(p, "sso_account_id");
	s.sso_region = GET(p, "sso_region");
	s.sso_role_name = GET(p, "sso_role_name");
	s.sso_start_url = GET(p, "sso_start_url");
	s.sso_session = GET(p, "sso_session");
	s.sso_scopes = GET(p, "sso_registration_scopes");
	if (!s.sso_account_id && !s.sso_region && !s.sso_role_name && !s.sso_start_url &&
	    !s.sso_session)
		return 0;
	if (s.sso_session && sso_session(&s, set, p, err) < 0)
		return -1;
	if (!s.sso_account_id != !s.sso_role_name)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "profile `%s`: if `%s` is set, then `%s` must also be set",
		                    p->name, s.sso_account_id ? "sso_account_id" : "sso_role_name",
		                    s.sso_account_id ? "sso_role_name" : "sso_account_id");
	if (!s.sso_region || !s.sso_start_url)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "profile `%s`: SSO needs sso_region and sso_start_url (in its "
		                    "[sso-session] when it names one)",
		                    p->name);
	c->base = s.base;
	c->profile = s.profile;
	c->sso_session = s.sso_session;
	c->sso_start_url = s.sso_start_url;
	c->sso_region = s.sso_region;
	c->sso_account_id = s.sso_account_id;
	c->sso_role_name = s.sso_role_name;
	c->sso_scopes = s.sso_scopes;
	return 1;
}

/* A profile's own source (smithy-rs base_provider): credential_source, web identity, SSO,
 * credential_process, static keys, in that order. */
static int base_of(struct profile_chain *c, const struct profile_set *set,
                   const struct profile_section *p, struct shim_err *err)
{
	const char *cs = GET(p, "credential_source"), *arn = GET(p, "role_arn");
	const char *file = GET(p, "web_identity_token_file"), *cmd;
	int rc;

	c->profile = p->name;
	if (cs) {
		c->base = PROFILE_BASE_SOURCE;
		c->credential_source = cs;
		return 0;
	}
	if (file) {
		if (!arn)
			return shim_err_set(err, SHIM_EX_NOPERM,
			                    "profile `%s`: web_identity_token_file is set but "
			                    "`role_arn` was missing",
			                    p->name);
		c->base = PROFILE_BASE_WEB_IDENTITY;
		c->role_arn = arn;
		c->token_file = file;
		c->session_name = GET(p, "role_session_name");
		return 0;
	}
	if ((rc = base_sso(c, set, p, err)) != 0)
		return rc < 0 ? -1 : 0;
	if ((cmd = GET(p, "credential_process"))) {
		c->base = PROFILE_BASE_PROCESS;
		c->command = cmd;
		return 0;
	}
	return base_keys(c, p, err);
}

struct walk {
	const struct profile_set *set;
	struct profile_chain c;
	const char *visited[PROFILE_ROLES_MAX];
	size_t nv;
};

/* The base of the profile at the end of the walk; a source profile's failure names both. */
static int walk_base(struct walk *w, const struct profile_section *p, struct shim_err *err)
{
	struct shim_err inner = {0};

	if (base_of(&w->c, w->set, p, &inner) == 0)
		return 0;
	if (w->nv == 1 || inner.status == SHIM_EX_INTERNAL) {
		*err = inner;
		return -1;
	}
	return shim_err_set(err, inner.status, "profile `%s`: could not load source profile: %s",
	                    w->visited[0], inner.msg);
}

static void walk_role(struct walk *w, const struct profile_section *p)
{
	w->c.roles[w->c.n_roles++] = (struct profile_role){
	        .profile = p->name,
	        .role_arn = GET(p, "role_arn"),
	        .session_name = GET(p, "role_session_name"),
	        .external_id = GET(p, "external_id"),
	        .duration_seconds = GET(p, "duration_seconds"),
	        .mfa_serial = GET(p, "mfa_serial"),
	};
}

/* One profile of the walk: 1 with *next to go on, 0 when the base is found, -1 with err. */
static int walk_step(struct walk *w, const char *name, const char **next, struct shim_err *err)
{
	const struct profile_section *p = profile_find(w->set, PROFILE_PROFILE, name);
	const char *src, *cs;
	char q[96];

	quoted(q, sizeof(q), name);
	if (!p && w->nv == 0)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "profile `%s` is not in the AWS config or credentials file", q);
	if (!p)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "could not find source profile %s referenced from %s", q,
		                    w->visited[w->nv - 1]);
	for (size_t i = 0; i < w->nv; i++)
		if (strcmp(w->visited[i], p->name) == 0)
			return shim_err_set(
			        err, SHIM_EX_NOPERM,
			        "profile `%s`: source_profile %s comes back: the profile "
			        "formed an infinite loop",
			        w->visited[0], p->name);
	if (w->nv == PROFILE_ROLES_MAX)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "profile `%s`: more than %d profiles chained by source_profile",
		                    w->visited[0], PROFILE_ROLES_MAX);
	w->visited[w->nv++] = p->name;
	if (w->nv > 1 && GET(p, "aws_access_key_id") && GET(p, "aws_secret_access_key"))
		return base_keys(&w->c, p, err);
	if (!GET(p, "role_arn") || GET(p, "web_identity_token_file"))
		return walk_base(w, p, err);
	src = GET(p, "source_profile");
	cs = GET(p, "credential_source");
	if (src && cs)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "profile `%s`: profile contained both source_profile and "
		                    "credential_source: keep one",
		                    p->name);
	if (!src && !cs)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "profile `%s`: with role_arn the profile must contain "
		                    "`source_profile` or `credential_source`, but neither is set",
		                    p->name);
	walk_role(w, p);
	if (cs || strcmp(src, p->name) == 0)
		return walk_base(w, p, err);
	*next = src;
	return 1;
}

int profile_chain(struct profile_chain *out, const struct profile_set *set, const char *profile,
                  struct shim_err *err)
{
	struct walk w = {.set = set};
	size_t n;
	int rc, any = 0;

	for (size_t i = 0; set && i < set->n; i++)
		any |= set->s[i].kind == PROFILE_PROFILE;
	if (!any) {
		char q[96];
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "profile `%s`: no profiles were defined in the AWS config or "
		                    "credentials file",
		                    quoted(q, sizeof(q), profile));
	}
	while ((rc = walk_step(&w, profile, &profile, err)) == 1)
		;
	if (rc < 0)
		return -1;
	n = w.c.n_roles;
	for (size_t i = 0; i < n / 2; i++) {
		struct profile_role t = w.c.roles[i];
		w.c.roles[i] = w.c.roles[n - 1 - i];
		w.c.roles[n - 1 - i] = t;
	}
	*out = w.c;
	return 0;
}
