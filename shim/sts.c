/* STS's AssumeRole and AssumeRoleWithWebIdentity over the query protocol: form bodies, the
 * request (signed or not) sent through the credential context's fetch callback, and the XML
 * answer. Keys and tokens never reach a message; every copy is wiped before it is freed. */
#include "sts.h"

#include "awserr.h"
#include "endpoint.h"
#include "log.h"
#include "file.h"
#include "profile.h"
#include "sanitize.h"
#include "sigv4.h"
#include "wipe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STS_VERSION    "2011-06-15"
#define FORM_HEADER    "Content-Type: application/x-www-form-urlencoded; charset=utf-8"
#define TOKEN_FILE_MAX (64u << 10)
#define DEFAULT_REGION "us-east-1"

int sts_duration(int *out, const char *value, const char *who, struct shim_err *err)
{
	long v = 0;

	if (!value) {
		*out = 0;
		return 0;
	}
	for (const char *p = value; *p && v <= 43200; p++) {
		if (*p < '0' || *p > '9') {
			v = -1;
			break;
		}
		v = v * 10 + (*p - '0');
	}
	if (v < 900 || v > 43200)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "%s: duration_seconds must be a number of seconds from 900 to "
		                    "43200",
		                    who);
	*out = (int)v;
	return 0;
}

/* ---- bodies ------------------------------------------------------------------------------- */

static void form_put(struct buf *b, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_printf(b, "&%s=", name);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			buf_putc(b, (char)*p);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 15]);
		}
	}
}

static int body_common(struct buf *out, const char *action, const struct sts_role *r, long long now,
                       struct shim_err *err)
{
	char session[40];

	snprintf(session, sizeof(session), "covenant-shim-%lld", now);
	buf_printf(out, "Action=%s&Version=%s", action, STS_VERSION);
	form_put(out, "RoleArn", r->role_arn ? r->role_arn : "");
	form_put(out, "RoleSessionName", r->session_name ? r->session_name : session);
	if (r->duration > 0)
		buf_printf(out, "&DurationSeconds=%d", r->duration);
	return buf_oom(out) ? shim_err_set(err, SHIM_EX_INTERNAL, "out of memory") : 0;
}

int sts_body_assume_role(struct buf *out, const struct sts_role *r, long long now,
                         struct shim_err *err)
{
	if (body_common(out, "AssumeRole", r, now, err) < 0)
		return -1;
	if (r->external_id)
		form_put(out, "ExternalId", r->external_id);
	return buf_oom(out) ? shim_err_set(err, SHIM_EX_INTERNAL, "out of memory") : 0;
}

int sts_body_web_identity(struct buf *out, const struct sts_role *r, const char *token,
                          long long now, struct shim_err *err)
{
	if (body_common(out, "AssumeRoleWithWebIdentity", r, now, err) < 0)
		return -1;
	form_put(out, "WebIdentityToken", token);
	return buf_oom(out) ? shim_err_set(err, SHIM_EX_INTERNAL, "out of memory") : 0;
}

/* ---- the XML answer --------------------------------------------------------------------- */

/* The content of the first <tag> (or <tag attr...>) element inside [s, e): 1 with [*vs, *ve). */
static int xml_element(const char **vs, const char **ve, const char *s, const char *e,
                       const char *tag)
{
	size_t tl = strlen(tag);
	const char *p = s;

	while ((p = memchr(p, '<', (size_t)(e - p))) && (size_t)(e - p) > tl + 1) {
		const char *q = p + 1 + tl, *gt, *close;
		if (memcmp(p + 1, tag, tl) != 0 ||
		    (*q != '>' && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n')) {
			p++;
			continue;
		}
		if (!(gt = memchr(q, '>', (size_t)(e - q))) || gt[-1] == '/')
			return 0;
		for (close = gt + 1; (close = memchr(close, '<', (size_t)(e - close)));) {
			if ((size_t)(e - close) >= tl + 3 && close[1] == '/' &&
			    memcmp(close + 2, tag, tl) == 0 && close[2 + tl] == '>') {
				*vs = gt + 1;
				*ve = close;
				return 1;
			}
			close++;
		}
		return 0;
	}
	return 0;
}

static int xml_entity(char *out, size_t *o, const char *p, const char *e, size_t *used)
{
	static const char *const names[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
	static const char chars[] = "&<>\"'";

	for (size_t i = 0; i < 5; i++) {
		size_t n = strlen(names[i]);
		if ((size_t)(e - p) > n && memcmp(p + 1, names[i], n) == 0) {
			out[(*o)++] = chars[i];
			*used = n + 1;
			return 0;
		}
	}
	return -1; /* numeric references and the rest: not in a credential */
}

/* Decoded text of [s, e): a new string, or NULL when it holds markup, an unknown entity or a
 * control byte (it would end up in a header), or on OOM (*oom set). */
static char *xml_text(const char *s, const char *e, int *oom)
{
	char *out = malloc((size_t)(e - s) + 1);
	size_t o = 0, used;

	if (!out) {
		*oom = 1;
		return NULL;
	}
	for (const char *p = s; p < e; p += used) {
		used = 1;
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '<' ||
		    (*p == '&' && xml_entity(out, &o, p, e, &used) < 0)) {
			wipe_free(out, (size_t)(e - s) + 1);
			return NULL;
		}
		if (*p != '&')
			out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

/* One member of <Credentials>: 0 with *out (NULL when optional and absent), -1 with err. */
static int member(char **out, const char *s, const char *e, const char *tag, int required,
                  struct shim_err *err)
{
	const char *vs, *ve;
	int oom = 0;

	*out = NULL;
	if (!xml_element(&vs, &ve, s, e, tag))
		return required ? shim_err_set(err, SHIM_EX_UNAVAILABLE,
		                               "STS answer: Credentials has no %s", tag)
		                : 0;
	if (!(*out = xml_text(vs, ve, &oom)) || (required && !**out)) {
		wipe_free_str(*out);
		*out = NULL;
		return shim_err_set(
		        err, oom ? SHIM_EX_INTERNAL : SHIM_EX_UNAVAILABLE,
		        oom ? "out of memory"
		            : "STS answer: %s is empty or holds markup or control bytes",
		        tag);
	}
	return 0;
}

int sts_parse_credentials(struct aws_creds *out, const char *action, const char *body, size_t len,
                          struct shim_err *err)
{
	struct aws_creds c = {.source = strcmp(action, "AssumeRole") == 0 ? "assume-role"
	                                                                  : "web-identity"};
	const char *s = body ? body : "", *e = s + (body ? len : 0), *rs, *re, *cs, *ce;
	char result[64], *exp = NULL;
	int rc = -1;

	snprintf(result, sizeof(result), "%sResult", action);
	if (!xml_element(&rs, &re, s, e, result) || !xml_element(&cs, &ce, rs, re, "Credentials"))
		return shim_err_set(err, SHIM_EX_UNAVAILABLE, "STS answer: no %s > Credentials",
		                    result);
	if (member(&c.access_key_id, cs, ce, "AccessKeyId", 1, err) < 0 ||
	    member(&c.secret_access_key, cs, ce, "SecretAccessKey", 1, err) < 0 ||
	    member(&c.session_token, cs, ce, "SessionToken", 1, err) < 0 ||
	    member(&exp, cs, ce, "Expiration", 0, err) < 0)
		goto out;
	if (exp && (c.expiration = creds_parse_time(exp)) < 0) {
		shim_err_set(err, SHIM_EX_UNAVAILABLE,
		             "STS answer: Expiration is not an ISO-8601 UTC time");
		goto out;
	}
	*out = c;
	memset(&c, 0, sizeof(c));
	rc = 0;
out:
	free(exp);
	creds_free(&c);
	return rc;
}

/* ---- the calls -------------------------------------------------------------------------- */

/* The STS endpoint for this context and its Host header value; *plain_http when the user
 * configured a plain-http endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL), with a warning. */
static int sts_endpoint(char **url, char **host, int *plain_http, const char *region,
                        struct creds_ctx *ctx, struct shim_err *err)
{
	const char *configured = NULL;
	char *purl = NULL;
	int https, rc = -1;

	if (ctx->profiles &&
	    profile_endpoint_url(&purl, ctx->profiles, ctx->profile, "sts", err) < 0)
		return -1;
	if (endpoint_url_configured(url, &configured, plain_http, SVC_STS, region, NULL, ctx->envp,
	                            purl, err) == 0) {
		if (*plain_http)
			log_warn("%s: plain http to STS, as configured (use it only for a local "
			         "emulator)",
			         configured);
		rc = endpoint_host(host, &https, *url, err);
		if (rc < 0) {
			free(*url);
			*url = NULL;
		}
	}
	free(purl);
	return rc;
}

/* What a non-200 answer means: 69 when STS is unreachable or failing, 77 otherwise. */
static int sts_refused(const struct creds_response *resp, const char *action,
                       const struct sts_role *r, struct shim_err *err)
{
	struct awserr ae;
	char arn[120];
	int st;

	sanitize_quote(arn, sizeof(arn), r->role_arn, strlen(r->role_arn), 100);
	if (resp->status == 0)
		return shim_err_set(err, SHIM_EX_UNAVAILABLE, "%s: STS %s %s: %s (%d attempts)",
		                    r->who, action, arn, resp->errmsg, resp->attempts);
	awserr_parse(&ae, resp->status, NULL, resp->body.ptr, resp->body.len);
	st = ae.cls == AWSERR_THROTTLING || ae.cls == AWSERR_TRANSIENT || resp->status >= 500
	             ? SHIM_EX_UNAVAILABLE
	             : SHIM_EX_NOPERM;
	return shim_err_set(err, st, "%s: STS %s %s: %s%s%s (HTTP %ld)", r->who, action, arn,
	                    ae.code[0] ? ae.code : "error", ae.message[0] ? ": " : "", ae.message,
	                    resp->status);
}

/* Send the body (signed when `with` is given) and read the credentials. */
static int sts_call(struct aws_creds *out, const char *action, const struct buf *body,
                    const struct aws_creds *with, const struct sts_role *r, struct creds_ctx *ctx,
                    struct shim_err *err)
{
	const char *region = ctx->region ? ctx->region : DEFAULT_REGION;
	const char *plain[] = {FORM_HEADER, NULL};
	struct sigv4_credentials cr = {0};
	struct sigv4_signed sig = {0};
	struct creds_response resp = {0};
	struct shim_err pe = {0};
	char *url = NULL, *host = NULL;
	int rc = -1, plain_http = 0;

	if (!ctx->fetch)
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: STS needs the network", r->who);
	if (sts_endpoint(&url, &host, &plain_http, region, ctx, err) < 0)
		return -1;
	if (with) {
		cr = (struct sigv4_credentials){with->access_key_id, with->secret_access_key,
		                                with->session_token};
		if (sigv4_sign_form_request(
		            &sig, host, body->ptr, body->len,
		            &(struct sigv4_params){&cr, region, "sts", (time_t)ctx->now, 0},
		            err) < 0)
			goto out;
	}
	if (ctx->fetch(ctx->fetch_ud, &resp,
	               &(struct creds_request){.method = "POST",
	                                       .url = url,
	                                       .headers = with ? (const char *const *)sig.headers
	                                                       : plain,
	                                       .body = body->ptr,
	                                       .body_len = body->len,
	                                       .allow_http = plain_http},
	               err) < 0)
		goto out;
	if (resp.status != 200)
		sts_refused(&resp, action, r, err);
	else if (sts_parse_credentials(out, action, buf_cstr(&resp.body), resp.body.len, &pe) < 0)
		shim_err_set(err, pe.status, "%s: %s", r->who, pe.msg);
	else if (out->expiration && out->expiration <= ctx->now) {
		creds_free(out);
		shim_err_set(err, SHIM_EX_NOPERM,
		             "%s: STS %s: the credentials have already expired", r->who, action);
	} else
		rc = 1;
out:
	buf_free(&resp.body);
	sigv4_signed_free(&sig);
	free(url);
	free(host);
	return rc;
}

int sts_assume_role(struct aws_creds *out, const struct aws_creds *with, const struct sts_role *r,
                    struct creds_ctx *ctx, struct shim_err *err)
{
	struct buf body = BUF_INIT;
	int rc = -1;

	if (sts_body_assume_role(&body, r, ctx->now, err) == 0)
		rc = sts_call(out, "AssumeRole", &body, with, r, ctx, err);
	buf_free(&body);
	return rc;
}

/* The token: the file's content without trailing white space. */
static int read_token(char **out, size_t *len, const char *path, const char *who,
                      struct shim_err *err)
{
	struct shim_err fe = {0};
	size_t n;

	if (file_read(out, len, path, TOKEN_FILE_MAX, "web identity token file", &fe) < 0)
		return shim_err_set(err, fe.status == SHIM_EX_INTERNAL ? fe.status : SHIM_EX_NOPERM,
		                    "%s: %s", who, fe.msg);
	n = *len;
	while (n && strchr(" \t\r\n", (*out)[n - 1]))
		(*out)[--n] = '\0';
	if (n == 0 || strlen(*out) != n) {
		wipe_free(*out, *len);
		*out = NULL;
		return shim_err_set(
		        err, SHIM_EX_NOPERM,
		        "%s: the web identity token file %s is empty or holds a NUL byte", who,
		        path);
	}
	return 0;
}

int sts_web_identity(struct aws_creds *out, const struct sts_role *r, const char *token_file,
                     struct creds_ctx *ctx, struct shim_err *err)
{
	struct buf body = BUF_INIT;
	char *token = NULL;
	size_t len = 0;
	int rc = -1;

	if (read_token(&token, &len, token_file, r->who, err) < 0)
		return -1;
	if (sts_body_web_identity(&body, r, token, ctx->now, err) == 0)
		rc = sts_call(out, "AssumeRoleWithWebIdentity", &body, NULL, r, ctx, err);
	wipe_free(token, len);
	buf_free(&body);
	return rc;
}
