/* Secrets Manager's JSON 1.1 bodies (target prefix "secretsmanager."): requests built, responses
 * parsed strictly and matched back to what was asked. Pure: jansson only, no HTTP, no clock.
 * A global wiping jansson allocator (jsonval_init_allocator) is used when installed, not set. */
#ifndef SHIM_SM_H
#define SHIM_SM_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* One secret version as returned. Every pointer is owned by the struct; sm_value_free frees
 * them and wipes string and binary. A value may contain NUL bytes: it is kept whole with its
 * length (the resolver refuses it naming the variable), never truncated. */
struct sm_value {
	char *arn, *name; /* either may be NULL (absent), never both */
	char *version_id; /* NULL when absent */
	char *string;     /* SecretString (string_len bytes, then a NUL), or NULL */
	size_t string_len;
	unsigned char *binary; /* decoded SecretBinary (binary_len bytes, then a NUL), or NULL */
	size_t binary_len;
	char **stages; /* VersionStages; n_stages is 0 when absent */
	size_t n_stages;
};

/* A BatchGetSecretValue Errors[] entry: the id as requested, the error code ("" when absent)
 * and the message ("" when absent; control bytes replaced by '?', so it can be printed). */
struct sm_error {
	char *secret_id, *code, *message;
};

struct sm_batch {
	struct sm_value *values;
	size_t n_values;
	struct sm_error *errors;
	size_t n_errors;
};

/* Request bodies, appended to out; the caller sends them with X-Amz-Target
 * "secretsmanager.BatchGetSecretValue" / "secretsmanager.GetSecretValue".
 *   {"SecretIdList":[...]}                            1 <= n <= 20 ids
 *   {"SecretId":..,"VersionStage":..,"VersionId":..}  stage, version_id: NULL = absent
 * Return 0, or -1 with err: 65 when an id, stage or version is not valid UTF-8 (no JSON text
 * can carry it), 70 for a count outside 1..20 (a caller's bug) or out of memory (the buffer's
 * sticky OOM flag is then set). Messages never quote the ids. */
int sm_body_batch(struct buf *out, const char *const *ids, size_t n, struct shim_err *err);
int sm_body_get(struct buf *out, const char *id, const char *stage, const char *version_id,
                struct shim_err *err);

/* Parse a 2xx response body (body[0..len), no NUL needed). On success fill *out (the caller
 * frees it with sm_value_free or sm_batch_free) and return 0. A body that is not what the API
 * promises is the service failing: -1 with SHIM_EX_UNAVAILABLE (69) and one line naming the
 * operation and the member, e.g. "GetSecretValue: response member SecretString is not a string" or
 * "BatchGetSecretValue: response member SecretValues[2].SecretBinary is not valid base64"; never a
 * value. 70 when out of memory. *out is untouched on failure. Rules: the body is one JSON object
 * (duplicate keys refused); JSON null counts as absent; a value has a string ARN and/or Name,
 * SecretString and/or SecretBinary as strings (when both are sent, SecretString is used, as ECS
 * does), optional string VersionId and array of string VersionStages; SecretBinary is standard
 * base64 with exact '=' padding and zero pad bits; names, ARNs, ids and stages may not contain NUL.
 * Batch: SecretValues and Errors are arrays and at least one is present (every id asked for lands
 * in one; a service may leave an empty list out); an Errors entry is an object with a string
 * SecretId. Other members are ignored. */
int sm_parse_get(struct sm_value *out, const char *body, size_t len, struct shim_err *err);
int sm_parse_batch(struct sm_batch *out, const char *body, size_t len, struct shim_err *err);

/* Does v answer the requested SecretId?
 *   2: exactly - requested name == Name, or requested full ARN == ARN;
 *   1: as a partial ARN - ARN == requested + "-" + 6 letters or digits (the random suffix
 *      Secrets Manager appends), or, with no Name returned, the same test on a name;
 *   0: no.
 * A requested full ARN can also be a partial ARN of another secret whose name ends in
 * "-XXXXXX"; callers scanning a batch should prefer a 2 over a 1. */
int sm_value_matches(const struct sm_value *v, const char *requested_id);

/* Free everything, wiping string and binary; leave the struct zeroed. NULL-safe, idempotent. */
void sm_value_free(struct sm_value *v);
void sm_batch_free(struct sm_batch *b);

#endif
