/* Builds the list of wanted variables from the sources of DESIGN.md 4.1, applying the
 * precedence there: what is already set is kept and never fetched (in --check its reference
 * is resolved all the same), and an empty value counts as unset. */
#include "mapping.h"

#include "array.h"
#include "buf.h"
#include "dotenv.h"
#include "env.h"
#include "file.h"
#include "jsonval.h"
#include "log.h"
#include "wipe.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT_FILE (4u << 20)

/* The state of one mapping_build. */
struct build {
	struct mapping *m;
	const struct shim_opts *o;
	char **envp;
	struct buf env_empty; /* inherited variables that are empty but mapped */
};

struct var *mapping_find(const struct mapping *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!m->vars[i].kept_by && strcmp(m->vars[i].name, name) == 0)
			return &m->vars[i];
	return NULL;
}

/* Append ", name" to a list of names unless it is there already. */
static void names_add(struct buf *b, const char *name)
{
	const char *p = buf_cstr(b);
	size_t n = strlen(name);

	for (; (p = strstr(p, name)); p += n)
		if ((p == b->ptr || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
			return;
	buf_printf(b, "%s%s", b->len ? ", " : "", name);
}

/* One warning for the empty values a source had (DESIGN 4.2: they count as unset). */
static void warn_empty(const char *where, struct buf *names)
{
	if (names->len)
		log_warn("%s: %s as unset: %s", where,
		         strchr(buf_cstr(names), ',') ? "empty values count"
		                                      : "an empty value counts",
		         buf_cstr(names));
	buf_clear(names);
}

/* Which stronger source sets name, or 0; an inherited empty value does not, and is noted
 * for the warning. */
static enum var_source set_by(struct build *b, const char *name)
{
	const char *v = env_lookup(b->envp, name);
	const struct var *x;

	if (v && *v)
		return VAR_ENV;
	if (v)
		names_add(&b->env_empty, name);
	return (x = mapping_find(b->m, name)) ? x->source : 0;
}

/* How logs and --check's kept rows name the source that set a variable (static). */
static const char *kept_phrase(enum var_source by)
{
	switch (by) {
	case VAR_ENV:
		return "the environment";
	case VAR_ENV_FILE:
		return "an env file";
	case VAR_TASKDEF_ENV:
		return "the task definition's environment";
	default:
		return "the task definition's secrets";
	}
}

const char *mapping_source_name(enum var_source s)
{
	static const char *const names[] = {
	        "", "environment", "env file", "task definition environment", "secrets", "import"};

	return s >= VAR_ENV && s <= VAR_IMPORT ? names[s] : "unknown";
}

/* Record that by kept source's entry for name out (--explain); -1 on OOM. */
static int note_override(struct mapping *m, const char *name, enum var_source source,
                         enum var_source by)
{
	struct override *o;

	if (source == by)
		return 0; /* two entries of one source: the later one replaces, overrides nothing */
	if (ARRAY_GROW(m->overrides, m->cap_overrides, m->n_overrides + 1) < 0)
		return -1;
	o = &m->overrides[m->n_overrides];
	if (!(o->name = strdup(name)))
		return -1;
	o->source = source;
	o->by = by;
	m->n_overrides++;
	return 0;
}

static struct var *mapping_add(struct mapping *m, const char *name, enum var_source src,
                               const char *origin)
{
	struct var *v;

	if (ARRAY_GROW(m->vars, m->cap, m->n + 1) < 0)
		return NULL;
	v = &m->vars[m->n];
	memset(v, 0, sizeof(*v));
	v->name = strdup(name);
	v->origin = strdup(origin);
	v->source = src;
	if (!v->name || !v->origin) {
		free(v->name);
		free(v->origin);
		return NULL;
	}
	m->n++;
	return v;
}

void mapping_var_fail(struct var *v, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->fail.msg, sizeof(v->fail.msg), fmt, ap);
	va_end(ap);
	v->fail.status = status;
	wipe_free_str(v->value);
	v->value = NULL;
}

void mapping_describe_ref(char *out, size_t size, const struct ref *r, const char *region)
{
	const char *rg = r->region ? r->region : region;
	char sel[160] = "";

	if (r->kind == REF_SECRET) {
		if (r->json_key || r->version_stage || r->version_id)
			snprintf(sel, sizeof(sel), ":%s:%s:%s", r->json_key ? r->json_key : "",
			         r->version_stage ? r->version_stage : "",
			         r->version_id ? r->version_id : "");
		snprintf(out, size, "secret %s%s%s%s%s", r->name, sel, rg ? " (" : "", rg ? rg : "",
		         rg ? ")" : "");
	} else {
		if (r->selector)
			snprintf(sel, sizeof(sel), ":%s", r->selector);
		snprintf(out, size, "parameter %s%s%s%s%s", r->name, sel, rg ? " (" : "",
		         rg ? rg : "", rg ? ")" : "");
	}
}

/* A variable whose value is a reference; a reference that does not parse fails the
 * variable alone. kept_by: see struct var. */
static int add_ref(struct mapping *m, const char *name, const char *value, unsigned flags,
                   enum var_source src, const char *origin, const char *kept_by,
                   struct shim_err *err)
{
	struct var *v = mapping_add(m, name, src, origin);
	struct shim_err perr = {0};

	if (!v)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	v->kept_by = kept_by;
	if (ref_parse(&v->ref, value, flags, &perr) < 0)
		mapping_var_fail(v, perr.status, "%s: %s: %s", name, origin, perr.msg);
	else
		v->has_ref = 1;
	return 0;
}

static int add_literal(struct mapping *m, const char *name, const char *value, enum var_source src,
                       const char *origin, struct shim_err *err)
{
	struct var *v = mapping_add(m, name, src, origin);

	if (!v || !(v->value = strdup(value)))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 0;
}

static void mapping_remove(struct mapping *m, struct var *v)
{
	size_t i = (size_t)(v - m->vars);

	wipe_free_str(v->value);
	free(v->name);
	free(v->origin);
	ref_free(&v->ref);
	memmove(v, v + 1, (m->n - i - 1) * sizeof(*v));
	m->n--;
}

/* Source 1: ARNs in the inherited environment are resolved in place. */
static int map_environment(struct mapping *m, char **envp, struct shim_err *err)
{
	char name[256];

	for (; envp && *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		if (!eq || !ref_is_arn(eq + 1) || (size_t)(eq - *envp) >= sizeof(name))
			continue;
		memcpy(name, *envp, (size_t)(eq - *envp));
		name[eq - *envp] = '\0';
		if (add_ref(m, name, eq + 1, 0, VAR_ENV, "environment", NULL, err) < 0)
			return -1;
	}
	return 0;
}

/* Every earlier entry of the env files for name, kept or not: a later one replaces it. */
static void drop_env_file_var(struct mapping *m, const char *name)
{
	for (size_t i = m->n; i-- > 0;)
		if (m->vars[i].source == VAR_ENV_FILE && strcmp(m->vars[i].name, name) == 0)
			mapping_remove(m, &m->vars[i]);
}

/* One entry of an env file: not over a stronger source (but resolved in --check). */
static int env_file_entry(struct build *b, const struct dotenv_entry *e, const char *origin,
                          struct shim_err *err)
{
	int is_ref = ref_is_arn(e->value);
	enum var_source by_src;
	const char *by;

	drop_env_file_var(b->m, e->name);
	if ((by_src = set_by(b, e->name))) {
		by = kept_phrase(by_src);
		log_event(LOG_DEBUG, "kept",
		          LOG_FIELDS(LOG_STR("variable", e->name), LOG_STR("by", by)),
		          "%s: already set by %s, kept (%s not applied)", e->name, by, origin);
		if (note_override(b->m, e->name, VAR_ENV_FILE, by_src) < 0)
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		if (!b->o->check || !is_ref)
			return 0;
		return add_ref(b->m, e->name, e->value, 0, VAR_ENV_FILE, origin, by, err);
	}
	if (is_ref)
		return add_ref(b->m, e->name, e->value, 0, VAR_ENV_FILE, origin, NULL, err);
	return add_literal(b->m, e->name, e->value, VAR_ENV_FILE, origin, err);
}

/* Source 2: env files; they do not override the environment, and a later entry (in the
 * same or a later file) replaces an earlier one, as with docker --env-file. */
static int map_env_file(struct build *b, const char *path, struct shim_err *err)
{
	struct dotenv d = {0};
	struct buf empty = BUF_INIT;
	char *data = NULL, origin[600];
	size_t len;
	int rc = -1;

	if (file_read(&data, &len, path, MAX_INPUT_FILE, "env file", err) < 0)
		return -1;
	if (dotenv_parse(&d, data, len, path, err) < 0)
		goto out;
	for (size_t i = 0; i < d.n; i++) {
		const struct dotenv_entry *e = &d.v[i];
		if (!e->has_value)
			continue; /* Docker's bare NAME: the environment's value passes through */
		if (!*e->value) {
			names_add(&empty, e->name);
			continue;
		}
		snprintf(origin, sizeof(origin), "env file %s:%d", path, e->line);
		if (env_file_entry(b, e, origin, err) < 0)
			goto out;
	}
	snprintf(origin, sizeof(origin), "env file %s", path);
	warn_empty(origin, &empty);
	rc = 0;
out:
	buf_free(&empty);
	dotenv_free(&d);
	wipe(data, len);
	free(data);
	return rc;
}

int mapping_import(struct mapping *m, char **envp, const char *name, const char *value,
                   const char *origin)
{
	struct var *v = mapping_find(m, name);

	const char *inherited = env_lookup(envp, name);

	if ((inherited && *inherited) || (v && v->source != VAR_IMPORT)) {
		log_event(LOG_DEBUG, "kept", LOG_FIELDS(LOG_STR("variable", name)),
		          "%s: already set, kept (not imported from %s)", name, origin);
		return note_override(m, name, VAR_IMPORT, v ? v->source : VAR_ENV);
	}
	if (!env_name_importable(name)) {
		log_warn("%s: not imported from %s: an import never sets loader, proxy or AWS "
		         "credential and endpoint variables (map it by name to set it)",
		         name, origin);
		return 0;
	}
	if (inherited)
		log_warn("environment: an empty value counts as unset: %s (imported from %s)", name,
		         origin);
	if (v) {
		log_warn("%s: imported from both %s and %s; the latter wins", name, v->origin,
		         origin);
		free(v->origin);
		wipe_free_str(v->value);
		v->value = NULL;
		if (!(v->origin = strdup(origin)))
			return -1;
	} else if (!(v = mapping_add(m, name, VAR_IMPORT, origin))) {
		return -1;
	}
	return (v->value = strdup(value)) ? 0 : -1;
}

struct taskdef_ctx {
	const char *path;
	const char *container;
	json_t *root, *c; /* the document, and the container in it */
};

static int td_fail(const struct taskdef_ctx *t, struct shim_err *err, const char *what, size_t i,
                   const char *problem)
{
	return shim_err_set(err, SHIM_EX_DATA, "task definition %s: container %s: %s[%zu]: %s",
	                    t->path, t->container, what, i, problem);
}

/* The container: --container, else the only one with secrets, else the only essential one. */
static json_t *td_select(json_t *defs, const char *want, const char *path, struct shim_err *err)
{
	json_t *c, *with_secrets = NULL, *essential = NULL;
	size_t i, n_secrets = 0, n_essential = 0;
	struct buf names = BUF_INIT;

	json_array_foreach(defs, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *ess = json_object_get(c, "essential");
		if (!json_is_object(c) || !name) {
			shim_err_set(err, SHIM_EX_DATA,
			             "task definition %s: containerDefinitions[%zu] has no name",
			             path, i);
			buf_free(&names);
			return NULL;
		}
		if (want && strcmp(name, want) == 0) {
			buf_free(&names);
			return c;
		}
		buf_printf(&names, "%s%s", i ? ", " : "", name);
		if (json_array_size(json_object_get(c, "secrets")) > 0)
			with_secrets = c, n_secrets++;
		if (!ess || json_is_true(ess))
			essential = c, n_essential++;
	}
	if (!want && n_secrets == 1)
		c = with_secrets;
	else if (!want && n_secrets == 0 && n_essential == 1)
		c = essential;
	else
		c = NULL;
	if (!c) {
		if (want)
			shim_err_set(err, SHIM_EX_DATA,
			             "task definition %s: no container %s (it has: %s)", path, want,
			             buf_cstr(&names));
		else
			shim_err_set(err, SHIM_EX_DATA,
			             "task definition %s: choose a container with --container (it "
			             "has: %s)",
			             path, buf_cstr(&names));
	}
	buf_free(&names);
	return c;
}

static int td_strings(char ***out, size_t *n, size_t *cap, json_t *arr, const struct taskdef_ctx *t,
                      const char *what, struct shim_err *err)
{
	size_t i;
	json_t *s;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return shim_err_set(err, SHIM_EX_DATA,
		                    "task definition %s: container %s: %s is not an array", t->path,
		                    t->container, what);
	json_array_foreach(arr, i, s)
	{
		if (ARRAY_GROW(*out, *cap, *n + 2) < 0)
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		(*out)[*n] = NULL;
		if (!json_is_string(s))
			return td_fail(t, err, what, i, "not a string");
		if (!((*out)[*n] = strdup(json_string_value(s))))
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		(*out)[++*n] = NULL;
	}
	return 0;
}

/* entryPoint's leading words that are the shim and its own options, which apply as on ECS:
 * parsed with the shared parser into m->entry_opts. *words is 0 when entryPoint does not
 * start with the shim. */
static int td_shim_opts(struct mapping *m, size_t *words, char **v, size_t n,
                        const struct taskdef_ctx *t, struct shim_err *err)
{
	const char *base = strrchr(v[0], '/');
	char *no_env[] = {NULL};
	struct shim_err e = {0};

	*words = 0;
	if (strcmp(base ? base + 1 : v[0], "covenant-shim") != 0)
		return 0;
	if (opts_parse(&m->entry_opts, (int)n, v, no_env, &e) < 0)
		return shim_err_set(err, SHIM_EX_DATA,
		                    "task definition %s: container %s: entryPoint: %s", t->path,
		                    t->container, e.msg);
	m->has_entry_opts = 1;
	*words = n - (size_t)m->entry_opts.command_argc;
	m->entry_opts.command = NULL; /* the words move to m->command */
	m->entry_opts.command_argc = 0;
	return 0;
}

/* The shim's words of entryPoint move to m->entry_argv (entry_opts borrows them). */
static int td_keep_shim_words(struct mapping *m, char **v, size_t words, struct shim_err *err)
{
	if (!words)
		return 0;
	if (!(m->entry_argv = calloc(words + 1, sizeof(char *))))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	memcpy(m->entry_argv, v, words * sizeof(char *));
	return 0;
}

/* entryPoint (without the shim itself and its options) followed by command, as ECS runs it. */
static int td_command(struct mapping *m, const struct taskdef_ctx *t, struct shim_err *err)
{
	char **v = NULL;
	size_t n = 0, cap = 0, skip = 0;
	int rc = -1;

	if (td_strings(&v, &n, &cap, json_object_get(t->c, "entryPoint"), t, "entryPoint", err) < 0)
		goto out;
	if (n &&
	    (td_shim_opts(m, &skip, v, n, t, err) < 0 || td_keep_shim_words(m, v, skip, err) < 0))
		goto out;
	if (skip)
		memmove(v, v + skip, (n - skip + 1) * sizeof(*v));
	n -= skip;
	if (td_strings(&v, &n, &cap, json_object_get(t->c, "command"), t, "command", err) < 0)
		goto out;
	m->command = v;
	v = NULL;
	rc = 0;
out:
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
	return rc;
}

/* One entry of the container's environment (k 0) or secrets (k 1). */
static int td_entry(struct build *b, int k, const char *name, const char *value, const char *origin,
                    struct buf *empty, struct shim_err *err)
{
	int is_ref = k || ref_is_arn(value);
	unsigned flags = k ? REF_ALLOW_NAME : 0;
	enum var_source src = k ? VAR_TASKDEF_SECRET : VAR_TASKDEF_ENV, by_src;
	const char *by;

	if (!k && !*value) {
		names_add(empty, name);
		return 0;
	}
	if ((by_src = set_by(b, name))) {
		by = kept_phrase(by_src);
		if (note_override(b->m, name, src, by_src) < 0)
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		log_event(k ? LOG_INFO : LOG_DEBUG, "kept",
		          LOG_FIELDS(LOG_STR("variable", name), LOG_STR("by", by)),
		          "%s: already set by %s, kept (%s not %s)", name, by,
		          k ? "secrets" : "environment", k ? "fetched" : "applied");
		if (!b->o->check || !is_ref)
			return 0;
		return add_ref(b->m, name, value, flags, src, origin, by, err);
	}
	if (is_ref)
		return add_ref(b->m, name, value, flags, src, origin, NULL, err);
	return add_literal(b->m, name, value, src, origin, err);
}

/* Sources 3 and 4: the container's environment (literals, or ARNs: ECS passes them through)
 * and secrets (references: a bare name is an SSM parameter, as in ECS). */
static int td_entries(struct build *b, const struct taskdef_ctx *t, struct shim_err *err)
{
	static const char *const kinds[] = {"environment", "secrets"};
	struct buf empty = BUF_INIT;
	char origin[300];
	int rc = -1;

	snprintf(origin, sizeof(origin), "task definition container %s", t->container);
	for (int k = 0; k < 2; k++) {
		json_t *arr = json_object_get(t->c, kinds[k]), *e;
		const char *field = k ? "valueFrom" : "value";
		size_t i;

		if (arr && !json_is_array(arr)) {
			shim_err_set(err, SHIM_EX_DATA,
			             "task definition %s: container %s: %s is not an array",
			             t->path, t->container, kinds[k]);
			goto out;
		}
		json_array_foreach(arr, i, e)
		{
			const char *name = json_string_value(json_object_get(e, "name"));
			const char *value = json_string_value(json_object_get(e, field));
			if (!name || !value) {
				td_fail(t, err, kinds[k], i,
				        k ? "needs string name and valueFrom"
				          : "needs string name and value");
				goto out;
			}
			if (!env_name_valid(name)) {
				td_fail(t, err, kinds[k], i, "invalid variable name");
				goto out;
			}
			if (td_entry(b, k, name, value, origin, &empty, err) < 0)
				goto out;
		}
	}
	snprintf(origin, sizeof(origin), "task definition container %s: environment", t->container);
	warn_empty(origin, &empty);
	rc = 0;
out:
	buf_free(&empty);
	return rc;
}

/* Read the task definition and choose its container; t->root is the caller's to decref. */
static int td_load(struct taskdef_ctx *t, struct mapping *m, const struct shim_opts *o,
                   struct shim_err *err)
{
	json_error_t jerr;
	json_t *td, *defs;
	char *data = NULL;
	size_t len = 0;
	int rc = -1;

	t->path = o->task_definition;
	if (file_read(&data, &len, t->path, MAX_INPUT_FILE, "task definition", err) < 0)
		return -1;
	if (!(t->root = json_loadb(data, len, 0, &jerr))) {
		/* jerr.text quotes the input, and a task definition holds values */
		shim_err_set(err, SHIM_EX_DATA, "task definition %s:%d:%d: %s", t->path, jerr.line,
		             jerr.column, jsonval_error_what(json_error_code(&jerr)));
		goto out;
	}
	td = json_object_get(t->root, "taskDefinition");
	defs = json_object_get(json_is_object(td) ? td : t->root, "containerDefinitions");
	if (!json_is_array(defs) || json_array_size(defs) == 0) {
		shim_err_set(err, SHIM_EX_DATA, "task definition %s: no containerDefinitions",
		             t->path);
		goto out;
	}
	if (!(t->c = td_select(defs, o->container, t->path, err)))
		goto out;
	t->container = json_string_value(json_object_get(t->c, "name"));
	if (!(m->container = strdup(t->container))) {
		shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(data);
	return rc;
}

/* Source 5 is fetched later: record what to import. */
static int map_imports(struct mapping *m, const struct shim_opts *o, struct shim_err *err)
{
	size_t n = o->ssm_paths.n + o->secret_json.n;
	struct import *grown;

	if (!n)
		return 0;
	if (!(grown = realloc(m->imports, (m->n_imports + n) * sizeof(*grown))))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	m->imports = grown;
	for (size_t i = 0; i < n; i++) {
		struct import *im = &m->imports[m->n_imports];
		int is_path = i < o->ssm_paths.n;
		const char *arg =
		        is_path ? o->ssm_paths.v[i] : o->secret_json.v[i - o->ssm_paths.n];

		memset(im, 0, sizeof(*im));
		im->kind = is_path ? IMPORT_SSM_PATH : IMPORT_SECRET_JSON;
		if (!(im->arg = strdup(arg)))
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		m->n_imports++;
		if (is_path)
			continue;
		if (ref_parse(&im->ref, arg, REF_SECRET_NAME, err) < 0)
			return -1;
		if (im->ref.kind != REF_SECRET || im->ref.json_key)
			return shim_err_set(err, SHIM_EX_USAGE,
			                    "--secret-json: \"%s\" is not a whole secret", arg);
	}
	return 0;
}

/* Sources 2 to 5 in precedence order; the entryPoint's options before the command line's,
 * so the developer's own options win where a later one wins. */
static int map_sources(struct build *b, const struct taskdef_ctx *t, struct shim_err *err)
{
	const struct shim_opts *eo = b->m->has_entry_opts ? &b->m->entry_opts : NULL;

	for (size_t i = 0; eo && i < eo->env_files.n; i++)
		if (map_env_file(b, eo->env_files.v[i], err) < 0)
			return -1;
	for (size_t i = 0; i < b->o->env_files.n; i++)
		if (map_env_file(b, b->o->env_files.v[i], err) < 0)
			return -1;
	if (t->c && td_entries(b, t, err) < 0)
		return -1;
	warn_empty("environment", &b->env_empty);
	if (eo && map_imports(b->m, eo, err) < 0)
		return -1;
	return map_imports(b->m, b->o, err);
}

int mapping_build(struct mapping *out, const struct shim_opts *o, char **envp, struct shim_err *err)
{
	struct mapping m = {0};
	struct build b = {&m, o, envp, BUF_INIT};
	struct taskdef_ctx t = {0};
	int rc = -1;

	if (o->task_definition && td_load(&t, &m, o, err) < 0)
		goto out;
	if (t.c && !o->command_argc && td_command(&m, &t, err) < 0)
		goto out;
	if (map_environment(&m, envp, err) < 0 || map_sources(&b, &t, err) < 0)
		goto out;
	*out = m;
	memset(&m, 0, sizeof(m));
	rc = 0;
out:
	mapping_free(&m);
	buf_free(&b.env_empty);
	json_decref(t.root);
	return rc;
}

void mapping_free(struct mapping *m)
{
	while (m->n)
		mapping_remove(m, &m->vars[m->n - 1]);
	free(m->vars);
	for (size_t i = 0; i < m->n_overrides; i++)
		free(m->overrides[i].name);
	free(m->overrides);
	for (size_t i = 0; i < m->n_imports; i++) {
		free(m->imports[i].arg);
		ref_free(&m->imports[i].ref);
	}
	free(m->imports);
	for (size_t i = 0; m->command && m->command[i]; i++)
		free(m->command[i]);
	free(m->command);
	free(m->container);
	if (m->has_entry_opts)
		opts_free(&m->entry_opts);
	for (size_t i = 0; m->entry_argv && m->entry_argv[i]; i++)
		free(m->entry_argv[i]);
	free(m->entry_argv);
	memset(m, 0, sizeof(*m));
}
