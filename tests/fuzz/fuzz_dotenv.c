/* libFuzzer target for env files: dotenv_parse on arbitrary bytes, then the --print writers:
 * the dotenv output must parse back to the same names and values, and the json output must be
 * a JSON object holding the same values (invalid UTF-8 aside). abort() on a violation.
 * Build and run (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *     tests/fuzz/fuzz_dotenv.c shim/dotenv.c shim/buf.c shim/err.c -ljansson -o /tmp/fuzz_dotenv
 *   /tmp/fuzz_dotenv -max_total_time=20 */
#include "dotenv.h"
#include "env.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

static void format_all(struct buf *out, const struct dotenv *d, enum dotenv_format f)
{
	size_t i;
	int first = 1;

	dotenv_format_begin(out, f);
	for (i = 0; i < d->n; i++) {
		if (!d->v[i].has_value)
			continue;
		dotenv_format_entry(out, f, d->v[i].name, d->v[i].value, first);
		first = 0;
	}
	dotenv_format_end(out, f);
	require(!buf_oom(out));
}

static void check_dotenv_round_trip(const struct dotenv *d)
{
	struct buf out = BUF_INIT;
	struct dotenv back = {0};
	struct shim_err err = {0};
	size_t i, j = 0;

	format_all(&out, d, DOTENV_FMT_DOTENV);
	require(dotenv_parse(&back, buf_cstr(&out), out.len, "print", &err) == 0);
	for (i = 0; i < d->n; i++) {
		if (!d->v[i].has_value)
			continue;
		require(j < back.n && back.v[j].has_value);
		require(strcmp(back.v[j].name, d->v[i].name) == 0);
		require(strcmp(back.v[j].value, d->v[i].value) == 0);
		j++;
	}
	require(j == back.n);
	dotenv_free(&back);
	buf_free(&out);
}

/* The last entry with a value for this name, which is the one a JSON object keeps. */
static int is_last(const struct dotenv *d, size_t i)
{
	size_t k;

	for (k = i + 1; k < d->n; k++)
		if (d->v[k].has_value && strcmp(d->v[k].name, d->v[i].name) == 0)
			return 0;
	return 1;
}

static void check_json(const struct dotenv *d)
{
	struct buf out = BUF_INIT;
	json_error_t jerr;
	json_t *o;
	size_t i;

	format_all(&out, d, DOTENV_FMT_JSON);
	o = json_loadb(buf_cstr(&out), out.len, 0, &jerr);
	require(o && json_is_object(o));
	for (i = 0; i < d->n; i++) {
		const char *v = d->v[i].value;
		json_t *as_json;

		if (!d->v[i].has_value || !is_last(d, i))
			continue;
		as_json = json_stringn(v, strlen(v)); /* NULL when v is not valid UTF-8 */
		require(json_is_string(json_object_get(o, d->v[i].name)));
		if (as_json)
			require(json_equal(as_json, json_object_get(o, d->v[i].name)));
		json_decref(as_json);
	}
	json_decref(o);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dotenv d = {0};
	struct shim_err err = {0};
	struct buf sh = BUF_INIT;
	size_t i;

	if (dotenv_parse(&d, (const char *)data, size, "fuzz.env", &err) < 0) {
		require(err.status == SHIM_EX_DATA && strncmp(err.msg, "fuzz.env:", 9) == 0);
		require(d.v == NULL);
		return 0;
	}
	for (i = 0; i < d.n; i++) {
		require(env_name_valid(d.v[i].name) && d.v[i].value && d.v[i].line >= 1);
		require(d.v[i].has_value || !*d.v[i].value);
		require(i == 0 || d.v[i].line > d.v[i - 1].line);
	}
	check_dotenv_round_trip(&d);
	check_json(&d);
	format_all(&sh, &d, DOTENV_FMT_SHELL);
	buf_free(&sh);
	dotenv_free(&d);
	return 0;
}
