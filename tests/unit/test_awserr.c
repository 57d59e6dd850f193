/* Tests of shim/awserr.c: the smithy awsJson1_1 error conformance cases, messages, query-XML
 * errors, the class and exit status of every listed code, backoff bounds and the retry quota. */
#include "awserr.h"
#include "err.h"
#include "unit.h"

#include <math.h>

static struct awserr parse(long status, const char *hdr, const char *body)
{
	struct awserr e;

	awserr_parse(&e, status, hdr, body, body ? strlen(body) : 0);
	return e;
}

#define URL ":http://internal.amazon.com/coral/com.amazon.coral.validate/"
#define NS  "aws.protocoltests.json#"

/* smithy-aws-protocol-tests awsJson1_1/errors.smithy, AwsJson11FooError*: all must be FooError. */
static void test_smithy_conformance(void)
{
	static const struct {
		const char *hdr, *body;
	} cases[] = {
	        {"FooError", ""},
	        {"FooError" URL, ""},
	        {NS "FooError" URL, ""},
	        {NULL, "{\"code\": \"FooError\"}"},
	        {NULL, "{\"code\": \"" NS "FooError\"}"},
	        {NULL, "{\"code\": \"" NS "FooError" URL "\"}"},
	        {NULL, "{\"__type\": \"FooError\"}"},
	        {NULL, "{\"__type\": \"" NS "FooError\"}"},
	        {NULL, "{\"__type\": \"" NS "FooError" URL "\"}"},
	        {NULL, "{\"__type\": \"" NS "FooError\", \"ErrorDetails\": [{\"__type\": "
	               "\"com.amazon.internal#ErrorDetails\", \"reason\": \"Some reason\"}]}"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct awserr e = parse(500, cases[i].hdr, cases[i].body);

		CHECK_STR(e.code, "FooError");
		CHECK_INT(e.status, 500);
		CHECK_INT(e.cls, AWSERR_TRANSIENT);
	}
}

static void test_code_precedence(void)
{
	struct awserr e;

	e = parse(400, "HeaderError", "{\"__type\":\"TypeError\",\"code\":\"CodeError\"}");
	CHECK_STR(e.code, "HeaderError");
	e = parse(400, NULL, "{\"__type\":\"TypeError\",\"code\":\"CodeError\"}");
	CHECK_STR(e.code, "TypeError");
	e = parse(400, "", "{\"code\":\"CodeError\"}");
	CHECK_STR(e.code, "CodeError");
	e = parse(400, "  Spaced \r\n", "");
	CHECK_STR(e.code, "Spaced");
	e = parse(400, NULL, "{\"__type\":\"ParameterNotFound\"}");
	CHECK_STR(e.message, "");
	CHECK_INT(e.cls, AWSERR_NOT_FOUND);
	/* Odd bytes in a code never reach a log line as such. */
	e = parse(400,
	          "Bad\x01"
	          "Code\"x",
	          "");
	CHECK_STR(e.code, "Bad?Code?x");
}

static void test_messages(void)
{
	struct awserr e;
	char big[2000];

	e = parse(400, NULL, "{\"__type\":\"ParameterNotFound\",\"message\":\"lower\"}");
	CHECK_STR(e.message, "lower");
	e = parse(400, NULL, "{\"__type\":\"ResourceNotFoundException\",\"Message\":\"upper\"}");
	CHECK_STR(e.message, "upper");
	e = parse(400, NULL, "{\"message\":\"first\",\"Message\":\"second\"}");
	CHECK_STR(e.message, "first");
	e = parse(400, NULL, "{\"message\":\"line\\nbreak\\u0007\"}");
	CHECK_STR(e.message, "line?break?");
	/* Not JSON, not XML, or truncated: no code, no message, class from the status alone. */
	e = parse(503, NULL, "<html>Service Unavailable");
	CHECK_STR(e.code, "");
	CHECK_INT(e.cls, AWSERR_TRANSIENT);
	e = parse(400, NULL, "{\"__type\":\"Throttl");
	CHECK_STR(e.code, "");
	CHECK_INT(e.cls, AWSERR_OTHER);
	e = parse(400, NULL, "[1,2]");
	CHECK_STR(e.code, "");
	/* Long messages are cut to the buffer, on a UTF-8 boundary. */
	memset(big, 0, sizeof(big));
	strcpy(big, "{\"message\":\"");
	memset(big + 12, 'a', 510);
	strcat(big, "\xc3\xa9\xc3\xa9\"}");
	e = parse(400, NULL, big);
	CHECK_INT(strlen(e.message), 510);
	CHECK(e.message[509] == 'a');
}

static void test_xml(void)
{
	struct awserr e;

	e = parse(400, NULL,
	          "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
	          "  <Error>\n    <Type>Sender</Type>\n    <Code>InvalidIdentityToken</Code>\n"
	          "    <Message>Token &lt;aud&gt; &amp; &quot;iss&quot; &#65;&#x42; bad</Message>\n"
	          "  </Error>\n  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
	          "</ErrorResponse>\n");
	CHECK_STR(e.code, "InvalidIdentityToken");
	CHECK_STR(e.message, "Token <aud> & \"iss\" AB bad");
	CHECK_INT(e.cls, AWSERR_DENIED);

	e = parse(403, NULL,
	          "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>"
	          "<Message>The request signature we calculated does not match</Message></Error>");
	CHECK_STR(e.code, "SignatureDoesNotMatch");
	CHECK_INT(e.cls, AWSERR_DENIED);

	e = parse(400, NULL, "<ErrorResponse><Error><Code>IDPCommunicationError</Code></Error>");
	CHECK_STR(e.code, "IDPCommunicationError");
	CHECK_STR(e.message, "");
	CHECK_INT(e.cls, AWSERR_TRANSIENT);

	/* A Code outside <Error> is not an error code; an unclosed element is ignored. */
	e = parse(400, NULL, "<Foo><Code>Nope</Code></Foo>");
	CHECK_STR(e.code, "");
	e = parse(400, NULL, "<Error><Code>Unclosed");
	CHECK_STR(e.code, "");
	/* The header still wins over the body. */
	e = parse(400, "ThrottlingException", "<Error><Code>Other</Code></Error>");
	CHECK_STR(e.code, "ThrottlingException");
}

static void check_codes(const char *const *codes, long status, enum awserr_class cls, int ex)
{
	for (; *codes; codes++) {
		enum awserr_class got = awserr_classify(status, *codes);

		if (got != cls)
			fprintf(stderr, "  code %s (HTTP %ld)\n", *codes, status);
		CHECK_INT(got, cls);
		CHECK_INT(awserr_exit_status(got), ex);
	}
}

static void test_classify_codes(void)
{
	static const char *const throttling[] = {"Throttling",
	                                         "ThrottlingException",
	                                         "ThrottledException",
	                                         "RequestThrottledException",
	                                         "TooManyRequestsException",
	                                         "ProvisionedThroughputExceededException",
	                                         "TransactionInProgressException",
	                                         "RequestLimitExceeded",
	                                         "BandwidthLimitExceeded",
	                                         "LimitExceededException",
	                                         "RequestThrottled",
	                                         "SlowDown",
	                                         "PriorRequestNotComplete",
	                                         "EC2ThrottledException",
	                                         NULL};
	static const char *const transient[] = {"RequestTimeout", "RequestTimeoutException",
	                                        "IDPCommunicationError", NULL};
	static const char *const denied[] = {"AccessDeniedException",
	                                     "AccessDenied",
	                                     "UnrecognizedClientException",
	                                     "InvalidClientTokenId",
	                                     "InvalidSignatureException",
	                                     "ExpiredTokenException",
	                                     "ExpiredToken",
	                                     "SignatureDoesNotMatch",
	                                     "IncompleteSignature",
	                                     "MissingAuthenticationToken",
	                                     "MissingAuthenticationTokenException",
	                                     "InvalidAccessKeyId",
	                                     "NotAuthorized",
	                                     "AuthFailure",
	                                     "UnauthorizedOperation",
	                                     "OptInRequired",
	                                     "RequestExpired",
	                                     "InvalidIdentityToken",
	                                     "IDPRejectedClaim",
	                                     "RegionDisabledException",
	                                     "DecryptionFailure",
	                                     "KMSAccessDeniedException",
	                                     NULL};
	static const char *const not_found[] = {"ResourceNotFoundException", "ParameterNotFound",
	                                        "ParameterVersionNotFound", NULL};
	static const char *const invalid[] = {
	        "ValidationException",     "ValidationError", "InvalidParameterException",
	        "InvalidRequestException", "InvalidKeyId",    NULL};
	static const char *const other[] = {
	        "SerializationException",    "UnknownOperationException",
	        "InvalidNextTokenException", "",
	        "throttlingexception",       NULL};

	check_codes(throttling, 400, AWSERR_THROTTLING, SHIM_EX_UNAVAILABLE);
	check_codes(transient, 400, AWSERR_TRANSIENT, SHIM_EX_UNAVAILABLE);
	check_codes(denied, 400, AWSERR_DENIED, SHIM_EX_NOPERM);
	check_codes(denied, 403, AWSERR_DENIED, SHIM_EX_NOPERM);
	check_codes(not_found, 400, AWSERR_NOT_FOUND, SHIM_EX_UNRESOLVED);
	check_codes(invalid, 400, AWSERR_INVALID, SHIM_EX_UNRESOLVED);
	check_codes(other, 400, AWSERR_OTHER, SHIM_EX_UNAVAILABLE);
}

static void test_classify_status(void)
{
	CHECK_INT(awserr_classify(200, NULL), AWSERR_NONE);
	CHECK_INT(awserr_classify(204, "ThrottlingException"), AWSERR_NONE);
	CHECK_INT(awserr_exit_status(AWSERR_NONE), 0);
	CHECK_INT(awserr_classify(0, NULL), AWSERR_TRANSIENT);
	CHECK_INT(awserr_classify(500, "InternalServiceError"), AWSERR_TRANSIENT);
	CHECK_INT(awserr_classify(502, ""), AWSERR_TRANSIENT);
	CHECK_INT(awserr_classify(503, NULL), AWSERR_TRANSIENT);
	CHECK_INT(awserr_classify(504, NULL), AWSERR_TRANSIENT);
	CHECK_INT(awserr_classify(501, NULL), AWSERR_OTHER);
	CHECK_INT(awserr_classify(429, NULL), AWSERR_THROTTLING);
	CHECK_INT(awserr_classify(401, NULL), AWSERR_DENIED);
	CHECK_INT(awserr_classify(403, ""), AWSERR_DENIED);
	/* A 404 without an AWS code is a wrong endpoint, not a missing secret. */
	CHECK_INT(awserr_classify(404, NULL), AWSERR_OTHER);
	CHECK_INT(awserr_exit_status(AWSERR_OTHER), SHIM_EX_UNAVAILABLE);
	/* A throttling code wins over the status it came with. */
	CHECK_INT(awserr_classify(503, "SlowDown"), AWSERR_THROTTLING);
}

static void test_should_retry(void)
{
	CHECK(awserr_should_retry(AWSERR_THROTTLING, 1, 3));
	CHECK(awserr_should_retry(AWSERR_TRANSIENT, 2, 3));
	CHECK(!awserr_should_retry(AWSERR_TRANSIENT, 3, 3));
	CHECK(!awserr_should_retry(AWSERR_THROTTLING, 1, 1));
	CHECK(!awserr_should_retry(AWSERR_DENIED, 1, 3));
	CHECK(!awserr_should_retry(AWSERR_NOT_FOUND, 1, 3));
	CHECK(!awserr_should_retry(AWSERR_INVALID, 1, 3));
	CHECK(!awserr_should_retry(AWSERR_OTHER, 1, 3));
	CHECK(!awserr_should_retry(AWSERR_NONE, 1, 3));
}

/* DESIGN.md 5.5: throttled calls are not limited to 3 attempts when a deadline bounds them
 * (a fleet start outlasts 3 throttled attempts); everything else keeps the standard mode. */
static void test_retry_decide(void)
{
	CHECK_INT(awserr_retry_decide(AWSERR_THROTTLING, 1, 3, 1), AWSERR_RETRY_THROTTLED);
	CHECK_INT(awserr_retry_decide(AWSERR_THROTTLING, 3, 3, 1), AWSERR_RETRY_THROTTLED);
	CHECK_INT(awserr_retry_decide(AWSERR_THROTTLING, 40, 3, 1), AWSERR_RETRY_THROTTLED);
	/* No deadline: nothing would bound the wait, so the attempt count does. */
	CHECK_INT(awserr_retry_decide(AWSERR_THROTTLING, 2, 3, 0), AWSERR_RETRY_STANDARD);
	CHECK_INT(awserr_retry_decide(AWSERR_THROTTLING, 3, 3, 0), AWSERR_RETRY_NO);
	/* A request that allows one attempt (IMDS on a laptop) gets one, throttled or not. */
	CHECK_INT(awserr_retry_decide(AWSERR_THROTTLING, 1, 1, 1), AWSERR_RETRY_NO);
	CHECK_INT(awserr_retry_decide(AWSERR_TRANSIENT, 1, 3, 1), AWSERR_RETRY_STANDARD);
	CHECK_INT(awserr_retry_decide(AWSERR_TRANSIENT, 3, 3, 1), AWSERR_RETRY_NO);
	CHECK_INT(awserr_retry_decide(AWSERR_DENIED, 1, 3, 1), AWSERR_RETRY_NO);
	CHECK_INT(awserr_retry_decide(AWSERR_OTHER, 1, 3, 1), AWSERR_RETRY_NO);
	CHECK_INT(awserr_retry_decide(AWSERR_NONE, 1, 3, 1), AWSERR_RETRY_NO);
}

static void test_backoff(void)
{
	int a;

	CHECK_INT(awserr_backoff_ms(1, 0.0), 0);
	CHECK_INT(awserr_backoff_ms(1, 1.0), 1000);
	CHECK_INT(awserr_backoff_ms(1, 0.5), 500);
	CHECK_INT(awserr_backoff_ms(2, 1.0), 2000);
	CHECK_INT(awserr_backoff_ms(3, 1.0), 4000);
	CHECK_INT(awserr_backoff_ms(5, 1.0), 16000);
	CHECK_INT(awserr_backoff_ms(6, 1.0), 20000);
	CHECK_INT(awserr_backoff_ms(6, 0.5), 10000);
	CHECK_INT(awserr_backoff_ms(1000, 1.0), 20000);
	CHECK_INT(awserr_backoff_ms(0, 1.0), 1000);
	CHECK_INT(awserr_backoff_ms(1, 7.0), 1000);
	CHECK_INT(awserr_backoff_ms(1, -1.0), 0);
	CHECK_INT(awserr_backoff_ms(1, NAN), 0);
	for (a = 1; a < 70; a++) {
		long hi = awserr_backoff_ms(a, 0.999999);

		CHECK(hi >= 0 && hi <= AWSERR_BACKOFF_CAP_MS);
		CHECK(awserr_backoff_ms(a, 0.25) <= hi);
	}
}

static void test_quota(void)
{
	struct awserr_quota q;
	int i, taken;

	awserr_quota_init(&q);
	CHECK_INT(q.available, 500);
	CHECK_INT(awserr_quota_acquire(&q, 0), 5);
	CHECK_INT(q.available, 495);
	CHECK_INT(awserr_quota_acquire(&q, 1), 10);
	CHECK_INT(q.available, 485);
	/* A 2xx after a retry refunds what that retry took; one with no retry refunds 1. */
	awserr_quota_release(&q, 10);
	CHECK_INT(q.available, 495);
	awserr_quota_release(&q, 0);
	CHECK_INT(q.available, 496);
	awserr_quota_release(&q, 5);
	awserr_quota_release(&q, 5);
	CHECK_INT(q.available, 500);
	/* Drain it: 100 retries of 5; then no more retries until refunds come in. */
	for (i = 0; i < 100; i++)
		CHECK_INT(awserr_quota_acquire(&q, 0), 5);
	CHECK_INT(q.available, 0);
	CHECK_INT(awserr_quota_acquire(&q, 0), 0);
	CHECK_INT(q.available, 0);
	for (i = 0; i < 9; i++)
		awserr_quota_release(&q, 0);
	CHECK_INT(awserr_quota_acquire(&q, 1), 0);
	taken = awserr_quota_acquire(&q, 0);
	CHECK_INT(taken, 5);
	CHECK_INT(q.available, 4);
}

int main(void)
{
	RUN(test_smithy_conformance);
	RUN(test_code_precedence);
	RUN(test_messages);
	RUN(test_xml);
	RUN(test_classify_codes);
	RUN(test_classify_status);
	RUN(test_should_retry);
	RUN(test_retry_decide);
	RUN(test_backoff);
	RUN(test_quota);
	return unit_done("test_awserr");
}
