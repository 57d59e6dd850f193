/* Unit tests for shim/endpoint.c: endpoint precedence, public endpoints per partition, Host
 * header values, default region order and the region of an ECS task. */
#include "endpoint.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

/* endpoint_url with an environment; returns the URL (caller frees) or NULL, status in *st. */
static char *url_of(enum aws_service svc, const char *region, const char *partition, char **envp,
                    const char *profile_url, struct shim_err *err)
{
	char *u = NULL;

	memset(err, 0, sizeof(*err));
	if (endpoint_url(&u, svc, region, partition, envp, profile_url, err) < 0)
		return NULL;
	return u;
}

#define CHECK_URL(svc, region, part, envp, prof, want)                                             \
	do {                                                                                       \
		struct shim_err e_;                                                                \
		char *u_ = url_of(svc, region, part, envp, prof, &e_);                             \
		CHECK_STR(u_, want);                                                               \
		if (!u_)                                                                           \
			fprintf(stderr, "  error: %s\n", e_.msg);                                  \
		free(u_);                                                                          \
	} while (0)

static void test_public_endpoints(void)
{
	CHECK_URL(SVC_SECRETS_MANAGER, "us-east-1", NULL, NULL, NULL,
	          "https://secretsmanager.us-east-1.amazonaws.com");
	CHECK_URL(SVC_SSM, "eu-west-3", NULL, NULL, NULL, "https://ssm.eu-west-3.amazonaws.com");
	CHECK_URL(SVC_STS, "us-west-2", NULL, NULL, NULL, "https://sts.us-west-2.amazonaws.com");
	CHECK_URL(SVC_SSO, "eu-west-1", NULL, NULL, NULL,
	          "https://portal.sso.eu-west-1.amazonaws.com");
	CHECK_URL(SVC_SSO_OIDC, "cn-north-1", NULL, NULL, NULL,
	          "https://oidc.cn-north-1.amazonaws.com.cn");
	CHECK_URL(SVC_SSM, "cn-north-1", NULL, NULL, NULL,
	          "https://ssm.cn-north-1.amazonaws.com.cn");
	CHECK_URL(SVC_SECRETS_MANAGER, "cn-northwest-1", "aws-cn", NULL, NULL,
	          "https://secretsmanager.cn-northwest-1.amazonaws.com.cn");
	CHECK_URL(SVC_STS, "us-gov-west-1", NULL, NULL, NULL,
	          "https://sts.us-gov-west-1.amazonaws.com");
	CHECK_URL(SVC_SSM, "us-gov-east-1", "aws-us-gov", NULL, NULL,
	          "https://ssm.us-gov-east-1.amazonaws.com");
	CHECK_URL(SVC_SSM, "us-iso-east-1", NULL, NULL, NULL,
	          "https://ssm.us-iso-east-1.c2s.ic.gov");
	CHECK_URL(SVC_SSM, "us-isob-east-1", NULL, NULL, NULL,
	          "https://ssm.us-isob-east-1.sc2s.sgov.gov");
	/* An explicit partition (from an ARN) wins over the region's prefix. */
	CHECK_URL(SVC_SSM, "cn-north-1", "aws", NULL, NULL, "https://ssm.cn-north-1.amazonaws.com");
}

#define AS "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void test_bad_region_or_partition(void)
{
	static const char *const bad[] = {
	        "",       "US-EAST-1", "us-east-1/evil", "us east 1", "us-east-1.x.y",
	        "a\r\nb", "us_east_1", "us-east-1a",     "../x",      "US EAST"};
	char long_ok[65], long_bad[66];
	struct shim_err e;
	char *u;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u = url_of(SVC_SSM, bad[i], NULL, NULL, NULL, &e);
		CHECK(u == NULL);
		CHECK_INT(e.status, SHIM_EX_USAGE);
		free(u);
	}
	u = url_of(SVC_SSM, NULL, NULL, NULL, NULL, &e);
	CHECK(u == NULL);
	CHECK_INT(e.status, SHIM_EX_USAGE);
	/* us-aaa...a-1: the longest region accepted is 64 bytes */
	snprintf(long_ok, sizeof(long_ok), "us-%.59s-1", AS);
	snprintf(long_bad, sizeof(long_bad), "us-%.60s-1", AS);
	CHECK_INT(strlen(long_ok), 64);
	CHECK_INT(strlen(long_bad), 65);
	u = url_of(SVC_SSM, long_ok, NULL, NULL, NULL, &e);
	CHECK(u != NULL);
	free(u);
	u = url_of(SVC_SSM, long_bad, NULL, NULL, NULL, &e);
	CHECK(u == NULL);
	u = url_of(SVC_SSM, "us-east-1", "aws-mars", NULL, NULL, &e);
	CHECK(u == NULL);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK(strstr(e.msg, "partition") != NULL);
}

static void test_endpoint_precedence(void)
{
	char *svc_global[] = {"AWS_ENDPOINT_URL=https://global.example:1111",
	                      "AWS_ENDPOINT_URL_SSM=https://127.0.0.1:43211", NULL};
	char *global[] = {"AWS_ENDPOINT_URL=https://127.0.0.1:43211/", NULL};
	char *sm_only[] = {"AWS_ENDPOINT_URL_SECRETS_MANAGER=http://localhost:4566", NULL};
	char *sts_only[] = {"AWS_ENDPOINT_URL_STS=https://sts.local", "AWS_ENDPOINT_URL=", NULL};
	char *empty_svc[] = {"AWS_ENDPOINT_URL_SSM=", "AWS_ENDPOINT_URL=https://g.example", NULL};

	/* Service variable > AWS_ENDPOINT_URL > profile > public endpoint. */
	CHECK_URL(SVC_SSM, "us-east-1", NULL, svc_global, "https://prof",
	          "https://127.0.0.1:43211");
	CHECK_URL(SVC_SECRETS_MANAGER, "us-east-1", NULL, svc_global, "https://prof",
	          "https://global.example:1111");
	CHECK_URL(SVC_SECRETS_MANAGER, "us-east-1", NULL, global, "https://prof",
	          "https://127.0.0.1:43211");
	CHECK_URL(SVC_SECRETS_MANAGER, "us-east-1", NULL, NULL, "https://prof.example/",
	          "https://prof.example");
	CHECK_URL(SVC_SECRETS_MANAGER, "eu-west-1", NULL, sm_only, NULL, "http://localhost:4566");
	CHECK_URL(SVC_SSM, "eu-west-1", NULL, sm_only, NULL, "https://ssm.eu-west-1.amazonaws.com");
	CHECK_URL(SVC_STS, "eu-west-1", NULL, sts_only, NULL, "https://sts.local");
	CHECK_URL(SVC_SSM, "eu-west-1", NULL, sts_only, "", "https://ssm.eu-west-1.amazonaws.com");
	{
		char *sso[] = {"AWS_ENDPOINT_URL_SSO=https://127.0.0.1:9443/", NULL};
		char *oidc[] = {"AWS_ENDPOINT_URL_SSO_OIDC=https://127.0.0.1:9444", NULL};

		CHECK_URL(SVC_SSO, "eu-west-1", NULL, sso, NULL, "https://127.0.0.1:9443");
		CHECK_URL(SVC_SSO_OIDC, "eu-west-1", NULL, sso, NULL,
		          "https://oidc.eu-west-1.amazonaws.com");
		CHECK_URL(SVC_SSO_OIDC, "eu-west-1", NULL, oidc, NULL, "https://127.0.0.1:9444");
		CHECK_URL(SVC_SSO, "eu-west-1", NULL, oidc, NULL,
		          "https://portal.sso.eu-west-1.amazonaws.com");
	}
	/* Empty values count as unset. */
	CHECK_URL(SVC_SSM, "eu-west-1", NULL, empty_svc, NULL, "https://g.example");
}

static void test_endpoint_trailing_slash_and_path(void)
{
	char *two[] = {"AWS_ENDPOINT_URL=https://h.example//", NULL};
	char *path[] = {"AWS_ENDPOINT_URL=https://h.example/prefix/", NULL};

	CHECK_URL(SVC_SSM, "us-east-1", NULL, two, NULL, "https://h.example/");
	CHECK_URL(SVC_SSM, "us-east-1", NULL, path, NULL, "https://h.example/prefix");
}

static void test_ignore_configured_endpoints(void)
{
	char *on[] = {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true",
	              "AWS_ENDPOINT_URL_SSM=https://127.0.0.1:1", "AWS_ENDPOINT_URL=https://x",
	              NULL};
	char *on_upper[] = {"AWS_ENDPOINT_URL=https://x",
	                    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=TRUE", NULL};
	char *off[] = {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false", "AWS_ENDPOINT_URL=https://x",
	               NULL};

	CHECK_URL(SVC_SSM, "us-east-1", NULL, on, "https://prof",
	          "https://ssm.us-east-1.amazonaws.com");
	CHECK_URL(SVC_SSM, "us-east-1", NULL, on_upper, NULL,
	          "https://ssm.us-east-1.amazonaws.com");
	CHECK_URL(SVC_SSM, "us-east-1", NULL, off, NULL, "https://x");
}

static void test_configured_url_malformed(void)
{
	char *svc[] = {"AWS_ENDPOINT_URL_SECRETS_MANAGER=localhost:4566", NULL};
	char *glob[] = {"AWS_ENDPOINT_URL=https://user:hunter2@h.example", NULL};
	struct shim_err e;
	char *u;

	u = url_of(SVC_SECRETS_MANAGER, "us-east-1", NULL, svc, NULL, &e);
	CHECK(u == NULL);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK(strstr(e.msg, "AWS_ENDPOINT_URL_SECRETS_MANAGER") != NULL);
	u = url_of(SVC_SSM, "us-east-1", NULL, glob, NULL, &e);
	CHECK(u == NULL);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK(strstr(e.msg, "AWS_ENDPOINT_URL") != NULL);
	CHECK(strstr(e.msg, "hunter2") == NULL);
	u = url_of(SVC_SSM, "us-east-1", NULL, NULL, "ftp://h", &e);
	CHECK(u == NULL);
	CHECK(strstr(e.msg, "profile endpoint_url") != NULL);
}

static void check_host(const char *url, const char *want, int want_https)
{
	char *h = NULL;
	int https = -1;
	struct shim_err e = {0};

	CHECK_INT(endpoint_host(&h, &https, url, &e), 0);
	CHECK_STR(h, want);
	CHECK_INT(https, want_https);
	if (!h)
		fprintf(stderr, "  %s: %s\n", url, e.msg);
	free(h);
}

static void test_host_ports(void)
{
	check_host("https://secretsmanager.us-east-1.amazonaws.com",
	           "secretsmanager.us-east-1.amazonaws.com", 1);
	check_host("https://h.example:443", "h.example", 1);
	check_host("http://h.example:80/", "h.example", 0);
	check_host("https://127.0.0.1:43211", "127.0.0.1:43211", 1);
	check_host("http://h.example:443", "h.example:443", 0);
	check_host("https://h.example:80", "h.example:80", 1);
	check_host("https://h.example:08443", "h.example:8443", 1);
	check_host("HTTPS://H.Example", "H.Example", 1);
	check_host("https://h.example:65535", "h.example:65535", 1);
}

static void test_host_ipv6_and_paths(void)
{
	check_host("https://[::1]:8443", "[::1]:8443", 1);
	check_host("https://[::1]:443/x", "[::1]", 1);
	check_host("http://[fd00:ec2::23]/v1/credentials", "[fd00:ec2::23]", 0);
	/* Paths, queries and fragments stay out of the Host header. */
	check_host("https://h.example/a/b:9?x=1@2", "h.example", 1);
	check_host("https://h.example?q=a:1", "h.example", 1);
	check_host("https://h.example:8443#frag", "h.example:8443", 1);
}

static void test_host_malformed(void)
{
	static const char *const bad[] = {
	        "h.example",
	        "/credentials",
	        "://h",
	        "ftp://h.example",
	        "https://user:pw@h",
	        "https://user@h/x",
	        "https://",
	        "https:///path",
	        "https://:443",
	        "https://h:",
	        "https://h:0",
	        "https://h:65536",
	        "https://h:99999999",
	        "https://h:12a",
	        "https://h:-1",
	        "https://[::1",
	        "https://[zz::1]",
	        "https://[::1]x",
	        "https://[::1%25eth0]/",
	        "https://h x",
	        "https://h\r\nX: y",
	        "https://h\t",
	        "https://a:b:c",
	        "https://-h",
	        "https://h%2e",
	        "https://[]",
	        "https://::1/",
	        "",
	};
	struct shim_err e;
	char *h = (char *)"untouched";
	int https = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		if (endpoint_host(&h, &https, bad[i], &e) != -1)
			fprintf(stderr, "  accepted: \"%s\"\n", bad[i]);
		CHECK_INT(e.status, SHIM_EX_DATA);
		CHECK(e.msg[0] != '\0');
	}
	CHECK_STR(h, "untouched");
	CHECK_INT(https, 7);
	CHECK_INT(endpoint_host(&h, &https, NULL, &e), -1);
	endpoint_host(&h, &https, "https://AKIDEXAMPLE:s3cr3t@h.example", &e);
	CHECK(strstr(e.msg, "user information") != NULL);
	CHECK(strstr(e.msg, "s3cr3t") == NULL);
	CHECK(strstr(e.msg, "AKIDEXAMPLE") == NULL);
	endpoint_host(&h, &https, "/credentials", &e);
	CHECK(strstr(e.msg, "did not specify a host") != NULL);
}

/* A DNS name is at most 253 bytes (found by fuzz_creds: a 1,400-byte host was accepted). */
/* The plain-http rule's one home: each class, ports, brackets, and near misses. */
static void test_host_class(void)
{
	static const struct {
		const char *host;
		int want;
	} v[] = {
	        {"127.0.0.1", ENDPOINT_HOST_LOOPBACK},
	        {"127.255.3.4:8080", ENDPOINT_HOST_LOOPBACK},
	        {"localhost", ENDPOINT_HOST_LOOPBACK},
	        {"LocalHost:9", ENDPOINT_HOST_LOOPBACK},
	        {"[::1]", ENDPOINT_HOST_LOOPBACK},
	        {"[0:0::1]:8443", ENDPOINT_HOST_LOOPBACK},
	        {"::1", ENDPOINT_HOST_LOOPBACK},
	        {"169.254.170.2", ENDPOINT_HOST_CONTAINER},
	        {"169.254.170.23:80", ENDPOINT_HOST_CONTAINER},
	        {"[fd00:ec2::23]", ENDPOINT_HOST_CONTAINER},
	        {"[fd00:ec2:0::23]:80", ENDPOINT_HOST_CONTAINER},
	        {"169.254.169.254", ENDPOINT_HOST_IMDS},
	        {"169.254.169.254:80", ENDPOINT_HOST_IMDS},
	        {"[fd00:ec2::254]", ENDPOINT_HOST_IMDS},
	        {"169.254.170.3", 0},
	        {"169.254.169.253", 0},
	        {"10.0.0.1", 0},
	        {"128.0.0.1", 0},
	        {"127.0.0.1.example.com", 0},
	        {"localhost.example.com", 0},
	        {"example.com", 0},
	        {"[::2]", 0},
	        {"[fd00:ec2::24]", 0},
	        {"[::1", 0},
	        {"[::1]x", 0},
	        {"[127.0.0.1]", 0},
	        {"127.1", 0},
	        {"", 0},
	        {"[]", 0},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int got = endpoint_host_class(v[i].host);
		if (got != v[i].want)
			fprintf(stderr, "  host %s\n", v[i].host);
		CHECK_INT(got, v[i].want);
	}
	CHECK_INT(endpoint_host_class(NULL), 0);
}

static void test_host_length(void)
{
	char url[400] = "https://", *h = NULL;
	struct shim_err e = {0};
	int https = 0;

	memset(url + 8, 'a', 253);
	CHECK_INT(endpoint_host(&h, &https, url, &e), 0);
	CHECK_INT(strlen(h), 253);
	free(h);
	h = NULL;
	url[8 + 253] = 'a';
	CHECK_INT(endpoint_host(&h, &https, url, &e), -1);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK(h == NULL);
}

/* endpoint_region_select: 1 with want and want_src, or -1 naming want_src when want is NULL. */
static void check_select(const char *cli, char **envp, const char *prof, const char *want,
                         const char *want_src)
{
	struct shim_err e = {0};
	const char *r = "untouched", *src = "untouched";
	int rc = endpoint_region_select(&r, &src, cli, envp, prof, &e);

	if (want) {
		CHECK_INT(rc, 1);
		CHECK_STR(r, want);
		CHECK_STR(src, want_src);
	} else {
		CHECK_INT(rc, -1);
		CHECK_INT(e.status, SHIM_EX_USAGE);
		CHECK(strncmp(e.msg, want_src, strlen(want_src)) == 0);
		CHECK_STR(r, "untouched");
		CHECK_STR(src, "untouched");
	}
	if (unit_cur_failed)
		fprintf(stderr, "  select -> %d: %s\n", rc, e.msg);
}

static void test_region_select(void)
{
	char *both[] = {"AWS_DEFAULT_REGION=eu-west-1", "AWS_REGION=us-west-2", NULL};
	char *dflt[] = {"AWS_REGION=", "AWS_DEFAULT_REGION=eu-west-1", NULL};
	char *bad_env[] = {"AWS_REGION=us-east-1\r\nX-Evil: 1", "AWS_DEFAULT_REGION=eu-west-1",
	                   NULL};
	char *bad_dflt[] = {"AWS_DEFAULT_REGION=EU-WEST-1", NULL};
	char *empty[] = {"AWS_REGION=", "AWS_DEFAULT_REGION=", NULL};
	struct shim_err e = {0};
	const char *r = NULL;

	check_select("ap-south-1", both, "sa-east-1", "ap-south-1", "--region");
	check_select(NULL, both, "sa-east-1", "us-west-2", "AWS_REGION");
	check_select("", dflt, "sa-east-1", "eu-west-1", "AWS_DEFAULT_REGION");
	check_select(NULL, NULL, "sa-east-1", "sa-east-1", "profile region");
	/* A bad value is reported with its source, not skipped for the next one. */
	check_select("us-east-1/evil", both, NULL, NULL, "--region");
	check_select(NULL, bad_env, "sa-east-1", NULL, "AWS_REGION");
	check_select(NULL, bad_dflt, "sa-east-1", NULL, "AWS_DEFAULT_REGION");
	check_select(NULL, NULL, "us east 1", NULL, "profile region");
	CHECK_INT(endpoint_region_select(&r, NULL, "", empty, "", &e), 0);
	CHECK(r == NULL);
	CHECK_INT(endpoint_region_select(&r, NULL, NULL, NULL, NULL, &e), 0);
	CHECK_INT(endpoint_region_select(&r, NULL, "us-east-2", NULL, NULL, &e), 1);
	CHECK_STR(r, "us-east-2");
}

static void test_region_check_message(void)
{
	struct shim_err e = {0};
	char long_bad[200];

	CHECK_INT(endpoint_region_check("eu-central-2", "x", &e), 0);
	CHECK_INT(e.status, 0);
	CHECK_INT(endpoint_region_check("us-east-1\r\nX-Evil: 1", "AWS_REGION", &e), -1);
	CHECK_INT(e.status, SHIM_EX_USAGE);
	CHECK(strstr(e.msg, "AWS_REGION: invalid region \"us-east-1\\x0d\\x0aX-Evil: 1\"") ==
	      e.msg);
	CHECK(strpbrk(e.msg, "\r\n") == NULL);
	memset(long_bad, 'a', sizeof(long_bad) - 1);
	long_bad[sizeof(long_bad) - 1] = '\0';
	CHECK_INT(endpoint_region_check(long_bad, "--region", &e), -1);
	CHECK(strstr(e.msg, "aaaa...\"") != NULL); /* truncated, and says so */
	CHECK(strlen(e.msg) < 160);
	CHECK_INT(endpoint_region_check(NULL, NULL, &e), -1);
	CHECK(strstr(e.msg, "region: invalid region \"\"") == e.msg);
	/* endpoint_url blames the region and shows it. */
	free(url_of(SVC_SSM, "Us-East-1", NULL, NULL, NULL, &e));
	CHECK_INT(e.status, SHIM_EX_USAGE);
	CHECK(strstr(e.msg, "invalid region \"Us-East-1\"") != NULL);
}

static void test_service_names(void)
{
	CHECK_STR(endpoint_signing_name(SVC_SECRETS_MANAGER), "secretsmanager");
	CHECK_STR(endpoint_signing_name(SVC_SSM), "ssm");
	CHECK_STR(endpoint_signing_name(SVC_STS), "sts");
	CHECK_STR(endpoint_target_prefix(SVC_SECRETS_MANAGER), "secretsmanager");
	CHECK_STR(endpoint_target_prefix(SVC_SSM), "AmazonSSM");
	CHECK(endpoint_target_prefix(SVC_STS) == NULL);
}

static void check_task_region(const char *body, const char *want)
{
	struct shim_err e = {0};
	char *r = NULL;
	int rc = endpoint_region_from_task_metadata(&r, body, strlen(body), &e);

	if (want) {
		CHECK_INT(rc, 0);
		CHECK_STR(r, want);
	} else {
		CHECK_INT(rc, -1);
		CHECK_INT(e.status, SHIM_EX_UNAVAILABLE);
		CHECK(r == NULL);
	}
	free(r);
}

static void test_task_metadata_region(void)
{
	check_task_region("{\"Cluster\":\"default\",\"TaskARN\":\"arn:aws:ecs:us-west-2:"
	                  "111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c\","
	                  "\"AvailabilityZone\":\"us-west-2d\"}",
	                  "us-west-2");
	check_task_region("{\"AvailabilityZone\":\"us-east-1a\"}", "us-east-1");
	check_task_region("{\"AvailabilityZone\":\"us-gov-west-1b\"}", "us-gov-west-1");
	/* A Local Zone name is not guessed at: the TaskARN says where the task is. */
	check_task_region("{\"AvailabilityZone\":\"us-west-2-lax-1a\",\"TaskARN\":"
	                  "\"arn:aws:ecs:us-west-2:1:task/c/1\"}",
	                  "us-west-2");
	check_task_region("{\"TaskARN\":\"arn:aws-cn:ecs:cn-north-1:1:task/c/1\"}", "cn-north-1");
	check_task_region("{\"Cluster\":\"arn:aws:ecs:eu-central-1:1:cluster/x\"}", "eu-central-1");
	check_task_region("{\"Cluster\":\"default\"}", NULL);
	check_task_region("{\"AvailabilityZone\":\"us-west-2-lax-1a\"}", NULL);
	check_task_region("{\"TaskARN\":\"arn:aws:ecs:US/EVIL:1:task/c/1\"}", NULL);
	check_task_region("{\"TaskARN\":\"arn:aws:ecs\"}", NULL);
	check_task_region("{\"AvailabilityZone\":17}", NULL);
	check_task_region("[\"us-east-1a\"]", NULL);
	check_task_region("not json", NULL);
	check_task_region("", NULL);
}

/* DESIGN 5.4: plain http to an endpoint an AWS_ENDPOINT_URL* variable configured is allowed
 * (and named, for the warning); a profile's, or https, or a loopback host needs no allowance. */
static void test_configured_plain_http(void)
{
	char *ssm[] = {"AWS_ENDPOINT_URL_SSM=http://localstack:4566/", NULL};
	char *all[] = {"AWS_ENDPOINT_URL=http://moto:5000", NULL};
	char *tls[] = {"AWS_ENDPOINT_URL=https://localstack:4566", NULL};
	char *loop[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:4566", NULL};
	struct shim_err e = {0};
	const char *by = "unset";
	char *u = NULL;
	int plain = -1;

	CHECK_INT(
	        endpoint_url_configured(&u, &by, &plain, SVC_SSM, "us-east-1", NULL, ssm, NULL, &e),
	        0);
	CHECK_STR(u, "http://localstack:4566");
	CHECK_STR(by, "AWS_ENDPOINT_URL_SSM");
	CHECK_INT(plain, 1);
	free(u);
	CHECK_INT(endpoint_url_configured(&u, &by, &plain, SVC_SECRETS_MANAGER, "us-east-1", NULL,
	                                  all, NULL, &e),
	          0);
	CHECK_STR(by, "AWS_ENDPOINT_URL");
	CHECK_INT(plain, 1);
	free(u);
	CHECK_INT(
	        endpoint_url_configured(&u, &by, &plain, SVC_SSM, "us-east-1", NULL, tls, NULL, &e),
	        0);
	CHECK_INT(plain, 0);
	free(u);
	CHECK_INT(endpoint_url_configured(&u, &by, &plain, SVC_SSM, "us-east-1", NULL, loop, NULL,
	                                  &e),
	          0);
	CHECK_INT(plain, 0); /* loopback is allowed anyway: nothing to warn about */
	free(u);
	CHECK_INT(endpoint_url_configured(&u, &by, &plain, SVC_SSM, "us-east-1", NULL, NULL,
	                                  "http://localstack:4566", &e),
	          0);
	CHECK_STR(by, "profile endpoint_url");
	CHECK_INT(plain, 0); /* only the AWS_ENDPOINT_URL* variables open plain http */
	free(u);
	CHECK_INT(endpoint_url_configured(&u, &by, &plain, SVC_SSM, "us-east-1", NULL, NULL, NULL,
	                                  &e),
	          0);
	CHECK(by == NULL && plain == 0);
	free(u);
}

int main(void)
{
	RUN(test_public_endpoints);
	RUN(test_bad_region_or_partition);
	RUN(test_endpoint_precedence);
	RUN(test_endpoint_trailing_slash_and_path);
	RUN(test_ignore_configured_endpoints);
	RUN(test_configured_url_malformed);
	RUN(test_configured_plain_http);
	RUN(test_host_ports);
	RUN(test_host_ipv6_and_paths);
	RUN(test_host_malformed);
	RUN(test_host_length);
	RUN(test_host_class);
	RUN(test_region_select);
	RUN(test_region_check_message);
	RUN(test_service_names);
	RUN(test_task_metadata_region);
	return unit_done("test_endpoint");
}
