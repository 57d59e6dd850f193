/* Loading the offline store: the JSON document of README "The offline store" read, checked
 * entry by entry and turned into secrets and parameters per region and account. Values are
 * rendered once here (JSON by jsonval, binaries by base64); look-ups live in store.c. */
#include "store_doc.h"

#include "array.h"
#include "base64.h"
#include "buf.h"
#include "endpoint.h"
#include "file.h"
#include "jsonval.h"
#include "sanitize.h"
#include "valuefrom.h"
#include "wipe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_MAX_BYTES       (16u << 20)
#define STORE_DEFAULT_REGION  "us-east-1"
#define STORE_DEFAULT_ACCOUNT "123456789012"
#define STORE_SHOWN_MAX       200 /* bytes of a key shown in a message */

struct load {
	struct store_doc *d;
	const char *path;
	struct shim_err *err;
};

static int load_report(struct load *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* -1 with the error recorded: the analyzers see the -1 this way (err.h, shim_err_failed). */
#define load_bad(...) shim_err_failed(load_report(__VA_ARGS__))

static int load_report(struct load *l, const char *fmt, ...)
{
	char what[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return shim_err_set(l->err, SHIM_EX_DATA, "store %s: %s", l->path, what);
}

static int load_oom(struct load *l)
{
	return shim_err_set(l->err, SHIM_EX_INTERNAL, "store %s: out of memory", l->path);
}

/* `secret "KEY"` or `parameter "KEY"` for messages, the key made printable. */
static void load_where(char *out, size_t size, const char *what, const char *key)
{
	char q[STORE_SHOWN_MAX + 16];

	snprintf(out, size, "%s \"%s\"", what,
	         sanitize_quote(q, sizeof(q), key, strlen(key), STORE_SHOWN_MAX));
}

static char *load_dup(const char *s, size_t n)
{
	char *r = malloc(n + 1);

	if (r) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

static int load_is_string_list(const json_t *v)
{
	const json_t *x;
	size_t i;

	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, x)
	{
		if (!json_is_string(x))
			return 0;
	}
	return 1;
}

static int load_key_in(const char *key, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(key, *set) == 0)
			return 1;
	return 0;
}

/* Code points of valid UTF-8 (a version key's length). */
static size_t load_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* ---- secrets ---------------------------------------------------------------------------- */

static int secret_has_value(const json_t *spec)
{
	return json_object_get(spec, "string") || json_object_get(spec, "json") ||
	       json_object_get(spec, "binary");
}

/* A spec: a non-empty object of spec keys only, with a value, versions or an error. Any other
 * object is a secret's JSON value. */
static int secret_is_spec(const json_t *v)
{
	static const char *const keys[] = {"string", "json",  "binary", "versions",
	                                   "stages", "error", NULL};
	const char *key;
	const json_t *x;

	if (!json_is_object(v) || json_object_size(v) == 0)
		return 0;
	json_object_foreach((json_t *)v, key, x)
	{
		if (!load_key_in(key, keys))
			return 0;
	}
	return secret_has_value(v) || json_object_get(v, "versions") || json_object_get(v, "error");
}

static int secret_binary(struct load *l, const char *where, const json_t *bin,
                         struct store_version *out)
{
	size_t n = json_string_length(bin), len = 0;
	unsigned char *dst;

	if (!json_is_string(bin))
		return load_bad(l, "%s: binary is not base64", where);
	if (!(dst = malloc(base64_decoded_max(n))))
		return load_oom(l);
	if (base64_decode(dst, &len, json_string_value(bin), n) < 0) {
		wipe_free(dst, base64_decoded_max(n));
		return load_bad(l, "%s: binary is not base64", where);
	}
	out->value = (char *)dst;
	out->len = len;
	return 0;
}

/* One version's value: a string as is; a spec's string, json or binary; any other JSON value
 * (and a spec's "json", even a string) as its compact JSON text. */
static int secret_payload(struct load *l, const char *where, const json_t *value,
                          struct store_version *out)
{
	if (secret_is_spec(value)) {
		const json_t *str = json_object_get(value, "string");
		const json_t *bin = json_object_get(value, "binary");
		const json_t *js = json_object_get(value, "json");
		if (!!str + !!bin + !!js != 1)
			return load_bad(l, "%s: give exactly one of string, json, binary", where);
		if (bin)
			return secret_binary(l, where, bin, out);
		if (str && !json_is_string(str))
			return load_bad(l, "%s: string must be a string", where);
		value = str ? str : js;
		if (js)
			goto as_json;
	}
	if (json_is_string(value)) {
		out->len = json_string_length(value);
		out->value = load_dup(json_string_value(value), out->len);
		return out->value ? 0 : load_oom(l);
	}
as_json:
	return jsonval_dump(&out->value, &out->len, value) < 0 ? load_oom(l) : 0;
}

static int secret_stages(struct load *l, const char *where, const json_t *value,
                         struct store_version *v)
{
	const json_t *stages = secret_is_spec(value) ? json_object_get(value, "stages") : NULL;

	if (stages && !load_is_string_list(stages))
		return load_bad(l, "%s: stages must be a list of strings", where);
	v->stages = stages;
	return 0;
}

/* A secret without "versions": one version, AWSCURRENT (an "error" secret reads as ""). */
static int secret_one_version(struct load *l, const char *where, const json_t *spec,
                              struct store_secret *sec)
{
	struct store_version *v = calloc(1, sizeof(*v));

	if (!v)
		return load_oom(l);
	sec->v = v;
	sec->n_v = 1;
	v->label = "AWSCURRENT";
	if (secret_stages(l, where, spec, v) < 0)
		return -1;
	if (secret_is_spec(spec) && !secret_has_value(spec)) {
		v->value = load_dup("", 0);
		return v->value ? 0 : load_oom(l);
	}
	return secret_payload(l, where, spec, v);
}

static int secret_versions(struct load *l, const char *where, const json_t *spec,
                           struct store_secret *sec)
{
	const json_t *versions = secret_is_spec(spec) ? json_object_get(spec, "versions") : NULL;
	const json_t *value;
	char vwhere[400], q[STORE_SHOWN_MAX + 16];
	const char *key;
	size_t current = 0;

	if (!versions)
		return secret_one_version(l, where, spec, sec);
	if (!json_is_object(versions) || json_object_size(versions) == 0)
		return load_bad(l, "%s: versions must be a non-empty object", where);
	if (!(sec->v = calloc(json_object_size(versions), sizeof(*sec->v))))
		return load_oom(l);
	json_object_foreach((json_t *)versions, key, value)
	{
		struct store_version *v = &sec->v[sec->n_v++];
		size_t n = load_utf8_len(key);
		snprintf(vwhere, sizeof(vwhere), "%s: version \"%s\"", where,
		         sanitize_quote(q, sizeof(q), key, strlen(key), STORE_SHOWN_MAX));
		/* AWS's VersionId is 32 to 64 characters; any other key is a staging label. */
		if (n >= 32 && n <= 64)
			v->id = key;
		else
			v->label = key;
		if (secret_stages(l, vwhere, value, v) < 0 ||
		    secret_payload(l, vwhere, value, v) < 0)
			return -1;
		current += store_version_has_stage(v, "AWSCURRENT");
	}
	if (current != 1)
		return load_bad(l, "%s: exactly one version must carry AWSCURRENT", where);
	return 0;
}

static void secret_free(struct store_secret *sec)
{
	for (size_t i = 0; i < sec->n_v; i++)
		wipe_free(sec->v[i].value, sec->v[i].len);
	free(sec->v);
	free(sec->region);
	free(sec->account);
	free(sec->name);
	memset(sec, 0, sizeof(*sec));
}

/* A key is a name (the section's region, the store's account) or a full ARN: its region,
 * account, name and -XXXXXX suffix, which look-ups by full ARN must then match. */
static int secret_identify(struct load *l, const char *where, struct store_secret *sec,
                           const char *key, const char *region)
{
	struct ref r = {0};
	size_t n;
	int rc = -1;

	if (!ref_is_arn(key)) {
		sec->region = strdup(region);
		sec->account = strdup(l->d->account);
		sec->name = strdup(key);
		return sec->region && sec->account && sec->name ? 0 : load_oom(l);
	}
	if (ref_parse(&r, key, 0, l->err) < 0)
		return load_bad(l, "%s: %s", where, l->err->msg);
	n = strlen(r.name);
	if (r.kind != REF_SECRET || r.json_key || r.version_stage || r.version_id)
		load_bad(l, "%s: an ARN key is a secret's ARN, without key, stage or id", where);
	else if (!ref_secret_base_len(r.name, n))
		load_bad(l, "%s: an ARN key needs the -XXXXXX suffix", where);
	else if (!(sec->region = strdup(r.region)) || !(sec->account = strdup(r.account)) ||
	         !(sec->name = load_dup(r.name, n - 7)))
		load_oom(l);
	else
		rc = 0;
	if (rc == 0)
		memcpy(sec->suffix, r.name + n - 6, 7);
	ref_free(&r);
	return rc;
}

/* Later entries with the same (region, account, name) replace earlier ones. */
static struct store_secret *secret_slot(struct store_doc *d, const struct store_secret *sec)
{
	for (size_t i = 0; i < d->n_secrets; i++) {
		struct store_secret *x = &d->secrets[i];
		if (!strcmp(x->region, sec->region) && !strcmp(x->account, sec->account) &&
		    !strcmp(x->name, sec->name)) {
			secret_free(x);
			return x;
		}
	}
	if (ARRAY_GROW(d->secrets, d->cap_secrets, d->n_secrets + 1) < 0)
		return NULL;
	return &d->secrets[d->n_secrets++];
}

static int secret_add(struct load *l, const char *key, const json_t *spec, const char *region)
{
	struct store_secret sec = {0}, *slot;
	const json_t *error = secret_is_spec(spec) ? json_object_get(spec, "error") : NULL;
	char where[STORE_SHOWN_MAX + 40];

	load_where(where, sizeof(where), "secret", key);
	if (error && !json_is_null(error) && !json_is_string(error)) {
		load_bad(l, "%s: error must be a string", where);
		goto fail;
	}
	sec.error = json_string_value(error);
	if (secret_identify(l, where, &sec, key, region) < 0 ||
	    secret_versions(l, where, spec, &sec) < 0)
		goto fail;
	if (!(slot = secret_slot(l->d, &sec))) {
		load_oom(l);
		goto fail;
	}
	*slot = sec;
	return 0;
fail:
	secret_free(&sec);
	return -1;
}

int store_version_has_stage(const struct store_version *v, const char *stage)
{
	const json_t *x;
	size_t i;

	if (v->label && strcmp(v->label, stage) == 0)
		return 1;
	json_array_foreach(v->stages, i, x)
	{
		if (strcmp(json_string_value(x), stage) == 0)
			return 1;
	}
	return 0;
}

/* ---- parameters ------------------------------------------------------------------------- */

static void param_free(struct store_param *p)
{
	for (size_t i = 0; i < p->n_v; i++)
		wipe_free(p->v[i].value, p->v[i].len);
	free(p->v);
	free(p->region);
	free(p->account);
	free(p->name);
	memset(p, 0, sizeof(*p));
}

/* "1", "+3", "-2" as a history key or a "version" string; -1 when it is not a number (or
 * beyond 18 digits). */
static int param_number(long long *out, const char *s)
{
	size_t sign = *s == '-' || *s == '+', digits = strspn(s + sign, "0123456789");

	if (digits == 0 || digits > 18 || s[sign + digits])
		return -1;
	*out = strtoll(s, NULL, 10);
	return 0;
}

/* A version's value: a string, or a list of strings joined with ','. */
static int param_value(struct load *l, const char *where, long long number, const json_t *value,
                       const json_t *labels, struct store_pversion *out)
{
	struct buf b = BUF_INIT;
	const json_t *x;
	size_t i;

	if (labels && !load_is_string_list(labels))
		return load_bad(l, "%s: version %lld labels must be a list of strings", where,
		                number);
	out->number = number;
	out->labels = labels;
	if (json_is_string(value)) {
		out->len = json_string_length(value);
		out->value = load_dup(json_string_value(value), out->len);
		return out->value ? 0 : load_oom(l);
	}
	if (!load_is_string_list(value))
		return load_bad(l, "%s: version %lld value must be a string", where, number);
	json_array_foreach(value, i, x)
	{
		if (i)
			buf_putc(&b, ',');
		buf_put(&b, json_string_value(x), json_string_length(x));
	}
	buf_grow(&b, 0);
	if (buf_oom(&b)) {
		buf_free(&b);
		return load_oom(l);
	}
	out->len = b.len;
	out->value = buf_detach(&b);
	return 0;
}

static int param_check_type(struct load *l, const char *where, const json_t *spec)
{
	static const char *const types[] = {"String", "StringList", "SecureString", NULL};
	const json_t *type = json_object_get(spec, "type");

	if (type && !(json_is_string(type) && load_key_in(json_string_value(type), types)))
		return load_bad(l, "%s: type must be one of String, StringList, SecureString",
		                where);
	return 0;
}

/* The current version: "version" (a number), else one above the highest history key. */
static int param_current(struct load *l, const char *where, const json_t *spec,
                         struct store_param *p)
{
	const json_t *history = json_object_get(spec, "history");
	const json_t *ver = json_object_get(spec, "version"), *v;
	const char *key;
	long long max = 0, n;

	if (history && !json_is_object(history))
		return load_bad(l, "%s: history must be an object", where);
	json_object_foreach((json_t *)history, key, v)
	{
		if (param_number(&n, key) < 0)
			return load_bad(l, "%s: history key \"%s\" is not a version number", where,
			                key);
		max = n > max ? n : max;
	}
	if (!ver)
		p->current = max + 1;
	else if (json_is_integer(ver))
		p->current = json_integer_value(ver);
	else if (!json_is_string(ver) || param_number(&p->current, json_string_value(ver)) < 0)
		return load_bad(l, "%s: version must be a number", where);
	return 0;
}

/* history: {"N": value or {"value", "labels"}}, each N between 1 and version-1. */
static int param_history(struct load *l, const char *where, const json_t *spec,
                         struct store_param *p)
{
	const json_t *history = json_object_get(spec, "history"), *v;
	const char *key;
	long long n;

	if (param_current(l, where, spec, p) < 0)
		return -1;
	if (!(p->v = calloc(json_object_size(history) + 1, sizeof(*p->v))))
		return load_oom(l);
	json_object_foreach((json_t *)history, key, v)
	{
		if (param_number(&n, key) < 0 || n >= p->current || n < 1)
			return load_bad(l, "%s: history versions must be between 1 and version-1",
			                where);
		for (size_t i = 0; i < p->n_v; i++)
			if (p->v[i].number == n) /* "3" and "03" */
				return load_bad(l, "%s: history version %lld given twice", where,
				                n);
		if (param_value(l, where, n, json_is_object(v) ? json_object_get(v, "value") : v,
		                json_is_object(v) ? json_object_get(v, "labels") : NULL,
		                &p->v[p->n_v++]) < 0)
			return -1;
	}
	return 0;
}

static int param_label_seen(const struct store_param *p, size_t upto_v, size_t upto_k,
                            const char *label)
{
	for (size_t j = 0; j <= upto_v; j++) {
		const json_t *y;
		size_t m;
		json_array_foreach(p->v[j].labels, m, y)
		{
			if ((j < upto_v || m < upto_k) && !strcmp(label, json_string_value(y)))
				return 1;
		}
	}
	return 0;
}

/* Every label sits on one version only and does not start with a digit (a selector of
 * digits is a version number). */
static int param_check_labels(struct load *l, const char *where, const struct store_param *p)
{
	for (size_t i = 0; i < p->n_v; i++) {
		const json_t *x;
		size_t k;
		json_array_foreach(p->v[i].labels, k, x)
		{
			const char *label = json_string_value(x);
			if ((*label >= '0' && *label <= '9') || param_label_seen(p, i, k, label))
				return load_bad(l,
				                "%s: a label is on one version only and doesn't "
				                "start with a digit",
				                where);
		}
	}
	return 0;
}

/* A string (version 1), a list (joined with commas), or an object with value. type and
 * data_type describe the parameter to AWS clients; offline, only type is checked. */
static int param_make(struct load *l, const char *where, const json_t *spec, struct store_param *p)
{
	static const char *const keys[] = {"value",   "type",      "version", "labels",
	                                   "history", "data_type", NULL};
	const json_t *x;
	const char *key;

	if (json_is_string(spec) || json_is_array(spec)) {
		if (!(p->v = calloc(1, sizeof(*p->v))))
			return load_oom(l);
		p->current = 1;
		return param_value(l, where, 1, spec, NULL, &p->v[p->n_v++]);
	}
	if (!json_is_object(spec) || !json_object_get(spec, "value"))
		goto bad;
	json_object_foreach((json_t *)spec, key, x)
	{
		if (!load_key_in(key, keys))
			goto bad;
	}
	if (param_check_type(l, where, spec) < 0 || param_history(l, where, spec, p) < 0 ||
	    param_value(l, where, p->current, json_object_get(spec, "value"),
	                json_object_get(spec, "labels"), &p->v[p->n_v++]) < 0)
		return -1;
	return param_check_labels(l, where, p);
bad:
	return load_bad(l, "%s: a parameter is a string, a list, or an object with value", where);
}

static struct store_param *param_slot(struct store_doc *d, const struct store_param *p)
{
	for (size_t i = 0; i < d->n_params; i++) {
		struct store_param *x = &d->params[i];
		if (!strcmp(x->region, p->region) && !strcmp(x->account, p->account) &&
		    !strcmp(x->name, p->name)) {
			param_free(x);
			return x;
		}
	}
	if (ARRAY_GROW(d->params, d->cap_params, d->n_params + 1) < 0)
		return NULL;
	return &d->params[d->n_params++];
}

/* A key is a name or an ARN; an ARN's name follows the reference rule (parameter/a/b is
 * "/a/b", parameter/top is "top"). */
static int param_identify(struct load *l, const char *where, struct store_param *p, const char *key,
                          const char *region)
{
	struct ref r = {0};
	int rc = -1;

	if (!ref_is_arn(key)) {
		p->region = strdup(region);
		p->account = strdup(l->d->account);
		p->name = strdup(key);
		return p->region && p->account && p->name ? 0 : load_oom(l);
	}
	if (ref_parse(&r, key, 0, l->err) < 0)
		return load_bad(l, "%s: %s", where, l->err->msg);
	if (r.kind != REF_PARAM || r.selector)
		load_bad(l, "%s: an ARN key is a parameter's ARN, without selector", where);
	else if (!(p->region = strdup(r.region)) || !(p->account = strdup(r.account)) ||
	         !(p->name = strdup(r.name)))
		load_oom(l);
	else
		rc = 0;
	ref_free(&r);
	return rc;
}

static int param_add(struct load *l, const char *key, const json_t *spec, const char *region)
{
	struct store_param p = {0}, *slot;
	char where[STORE_SHOWN_MAX + 40];

	load_where(where, sizeof(where), "parameter", key);
	if (param_identify(l, where, &p, key, region) < 0 || param_make(l, where, spec, &p) < 0)
		goto fail;
	if (!(slot = param_slot(l->d, &p))) {
		load_oom(l);
		goto fail;
	}
	*slot = p;
	return 0;
fail:
	param_free(&p);
	return -1;
}

/* ---- the document ----------------------------------------------------------------------- */

static int load_region_name(struct load *l, const char *where, const char *region)
{
	struct shim_err e = {0};

	if (endpoint_region_check(region, "region", &e) < 0)
		return load_bad(l, "%s%s", where, e.msg);
	return 0;
}

/* One section: the top level (the store's region) or regions.NAME, which holds secrets and
 * parameters only. */
static int load_section(struct load *l, const json_t *section, const char *region,
                        const char *where)
{
	static const char *const top[] = {"secrets", "parameters", "regions",
	                                  "region",  "account",    NULL};
	static const char *const inner[] = {"secrets", "parameters", NULL};
	const json_t *secrets = json_object_get(section, "secrets");
	const json_t *params = json_object_get(section, "parameters"), *v;
	const char *key;

	json_object_foreach((json_t *)section, key, v)
	{
		if (!load_key_in(key, *where ? inner : top))
			return load_bad(l, "%sunknown key \"%s\"", where, key);
	}
	if ((secrets && !json_is_object(secrets)) || (params && !json_is_object(params)))
		return load_bad(l, "%ssecrets and parameters must be objects", where);
	json_object_foreach((json_t *)secrets, key, v)
	{
		if (secret_add(l, key, v, region) < 0)
			return -1;
	}
	json_object_foreach((json_t *)params, key, v)
	{
		if (param_add(l, key, v, region) < 0)
			return -1;
	}
	return 0;
}

static int load_document(struct load *l)
{
	const json_t *doc = l->d->doc;
	const json_t *region = json_object_get(doc, "region");
	const json_t *account = json_object_get(doc, "account");
	const json_t *regions = json_object_get(doc, "regions"), *v;
	const char *key;
	char where[STORE_SHOWN_MAX + 40];

	if (!json_is_object(doc))
		return load_bad(l, "the store must be a JSON object");
	if ((region && !json_is_string(region)) || (account && !json_is_string(account)))
		return load_bad(l, "region and account must be strings");
	l->d->region = region ? json_string_value(region) : STORE_DEFAULT_REGION;
	l->d->account = account ? json_string_value(account) : STORE_DEFAULT_ACCOUNT;
	if (strlen(l->d->account) != 12 || strspn(l->d->account, "0123456789") != 12)
		return load_bad(l, "account must be 12 digits");
	if (load_region_name(l, "", l->d->region) < 0 || load_section(l, doc, l->d->region, "") < 0)
		return -1;
	if (regions && !json_is_object(regions))
		return load_bad(l, "regions must be an object");
	json_object_foreach((json_t *)regions, key, v)
	{
		load_where(where, sizeof(where), "regions", key);
		strcat(where, ": ");
		if (load_region_name(l, where, key) < 0)
			return -1;
		if (!json_is_object(v))
			return load_bad(l, "%smust be an object", where);
		if (load_section(l, v, key, where) < 0)
			return -1;
	}
	return 0;
}

void store_doc_free(struct store_doc *d)
{
	for (size_t i = 0; i < d->n_secrets; i++)
		secret_free(&d->secrets[i]);
	for (size_t i = 0; i < d->n_params; i++)
		param_free(&d->params[i]);
	free(d->secrets);
	free(d->params);
	json_decref(d->doc);
	memset(d, 0, sizeof(*d));
}

/* Parse once; jansson's messages quote the text near an error (even a \\u escape), which may
 * be a secret, so only the position is kept. */
int store_doc_load(struct store_doc *d, const char *path, struct shim_err *err)
{
	struct load l = {.d = d, .path = path, .err = err};
	json_error_t je;
	char *text = NULL;
	size_t len = 0;

	memset(d, 0, sizeof(*d));
	if (file_read(&text, &len, path, STORE_MAX_BYTES, "store", err) < 0)
		return -1;
	d->doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	wipe_free(text, len);
	if (!d->doc)
		return load_bad(&l, "not valid JSON at line %d column %d", je.line, je.column);
	if (load_document(&l) < 0) {
		store_doc_free(d);
		return -1;
	}
	return 0;
}
