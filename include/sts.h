/* AWS STS over the query protocol (reference/aws-protocol.md B5): AssumeRole, SigV4-signed with
 * the credentials it is given, and AssumeRoleWithWebIdentity, unsigned; their form bodies and
 * the XML answer (credentials, or an error mapped to 77 or 69). No libcurl: requests go through
 * the credential context's fetch callback. */
#ifndef SHIM_STS_H
#define SHIM_STS_H

#include <stddef.h>

#include "buf.h"
#include "creds.h"
#include "err.h"

/* One role to assume. Pointers are borrowed. */
struct sts_role {
	const char *who;          /* for messages: "profile dev", "web identity" */
	const char *role_arn;     /* required */
	const char *session_name; /* NULL: "covenant-shim-<unix seconds>" */
	const char *external_id;  /* or NULL (AssumeRole only) */
	int duration;             /* seconds (900..43200); 0: STS's default, one hour */
};

/* duration_seconds of a profile: 0 with *out set, or -1 with 77 naming who when it is not a
 * whole number of seconds from 900 to 43200. NULL value: *out = 0. */
int sts_duration(int *out, const char *value, const char *who, struct shim_err *err);

/* The form bodies ("Action=AssumeRole&Version=2011-06-15&RoleArn=...", values percent-encoded
 * as RFC 3986 unreserved). now names the default session. token is the web identity token.
 * Appended to out; -1 with 70 on OOM. The body holds the token: buf_free wipes it. */
int sts_body_assume_role(struct buf *out, const struct sts_role *r, long long now,
                         struct shim_err *err);
int sts_body_web_identity(struct buf *out, const struct sts_role *r, const char *token,
                          long long now, struct shim_err *err);

/* The credentials of a 200 answer to action ("AssumeRole" or "AssumeRoleWithWebIdentity"):
 * <actionResult><Credentials> AccessKeyId, SecretAccessKey, SessionToken (required, non-empty,
 * no control byte after the XML entities are decoded), Expiration (ISO-8601, optional). body
 * need not be NUL-terminated. 0 with *out filled (source "assume-role" or "web-identity";
 * free it with creds_free), -1 with 69 for anything else, 70 on OOM. Never a key in err. */
int sts_parse_credentials(struct aws_creds *out, const char *action, const char *body, size_t len,
                          struct shim_err *err);

/* AssumeRole signed with `with`, at the regional STS endpoint of ctx->region (us-east-1 when
 * NULL), or AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL / the profile's sts endpoint. 1 with *out
 * filled, or -1 with err naming r->who and the role: 69 when STS cannot be reached or fails
 * (5xx, throttling), 77 for every refusal, credentials already expired included. */
int sts_assume_role(struct aws_creds *out, const struct aws_creds *with, const struct sts_role *r,
                    struct creds_ctx *ctx, struct shim_err *err);

/* AssumeRoleWithWebIdentity with the token read from token_file (trailing white space dropped).
 * The same results; a token file that cannot be read or is empty is 77. */
int sts_web_identity(struct aws_creds *out, const struct sts_role *r, const char *token_file,
                     struct creds_ctx *ctx, struct shim_err *err);

#endif
