/* libFuzzer target for JSON keys of secrets: jsonval_each_key and jsonval_get on arbitrary
 * bytes. Either the secret is refused (78, or 70 out of memory; never "cannot be found in the
 * text", which would mean the text scanner lost a member jansson has), or every key renders,
 * jsonval_get gives the same value for it, and a value that is not a string reads back (by
 * jansson) as the value jansson read from the secret. abort() on a violation.
 * Build and run: `make build/fuzz/fuzz_jsonval`, then
 *   build/fuzz/fuzz_jsonval -max_total_time=20 build/fuzz/corpus/fuzz_jsonval */
#include "jsonval.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

struct ctx {
	const char *json;
	size_t len;
	json_t *root;
	size_t flags;
};

static int check_key(void *p, const char *key, const char *value, struct shim_err *err)
{
	struct ctx *c = p;
	json_t *want = json_object_get(c->root, key), *back;
	char *again = NULL;

	(void)err;
	require(want != NULL);
	require(jsonval_get(&again, c->json, c->len, key, "s", err) == 0);
	require(strcmp(again, value) == 0);
	free(again);
	if (json_is_string(want))
		return 0;
	back = json_loads(value, c->flags, NULL);
	require(back != NULL && json_equal(back, want));
	json_decref(back);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = {(const char *)data, size, NULL, JSON_DECODE_ANY | JSON_ALLOW_NUL};
	struct shim_err err = {0};
	json_error_t je;
	int rc;

	jsonval_init_allocator();
	c.root = json_loadb(c.json, size, c.flags, &je);
	if (!c.root && json_error_code(&je) == json_error_numeric_overflow) {
		c.flags |= JSON_DECODE_INT_AS_REAL;
		c.root = json_loadb(c.json, size, c.flags, &je);
	}
	rc = jsonval_each_key(c.json, size, "s", check_key, &c, &err);
	if (rc < 0) {
		/* the scanner's own failures are 70 with another message */
		require(err.status == SHIM_EX_UNRESOLVED ||
		        (err.status == SHIM_EX_INTERNAL && strcmp(err.msg, "out of memory") == 0));
	} else {
		require(json_is_object(c.root));
	}
	json_decref(c.root);
	return 0;
}

#ifdef FUZZ_REPLAY
static const char *const seeds[] = {
        "{\"id\":12345678901234567890,\"n\":9007199254740993,\"r\":1.0}",
        "{ \"A\" : 1.0 , \"\\u0042\" :\t2.50, \"C\":{\"A\":3.0,\"s\":\"}\\\"]\"},\"A\":4}",
        "{\"D\":[\"\\u00e9\",1e0,{\"x\":[[]]}],\"E\":null,\"F\":true}",
};

#include "replay.h"

int main(int argc, char **argv)
{
	return replay_main(argc, argv, seeds, sizeof(seeds) / sizeof(seeds[0]), "fuzz_jsonval");
}
#endif
