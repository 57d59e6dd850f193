/* The offline backend of DESIGN 5.6: each fetch of the plan looked up in the store that
 * store_load.c read, by the rules of README "The offline store" (names against full and partial
 * ARNs, stages and version ids, parameter versions and labels, paths), answered as AWS would. */
#include "store.h"

#include "awserr.h"
#include "store_doc.h"
#include "valuefrom.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int store_oom(const struct backend_cfg *cfg, struct shim_err *err)
{
	return shim_err_set(err, SHIM_EX_INTERNAL, "store %s: out of memory", cfg->store);
}

static void store_fail(struct fetch *f, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Fail a fetch with an AWS error code, mapped to an exit status as the AWS backend does. */
static void store_fail(struct fetch *f, const char *code, const char *fmt, ...)
{
	char msg[360];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	plan_fetch_fail(f, awserr_exit_status(awserr_classify(400, code)), "%s: %s", code, msg);
}

/* ---- secrets ---------------------------------------------------------------------------- */

/* The secret named name (n bytes) in region and account; with suffix, a secret keyed by its
 * full ARN must carry that suffix. */
static const struct store_secret *store_secret_named(const struct store_doc *d, const char *region,
                                                     const char *account, const char *name,
                                                     size_t n, const char *suffix)
{
	for (size_t i = 0; i < d->n_secrets; i++) {
		const struct store_secret *x = &d->secrets[i];
		if (strcmp(x->region, region) != 0 || strcmp(x->account, account) != 0 ||
		    strlen(x->name) != n || memcmp(x->name, name, n) != 0)
			continue;
		if (!suffix || !x->suffix[0] || !strcmp(x->suffix, suffix))
			return x;
	}
	return NULL;
}

/* A bare name: that name in the store's account. An ARN (its region is the fetch's): the name
 * part as written first (a partial ARN, or a name that itself ends like a suffix), then the
 * name part without its -XXXXXX suffix, which answers any suffix for a secret keyed by name. */
static const struct store_secret *store_find_secret(const struct store_doc *d,
                                                    const struct fetch *f)
{
	const char *account = f->account ? f->account : d->account;
	size_t n = strlen(f->name), base = ref_secret_base_len(f->name, n);
	const struct store_secret *sec;

	sec = store_secret_named(d, f->region, account, f->name, n, NULL);
	if (sec || !f->account || !base)
		return sec;
	return store_secret_named(d, f->region, account, f->name, base, f->name + base + 1);
}

/* GetSecretValue's rules: a version id (and, if given too, a stage it carries), else the
 * stage, else AWSCURRENT. */
static const struct store_version *store_secret_pick(const struct store_secret *sec,
                                                     struct fetch *f)
{
	const char *stage = f->stage ? f->stage : "AWSCURRENT";

	for (size_t i = 0; i < sec->n_v; i++) {
		const struct store_version *v = &sec->v[i];
		int hit = f->version_id ? v->id && !strcmp(v->id, f->version_id)
		                        : store_version_has_stage(v, stage);
		if (!hit)
			continue;
		if (f->version_id && f->stage && !store_version_has_stage(v, f->stage))
			break;
		return v;
	}
	if (f->version_id)
		store_fail(f, "ResourceNotFoundException",
		           "Secrets Manager can't find the specified secret value for VersionId: "
		           "%s%s%s",
		           f->version_id, f->stage ? " and staging label: " : "",
		           f->stage ? f->stage : "");
	else
		store_fail(f, "ResourceNotFoundException",
		           "Secrets Manager can't find the specified secret value for staging "
		           "label: %s",
		           stage);
	return NULL;
}

static const char *store_error_message(const char *code)
{
	if (!strcmp(code, "DecryptionFailure"))
		return "Secrets Manager can't decrypt the protected secret text using the provided "
		       "KMS key.";
	if (!strcmp(code, "InvalidRequestException"))
		return "You can't perform this operation on the secret because it was marked for "
		       "deletion.";
	return code;
}

static int store_fill_secret(const struct store_doc *d, struct fetch *f)
{
	const struct store_secret *sec = store_find_secret(d, f);
	const struct store_version *v;

	if (!sec) {
		store_fail(f, "ResourceNotFoundException",
		           "no such secret in the store (region %s, account %s)", f->region,
		           f->account ? f->account : d->account);
		return 0;
	}
	if (!(v = store_secret_pick(sec, f)))
		return 0;
	if (sec->error && *sec->error) {
		store_fail(f, sec->error, "%s", store_error_message(sec->error));
		return 0;
	}
	return plan_fetch_value(f, v->value, v->len);
}

/* ---- parameters ------------------------------------------------------------------------- */

static const struct store_param *store_param_named(const struct store_doc *d, const char *region,
                                                   const char *account, int slash, const char *name)
{
	for (size_t i = 0; i < d->n_params; i++) {
		const struct store_param *x = &d->params[i];
		if (strcmp(x->region, region) != 0 || strcmp(x->account, account) != 0)
			continue;
		if (slash ? x->name[0] == '/' && !strcmp(x->name + 1, name)
		          : !strcmp(x->name, name))
			return x;
	}
	return NULL;
}

/* By name in the store's account, or by ARN. `parameter/top` may be "/top" or "top": the
 * hierarchical "/top" is tried first. */
static const struct store_param *store_find_param(const struct store_doc *d, const struct fetch *f)
{
	const struct store_param *p = NULL;

	if (!f->account)
		return store_param_named(d, f->region, d->account, 0, f->name);
	if (f->name[0] != '/')
		p = store_param_named(d, f->region, f->account, 1, f->name);
	return p ? p : store_param_named(d, f->region, f->account, 0, f->name);
}

/* "3" as a version number; -1 when selector is not 1 to 18 digits. */
static int store_version_number(long long *out, const char *selector)
{
	size_t n = strspn(selector, "0123456789");

	if (n == 0 || n > 18 || selector[n])
		return -1;
	*out = strtoll(selector, NULL, 10);
	return 0;
}

/* selector: NULL (the current version), "3" (a version) or "label". */
static const struct store_pversion *store_param_select(const struct store_param *p,
                                                       const char *selector)
{
	const char *label = NULL;
	long long n = p->current;

	if (selector && *selector >= '0' && *selector <= '9') {
		if (store_version_number(&n, selector) < 0)
			return NULL;
	} else if (selector) {
		label = selector;
	}
	for (size_t i = 0; i < p->n_v; i++) {
		const json_t *x;
		size_t k;
		if (!label && p->v[i].number == n)
			return &p->v[i];
		json_array_foreach(p->v[i].labels, k, x)
		{
			if (label && !strcmp(json_string_value(x), label))
				return &p->v[i];
		}
	}
	return NULL;
}

static int store_fill_param(const struct store_doc *d, struct fetch *f)
{
	const struct store_param *p = store_find_param(d, f);
	const struct store_pversion *v;

	if (!p) {
		store_fail(f, "ParameterNotFound", "Parameter %s%s%s not found.", f->id,
		           f->selector ? ":" : "", f->selector ? f->selector : "");
		return 0;
	}
	if (!(v = store_param_select(p, f->selector))) {
		store_fail(f, "ParameterVersionNotFound",
		           "Systems Manager could not find version %s of %s. Verify the version "
		           "and try again.",
		           f->selector, p->name);
		return 0;
	}
	return plan_fetch_value(f, v->value, v->len);
}

static int store_param_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct store_param *const *)a)->name,
	              (*(const struct store_param *const *)b)->name);
}

/* The store account's parameters of the fetch's region under path (n bytes, no trailing
 * '/'), by name. found has room for every parameter; returns how many. */
static size_t store_params_under(const struct store_param **found, const struct store_doc *d,
                                 const char *region, const char *path, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < d->n_params; i++) {
		const struct store_param *p = &d->params[i];
		if (!strcmp(p->region, region) && !strcmp(p->account, d->account) &&
		    !strncmp(p->name, path, n) && p->name[n] == '/')
			found[k++] = p;
	}
	// NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers
	qsort(found, k, sizeof(*found), store_param_cmp);
	return k;
}

/* GetParametersByPath, recursive. */
static int store_fill_path(const struct store_doc *d, struct fetch *f)
{
	// NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers
	const struct store_param **found = calloc(d->n_params + 1, sizeof(*found));
	size_t n, plen = strlen(f->id), slashes = 0;
	int rc = 0;

	if (!found)
		return -1;
	for (const char *c = f->id; *c; c++)
		slashes += *c == '/';
	if (f->id[0] != '/' || slashes > 15) {
		store_fail(
		        f, "ValidationException",
		        "The parameter doesn't meet the parameter name requirements. The "
		        "parameter name must begin with a forward slash \"/\" and have at most 15 "
		        "levels.");
		goto out;
	}
	while (plen > 0 && f->id[plen - 1] == '/')
		plen--;
	n = store_params_under(found, d, f->region, f->id, plen);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct store_pversion *v = store_param_select(found[i], NULL);
		if (memchr(v->value, '\0', v->len)) {
			store_fail(f, "ValidationException", "parameter %s holds a NUL byte",
			           found[i]->name);
			goto out;
		}
		rc = plan_fetch_item(f, found[i]->name, v->value);
	}
	plan_fetch_done(f);
out:
	free(found);
	return rc;
}

/* Every failure names the store file, so a typo is not taken for an AWS answer. */
static void store_name_failures(struct plan *p, const char *path)
{
	char msg[sizeof(p->f[0].fail.msg)];

	for (size_t i = 0; i < p->n; i++) {
		struct fetch *f = &p->f[i];
		if (!f->fail.status)
			continue;
		memcpy(msg, f->fail.msg, sizeof(msg));
		plan_fetch_fail(f, f->fail.status, "store %s: %s", path, msg);
	}
}

int store_fetch_plan(struct plan *p, const struct backend_cfg *cfg, char **envp,
                     struct backend_stats *st, struct shim_err *err)
{
	struct store_doc d;
	int rc = -1;

	(void)envp;
	(void)st; /* offline: no calls, no waves */
	if (!cfg->store)
		return shim_err_set(err, SHIM_EX_INTERNAL, "store: no store file given");
	if (store_doc_load(&d, cfg->store, err) < 0)
		return -1;
	if (plan_needs_region(p) && plan_set_default_region(p, d.region) < 0) {
		store_oom(cfg, err);
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct fetch *f = &p->f[i];
		int r = f->kind == FETCH_SECRET  ? store_fill_secret(&d, f)
		        : f->kind == FETCH_PARAM ? store_fill_param(&d, f)
		                                 : store_fill_path(&d, f);
		if (r < 0) {
			store_oom(cfg, err);
			goto out;
		}
	}
	store_name_failures(p, cfg->store);
	rc = 0;
out:
	store_doc_free(&d);
	return rc;
}
