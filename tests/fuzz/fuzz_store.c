/* libFuzzer target for the offline store: arbitrary bytes as a --store file, against a plan
 * of every kind of fetch (names, ARNs, stages, version ids, selectors, a path). Either the
 * whole store is refused (65, or 70 on OOM, message naming the store and nothing fetched),
 * or every fetch ends done, with a value, items or a failure. abort() on a violation.
 * Build and run (from the repository root):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *     $(pkg-config --cflags libcurl libcrypto jansson) tests/fuzz/fuzz_store.c \
 *     $(ls shim/[a-z]*.c | grep -v -e shim/main.c -e shim/resolve_main.c) \
 *     $(pkg-config --libs libcurl libcrypto jansson) -o /tmp/fuzz_store
 *   /tmp/fuzz_store -max_total_time=20
 * (or `make fuzz`, which builds every tests/fuzz target the same way). */
#include "jsonval.h"
#include "store.h"
#include "valuefrom.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const refs[] = {
        "s",
        "app/rotating::AWSPREVIOUS:",
        "app/rotating:::0123456789abcdef0123456789abcdef",
        "app/rotating::AWSPENDING:0123456789abcdef0123456789abcdef",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:s",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbC123",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbC123-XyZ789",
        "arn:aws:secretsmanager:eu-west-1:999999999999:secret:x-XyZ123:KEY::",
        "/p",
        "/p:2",
        "/p:prod",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/a/b",
        "arn:aws:ssm:us-east-1:123456789012:parameter/top:1",
};

static void require(int cond)
{
	if (!cond)
		abort();
}

static int store_fd = -1;
static char store_path[64];
static struct ref parsed[sizeof(refs) / sizeof(refs[0])];

static void setup(void)
{
	struct shim_err e = {0};

	jsonval_init_allocator();
	store_fd = memfd_create("fuzz_store", 0);
	require(store_fd >= 0);
	snprintf(store_path, sizeof(store_path), "/proc/self/fd/%d", store_fd);
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		require(ref_parse(&parsed[i], refs[i],
		                  refs[i][0] == '/' ? REF_ALLOW_NAME : REF_SECRET_NAME, &e) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *env[] = {NULL};
	struct backend_cfg o = {.store = store_path};
	struct backend_stats st = {0};
	struct shim_err err = {0};
	struct plan p = {0};
	int rc;

	if (store_fd < 0)
		setup();
	require(ftruncate(store_fd, 0) == 0);
	require(pwrite(store_fd, data, size, 0) == (ssize_t)size);
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		require(plan_add_ref(&p, &parsed[i]) != NULL);
	require(plan_add_path(&p, size && data[0] == '{' ? "/a" : "/") != NULL);
	rc = store_fetch_plan(&p, &o, env, &st, &err);
	require(st.api_calls == 0 && st.waves == 0);
	if (rc < 0) {
		require(err.status == SHIM_EX_DATA || err.status == SHIM_EX_INTERNAL);
		require(strncmp(err.msg, "store ", 6) == 0);
		for (size_t i = 0; i < p.n; i++)
			require(!p.f[i].done);
	} else {
		require(rc == 0);
		for (size_t i = 0; i < p.n; i++) {
			const struct fetch *f = &p.f[i];
			require(f->done && f->region);
			if (f->fail.status)
				require(f->fail.msg[0] && !f->value && !f->n_items);
			else if (f->kind != FETCH_PATH)
				require(f->value != NULL);
			for (size_t k = 0; k < f->n_items; k++)
				require(strncmp(f->items[k].name, "/", 1) == 0);
		}
	}
	plan_free(&p);
	return 0;
}
