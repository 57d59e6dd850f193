/* Secrets Manager bodies. Requests are built with jansson; responses are checked member by
 * member, since a service that answers 200 with the wrong shape must not crash or mislead. */
#include "sm.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static int put_chunk(const char *data, size_t len, void *out)
{
	buf_put(out, data, len);
	return 0;
}

/* Appended through a callback: json_dumps' string would come from jansson's allocator,
 * which the resolver replaces with a wiping one. */
static void dump_into(struct buf *out, json_t *obj)
{
	if (!obj || json_dump_callback(obj, put_chunk, out, JSON_COMPACT) < 0)
		out->oom = 1;
	json_decref(obj);
}

void sm_body_batch(struct buf *out, const char *const *ids, size_t n)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < n; i++)
		json_array_append_new(list, json_string(ids[i]));
	dump_into(out, json_pack("{s:o}", "SecretIdList", list));
}

void sm_body_get(struct buf *out, const char *id, const char *stage, const char *version_id)
{
	json_t *o = json_pack("{s:s}", "SecretId", id);

	if (o && stage)
		json_object_set_new(o, "VersionStage", json_string(stage));
	if (o && version_id)
		json_object_set_new(o, "VersionId", json_string(version_id));
	dump_into(out, o);
}

static char *dup_str(json_t *v)
{
	return json_is_string(v) ? strndup(json_string_value(v), json_string_length(v)) : NULL;
}

/* Standard base64 with padding, as the JSON protocol sends blobs. */
static int decode_b64(unsigned char **out, size_t *len, const char *s, size_t n)
{
	unsigned char *p;
	int got;

	if (n % 4 != 0 || n > 4u << 20)
		return -1;
	if (!(p = malloc(n / 4 * 3 + 1)))
		return -1;
	got = EVP_DecodeBlock(p, (const unsigned char *)s, (int)n);
	if (got < 0) {
		free(p);
		return -1;
	}
	if (n && s[n - 1] == '=')
		got--;
	if (n > 1 && s[n - 2] == '=')
		got--;
	*out = p;
	*len = (size_t)got;
	return 0;
}

/* One SecretValue object into out; -1 with the name of the bad member in *what. */
static int parse_value(struct sm_value *out, json_t *o, const char **what)
{
	json_t *str = json_object_get(o, "SecretString"), *bin = json_object_get(o, "SecretBinary");
	json_t *arn = json_object_get(o, "ARN"), *name = json_object_get(o, "Name");

	memset(out, 0, sizeof(*out));
	if (!json_is_object(o))
		return *what = "a secret value is not an object", -1;
	if ((arn && !json_is_string(arn)) || (name && !json_is_string(name)) || (!arn && !name))
		return *what = "ARN or Name is missing or not a string", -1;
	if ((str && !json_is_string(str)) || (bin && !json_is_string(bin)) || (!str && !bin))
		return *what = "SecretString or SecretBinary is missing or not a string", -1;
	out->arn = dup_str(arn);
	out->name = dup_str(name);
	if (str)
		out->string = dup_str(str);
	else if (decode_b64(&out->binary, &out->binary_len, json_string_value(bin),
			    json_string_length(bin)) < 0)
		return *what = "SecretBinary is not base64", -1;
	return 0;
}

static json_t *load(const char *body, size_t len, const char *op, struct shim_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len, 0, &jerr);

	if (!json_is_object(root)) {
		json_decref(root);
		shim_err_set(err, SHIM_EX_UNAVAILABLE, "%s: the response is not a JSON object", op);
		return NULL;
	}
	return root;
}

int sm_parse_get(struct sm_value *out, const char *body, size_t len, struct shim_err *err)
{
	json_t *root = load(body, len, "GetSecretValue", err);
	const char *what = NULL;
	struct sm_value v;
	int rc = -1;

	if (!root)
		return -1;
	if (parse_value(&v, root, &what) < 0) {
		sm_value_clear(&v);
		shim_err_set(err, SHIM_EX_UNAVAILABLE, "GetSecretValue: %s", what);
	} else {
		*out = v;
		rc = 0;
	}
	json_decref(root);
	return rc;
}

static int parse_errors(struct sm_batch *b, json_t *errs, const char **what)
{
	json_t *e;
	size_t i;

	if (!errs)
		return 0;
	if (!json_is_array(errs))
		return *what = "Errors is not an array", -1;
	if (!(b->errors = calloc(json_array_size(errs) + 1, sizeof(*b->errors))))
		return *what = "out of memory", -1;
	json_array_foreach(errs, i, e) {
		struct sm_error *se = &b->errors[b->n_errors];
		json_t *msg = json_object_get(e, "Message");
		if (!json_is_string(json_object_get(e, "SecretId")) ||
		    !json_is_string(json_object_get(e, "ErrorCode")) || (msg && !json_is_string(msg)))
			return *what = "an Errors entry lacks a string SecretId or ErrorCode", -1;
		se->secret_id = dup_str(json_object_get(e, "SecretId"));
		se->code = dup_str(json_object_get(e, "ErrorCode"));
		se->message = msg ? dup_str(msg) : strdup("");
		b->n_errors++;
		if (!se->secret_id || !se->code || !se->message)
			return *what = "out of memory", -1;
	}
	return 0;
}

int sm_parse_batch(struct sm_batch *out, const char *body, size_t len, struct shim_err *err)
{
	json_t *root = load(body, len, "BatchGetSecretValue", err), *vals, *v;
	struct sm_batch b = {0};
	const char *what = NULL;
	size_t i;

	if (!root)
		return -1;
	vals = json_object_get(root, "SecretValues");
	if (vals && !json_is_array(vals)) {
		what = "SecretValues is not an array";
		goto fail;
	}
	if (!(b.values = calloc(json_array_size(vals) + 1, sizeof(*b.values)))) {
		what = "out of memory";
		goto fail;
	}
	json_array_foreach(vals, i, v) {
		if (parse_value(&b.values[b.n_values++], v, &what) < 0)
			goto fail;
	}
	if (parse_errors(&b, json_object_get(root, "Errors"), &what) < 0)
		goto fail;
	json_decref(root);
	*out = b;
	return 0;
fail:
	json_decref(root);
	sm_batch_clear(&b);
	return shim_err_set(err, SHIM_EX_UNAVAILABLE, "BatchGetSecretValue: %s", what);
}

int sm_value_matches(const struct sm_value *v, const char *id)
{
	size_t n = strlen(id);

	if (strncmp(id, "arn:", 4) != 0)
		return v->name && strcmp(v->name, id) == 0;
	if (!v->arn)
		return 0;
	if (strcmp(v->arn, id) == 0)
		return 1;
	/* A partial ARN: the returned one is it plus "-" and six characters. */
	return strncmp(v->arn, id, n) == 0 && v->arn[n] == '-' && strlen(v->arn + n + 1) == 6;
}

void sm_value_clear(struct sm_value *v)
{
	if (v->string) {
		shim_wipe(v->string, strlen(v->string));
		free(v->string);
	}
	if (v->binary) {
		shim_wipe(v->binary, v->binary_len);
		free(v->binary);
	}
	free(v->arn);
	free(v->name);
	memset(v, 0, sizeof(*v));
}

void sm_batch_clear(struct sm_batch *b)
{
	for (size_t i = 0; i < b->n_values; i++)
		sm_value_clear(&b->values[i]);
	for (size_t i = 0; i < b->n_errors; i++) {
		free(b->errors[i].secret_id);
		free(b->errors[i].code);
		free(b->errors[i].message);
	}
	free(b->values);
	free(b->errors);
	memset(b, 0, sizeof(*b));
}
