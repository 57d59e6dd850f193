/* Unit tests for shim/sso.c: the token cache found by SHA-1 (the file names are botocore's own
 * test values), GetRoleCredentials against a scripted fetch callback, the OIDC refresh and its
 * atomic write-back, every refusal with its status and "run aws sso login", and no token in
 * any message. */
#include "sso.h"
#include "unit.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW       1700000000LL /* 2023-11-14T22:13:20Z */
#define START_URL "https://d-abc123.awsapps.com/start"
#define LEGACY    "40a89917e3175433e361b710a9d43528d7f1890a" /* sha1(START_URL) */
#define SESSION   "0ad374308c5a4e22f723adf10145eafad7c4031c" /* sha1("my-sso") */
#define ATOK      "aoaAccessTokenCACHEDxyz"
#define RTOK      "aorRefreshTokenCACHEDxyz"
#define CSEC      "clientSecretCACHEDxyz"
#define NTOK      "aoaAccessTokenNEWxyz"
#define NREF      "aorRefreshTokenNEWxyz"
#define AKID      "ASIASSOEXAMPLE000001"
#define SKEY      "ssoSecretKeyEXAMPLEwJalrXUtnFEMI/K7MDEN"
#define STOK      "SSOSESSIONTOKENSESSIONTOKEN"
#define ROLE_OK                                                                                    \
	"{\"roleCredentials\":{\"accessKeyId\":\"" AKID "\",\"secretAccessKey\":\"" SKEY           \
	"\",\"sessionToken\":\"" STOK "\",\"expiration\":1893456000000}}"
#define VALID   "2030-01-01T00:00:00Z"
#define EXPIRED "2023-11-14T00:00:00Z"
#define SOON    "2023-11-14T22:15:00Z" /* 100 s after NOW: inside the refresh window */

static char home[64], cache_dir[128], home_env[96];

struct fake {
	long oidc_status, portal_status;
	const char *oidc_body, *portal_body;
	int calls, oidc_calls, portal_calls;
	char oidc_url[256], portal_url[512], bearer[128], oidc_sent[1024];
};

static int fake_fetch(void *ud, struct creds_response *out, const struct creds_request *rq,
                      struct shim_err *err)
{
	struct fake *f = ud;
	int oidc = strstr(rq->url, "/token") != NULL;
	long st = oidc ? f->oidc_status : f->portal_status;

	(void)err;
	f->calls++;
	if (oidc) {
		f->oidc_calls++;
		CHECK_STR(rq->method, "POST");
		snprintf(f->oidc_url, sizeof(f->oidc_url), "%s", rq->url);
		snprintf(f->oidc_sent, sizeof(f->oidc_sent), "%.*s", (int)rq->body_len, rq->body);
	} else {
		f->portal_calls++;
		CHECK_STR(rq->method, "GET");
		snprintf(f->portal_url, sizeof(f->portal_url), "%s", rq->url);
		for (size_t i = 0; rq->headers && rq->headers[i]; i++)
			if (strncmp(rq->headers[i], "x-amz-sso_bearer_token: ", 24) == 0)
				snprintf(f->bearer, sizeof(f->bearer), "%s", rq->headers[i] + 24);
	}
	out->status = st;
	out->attempts = 1;
	if (st == 0)
		snprintf(out->errmsg, sizeof(out->errmsg), "Could not resolve host");
	else
		buf_puts(&out->body, oidc ? f->oidc_body : f->portal_body);
	return 0;
}

static void write_cache(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.json", cache_dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static json_t *read_cache(const char *name, struct stat *st)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.json", cache_dir, name);
	if (st && stat(path, st) != 0)
		memset(st, 0, sizeof(*st));
	return json_load_file(path, 0, NULL);
}

static void clear_cache(void)
{
	DIR *d = opendir(cache_dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", cache_dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
}

static int cache_files(void)
{
	DIR *d = opendir(cache_dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static char *token_json(const char *access, const char *expires, int refresh, const char *reg)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
	         "{\"startUrl\":\"" START_URL "\",\"region\":\"us-east-1\",\"accessToken\":\"%s\","
	         "\"expiresAt\":\"%s\"%s%s%s%s}",
	         access, expires,
	         refresh ? ",\"refreshToken\":\"" RTOK "\",\"clientId\":\"cid-123\","
	                   "\"clientSecret\":\"" CSEC "\""
	                 : "",
	         reg ? ",\"registrationExpiresAt\":\"" : "", reg ? reg : "", reg ? "\"" : "");
	return buf;
}

static const struct sso_params legacy = {"dev",          NULL,       START_URL, "us-east-1",
                                         "123456789012", "App+Role", NULL};
static const struct sso_params session = {"dev",          "my-sso",   START_URL, "eu-west-1",
                                          "123456789012", "ReadOnly", NULL};

static void check_no_secret(const struct shim_err *e)
{
	const char *s[] = {ATOK, RTOK, CSEC, NTOK, NREF, AKID, SKEY, STOK};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		CHECK(strstr(e->msg, s[i]) == NULL);
}

static int load(const struct sso_params *p, struct fake *f, char **envp, struct aws_creds *c,
                struct shim_err *e)
{
	char *def[] = {home_env, NULL};
	struct creds_ctx ctx = {
	        .envp = envp ? envp : def, .now = NOW, .fetch = fake_fetch, .fetch_ud = f};
	int rc;

	memset(c, 0, sizeof(*c));
	memset(e, 0, sizeof(*e));
	rc = sso_load(c, p, &ctx, e);
	check_no_secret(e);
	return rc;
}

static void test_legacy_ok(void)
{
	struct fake f = {.portal_status = 200, .portal_body = ROLE_OK};
	struct aws_creds c;
	struct shim_err e;

	clear_cache();
	write_cache(LEGACY, token_json(ATOK, VALID, 0, NULL));
	CHECK_INT(load(&legacy, &f, NULL, &c, &e), 1);
	CHECK_STR(c.source, "sso");
	CHECK_STR(c.access_key_id, AKID);
	CHECK_STR(c.secret_access_key, SKEY);
	CHECK_STR(c.session_token, STOK);
	CHECK_INT(c.expiration, 1893456000);
	CHECK_STR(f.portal_url, "https://portal.sso.us-east-1.amazonaws.com/federation/"
	                        "credentials?role_name=App%2BRole&account_id=123456789012");
	CHECK_STR(f.bearer, ATOK);
	CHECK_INT(f.oidc_calls, 0);
	creds_free(&c);
}

static void test_session_ok(void)
{
	struct fake f = {.portal_status = 200, .portal_body = ROLE_OK};
	char *envp[] = {home_env, "AWS_ENDPOINT_URL_SSO=https://127.0.0.1:4443/", NULL};
	struct aws_creds c;
	struct shim_err e;

	clear_cache();
	write_cache(SESSION, token_json(ATOK, VALID, 1, "2030-01-01T00:00:00Z"));
	CHECK_INT(load(&session, &f, envp, &c, &e), 1);
	CHECK_STR(f.portal_url, "https://127.0.0.1:4443/federation/credentials?role_name=ReadOnly"
	                        "&account_id=123456789012");
	CHECK_INT(f.oidc_calls, 0); /* far from its expiry: no refresh */
	creds_free(&c);
	/* The legacy file is not the session's. */
	clear_cache();
	write_cache(LEGACY, token_json(ATOK, VALID, 1, NULL));
	CHECK_INT(load(&session, &f, envp, &c, &e), -1);
	CHECK_INT(e.status, SHIM_EX_NOPERM);
	CHECK(strstr(e.msg, SESSION ".json") != NULL);
}

static void check_login(const struct sso_params *p, struct fake *f, int status, const char *what)
{
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(load(p, f, NULL, &c, &e), -1);
	CHECK_INT(e.status, status);
	CHECK(strncmp(e.msg, "profile dev: SSO: ", 18) == 0);
	CHECK(strstr(e.msg, what) != NULL);
	CHECK(strstr(e.msg, "run aws sso login --profile dev") != NULL);
	CHECK(c.access_key_id == NULL);
	if (unit_cur_failed)
		fprintf(stderr, "  got %d: %s\n", e.status, e.msg);
}

static void test_login_needed(void)
{
	struct fake f = {.portal_status = 200, .portal_body = ROLE_OK};

	clear_cache();
	check_login(&legacy, &f, SHIM_EX_NOPERM, "no cached SSO token");
	write_cache(LEGACY, token_json(ATOK, EXPIRED, 1, NULL));
	check_login(&legacy, &f, SHIM_EX_NOPERM, "expired at 2023-11-14T00:00:00Z");
	CHECK_INT(f.calls, 0); /* legacy: never refreshed, as in the CLI */
	write_cache(SESSION, token_json(ATOK, EXPIRED, 0, NULL));
	check_login(&session, &f, SHIM_EX_NOPERM, "cannot be refreshed");
	write_cache(SESSION, token_json(ATOK, EXPIRED, 1, "2023-11-01T00:00:00Z"));
	check_login(&session, &f, SHIM_EX_NOPERM, "cannot be refreshed");
	CHECK_INT(f.calls, 0); /* the registration has expired too */
	write_cache(SESSION, "{\"expiresAt\":\"" VALID "\"}");
	check_login(&session, &f, SHIM_EX_NOPERM, "no usable accessToken");
	write_cache(SESSION, token_json(ATOK, "soon", 0, NULL));
	check_login(&session, &f, SHIM_EX_NOPERM, "no usable expiresAt");
	f.portal_status = 401;
	f.portal_body = "{\"message\":\"Session token not found or invalid\"}";
	write_cache(SESSION, token_json(ATOK, VALID, 0, NULL));
	check_login(&session, &f, SHIM_EX_NOPERM, "the portal refused the token (HTTP 401");
}

static void test_refresh(void)
{
	struct fake f = {.oidc_status = 200,
	                 .oidc_body = "{\"accessToken\":\"" NTOK "\",\"expiresIn\":3600,"
	                              "\"refreshToken\":\"" NREF "\",\"tokenType\":\"Bearer\"}",
	                 .portal_status = 200,
	                 .portal_body = ROLE_OK};
	struct aws_creds c;
	struct shim_err e;
	struct stat st;
	json_t *sent, *cached;

	clear_cache();
	write_cache(SESSION, token_json(ATOK, EXPIRED, 1, "2030-01-01T00:00:00Z"));
	CHECK_INT(load(&session, &f, NULL, &c, &e), 1);
	CHECK_STR(f.oidc_url, "https://oidc.eu-west-1.amazonaws.com/token");
	sent = json_loads(f.oidc_sent, 0, NULL);
	CHECK_STR(json_string_value(json_object_get(sent, "grantType")), "refresh_token");
	CHECK_STR(json_string_value(json_object_get(sent, "clientId")), "cid-123");
	CHECK_STR(json_string_value(json_object_get(sent, "clientSecret")), CSEC);
	CHECK_STR(json_string_value(json_object_get(sent, "refreshToken")), RTOK);
	json_decref(sent);
	CHECK_STR(f.bearer, NTOK);
	CHECK_STR(c.access_key_id, AKID);
	creds_free(&c);
	/* Written back as the CLI keeps it, 0600, with no temporary file left behind. */
	cached = read_cache(SESSION, &st);
	CHECK_STR(json_string_value(json_object_get(cached, "accessToken")), NTOK);
	CHECK_STR(json_string_value(json_object_get(cached, "refreshToken")), NREF);
	CHECK_STR(json_string_value(json_object_get(cached, "expiresAt")), "2023-11-14T23:13:20Z");
	CHECK_STR(json_string_value(json_object_get(cached, "startUrl")), START_URL);
	CHECK_STR(json_string_value(json_object_get(cached, "clientId")), "cid-123");
	CHECK_INT(st.st_mode & 0777, 0600);
	CHECK_INT(cache_files(), 1);
	json_decref(cached);
}

static void test_refresh_fails(void)
{
	struct fake f = {.oidc_status = 400,
	                 .oidc_body = "{\"error\":\"invalid_grant\",\"error_description\":\"x\"}",
	                 .portal_status = 200,
	                 .portal_body = ROLE_OK};
	struct aws_creds c;
	struct shim_err e;
	json_t *cached;

	clear_cache();
	write_cache(SESSION, token_json(ATOK, EXPIRED, 1, NULL));
	check_login(&session, &f, SHIM_EX_NOPERM,
	            "refresh failed (OIDC CreateToken answered HTTP 400");
	CHECK_INT(f.portal_calls, 0);
	cached = read_cache(SESSION, NULL);
	CHECK_STR(json_string_value(json_object_get(cached, "accessToken")), ATOK);
	json_decref(cached);
	/* The OIDC endpoint unreachable: 69, still saying how to log in again. */
	f.oidc_status = 0;
	check_login(&session, &f, SHIM_EX_UNAVAILABLE, "Could not resolve host");
	/* Near its end but still valid: the refresh is advisory, the old token serves. */
	write_cache(SESSION, token_json(ATOK, SOON, 1, NULL));
	f = (struct fake){.oidc_status = 400,
	                  .oidc_body = "{}",
	                  .portal_status = 200,
	                  .portal_body = ROLE_OK};
	CHECK_INT(load(&session, &f, NULL, &c, &e), 1);
	CHECK_INT(f.oidc_calls, 1);
	CHECK_STR(f.bearer, ATOK);
	CHECK_INT(e.status, 0);
	creds_free(&c);
}

static void check_fails(const struct sso_params *p, struct fake *f, char **envp, int status,
                        const char *what)
{
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(load(p, f, envp, &c, &e), -1);
	CHECK_INT(e.status, status);
	CHECK(strncmp(e.msg, "profile dev: SSO: ", 18) == 0);
	CHECK(strstr(e.msg, what) != NULL);
	if (unit_cur_failed)
		fprintf(stderr, "  got %d: %s\n", e.status, e.msg);
}

static void test_failures(void)
{
	struct fake f = {.portal_status = 403,
	                 .portal_body =
	                         "{\"message\":\"No access\",\"__type\":\"ForbiddenException\"}"};
	struct sso_params no_acct = legacy, bad_role = legacy, no_url = legacy;
	char *no_home[] = {"PATH=/bin", NULL};

	clear_cache();
	write_cache(LEGACY, token_json(ATOK, VALID, 0, NULL));
	check_fails(&legacy, &f, NULL, SHIM_EX_NOPERM, "role App+Role in account 123456789012");
	check_fails(&legacy, &f, NULL, SHIM_EX_NOPERM, "ForbiddenException: No access");
	f.portal_body = "{\"message\":\"No access\"}"; /* the code only in a header */
	check_fails(&legacy, &f, NULL, SHIM_EX_NOPERM, "account 123456789012: HTTP 403: No access");
	f.portal_status = 500;
	check_fails(&legacy, &f, NULL, SHIM_EX_UNAVAILABLE, "HTTP 500");
	f.portal_status = 0;
	check_fails(&legacy, &f, NULL, SHIM_EX_UNAVAILABLE, "Could not resolve host");
	f.portal_status = 200;
	f.portal_body = "{\"roleCredentials\":{\"accessKeyId\":\"" AKID "\"}}";
	check_fails(&legacy, &f, NULL, SHIM_EX_UNAVAILABLE, "secretAccessKey");
	f.portal_body = "<html>";
	check_fails(&legacy, &f, NULL, SHIM_EX_UNAVAILABLE, "GetRoleCredentials");
	f.portal_body = "{\"roleCredentials\":{\"accessKeyId\":\"" AKID
	                "\",\"secretAccessKey\":\"" SKEY "\",\"expiration\":1600000000000}}";
	check_fails(&legacy, &f, NULL, SHIM_EX_NOPERM, "already expired");
	write_cache(LEGACY, "not json " ATOK);
	check_fails(&legacy, &f, NULL, SHIM_EX_DATA, "not a JSON object");
	no_acct.account_id = NULL;
	check_fails(&no_acct, &f, NULL, SHIM_EX_DATA, "sso_account_id is missing");
	bad_role.role_name = "a/b";
	check_fails(&bad_role, &f, NULL, SHIM_EX_DATA, "sso_role_name");
	no_url.start_url = NULL;
	check_fails(&no_url, &f, NULL, SHIM_EX_DATA, "sso_start_url is missing");
	check_fails(&legacy, &f, no_home, SHIM_EX_NOPERM, "HOME is not set");
}

int main(void)
{
	char cmd[160];

	snprintf(home, sizeof(home), "/tmp/test_sso.XXXXXX");
	if (!mkdtemp(home)) {
		perror("test_sso: mkdtemp");
		return 1;
	}
	snprintf(cache_dir, sizeof(cache_dir), "%s/.aws/sso/cache", home);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", cache_dir);
	if (system(cmd) != 0)
		return 1;
	snprintf(home_env, sizeof(home_env), "HOME=%s", home);
	RUN(test_legacy_ok);
	RUN(test_session_ok);
	RUN(test_login_needed);
	RUN(test_refresh);
	RUN(test_refresh_fails);
	RUN(test_failures);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	if (system(cmd) != 0)
		fprintf(stderr, "test_sso: could not remove %s\n", home);
	return unit_done("test_sso");
}
