/* libFuzzer target for the Secrets Manager codec: response parsers and matching never crash,
 * keep their invariants and never echo input in a message; bodies and base64 round-trip.
 * Build and run from the repository root (make fuzz does the same with every module):
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *     -Iinclude -D_GNU_SOURCE -o /tmp/fuzz_sm tests/fuzz/fuzz_sm.c shim/sm.c shim/awsjson.c shim/buf.c \
 *     shim/err.c $(pkg-config --cflags --libs jansson libcrypto)
 *   /tmp/fuzz_sm -max_total_time=20 /tmp/fuzz_sm_corpus */
#include "sm.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Messages are built from fixed text and member names only, so they are printable ASCII. */
static void check_err(const struct shim_err *e)
{
	if (e->status != SHIM_EX_UNAVAILABLE && e->status != SHIM_EX_INTERNAL &&
	    e->status != SHIM_EX_DATA)
		abort();
	if (!e->msg[0])
		abort();
	for (const char *p = e->msg; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
}

static void check_value(const struct sm_value *v)
{
	if (!v->arn && !v->name)
		abort();
	if (!v->string == !v->binary)
		abort();
	if ((v->string && v->string[v->string_len]) || (v->binary && v->binary[v->binary_len]))
		abort();
	/* A name or ARN matches itself, unless it is dressed as the other (no real one is). */
	if ((v->name && strncmp(v->name, "arn:", 4) != 0 && sm_value_matches(v, v->name) != 2) ||
	    (v->arn && strncmp(v->arn, "arn:", 4) == 0 && sm_value_matches(v, v->arn) != 2))
		abort();
	for (size_t i = 0; i < v->n_stages; i++)
		if (!v->stages[i])
			abort();
}

static void parse_raw(const char *body, size_t size, const char *id)
{
	struct shim_err err = {0};
	struct sm_value v;
	struct sm_batch b;

	if (sm_parse_get(&v, body, size, &err) == 0) {
		check_value(&v);
		sm_value_matches(&v, id);
		sm_value_free(&v);
	} else {
		check_err(&err);
	}
	memset(&err, 0, sizeof(err));
	if (sm_parse_batch(&b, body, size, &err) == 0) {
		for (size_t i = 0; i < b.n_values; i++) {
			check_value(&b.values[i]);
			sm_value_matches(&b.values[i], id);
		}
		for (size_t i = 0; i < b.n_errors; i++)
			if (!b.errors[i].secret_id || !b.errors[i].code || !b.errors[i].message)
				abort();
		sm_batch_free(&b);
	} else {
		check_err(&err);
	}
}

/* The request body reads back as the id, or is refused exactly when jansson refuses it. */
static void body_roundtrip(const char *id)
{
	struct shim_err err = {0};
	struct buf b = BUF_INIT;
	json_t *root, *probe = json_string(id);

	if (sm_body_get(&b, id, "AWSCURRENT", NULL, &err) == 0) {
		root = json_loads(buf_cstr(&b), 0, NULL);
		if (!probe || !root ||
		    strcmp(json_string_value(json_object_get(root, "SecretId")), id) != 0)
			abort();
		json_decref(root);
	} else if (probe || err.status != SHIM_EX_DATA) {
		abort();
	}
	json_decref(probe);
	buf_free(&b);
}

/* Bytes -> OpenSSL base64 -> SecretBinary -> the same bytes. */
static void binary_roundtrip(const uint8_t *data, size_t size)
{
	struct shim_err err = {0};
	struct buf body = BUF_INIT;
	struct sm_value v;
	unsigned char *b64 = malloc(size / 3 * 4 + 5);

	if (!b64 || size > 4096)
		goto out;
	EVP_EncodeBlock(b64, data, (int)size);
	buf_printf(&body, "{\"Name\":\"n\",\"SecretBinary\":\"%s\"}", (char *)b64);
	if (sm_parse_get(&v, body.ptr, body.len, &err) != 0)
		abort();
	if (v.binary_len != size || (size && memcmp(v.binary, data, size) != 0))
		abort();
	sm_value_free(&v);
out:
	free(b64);
	buf_free(&body);
}

/* Input in the base64 alphabet: we accept exactly the canonical encodings (what OpenSSL
 * encodes the bytes back to) and decode them to what OpenSSL decodes. */
static void base64_oracle(const char *s, size_t n)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                               "0123456789+/=";
	struct shim_err err = {0};
	struct buf body = BUF_INIT;
	unsigned char *ossl = malloc(n + 4), *enc = malloc(n + 5);
	struct sm_value v;
	int ours, got, canonical = 0;

	if (!ossl || !enc || n % 4 || strspn(s, alphabet) != n)
		goto out;
	buf_printf(&body, "{\"Name\":\"n\",\"SecretBinary\":\"%s\"}", s);
	ours = sm_parse_get(&v, body.ptr, body.len, &err) == 0;
	got = EVP_DecodeBlock(ossl, (const unsigned char *)s, (int)n);
	if (got >= 0)
		got -= n && s[n - 1] == '=' ? (n > 1 && s[n - 2] == '=' ? 2 : 1) : 0;
	if (got >= 0) {
		EVP_EncodeBlock(enc, ossl, got);
		canonical = strcmp((char *)enc, s) == 0;
	}
	if (ours != canonical)
		abort();
	if (ours && ((size_t)got != v.binary_len || memcmp(ossl, v.binary, (size_t)got) != 0))
		abort();
	if (ours)
		sm_value_free(&v);
out:
	free(ossl);
	free(enc);
	buf_free(&body);
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
	binary_roundtrip(data, size);
	base64_oracle(text, strlen(text));
	free(text);
	return 0;
}
