/* JSON 1.1 bodies for the Secrets Manager and SSM modules: request strings and dumping, and the
 * strict member access their response parsers share. A 200 with the wrong shape must neither
 * crash nor hand a wrong value on; messages name members, never contents. */
#include "awsjson.h"

#include <stdlib.h>
#include <string.h>

/* ---- requests ---- */

int awsjson_add_string(json_t *o, const char *key, const char *s, const char *op,
                       struct shim_err *err)
{
	json_t *j, *raw;

	if (!s)
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: no %s", op, key);
	if (!(j = json_string(s))) {
		/* jansson refuses text that is not UTF-8, which can name nothing on AWS. */
		if (!(raw = json_string_nocheck(s)))
			return shim_err_set(err, SHIM_EX_INTERNAL, "%s: out of memory", op);
		json_decref(raw);
		return shim_err_set(err, SHIM_EX_DATA, "%s: a %s is not valid UTF-8", op, key);
	}
	if ((json_is_array(o) ? json_array_append_new(o, j) : json_object_set_new(o, key, j)) < 0)
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: out of memory", op);
	return 0;
}

static int put_chunk(const char *data, size_t len, void *out)
{
	buf_put(out, data, len);
	return buf_oom(out) ? -1 : 0;
}

int awsjson_dump(struct buf *out, json_t *obj, const char *op, struct shim_err *err)
{
	int rc = json_dump_callback(obj, put_chunk, out, JSON_COMPACT);

	json_decref(obj);
	if (rc < 0 || buf_oom(out)) {
		out->oom = 1;
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: out of memory", op);
	}
	return 0;
}

/* ---- responses ---- */

json_t *awsjson_load(struct awsjson_where *w, const char *body, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(body, len,
	                          JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);

	if (!root) {
		if (json_error_code(&jerr) == json_error_out_of_memory)
			awsjson_no_memory(w);
		else
			shim_err_set(w->err, SHIM_EX_UNAVAILABLE,
			             "%s: the response is not valid JSON", w->op);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		shim_err_set(w->err, SHIM_EX_UNAVAILABLE, "%s: the response is not a JSON object",
		             w->op);
		return NULL;
	}
	return root;
}

int awsjson_malformed(struct awsjson_where *w, const char *member, const char *what)
{
	return shim_err_set(w->err, SHIM_EX_UNAVAILABLE, "%s: response member %s%s %s", w->op,
	                    w->at, member, what);
}

int awsjson_malformed_object(struct awsjson_where *w, const char *what)
{
	size_t n = strlen(w->at);

	if (!n)
		return shim_err_set(w->err, SHIM_EX_UNAVAILABLE, "%s: the response %s", w->op,
		                    what);
	/* w->at ends in the '.' that would precede a member: the object itself goes without. */
	return shim_err_set(w->err, SHIM_EX_UNAVAILABLE, "%s: response member %.*s %s", w->op,
	                    (int)(n - 1), w->at, what);
}

int awsjson_no_memory(struct awsjson_where *w)
{
	return shim_err_set(w->err, SHIM_EX_INTERNAL, "%s: out of memory", w->op);
}

int awsjson_get_string(struct awsjson_where *w, json_t *o, const char *key, int required,
                       int nul_ok, char **out, size_t *len)
{
	json_t *j = json_object_get(o, key);
	size_t n;

	*out = NULL;
	if (!j || json_is_null(j))
		return required ? awsjson_malformed(w, key, "is missing") : 0;
	if (!json_is_string(j))
		return awsjson_malformed(w, key, "is not a string");
	n = json_string_length(j);
	if (!nul_ok && memchr(json_string_value(j), '\0', n))
		return awsjson_malformed(w, key, "contains a NUL byte");
	if (!(*out = malloc(n + 1)))
		return awsjson_no_memory(w);
	memcpy(*out, json_string_value(j), n);
	(*out)[n] = '\0';
	if (len)
		*len = n;
	return 0;
}

int awsjson_get_strings(struct awsjson_where *w, json_t *o, const char *key, const char *what,
                        char ***out, size_t *n)
{
	json_t *a = json_object_get(o, key), *s;
	size_t i;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return awsjson_malformed(w, key, "is not an array");
	if (!(*out = calloc(json_array_size(a) + 1, sizeof(**out))))
		return awsjson_no_memory(w);
	for (i = 0; i < json_array_size(a); i++) {
		s = json_array_get(a, i);
		if (!json_is_string(s) || memchr(json_string_value(s), '\0', json_string_length(s)))
			return awsjson_malformed(w, key, what);
		if (!((*out)[i] = strdup(json_string_value(s))))
			return awsjson_no_memory(w);
		*n = i + 1;
	}
	return 0;
}
