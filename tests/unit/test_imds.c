/* Unit tests for shim/imds.c: the endpoint rules (all of smithy-rs imds-endpoint-tests.json),
 * and the IMDSv2 conversation (token, role, credentials, region) against a scripted fetch
 * callback: fallbacks, refusals, malformed answers, and no token or key in any message. */
#include "imds.h"
#include "unit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AKID "ASIAIMDSEXAMPLE00001"
#define SKEY "imdsSecretKeyEXAMPLEKEYwJalrXUtnFEMI/K7"
#define STOK "IMDSSESSIONTOKENSESSIONTOKEN"
#define ITOK "AQAEAIMDSTOKENxyz=="
#define NOW  1700000000LL
#define CREDS                                                                                      \
	"{\"Code\":\"Success\",\"LastUpdated\":\"2023-11-14T00:00:00Z\",\"Type\":\"AWS-HMAC\","    \
	"\"AccessKeyId\":\"" AKID "\",\"SecretAccessKey\":\"" SKEY "\",\"Token\":\"" STOK          \
	"\",\"Expiration\":\"2030-01-01T00:00:00Z\"}"

/* ---- the endpoint vectors ---- */

/* The value of key in the [default] section of a tiny config text (the vectors' files hold
 * nothing else); the profile parser is another module's, this only reads the fixtures. */
static char *fixture_key(const char *text, const char *key)
{
	const char *p = text ? strstr(text, key) : NULL;
	size_t n;

	if (!p)
		return NULL;
	p += strlen(key);
	p += strspn(p, " =");
	n = strcspn(p, "\n");
	return strndup(p, n);
}

static void check_vector(json_t *t, int *cases)
{
	const char *docs = json_string_value(json_object_get(t, "docs")), *k;
	json_t *env = json_object_get(t, "env"), *res = json_object_get(t, "result"), *v;
	const char *ok = json_string_value(json_object_get(res, "Ok"));
	const char *bad = json_string_value(json_object_get(res, "Err"));
	const char *cfg = json_string_value(json_object_get(json_object_get(t, "fs"), "config"));
	const char *eo = json_string_value(json_object_get(t, "endpoint_override"));
	const char *mo = json_string_value(json_object_get(t, "mode_override"));
	char *envp[8] = {NULL}, *url = NULL, *ep, *mode, got[512];
	struct shim_err e = {0};
	size_t n = 0;
	int rc;

	json_object_foreach(env, k, v)
	{
		if (n < 7 && asprintf(&envp[n], "%s=%s", k, json_string_value(v)) >= 0)
			n++;
	}
	/* The SDK builder's explicit overrides stand in for the profile's settings. */
	ep = eo ? strdup(eo) : fixture_key(cfg, "ec2_metadata_service_endpoint ");
	mode = mo ? strdup(mo) : fixture_key(cfg, "ec2_metadata_service_endpoint_mode");
	rc = imds_endpoint(&url, &(struct imds_params){ep, mode}, envp, &e);
	snprintf(got, sizeof(got), "%s/latest/api/token", url ? url : "");
	if (ok) {
		CHECK_INT(rc, 0);
		CHECK_STR(got, ok);
	} else {
		char quoted[128] = "";
		const char *q = strchr(bad, '`');

		if (q)
			snprintf(quoted, sizeof(quoted), "\"%.*s\"", (int)strcspn(q + 1, "`"),
			         q + 1);
		CHECK_INT(rc, -1);
		CHECK_INT(e.status, SHIM_EX_DATA);
		CHECK(strstr(bad, "endpoint mode")
		              ? strstr(e.msg, "is not a valid endpoint mode") &&
		                        strstr(e.msg, quoted)
		              : strstr(e.msg, "invalid uri") != NULL);
	}
	if (unit_cur_failed)
		fprintf(stderr, "  imds vector \"%s\": rc %d, %s, %s\n", docs, rc, url ? url : "-",
		        e.msg);
	free(url);
	free(ep);
	free(mode);
	for (size_t i = 0; i < n; i++)
		free(envp[i]);
	(*cases)++;
}

static void test_endpoint_vectors(void)
{
	const char *dir = getenv("SHIM_TEST_VECTORS");
	char path[4096];
	json_t *root, *tests;
	int cases = 0;

	snprintf(path, sizeof(path), "%s/aws-sdk-config/imds-endpoint-tests.json",
	         dir && *dir ? dir : "../shared/test-vectors");
	if (access(path, R_OK) != 0) {
		SKIP("IMDS endpoint vectors not found at %s", path);
		return;
	}
	root = json_load_file(path, 0, NULL);
	tests = json_object_get(root, "tests");
	CHECK(json_array_size(tests) > 0);
	for (size_t i = 0; i < json_array_size(tests); i++)
		check_vector(json_array_get(tests, i), &cases);
	json_decref(root);
	printf("test_imds: %d IMDS endpoint vector cases checked in %s\n", cases, path);
	CHECK_INT(cases, 14);
}

/* Beyond the vectors: the profile's endpoint, a trailing slash, a bad scheme. */
static void test_endpoint_rules(void)
{
	char *envp[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=ipv6", NULL};
	char *bad_env[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT=ftp://x/", NULL};
	char *empty[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT=", NULL};
	struct shim_err e = {0};
	char *u = NULL;

	CHECK_INT(
	        imds_endpoint(&u, &(struct imds_params){"http://127.0.0.1:8080/", NULL}, envp, &e),
	        0);
	CHECK_STR(u, "http://127.0.0.1:8080");
	free(u);
	CHECK_INT(imds_endpoint(&u, NULL, envp, &e), 0);
	CHECK_STR(u, "http://[fd00:ec2::254]");
	free(u);
	CHECK_INT(imds_endpoint(&u, NULL, empty, &e), 0); /* empty counts as unset */
	CHECK_STR(u, "http://169.254.169.254");
	free(u);
	u = NULL;
	CHECK_INT(imds_endpoint(&u, NULL, bad_env, &e), -1);
	CHECK(strstr(e.msg, "AWS_EC2_METADATA_SERVICE_ENDPOINT") != NULL);
	CHECK(u == NULL);
	CHECK_INT(imds_endpoint(&u, &(struct imds_params){NULL, "IPv5"}, NULL, &e), -1);
	CHECK(strstr(e.msg, "profile ec2_metadata_service_endpoint_mode") != NULL);
}

/* ---- the conversation, scripted ---- */

struct route {
	const char *method, *path;
	long status; /* 0: no answer */
	const char *body;
};

struct fake {
	const struct route *routes;
	int fail; /* the callback refuses the request outright */
	int calls;
	char urls[8][256];
	char token_hdr[8][128]; /* the X-aws-ec2-metadata-token value sent, per call */
	int ttl_hdr[8];
	long timeout[8];
	int attempts[8];
};

static int fake_fetch(void *ud, struct creds_response *out, const struct creds_request *rq,
                      struct shim_err *err)
{
	struct fake *f = ud;
	int i = f->calls++ < 8 ? f->calls - 1 : 7;
	const char *path = strstr(rq->url, "/latest/");

	snprintf(f->urls[i], sizeof(f->urls[i]), "%s %s", rq->method, rq->url);
	f->timeout[i] = rq->timeout_ms;
	f->attempts[i] = rq->max_attempts;
	for (size_t h = 0; rq->headers && rq->headers[h]; h++) {
		if (strncmp(rq->headers[h], "X-aws-ec2-metadata-token: ", 26) == 0)
			snprintf(f->token_hdr[i], sizeof(f->token_hdr[i]), "%s",
			         rq->headers[h] + 26);
		if (strcmp(rq->headers[h], "X-aws-ec2-metadata-token-ttl-seconds: 21600") == 0)
			f->ttl_hdr[i] = 1;
	}
	if (f->fail)
		return shim_err_set(err, SHIM_EX_DATA, "refusing plain http to somewhere");
	out->attempts = 1;
	for (const struct route *r = f->routes; r && r->method; r++) {
		if (strcmp(r->method, rq->method) != 0 || !path || strcmp(r->path, path) != 0)
			continue;
		out->status = r->status;
		if (r->status == 0)
			snprintf(out->errmsg, sizeof(out->errmsg),
			         "Connection timed out after 1000 ms");
		else
			buf_puts(&out->body, r->body ? r->body : "");
		return 0;
	}
	out->status = 404;
	buf_puts(&out->body, "Not Found");
	return 0;
}

#define R_TOKEN(st, b)                                                                             \
	{                                                                                          \
		"PUT", "/latest/api/token", st, b                                                  \
	}
#define R_ROLE(st, b)                                                                              \
	{                                                                                          \
		"GET", "/latest/meta-data/iam/security-credentials/", st, b                        \
	}
#define R_CREDS(st, b)                                                                             \
	{                                                                                          \
		"GET", "/latest/meta-data/iam/security-credentials/app-role", st, b                \
	}

static void check_no_secret(const struct shim_err *e)
{
	CHECK(strstr(e->msg, AKID) == NULL);
	CHECK(strstr(e->msg, SKEY) == NULL);
	CHECK(strstr(e->msg, STOK) == NULL);
	CHECK(strstr(e->msg, ITOK) == NULL);
}

static int load(char **envp, struct fake *f, struct aws_creds *c, struct shim_err *e)
{
	struct creds_ctx ctx = {.envp = envp, .now = NOW, .fetch = fake_fetch, .fetch_ud = f};
	int rc;

	memset(e, 0, sizeof(*e));
	memset(c, 0, sizeof(*c));
	rc = imds_load(c, NULL, &ctx, e);
	check_no_secret(e);
	return rc;
}

static void test_load_ok(void)
{
	const struct route routes[] = {R_TOKEN(200, ITOK),
	                               R_ROLE(200, "app-role\n"),
	                               R_CREDS(200, CREDS),
	                               {NULL, NULL, 0, NULL}};
	struct fake f = {.routes = routes};
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(load(NULL, &f, &c, &e), 1);
	CHECK_STR(c.source, "imds");
	CHECK_STR(c.access_key_id, AKID);
	CHECK_STR(c.secret_access_key, SKEY);
	CHECK_STR(c.session_token, STOK);
	CHECK_INT(c.expiration, 1893456000);
	CHECK_INT(f.calls, 3);
	CHECK_STR(f.urls[0], "PUT http://169.254.169.254/latest/api/token");
	CHECK_STR(f.urls[1],
	          "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/");
	CHECK_STR(f.urls[2],
	          "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/app-role");
	CHECK_INT(f.ttl_hdr[0], 1);
	CHECK_STR(f.token_hdr[0], "");
	CHECK_STR(f.token_hdr[1], ITOK);
	CHECK_STR(f.token_hdr[2], ITOK);
	/* The probe gives up fast: one attempt of 1 s; IMDS answered, so the GETs may retry. */
	CHECK_INT(f.timeout[0], 1000);
	CHECK_INT(f.attempts[0], 1);
	CHECK_INT(f.timeout[1], 1000);
	CHECK_INT(f.attempts[1], 0);
	creds_free(&c);
}

static void test_load_endpoint_env(void)
{
	const struct route routes[] = {R_TOKEN(200, ITOK),
	                               R_ROLE(200, "app-role"),
	                               R_CREDS(200, CREDS),
	                               {NULL, NULL, 0, NULL}};
	char *envp[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:8111/", NULL};
	struct fake f = {.routes = routes};
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(load(envp, &f, &c, &e), 1);
	CHECK_STR(f.urls[0], "PUT http://127.0.0.1:8111/latest/api/token");
	creds_free(&c);
}

static void test_not_there(void)
{
	const struct route silent[] = {R_TOKEN(0, NULL), {NULL, NULL, 0, NULL}};
	const struct route no_role[] = {
	        R_TOKEN(200, ITOK), R_ROLE(404, "Not Found"), {NULL, NULL, 0, NULL}};
	char *off[] = {"AWS_EC2_METADATA_DISABLED=TRUE", NULL};
	struct fake f = {.routes = silent};
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(load(off, &f, &c, &e), 0);
	CHECK_INT(f.calls, 0);
	CHECK(strstr(e.msg, "AWS_EC2_METADATA_DISABLED") != NULL);
	CHECK_INT(e.status, 0);

	CHECK_INT(load(NULL, &f, &c, &e), 0); /* a laptop: nothing answers */
	CHECK_INT(f.calls, 1);
	CHECK(strstr(e.msg, "no answer") != NULL);
	CHECK_INT(e.status, 0);

	f = (struct fake){.routes = no_role};
	CHECK_INT(load(NULL, &f, &c, &e), 0); /* an instance without a role */
	CHECK_INT(f.calls, 2);
	CHECK(strstr(e.msg, "instance role") != NULL);
}

static void test_v1_fallback(void)
{
	const struct route routes[] = {R_TOKEN(403, "Forbidden"),
	                               R_ROLE(200, "app-role"),
	                               R_CREDS(200, CREDS),
	                               {NULL, NULL, 0, NULL}};
	const struct route bad_rq[] = {R_TOKEN(400, "Bad Request"), {NULL, NULL, 0, NULL}};
	char *v1_off[] = {"AWS_EC2_METADATA_V1_DISABLED=true", NULL};
	struct fake f = {.routes = routes};
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(load(NULL, &f, &c, &e), 1);
	CHECK_STR(f.token_hdr[1], ""); /* IMDSv1: no token header */
	CHECK_STR(c.access_key_id, AKID);
	creds_free(&c);

	f = (struct fake){.routes = routes};
	CHECK_INT(load(v1_off, &f, &c, &e), -1);
	CHECK_INT(e.status, SHIM_EX_NOPERM);
	CHECK(strstr(e.msg, "HTTP 403") != NULL);
	CHECK_INT(f.calls, 1);

	f = (struct fake){.routes = bad_rq};
	CHECK_INT(load(NULL, &f, &c, &e), -1);
	CHECK_INT(e.status, SHIM_EX_NOPERM);
	CHECK(strstr(e.msg, "HTTP 400") != NULL);
}

static void check_fails(const struct route *routes, int status, const char *msg)
{
	struct fake f = {.routes = routes};
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(load(NULL, &f, &c, &e), -1);
	CHECK_INT(e.status, status);
	CHECK(strstr(e.msg, msg) != NULL);
	CHECK(c.access_key_id == NULL);
	if (unit_cur_failed)
		fprintf(stderr, "  got %d: %s\n", e.status, e.msg);
}

static void test_failures(void)
{
	const struct route refused[] = {
	        R_TOKEN(200, ITOK),
	        R_ROLE(200, "app-role"),
	        R_CREDS(200, "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"no\"}"),
	        {NULL, NULL, 0, NULL}};
	const struct route garbage[] = {R_TOKEN(200, ITOK),
	                                R_ROLE(200, "app-role"),
	                                R_CREDS(200, "<html>" SKEY),
	                                {NULL, NULL, 0, NULL}};
	const struct route expired[] = {R_TOKEN(200, ITOK),
	                                R_ROLE(200, "app-role"),
	                                R_CREDS(200, "{\"Code\":\"Success\",\"AccessKeyId\":\"" AKID
	                                             "\",\"SecretAccessKey\":\"" SKEY
	                                             "\",\"Token\":\"" STOK
	                                             "\",\"Expiration\":\"2020-01-01T00:00:00Z\"}"),
	                                {NULL, NULL, 0, NULL}};
	const struct route bad_role[] = {
	        R_TOKEN(200, ITOK), R_ROLE(200, "../../x?y"), {NULL, NULL, 0, NULL}};
	const struct route bad_token[] = {R_TOKEN(200, "a b\r\nX-Evil: 1"), {NULL, NULL, 0, NULL}};
	const struct route down[] = {R_TOKEN(200, ITOK), R_ROLE(0, NULL), {NULL, NULL, 0, NULL}};
	const struct route e500[] = {R_TOKEN(503, ""), {NULL, NULL, 0, NULL}};
	const struct route gone[] = {R_TOKEN(200, ITOK),
	                             R_ROLE(200, "app-role"),
	                             R_CREDS(404, ""),
	                             {NULL, NULL, 0, NULL}};

	check_fails(refused, SHIM_EX_NOPERM, "AssumeRoleUnauthorizedAccess");
	check_fails(garbage, SHIM_EX_UNAVAILABLE, "EC2 instance metadata credentials");
	check_fails(expired, SHIM_EX_NOPERM, "expired");
	check_fails(bad_role, SHIM_EX_UNAVAILABLE, "role name is malformed");
	check_fails(bad_token, SHIM_EX_UNAVAILABLE, "token is malformed");
	check_fails(down, SHIM_EX_UNAVAILABLE, "timed out");
	check_fails(e500, SHIM_EX_UNAVAILABLE, "HTTP 503");
	check_fails(gone, SHIM_EX_NOPERM, "app-role");
}

static void test_fetch_refuses(void)
{
	char *envp[] = {"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://imds.example:80", NULL};
	struct fake f = {.fail = 1};
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(load(envp, &f, &c, &e), -1);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK(strncmp(e.msg, "EC2 instance metadata: refusing plain http", 42) == 0);
}

static int region(const struct route *routes, char **out, struct shim_err *e, int *calls)
{
	struct fake f = {.routes = routes};
	struct creds_ctx ctx = {.now = NOW, .fetch = fake_fetch, .fetch_ud = &f};
	int rc;

	*out = NULL;
	memset(e, 0, sizeof(*e));
	rc = imds_region(out, NULL, &ctx, e);
	*calls = f.calls;
	if (rc > 0)
		CHECK_STR(f.urls[1],
		          "GET http://169.254.169.254/latest/meta-data/placement/region");
	return rc;
}

static void test_region(void)
{
	const struct route ok[] = {
	        R_TOKEN(200, ITOK),
	        {"GET", "/latest/meta-data/placement/region", 200, "eu-west-3\n"},
	        {NULL, NULL, 0, NULL}};
	const struct route bad[] = {R_TOKEN(200, ITOK),
	                            {"GET", "/latest/meta-data/placement/region", 200, "EU WEST"},
	                            {NULL, NULL, 0, NULL}};
	const struct route none[] = {R_TOKEN(200, ITOK), {NULL, NULL, 0, NULL}};
	const struct route silent[] = {R_TOKEN(0, NULL), {NULL, NULL, 0, NULL}};
	struct shim_err e;
	char *r;
	int calls;

	CHECK_INT(region(ok, &r, &e, &calls), 1);
	CHECK_STR(r, "eu-west-3");
	free(r);
	CHECK_INT(region(bad, &r, &e, &calls), -1);
	CHECK_INT(e.status, SHIM_EX_UNAVAILABLE);
	CHECK(r == NULL);
	CHECK_INT(region(none, &r, &e, &calls), 0);
	CHECK_INT(region(silent, &r, &e, &calls), 0);
	CHECK_INT(calls, 1);
}

int main(void)
{
	RUN(test_endpoint_vectors);
	RUN(test_endpoint_rules);
	RUN(test_load_ok);
	RUN(test_load_endpoint_env);
	RUN(test_not_there);
	RUN(test_v1_fallback);
	RUN(test_failures);
	RUN(test_fetch_refuses);
	RUN(test_region);
	return unit_done("test_imds");
}
