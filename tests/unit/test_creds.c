/* Unit tests for shim/creds.c: environment keys, the container provider's request (with the
 * smithy-rs ecs-tests.json vectors) and response, timestamps, and that no message ever holds a
 * key or token. */
#include "creds.h"
#include "unit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AKID "AKIDEXAMPLE0SECRET1"
#define SKEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define STOK "IQoJb3JpZ2luX2VjEJr//////////TOKENTOKEN"

/* A message must never carry a key or token. */
static void check_no_secret(const struct shim_err *e)
{
	CHECK(strstr(e->msg, AKID) == NULL);
	CHECK(strstr(e->msg, SKEY) == NULL);
	CHECK(strstr(e->msg, STOK) == NULL);
	CHECK(strstr(e->msg, "TOKENTOKEN") == NULL);
}

static void test_env_keys(void)
{
	char *env[] = {"HOME=/", "AWS_ACCESS_KEY_ID=" AKID, "AWS_SECRET_ACCESS_KEY=" SKEY, NULL};
	char *with_tok[] = {"AWS_SESSION_TOKEN=" STOK, "AWS_ACCESS_KEY_ID=" AKID,
	                    "AWS_SECRET_ACCESS_KEY=" SKEY, NULL};
	struct aws_creds c = {0};
	struct shim_err e = {0};

	CHECK_INT(creds_from_env(&c, env, &e), 1);
	CHECK_STR(c.access_key_id, AKID);
	CHECK_STR(c.secret_access_key, SKEY);
	CHECK(c.session_token == NULL);
	CHECK_STR(c.source, "environment");
	CHECK_INT(c.expiration, 0);
	creds_free(&c);
	CHECK(c.access_key_id == NULL && c.secret_access_key == NULL);
	CHECK_INT(creds_from_env(&c, with_tok, &e), 1);
	CHECK_STR(c.session_token, STOK);
	creds_free(&c);
	creds_free(&c); /* twice is harmless */
	creds_free(NULL);
}

static void test_env_absent_or_partial(void)
{
	char *none[] = {"AWS_SESSION_TOKEN=" STOK, "AWS_REGION=us-east-1", NULL};
	char *empties[] = {"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", NULL};
	char *id_only[] = {"AWS_ACCESS_KEY_ID=" AKID, NULL};
	char *secret_only[] = {"AWS_SECRET_ACCESS_KEY=" SKEY, "AWS_ACCESS_KEY_ID=", NULL};
	char *bad_tok[] = {"AWS_ACCESS_KEY_ID=" AKID, "AWS_SECRET_ACCESS_KEY=" SKEY,
	                   "AWS_SESSION_TOKEN=TOKENTOKEN\r\nX-Evil: 1", NULL};
	struct aws_creds c = {0};
	struct shim_err e = {0};

	CHECK_INT(creds_from_env(&c, none, &e), 0);
	CHECK_INT(creds_from_env(&c, empties, &e), 0);
	CHECK_INT(creds_from_env(&c, NULL, &e), 0);
	CHECK_INT(creds_from_env(&c, id_only, &e), -1);
	CHECK_INT(e.status, SHIM_EX_NOPERM);
	CHECK(strstr(e.msg, "AWS_SECRET_ACCESS_KEY is not") != NULL);
	check_no_secret(&e);
	CHECK_INT(creds_from_env(&c, secret_only, &e), -1);
	CHECK_INT(e.status, SHIM_EX_NOPERM);
	CHECK(strstr(e.msg, "AWS_ACCESS_KEY_ID is not") != NULL);
	check_no_secret(&e);
	CHECK_INT(creds_from_env(&c, bad_tok, &e), -1);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK(strstr(e.msg, "AWS_SESSION_TOKEN") != NULL);
	check_no_secret(&e);
	CHECK(c.access_key_id == NULL); /* untouched on failure */
}

/* creds_container_request on envp: rc, and the URL / authorization when rc == 1. */
static int container(char **envp, struct creds_http *r, struct shim_err *e)
{
	memset(r, 0, sizeof(*r));
	memset(e, 0, sizeof(*e));
	return creds_container_request(r, envp, e);
}

static void check_container_ok(char **envp, const char *want_url, const char *want_auth)
{
	struct creds_http r;
	struct shim_err e;

	CHECK_INT(container(envp, &r, &e), 1);
	CHECK_STR(r.url, want_url);
	if (want_auth)
		CHECK_STR(r.authorization, want_auth);
	else
		CHECK(r.authorization == NULL);
	if (!r.url)
		fprintf(stderr, "  error: %s\n", e.msg);
	creds_http_free(&r);
	CHECK(r.url == NULL && r.authorization == NULL);
}

static void check_container_bad(char **envp, const char *var)
{
	struct creds_http r;
	struct shim_err e;

	CHECK_INT(container(envp, &r, &e), -1);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK(strstr(e.msg, var) != NULL);
	check_no_secret(&e);
	CHECK(r.url == NULL && r.authorization == NULL);
	creds_http_free(&r);
}

static void test_container_hosts(void)
{
	char *rel[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/abc", NULL};
	char *loop[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.5:9/c", NULL};
	char *v6[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://[::1]:8080/c", NULL};
	char *eks[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://[fd00:ec2:0::23]/v1", NULL};
	char *loc[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://LocalHost/c", NULL};
	char *https[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=https://creds.example.com/c", NULL};
	char *plain[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://creds.example.com/c", NULL};
	char *imds[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.169.254/c", NULL};
	char *near[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.3/c", NULL};
	char *v6other[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://[fd00:ec2::254]/c", NULL};
	char *loopname[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1.example/c", NULL};
	char *userinfo[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://x@127.0.0.1/c", NULL};
	char *ftp[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=ftp://127.0.0.1/c", NULL};
	char *relbad[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=@evil.example/c", NULL};
	char *relsp[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/c d", NULL};
	char *empty[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=",
	                 "AWS_CONTAINER_CREDENTIALS_FULL_URI=", NULL};
	struct creds_http r;
	struct shim_err e;

	check_container_ok(rel, "http://169.254.170.2/v2/credentials/abc", NULL);
	check_container_ok(loop, "http://127.0.0.5:9/c", NULL);
	check_container_ok(v6, "http://[::1]:8080/c", NULL);
	check_container_ok(eks, "http://[fd00:ec2:0::23]/v1", NULL);
	check_container_ok(loc, "http://LocalHost/c", NULL);
	check_container_ok(https, "https://creds.example.com/c", NULL);
	check_container_bad(plain, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	check_container_bad(imds, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	check_container_bad(near, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	check_container_bad(v6other, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	check_container_bad(loopname, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	check_container_bad(userinfo, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	check_container_bad(ftp, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	check_container_bad(relbad, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	check_container_bad(relsp, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	CHECK_INT(container(empty, &r, &e), 0);
	CHECK_INT(container(NULL, &r, &e), 0);
}

/* A temporary token file holding text; the caller unlinks and frees the path. */
static char *token_file(const char *text)
{
	char *path = strdup("/tmp/test_creds_tokenXXXXXX");
	int fd = path ? mkstemp(path) : -1;

	if (fd < 0) {
		free(path);
		return NULL;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

static void test_container_token(void)
{
	char *file = token_file(STOK), *nl = token_file(STOK "\n"), *empty = token_file("");
	char vfile[256], vnl[256], vempty[256];
	char *env_tok[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/c",
	                   "AWS_CONTAINER_AUTHORIZATION_TOKEN=Basic abc", NULL};
	char *both[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1/c", vfile,
	                "AWS_CONTAINER_AUTHORIZATION_TOKEN=Basic abc", NULL};
	char *newline[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1/c", vnl, NULL};
	char *empty_file[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/c", vempty, NULL};
	char *missing[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/c",
	                   "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/nonexistent/token", NULL};
	char *crlf[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/c",
	                "AWS_CONTAINER_AUTHORIZATION_TOKEN=" STOK "\r\nX-Evil: 1", NULL};

	CHECK(file && nl && empty);
	if (!file || !nl || !empty)
		goto out;
	snprintf(vfile, sizeof(vfile), "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s", file);
	snprintf(vnl, sizeof(vnl), "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s", nl);
	snprintf(vempty, sizeof(vempty), "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s", empty);
	check_container_ok(env_tok, "http://169.254.170.2/c", "Basic abc");
	/* The file is preferred over the variable. */
	check_container_ok(both, "http://127.0.0.1/c", STOK);
	check_container_bad(newline, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	check_container_bad(empty_file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	check_container_bad(missing, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	check_container_bad(crlf, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
out:
	for (char **p = (char *[]){file, nl, empty}, **end = p + 3; p < end; p++)
		if (*p) {
			unlink(*p);
			free(*p);
		}
}

/* ecs-tests.json: {"tests": [{"docs", "env": {...}, "result": {"Ok": url} or
 * {"ErrorContains": text}}]}. No case there needs DNS; one that did would name it. */
static void check_ecs_vector(json_t *t, int *cases)
{
	const char *docs = json_string_value(json_object_get(t, "docs")), *k;
	json_t *env = json_object_get(t, "env"), *res = json_object_get(t, "result"), *v;
	const char *ok = json_string_value(json_object_get(res, "Ok"));
	const char *errc = json_string_value(json_object_get(res, "ErrorContains"));
	char *envp[16] = {NULL}, *var;
	struct creds_http r;
	struct shim_err e;
	size_t n = 0;
	int rc;

	if (json_object_get(t, "dns") || json_object_get(t, "Dns")) {
		printf("test_creds: ecs vector \"%s\" needs DNS results, skipped\n", docs);
		return;
	}
	json_object_foreach(env, k, v)
	{
		if (n < 15 && asprintf(&var, "%s=%s", k, json_string_value(v)) >= 0)
			envp[n++] = var;
	}
	rc = container(envp, &r, &e);
	if (ok) {
		CHECK_INT(rc, 1);
		CHECK_STR(r.url, ok);
	} else if (n == 0) {
		CHECK_INT(rc, 0); /* "not configured": the chain goes on */
	} else {
		CHECK_INT(rc, -1);
		CHECK(errc && strcasestr(e.msg, errc) != NULL);
	}
	if (unit_cur_failed)
		fprintf(stderr, "  ecs vector \"%s\": rc %d, %s\n", docs, rc, e.msg);
	creds_http_free(&r);
	for (size_t i = 0; i < n; i++)
		free(envp[i]);
	(*cases)++;
}

static void test_ecs_vectors(void)
{
	const char *dir = getenv("SHIM_TEST_VECTORS");
	char path[4096];
	json_t *root, *tests;
	size_t i;
	int cases = 0;

	snprintf(path, sizeof(path), "%s/aws-sdk-config/ecs-tests.json",
	         dir && *dir ? dir : "../shared/test-vectors");
	if (access(path, R_OK) != 0) {
		SKIP("ECS vectors not found at %s", path);
		return;
	}
	root = json_load_file(path, 0, NULL);
	tests = json_object_get(root, "tests");
	CHECK(json_array_size(tests) > 0);
	for (i = 0; i < json_array_size(tests); i++)
		check_ecs_vector(json_array_get(tests, i), &cases);
	json_decref(root);
	printf("test_creds: %d ECS vector cases checked in %s\n", cases, path);
	CHECK(cases >= 11);
}

static int parse(const char *body, struct aws_creds *c, struct shim_err *e)
{
	memset(e, 0, sizeof(*e));
	return creds_parse_container(c, body, strlen(body), e);
}

static void test_container_response(void)
{
	const char *ecs = "{\"RoleArn\":\"arn:aws:iam::1:role/r\",\"AccessKeyId\":\"" AKID "\","
	                  "\"SecretAccessKey\":\"" SKEY "\",\"Token\":\"" STOK "\","
	                  "\"Expiration\":\"2024-01-02T03:04:05Z\",\"AccountId\":\"1\"}";
	const char *imds = "{\"Code\":\"Success\",\"LastUpdated\":\"2024-01-02T02:00:00Z\","
	                   "\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"" AKID "\","
	                   "\"SecretAccessKey\":\"" SKEY "\",\"Token\":\"" STOK "\","
	                   "\"Expiration\":\"2024-02-29T12:00:00.123456+00:00\"}";
	const char *minimal = "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SKEY "\","
	                      "\"Token\":null}";
	struct aws_creds c = {0};
	struct shim_err e;

	CHECK_INT(parse(ecs, &c, &e), 0);
	CHECK_STR(c.access_key_id, AKID);
	CHECK_STR(c.secret_access_key, SKEY);
	CHECK_STR(c.session_token, STOK);
	CHECK_INT(c.expiration, 1704164645);
	CHECK_STR(c.source, "container");
	creds_free(&c);
	CHECK_INT(parse(imds, &c, &e), 0);
	CHECK_INT(c.expiration, 1709208000);
	creds_free(&c);
	CHECK_INT(parse(minimal, &c, &e), 0);
	CHECK(c.session_token == NULL);
	CHECK_INT(c.expiration, 0);
	creds_free(&c);
}

static void test_container_refused(void)
{
	struct aws_creds c = {0};
	struct shim_err e;

	CHECK_INT(parse("{\"code\":\"NoIdInRequest\",\"message\":\"CredentialsV2Request: No ID "
	                "in the request\"}",
	                &c, &e),
	          -1);
	CHECK_INT(e.status, SHIM_EX_NOPERM);
	CHECK(strstr(e.msg, "NoIdInRequest") != NULL);
	CHECK(strstr(e.msg, "No ID in the request") != NULL);
	CHECK_INT(parse("{\"message\":\"denied\x7f\\n\\u001b[31m\"}", &c, &e), -1);
	CHECK_INT(e.status, SHIM_EX_NOPERM);
	CHECK(strchr(e.msg, '\n') == NULL && strchr(e.msg, 0x1b) == NULL);
	CHECK_INT(parse("{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"AccessKeyId\":\"" AKID
	                "\",\"SecretAccessKey\":\"" SKEY "\"}",
	                &c, &e),
	          -1);
	CHECK_INT(e.status, SHIM_EX_NOPERM);
	CHECK(strstr(e.msg, "AssumeRoleUnauthorizedAccess") != NULL);
	check_no_secret(&e);
	CHECK(c.access_key_id == NULL);
}

static void test_container_malformed(void)
{
	static const char *const bad[] = {
	        "",
	        "not json",
	        "<html>403 Forbidden</html>",
	        "[\"" AKID "\"]",
	        "{\"AccessKeyId\":\"" AKID "\"}",
	        "{\"SecretAccessKey\":\"" SKEY "\",\"Token\":\"" STOK "\"}",
	        "{\"AccessKeyId\":17,\"SecretAccessKey\":\"" SKEY "\"}",
	        "{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"" SKEY "\"}",
	        "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":[\"" SKEY "\"]}",
	        "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SKEY "\",\"Token\":5}",
	        "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SKEY "\",\"Token\":\"" STOK
	        "\\r\\nX: 1\"}",
	        "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SKEY "\",\"Expiration\":"
	        "\"tomorrow\"}",
	        "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SKEY "\",\"Expiration\":1}",
	        "{\"AccessKeyId\":\"" AKID "\",\"AccessKeyId\":\"x\",\"SecretAccessKey\":\"" SKEY
	        "\"}",
	        "{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SKEY "\"",
	        "{\"AccessKeyId\":\"" AKID "\\u0000\",\"SecretAccessKey\":\"" SKEY "\"}",
	        "{\"Code\":\"Success\",\"Message\":\"ok\"}",
	};
	struct aws_creds c = {0};
	struct shim_err e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &c, &e) != -1)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK_INT(e.status, SHIM_EX_UNAVAILABLE);
		check_no_secret(&e);
		CHECK(c.access_key_id == NULL);
		creds_free(&c);
	}
	CHECK_INT(creds_parse_container(&c, NULL, 0, &e), -1);
	/* Not NUL-terminated: the length bounds the parse. */
	CHECK_INT(creds_parse_container(&c, "{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\"}xx",
	                                40, &e),
	          -1);
	CHECK_INT(creds_parse_container(&c, "{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\"}xx",
	                                41, &e),
	          0);
	CHECK_STR(c.secret_access_key, "b");
	creds_free(&c);
}

static void test_parse_time(void)
{
	static const char *const bad[] = {
	        "",
	        "2024-01-02",
	        "2024-01-02T03:04:05",
	        "2024-01-02T03:04:05ZZ",
	        "2024-01-02 03:04:05Z",
	        "2024-01-02T03:04:05.Z",
	        "2024-01-02T03:04:5Z",
	        "2024-1-02T03:04:05Z",
	        "2024-13-02T03:04:05Z",
	        "2024-00-02T03:04:05Z",
	        "2023-02-29T03:04:05Z",
	        "2100-02-29T00:00:00Z",
	        "2024-04-31T00:00:00Z",
	        "2024-01-02T24:00:00Z",
	        "2024-01-02T23:60:00Z",
	        "2024-01-02T23:59:61Z",
	        "2024-01-02T03:04:05+0000",
	        "2024-01-02T03:04:05+24:00",
	        "2024-01-02T03:04:05+01:60",
	        "2024-01-02T03:04:05+01:00x",
	        "1969-12-31T23:59:59Z",
	        "+2024-01-02T03:04:05Z",
	        "\xef\xbc\x92"
	        "024-01-02T03:04:05Z",
	};

	CHECK_INT(creds_parse_time("1970-01-01T00:00:00Z"), 0);
	CHECK_INT(creds_parse_time("2000-01-01T00:00:00Z"), 946684800);
	CHECK_INT(creds_parse_time("2024-01-02T03:04:05Z"), 1704164645);
	CHECK_INT(creds_parse_time("2024-01-02t03:04:05z"), 1704164645);
	CHECK_INT(creds_parse_time("2024-01-02T03:04:05.999999999Z"), 1704164645);
	CHECK_INT(creds_parse_time("2024-01-02T03:04:05+00:00"), 1704164645);
	CHECK_INT(creds_parse_time("2024-01-02T03:04:05-00:00"), 1704164645);
	CHECK_INT(creds_parse_time("2024-01-02T04:04:05+01:00"), 1704164645);
	CHECK_INT(creds_parse_time("2024-01-01T21:34:05.5-05:30"), 1704164645);
	CHECK_INT(creds_parse_time("2024-02-29T12:00:00Z"), 1709208000);
	CHECK_INT(creds_parse_time("2000-02-29T00:00:00Z"), 951782400);
	CHECK_INT(creds_parse_time("2038-01-19T03:14:07Z"), 2147483647LL);
	CHECK_INT(creds_parse_time("2099-12-31T23:59:59Z"), 4102444799LL);
	CHECK_INT(creds_parse_time("9999-12-31T23:59:59Z"), 253402300799LL);
	CHECK_INT(creds_parse_time("2016-12-31T23:59:60Z"), 1483228800); /* leap second */
	CHECK_INT(creds_parse_time(NULL), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (creds_parse_time(bad[i]) != -1) {
			unit_cur_failed++;
			fprintf(stderr, "  accepted time: \"%s\"\n", bad[i]);
		}
	/* Every prefix of a good timestamp is malformed. */
	const char *good = "2024-01-02T03:04:05.123+01:00";
	char prefix[40];

	for (size_t n = 0; n < strlen(good); n++) {
		memcpy(prefix, good, n);
		prefix[n] = '\0';
		CHECK_INT(creds_parse_time(prefix), -1);
	}
}

/* ---- the provider chain, with a fake endpoint ------------------------------------------ */

struct fake {
	int calls, fail; /* fail: the callback itself returns -1 */
	long status;     /* 0: a transport failure */
	const char *body;
	char method[8], url[256], auth[256];
};

static int fake_fetch(void *ud, struct creds_response *out, const struct creds_request *rq,
                      struct shim_err *err)
{
	struct fake *f = ud;
	const char *method = rq->method, *url = rq->url;
	const char *const *headers = rq->headers;

	f->calls++;
	snprintf(f->method, sizeof(f->method), "%s", method);
	snprintf(f->url, sizeof(f->url), "%s", url);
	for (size_t i = 0; headers && headers[i]; i++)
		if (strncmp(headers[i], "Authorization: ", 15) == 0)
			snprintf(f->auth, sizeof(f->auth), "%s", headers[i] + 15);
	if (f->fail)
		return shim_err_set(err, SHIM_EX_DATA, "refusing plain http to somewhere");
	out->status = f->status;
	out->attempts = 3;
	if (f->status == 0)
		snprintf(out->errmsg, sizeof(out->errmsg), "Connection refused");
	else
		buf_puts(&out->body, f->body);
	return 0;
}

#define CONTAINER_BODY                                                                             \
	"{\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SKEY "\",\"Token\":\"" STOK         \
	"\",\"Expiration\":\"2030-01-01T00:00:00Z\"}"

static int chain(char **envp, struct fake *f, long long now, struct aws_creds *c,
                 struct shim_err *e)
{
	struct creds_ctx ctx = {.envp = envp, .now = now, .fetch = fake_fetch, .fetch_ud = f};

	memset(e, 0, sizeof(*e));
	memset(c, 0, sizeof(*c));
	return creds_chain_load(c, NULL, &ctx, e);
}

static void test_chain_order(void)
{
	char *both[] = {"AWS_ACCESS_KEY_ID=" AKID, "AWS_SECRET_ACCESS_KEY=" SKEY,
	                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/c", NULL};
	char *cont[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/c",
	                "AWS_CONTAINER_AUTHORIZATION_TOKEN=tok123", NULL};
	struct fake f = {.status = 200, .body = CONTAINER_BODY};
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(chain(both, &f, 1700000000, &c, &e), 0);
	CHECK_STR(c.source, "environment");
	CHECK_STR(c.access_key_id, AKID);
	CHECK_INT(f.calls, 0); /* env keys win: the endpoint is never asked */
	creds_free(&c);

	CHECK_INT(chain(cont, &f, 1700000000, &c, &e), 0);
	CHECK_STR(c.source, "container");
	CHECK_STR(c.access_key_id, AKID);
	CHECK_STR(c.secret_access_key, SKEY);
	CHECK_STR(c.session_token, STOK);
	CHECK_INT(c.expiration, 1893456000);
	CHECK_INT(f.calls, 1);
	CHECK_STR(f.method, "GET");
	CHECK_STR(f.url, "http://127.0.0.1:9/c");
	CHECK_STR(f.auth, "tok123");
	creds_free(&c);
}

static void check_chain_fails(char **envp, struct fake *f, long long now, int status,
                              const char *msg)
{
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(chain(envp, f, now, &c, &e), -1);
	CHECK_INT(e.status, status);
	if (!strstr(e.msg, msg))
		fprintf(stderr, "  message: %s\n", e.msg);
	CHECK(strstr(e.msg, msg) != NULL);
	check_no_secret(&e);
	CHECK(c.access_key_id == NULL && c.secret_access_key == NULL && c.session_token == NULL);
}

static void test_chain_failures(void)
{
	char *none[] = {"HOME=/", "AWS_EC2_METADATA_DISABLED=true", NULL};
	char *half[] = {"AWS_ACCESS_KEY_ID=" AKID, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/c",
	                NULL};
	char *rel[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/c", NULL};
	char *badrel[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=c", NULL};
	struct fake f = {.status = 200, .body = CONTAINER_BODY}, no_imds = {.status = 0};

	/* Every provider tried, and why it did not apply, on one line. */
	check_chain_fails(
	        none, &f, 0, SHIM_EX_NOPERM,
	        "no AWS credentials found: environment: AWS_ACCESS_KEY_ID is not set; "
	        "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set; profile: no shared "
	        "config files; container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
	        "_FULL_URI are not set; instance metadata: disabled by "
	        "AWS_EC2_METADATA_DISABLED");
	/* No environment at all: IMDS is asked last, and does not answer (a laptop). */
	check_chain_fails(NULL, &no_imds, 0, SHIM_EX_NOPERM, "no AWS credentials found");
	CHECK_STR(no_imds.method, "PUT");
	CHECK_INT(f.calls, 0);
	/* A configured source that fails stops the chain. */
	check_chain_fails(half, &f, 0, SHIM_EX_NOPERM, "AWS_SECRET_ACCESS_KEY");
	check_chain_fails(badrel, &f, 0, SHIM_EX_DATA, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	CHECK_INT(f.calls, 0);
	/* Expired at (or before) now. */
	check_chain_fails(rel, &f, 1893456000, SHIM_EX_NOPERM,
	                  "ECS container credentials: they have already expired");
	CHECK_STR(f.url, "http://169.254.170.2/v2/c");
	f.status = 403;
	check_chain_fails(rel, &f, 0, SHIM_EX_NOPERM,
	                  "ECS container credentials endpoint answered HTTP 403");
	f.status = 503;
	check_chain_fails(rel, &f, 0, SHIM_EX_UNAVAILABLE,
	                  "ECS container credentials endpoint answered HTTP 503");
	f.status = 0;
	check_chain_fails(rel, &f, 0, SHIM_EX_UNAVAILABLE,
	                  "ECS container credentials endpoint: Connection refused (3 attempts)");
	f.status = 200;
	f.body = "{\"code\":\"AccessDenied\",\"message\":\"no role\"}";
	check_chain_fails(rel, &f, 0, SHIM_EX_NOPERM, "container credentials refused");
	f.body = "not json";
	check_chain_fails(rel, &f, 0, SHIM_EX_UNAVAILABLE, "not a JSON object");
	f.fail = 1;
	check_chain_fails(rel, &f, 0, SHIM_EX_DATA, "refusing plain http");
}

/* Without a fetch callback the container provider is not configured; a custom chain is
 * walked in its own order. */
static int found_static(struct aws_creds *out, struct creds_ctx *ctx, struct shim_err *err)
{
	(void)ctx;
	(void)err;
	out->access_key_id = strdup("AKIDSTATIC");
	out->secret_access_key = strdup("static-secret");
	out->source = "static";
	return 1;
}

static int not_configured(struct aws_creds *out, struct creds_ctx *ctx, struct shim_err *err)
{
	(void)out;
	(void)ctx;
	(void)err;
	return 0;
}

static void test_chain_custom(void)
{
	static const struct creds_provider mine[] = {
	        {"nothing", not_configured}, {"static", found_static}, {NULL, NULL}};
	static const struct creds_provider empty[] = {{NULL, NULL}};
	char *rel[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/c", NULL};
	struct creds_ctx ctx = {.envp = rel};
	struct aws_creds c = {0};
	struct shim_err e = {0};

	CHECK_INT(creds_chain_load(&c, NULL, &ctx, &e), -1);
	CHECK_INT(e.status, SHIM_EX_NOPERM);
	CHECK_INT(creds_chain_load(&c, mine, &ctx, &e), 0);
	CHECK_STR(c.source, "static");
	CHECK_STR(c.access_key_id, "AKIDSTATIC");
	creds_free(&c);
	CHECK_INT(creds_chain_load(&c, empty, &ctx, &e), -1);
	CHECK(strstr(e.msg, "no AWS credentials found") != NULL);
	CHECK_STR(creds_chain[0].name, "environment");
	CHECK_STR(creds_chain[1].name, "web identity");
	CHECK_STR(creds_chain[2].name, "profile");
	CHECK_STR(creds_chain[3].name, "container");
	CHECK_STR(creds_chain[4].name, "instance metadata");
	CHECK(creds_chain[5].load == NULL);
	CHECK_STR(creds_chain_profile[0].name, "profile");
	CHECK(creds_chain_profile[1].load == NULL);
}

int main(void)
{
	RUN(test_env_keys);
	RUN(test_env_absent_or_partial);
	RUN(test_container_hosts);
	RUN(test_container_token);
	RUN(test_ecs_vectors);
	RUN(test_container_response);
	RUN(test_container_refused);
	RUN(test_container_malformed);
	RUN(test_parse_time);
	RUN(test_chain_order);
	RUN(test_chain_failures);
	RUN(test_chain_custom);
	return unit_done("test_creds");
}
