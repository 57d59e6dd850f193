/* IAM Identity Center (SSO) credentials (reference/aws-protocol.md B5) as the AWS CLI v2 gets
 * them: the token cache file named by the SHA-1 of the sso-session name (or of the legacy start
 * URL); near its expiry a refresh through OIDC CreateToken, written back atomically; then the
 * role's credentials from the portal's GetRoleCredentials. Tokens never reach a message; every
 * buffer that held one is wiped (jansson's blocks by the resolver's wiping allocator). */
#include "sso.h"

#include "awserr.h"
#include "awsjson.h"
#include "buf.h"
#include "endpoint.h"
#include "env.h"
#include "file.h"
#include "log.h"
#include "sanitize.h"
#include "wipe.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CACHE_MAX      ((size_t)256 * 1024)
#define REFRESH_WINDOW 300 /* seconds before expiresAt: the SDKs' 5 minutes */
#define SSO_TIMEOUT_MS 10000L
#define ROLE_CHARS     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=,.@_-"

/* The cached token: the file's JSON object (kept whole, so a refresh writes back every key the
 * CLI put there) and what was read from it. */
struct token {
	char *path;
	json_t *root;
	const char *access; /* accessToken, inside root */
	long long expires;  /* expiresAt, unix seconds */
};

static int login_hint(struct shim_err *err, int status, const struct sso_params *p, const char *why)
{
	char w[sizeof(err->msg)];

	snprintf(w, sizeof(w), "%.400s", why);
	return shim_err_set(err, status, "%s: run aws sso login --profile %s", w, p->profile);
}

static int params_check(const struct sso_params *p, struct shim_err *err)
{
	const char *missing = NULL;
	size_t rl = p->role_name ? strlen(p->role_name) : 0;

	if (!p->session_name && (!p->start_url || !*p->start_url))
		missing = "sso_start_url";
	else if (!p->region || !*p->region)
		missing = "sso_region";
	else if (!p->account_id || !*p->account_id)
		missing = "sso_account_id";
	else if (!rl)
		missing = "sso_role_name";
	if (missing)
		return shim_err_set(err, SHIM_EX_DATA, "%s is missing", missing);
	if (strlen(p->account_id) != 12 || strspn(p->account_id, "0123456789") != 12)
		return shim_err_set(err, SHIM_EX_DATA, "sso_account_id is not 12 digits");
	if (rl > 64 || strspn(p->role_name, ROLE_CHARS) != rl)
		return shim_err_set(err, SHIM_EX_DATA, "sso_role_name is not an IAM role name");
	return 0;
}

/* ~/.aws/sso/cache/<hex sha1 of the session name, or of the legacy start URL>.json */
static int cache_path(char **out, const struct sso_params *p, char **envp, struct shim_err *err)
{
	const char *home = env_value(envp, "HOME");
	const char *key = p->session_name ? p->session_name : p->start_url;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (!home)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "HOME is not set, so the SSO token cache cannot be found");
	if (!EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha1(), NULL))
		return shim_err_set(err, SHIM_EX_INTERNAL, "libcrypto: SHA-1 failed");
	for (size_t i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (asprintf(out, "%s/.aws/sso/cache/%s.json", home, hex) < 0)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 0;
}

/* A string member fit for a header, or NULL. */
static const char *safe_string(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    !creds_value_safe(json_string_value(v), json_string_length(v)))
		return NULL;
	return json_string_value(v);
}

static int cache_load(struct token *t, const struct sso_params *p, struct shim_err *err)
{
	char *data = NULL, why[sizeof(err->msg)];
	const char *exp;
	size_t len = 0;

	if (access(t->path, F_OK) != 0 && errno == ENOENT) {
		snprintf(why, sizeof(why), "no cached SSO token (%s)", t->path);
		return login_hint(err, SHIM_EX_NOPERM, p, why);
	}
	if (file_read(&data, &len, t->path, CACHE_MAX, "SSO token cache", err) < 0) {
		err->status = SHIM_EX_NOPERM;
		return -1;
	}
	t->root = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
	wipe_free(data, len);
	if (!json_is_object(t->root))
		return shim_err_set(err, SHIM_EX_DATA,
		                    "the SSO token cache %s is not a JSON object", t->path);
	exp = json_string_value(json_object_get(t->root, "expiresAt"));
	t->access = safe_string(t->root, "accessToken");
	if (!t->access || !exp || (t->expires = creds_parse_time(exp)) < 0) {
		snprintf(why, sizeof(why), "the SSO token cache %s has no usable %s", t->path,
		         !t->access ? "accessToken" : "expiresAt");
		return login_hint(err, SHIM_EX_NOPERM, p, why);
	}
	return 0;
}

/* What the CLI needs to refresh: a session's refresh token and a live client registration. */
static int refreshable(const struct token *t, const struct sso_params *p, long long now)
{
	const char *reg = json_string_value(json_object_get(t->root, "registrationExpiresAt"));

	if (!p->session_name || !safe_string(t->root, "refreshToken") ||
	    !safe_string(t->root, "clientId") || !safe_string(t->root, "clientSecret"))
		return 0;
	return !reg || creds_parse_time(reg) > now;
}

/* The CreateToken request body, built in a wiped buffer. */
static int oidc_body(struct buf *b, const struct token *t, struct shim_err *err)
{
	json_t *o = json_object();

	if (!o ||
	    awsjson_add_string(o, "clientId", safe_string(t->root, "clientId"), "CreateToken",
	                       err) < 0 ||
	    awsjson_add_string(o, "clientSecret", safe_string(t->root, "clientSecret"),
	                       "CreateToken", err) < 0 ||
	    awsjson_add_string(o, "grantType", "refresh_token", "CreateToken", err) < 0 ||
	    awsjson_add_string(o, "refreshToken", safe_string(t->root, "refreshToken"),
	                       "CreateToken", err) < 0) {
		json_decref(o);
		return o ? -1 : shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	}
	return awsjson_dump(b, o, "CreateToken", err);
}

/* POST /token: 0 with the 200 answer's body in *out, -1 with err. */
static int oidc_call(struct buf *out, const struct token *t, const struct sso_params *p,
                     struct creds_ctx *ctx, struct shim_err *err)
{
	static const char *const headers[] = {"Content-Type: application/json", NULL};
	struct creds_response resp = {0};
	struct buf body = BUF_INIT;
	char *base = NULL, *url = NULL;
	struct awserr ae;
	int rc = -1;

	if (endpoint_url(&base, SVC_SSO_OIDC, p->region, NULL, ctx->envp, NULL, err) < 0 ||
	    oidc_body(&body, t, err) < 0 || asprintf(&url, "%s/token", base) < 0)
		goto out;
	if (ctx->fetch(ctx->fetch_ud, &resp,
	               &(struct creds_request){.method = "POST",
	                                       .url = url,
	                                       .headers = headers,
	                                       .body = body.ptr,
	                                       .body_len = body.len,
	                                       .timeout_ms = SSO_TIMEOUT_MS},
	               err) < 0)
		goto out;
	awserr_parse(&ae, resp.status, NULL, resp.body.ptr, resp.body.len);
	if (resp.status == 0)
		shim_err_set(err, SHIM_EX_UNAVAILABLE, "OIDC CreateToken: %s (%d attempts)",
		             resp.errmsg, resp.attempts);
	else if (resp.status != 200)
		shim_err_set(err, resp.status >= 500 ? SHIM_EX_UNAVAILABLE : SHIM_EX_NOPERM,
		             "OIDC CreateToken answered HTTP %ld%s%s", resp.status,
		             ae.code[0] ? " " : "", ae.code);
	else {
		*out = resp.body;
		resp.body = (struct buf)BUF_INIT;
		rc = 0;
	}
out:
	buf_free(&resp.body);
	buf_free(&body);
	free(base);
	free(url);
	return rc;
}

static void iso_time(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* CreateToken's answer into the cached object: accessToken, expiresAt, refreshToken. */
static int refresh_apply(struct token *t, const struct buf *b, long long now, struct shim_err *err)
{
	json_t *r = json_loadb(buf_cstr(b), b->len, JSON_REJECT_DUPLICATES, NULL);
	json_t *in = json_object_get(r, "expiresIn");
	const char *access = safe_string(r, "accessToken"),
	           *refresh = safe_string(r, "refreshToken");
	char when[32];
	int rc = -1;

	if (!access || !json_is_integer(in) || json_integer_value(in) <= 0 ||
	    json_integer_value(in) > 10L * 365 * 86400) {
		shim_err_set(err, SHIM_EX_UNAVAILABLE,
		             "OIDC CreateToken: the answer has no accessToken or expiresIn");
		goto out;
	}
	iso_time(when, now + json_integer_value(in));
	if (json_object_set_new(t->root, "accessToken", json_string(access)) < 0 ||
	    json_object_set_new(t->root, "expiresAt", json_string(when)) < 0 ||
	    (refresh && json_object_set_new(t->root, "refreshToken", json_string(refresh)) < 0)) {
		shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		goto out;
	}
	t->access = json_string_value(json_object_get(t->root, "accessToken"));
	t->expires = now + json_integer_value(in);
	rc = 0;
out:
	json_decref(r);
	return rc;
}

/* Write the refreshed cache as the CLI would, but atomically: 0600, temp file, rename. */
static int cache_write(const struct token *t, struct shim_err *err)
{
	struct buf b = BUF_INIT, tmp = BUF_INIT;
	int fd = -1, rc = -1;

	buf_printf(&tmp, "%s.XXXXXX", t->path);
	if (buf_oom(&tmp) || awsjson_dump(&b, json_incref(t->root), "SSO token cache", err) < 0)
		goto out;
	if ((fd = mkstemp(tmp.ptr)) < 0) {
		shim_err_set(err, SHIM_EX_NOPERM, "cannot write %s: %s", tmp.ptr, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) < 0 || write(fd, b.ptr, b.len) != (ssize_t)b.len || fsync(fd) < 0 ||
	    close(fd) < 0 || (fd = -1, rename(tmp.ptr, t->path) < 0)) {
		shim_err_set(err, SHIM_EX_NOPERM, "cannot write %s: %s", t->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp.ptr);
		goto out;
	}
	rc = 0;
out:
	buf_free(&b);
	buf_free(&tmp);
	return rc;
}

/* Refresh the token: 0 done (the cache rewritten, or a warning when it cannot be), -1. */
static int token_refresh(struct token *t, const struct sso_params *p, struct creds_ctx *ctx,
                         struct shim_err *err)
{
	struct buf answer = BUF_INIT;
	struct shim_err werr = {0};
	int rc;

	if (!ctx->fetch)
		return shim_err_set(err, SHIM_EX_UNAVAILABLE,
		                    "no HTTP client for OIDC CreateToken");
	rc = oidc_call(&answer, t, p, ctx, err);
	if (rc == 0)
		rc = refresh_apply(t, &answer, ctx->now, err);
	buf_free(&answer);
	if (rc < 0)
		return -1;
	if (cache_write(t, &werr) < 0)
		log_warn("profile %s: SSO token refreshed but not saved: %s", p->profile, werr.msg);
	else
		log_debug("profile %s: SSO token refreshed", p->profile);
	return 0;
}

/* The cached token, refreshed when it is near its end and can be: 0, or -1 with err. */
static int token_get(struct token *t, const struct sso_params *p, struct creds_ctx *ctx,
                     struct shim_err *err)
{
	char why[sizeof(err->msg) + 64], when[32];

	if (cache_path(&t->path, p, ctx->envp, err) < 0 || cache_load(t, p, err) < 0)
		return -1;
	if (t->expires - ctx->now > REFRESH_WINDOW || !refreshable(t, p, ctx->now)) {
		if (t->expires > ctx->now)
			return 0;
		iso_time(when, t->expires);
		snprintf(why, sizeof(why), "the SSO token expired at %s%s", when,
		         p->session_name ? " and cannot be refreshed" : "");
		return login_hint(err, SHIM_EX_NOPERM, p, why);
	}
	if (token_refresh(t, p, ctx, err) == 0)
		return 0;
	if (t->expires > ctx->now) { /* still valid: the refresh was only advisory */
		log_debug("profile %s: SSO token refresh failed: %s", p->profile, err->msg);
		*err = (struct shim_err){0};
		return 0;
	}
	snprintf(why, sizeof(why), "the SSO token expired and its refresh failed (%s)", err->msg);
	return login_hint(err,
	                  err->status == SHIM_EX_UNAVAILABLE ? SHIM_EX_UNAVAILABLE : SHIM_EX_NOPERM,
	                  p, why);
}

static void token_free(struct token *t)
{
	free(t->path);
	json_decref(t->root);
}

/* The query value: unreserved characters as they are, the rest %XX. */
static void query_put(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~",
		           *s))
			buf_putc(b, *s);
		else
			buf_printf(b, "%%%02X", (unsigned char)*s);
	}
}

static int portal_url(char **out, const struct sso_params *p, char **envp, struct shim_err *err)
{
	struct buf u = BUF_INIT;
	char *base = NULL;

	if (endpoint_url(&base, SVC_SSO, p->region, NULL, envp, NULL, err) < 0)
		return -1;
	buf_printf(&u, "%s/federation/credentials?role_name=", base);
	query_put(&u, p->role_name);
	buf_puts(&u, "&account_id=");
	query_put(&u, p->account_id);
	free(base);
	if (buf_oom(&u) || !(*out = buf_detach(&u))) {
		buf_free(&u);
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	}
	return 0;
}

/* Every key printable and non-empty (the token may be absent). */
static int role_keys_safe(const struct aws_creds *c)
{
	return *c->access_key_id && *c->secret_access_key &&
	       creds_value_safe(c->access_key_id, strlen(c->access_key_id)) &&
	       creds_value_safe(c->secret_access_key, strlen(c->secret_access_key)) &&
	       (!c->session_token || creds_value_safe(c->session_token, strlen(c->session_token)));
}

/* {"roleCredentials": {accessKeyId, secretAccessKey, sessionToken, expiration (ms)}} */
static int role_parse(struct aws_creds *out, const struct buf *b, struct shim_err *err)
{
	struct awsjson_where w = {.op = "GetRoleCredentials", .err = err};
	json_t *root = awsjson_load(&w, buf_cstr(b), b->len), *rc, *exp;
	struct aws_creds c = {.source = "sso"};
	int ok = -1;

	if (!root)
		return -1;
	rc = json_object_get(root, "roleCredentials");
	exp = json_object_get(rc, "expiration");
	if (!json_is_object(rc)) {
		awsjson_malformed(&w, "roleCredentials", "is missing or not an object");
		goto out;
	}
	snprintf(w.at, sizeof(w.at), "roleCredentials.");
	if (awsjson_get_string(&w, rc, "accessKeyId", 1, 0, &c.access_key_id, NULL) < 0 ||
	    awsjson_get_string(&w, rc, "secretAccessKey", 1, 0, &c.secret_access_key, NULL) < 0 ||
	    awsjson_get_string(&w, rc, "sessionToken", 0, 0, &c.session_token, NULL) < 0)
		goto out;
	if (!role_keys_safe(&c))
		awsjson_malformed(&w, "accessKeyId", "or another key is empty or not printable");
	else if (!json_is_number(exp) || json_number_value(exp) <= 0)
		awsjson_malformed(&w, "expiration", "is not a number of milliseconds");
	else
		ok = 0;
out:
	if (ok == 0) {
		c.expiration = (long long)(json_number_value(exp) / 1000);
		*out = c;
	} else {
		creds_free(&c);
	}
	json_decref(root);
	return ok;
}

/* GetRoleCredentials with the token: 1 with *out, -1 with err. */
static int portal_get(struct aws_creds *out, const struct token *t, const struct sso_params *p,
                      struct creds_ctx *ctx, struct shim_err *err)
{
	struct creds_response resp = {0};
	struct buf bearer = BUF_INIT;
	const char *headers[3] = {"Accept: application/json", NULL, NULL};
	char *url = NULL, why[sizeof(err->msg)];
	struct awserr ae;
	int rc = -1;

	buf_printf(&bearer, "x-amz-sso_bearer_token: %s", t->access);
	headers[1] = bearer.ptr;
	if (buf_oom(&bearer)) {
		shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		goto out;
	}
	if (portal_url(&url, p, ctx->envp, err) < 0 ||
	    ctx->fetch(ctx->fetch_ud, &resp,
	               &(struct creds_request){.method = "GET",
	                                       .url = url,
	                                       .headers = headers,
	                                       .timeout_ms = SSO_TIMEOUT_MS},
	               err) < 0)
		goto out;
	awserr_parse(&ae, resp.status, NULL, resp.body.ptr, resp.body.len);
	snprintf(why, sizeof(why), "the portal refused the token (HTTP %ld %s)", resp.status,
	         ae.code[0] ? ae.code : "UnauthorizedException");
	if (resp.status == 0)
		shim_err_set(err, SHIM_EX_UNAVAILABLE, "GetRoleCredentials: %s (%d attempts)",
		             resp.errmsg, resp.attempts);
	else if (resp.status == 401)
		login_hint(err, SHIM_EX_NOPERM, p, why);
	else if (resp.status != 200)
		shim_err_set(err,
		             resp.status >= 500 || ae.cls == AWSERR_THROTTLING ? SHIM_EX_UNAVAILABLE
		                                                               : SHIM_EX_NOPERM,
		             "GetRoleCredentials for role %s in account %s: HTTP %ld%s%s%s%s",
		             p->role_name, p->account_id, resp.status, ae.code[0] ? " " : "",
		             ae.code, ae.message[0] ? ": " : "", ae.message);
	else if (role_parse(out, &resp.body, err) == 0)
		rc = 1;
out:
	buf_free(&resp.body);
	buf_free(&bearer);
	free(url);
	return rc;
}

int sso_load(struct aws_creds *out, const struct sso_params *p, struct creds_ctx *ctx,
             struct shim_err *err)
{
	struct token t = {0};
	struct aws_creds c = {0};
	char why[sizeof(err->msg)];
	int rc = -1;

	if (params_check(p, err) < 0 || token_get(&t, p, ctx, err) < 0)
		goto out;
	if (!ctx->fetch)
		shim_err_set(err, SHIM_EX_UNAVAILABLE, "no HTTP client for the SSO portal");
	else if (portal_get(&c, &t, p, ctx, err) < 0)
		goto out;
	else if (c.expiration <= ctx->now)
		shim_err_set(err, SHIM_EX_NOPERM, "the portal's credentials have already expired");
	else {
		*out = c;
		c = (struct aws_creds){0};
		rc = 1;
	}
out:
	creds_free(&c);
	token_free(&t);
	if (rc < 0) {
		snprintf(why, sizeof(why), "%s", err->msg);
		shim_err_set(err, err->status, "profile %s: SSO: %s", p->profile, why);
	}
	return rc;
}
