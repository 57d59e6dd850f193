/* AWS Signature Version 4, header mode (reference/aws-protocol.md A): canonical request, string
 * to sign, signing key and Authorization header. Pure: no clock (the time is a parameter), no
 * I/O, no libcurl; OpenSSL libcrypto hashes. Canonicalises like the aws-c-auth v4 vectors. */
#ifndef SHIM_SIGV4_H
#define SHIM_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "err.h"

/* One request header. Names are matched case-insensitively; values are trimmed and their
 * whitespace runs (folded continuation lines included) collapse to one space when signed. */
struct sigv4_header {
	const char *name;
	const char *value;
};

/* The request to sign; every pointer is borrowed for the duration of the call. */
struct sigv4_request {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* as sent, not yet canonically encoded: "/", "/example space/";
	                       NULL or "" mean "/" */
	const char *query;  /* after the '?', as sent; %XX escapes are decoded and
	                       re-encoded canonically; NULL or "" for none */
	const struct sigv4_header *headers; /* in send order; must contain Host */
	size_t nheaders;
	const void *payload; /* may be NULL when payload_len is 0 */
	size_t payload_len;
};

struct sigv4_credentials {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "" for long-term keys */
};

enum sigv4_flags {
	/* Remove dot segments and duplicate slashes from the path (every service but S3). */
	SIGV4_NORMALIZE_PATH = 1 << 0,
	/* Add X-Amz-Security-Token after signing instead of signing it (vector
	 * post-sts-header-after; only some services accept that). */
	SIGV4_TOKEN_UNSIGNED = 1 << 1,
	/* Add and sign X-Amz-Content-Sha256 carrying the payload hash. */
	SIGV4_SIGN_BODY_HASH = 1 << 2,
};

/* Who signs, for which scope, when. Pointers are borrowed. */
struct sigv4_params {
	const struct sigv4_credentials *creds;
	const char *region;  /* "us-east-1" */
	const char *service; /* signing name: "secretsmanager", "ssm", "sts" */
	time_t when;         /* the request time, UTC seconds */
	unsigned flags;      /* enum sigv4_flags */
};

/* A signature and everything needed to send it. All memory is owned by the struct and
 * released (wiped first: it holds the session token) by sigv4_signed_free. */
struct sigv4_signed {
	char amz_date[17];       /* X-Amz-Date value, "YYYYMMDDTHHMMSSZ" */
	char payload_hash[65];   /* lowercase hex SHA-256 of the payload */
	char signature[65];      /* lowercase hex */
	char *canonical_request; /* no trailing newline, as in the vectors */
	char *string_to_sign;
	char *signed_headers; /* "host;x-amz-date" */
	char *authorization;  /* the Authorization header value */
	/* NULL-terminated "Name: value" lines the caller must add to the request it described,
	 * in this order: X-Amz-Date, [X-Amz-Content-Sha256], [X-Amz-Security-Token],
	 * Authorization. The sigv4_sign_*_request helpers put their Host, Content-Type and
	 * X-Amz-Target first, so there the list is the complete set of headers to send. */
	char **headers;
	size_t nheaders;
};

/* Sign `req`. On success fills *out (release with sigv4_signed_free) and returns 0; on failure
 * returns -1 with err set (SHIM_EX_NOPERM for missing or malformed credentials, SHIM_EX_DATA
 * for other input that cannot be signed or sent as given, SHIM_EX_INTERNAL for out of memory
 * or a libcrypto failure) and leaves *out untouched.
 * The caller's headers must not contain Authorization or X-Amz-Date, nor the headers the
 * signer adds because of the credentials and flags. Error messages never contain a key,
 * token or header value. */
int sigv4_sign(struct sigv4_signed *out, const struct sigv4_request *req,
               const struct sigv4_params *params, struct shim_err *err);

/* POST / with a JSON 1.1 body (Secrets Manager, SSM): signs host, content-type
 * (application/x-amz-json-1.1), x-amz-date, x-amz-target and, with a session token,
 * x-amz-security-token. `host` is the Host header value exactly as it will be sent: with
 * ":port" when the port is not the scheme's default. `target` is e.g.
 * "secretsmanager.GetSecretValue". out->headers is the complete header set to send. */
int sigv4_sign_json_request(struct sigv4_signed *out, const char *host, const char *target,
                            const void *body, size_t body_len, const struct sigv4_params *params,
                            struct shim_err *err);

/* POST / with a form body (STS, the query protocol): signs host, content-type
 * (application/x-www-form-urlencoded; charset=utf-8), x-amz-date and, with a session token,
 * x-amz-security-token. out->headers is the complete header set to send, Host and
 * Content-Type first. */
int sigv4_sign_form_request(struct sigv4_signed *out, const char *host, const void *body,
                            size_t body_len, const struct sigv4_params *params,
                            struct shim_err *err);

/* Wipe and free everything in *s and zero it; NULL and an already-freed struct are fine. */
void sigv4_signed_free(struct sigv4_signed *s);

#endif
