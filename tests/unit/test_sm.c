/* Secrets Manager bodies: escaping of ids, strict parsing, base64, and matching. */
#include "sm.h"
#include "jsonval.h"
#include "unit.h"

#include <stdlib.h>

#define ARN "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestDatabaseSecret"

static void test_bodies(void)
{
	struct buf b = BUF_INIT;
	const char *ids[] = {"a\"b\\c", "ünï/x", ARN};

	sm_body_batch(&b, ids, 3);
	CHECK(strncmp(buf_cstr(&b), "{\"SecretIdList\":[", 17) == 0);
	CHECK(strstr(buf_cstr(&b), "\"" ARN "\"]}"));
	CHECK(strstr(buf_cstr(&b), "\"a\\\"b\\\\c\""));
	buf_clear(&b);
	sm_body_get(&b, "x", "AWSPREVIOUS", NULL);
	CHECK_STR(buf_cstr(&b), "{\"SecretId\":\"x\",\"VersionStage\":\"AWSPREVIOUS\"}");
	buf_clear(&b);
	sm_body_get(&b, "x", NULL, "v1");
	CHECK_STR(buf_cstr(&b), "{\"SecretId\":\"x\",\"VersionId\":\"v1\"}");
	buf_free(&b);
}

static void test_parse_get_doc_example(void)
{
	const char *body =
		"{\"ARN\":\"" ARN "-a1b2c3\",\"CreatedDate\":1523477145.713,\"Name\":"
		"\"MyTestDatabaseSecret\",\"SecretString\":\"{\\n  \\\"username\\\":\\\"david\\\"}\\n\","
		"\"VersionId\":\"EXAMPLE1-90ab\",\"VersionStages\":[\"AWSPREVIOUS\"]}";
	struct sm_value v;
	struct shim_err e = {0};

	CHECK_INT(sm_parse_get(&v, body, strlen(body), &e), 0);
	CHECK_STR(v.string, "{\n  \"username\":\"david\"}\n");
	CHECK(sm_value_matches(&v, "MyTestDatabaseSecret"));
	CHECK(sm_value_matches(&v, ARN "-a1b2c3"));
	CHECK(sm_value_matches(&v, ARN)); /* partial ARN */
	CHECK(!sm_value_matches(&v, ARN "-a1b2c"));
	CHECK(!sm_value_matches(&v, "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTest"));
	CHECK(!sm_value_matches(&v, "Other"));
	sm_value_clear(&v);
}

static void test_parse_batch(void)
{
	const char *body = "{\"SecretValues\":[{\"ARN\":\"" ARN "-abcdef\",\"Name\":\"n1\","
			   "\"SecretString\":\"s1\"},{\"ARN\":\"x-123456\",\"Name\":\"bin\","
			   "\"SecretBinary\":\"YQBi\"}],\"Errors\":[{\"SecretId\":\"gone\","
			   "\"ErrorCode\":\"ResourceNotFoundException\",\"Message\":\"nope\"}]}";
	struct sm_batch b;
	struct shim_err e = {0};

	CHECK_INT(sm_parse_batch(&b, body, strlen(body), &e), 0);
	CHECK_INT(b.n_values, 2);
	CHECK_STR(b.values[0].string, "s1");
	CHECK(b.values[1].binary && b.values[1].binary_len == 3 &&
	      memcmp(b.values[1].binary, "a\0b", 3) == 0);
	CHECK_INT(b.n_errors, 1);
	CHECK_STR(b.errors[0].secret_id, "gone");
	CHECK_STR(b.errors[0].code, "ResourceNotFoundException");
	sm_batch_clear(&b);
	CHECK_INT(sm_parse_batch(&b, "{}", 2, &e), 0);
	CHECK_INT(b.n_values + b.n_errors, 0);
	sm_batch_clear(&b);
}

static void expect_bad(int batch, const char *body, const char *needle)
{
	struct sm_value v;
	struct sm_batch b;
	struct shim_err e = {0};
	int rc = batch ? sm_parse_batch(&b, body, strlen(body), &e)
		       : sm_parse_get(&v, body, strlen(body), &e);

	CHECK_INT(rc, -1);
	CHECK_INT(e.status, SHIM_EX_UNAVAILABLE);
	CHECK(strstr(e.msg, needle) != NULL);
	CHECK(strstr(e.msg, "hunter2") == NULL);
}

static void test_malformed(void)
{
	expect_bad(0, "<html>hunter2</html>", "GetSecretValue: the response is not a JSON object");
	expect_bad(0, "{\"Name\":\"x\",\"SecretString\":{\"p\":\"hunter2\"}}", "SecretString");
	expect_bad(0, "{\"Name\":\"x\"}", "SecretString or SecretBinary");
	expect_bad(0, "{\"SecretString\":\"hunter2\"}", "ARN or Name");
	expect_bad(0, "{\"Name\":\"x\",\"SecretBinary\":\"aGVsbG8=!\"}", "not base64");
	expect_bad(0, "{\"Name\":\"x\",\"SecretString\":\"hunter2", "not a JSON object");
	expect_bad(1, "{\"SecretValues\":\"hunter2\"}", "SecretValues is not an array");
	expect_bad(1, "{\"SecretValues\":[5]}", "not an object");
	expect_bad(1, "{\"Errors\":[{\"SecretId\":1}]}", "Errors entry");
	expect_bad(1, "[]", "BatchGetSecretValue");
}

int main(void)
{
	jsonval_init_allocator();
	RUN(test_bodies);
	RUN(test_parse_get_doc_example);
	RUN(test_parse_batch);
	RUN(test_malformed);
	return unit_done("test_sm");
}
