/* Builds the list of wanted variables from the four sources of DESIGN.md 4.1, applying
 * the precedence there: what is already set is kept and never fetched. */
#include "mapping.h"

#include "array.h"
#include "buf.h"
#include "dotenv.h"
#include "env.h"
#include "file.h"
#include "log.h"
#include "wipe.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT_FILE (4u << 20)

struct var *mapping_find(const struct mapping *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->vars[i].name, name) == 0)
			return &m->vars[i];
	return NULL;
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
 * variable alone. */
static int add_ref(struct mapping *m, const char *name, const char *value, unsigned flags,
                   enum var_source src, const char *origin, struct shim_err *err)
{
	struct var *v = mapping_add(m, name, src, origin);
	struct shim_err perr = {0};

	if (!v)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
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
		if (add_ref(m, name, eq + 1, 0, VAR_ENV, "environment", err) < 0)
			return -1;
	}
	return 0;
}

/* Source 2: env files; they do not override the environment, and a later entry (in the
 * same or a later file) replaces an earlier one, as with docker --env-file. */
static int map_env_file(struct mapping *m, const char *path, char **envp, struct shim_err *err)
{
	struct dotenv d = {0};
	char *data = NULL, origin[600];
	size_t len;
	int rc = -1;

	if (file_read(&data, &len, path, MAX_INPUT_FILE, "env file", err) < 0)
		return -1;
	if (dotenv_parse(&d, data, len, path, err) < 0)
		goto out;
	for (size_t i = 0; i < d.n; i++) {
		const struct dotenv_entry *e = &d.v[i];
		struct var *old = mapping_find(m, e->name);
		if (!e->has_value || env_lookup(envp, e->name))
			continue; /* Docker's bare NAME, or set by the environment: it stays */
		if (old && old->source == VAR_ENV_FILE)
			mapping_remove(m, old);
		snprintf(origin, sizeof(origin), "env file %s:%d", path, e->line);
		if ((ref_is_arn(e->value)
		             ? add_ref(m, e->name, e->value, 0, VAR_ENV_FILE, origin, err)
		             : add_literal(m, e->name, e->value, VAR_ENV_FILE, origin, err)) < 0)
			goto out;
	}
	rc = 0;
out:
	dotenv_free(&d);
	wipe(data, len);
	free(data);
	return rc;
}

int mapping_import(struct mapping *m, char **envp, const char *name, const char *value,
                   const char *origin)
{
	struct var *v = mapping_find(m, name);

	if (env_lookup(envp, name) || (v && v->source != VAR_IMPORT)) {
		log_debug("%s: already set, kept (not imported from %s)", name, origin);
		return 0;
	}
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

static int is_set(const struct mapping *m, char **envp, const char *name)
{
	return env_lookup(envp, name) || mapping_find(m, name);
}

struct taskdef_ctx {
	const char *path;
	const char *container;
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

/* How many leading words of entryPoint are the shim and its own options: the shared
 * parser says where the command starts. */
static size_t td_shim_words(char **v, size_t n)
{
	const char *base = strrchr(v[0], '/');
	char *no_env[] = {NULL};
	struct shim_opts o;
	struct shim_err e;
	size_t words;

	if (strcmp(base ? base + 1 : v[0], "covenant-shim") != 0)
		return 0;
	if (opts_parse(&o, (int)n, v, no_env, &e) < 0)
		return n; /* not a command line the shim would accept: none of it is the app's */
	words = n - (size_t)o.command_argc;
	opts_free(&o);
	return words;
}

/* entryPoint (without the shim itself and its options) followed by command, as ECS runs it. */
static int td_command(struct mapping *m, json_t *c, const struct taskdef_ctx *t,
                      struct shim_err *err)
{
	char **v = NULL;
	size_t n = 0, cap = 0, skip = 0;
	int rc = -1;

	if (td_strings(&v, &n, &cap, json_object_get(c, "entryPoint"), t, "entryPoint", err) < 0)
		goto out;
	if (n)
		skip = td_shim_words(v, n);
	for (size_t i = 0; i < skip; i++)
		free(v[i]);
	if (skip)
		memmove(v, v + skip, (n - skip + 1) * sizeof(*v));
	n -= skip;
	if (td_strings(&v, &n, &cap, json_object_get(c, "command"), t, "command", err) < 0)
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

/* Sources 3 and 4: the container's environment (literal) and secrets (references). */
static int td_entries(struct mapping *m, json_t *c, const struct taskdef_ctx *t, char **envp,
                      struct shim_err *err)
{
	static const char *const kinds[] = {"environment", "secrets"};
	char origin[300];

	snprintf(origin, sizeof(origin), "task definition container %s", t->container);
	for (int k = 0; k < 2; k++) {
		json_t *arr = json_object_get(c, kinds[k]), *e;
		const char *field = k ? "valueFrom" : "value";
		size_t i;

		if (arr && !json_is_array(arr))
			return shim_err_set(err, SHIM_EX_DATA,
			                    "task definition %s: container %s: %s is not an array",
			                    t->path, t->container, kinds[k]);
		json_array_foreach(arr, i, e)
		{
			const char *name = json_string_value(json_object_get(e, "name"));
			const char *value = json_string_value(json_object_get(e, field));
			if (!name || !value)
				return td_fail(t, err, kinds[k], i,
				               k ? "needs string name and valueFrom"
				                 : "needs string name and value");
			if (!env_name_valid(name))
				return td_fail(t, err, kinds[k], i, "invalid variable name");
			if (is_set(m, envp, name)) {
				log_msg(k ? LOG_INFO : LOG_DEBUG,
				        "%s: already set, kept (%s not %s)", name, kinds[k],
				        k ? "fetched" : "applied");
				continue;
			}
			if ((k ? add_ref(m, name, value, REF_ALLOW_NAME, VAR_TASKDEF_SECRET, origin,
			                 err)
			       : add_literal(m, name, value, VAR_TASKDEF_ENV, origin, err)) < 0)
				return -1;
		}
	}
	return 0;
}

static int map_task_definition(struct mapping *m, const struct shim_opts *o, char **envp,
                               struct shim_err *err)
{
	struct taskdef_ctx t = {.path = o->task_definition};
	json_error_t jerr;
	json_t *root = NULL, *td, *defs, *c;
	char *data = NULL;
	size_t len = 0;
	int rc = -1;

	if (file_read(&data, &len, t.path, MAX_INPUT_FILE, "task definition", err) < 0)
		return -1;
	if (!(root = json_loadb(data, len, 0, &jerr))) {
		shim_err_set(err, SHIM_EX_DATA, "task definition %s:%d:%d: %s", t.path, jerr.line,
		             jerr.column, jerr.text);
		goto out;
	}
	td = json_object_get(root, "taskDefinition");
	defs = json_object_get(json_is_object(td) ? td : root, "containerDefinitions");
	if (!json_is_array(defs) || json_array_size(defs) == 0) {
		shim_err_set(err, SHIM_EX_DATA, "task definition %s: no containerDefinitions",
		             t.path);
		goto out;
	}
	if (!(c = td_select(defs, o->container, t.path, err)))
		goto out;
	t.container = json_string_value(json_object_get(c, "name"));
	if (!(m->container = strdup(t.container))) {
		shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		goto out;
	}
	if (td_entries(m, c, &t, envp, err) < 0)
		goto out;
	if (!o->command_argc && td_command(m, c, &t, err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(root);
	free(data);
	return rc;
}

/* Source 5 is fetched later: record what to import. */
static int map_imports(struct mapping *m, const struct shim_opts *o, struct shim_err *err)
{
	size_t n = o->ssm_paths.n + o->secret_json.n;

	if (!n)
		return 0;
	if (!(m->imports = calloc(n, sizeof(*m->imports))))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct import *im = &m->imports[i];
		int is_path = i < o->ssm_paths.n;
		const char *arg =
		        is_path ? o->ssm_paths.v[i] : o->secret_json.v[i - o->ssm_paths.n];

		im->kind = is_path ? IMPORT_SSM_PATH : IMPORT_SECRET_JSON;
		if (!(im->arg = strdup(arg)))
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		m->n_imports++;
		if (is_path)
			continue;
		if (ref_parse(&im->ref, arg, ref_is_arn(arg) ? 0 : REF_ALLOW_NAME, err) < 0)
			return -1;
		if (im->ref.kind != REF_SECRET || im->ref.json_key)
			return shim_err_set(err, SHIM_EX_USAGE,
			                    "--secret-json: \"%s\" is not a whole secret", arg);
	}
	return 0;
}

int mapping_build(struct mapping *out, const struct shim_opts *o, char **envp, struct shim_err *err)
{
	struct mapping m = {0};

	if (map_environment(&m, envp, err) < 0)
		goto fail;
	for (size_t i = 0; i < o->env_files.n; i++)
		if (map_env_file(&m, o->env_files.v[i], envp, err) < 0)
			goto fail;
	if (o->task_definition && map_task_definition(&m, o, envp, err) < 0)
		goto fail;
	if (map_imports(&m, o, err) < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	mapping_free(&m);
	return -1;
}

void mapping_free(struct mapping *m)
{
	while (m->n)
		mapping_remove(m, &m->vars[m->n - 1]);
	free(m->vars);
	for (size_t i = 0; i < m->n_imports; i++) {
		free(m->imports[i].arg);
		ref_free(&m->imports[i].ref);
	}
	free(m->imports);
	for (size_t i = 0; m->command && m->command[i]; i++)
		free(m->command[i]);
	free(m->command);
	free(m->container);
	memset(m, 0, sizeof(*m));
}
