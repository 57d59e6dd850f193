/* AWS credentials (DESIGN.md 5.2): the provider chain, environment keys, and the ECS/EKS
 * container provider's request (URL, Authorization) and response. No network I/O here: a
 * provider that needs an endpoint asks the context's fetch callback (the backend's HTTP client)
 * and parses what it hands back; the only I/O is reading AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE. */
#ifndef SHIM_CREDS_H
#define SHIM_CREDS_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

struct aws_creds {
	char *access_key_id, *secret_access_key, *session_token; /* owned; wiped on clear */
	long long expiration;                                    /* unix seconds, 0 = none */
	const char *source; /* static string naming the provider: "environment", "container" */
};

/* Wipe and free the strings and zero the struct; safe on a zeroed or cleared struct. */
void creds_free(struct aws_creds *c);

/* Environment keys: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); empty
 * values count as unset. Returns 1 with *out filled (overwritten, not freed: pass a zeroed or
 * cleared struct), 0 when neither key is set, -1 with SHIM_EX_NOPERM (77) when only one of
 * the pair is set (the message names the missing variable), or -1 with SHIM_EX_DATA (65)
 * when a value holds a control byte (it would end up in a header; the message names the
 * variable only). 70 on OOM. */
int creds_from_env(struct aws_creds *out, char **envp, struct shim_err *err);

/* The container endpoint's request, as the SDKs build it. */
struct creds_http {
	char *url;           /* owned */
	char *authorization; /* owned; NULL when none; wiped on clear */
};

/* ECS/EKS container credentials, configured from envp:
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (must start with '/') -> http://169.254.170.2<uri>;
 * else AWS_CONTAINER_CREDENTIALS_FULL_URI, allowed when https, or http to a host that
 * endpoint_host_class finds loopback (127.0.0.0/8, [::1], "localhost") or container
 * (169.254.170.2, 169.254.170.23, [fd00:ec2::23]), as the SDKs allow (literals only: nothing
 * is resolved). The Authorization value is the content of the file
 * named by AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (preferred; at most 4096 bytes) else
 * AWS_CONTAINER_AUTHORIZATION_TOKEN, for either URI; a token with CR, LF or another control
 * byte is refused (so is a trailing newline, as botocore does). Empty variables are unset.
 * Returns 1 with *out filled (caller releases it with creds_http_free), 0 when neither URI
 * variable is set, -1 with SHIM_EX_DATA (65) on a bad configuration (the message names the
 * variable, never the token); 70 on OOM. *out is set only when 1 is returned. */
int creds_container_request(struct creds_http *out, char **envp, struct shim_err *err);

/* Free both strings (the authorization wiped first) and zero the struct. */
void creds_http_free(struct creds_http *r);

/* Parse the container endpoint's JSON body: AccessKeyId and SecretAccessKey (required,
 * non-empty strings), Token and Expiration (optional strings; Expiration per
 * creds_parse_time). Returns 0 with *out filled (source "container"; overwritten, not freed).
 * -1 with SHIM_EX_NOPERM (77) for an error shape: {"code", "message"} without keys, or a
 * "Code" other than "Success" (IMDS style); the message quotes the endpoint's code and
 * message (sanitised, truncated), never a key. -1 with SHIM_EX_UNAVAILABLE (69) when the
 * body is malformed: not a JSON object, duplicate keys, wrong types, missing or empty keys,
 * control bytes in a value, or an unparseable Expiration. 70 on OOM. */
int creds_parse_container(struct aws_creds *out, const char *body, size_t len,
                          struct shim_err *err);

/* creds_parse_container's rules for another endpoint of the same shape (IMDS): what names it in
 * messages ("IMDS credentials"), source is the static provider name put in *out. */
int creds_parse_endpoint(struct aws_creds *out, const char *body, size_t len, const char *what,
                         const char *source, struct shim_err *err);

/* 1 when s[0..len) can go into an HTTP header: no CR, LF, NUL or other control byte. */
int creds_value_safe(const char *s, size_t len);

/* Copies of id, secret and token (NULL: none) into *out with expiration and source (a static
 * string), all or nothing: 0, or -1 with 70 on OOM (*out untouched). For the providers. */
int creds_set(struct aws_creds *out, const char *id, const char *secret, const char *token,
              long long expiration, const char *source, struct shim_err *err);

/* ISO-8601 / RFC 3339 timestamp -> unix seconds: "YYYY-MM-DDTHH:MM:SS" ('T' or 't'),
 * optional fraction ".ddd" (dropped), then 'Z', 'z' or a "+HH:MM" / "-HH:MM" offset. Years
 * 1970..9999; second 60 (leap) is accepted. -1 when malformed or out of range. */
long long creds_parse_time(const char *s);

/* ---- the provider chain ------------------------------------------------------------------ */

/* What a fetch callback hands back: the final outcome of one request, retries included. */
struct creds_response {
	long status;      /* HTTP status; 0 when no response arrived (errmsg says why) */
	struct buf body;  /* owned by the receiver, which frees it (buf_free wipes it) */
	int attempts;     /* attempts made */
	char errmsg[256]; /* transport error text when status is 0; never body bytes */
};

/* A request on the provider's behalf (the AWS backend's sends it through http.c). headers are
 * "Name: value" strings, NULL-terminated, or NULL. 0 with *out filled (a zeroed struct on
 * entry), whatever the HTTP status or transport outcome; -1 with err only when the request
 * cannot be made at all (a URL http_url_check refuses, libcurl failing, out of memory). */
/* One request a provider sends (the container endpoint, IMDS, STS, the SSO portal). */
struct creds_request {
	const char *method, *url;
	const char *const *headers; /* "Name: value", NULL-terminated; or NULL */
	const char *body;           /* or NULL */
	size_t body_len;
	long timeout_ms;  /* connect and transfer, per attempt; 0: the client's defaults */
	int max_attempts; /* 0: the client's retry policy; 1: no retry (IMDS probing) */
	int allow_http;   /* plain http to any host: an endpoint the user configured (5.4) */
};
typedef int (*creds_fetch_fn)(void *ud, struct creds_response *out, const struct creds_request *rq,
                              struct shim_err *err);

struct profile_set;

/* What providers may consult. */
struct creds_ctx {
	char **envp;
	long long now;        /* unix seconds: credentials expiring at or before it are refused */
	creds_fetch_fn fetch; /* NULL: providers that need the network report "not configured" */
	void *fetch_ud;       /* passed to fetch */
	const struct profile_set *profiles; /* the shared config files, or NULL: none */
	const char *profile;                /* the profile that applies (profile_select) */
	int profile_explicit;               /* --profile or AWS_PROFILE named it */
	const char *region;                 /* STS's region; NULL: us-east-1 */
	char why[160]; /* a provider that returns 0 may say here why it did not apply */
};

/* One source of credentials. load returns 1 with *out filled (a zeroed struct on entry), 0
 * when the source is not configured (the chain goes on), or -1 with err (the chain stops: a
 * configured source that fails is not skipped, as in the SDKs). */
struct creds_provider {
	const char *name;
	int (*load)(struct aws_creds *out, struct creds_ctx *ctx, struct shim_err *err);
};

/* DESIGN.md 5.2's order: environment keys, web identity, the profile (profile_select's, as
 * ctx->profile), ECS/EKS container credentials, EC2 instance metadata. Terminated by an entry
 * whose load is NULL. */
extern const struct creds_provider creds_chain[];

/* --profile NAME: that profile's chain alone. */
extern const struct creds_provider creds_chain_profile[];

struct profile_chain;

/* Which source ctx->profile uses (profile_chain), or why it applies not at all: 1 with *out
 * filled, 0 with ctx->why set when the profile is absent (and was not named by --profile or
 * AWS_PROFILE) or has no credential setting, -1 with err (77) when it was named and is
 * absent, or its settings do not make a chain. */
int creds_profile_resolve(struct profile_chain *out, struct creds_ctx *ctx, struct shim_err *err);

/* Walk chain (NULL: creds_chain) in order; the first provider that finds credentials wins.
 * 0 with *out filled (caller releases it with creds_free; out->source names the provider), or -1
 * with err: a provider's failure, or SHIM_EX_NOPERM (77) "no AWS credentials found: NAME: why;
 * NAME: why..." naming each provider tried and why it did not apply. *out is set only when 0 is
 * returned. */
int creds_chain_load(struct aws_creds *out, const struct creds_provider *chain,
                     struct creds_ctx *ctx, struct shim_err *err);

/* The chain's container provider on its own: the request of creds_container_request sent
 * through ctx->fetch, the answer parsed by creds_parse_container. -1 with SHIM_EX_UNAVAILABLE
 * (69) when no answer came or the endpoint answered 5xx, SHIM_EX_NOPERM (77) for another
 * non-200 status or credentials that have already expired. */
int creds_from_container(struct aws_creds *out, struct creds_ctx *ctx, struct shim_err *err);

#endif
