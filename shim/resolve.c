/* From mapping to values: plan (deduplicate), fetch through a backend, then render each
 * variable from its fetch: JSON keys, plain strings, binary secrets, path and JSON imports. */
#include "resolve.h"

#include "buf.h"
#include "clock.h"
#include "endpoint.h"
#include "dotenv.h"
#include "env.h"
#include "jsonval.h"
#include "log.h"
#include "profile.h"
#include "wipe.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NO_FETCH SIZE_MAX

/* Indexes, not pointers: the plan's array moves while it grows. Only the variables whose
 * source is in the mask sources (1 << enum var_source) are planned, imports with VAR_IMPORT. */
static int build_plan(struct plan *p, const struct mapping *m, unsigned sources, size_t *var_fetch,
                      size_t *imp_fetch, struct shim_err *err)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct var *v = &m->vars[i];
		struct fetch *f;
		var_fetch[i] = NO_FETCH;
		if (!v->has_ref || v->fail.status || !(sources & (1u << v->source)))
			continue;
		if (!(f = plan_add_ref(p, &v->ref)))
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		var_fetch[i] = (size_t)(f - p->f);
	}
	for (size_t i = 0; i < m->n_imports && (sources & (1u << VAR_IMPORT)); i++) {
		const struct import *im = &m->imports[i];
		struct fetch *f = im->kind == IMPORT_SSM_PATH ? plan_add_path(p, im->arg)
		                                              : plan_add_ref(p, &im->ref);
		if (!f)
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		imp_fetch[i] = (size_t)(f - p->f);
	}
	return 0;
}

/* A bare name in a task definition is an SSM parameter (DESIGN 4.2): when it is missing, say
 * so, for a task definition written with a secret's name in mind. */
static const char *bare_name_hint(const struct var *v, const struct fetch *f)
{
	if (v->source != VAR_TASKDEF_SECRET || v->ref.kind != REF_PARAM || v->ref.partition ||
	    v->ref.name[0] == '/' || f->fail.status != SHIM_EX_UNRESOLVED)
		return "";
	return " (a bare name in a task definition is an SSM parameter, as in ECS: a Secrets "
	       "Manager secret needs its ARN)";
}

/* The variable fails with its fetch; variables that failed for one cause share fail_group
 * (one per fetch, or one per failed call, which then stands for all its fetches). */
static void fail_from_fetch(struct var *v, const struct fetch *f, size_t fi)
{
	char desc[300];
	size_t text;

	plan_fetch_describe(f, desc, sizeof(desc));
	mapping_var_fail(v, f->fail.status, "%s: %s: %s%s", v->name, desc, f->fail.msg,
	                 bare_name_hint(v, f));
	v->fail_group = f->fail_call ? 2 * f->fail_call : 2 * (unsigned)fi + 1;
	text = strlen(v->name) + 2 + (f->fail_call ? strlen(desc) + 2 : 0);
	v->fail_text = text < strlen(v->fail.msg) ? text : 0;
}

/* One variable's value from its fetch (plan index fi). */
static void render_var(struct var *v, const struct fetch *f, size_t fi)
{
	struct shim_err e = {0};
	char desc[300];

	if (f->fail.status) {
		fail_from_fetch(v, f, fi);
		return;
	}
	if (f->kind == FETCH_SECRET && v->ref.json_key) {
		if (jsonval_get(&v->value, f->value, f->value_len, v->ref.json_key, f->name, &e) <
		    0)
			mapping_var_fail(v, e.status, "%s: %s", v->name, e.msg);
		return;
	}
	if (memchr(f->value, '\0', f->value_len)) {
		plan_fetch_describe(f, desc, sizeof(desc));
		mapping_var_fail(v, SHIM_EX_UNRESOLVED, "%s: %s: the value contains a NUL byte",
		                 v->name, desc);
		return;
	}
	if (!(v->value = strdup(f->value)))
		mapping_var_fail(v, SHIM_EX_INTERNAL, "%s: out of memory", v->name);
}

struct json_import {
	struct mapping *m;
	char **envp;
	const char *origin;
};

static int import_key(void *ctx, const char *key, const char *value, struct shim_err *err)
{
	struct json_import *ji = ctx;

	if (!env_name_valid(key)) {
		log_warn("%s: key \"%s\" is not a variable name, skipped", ji->origin, key);
		return 0;
	}
	if (mapping_import(ji->m, ji->envp, key, value, ji->origin) < 0)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 0;
}

static int run_import(struct mapping *m, char **envp, struct import *im, const struct fetch *f)
{
	struct shim_err e = {0};
	char origin[600], msg[1200];

	snprintf(origin, sizeof(origin), "%s %s",
	         im->kind == IMPORT_SSM_PATH ? "--ssm-path" : "--secret-json", im->arg);
	if (f->fail.status) {
		snprintf(msg, sizeof(msg), "%s: %s", origin, f->fail.msg);
		shim_err_set(&im->fail, f->fail.status, "%s", msg);
		return 0;
	}
	if (im->kind == IMPORT_SECRET_JSON) {
		struct json_import ji = {m, envp, origin};
		if (jsonval_each_key(f->value, f->value_len, f->name, import_key, &ji, &e) < 0) {
			if (e.status == SHIM_EX_INTERNAL)
				return -1;
			snprintf(msg, sizeof(msg), "%s: %s", origin, e.msg);
			shim_err_set(&im->fail, e.status, "%s", msg);
		}
		return 0;
	}
	for (size_t i = 0; i < f->n_items; i++) {
		const char *slash = strrchr(f->items[i].name, '/');
		const char *name = slash ? slash + 1 : f->items[i].name;
		if (!env_name_valid(name)) {
			log_warn("%s: parameter %s is not a variable name, skipped", origin,
			         f->items[i].name);
			continue;
		}
		if (mapping_import(m, envp, name, f->items[i].value, origin) < 0)
			return -1;
	}
	return 0;
}

static int worst_of(const struct mapping *m)
{
	int worst = 0;

	for (size_t i = 0; i < m->n; i++)
		worst = shim_status_worst(worst, m->vars[i].fail.status);
	for (size_t i = 0; i < m->n_imports; i++)
		worst = shim_status_worst(worst, m->imports[i].fail.status);
	return worst;
}

/* The one default-region choice (DESIGN.md 5.3), validated before any backend runs. */
static int default_region(struct plan *p, const struct backend_cfg *cfg, char **envp,
                          struct shim_err *err)
{
	const char *region = NULL, *source = NULL;
	const char *preg =
	        profile_value(cfg->profiles, profile_select(cfg->profile, envp, NULL), "region");
	int rc = endpoint_region_select(&region, &source, cfg->region, envp, preg, err);

	if (rc <= 0)
		return rc;
	log_debug("default region %s (%s)", region, source);
	if (plan_set_default_region(p, region) < 0)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 0;
}

int resolve_mapping(struct mapping *m, const struct backend_cfg *cfg, char **envp,
                    backend_fn backend, struct backend_stats *st, struct shim_err *err)
{
	struct plan p = {0};
	size_t *var_fetch = calloc(m->n + 1, sizeof(size_t));
	size_t *imp_fetch = calloc(m->n_imports + 1, sizeof(size_t));
	size_t n_vars = m->n; /* imports append: only the mapped ones have fetches */
	long long t0 = clock_ms();
	int rc = -1;

	if (!var_fetch || !imp_fetch) {
		shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		goto out;
	}
	if (build_plan(&p, m, ~0u, var_fetch, imp_fetch, err) < 0)
		goto out;
	if (p.n && (default_region(&p, cfg, envp, err) < 0 || backend(&p, cfg, envp, st, err) < 0))
		goto out;
	for (size_t i = 0; i < n_vars; i++)
		if (var_fetch[i] != NO_FETCH)
			render_var(&m->vars[i], &p.f[var_fetch[i]], var_fetch[i]);
	for (size_t i = 0; i < m->n_imports; i++)
		if (run_import(m, envp, &m->imports[i], &p.f[imp_fetch[i]]) < 0) {
			shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
			goto out;
		}
	st->elapsed_ms = clock_ms() - t0;
	rc = worst_of(m);
out:
	plan_free(&p);
	free(var_fetch);
	free(imp_fetch);
	return rc;
}

int resolve_plan(struct plan *out, const struct mapping *m, unsigned sources,
                 const struct backend_cfg *cfg, char **envp, struct shim_err *err)
{
	struct plan p = {0};
	size_t *var_fetch = calloc(m->n + 1, sizeof(size_t));
	size_t *imp_fetch = calloc(m->n_imports + 1, sizeof(size_t));
	int rc = -1;

	if (!var_fetch || !imp_fetch)
		shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	else if (build_plan(&p, m, sources, var_fetch, imp_fetch, err) == 0 &&
	         (!p.n || default_region(&p, cfg, envp, err) == 0))
		rc = 0;
	free(var_fetch);
	free(imp_fetch);
	if (rc == 0)
		*out = p;
	else
		plan_free(&p);
	return rc;
}
