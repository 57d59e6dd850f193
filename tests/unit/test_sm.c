/* Secrets Manager bodies: request escaping, strict response parsing (every malformed shape is
 * 69 with a message naming the member and never the value), base64, and id matching. */
#include "sm.h"
#include "jsonval.h"
#include "unit.h"

#include <jansson.h>
#include <stdlib.h>

#define ARN_BASE "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestDatabaseSecret"

/* ---- request bodies ---- */

/* The body must read back (as JSON) as exactly the ids given, in order. */
static void check_roundtrip(const char *body, const char *const *ids, size_t n)
{
	json_t *root = json_loads(body, 0, NULL), *list = json_object_get(root, "SecretIdList");

	CHECK(json_is_array(list) && json_array_size(list) == n);
	for (size_t i = 0; list && i < n; i++)
		CHECK_STR(json_string_value(json_array_get(list, i)), ids[i]);
	json_decref(root);
}

static void test_body_batch_escapes_awkward_ids(void)
{
	const char *ids[] = {"a\"b\\c", "ünï/çødé", "tab\there\x01", "snow\xe2\x98\x83", ARN_BASE};
	struct buf b = BUF_INIT;
	struct shim_err e = {0};

	CHECK_INT(sm_body_batch(&b, ids, 5, &e), 0);
	CHECK_STR(buf_cstr(&b), "{\"SecretIdList\":[\"a\\\"b\\\\c\",\"ünï/çødé\","
	                        "\"tab\\there\\u0001\",\"snow\xe2\x98\x83\",\"" ARN_BASE "\"]}");
	check_roundtrip(buf_cstr(&b), ids, 5);
	buf_free(&b);
}

static void test_body_batch_limits(void)
{
	const char *ids[21], *bad[] = {"ok", "not-utf8-\xff"};
	struct buf b = BUF_INIT;
	struct shim_err e = {0};

	for (size_t i = 0; i < 21; i++)
		ids[i] = "s";
	CHECK_INT(sm_body_batch(&b, ids, 20, &e), 0);
	check_roundtrip(buf_cstr(&b), ids, 20);
	buf_clear(&b);
	CHECK_INT(sm_body_batch(&b, ids, 21, &e), -1);
	CHECK_INT(e.status, SHIM_EX_INTERNAL);
	CHECK_INT(sm_body_batch(&b, ids, 0, &e), -1);
	CHECK_INT(b.len, 0);
	/* An id that is not UTF-8 is refused, never silently left out of the list. */
	e.status = 0;
	CHECK_INT(sm_body_batch(&b, bad, 2, &e), -1);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK_STR(e.msg, "BatchGetSecretValue: a secret id is not valid UTF-8");
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

static void test_body_get(void)
{
	struct buf b = BUF_INIT;
	struct shim_err e = {0};

	CHECK_INT(sm_body_get(&b, "x", NULL, NULL, &e), 0);
	CHECK_STR(buf_cstr(&b), "{\"SecretId\":\"x\"}");
	buf_clear(&b);
	CHECK_INT(sm_body_get(&b, "x", "AWSPREVIOUS", NULL, &e), 0);
	CHECK_STR(buf_cstr(&b), "{\"SecretId\":\"x\",\"VersionStage\":\"AWSPREVIOUS\"}");
	buf_clear(&b);
	CHECK_INT(sm_body_get(&b, "q\"\\", "S", "EXAMPLE1-90ab", &e), 0);
	CHECK_STR(buf_cstr(&b), "{\"SecretId\":\"q\\\"\\\\\",\"VersionId\":\"EXAMPLE1-90ab\","
	                        "\"VersionStage\":\"S\"}");
	buf_clear(&b);
	CHECK_INT(sm_body_get(&b, "x", "\xc3", NULL, &e), -1);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK_INT(b.len, 0);
	/* The buffer's sticky out-of-memory flag turns into an error, not a short body. */
	b.oom = 1;
	CHECK_INT(sm_body_get(&b, "x", NULL, NULL, &e), -1);
	CHECK_INT(e.status, SHIM_EX_INTERNAL);
	buf_free(&b);
}

/* ---- parsing ---- */

/* reference/aws-protocol.md B2, from botocore's examples-1.json. */
static const char doc_example[] =
        "{\"ARN\":\"arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestDatabaseSecret-"
        "a1b2c3\",\n"
        " \"CreatedDate\":1523477145.713,\"Name\":\"MyTestDatabaseSecret\",\n"
        " \"SecretString\":\"{\\n  \\\"username\\\":\\\"david\\\",\\n  \\\"password\\\":"
        "\\\"EXAMPLE-PASSWORD\\\"\\n}\\n\",\n"
        " \"VersionId\":\"EXAMPLE1-90ab-cdef-fedc-ba987SECRET1\",\"VersionStages\":["
        "\"AWSPREVIOUS\"]}";

static void test_parse_get_doc_example(void)
{
	const char *want = "{\n  \"username\":\"david\",\n  \"password\":\"EXAMPLE-PASSWORD\"\n}\n";
	struct sm_value v;
	struct shim_err e = {0};

	CHECK_INT(sm_parse_get(&v, doc_example, strlen(doc_example), &e), 0);
	CHECK_STR(v.arn, ARN_BASE "-a1b2c3");
	CHECK_STR(v.name, "MyTestDatabaseSecret");
	CHECK_STR(v.version_id, "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1");
	CHECK_STR(v.string, want);
	CHECK_INT(v.string_len, strlen(want));
	CHECK(v.binary == NULL);
	CHECK_INT(v.n_stages, 1);
	CHECK_STR(v.n_stages ? v.stages[0] : NULL, "AWSPREVIOUS");
	sm_value_free(&v);
	CHECK(v.string == NULL && v.arn == NULL && v.n_stages == 0);
	sm_value_free(&v); /* idempotent */
	sm_value_free(NULL);
}

static void test_parse_get_nul_and_nulls(void)
{
	const char *body = "{\"Name\":\"n\",\"SecretString\":\"a\\u0000b\",\"SecretBinary\":null,"
	                   "\"ARN\":null,\"VersionStages\":null}";
	struct sm_value v;
	struct shim_err e = {0};

	/* A NUL inside the value is kept whole (the resolver refuses it, naming the variable). */
	CHECK_INT(sm_parse_get(&v, body, strlen(body), &e), 0);
	CHECK_INT(v.string_len, 3);
	CHECK(v.string && memcmp(v.string, "a\0b", 4) == 0);
	CHECK(v.arn == NULL && v.stages == NULL && v.binary == NULL);
	sm_value_free(&v);
	/* Both values sent: SecretString wins, as in ECS; the binary is not decoded. */
	body = "{\"Name\":\"n\",\"SecretString\":\"s\",\"SecretBinary\":\"AAAA\"}";
	CHECK_INT(sm_parse_get(&v, body, strlen(body), &e), 0);
	CHECK_STR(v.string, "s");
	CHECK(v.binary == NULL);
	sm_value_free(&v);
}

/* Decode b64 as a GetSecretValue SecretBinary; -1 when refused. */
static int decode(const char *b64, unsigned char *dst, size_t *len)
{
	char body[256];
	struct sm_value v;
	struct shim_err e = {0};
	int rc;

	snprintf(body, sizeof(body), "{\"Name\":\"n\",\"SecretBinary\":\"%s\"}", b64);
	if ((rc = sm_parse_get(&v, body, strlen(body), &e)) == 0) {
		CHECK(v.string == NULL && v.binary != NULL);
		memcpy(dst, v.binary, v.binary_len + 1);
		*len = v.binary_len;
		sm_value_free(&v);
	} else {
		CHECK_INT(e.status, SHIM_EX_UNAVAILABLE);
		CHECK_STR(e.msg,
		          "GetSecretValue: response member SecretBinary is not valid base64");
	}
	return rc;
}

static void test_binary_decoding(void)
{
	static const char *const bad[] = {
	        "YQ=",  "YQ",    "Y===",    "====", "YQ=a",          "Y=Q=",     "YR==",
	        "YWJ=", "YW I=", "YWI=\\n", "-_-_", "YWJj\\u00e9AA", "YQ==YQ==",
	};
	unsigned char out[64];
	size_t len = 99;

	CHECK_INT(decode("YQBi", out, &len), 0);
	CHECK_INT(len, 3);
	CHECK(memcmp(out, "a\0b", 3) == 0); /* a NUL byte: kept, with the length */
	CHECK_INT(decode("YQ==", out, &len), 0);
	CHECK_INT(len, 1);
	CHECK(out[0] == 'a' && out[1] == '\0');
	CHECK_INT(decode("YWI=", out, &len), 0);
	CHECK_INT(len, 2);
	CHECK(memcmp(out, "ab", 3) == 0);
	CHECK_INT(decode("AP8A/+7/", out, &len), 0);
	CHECK_INT(len, 6);
	CHECK(memcmp(out, "\x00\xff\x00\xff\xee\xff", 6) == 0);
	CHECK_INT(decode("", out, &len), 0);
	CHECK_INT(len, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (decode(bad[i], out, &len) != -1) {
			CHECK(!"accepted invalid base64");
			fprintf(stderr, "  input: %s\n", bad[i]);
		}
	}
}

static void test_parse_batch(void)
{
	const char *body =
	        "{\"SecretValues\":["
	        "{\"ARN\":\"" ARN_BASE "-a1b2c3\",\"Name\":\"MyTestDatabaseSecret\",\"VersionId\":"
	        "\"v1\",\"SecretString\":\"{\\\"k\\\":\\\"v\\\"}\",\"VersionStages\":["
	        "\"AWSCURRENT\","
	        "\"blue\"],\"CreatedDate\":1700000000},"
	        "{\"ARN\":\"arn:aws:secretsmanager:us-west-2:123456789012:secret:bin-Zz09Aa\","
	        "\"Name\":\"bin\",\"SecretBinary\":\"AGhp\",\"VersionStages\":[\"AWSCURRENT\"]}],"
	        "\"Errors\":[{\"SecretId\":\"gone\",\"ErrorCode\":\"ResourceNotFoundException\","
	        "\"Message\":\"Secrets Manager can't find the specified secret.\"},"
	        "{\"SecretId\":\"arn:aws:secretsmanager:us-west-2:123456789012:secret:kms\","
	        "\"ErrorCode\":\"DecryptionFailure\",\"Message\":\"esc\\u001b[2Jape\"}],"
	        "\"NextToken\":null}";
	struct sm_batch b;
	struct shim_err e = {0};

	CHECK_INT(sm_parse_batch(&b, body, strlen(body), &e), 0);
	CHECK_INT(b.n_values, 2);
	CHECK_INT(b.n_errors, 2);
	if (b.n_values == 2 && b.n_errors == 2) {
		CHECK_STR(b.values[0].string, "{\"k\":\"v\"}");
		CHECK_INT(b.values[0].n_stages, 2);
		CHECK_STR(b.values[0].stages[1], "blue");
		CHECK(b.values[1].string == NULL && b.values[1].binary_len == 3);
		CHECK(b.values[1].binary && memcmp(b.values[1].binary, "\0hi", 3) == 0);
		CHECK_INT(sm_value_matches(&b.values[0], ARN_BASE), 1);
		CHECK_INT(sm_value_matches(&b.values[1], "bin"), 2);
		CHECK_STR(b.errors[0].secret_id, "gone");
		CHECK_STR(b.errors[0].code, "ResourceNotFoundException");
		CHECK_STR(b.errors[0].message, "Secrets Manager can't find the specified secret.");
		CHECK_STR(b.errors[1].code, "DecryptionFailure");
		CHECK_STR(b.errors[1].message, "esc?[2Jape"); /* no terminal escape survives */
	}
	sm_batch_free(&b);
	sm_batch_free(&b);
	sm_batch_free(NULL);
}

static void test_parse_batch_partial_lists(void)
{
	const char *only_errors = "{\"Errors\":[{\"SecretId\":\"a\"}]}";
	const char *only_values = "{\"SecretValues\":[],\"Errors\":null}";
	struct sm_batch b;
	struct shim_err e = {0};

	/* Every id lands in one list; a service may leave the empty one out. */
	CHECK_INT(sm_parse_batch(&b, only_errors, strlen(only_errors), &e), 0);
	CHECK_INT(b.n_values, 0);
	CHECK_INT(b.n_errors, 1);
	CHECK_STR(b.n_errors ? b.errors[0].code : NULL, "");
	CHECK_STR(b.n_errors ? b.errors[0].message : NULL, "");
	sm_batch_free(&b);
	CHECK_INT(sm_parse_batch(&b, only_values, strlen(only_values), &e), 0);
	CHECK_INT(b.n_values + b.n_errors, 0);
	sm_batch_free(&b);
}

/* A refused body: -1, 69, exactly this message, no secret text in it, *out untouched. */
static void expect_bad(int batch, const char *body, size_t len, const char *msg)
{
	struct sm_value v, v0;
	struct sm_batch b, b0;
	struct shim_err e = {0};
	int rc;

	memset(&v, 0xa5, sizeof(v));
	memset(&b, 0xa5, sizeof(b));
	v0 = v;
	b0 = b;
	rc = batch ? sm_parse_batch(&b, body, len, &e) : sm_parse_get(&v, body, len, &e);
	CHECK_INT(rc, -1);
	CHECK_INT(e.status, SHIM_EX_UNAVAILABLE);
	CHECK_STR(e.msg, msg);
	CHECK(strstr(e.msg, "hunter2") == NULL);
	CHECK(memcmp(&v, &v0, sizeof(v)) == 0 && memcmp(&b, &b0, sizeof(b)) == 0);
	if (rc == 0)
		batch ? sm_batch_free(&b) : sm_value_free(&v);
}

#define BAD_GET(body, msg)   expect_bad(0, body, strlen(body), "GetSecretValue: " msg)
#define BAD_BATCH(body, msg) expect_bad(1, body, strlen(body), "BatchGetSecretValue: " msg)

static void test_malformed_get(void)
{
	BAD_GET("", "the response is not valid JSON");
	BAD_GET("<html>hunter2</html>", "the response is not valid JSON");
	BAD_GET("[\"hunter2\"]", "the response is not a JSON object");
	BAD_GET("\"hunter2\"", "the response is not a JSON object");
	BAD_GET("{\"Name\":\"x\",\"SecretString\":\"hunter2", "the response is not valid JSON");
	BAD_GET("{\"Name\":\"x\",\"SecretString\":\"hunter2\"} trailing",
	        "the response is not valid JSON");
	BAD_GET("{\"Name\":\"x\",\"SecretString\":\"a\",\"SecretString\":\"hunter2\"}",
	        "the response is not valid JSON");
	BAD_GET("{\"Name\":\"x\",\"SecretString\":42}",
	        "response member SecretString is not a string");
	BAD_GET("{\"Name\":\"x\",\"SecretString\":{\"p\":\"hunter2\"}}",
	        "response member SecretString is not a string");
	BAD_GET("{\"Name\":\"x\",\"SecretBinary\":[\"aHVudGVyMg==\"]}",
	        "response member SecretBinary is not a string");
	BAD_GET("{\"Name\":\"x\",\"SecretString\":\"hunter2\",\"SecretBinary\":5}",
	        "response member SecretBinary is not a string");
	BAD_GET("{\"Name\":\"x\",\"SecretBinary\":\"aHVudGVyMg=!\"}",
	        "response member SecretBinary is not valid base64");
	BAD_GET("{\"Name\":\"x\"}", "the response has neither SecretString nor SecretBinary");
	BAD_GET("{\"Name\":\"x\",\"SecretString\":null}",
	        "the response has neither SecretString nor SecretBinary");
	BAD_GET("{\"SecretString\":\"hunter2\"}", "the response has neither ARN nor Name");
	BAD_GET("{\"ARN\":7,\"SecretString\":\"hunter2\"}", "response member ARN is not a string");
	BAD_GET("{\"Name\":[\"x\"],\"SecretString\":\"hunter2\"}",
	        "response member Name is not a string");
	BAD_GET("{\"Name\":\"x\\u0000y\",\"SecretString\":\"hunter2\"}",
	        "response member Name contains a NUL byte");
	BAD_GET("{\"Name\":\"x\",\"VersionId\":5,\"SecretString\":\"hunter2\"}",
	        "response member VersionId is not a string");
	BAD_GET("{\"Name\":\"x\",\"VersionStages\":\"AWSCURRENT\",\"SecretString\":\"hunter2\"}",
	        "response member VersionStages is not an array");
	BAD_GET("{\"Name\":\"x\",\"VersionStages\":[1],\"SecretString\":\"hunter2\"}",
	        "response member VersionStages holds something other than a label");
	/* The fake AWS server's wrong-types fault (tests/fake_aws/faults.py). */
	BAD_GET("{\"ARN\": 7, \"Name\": [\"x\"], \"SecretString\": {\"not\": \"a string\"}, "
	        "\"VersionStages\": \"AWSCURRENT\"}",
	        "response member ARN is not a string");
	expect_bad(0, "{\"Name\":\"x\",\"SecretString\":\"hunter2\"}\0", 38,
	           "GetSecretValue: the response is not valid JSON");
	expect_bad(0, NULL, 0, "GetSecretValue: the response is not valid JSON");
}

static void test_malformed_batch(void)
{
	BAD_BATCH("[]", "the response is not a JSON object");
	BAD_BATCH("{}", "response member SecretValues is missing");
	BAD_BATCH("{\"SecretValues\":\"hunter2\"}", "response member SecretValues is not an array");
	BAD_BATCH("{\"SecretValues\":[5]}", "response member SecretValues[0] is not an object");
	BAD_BATCH("{\"SecretValues\":[{\"Name\":\"a\",\"SecretString\":\"ok\"},"
	          "{\"Name\":\"b\",\"SecretString\":1}]}",
	          "response member SecretValues[1].SecretString is not a string");
	BAD_BATCH("{\"SecretValues\":[{\"Name\":\"b\",\"SecretBinary\":\"hunter2\"}]}",
	          "response member SecretValues[0].SecretBinary is not valid base64");
	BAD_BATCH("{\"SecretValues\":[],\"Errors\":{\"not\":\"a list\"}}",
	          "response member Errors is not an array");
	BAD_BATCH("{\"Errors\":[\"gone\"]}", "response member Errors[0] is not an object");
	BAD_BATCH("{\"Errors\":[{\"SecretId\":\"a\"},{\"SecretId\":1}]}",
	          "response member Errors[1].SecretId is not a string");
	BAD_BATCH("{\"Errors\":[{\"ErrorCode\":\"X\"}]}",
	          "response member Errors[0].SecretId is missing");
	BAD_BATCH("{\"Errors\":[{\"SecretId\":\"a\",\"ErrorCode\":[]}]}",
	          "response member Errors[0].ErrorCode is not a string");
	BAD_BATCH("{\"SecretValues\": \"not a list\", \"Errors\": {\"not\": \"a list\"}}",
	          "response member SecretValues is not an array");
}

/* ---- matching ---- */

static void test_matching(void)
{
	struct sm_value v = {.arn = ARN_BASE "-a1b2c3", .name = "MyTestDatabaseSecret"};
	struct sm_value tricky = {.arn = ARN_BASE "-a1b2c3-Q9w8E7",
	                          .name = "MyTestDatabaseSecret-a1b2c3"};
	struct sm_value arn_only = {.arn = "arn:aws:secretsmanager:r:1:secret:app/db-XyZ123"};
	struct sm_value name_only = {.name = "app/db"};

	CHECK_INT(sm_value_matches(&v, "MyTestDatabaseSecret"), 2);
	CHECK_INT(sm_value_matches(&v, ARN_BASE "-a1b2c3"), 2);
	CHECK_INT(sm_value_matches(&v, ARN_BASE), 1); /* partial ARN: no suffix */
	CHECK_INT(sm_value_matches(&v, ARN_BASE "-a1b2c"), 0);
	CHECK_INT(sm_value_matches(&v, ARN_BASE "-a1b2c3d"), 0);
	CHECK_INT(
	        sm_value_matches(&v, "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTest"),
	        0);
	CHECK_INT(sm_value_matches(&v, "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
	                               "MyTestDatabaseSecret"),
	          0);
	CHECK_INT(sm_value_matches(&v, "mytestdatabasesecret"), 0);
	CHECK_INT(sm_value_matches(&v, "MyTestDatabaseSecret-a1b2c3"), 0);
	CHECK_INT(sm_value_matches(&v, ""), 0);
	CHECK_INT(sm_value_matches(&v, NULL), 0);
	/* A full ARN that is also a partial ARN of another secret: exact beats partial. */
	CHECK_INT(sm_value_matches(&tricky, ARN_BASE "-a1b2c3"), 1);
	CHECK_INT(sm_value_matches(&v, ARN_BASE "-a1b2c3"), 2);
	/* The suffix is six letters or digits, nothing else. */
	tricky.arn = ARN_BASE "-a1b2/3";
	CHECK_INT(sm_value_matches(&tricky, ARN_BASE), 0);
	tricky.arn = ARN_BASE "-a1b2c3d";
	CHECK_INT(sm_value_matches(&tricky, ARN_BASE), 0);
	tricky.arn = ARN_BASE "-a1b2c";
	CHECK_INT(sm_value_matches(&tricky, ARN_BASE), 0);
	tricky.arn = ARN_BASE "_a1b2c3";
	CHECK_INT(sm_value_matches(&tricky, ARN_BASE), 0);
	/* A value without Name still answers its name through its ARN; without ARN, no ARN. */
	CHECK_INT(sm_value_matches(&arn_only, "app/db"), 1);
	CHECK_INT(sm_value_matches(&arn_only, "app/d"), 0);
	CHECK_INT(sm_value_matches(&name_only, "app/db"), 2);
	CHECK_INT(sm_value_matches(&name_only, "arn:aws:secretsmanager:r:1:secret:app/db"), 0);
}

int main(void)
{
	jsonval_init_allocator();
	RUN(test_body_batch_escapes_awkward_ids);
	RUN(test_body_batch_limits);
	RUN(test_body_get);
	RUN(test_parse_get_doc_example);
	RUN(test_parse_get_nul_and_nulls);
	RUN(test_binary_decoding);
	RUN(test_parse_batch);
	RUN(test_parse_batch_partial_lists);
	RUN(test_malformed_get);
	RUN(test_malformed_batch);
	RUN(test_matching);
	return unit_done("test_sm");
}
