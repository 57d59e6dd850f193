/* The env module: look-ups, the name rule, and env_build (overlay in place, duplicates, order,
 * and out of memory: nothing it formatted is released unwiped). */
#include "env.h"
#include "unit.h"

#include <malloc.h>
#include <stdlib.h>

/* Allocation failure injection and a check of every freed block: glibc lets a program
 * interpose malloc and free, and exports its own as __libc_*. Not under ASan, whose
 * allocator must see every call. */
#ifndef __SANITIZE_ADDRESS__
#define INJECT 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static int fail_after = -1; /* allocations left before the next one fails; -1: never */
static int freed_secret;    /* a block that still held "S3CRET" was freed */

static int alloc_ok(void)
{
	if (fail_after == 0)
		return 0;
	if (fail_after > 0)
		fail_after--;
	return 1;
}

void *malloc(size_t n)
{
	return alloc_ok() ? __libc_malloc(n) : NULL;
}

void *calloc(size_t n, size_t size)
{
	return alloc_ok() ? __libc_calloc(n, size) : NULL;
}

void *realloc(void *p, size_t n)
{
	return alloc_ok() ? __libc_realloc(p, n) : NULL;
}

void free(void *p)
{
	if (p && memmem(p, malloc_usable_size(p), "S3CRET", 6))
		freed_secret = 1;
	__libc_free(p);
}
#endif

static void test_lookup(void)
{
	char *envp[] = {"A=1", "EMPTY=", "AB=2", "NOEQ", "A=shadowed", NULL};

	CHECK_STR(env_lookup(envp, "A"), "1");
	CHECK_STR(env_lookup(envp, "AB"), "2");
	CHECK_STR(env_lookup(envp, "EMPTY"), "");
	CHECK(env_value(envp, "EMPTY") == NULL); /* empty counts as unset */
	CHECK(env_lookup(envp, "NOEQ") == NULL);
	CHECK(env_lookup(envp, "B") == NULL);
	CHECK(env_lookup(NULL, "A") == NULL);
}

static void test_name_valid(void)
{
	CHECK(env_name_valid("A"));
	CHECK(env_name_valid("_x9"));
	CHECK(env_name_valid("SECRET_KEY"));
	CHECK(!env_name_valid(""));
	CHECK(!env_name_valid("9A"));
	CHECK(!env_name_valid("A-B"));
	CHECK(!env_name_valid("A B"));
	CHECK(!env_name_valid("A=B"));
	CHECK(!env_name_valid(NULL));
}

static size_t count(char **env)
{
	size_t n = 0;

	while (env && env[n])
		n++;
	return n;
}

/* What an import may not set: the loader's, the proxies' (any case) and the AWS clients'
 * credential and endpoint variables; look-alikes are ordinary names. */
static void test_name_importable(void)
{
	static const char *const refused[] = {"LD_PRELOAD",
	                                      "LD_LIBRARY_PATH",
	                                      "LD_AUDIT",
	                                      "HTTP_PROXY",
	                                      "http_proxy",
	                                      "Https_Proxy",
	                                      "NO_PROXY",
	                                      "no_proxy",
	                                      "ALL_PROXY",
	                                      "all_proxy",
	                                      "SSLKEYLOGFILE",
	                                      "AWS_ACCESS_KEY_ID",
	                                      "AWS_SECRET_ACCESS_KEY",
	                                      "AWS_SESSION_TOKEN",
	                                      "AWS_ENDPOINT_URL",
	                                      "AWS_ENDPOINT_URL_SECRETS_MANAGER",
	                                      "AWS_CA_BUNDLE",
	                                      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	                                      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	                                      "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	                                      "AWS_PROFILE",
	                                      "AWS_CONFIG_FILE",
	                                      "AWS_SHARED_CREDENTIALS_FILE",
	                                      "AWS_WEB_IDENTITY_TOKEN_FILE",
	                                      "AWS_ROLE_ARN"};
	static const char *const allowed[] = {
	        "DB_PASSWORD",     "ld_preload_note", "LDAP_URL",   "MY_HTTP_PROXY",
	        "HTTP_PROXY_HOST", "AWS_REGION",      "AWS_BUCKET", "PROXY"};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (env_name_importable(refused[i])) {
			unit_cur_failed++;
			fprintf(stderr, "  %s importable\n", refused[i]);
		}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!env_name_importable(allowed[i])) {
			unit_cur_failed++;
			fprintf(stderr, "  %s refused\n", allowed[i]);
		}
}

static void test_build(void)
{
	char *envp[] = {"PATH=/bin", "DB=arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
	                "ODD",       "HOME=/root",
	                "DB=again",  NULL};
	struct env_var vars[] = {
	        {"NEW", "n1"}, {"DB", "postgres://u:S3CRET@h/db"}, {"X", "x1"}, {"X", "x2"}};
	char **env = NULL;

	CHECK_INT(env_build(&env, envp, vars, 4), 0);
	CHECK_INT(count(env), 6);
	if (count(env) == 6) {
		CHECK_STR(env[0], "PATH=/bin");
		CHECK_STR(env[1], "DB=postgres://u:S3CRET@h/db"); /* replaced in place */
		CHECK_STR(env[2], "ODD");                         /* kept as it is */
		CHECK_STR(env[3], "HOME=/root");                  /* the repeated DB is gone */
		CHECK_STR(env[4], "NEW=n1");                      /* then the rest, in order */
		CHECK_STR(env[5], "X=x2");                        /* the later one wins */
	}
	env_free(env);
	CHECK_INT(env_build(&env, NULL, NULL, 0), 0);
	CHECK_INT(count(env), 0);
	env_free(env);
	env_free(NULL);
}

static void test_build_out_of_memory(void)
{
#ifdef INJECT
	char *envp[] = {"PATH=/bin", "DB=arn:aws:ssm:us-east-1:123456789012:parameter/db", NULL};
	struct env_var vars[] = {{"DB", "S3CRET-1"}, {"KEY", "S3CRET-2"}, {"TOKEN", "S3CRET-3"}};
	void *(*volatile alloc)(size_t) = malloc;
	void *probe;
	int failures = 0;

	fail_after = 0;
	probe = alloc(1);
	fail_after = -1;
	if (probe) { /* valgrind replaces the allocator under us */
		free(probe);
		SKIP("allocation failures cannot be injected under this allocator");
		return;
	}
	/* Fail each allocation in turn: -1 every time, and no secret left in a freed block. */
	for (int n = 0; n < 40; n++) {
		char **env = (char **)1;
		int rc;
		freed_secret = 0;
		fail_after = n;
		rc = env_build(&env, envp, vars, 3);
		fail_after = -1;
		if (rc == 0) {
			CHECK_INT(count(env), 4);
			env_free(env);
			CHECK(!freed_secret);
			break;
		}
		failures++;
		CHECK_INT(rc, -1);
		CHECK(env == (char **)1); /* out-parameter untouched */
		CHECK(!freed_secret);
	}
	CHECK(failures >= 4);
#else
	SKIP("allocation failures are not injected under ASan");
#endif
}

int main(void)
{
	RUN(test_lookup);
	RUN(test_name_valid);
	RUN(test_name_importable);
	RUN(test_build);
	RUN(test_build_out_of_memory);
	return unit_done("test_env");
}
