/* SSM Parameter Store bodies: requests, strict response parsing (a 200 with the wrong shape
 * must neither crash nor hand a wrong value on), and matching a returned parameter (name or
 * ARN, version, selector) to the name that was asked for. Messages never carry values. */
#include "ssm.h"

#include "awsjson.h"
#include "wipe.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SSM_NAMES_MAX 10

/* ---- requests ---- */

int ssm_body_get_parameters(struct buf *out, const char *const *names, size_t n,
                            struct shim_err *err)
{
	const char *op = "GetParameters";
	json_t *o, *list;

	if (n < 1 || n > SSM_NAMES_MAX)
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: %zu names in one call (1 to %d)",
		                    op, n, SSM_NAMES_MAX);
	if (!(o = json_pack("{s:[],s:b}", "Names", "WithDecryption", 1)))
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: out of memory", op);
	list = json_object_get(o, "Names");
	for (size_t i = 0; i < n; i++) {
		if (!names[i]) {
			shim_err_set(err, SHIM_EX_INTERNAL, "%s: no name", op);
			goto fail;
		}
		if (awsjson_add_string(list, "parameter name", names[i], op, err) < 0)
			goto fail;
	}
	return awsjson_dump(out, o, op, err);
fail:
	json_decref(o);
	return -1;
}

int ssm_body_by_path(struct buf *out, const char *path, const char *next_token,
                     struct shim_err *err)
{
	const char *op = "GetParametersByPath";
	json_t *o = json_object();

	if (!o)
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: out of memory", op);
	if (!path) {
		shim_err_set(err, SHIM_EX_INTERNAL, "%s: no name", op);
		goto fail;
	}
	if (awsjson_add_string(o, "Path", path, op, err) < 0)
		goto fail;
	if (json_object_set_new(o, "Recursive", json_true()) < 0 ||
	    json_object_set_new(o, "WithDecryption", json_true()) < 0 ||
	    json_object_set_new(o, "MaxResults", json_integer(SSM_NAMES_MAX)) < 0) {
		shim_err_set(err, SHIM_EX_INTERNAL, "%s: out of memory", op);
		goto fail;
	}
	if (next_token && awsjson_add_string(o, "NextToken", next_token, op, err) < 0)
		goto fail;
	return awsjson_dump(out, o, op, err);
fail:
	json_decref(o);
	return -1;
}

/* ---- response parsing ---- */

/* One parameter object into *p, which the caller clears whatever the result. */
static int parse_param(struct awsjson_where *w, json_t *o, struct ssm_param *p)
{
	json_t *ver = json_object_get(o, "Version");

	if (!json_is_object(o))
		return awsjson_malformed_object(w, "is not an object");
	if (awsjson_get_string(w, o, "Name", 1, 0, &p->name, NULL) < 0 ||
	    awsjson_get_string(w, o, "Value", 1, 1, &p->value, &p->value_len) < 0 ||
	    awsjson_get_string(w, o, "ARN", 0, 0, &p->arn, NULL) < 0 ||
	    awsjson_get_string(w, o, "Type", 0, 0, &p->type, NULL) < 0 ||
	    awsjson_get_string(w, o, "Selector", 0, 0, &p->selector, NULL) < 0)
		return -1;
	if (ver && !json_is_null(ver) && !json_is_integer(ver))
		return awsjson_malformed(w, "Version", "is not an integer");
	p->version = json_is_integer(ver) ? json_integer_value(ver) : 0;
	return 0;
}

static int parse_params(struct awsjson_where *w, json_t *params, struct ssm_result *r)
{
	json_t *p;
	size_t i;

	if (!params || json_is_null(params))
		return 0;
	if (!json_is_array(params))
		return awsjson_malformed(w, "Parameters", "is not an array");
	if (!(r->params = calloc(json_array_size(params) + 1, sizeof(*r->params))))
		return awsjson_no_memory(w);
	for (i = 0; i < json_array_size(params); i++) {
		p = json_array_get(params, i);
		r->n_params = i + 1;
		snprintf(w->at, sizeof(w->at), "Parameters[%zu].", i);
		if (parse_param(w, p, &r->params[i]) < 0)
			return -1;
	}
	w->at[0] = '\0';
	return 0;
}

/* Hand r to out, or clear it; the parsed tree (which holds the values too) goes at once. */
static int finish(struct ssm_result *out, struct ssm_result *r, json_t *root, int rc)
{
	json_decref(root);
	if (rc < 0) {
		ssm_result_free(r);
		return -1;
	}
	*out = *r;
	return 0;
}

int ssm_parse_get_parameters(struct ssm_result *out, const char *body, size_t len,
                             struct shim_err *err)
{
	struct awsjson_where w = {.op = "GetParameters", .err = err};
	json_t *root = awsjson_load(&w, body, len), *params, *inv;
	struct ssm_result r = {0};
	int rc = -1;

	if (!root)
		return -1;
	params = json_object_get(root, "Parameters");
	inv = json_object_get(root, "InvalidParameters");
	if ((!params || json_is_null(params)) && (!inv || json_is_null(inv)))
		awsjson_malformed(&w, "Parameters", "is missing");
	else if (parse_params(&w, params, &r) == 0 &&
	         awsjson_get_strings(&w, root, "InvalidParameters",
	                             "holds something other than a name", &r.invalid,
	                             &r.n_invalid) == 0)
		rc = 0;
	return finish(out, &r, root, rc);
}

int ssm_parse_by_path(struct ssm_result *out, const char *body, size_t len, struct shim_err *err)
{
	struct awsjson_where w = {.op = "GetParametersByPath", .err = err};
	json_t *root = awsjson_load(&w, body, len);
	struct ssm_result r = {0};
	int rc = -1;

	if (!root)
		return -1;
	if (parse_params(&w, json_object_get(root, "Parameters"), &r) == 0 &&
	    awsjson_get_string(&w, root, "NextToken", 0, 0, &r.next_token, NULL) == 0)
		rc = 0;
	if (r.next_token && !r.next_token[0]) {
		free(r.next_token);
		r.next_token = NULL;
	}
	return finish(out, &r, root, rc);
}

/* ---- matching ---- */

static int equal_n(const char *s, const char *t, size_t n)
{
	return s && strlen(s) == n && memcmp(s, t, n) == 0;
}

/* Does the requested selector (without its ':', n bytes) pick p? */
static int selector_matches(const struct ssm_param *p, const char *sel, size_t n)
{
	long long v = 0;
	size_t i;

	if (n == 0)
		return 0;
	if (p->selector && (equal_n(p->selector, sel - 1, n + 1) || equal_n(p->selector, sel, n)))
		return 1;
	/* Labels cannot start with a digit, so digits are a version. */
	for (i = 0; i < n && sel[i] >= '0' && sel[i] <= '9'; i++) {
		if (v > (LLONG_MAX - 9) / 10)
			return 0;
		v = v * 10 + (sel[i] - '0');
	}
	return i == n && p->version > 0 && v == p->version;
}

int ssm_param_matches(const struct ssm_param *p, const char *requested)
{
	const char *s = requested, *e, *name, *sel;
	size_t n;

	if (!p || !p->name || !requested)
		return 0;
	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && e[-1] == ' ')
		e--;
	name = s;
	if (e - s >= 4 && memcmp(s, "arn:", 4) == 0) {
		name = memmem(s, (size_t)(e - s), ":parameter/", 11);
		name = name ? name + 10 : NULL; /* at the '/' */
	}
	/* Parameter names hold no ':', so the first one after the name's start is the selector. */
	sel = name ? memchr(name, ':', (size_t)(e - name)) : NULL;
	/* cppcheck takes the later `!name` for a doubt about sel or e, which are never NULL */
	// cppcheck-suppress nullPointerArithmeticRedundantCheck
	n = (size_t)((sel ? sel : e) - s);
	if (!equal_n(p->name, s, n) && !equal_n(p->arn, s, n)) {
		if (name == s || !name)
			return 0;
		n = (size_t)((sel ? sel : e) - name);
		if (!equal_n(p->name, name, n) && !equal_n(p->name, name + 1, n - 1))
			return 0;
	}
	if (!sel)
		return !p->selector || !p->selector[0];
	return selector_matches(p, sel + 1, (size_t)(e - sel - 1));
}

/* ---- clearing ---- */

void ssm_result_free(struct ssm_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_params; i++) {
		struct ssm_param *p = &r->params[i];
		if (p->value) {
			wipe(p->value, p->value_len + 1);
			free(p->value);
		}
		free(p->name);
		free(p->arn);
		free(p->type);
		free(p->selector);
	}
	for (size_t i = 0; i < r->n_invalid; i++)
		free(r->invalid[i]);
	free(r->params);
	free(r->invalid);
	free(r->next_token);
	memset(r, 0, sizeof(*r));
}
