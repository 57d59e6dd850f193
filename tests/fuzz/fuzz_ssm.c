/* libFuzzer target for the SSM codec: response parsers and matching never crash, keep their
 * invariants and never echo input in a message; request bodies round-trip through jansson.
 * Build and run from the repository root (make fuzz does the same with every module):
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *     -Iinclude -D_GNU_SOURCE -o /tmp/fuzz_ssm tests/fuzz/fuzz_ssm.c shim/ssm.c shim/awsjson.c shim/buf.c \
 *     shim/err.c $(pkg-config --cflags --libs jansson)
 *   /tmp/fuzz_ssm -max_total_time=20 /tmp/fuzz_ssm_corpus */
#include "ssm.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Messages are built from fixed text and member names only, so they are printable ASCII. */
static void check_err(const struct shim_err *e)
{
	if (e->status != SHIM_EX_UNAVAILABLE && e->status != SHIM_EX_INTERNAL)
		abort();
	if (!e->msg[0])
		abort();
	for (const char *p = e->msg; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
}

/* A plain name (no ':', no edge spaces) must match itself with the selector it echoes. */
static void check_self_match(const struct ssm_param *p)
{
	size_t n = strlen(p->name);
	char req[4200];

	if (!n || n > 2048 || strchr(p->name, ':') || p->name[0] == ' ' || p->name[n - 1] == ' ')
		return;
	if (!p->selector || !p->selector[0]) {
		if (!ssm_param_matches(p, p->name))
			abort();
		if (p->version > 0) {
			snprintf(req, sizeof(req), "%s:%lld", p->name, p->version);
			if (!ssm_param_matches(p, req))
				abort();
		}
	} else if (p->selector[0] == ':' && strlen(p->selector) < 2048) {
		if (ssm_param_matches(p, p->name))
			abort();
		snprintf(req, sizeof(req), "%s%s", p->name, p->selector);
		if (p->selector[1] && p->selector[strlen(p->selector) - 1] != ' ' &&
		    !ssm_param_matches(p, req))
			abort();
	}
}

static void check_result(const struct ssm_result *r, const char *requested)
{
	for (size_t i = 0; i < r->n_params; i++) {
		const struct ssm_param *p = &r->params[i];
		if (!p->name || !p->value || p->value[p->value_len])
			abort();
		check_self_match(p);
		ssm_param_matches(p, requested);
	}
	for (size_t i = 0; i < r->n_invalid; i++)
		if (!r->invalid[i])
			abort();
	if (r->next_token && !r->next_token[0])
		abort();
}

static void parse_raw(const char *body, size_t size, const char *requested)
{
	struct shim_err err = {0};
	struct ssm_result r;

	if (ssm_parse_get_parameters(&r, body, size, &err) == 0) {
		if (r.next_token)
			abort();
		check_result(&r, requested);
		ssm_result_free(&r);
	} else {
		check_err(&err);
	}
	memset(&err, 0, sizeof(err));
	if (ssm_parse_by_path(&r, body, size, &err) == 0) {
		if (r.n_invalid)
			abort();
		check_result(&r, requested);
		ssm_result_free(&r);
	} else {
		check_err(&err);
	}
}

/* Request bodies read back as the text given, or are refused exactly when jansson refuses. */
static void body_roundtrip(const char *text)
{
	struct shim_err err = {0};
	struct buf b = BUF_INIT;
	json_t *root, *probe = json_string(text);
	const char *names[] = {"/fixed", text};

	if (ssm_body_get_parameters(&b, names, 2, &err) == 0) {
		root = json_loads(buf_cstr(&b), 0, NULL);
		if (!probe || !root ||
		    strcmp(json_string_value(json_array_get(json_object_get(root, "Names"), 1)),
		           text) != 0)
			abort();
		json_decref(root);
	} else if (probe || err.status != SHIM_EX_DATA) {
		abort();
	}
	buf_clear(&b);
	if (ssm_body_by_path(&b, "/p", text, &err) == 0) {
		root = json_loads(buf_cstr(&b), 0, NULL);
		if (!probe || !root ||
		    strcmp(json_string_value(json_object_get(root, "NextToken")), text) != 0)
			abort();
		json_decref(root);
	} else if (probe || err.status != SHIM_EX_DATA) {
		abort();
	}
	json_decref(probe);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* as a C string: up to the first NUL */
	parse_raw((const char *)data, size, text);
	body_roundtrip(text);
	free(text);
	return 0;
}
