/* Unit tests for shim/awsresult.c: canned AWS answers (batches with values and errors,
 * GetParameters with invalid names and selectors, GetParametersByPath pages, error responses,
 * transport failures, malformed bodies) and what they write into the plan. */
#include "awsresult.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#define ARN "arn:aws:secretsmanager:us-east-1:123456789012:secret:"

/* A plan of fetches built by hand (the backend's view: ids, selectors, regions). */
static struct fetch *add(struct plan *p, enum fetch_kind kind, const char *id, const char *sel)
{
	struct fetch *f;

	if (!p->f) {
		p->cap = 16;
		p->f = calloc(p->cap, sizeof(*p->f));
	}
	f = &p->f[p->n++];
	*f = (struct fetch){
	        .kind = kind, .id = id, .name = id, .selector = sel, .region = "us-east-1"};
	return f;
}

/* A canned outcome: status 200 (or another) with a body. */
static struct http_req answer(long status, const char *error_type, const char *body, int attempts)
{
	struct http_req rq = {.method = "POST", .url = "https://ssm.us-east-1.amazonaws.com"};

	rq.status = status;
	rq.attempts = attempts;
	rq.error_type = error_type ? strdup(error_type) : NULL;
	if (body)
		buf_puts(&rq.resp, body);
	return rq;
}

static int apply(struct plan *p, enum aws_op op, const size_t *idx, size_t n, struct http_req *rq,
                 char **token)
{
	struct shim_err err = {0};
	char *none = NULL;
	int rc = awsresult_apply(p, op, idx, n, rq, token ? token : &none, &err);

	free(none);
	http_req_free(rq);
	return rc;
}

#define CHECK_VALUE(f, want)                                                                       \
	do {                                                                                       \
		CHECK_INT((f)->done, 1);                                                           \
		CHECK_INT((f)->fail.status, 0);                                                    \
		CHECK_STR((f)->value, want);                                                       \
	} while (0)

#define CHECK_FAIL(f, st, text)                                                                    \
	do {                                                                                       \
		CHECK_INT((f)->done, 1);                                                           \
		CHECK_INT((f)->fail.status, st);                                                   \
		CHECK((f)->value == NULL);                                                         \
		if (!strstr((f)->fail.msg, text))                                                  \
			fprintf(stderr, "  message: %s\n", (f)->fail.msg);                         \
		CHECK(strstr((f)->fail.msg, text) != NULL);                                        \
	} while (0)

static void test_op_names(void)
{
	CHECK_STR(awsresult_op_name(AWS_OP_BATCH_SECRETS), "BatchGetSecretValue");
	CHECK_STR(awsresult_op_name(AWS_OP_GET_SECRET), "GetSecretValue");
	CHECK_STR(awsresult_op_name(AWS_OP_GET_PARAMS), "GetParameters");
	CHECK_STR(awsresult_op_name(AWS_OP_BY_PATH), "GetParametersByPath");
}

static void test_batch_values_and_errors(void)
{
	struct plan p = {0};
	size_t idx[] = {0, 1, 2, 3};
	struct http_req rq;

	add(&p, FETCH_SECRET, "app", NULL);
	add(&p, FETCH_SECRET, ARN "db-AbCdEf", NULL); /* full ARN */
	add(&p, FETCH_SECRET, "gone", NULL);
	add(&p, FETCH_SECRET, "unmentioned", NULL);
	/* The full ARN's exact match wins over a secret named "db-AbCdEf" whose ARN it is a
	 * partial ARN of. */
	rq = answer(
	        200, NULL,
	        "{\"SecretValues\":["
	        "{\"ARN\":\"" ARN "app-a1b2c3\",\"Name\":\"app\",\"SecretString\":\"v-app\"},"
	        "{\"ARN\":\"" ARN "db-AbCdEf-x9y8z7\",\"Name\":\"db-AbCdEf\","
	        "\"SecretString\":\"partial\"},"
	        "{\"ARN\":\"" ARN "db-AbCdEf\",\"Name\":\"db\",\"SecretString\":\"full\"}],"
	        "\"Errors\":[{\"SecretId\":\"gone\",\"ErrorCode\":\"ResourceNotFoundException\","
	        "\"Message\":\"Secrets Manager can't find the specified secret.\"}]}",
	        1);
	CHECK_INT(apply(&p, AWS_OP_BATCH_SECRETS, idx, 4, &rq, NULL), AWSRESULT_DONE);
	CHECK_VALUE(&p.f[0], "v-app");
	CHECK_VALUE(&p.f[1], "full");
	CHECK_FAIL(&p.f[2], SHIM_EX_UNRESOLVED,
	           "ResourceNotFoundException: Secrets Manager can't find the specified secret.");
	CHECK_FAIL(&p.f[3], SHIM_EX_UNAVAILABLE,
	           "BatchGetSecretValue: the response does not mention it");
	plan_free(&p);
}

static void test_batch_denied_falls_back(void)
{
	struct plan p = {0};
	size_t idx[] = {0, 1};
	struct http_req rq;

	add(&p, FETCH_SECRET, "a", NULL);
	add(&p, FETCH_SECRET, "b", NULL);
	rq = answer(400, "AccessDeniedException",
	            "{\"__type\":\"AccessDeniedException\",\"message\":\"not allowed\"}", 1);
	CHECK_INT(apply(&p, AWS_OP_BATCH_SECRETS, idx, 2, &rq, NULL), AWSRESULT_FALL_BACK);
	CHECK_INT(p.f[0].done, 0); /* nothing written: the caller sends GetSecretValue calls */
	CHECK_INT(p.f[1].done, 0);
	/* The same answer to GetSecretValue is the fetch's failure. */
	rq = answer(400, "AccessDeniedException",
	            "{\"__type\":\"AccessDeniedException\",\"message\":\"not allowed\"}", 1);
	CHECK_INT(apply(&p, AWS_OP_GET_SECRET, idx, 1, &rq, NULL), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[0], SHIM_EX_NOPERM, "AccessDeniedException: not allowed");
	CHECK_STR(p.f[0].fail.msg, "AccessDeniedException: not allowed");
	plan_free(&p);
}

static void test_get_secret(void)
{
	struct plan p = {0};
	size_t idx[] = {0};
	struct http_req rq;

	add(&p, FETCH_SECRET, "app", NULL);
	rq = answer(200, NULL, "{\"Name\":\"app\",\"SecretString\":\"s3\"}", 1);
	CHECK_INT(apply(&p, AWS_OP_GET_SECRET, idx, 1, &rq, NULL), AWSRESULT_DONE);
	CHECK_VALUE(&p.f[0], "s3");
	rq = answer(200, NULL, "{\"Name\":\"other\",\"SecretString\":\"s3\"}", 1);
	CHECK_INT(apply(&p, AWS_OP_GET_SECRET, idx, 1, &rq, NULL), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[0], SHIM_EX_UNAVAILABLE,
	           "GetSecretValue: the response is for another secret");
	plan_free(&p);
}

static void test_params_invalid_and_selectors(void)
{
	struct plan p = {0};
	size_t idx[] = {0, 1, 2, 3, 4};
	struct http_req rq;

	add(&p, FETCH_PARAM, "/app/env", NULL);
	add(&p, FETCH_PARAM, "/app/key", "2");
	add(&p, FETCH_PARAM, "/missing", NULL);
	add(&p, FETCH_PARAM, "/app/key", "9");
	add(&p, FETCH_PARAM, "/silent", NULL);
	rq = answer(200, NULL,
	            "{\"InvalidParameters\":[\"/missing\",\"/app/key:9\"],\"Parameters\":["
	            "{\"Name\":\"/app/env\",\"Value\":\"prod\",\"Version\":4},"
	            "{\"Name\":\"/app/key\",\"Value\":\"k2\",\"Version\":2,\"Selector\":\":2\"}]}",
	            1);
	CHECK_INT(apply(&p, AWS_OP_GET_PARAMS, idx, 5, &rq, NULL), AWSRESULT_DONE);
	CHECK_VALUE(&p.f[0], "prod");
	CHECK_VALUE(&p.f[1], "k2");
	CHECK_FAIL(&p.f[2], SHIM_EX_UNRESOLVED, "ParameterNotFound: the parameter does not exist");
	CHECK_FAIL(&p.f[3], SHIM_EX_UNRESOLVED,
	           "ParameterVersionNotFound: the parameter version or label does not exist");
	CHECK_FAIL(&p.f[4], SHIM_EX_UNAVAILABLE, "GetParameters: the response does not mention it");
	plan_free(&p);
}

static void test_path_pages(void)
{
	struct plan p = {0};
	size_t idx[] = {0};
	char *token = strdup("first");
	struct http_req rq;

	add(&p, FETCH_PATH, "/app/", NULL);
	rq = answer(200, NULL,
	            "{\"Parameters\":[{\"Name\":\"/app/A\",\"Value\":\"1\"},"
	            "{\"Name\":\"/app/B\",\"Value\":\"2\"}],\"NextToken\":\"page-2\"}",
	            1);
	CHECK_INT(apply(&p, AWS_OP_BY_PATH, idx, 1, &rq, &token), AWSRESULT_NEXT_PAGE);
	CHECK_STR(token, "page-2");
	CHECK_INT(p.f[0].done, 0);
	CHECK_INT(p.f[0].n_items, 2);
	rq = answer(200, NULL, "{\"Parameters\":[{\"Name\":\"/app/C\",\"Value\":\"3\"}]}", 1);
	CHECK_INT(apply(&p, AWS_OP_BY_PATH, idx, 1, &rq, &token), AWSRESULT_DONE);
	CHECK(token == NULL);
	CHECK_INT(p.f[0].done, 1);
	CHECK_INT(p.f[0].fail.status, 0);
	CHECK_INT(p.f[0].n_items, 3);
	CHECK_STR(p.f[0].items[0].name, "/app/A");
	CHECK_STR(p.f[0].items[2].value, "3");
	plan_free(&p);
}

/* A NextToken that comes back as it was sent ends the pagination with an error (a server that
 * repeats it had the resolver asking for the same page hundreds of times a second). */
static void test_path_repeated_token(void)
{
	struct plan p = {0};
	size_t idx[] = {0};
	char *token = NULL;
	struct http_req rq;

	add(&p, FETCH_PATH, "/app/", NULL);
	rq = answer(200, NULL, "{\"Parameters\":[],\"NextToken\":\"same\"}", 1);
	CHECK_INT(apply(&p, AWS_OP_BY_PATH, idx, 1, &rq, &token), AWSRESULT_NEXT_PAGE);
	CHECK_STR(token, "same");
	rq = answer(200, NULL, "{\"Parameters\":[],\"NextToken\":\"same\"}", 1);
	CHECK_INT(apply(&p, AWS_OP_BY_PATH, idx, 1, &rq, &token), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[0], SHIM_EX_UNAVAILABLE,
	           "GetParametersByPath /app/: the service returned the NextToken it was sent; "
	           "pagination stopped");
	free(token);
	plan_free(&p);
}

static void test_path_nul_value(void)
{
	struct plan p = {0};
	size_t idx[] = {0};
	struct http_req rq;

	add(&p, FETCH_PATH, "/app/", NULL);
	rq = answer(200, NULL, "{\"Parameters\":[{\"Name\":\"/app/A\",\"Value\":\"a\\u0000b\"}]}",
	            1);
	CHECK_INT(apply(&p, AWS_OP_BY_PATH, idx, 1, &rq, NULL), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[0], SHIM_EX_UNRESOLVED, "parameter /app/A: the value contains a NUL byte");
	plan_free(&p);
}

static void test_error_responses(void)
{
	struct plan p = {0};
	size_t idx[] = {0, 1};
	struct http_req rq;

	add(&p, FETCH_PARAM, "/a", NULL);
	add(&p, FETCH_PARAM, "/b", NULL);
	rq = answer(400, "AccessDeniedException",
	            "{\"__type\":\"AccessDeniedException\",\"message\":\"User is not authorized\"}",
	            1);
	CHECK_INT(apply(&p, AWS_OP_GET_PARAMS, idx, 2, &rq, NULL), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[0], SHIM_EX_NOPERM, "AccessDeniedException: User is not authorized");
	CHECK_STR(p.f[1].fail.msg, "AccessDeniedException: User is not authorized");
	/* Throttled after retries: 69, the message counts the attempts. */
	rq = answer(400, "ThrottlingException",
	            "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}", 7);
	CHECK_INT(apply(&p, AWS_OP_GET_PARAMS, idx, 2, &rq, NULL), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[0], SHIM_EX_UNAVAILABLE,
	           "ThrottlingException: Rate exceeded (HTTP 400, 7 attempts)");
	CHECK_FAIL(&p.f[1], SHIM_EX_UNAVAILABLE, "7 attempts");
	/* No code at all: the status names it; one attempt is singular. */
	rq = answer(404, NULL, "<html>nope</html>", 1);
	CHECK_INT(apply(&p, AWS_OP_GET_PARAMS, idx, 2, &rq, NULL), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[0], SHIM_EX_UNAVAILABLE, "GetParameters: HTTP 404 (1 attempt)");
	rq = answer(503, NULL, "", 3);
	CHECK_INT(apply(&p, AWS_OP_GET_PARAMS, idx, 2, &rq, NULL), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[1], SHIM_EX_UNAVAILABLE, "GetParameters: HTTP 503 (3 attempts)");
	plan_free(&p);
}

static void test_transport_failure(void)
{
	struct plan p = {0};
	size_t idx[] = {0};
	struct http_req rq;

	add(&p, FETCH_SECRET, "app", NULL);
	rq = answer(0, NULL, NULL, 3);
	snprintf(rq.errmsg, sizeof(rq.errmsg), "Connection refused");
	rq.deadline_hit = 1;
	CHECK_INT(apply(&p, AWS_OP_GET_SECRET, idx, 1, &rq, NULL), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[0], SHIM_EX_UNAVAILABLE, "");
	CHECK_STR(p.f[0].fail.msg, "GetSecretValue https://ssm.us-east-1.amazonaws.com: Connection "
	                           "refused (3 attempts, --timeout reached)");
	plan_free(&p);
}

static void test_malformed_bodies(void)
{
	struct plan p = {0};
	size_t idx[] = {0, 1};
	struct http_req rq;

	add(&p, FETCH_SECRET, "a", NULL);
	add(&p, FETCH_SECRET, "b", NULL);
	rq = answer(200, NULL, "{\"SecretValues\":[", 1);
	CHECK_INT(apply(&p, AWS_OP_BATCH_SECRETS, idx, 2, &rq, NULL), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[0], SHIM_EX_UNAVAILABLE, "BatchGetSecretValue");
	CHECK_FAIL(&p.f[1], SHIM_EX_UNAVAILABLE, "BatchGetSecretValue");
	rq = answer(200, NULL, "{\"Parameters\":5}", 1);
	CHECK_INT(apply(&p, AWS_OP_GET_PARAMS, idx, 2, &rq, NULL), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[0], SHIM_EX_UNAVAILABLE,
	           "GetParameters: response member Parameters is not an array");
	rq = answer(200, NULL, "[]", 1);
	CHECK_INT(apply(&p, AWS_OP_BY_PATH, idx, 1, &rq, NULL), AWSRESULT_DONE);
	CHECK_FAIL(&p.f[0], SHIM_EX_UNAVAILABLE, "GetParametersByPath");
	plan_free(&p);
}

int main(void)
{
	RUN(test_op_names);
	RUN(test_batch_values_and_errors);
	RUN(test_batch_denied_falls_back);
	RUN(test_get_secret);
	RUN(test_params_invalid_and_selectors);
	RUN(test_path_pages);
	RUN(test_path_repeated_token);
	RUN(test_path_nul_value);
	RUN(test_error_responses);
	RUN(test_transport_failure);
	RUN(test_malformed_bodies);
	return unit_done("test_awsresult");
}
