/* Secrets Manager bodies. Requests are built with jansson; responses are checked member by
 * member, since a service (or a proxy, or an emulator) that answers 200 with the wrong shape
 * must neither crash nor hand a wrong value on. Messages name members, never contents. */
#include "sm.h"

#include "awsjson.h"
#include "base64.h"
#include "sanitize.h"
#include "valuefrom.h"
#include "wipe.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SM_BATCH_MAX 20

/* ---- requests ---- */

int sm_body_batch(struct buf *out, const char *const *ids, size_t n, struct shim_err *err)
{
	const char *op = "BatchGetSecretValue";
	json_t *o, *list;

	if (n < 1 || n > SM_BATCH_MAX)
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: %zu ids in one call (1 to %d)", op,
		                    n, SM_BATCH_MAX);
	if (!(o = json_pack("{s:[]}", "SecretIdList")))
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: out of memory", op);
	list = json_object_get(o, "SecretIdList");
	for (size_t i = 0; i < n; i++) {
		if (!ids[i]) {
			shim_err_set(err, SHIM_EX_INTERNAL, "%s: no id", op);
			goto fail;
		}
		if (awsjson_add_string(list, "secret id", ids[i], op, err) < 0)
			goto fail;
	}
	return awsjson_dump(out, o, op, err);
fail:
	json_decref(o);
	return -1;
}

int sm_body_get(struct buf *out, const char *id, const char *stage, const char *version_id,
                struct shim_err *err)
{
	const char *op = "GetSecretValue";
	json_t *o = json_object();

	if (!o)
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: out of memory", op);
	if (!id) {
		json_decref(o);
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: no id", op);
	}
	/* Members in the order the API documents them, so bodies are stable for tests. */
	if (awsjson_add_string(o, "SecretId", id, op, err) < 0 ||
	    (version_id && awsjson_add_string(o, "VersionId", version_id, op, err) < 0) ||
	    (stage && awsjson_add_string(o, "VersionStage", stage, op, err) < 0)) {
		json_decref(o);
		return -1;
	}
	return awsjson_dump(out, o, op, err);
}

/* ---- response parsing ---- */

static int decode_binary(struct awsjson_where *w, json_t *bin, struct sm_value *v)
{
	size_t n = json_string_length(bin), cap = base64_decoded_max(n);

	if (!(v->binary = malloc(cap)))
		return awsjson_no_memory(w);
	if (base64_decode(v->binary, &v->binary_len, json_string_value(bin), n) == 0)
		return 0;
	wipe(v->binary, cap);
	free(v->binary);
	v->binary = NULL;
	return awsjson_malformed(w, "SecretBinary", "is not valid base64");
}

/* One secret value object into *v, which the caller clears whatever the result. */
static int parse_value(struct awsjson_where *w, json_t *o, struct sm_value *v)
{
	json_t *bin = json_object_get(o, "SecretBinary");

	memset(v, 0, sizeof(*v));
	if (!json_is_object(o))
		return awsjson_malformed_object(w, "is not an object");
	if (awsjson_get_string(w, o, "ARN", 0, 0, &v->arn, NULL) < 0 ||
	    awsjson_get_string(w, o, "Name", 0, 0, &v->name, NULL) < 0 ||
	    awsjson_get_string(w, o, "VersionId", 0, 0, &v->version_id, NULL) < 0 ||
	    awsjson_get_strings(w, o, "VersionStages", "holds something other than a label",
	                        &v->stages, &v->n_stages) < 0)
		return -1;
	if (!v->arn && !v->name)
		return awsjson_malformed_object(w, "has neither ARN nor Name");
	if (awsjson_get_string(w, o, "SecretString", 0, 1, &v->string, &v->string_len) < 0)
		return -1;
	if (bin && !json_is_null(bin) && !json_is_string(bin))
		return awsjson_malformed(w, "SecretBinary", "is not a string");
	if (v->string)
		return 0; /* as ECS: SecretString wins when a service sends both */
	if (!bin || json_is_null(bin))
		return awsjson_malformed_object(w, "has neither SecretString nor SecretBinary");
	return decode_binary(w, bin, v);
}

int sm_parse_get(struct sm_value *out, const char *body, size_t len, struct shim_err *err)
{
	struct awsjson_where w = {.op = "GetSecretValue", .err = err};
	json_t *root = awsjson_load(&w, body, len);
	struct sm_value v;
	int rc;

	if (!root)
		return -1;
	rc = parse_value(&w, root, &v);
	json_decref(root); /* at once: the parsed tree holds the secret too */
	if (rc < 0) {
		sm_value_free(&v);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_error(struct awsjson_where *w, json_t *e, struct sm_error *se)
{
	size_t n = 0;

	if (!json_is_object(e))
		return awsjson_malformed_object(w, "is not an object");
	if (awsjson_get_string(w, e, "SecretId", 1, 0, &se->secret_id, NULL) < 0 ||
	    awsjson_get_string(w, e, "ErrorCode", 0, 0, &se->code, NULL) < 0 ||
	    awsjson_get_string(w, e, "Message", 0, 1, &se->message, &n) < 0)
		return -1;
	if (se->message) /* printed later: no terminal escapes */
		sanitize_text(se->message, n + 1, se->message, n);
	if ((!se->code && !(se->code = strdup(""))) ||
	    (!se->message && !(se->message = strdup(""))))
		return awsjson_no_memory(w);
	return 0;
}

static int parse_errors(struct awsjson_where *w, json_t *errs, struct sm_batch *b)
{
	json_t *e;
	size_t i;

	if (!errs || json_is_null(errs))
		return 0;
	if (!json_is_array(errs))
		return awsjson_malformed(w, "Errors", "is not an array");
	if (!(b->errors = calloc(json_array_size(errs) + 1, sizeof(*b->errors))))
		return awsjson_no_memory(w);
	for (i = 0; i < json_array_size(errs); i++) {
		e = json_array_get(errs, i);
		b->n_errors = i + 1;
		snprintf(w->at, sizeof(w->at), "Errors[%zu].", i);
		if (parse_error(w, e, &b->errors[i]) < 0)
			return -1;
	}
	w->at[0] = '\0';
	return 0;
}

static int parse_values(struct awsjson_where *w, json_t *vals, struct sm_batch *b)
{
	json_t *v;
	size_t i;

	if (!vals || json_is_null(vals))
		return 0;
	if (!json_is_array(vals))
		return awsjson_malformed(w, "SecretValues", "is not an array");
	if (!(b->values = calloc(json_array_size(vals) + 1, sizeof(*b->values))))
		return awsjson_no_memory(w);
	for (i = 0; i < json_array_size(vals); i++) {
		v = json_array_get(vals, i);
		b->n_values = i + 1;
		snprintf(w->at, sizeof(w->at), "SecretValues[%zu].", i);
		if (parse_value(w, v, &b->values[i]) < 0)
			return -1;
	}
	w->at[0] = '\0';
	return 0;
}

int sm_parse_batch(struct sm_batch *out, const char *body, size_t len, struct shim_err *err)
{
	struct awsjson_where w = {.op = "BatchGetSecretValue", .err = err};
	json_t *root = awsjson_load(&w, body, len), *vals, *errs;
	struct sm_batch b = {0};
	int rc = -1;

	if (!root)
		return -1;
	vals = json_object_get(root, "SecretValues");
	errs = json_object_get(root, "Errors");
	/* Each requested id lands in one of the two lists, so a body with neither is no answer;
	 * one alone is (a service may leave an empty list out). */
	if ((!vals || json_is_null(vals)) && (!errs || json_is_null(errs)))
		awsjson_malformed(&w, "SecretValues", "is missing");
	else if (parse_values(&w, vals, &b) == 0 && parse_errors(&w, errs, &b) == 0)
		rc = 0;
	json_decref(root);
	if (rc < 0) {
		sm_batch_free(&b);
		return -1;
	}
	*out = b;
	return 0;
}

/* ---- matching ---- */

/* full == base + "-" + six ASCII letters or digits (the suffix of every secret's ARN). */
/* full is base plus ECS's random "-XXXXXX" suffix. */
static int is_base_plus_suffix(const char *full, const char *base)
{
	size_t n = strlen(base);

	return ref_secret_base_len(full, strlen(full)) == n && strncmp(full, base, n) == 0;
}

int sm_value_matches(const struct sm_value *v, const char *id)
{
	const char *tail;

	if (!v || !id)
		return 0;
	if (strncmp(id, "arn:", 4) == 0) {
		if (!v->arn)
			return 0;
		return strcmp(v->arn, id) == 0 ? 2 : is_base_plus_suffix(v->arn, id);
	}
	if (v->name)
		return strcmp(v->name, id) == 0 ? 2 : 0;
	/* No Name came back: the ARN ends in ":secret:" NAME "-" SUFFIX. */
	tail = v->arn ? strstr(v->arn, ":secret:") : NULL;
	return tail && is_base_plus_suffix(tail + 8, id);
}

/* ---- clearing ---- */

void sm_value_free(struct sm_value *v)
{
	if (!v)
		return;
	wipe_free(v->string, v->string_len + 1);
	wipe_free(v->binary, v->binary_len + 1);
	free(v->arn);
	free(v->name);
	free(v->version_id);
	for (size_t i = 0; i < v->n_stages; i++)
		free(v->stages[i]);
	free(v->stages);
	memset(v, 0, sizeof(*v));
}

void sm_batch_free(struct sm_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_values; i++)
		sm_value_free(&b->values[i]);
	for (size_t i = 0; i < b->n_errors; i++) {
		free(b->errors[i].secret_id);
		free(b->errors[i].code);
		free(b->errors[i].message);
	}
	free(b->values);
	free(b->errors);
	memset(b, 0, sizeof(*b));
}
