/* EC2 instance metadata (IMDSv2, reference/aws-protocol.md B5): the endpoint as the SDKs choose
 * it, a session token, the instance role and its credentials, and the instance's region.
 * Requests go through the caller's fetch callback with a short timeout and one attempt for the
 * token, so a laptop without IMDS gives up at once. The session token is wiped after use. */
#include "imds.h"

#include "buf.h"
#include "endpoint.h"
#include "env.h"
#include "log.h"
#include "sanitize.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ENV_DISABLED    "AWS_EC2_METADATA_DISABLED"
#define ENV_V1_DISABLED "AWS_EC2_METADATA_V1_DISABLED"
#define ENV_ENDPOINT    "AWS_EC2_METADATA_SERVICE_ENDPOINT"
#define ENV_MODE        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"
#define IMDS_IPV4       "http://169.254.169.254"
#define IMDS_IPV6       "http://[fd00:ec2::254]"
#define TIMEOUT_MS      1000L /* botocore's metadata_service_timeout */
#define TOKEN_TTL       "X-aws-ec2-metadata-token-ttl-seconds: 21600"
#define TOKEN_HEADER    "X-aws-ec2-metadata-token: "
#define TOKEN_MAX       1024
#define ROLE_MAX        128 /* IAM role names: [\w+=,.@-]{1,64}; a path may come first */
#define PATH_CREDS      "/latest/meta-data/iam/security-credentials/"
#define PATH_REGION     "/latest/meta-data/placement/region"

/* One conversation with IMDS: the base URL and the token header ("" for IMDSv1). */
struct session {
	char *base;
	struct buf token; /* "X-aws-ec2-metadata-token: ..." */
	struct creds_ctx *ctx;
};

static int is_true(const char *v)
{
	return v && strcasecmp(v, "true") == 0;
}

/* Why IMDS did not apply, for a caller that lists the providers it tried: status 0. */
static int note(struct shim_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int note(struct shim_err *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->status = 0;
	}
	return 0;
}

static int endpoint_given(char **out, const char *url, const char *source, struct shim_err *err)
{
	char *host = NULL, why[sizeof(err->msg)];
	size_t len = strlen(url);
	int https;

	if (endpoint_host(&host, &https, url, err) < 0) {
		snprintf(why, sizeof(why), "%s", err ? err->msg : "");
		return shim_err_set(err, SHIM_EX_DATA, "%s: invalid uri: %s", source, why);
	}
	free(host);
	if (len > 1 && url[len - 1] == '/')
		len--;
	if (!(*out = strndup(url, len)))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 0;
}

int imds_endpoint(char **out, const struct imds_params *p, char **envp, struct shim_err *err)
{
	const char *url = env_value(envp, ENV_ENDPOINT), *mode = env_value(envp, ENV_MODE);
	const char *src = ENV_ENDPOINT, *msrc = ENV_MODE;
	char shown[64];

	if (!url && p && p->endpoint && *p->endpoint)
		url = p->endpoint, src = "profile ec2_metadata_service_endpoint";
	if (url)
		return endpoint_given(out, url, src, err);
	if (!mode && p && p->endpoint_mode && *p->endpoint_mode)
		mode = p->endpoint_mode, msrc = "profile ec2_metadata_service_endpoint_mode";
	if (mode && strcasecmp(mode, "IPv4") != 0 && strcasecmp(mode, "IPv6") != 0) {
		sanitize_quote(shown, sizeof(shown), mode, strlen(mode), 40);
		return shim_err_set(err, SHIM_EX_DATA,
		                    "%s: \"%s\" is not a valid endpoint mode (IPv4 or IPv6)", msrc,
		                    shown);
	}
	*out = strdup(mode && strcasecmp(mode, "IPv6") == 0 ? IMDS_IPV6 : IMDS_IPV4);
	if (!*out)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 0;
}

static void session_free(struct session *s)
{
	free(s->base);
	buf_free(&s->token);
}

/* One request; -1 only when it cannot be made (a URL the client refuses). */
static int session_fetch(struct session *s, struct creds_response *resp, const char *method,
                         const char *path, int probe, struct shim_err *err)
{
	const char *headers[2] = {s->token.len ? s->token.ptr : NULL, NULL};
	struct buf url = BUF_INIT;
	char why[sizeof(err->msg)];
	int rc;

	if (strcmp(method, "PUT") == 0)
		headers[0] = TOKEN_TTL;
	buf_printf(&url, "%s%s", s->base, path);
	if (buf_oom(&url))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	rc = s->ctx->fetch(s->ctx->fetch_ud, resp,
	                   &(struct creds_request){.method = method,
	                                           .url = url.ptr,
	                                           .headers = headers,
	                                           .timeout_ms = TIMEOUT_MS,
	                                           .max_attempts = probe ? 1 : 0},
	                   err);
	buf_free(&url);
	if (rc < 0) {
		snprintf(why, sizeof(why), "%s", err ? err->msg : "");
		return shim_err_set(err, err && err->status ? err->status : SHIM_EX_DATA,
		                    "EC2 instance metadata: %s", why);
	}
	return 0;
}

/* A token body: printable, bounded. */
static int token_valid(const struct buf *b)
{
	if (b->len == 0 || b->len > TOKEN_MAX)
		return 0;
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->ptr[i] <= 0x20 || b->ptr[i] == 0x7f)
			return 0;
	return 1;
}

/* The token (IMDSv2), or IMDSv1 when the token call is refused as the SDKs allow:
 * 1 ready, 0 IMDS not there (err holds the note), -1 with err. */
static int session_token(struct session *s, struct shim_err *err)
{
	struct creds_response resp = {0};
	int rc = 1;

	if (session_fetch(s, &resp, "PUT", "/latest/api/token", 1, err) < 0)
		return -1;
	if (resp.status == 0)
		rc = note(err, "EC2 instance metadata: no answer (%s)", resp.errmsg);
	else if (resp.status == 200 && token_valid(&resp.body))
		buf_printf(&s->token, TOKEN_HEADER "%s", resp.body.ptr);
	else if (resp.status == 200)
		rc = shim_err_set(err, SHIM_EX_UNAVAILABLE,
		                  "EC2 instance metadata: the session token is malformed");
	else if ((resp.status == 403 || resp.status == 404 || resp.status == 405) &&
	         !is_true(env_value(s->ctx->envp, ENV_V1_DISABLED)))
		log_debug("EC2 instance metadata: token refused (HTTP %ld), using IMDSv1",
		          resp.status);
	else
		rc = shim_err_set(err, resp.status >= 500 ? SHIM_EX_UNAVAILABLE : SHIM_EX_NOPERM,
		                  "EC2 instance metadata: the token request was answered HTTP %ld",
		                  resp.status);
	buf_free(&resp.body);
	if (rc > 0 && buf_oom(&s->token))
		rc = shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return rc;
}

/* 1 with a session, 0 when IMDS is disabled or absent (err holds the note), -1 with err. */
static int session_open(struct session *s, const struct imds_params *p, struct creds_ctx *ctx,
                        struct shim_err *err)
{
	int rc;

	*s = (struct session){.ctx = ctx};
	if (is_true(env_value(ctx->envp, ENV_DISABLED)))
		return note(err, "EC2 instance metadata: disabled by %s", ENV_DISABLED);
	if (!ctx->fetch)
		return note(err, "EC2 instance metadata: no HTTP client");
	if (imds_endpoint(&s->base, p, ctx->envp, err) < 0)
		return -1;
	if ((rc = session_token(s, err)) <= 0)
		session_free(s);
	return rc;
}

/* GET path: 1 with the 200 body in *out, 0 on 404 (err holds the note), -1 with err. */
static int session_get(struct buf *out, struct session *s, const char *path, const char *what,
                       struct shim_err *err)
{
	struct creds_response resp = {0};
	int rc = -1;

	if (session_fetch(s, &resp, "GET", path, 0, err) < 0)
		return -1;
	if (resp.status == 200) {
		*out = resp.body;
		return 1;
	}
	if (resp.status == 0)
		shim_err_set(err, SHIM_EX_UNAVAILABLE,
		             "EC2 instance metadata: %s: %s (%d attempts)", what, resp.errmsg,
		             resp.attempts);
	else if (resp.status == 404) {
		note(err, "EC2 instance metadata: no %s", what);
		rc = 0;
	} else
		shim_err_set(err, resp.status >= 500 ? SHIM_EX_UNAVAILABLE : SHIM_EX_NOPERM,
		             "EC2 instance metadata: %s: HTTP %ld", what, resp.status);
	buf_free(&resp.body);
	return rc;
}

/* The role name: the first line of the listing, as the SDKs take it. */
static int role_take(char *role, const struct buf *b, struct shim_err *err)
{
	size_t n = strcspn(buf_cstr(b), "\r\n");

	if (n == 0 || n > ROLE_MAX ||
	    n != strspn(b->ptr, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	                        "opqrstuvwxyz0123456789+=,.@_-"))
		return shim_err_set(err, SHIM_EX_UNAVAILABLE,
		                    "EC2 instance metadata: the instance role name is malformed");
	memcpy(role, b->ptr, n);
	role[n] = '\0';
	return 0;
}

static int load_role(struct aws_creds *out, struct session *s, struct shim_err *err)
{
	struct buf body = BUF_INIT, path = BUF_INIT;
	struct aws_creds c = {0};
	char role[ROLE_MAX + 1];
	int rc;

	if ((rc = session_get(&body, s, PATH_CREDS, "instance role", err)) <= 0)
		return rc;
	rc = role_take(role, &body, err);
	buf_free(&body);
	if (rc < 0)
		return -1;
	buf_printf(&path, PATH_CREDS "%s", role);
	if (buf_oom(&path))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	rc = session_get(&body, s, path.ptr, "credentials of the instance role", err);
	buf_free(&path);
	if (rc <= 0)
		return rc < 0 ? -1
		              : shim_err_set(err, SHIM_EX_NOPERM,
		                             "EC2 instance metadata: no credentials for "
		                             "instance role %s",
		                             role);
	rc = creds_parse_endpoint(&c, buf_cstr(&body), body.len,
	                          "EC2 instance metadata credentials", "imds", err);
	buf_free(&body);
	if (rc < 0)
		return -1;
	if (c.expiration && c.expiration <= s->ctx->now) {
		creds_free(&c);
		return shim_err_set(
		        err, SHIM_EX_NOPERM,
		        "EC2 instance metadata: the credentials of instance role %s have "
		        "already expired",
		        role);
	}
	*out = c;
	return 1;
}

int imds_load(struct aws_creds *out, const struct imds_params *p, struct creds_ctx *ctx,
              struct shim_err *err)
{
	struct session s;
	int rc;

	if ((rc = session_open(&s, p, ctx, err)) <= 0)
		return rc;
	rc = load_role(out, &s, err);
	session_free(&s);
	return rc;
}

int imds_region(char **out, const struct imds_params *p, struct creds_ctx *ctx,
                struct shim_err *err)
{
	struct session s;
	struct buf body = BUF_INIT;
	struct shim_err bad = {0};
	int rc;

	if ((rc = session_open(&s, p, ctx, err)) <= 0)
		return rc;
	rc = session_get(&body, &s, PATH_REGION, "region", err);
	session_free(&s);
	if (rc <= 0)
		return rc;
	while (body.len && (body.ptr[body.len - 1] == '\n' || body.ptr[body.len - 1] == '\r'))
		body.ptr[--body.len] = '\0';
	if (strlen(buf_cstr(&body)) != body.len ||
	    endpoint_region_check(buf_cstr(&body), "EC2 instance metadata", &bad) < 0) {
		buf_free(&body);
		return shim_err_set(err, SHIM_EX_UNAVAILABLE, "%s",
		                    bad.msg[0] ? bad.msg
		                               : "EC2 instance metadata: the region is malformed");
	}
	if (!(*out = buf_detach(&body)))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 1;
}
