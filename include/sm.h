/* Secrets Manager's JSON 1.1 bodies: requests built, responses parsed and matched back to
 * what was asked. Pure (jansson, libcrypto base64): the HTTP layer sends them. */
#ifndef SHIM_SM_H
#define SHIM_SM_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* One secret version as returned. Values are wiped on clear. */
struct sm_value {
	char *arn, *name;
	char *string;	       /* SecretString, or NULL */
	unsigned char *binary; /* decoded SecretBinary, or NULL */
	size_t binary_len;
};

/* A BatchGetSecretValue Errors[] entry. */
struct sm_error {
	char *secret_id, *code, *message;
};

struct sm_batch {
	struct sm_value *values;
	size_t n_values;
	struct sm_error *errors;
	size_t n_errors;
};

/* {"SecretIdList":[...]} (n <= 20) and {"SecretId":..,"VersionStage":..,"VersionId":..}. */
void sm_body_batch(struct buf *out, const char *const *ids, size_t n);
void sm_body_get(struct buf *out, const char *id, const char *stage, const char *version_id);

/* A response that is not what the API promises (not JSON, wrong member types, bad base64)
 * is the service failing: -1 with SHIM_EX_UNAVAILABLE and a message naming the operation
 * and the member, never a value. */
int sm_parse_get(struct sm_value *out, const char *body, size_t len, struct shim_err *err);
int sm_parse_batch(struct sm_batch *out, const char *body, size_t len, struct shim_err *err);

/* Does v answer the requested SecretId: its name, its ARN, or its ARN without the
 * 6-character suffix that Secrets Manager appends? */
int sm_value_matches(const struct sm_value *v, const char *requested_id);

void sm_value_clear(struct sm_value *v);
void sm_batch_clear(struct sm_batch *b);

#endif
