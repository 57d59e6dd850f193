/* SSM Parameter Store bodies: requests, strict response parsing, and matching a returned
 * parameter (name or ARN, version, selector) to the name that was asked for. */
#include "ssm.h"

#include <jansson.h>
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

void ssm_body_get_parameters(struct buf *out, const char *const *names, size_t n)
{
	json_t *list = json_array();

	for (size_t i = 0; list && i < n; i++)
		json_array_append_new(list, json_string(names[i]));
	dump_into(out, json_pack("{s:o,s:b}", "Names", list, "WithDecryption", 1));
}

void ssm_body_by_path(struct buf *out, const char *path, const char *next_token)
{
	json_t *o = json_pack("{s:s,s:b,s:b,s:i}", "Path", path, "Recursive", 1, "WithDecryption",
			      1, "MaxResults", 10);

	if (o && next_token)
		json_object_set_new(o, "NextToken", json_string(next_token));
	dump_into(out, o);
}

static char *dup_str(json_t *v)
{
	return json_is_string(v) ? strndup(json_string_value(v), json_string_length(v)) : NULL;
}

static int parse_param(struct ssm_param *p, json_t *o, const char **what)
{
	json_t *name = json_object_get(o, "Name"), *value = json_object_get(o, "Value");
	json_t *arn = json_object_get(o, "ARN"), *sel = json_object_get(o, "Selector");
	json_t *ver = json_object_get(o, "Version");

	if (!json_is_object(o) || !json_is_string(name) || !json_is_string(value))
		return *what = "a parameter lacks a string Name or Value", -1;
	if ((arn && !json_is_string(arn)) || (sel && !json_is_string(sel)) ||
	    (ver && !json_is_integer(ver)))
		return *what = "a parameter has an ARN, Selector or Version of the wrong type", -1;
	if (memchr(json_string_value(value), '\0', json_string_length(value)))
		return *what = "a parameter value contains a NUL byte", -1;
	p->name = dup_str(name);
	p->value = dup_str(value);
	p->arn = arn ? dup_str(arn) : NULL;
	p->selector = sel ? dup_str(sel) : NULL;
	p->version = ver ? json_integer_value(ver) : 0;
	return p->name && p->value ? 0 : (*what = "out of memory", -1);
}

static int parse_invalid(struct ssm_result *r, json_t *inv, const char **what)
{
	json_t *s;
	size_t i;

	if (!inv)
		return 0;
	if (!json_is_array(inv))
		return *what = "InvalidParameters is not an array", -1;
	if (!(r->invalid = calloc(json_array_size(inv) + 1, sizeof(*r->invalid))))
		return *what = "out of memory", -1;
	json_array_foreach(inv, i, s) {
		if (!json_is_string(s))
			return *what = "InvalidParameters holds a non-string", -1;
		if (!(r->invalid[r->n_invalid++] = dup_str(s)))
			return *what = "out of memory", -1;
	}
	return 0;
}

static int parse(struct ssm_result *out, const char *body, size_t len, const char *op,
		 struct shim_err *err)
{
	json_t *root = json_loadb(body, len, 0, NULL), *params, *p, *tok;
	struct ssm_result r = {0};
	const char *what = "the response is not a JSON object";
	size_t i;

	if (!json_is_object(root))
		goto fail;
	params = json_object_get(root, "Parameters");
	tok = json_object_get(root, "NextToken");
	if (!json_is_array(params)) {
		what = "Parameters is missing or not an array";
		goto fail;
	}
	if (tok && !json_is_null(tok) && (!json_is_string(tok) || !json_string_length(tok))) {
		what = "NextToken is not a string";
		goto fail;
	}
	if (!(r.params = calloc(json_array_size(params) + 1, sizeof(*r.params)))) {
		what = "out of memory";
		goto fail;
	}
	json_array_foreach(params, i, p) {
		if (parse_param(&r.params[r.n_params++], p, &what) < 0)
			goto fail;
	}
	if (parse_invalid(&r, json_object_get(root, "InvalidParameters"), &what) < 0)
		goto fail;
	if (json_is_string(tok) && !(r.next_token = dup_str(tok)))
		goto fail;
	json_decref(root);
	*out = r;
	return 0;
fail:
	json_decref(root);
	ssm_result_clear(&r);
	return shim_err_set(err, SHIM_EX_UNAVAILABLE, "%s: %s", op, what);
}

int ssm_parse_get_parameters(struct ssm_result *out, const char *body, size_t len,
			     struct shim_err *err)
{
	return parse(out, body, len, "GetParameters", err);
}

int ssm_parse_by_path(struct ssm_result *out, const char *body, size_t len,
		      struct shim_err *err)
{
	return parse(out, body, len, "GetParametersByPath", err);
}

/* Where the selector starts (':'), or NULL: in an ARN only after "parameter/". */
static const char *selector_of(const char *s)
{
	const char *from = strncmp(s, "arn:", 4) == 0 ? strstr(s, ":parameter/") : s;

	return from ? strchr(from + (from == s ? 0 : 11), ':') : NULL;
}

static int same_name(const struct ssm_param *p, const char *base, size_t n)
{
	const char *tail;

	if ((strlen(p->name) == n && strncmp(p->name, base, n) == 0) ||
	    (p->arn && strlen(p->arn) == n && strncmp(p->arn, base, n) == 0))
		return 1;
	if (strncmp(base, "arn:", 4) != 0 || !(tail = strstr(base, ":parameter/")))
		return 0;
	tail += 10; /* "/a/b" for ...:parameter/a/b; the name may also be "a/b" or "x" */
	n -= (size_t)(tail - base);
	return (strlen(p->name) == n && strncmp(p->name, tail, n) == 0) ||
	       (strlen(p->name) == n - 1 && strncmp(p->name, tail + 1, n - 1) == 0);
}

int ssm_param_matches(const struct ssm_param *p, const char *requested)
{
	const char *sel = selector_of(requested);
	size_t n = sel ? (size_t)(sel - requested) : strlen(requested);
	char *end;

	if (!same_name(p, requested, n))
		return 0;
	if (!sel)
		return !p->selector || !p->selector[0];
	if (p->selector && p->selector[0])
		return strcmp(p->selector, sel) == 0;
	return sel[1] >= '0' && sel[1] <= '9' && strtoll(sel + 1, &end, 10) == p->version && !*end;
}

void ssm_result_clear(struct ssm_result *r)
{
	for (size_t i = 0; i < r->n_params; i++) {
		struct ssm_param *p = &r->params[i];
		if (p->value) {
			shim_wipe(p->value, strlen(p->value));
			free(p->value);
		}
		free(p->name);
		free(p->arn);
		free(p->selector);
	}
	for (size_t i = 0; i < r->n_invalid; i++)
		free(r->invalid[i]);
	free(r->params);
	free(r->invalid);
	free(r->next_token);
	memset(r, 0, sizeof(*r));
}
