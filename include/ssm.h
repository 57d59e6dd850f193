/* SSM Parameter Store's JSON 1.1 bodies (target prefix "AmazonSSM."): GetParameters and
 * GetParametersByPath requests and responses, and matching a returned parameter to the name
 * that was asked for. Pure: jansson only, no HTTP, no clock. */
#ifndef SHIM_SSM_H
#define SHIM_SSM_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* One parameter as returned; every pointer owned by the result. value may contain NUL bytes:
 * it is kept whole with its length (the resolver refuses it naming the variable). */
struct ssm_param {
	char *name;  /* Name: "/a/b", "x", or for a shared parameter its ARN */
	char *arn;   /* NULL when absent */
	char *type;  /* "String", "StringList", "SecureString"; NULL when absent */
	char *value; /* value_len bytes, then a NUL; wiped on clear */
	size_t value_len;
	char *selector;    /* ":3" or ":label" as echoed for a selected name; NULL when absent */
	long long version; /* 0 when absent */
};

struct ssm_result {
	struct ssm_param *params;
	size_t n_params;
	char **invalid; /* GetParameters' InvalidParameters[], as requested */
	size_t n_invalid;
	char *next_token; /* GetParametersByPath: the next page's token, or NULL on the last */
};

/* Request bodies, appended to out; sent with X-Amz-Target "AmazonSSM.GetParameters" /
 * "AmazonSSM.GetParametersByPath".
 *   {"Names":[...],"WithDecryption":true}    1 <= n <= 10 names, each may end in a selector
 *   {"Path":..,"Recursive":true,"WithDecryption":true,"MaxResults":10[,"NextToken":..]}
 * Return 0, or -1 with err: 65 when a name, path or token is not valid UTF-8, 70 for a count
 * outside 1..10 (a caller's bug) or out of memory (the buffer's OOM flag is then set). */
int ssm_body_get_parameters(struct buf *out, const char *const *names, size_t n,
                            struct shim_err *err);
int ssm_body_by_path(struct buf *out, const char *path, const char *next_token,
                     struct shim_err *err);

/* Parse a 2xx body (body[0..len), no NUL needed) into *out (the caller frees it with
 * ssm_result_free); 0 on success. A body that is not what the API promises is the service failing:
 * -1 with SHIM_EX_UNAVAILABLE (69) and one line naming the operation and member, e.g.
 * "GetParameters: response member Parameters is not an array" or "GetParametersByPath:
 * response member Parameters[3].Value is missing"; never a value. 70 when out of memory.
 * *out is untouched on failure.
 * Rules: one JSON object (duplicate keys refused); null counts as absent; each parameter is an
 * object with string Name and Value, optional string ARN, Type and Selector, optional integer
 * Version; names, ARNs, types, selectors and tokens may not contain NUL. GetParameters needs
 * Parameters or InvalidParameters (every name asked for lands in one; a service may leave an
 * empty list out), both arrays; its NextToken is ignored. GetParametersByPath: Parameters
 * missing is an empty page; NextToken "" is the same as absent. */
int ssm_parse_get_parameters(struct ssm_result *out, const char *body, size_t len,
                             struct shim_err *err);
int ssm_parse_by_path(struct ssm_result *out, const char *body, size_t len, struct shim_err *err);

/* Does p answer `requested`, a name ("/a/b", "x") or ARN ("arn:aws:ssm:R:A:parameter/a/b"
 * for "/a/b", ".../parameter/x" for "x"), optionally followed by a selector (":3" or
 * ":label")? Leading and trailing spaces of requested are ignored, as SSM does. The name part
 * matches when it equals Name or ARN, or for a requested ARN when the part after "parameter"
 * equals Name with or without its leading '/'. Selector: none requested matches only a
 * parameter that echoes none (one echoing ":1" answered another request); ":N" matches
 * Selector ":N" or Version N; ":label" matches only Selector ":label". 1 or 0. */
int ssm_param_matches(const struct ssm_param *p, const char *requested);

/* Free everything, wiping values; leave the struct zeroed. NULL-safe, idempotent. */
void ssm_result_free(struct ssm_result *r);

#endif
