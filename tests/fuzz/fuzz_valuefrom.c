/* libFuzzer target for the valueFrom grammar: ref_parse without a flag, with REF_ALLOW_NAME
 * (bare names are parameters) and with REF_SECRET_NAME (bare names are secrets), and
 * ref_is_arn, checking the invariants the resolver relies on (abort() on a violation).
 * Build and run (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *     tests/fuzz/fuzz_valuefrom.c shim/valuefrom.c shim/err.c -o /tmp/fuzz_valuefrom
 *   /tmp/fuzz_valuefrom -max_total_time=20 */
#include "valuefrom.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

static int nonempty_or_null(const char *s)
{
	return !s || *s;
}

static void check_ref(const struct ref *r, const char *s)
{
	require(r->kind == REF_SECRET || r->kind == REF_PARAM);
	require(r->id && *r->id && r->name && *r->name);
	require(strncmp(s, r->id, strlen(r->id)) == 0 && strlen(r->id) <= 2048);
	require(!strchr(r->name, ':') && !strchr(r->name, ' '));
	require(nonempty_or_null(r->json_key) && nonempty_or_null(r->version_stage) &&
	        nonempty_or_null(r->version_id) && nonempty_or_null(r->selector));
	if (r->partition) {
		require(r->region && r->account && strlen(r->account) == 12);
		require(strncmp(s, "arn:", 4) == 0 && ref_is_arn(s));
	} else {
		require(!r->region && !r->account && strncmp(s, "arn:", 4) != 0);
	}
	if (r->kind == REF_SECRET)
		require(!r->selector);
	else
		require(!r->json_key && !r->version_stage && !r->version_id &&
		        (!r->selector || !strchr(r->selector, ':')));
}

static void same_ref(const struct ref *a, const struct ref *b)
{
	require(a->kind == b->kind && strcmp(a->id, b->id) == 0 && strcmp(a->name, b->name) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct ref strict = {0}, loose = {0}, named = {0};
	struct shim_err err = {0};
	int rs, rl, rn;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rs = ref_parse(&strict, s, 0, &err);
	require(rs == 0 || (err.status == SHIM_EX_DATA && strlen(err.msg) < sizeof(err.msg)));
	rl = ref_parse(&loose, s, REF_ALLOW_NAME, &err);
	require(rl == 0 || err.status == SHIM_EX_DATA);
	rn = ref_parse(&named, s, REF_SECRET_NAME, &err);
	require(rn == 0 || err.status == SHIM_EX_DATA);
	if (rs == 0) {
		check_ref(&strict, s);
		require(ref_is_arn(s)); /* the environment rule: what parses strictly is an ARN */
		require(rl == 0 && rn == 0); /* and names only widen the grammar */
		same_ref(&strict, &loose);
		same_ref(&strict, &named);
	}
	if (ref_is_arn(s)) /* an ARN is one under every flag: names never widen it */
		require((rs == 0) == (rl == 0) && (rs == 0) == (rn == 0));
	if (rl == 0)
		check_ref(&loose, s);
	else
		require(loose.id == NULL);
	if (rl == 0 && !loose.partition) /* a bare name in a task definition: a parameter */
		require(loose.kind == REF_PARAM);
	if (rn == 0)
		check_ref(&named, s);
	if (rn == 0 && !named.partition)
		require(named.kind == REF_SECRET);
	ref_free(&strict);
	ref_free(&loose);
	ref_free(&named);
	free(s);
	return 0;
}
