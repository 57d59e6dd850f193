/* SSM bodies: requests, strict parsing, pagination tokens and name/selector matching. */
#include "ssm.h"
#include "jsonval.h"
#include "unit.h"

static void test_bodies(void)
{
	struct buf b = BUF_INIT;
	const char *names[] = {"/a/b", "/a/c:3", "arn:aws:ssm:us-east-1:123456789012:parameter/x:lbl"};

	ssm_body_get_parameters(&b, names, 3);
	CHECK_STR(buf_cstr(&b), "{\"Names\":[\"/a/b\",\"/a/c:3\",\"arn:aws:ssm:us-east-1:123456789012:"
				"parameter/x:lbl\"],\"WithDecryption\":true}");
	buf_clear(&b);
	ssm_body_by_path(&b, "/a", NULL);
	CHECK_STR(buf_cstr(&b),
		  "{\"Path\":\"/a\",\"Recursive\":true,\"WithDecryption\":true,\"MaxResults\":10}");
	buf_clear(&b);
	ssm_body_by_path(&b, "/a", "tok\"en");
	CHECK(strstr(buf_cstr(&b), "\"NextToken\":\"tok\\\"en\""));
	buf_free(&b);
}

static void test_parse_and_match(void)
{
	const char *body =
		"{\"Parameters\":[{\"Name\":\"/a/b\",\"Type\":\"SecureString\",\"Value\":\"v-b\","
		"\"Version\":4,\"ARN\":\"arn:aws:ssm:us-east-1:123456789012:parameter/a/b\"},"
		"{\"Name\":\"/a/b\",\"Value\":\"v-b1\",\"Version\":1,\"Selector\":\":1\"},"
		"{\"Name\":\"/a/b\",\"Value\":\"v-lbl\",\"Version\":2,\"Selector\":\":prod\"},"
		"{\"Name\":\"x\",\"Value\":\"v-x\",\"Version\":1}],"
		"\"InvalidParameters\":[\"/missing\"]}";
	struct ssm_result r;
	struct shim_err e = {0};

	CHECK_INT(ssm_parse_get_parameters(&r, body, strlen(body), &e), 0);
	CHECK_INT(r.n_params, 4);
	CHECK_INT(r.n_invalid, 1);
	CHECK_STR(r.invalid[0], "/missing");
	CHECK(r.next_token == NULL);
	CHECK(ssm_param_matches(&r.params[0], "/a/b"));
	CHECK(!ssm_param_matches(&r.params[1], "/a/b")); /* that one answers /a/b:1 */
	CHECK(ssm_param_matches(&r.params[1], "/a/b:1"));
	CHECK(ssm_param_matches(&r.params[2], "/a/b:prod"));
	CHECK(!ssm_param_matches(&r.params[2], "/a/b:staging"));
	CHECK(ssm_param_matches(&r.params[0], "arn:aws:ssm:us-east-1:123456789012:parameter/a/b"));
	CHECK(ssm_param_matches(&r.params[0], "/a/b:4")); /* version without a Selector echo */
	CHECK(ssm_param_matches(&r.params[3], "arn:aws:ssm:us-east-1:123456789012:parameter/x"));
	CHECK(!ssm_param_matches(&r.params[3], "/a/x"));
	ssm_result_clear(&r);

	body = "{\"Parameters\":[],\"NextToken\":\"page2\"}";
	CHECK_INT(ssm_parse_by_path(&r, body, strlen(body), &e), 0);
	CHECK_STR(r.next_token, "page2");
	ssm_result_clear(&r);
}

static void expect_bad(const char *body, const char *needle)
{
	struct ssm_result r;
	struct shim_err e = {0};

	CHECK_INT(ssm_parse_get_parameters(&r, body, strlen(body), &e), -1);
	CHECK_INT(e.status, SHIM_EX_UNAVAILABLE);
	CHECK(strstr(e.msg, needle) != NULL);
	CHECK(strstr(e.msg, "hunter2") == NULL);
}

static void test_malformed(void)
{
	expect_bad("not json hunter2", "not a JSON object");
	expect_bad("{\"Parameters\":\"hunter2\"}", "Parameters is missing or not an array");
	expect_bad("{}", "Parameters is missing");
	expect_bad("{\"Parameters\":[{\"Name\":\"a\",\"Value\":5}]}", "string Name or Value");
	expect_bad("{\"Parameters\":[{\"Name\":\"a\",\"Value\":\"hunter2\",\"Version\":\"1\"}]}",
		   "wrong type");
	expect_bad("{\"Parameters\":[{\"Name\":\"a\",\"Value\":\"a\\u0000hunter2\"}]}", "GetParameters");
	expect_bad("{\"Parameters\":[],\"InvalidParameters\":[1]}", "InvalidParameters");
	expect_bad("{\"Parameters\":[],\"NextToken\":5}", "NextToken");
	expect_bad("{\"Parameters\":[{\"Name\":\"a\",\"Value\":\"hunter2\"}", "not a JSON object");
}

int main(void)
{
	jsonval_init_allocator();
	RUN(test_bodies);
	RUN(test_parse_and_match);
	RUN(test_malformed);
	return unit_done("test_ssm");
}
