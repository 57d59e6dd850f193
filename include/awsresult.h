/* What an AWS call's answer means for the plan (DESIGN.md 5.1, 5.5): the outcome of one
 * Secrets Manager or SSM call (a transport failure, an error response, or a body) turned into
 * values and failures of its fetches, written only through plan_fetch_*. Pure: no I/O. */
#ifndef SHIM_AWSRESULT_H
#define SHIM_AWSRESULT_H

#include <stddef.h>

#include "err.h"
#include "http.h"
#include "plan.h"

enum aws_op { AWS_OP_BATCH_SECRETS, AWS_OP_GET_SECRET, AWS_OP_GET_PARAMS, AWS_OP_BY_PATH };

/* The API name: "BatchGetSecretValue", "GetSecretValue", "GetParameters",
 * "GetParametersByPath". Static string. */
const char *awsresult_op_name(enum aws_op op);

/* What the caller does next with the call. */
enum awsresult_next {
	AWSRESULT_DONE = 0,      /* every fetch of the call is answered (value or failure) */
	AWSRESULT_NEXT_PAGE = 1, /* GetParametersByPath: ask for *next_token's page next */
	AWSRESULT_FALL_BACK = 2, /* BatchGetSecretValue denied: nothing written; send one
	                          * GetSecretValue per fetch instead */
};

/* Apply the outcome rq of one op call (rq->status, resp, error_type, attempts, deadline_hit,
 * errmsg and url are read) to the n fetches of p at indexes fetches[] (a GetSecretValue or a
 * GetParametersByPath call has one). A transport failure or a malformed body fails every fetch
 * of the call (69); an error response fails them with awserr's status; a secret or parameter
 * the answer does not mention fails with 69. For GetParametersByPath, *next_token (owned; may
 * be NULL) is replaced by the answer's NextToken. Returns an enum awsresult_next, or -1 with
 * err (SHIM_EX_INTERNAL) on out of memory. */
int awsresult_apply(struct plan *p, enum aws_op op, const size_t *fetches, size_t n,
                    const struct http_req *rq, char **next_token, struct shim_err *err);

#endif
