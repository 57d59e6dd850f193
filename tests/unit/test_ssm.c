/* SSM bodies: request escaping, strict parsing (every malformed shape is 69 with a message
 * naming the member and never the value), pagination tokens, name/ARN/selector matching. */
#include "ssm.h"
#include "jsonval.h"
#include "unit.h"

#include <jansson.h>

#define ARN_PREFIX "arn:aws:ssm:us-east-1:123456789012:parameter"

/* ---- request bodies ---- */

static void test_body_get_parameters(void)
{
	const char *names[] = {"/a/b", "/a/c:3", ARN_PREFIX "/x:lbl", "q\"\\ü\x7f"};
	struct buf b = BUF_INIT;
	struct shim_err e = {0};
	json_t *root;

	CHECK_INT(ssm_body_get_parameters(&b, names, 4, &e), 0);
	CHECK_STR(buf_cstr(&b), "{\"Names\":[\"/a/b\",\"/a/c:3\",\"" ARN_PREFIX "/x:lbl\","
	                        "\"q\\\"\\\\ü\x7f\"],\"WithDecryption\":true}");
	root = json_loads(buf_cstr(&b), 0, NULL);
	CHECK_STR(json_string_value(json_array_get(json_object_get(root, "Names"), 3)), names[3]);
	json_decref(root);
	buf_free(&b);
}

static void test_body_get_parameters_limits(void)
{
	const char *names[11] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"};
	const char *bad[] = {"/ok", "/bad\xc3("};
	struct buf b = BUF_INIT;
	struct shim_err e = {0};

	CHECK_INT(ssm_body_get_parameters(&b, names, 10, &e), 0);
	buf_clear(&b);
	CHECK_INT(ssm_body_get_parameters(&b, names, 11, &e), -1);
	CHECK_INT(e.status, SHIM_EX_INTERNAL);
	CHECK_INT(ssm_body_get_parameters(&b, names, 0, &e), -1);
	CHECK_INT(ssm_body_get_parameters(&b, bad, 2, &e), -1);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK_STR(e.msg, "GetParameters: a parameter name is not valid UTF-8");
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

static void test_body_by_path(void)
{
	struct buf b = BUF_INIT;
	struct shim_err e = {0};

	CHECK_INT(ssm_body_by_path(&b, "/covenant-connect/config", NULL, &e), 0);
	CHECK_STR(buf_cstr(&b), "{\"Path\":\"/covenant-connect/config\",\"Recursive\":true,"
	                        "\"WithDecryption\":true,\"MaxResults\":10}");
	buf_clear(&b);
	CHECK_INT(ssm_body_by_path(&b, "/a", "AAEAAf+tok\"en/==", &e), 0);
	CHECK_STR(buf_cstr(&b), "{\"Path\":\"/a\",\"Recursive\":true,\"WithDecryption\":true,"
	                        "\"MaxResults\":10,\"NextToken\":\"AAEAAf+tok\\\"en/==\"}");
	buf_clear(&b);
	CHECK_INT(ssm_body_by_path(&b, "/a", "\xff", &e), -1);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK_INT(ssm_body_by_path(&b, NULL, NULL, &e), -1);
	CHECK_INT(e.status, SHIM_EX_INTERNAL);
	CHECK_INT(b.len, 0);
	buf_free(&b);
}

/* ---- parsing ---- */

static void test_parse_get_parameters(void)
{
	/* Shaped like the AWS docs' example and tests/fake_aws: sorted by name, then version. */
	const char *body =
	        "{\"InvalidParameters\":[\"/missing\",\"/a/b:9\"],\"Parameters\":["
	        "{\"ARN\":\"" ARN_PREFIX "/a/b\",\"DataType\":\"text\",\"LastModifiedDate\":"
	        "1582657288.8,\"Name\":\"/a/b\",\"Type\":\"SecureString\",\"Value\":\"v-b\","
	        "\"Version\":4},"
	        "{\"Name\":\"/a/b\",\"Type\":\"String\",\"Value\":\"v-b1\",\"Version\":1,"
	        "\"Selector\":\":1\",\"ARN\":\"" ARN_PREFIX "/a/b\"},"
	        "{\"Name\":\"/a/b\",\"Value\":\"v-lbl\",\"Version\":2,\"Selector\":\":prod\"},"
	        "{\"Name\":\"list\",\"Type\":\"StringList\",\"Value\":\"a,b,c\",\"Version\":1,"
	        "\"Selector\":null,\"SourceResult\":null},"
	        "{\"Name\":\"/nul\",\"Value\":\"x\\u0000y\"}]}";
	struct ssm_result r;
	struct shim_err e = {0};

	CHECK_INT(ssm_parse_get_parameters(&r, body, strlen(body), &e), 0);
	CHECK_INT(r.n_params, 5);
	CHECK_INT(r.n_invalid, 2);
	CHECK(r.next_token == NULL);
	if (r.n_params == 5 && r.n_invalid == 2) {
		CHECK_STR(r.invalid[1], "/a/b:9");
		CHECK_STR(r.params[0].name, "/a/b");
		CHECK_STR(r.params[0].arn, ARN_PREFIX "/a/b");
		CHECK_STR(r.params[0].type, "SecureString");
		CHECK_STR(r.params[0].value, "v-b");
		CHECK_INT(r.params[0].value_len, 3);
		CHECK_INT(r.params[0].version, 4);
		CHECK(r.params[0].selector == NULL);
		CHECK_STR(r.params[1].selector, ":1");
		CHECK_STR(r.params[3].value, "a,b,c");
		CHECK(r.params[3].selector == NULL && r.params[2].type == NULL);
		/* A NUL inside a value is kept whole for the resolver to refuse. */
		CHECK_INT(r.params[4].value_len, 3);
		CHECK(memcmp(r.params[4].value, "x\0y", 4) == 0);
		CHECK_INT(r.params[4].version, 0);
	}
	ssm_result_free(&r);
	CHECK(r.params == NULL && r.n_params == 0);
	ssm_result_free(&r);
	ssm_result_free(NULL);
}

static void test_parse_get_parameters_partial_lists(void)
{
	const char *only_invalid = "{\"InvalidParameters\":[\"/x\"]}";
	const char *ignored_token = "{\"Parameters\":[],\"NextToken\":5}";
	struct ssm_result r;
	struct shim_err e = {0};

	CHECK_INT(ssm_parse_get_parameters(&r, only_invalid, strlen(only_invalid), &e), 0);
	CHECK_INT(r.n_params, 0);
	CHECK_INT(r.n_invalid, 1);
	ssm_result_free(&r);
	/* GetParameters has no NextToken: whatever is there is not read. */
	CHECK_INT(ssm_parse_get_parameters(&r, ignored_token, strlen(ignored_token), &e), 0);
	CHECK(r.next_token == NULL);
	ssm_result_free(&r);
}

static void test_parse_by_path_pagination(void)
{
	const char *page1 = "{\"Parameters\":[{\"Name\":\"/p/A\",\"Value\":\"1\",\"Version\":3},"
	                    "{\"Name\":\"/p/sub/B\",\"Value\":\"2\",\"Version\":1}],"
	                    "\"NextToken\":\"fake-aws.2.0123456789abcdef\"}";
	const char *empty_page = "{\"Parameters\":[],\"NextToken\":\"AAEAA+/=\"}";
	const char *last[] = {"{\"Parameters\":[{\"Name\":\"/p/C\",\"Value\":\"3\"}]}",
	                      "{\"Parameters\":[],\"NextToken\":null}", "{\"NextToken\":\"\"}",
	                      "{}"};
	struct ssm_result r;
	struct shim_err e = {0};

	CHECK_INT(ssm_parse_by_path(&r, page1, strlen(page1), &e), 0);
	CHECK_INT(r.n_params, 2);
	CHECK_STR(r.next_token, "fake-aws.2.0123456789abcdef");
	CHECK_STR(r.n_params == 2 ? r.params[1].name : NULL, "/p/sub/B");
	ssm_result_free(&r);
	/* A page may be empty and still not be the last. */
	CHECK_INT(ssm_parse_by_path(&r, empty_page, strlen(empty_page), &e), 0);
	CHECK_INT(r.n_params, 0);
	CHECK_STR(r.next_token, "AAEAA+/=");
	ssm_result_free(&r);
	for (size_t i = 0; i < sizeof(last) / sizeof(*last); i++) {
		CHECK_INT(ssm_parse_by_path(&r, last[i], strlen(last[i]), &e), 0);
		CHECK(r.next_token == NULL);
		ssm_result_free(&r);
	}
}

/* A refused body: -1, 69, exactly this message, no secret text in it, *out untouched. */
static void expect_bad(int by_path, const char *body, size_t len, const char *msg)
{
	struct ssm_result r, r0;
	struct shim_err e = {0};
	int rc;

	memset(&r, 0x5a, sizeof(r));
	r0 = r;
	rc = by_path ? ssm_parse_by_path(&r, body, len, &e)
	             : ssm_parse_get_parameters(&r, body, len, &e);
	CHECK_INT(rc, -1);
	CHECK_INT(e.status, SHIM_EX_UNAVAILABLE);
	CHECK_STR(e.msg, msg);
	CHECK(strstr(e.msg, "hunter2") == NULL);
	CHECK(memcmp(&r, &r0, sizeof(r)) == 0);
	if (rc == 0)
		ssm_result_free(&r);
}

#define BAD_GET(body, msg)  expect_bad(0, body, strlen(body), "GetParameters: " msg)
#define BAD_PATH(body, msg) expect_bad(1, body, strlen(body), "GetParametersByPath: " msg)

static void test_malformed(void)
{
	BAD_GET("not json hunter2", "the response is not valid JSON");
	BAD_GET("", "the response is not valid JSON");
	BAD_GET("[{\"Name\":\"a\",\"Value\":\"hunter2\"}]", "the response is not a JSON object");
	BAD_GET("{\"Parameters\":[{\"Name\":\"a\",\"Value\":\"hunter2\"}",
	        "the response is not valid JSON");
	BAD_GET("{\"Parameters\":[],\"Parameters\":[]}", "the response is not valid JSON");
	BAD_GET("{}", "response member Parameters is missing");
	BAD_GET("{\"Parameters\":\"hunter2\"}", "response member Parameters is not an array");
	BAD_GET("{\"Parameters\":[\"hunter2\"]}", "response member Parameters[0] is not an object");
	BAD_GET("{\"Parameters\":[{\"Name\":\"a\"}]}",
	        "response member Parameters[0].Value is missing");
	BAD_GET("{\"Parameters\":[{\"Name\":\"a\",\"Value\":\"ok\"},{\"Name\":\"b\",\"Value\":5}]}",
	        "response member Parameters[1].Value is not a string");
	BAD_GET("{\"Parameters\":[{\"Value\":\"hunter2\"}]}",
	        "response member Parameters[0].Name is missing");
	BAD_GET("{\"Parameters\":[{\"Name\":\"/a\\u0000b\",\"Value\":\"hunter2\"}]}",
	        "response member Parameters[0].Name contains a NUL byte");
	BAD_GET("{\"Parameters\":[{\"Name\":\"a\",\"Value\":\"hunter2\",\"Version\":\"1\"}]}",
	        "response member Parameters[0].Version is not an integer");
	BAD_GET("{\"Parameters\":[{\"Name\":\"a\",\"Value\":\"hunter2\",\"Version\":1.5}]}",
	        "response member Parameters[0].Version is not an integer");
	BAD_GET("{\"Parameters\":[{\"Name\":\"a\",\"Value\":\"hunter2\",\"Selector\":3}]}",
	        "response member Parameters[0].Selector is not a string");
	BAD_GET("{\"Parameters\":[{\"Name\":\"a\",\"Value\":\"hunter2\",\"ARN\":{}}]}",
	        "response member Parameters[0].ARN is not a string");
	BAD_GET("{\"Parameters\":[{\"Name\":\"a\",\"Value\":\"hunter2\",\"Type\":true}]}",
	        "response member Parameters[0].Type is not a string");
	BAD_GET("{\"Parameters\":[],\"InvalidParameters\":5}",
	        "response member InvalidParameters is not an array");
	BAD_GET("{\"Parameters\":[],\"InvalidParameters\":[1]}",
	        "response member InvalidParameters holds something other than a name");
	BAD_GET("{\"Parameters\": \"not a list\", \"InvalidParameters\": 5}",
	        "response member Parameters is not an array");
	BAD_PATH("{\"Parameters\": {\"not\": \"a list\"}, \"NextToken\": 7}",
	         "response member Parameters is not an array");
	BAD_PATH("{\"Parameters\":[],\"NextToken\":7}",
	         "response member NextToken is not a string");
	BAD_PATH("{\"Parameters\":[{\"Name\":\"/p/"
	         "a\",\"Value\":[\"hunter2\"]}],\"NextToken\":\"t\"}",
	         "response member Parameters[0].Value is not a string");
	BAD_PATH("{\"Parameters\":[],\"NextToken\":\"t\\u0000\"}",
	         "response member NextToken contains a NUL byte");
	BAD_PATH("true", "the response is not a JSON object");
}

/* ---- matching ---- */

static void test_matching_names_and_arns(void)
{
	struct ssm_param hier = {.name = "/a/b", .arn = ARN_PREFIX "/a/b", .version = 4};
	struct ssm_param top = {.name = "x", .arn = ARN_PREFIX "/x", .version = 1};
	struct ssm_param bare = {.name = "/a/b", .version = 4}; /* no ARN returned */
	struct ssm_param shared = {.name = "arn:aws:ssm:us-east-1:999999999999:parameter/s",
	                           .version = 2};

	CHECK(ssm_param_matches(&hier, "/a/b"));
	CHECK(ssm_param_matches(&hier, "  /a/b "));
	CHECK(ssm_param_matches(&hier, ARN_PREFIX "/a/b"));
	CHECK(!ssm_param_matches(&hier, "/a/bc"));
	CHECK(!ssm_param_matches(&hier, "/a"));
	CHECK(!ssm_param_matches(&hier, "a/b"));
	CHECK(!ssm_param_matches(&hier, "arn:aws:ssm:us-east-1:123456789012:parameter/a/c"));
	CHECK(ssm_param_matches(&bare, ARN_PREFIX "/a/b")); /* ARN asked, only Name returned */
	CHECK(ssm_param_matches(&top, "x"));
	CHECK(ssm_param_matches(&top, ARN_PREFIX "/x"));
	CHECK(!ssm_param_matches(&top, "/x"));
	top.arn = NULL;
	CHECK(ssm_param_matches(&top, ARN_PREFIX "/x"));
	CHECK(ssm_param_matches(&shared, "arn:aws:ssm:us-east-1:999999999999:parameter/s"));
	CHECK(ssm_param_matches(&shared, "arn:aws:ssm:us-east-1:999999999999:parameter/s:2"));
	CHECK(!ssm_param_matches(&shared, "s"));
	CHECK(!ssm_param_matches(&hier, ""));
	CHECK(!ssm_param_matches(&hier, NULL));
	CHECK(!ssm_param_matches(&hier, "arn:aws:ssm:us-east-1:123456789012:parametr/a/b"));
}

static void test_matching_selectors(void)
{
	struct ssm_param latest = {.name = "/a/b", .arn = ARN_PREFIX "/a/b", .version = 4};
	struct ssm_param v1 = {.name = "/a/b", .selector = ":1", .version = 1};
	struct ssm_param prod = {.name = "/a/b", .selector = ":prod", .version = 2};
	struct ssm_param bare_sel = {.name = "/a/b", .selector = "prod", .version = 2};
	struct ssm_param unknown = {.name = "/a/b"}; /* no Version, no Selector */
	struct ssm_param empty_sel = {.name = "/a/b", .selector = "", .version = 3};

	/* Without a selector, only an entry that answered no selector will do. */
	CHECK(ssm_param_matches(&latest, "/a/b"));
	CHECK(!ssm_param_matches(&v1, "/a/b"));
	CHECK(!ssm_param_matches(&prod, "/a/b"));
	/* ":N" matches the echoed selector or the version. */
	CHECK(ssm_param_matches(&v1, "/a/b:1"));
	CHECK(ssm_param_matches(&latest, "/a/b:4"));
	CHECK(ssm_param_matches(&latest, ARN_PREFIX "/a/b:4"));
	CHECK(ssm_param_matches(&latest, "/a/b:04"));
	CHECK(!ssm_param_matches(&latest, "/a/b:3"));
	CHECK(!ssm_param_matches(&latest, "/a/b:4x"));
	CHECK(!ssm_param_matches(&latest, "/a/b:+4"));
	CHECK(!ssm_param_matches(&v1, "/a/b:2"));
	CHECK(ssm_param_matches(&prod, "/a/b:2"));
	CHECK(!ssm_param_matches(&unknown, "/a/b:0"));
	CHECK(!ssm_param_matches(&latest, "/a/b:99999999999999999999999"));
	/* ":label" matches only the echoed selector. */
	CHECK(ssm_param_matches(&prod, "/a/b:prod"));
	CHECK(ssm_param_matches(&prod, ARN_PREFIX "/a/b:prod"));
	CHECK(ssm_param_matches(&bare_sel, "/a/b:prod"));
	CHECK(!ssm_param_matches(&prod, "/a/b:Prod"));
	CHECK(!ssm_param_matches(&prod, "/a/b:staging"));
	CHECK(!ssm_param_matches(&latest, "/a/b:prod"));
	CHECK(!ssm_param_matches(&prod, "/a/b:"));
	CHECK(ssm_param_matches(&empty_sel, "/a/b")); /* an empty echo is no selector */
	CHECK(!ssm_param_matches(&empty_sel, "/a/b:"));
	CHECK(!ssm_param_matches(&v1, "/a/c:1"));
}

int main(void)
{
	jsonval_init_allocator();
	RUN(test_body_get_parameters);
	RUN(test_body_get_parameters_limits);
	RUN(test_body_by_path);
	RUN(test_parse_get_parameters);
	RUN(test_parse_get_parameters_partial_lists);
	RUN(test_parse_by_path_pagination);
	RUN(test_malformed);
	RUN(test_matching_names_and_arns);
	RUN(test_matching_selectors);
	return unit_done("test_ssm");
}
