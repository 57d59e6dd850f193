/* SSM Parameter Store's JSON 1.1 bodies: GetParameters and GetParametersByPath requests
 * and responses, and matching a returned parameter to the name that was asked for. */
#ifndef SHIM_SSM_H
#define SHIM_SSM_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

struct ssm_param {
	char *name, *arn, *value, *selector; /* value wiped on clear; selector may be NULL */
	long long version;
};

struct ssm_result {
	struct ssm_param *params;
	size_t n_params;
	char **invalid; /* InvalidParameters[], as requested */
	size_t n_invalid;
	char *next_token; /* GetParametersByPath: the next page, or NULL */
};

/* Names (<= 10, each may carry ":version" or ":label") with decryption. */
void ssm_body_get_parameters(struct buf *out, const char *const *names, size_t n);
/* Path, recursive, with decryption, 10 a page; next_token may be NULL. */
void ssm_body_by_path(struct buf *out, const char *path, const char *next_token);

/* Malformed responses: -1 with SHIM_EX_UNAVAILABLE naming the operation and member. */
int ssm_parse_get_parameters(struct ssm_result *out, const char *body, size_t len,
			     struct shim_err *err);
int ssm_parse_by_path(struct ssm_result *out, const char *body, size_t len,
		      struct shim_err *err);

/* Does p answer `requested` (a name or ARN, optionally with ":version" or ":label")? */
int ssm_param_matches(const struct ssm_param *p, const char *requested);

void ssm_result_clear(struct ssm_result *r);

#endif
