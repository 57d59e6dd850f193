/* Tests of the valueFrom reference grammar: every accepted and refused form, the 1-or-4 rule,
 * SSM names and selectors, partitions, and the environment rule (ref_is_arn). */
#include "unit.h"
#include "valuefrom.h"

#include <stdlib.h>

#define ACCT "123456789012"
#define SM   "arn:aws:secretsmanager:us-east-1:" ACCT ":secret:"
#define PS   "arn:aws:ssm:us-east-1:" ACCT ":parameter"

static int null_or(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Parse must fail with 65 and a message containing want (and naming the reference). */
static int refused(const char *s, unsigned flags, const char *want)
{
	struct ref r = {0};
	struct shim_err err = {0};
	int ok;

	if (ref_parse(&r, s, flags, &err) == 0) {
		fprintf(stderr, "  accepted: %s\n", s);
		ref_free(&r);
		return 0;
	}
	ok = err.status == SHIM_EX_DATA && strstr(err.msg, want) != NULL &&
	     strncmp(err.msg, "reference \"", 11) == 0 && r.id == NULL;
	if (!ok)
		fprintf(stderr, "  %s -> [%d] %s (wanted \"%s\")\n", s, err.status, err.msg, want);
	return ok;
}

static void test_secret_arn_plain(void)
{
	struct ref r = {0};
	struct shim_err err = {0};
	const char *s = SM "covenant-connect/app-secrets-AbCdEf";

	CHECK_INT(ref_parse(&r, s, 0, &err), 0);
	CHECK_INT(r.kind, REF_SECRET);
	CHECK_STR(r.partition, "aws");
	CHECK_STR(r.region, "us-east-1");
	CHECK_STR(r.account, ACCT);
	CHECK_STR(r.id, s);
	CHECK_STR(r.name, "covenant-connect/app-secrets-AbCdEf");
	CHECK(!r.json_key && !r.version_stage && !r.version_id && !r.selector);
	ref_free(&r);
	CHECK(r.id == NULL && r.kind == 0);
}

static void test_secret_arn_tail(void)
{
	static const struct {
		const char *tail, *key, *stage, *vid;
	} cases[] = {
	        {":SECRET_KEY::", "SECRET_KEY", NULL, NULL},
	        {":SECRET_KEY:AWSPREVIOUS:", "SECRET_KEY", "AWSPREVIOUS", NULL},
	        {":::01234567-89ab-cdef-0123-456789abcdef", NULL, NULL,
	         "01234567-89ab-cdef-0123-456789abcdef"},
	        {"::AWSCURRENT:", NULL, "AWSCURRENT", NULL},
	        {":k:AWSCURRENT:v1", "k", "AWSCURRENT", "v1"}, /* both: AWS checks they match */
	        {":::", NULL, NULL, NULL},
	        {":my key with spaces::", "my key with spaces", NULL, NULL},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char s[512];
		struct ref r = {0};
		struct shim_err err = {0};

		snprintf(s, sizeof(s), SM "db-url-Xy12Zz%s", cases[i].tail);
		CHECK_INT(ref_parse(&r, s, 0, &err), 0);
		CHECK_STR(r.id, SM "db-url-Xy12Zz");
		CHECK_STR(r.name, "db-url-Xy12Zz");
		CHECK(null_or(r.json_key, cases[i].key));
		CHECK(null_or(r.version_stage, cases[i].stage));
		CHECK(null_or(r.version_id, cases[i].vid));
		ref_free(&r);
	}
}

static void test_secret_field_count(void)
{
	CHECK(refused(SM "x:KEY", 0, "2 ':'-separated fields after \"secret:\""));
	CHECK(refused(SM "x:KEY:AWSCURRENT", 0, "3 ':'-separated fields"));
	CHECK(refused(SM "x::", 0, "3 ':'-separated fields"));
	CHECK(refused(SM "x:a:b:c:d", 0, "5 ':'-separated fields"));
	CHECK(refused(SM "x:", 0, "2 ':'-separated"));
	CHECK(refused(SM ":k::", 0, "the secret name is empty"));
	CHECK(refused(SM, 0, "the secret name is empty"));
	CHECK(refused("db:KEY", REF_SECRET_NAME, "2 ':'-separated fields in the secret name"));
	CHECK(refused("db:a:b:c:d:e", REF_SECRET_NAME, "6 ':'-separated"));
}

static void test_partitions(void)
{
	static const char *ok[] = {
	        "arn:aws:secretsmanager:eu-west-1:" ACCT ":secret:a",
	        "arn:aws-cn:secretsmanager:cn-north-1:" ACCT ":secret:a",
	        "arn:aws-cn:ssm:cn-northwest-1:" ACCT ":parameter/a",
	        "arn:aws-us-gov:secretsmanager:us-gov-west-1:" ACCT ":secret:a",
	        "arn:aws-us-gov:ssm:us-gov-east-1:" ACCT ":parameter/a/b",
	        "arn:aws:ssm:ap-southeast-5:" ACCT ":parameter/a",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct ref r = {0};
		struct shim_err err = {0};

		CHECK_INT(ref_parse(&r, ok[i], 0, &err), 0);
		CHECK(r.partition && strncmp(ok[i] + 4, r.partition, strlen(r.partition)) == 0);
		CHECK(ref_is_arn(ok[i]));
		ref_free(&r);
	}
	CHECK(refused("arn:aws-iso:secretsmanager:us-iso-east-1:" ACCT ":secret:a", 0,
	              "partition \"aws-iso\" is not aws, aws-cn or aws-us-gov"));
	CHECK(refused("arn::secretsmanager:us-east-1:" ACCT ":secret:a", 0, "partition \"\""));
	CHECK(refused("arn:aws-cn:secretsmanager:us-east-1:" ACCT ":secret:a", 0,
	              "region \"us-east-1\" is not in that partition"));
	CHECK(refused("arn:aws:secretsmanager:cn-north-1:" ACCT ":secret:a", 0,
	              "not in that partition"));
	CHECK(refused("arn:aws:ssm:us-gov-west-1:" ACCT ":parameter/a", 0,
	              "not in that partition"));
	CHECK(refused("arn:aws-us-gov:ssm:us-east-1:" ACCT ":parameter/a", 0,
	              "not in that partition"));
}

static void test_region_account(void)
{
	CHECK(refused("arn:aws:secretsmanager:us-east-1:123:secret:x", 0,
	              "account \"123\" is not 12 digits"));
	struct shim_err err = {0};
	struct ref r = {0};

	/* The exact message of the brief, so users see the reference and the fault. */
	ref_parse(&r, "arn:aws:secretsmanager:us-east-1:123:secret:x", 0, &err);
	CHECK_STR(err.msg, "reference \"arn:aws:secretsmanager:us-east-1:123:secret:x\": "
	                   "account \"123\" is not 12 digits");
	CHECK(refused("arn:aws:secretsmanager:us-east-1:12345678901a:secret:x", 0,
	              "is not 12 digits"));
	CHECK(refused("arn:aws:secretsmanager:us-east-1:1234567890123:secret:x", 0,
	              "is not 12 digits"));
	CHECK(refused("arn:aws:secretsmanager:us-east-1::secret:x", 0, "account \"\""));
	CHECK(refused("arn:aws:secretsmanager::" ACCT ":secret:x", 0, "the ARN has no region"));
	CHECK(refused("arn:aws:secretsmanager:US-EAST-1:" ACCT ":secret:x", 0,
	              "region \"US-EAST-1\" does not look like a region"));
	CHECK(refused("arn:aws:secretsmanager:useast1:" ACCT ":secret:x", 0, "does not look"));
	CHECK(refused("arn:aws:secretsmanager:us-east:" ACCT ":secret:x", 0, "does not look"));
	CHECK(refused("arn:aws:secretsmanager:us-east-1a:" ACCT ":secret:x", 0, "does not look"));
	CHECK(refused("arn:aws:secretsmanager:us--1:" ACCT ":secret:x", 0, "does not look"));
	CHECK(refused("arn:aws:secretsmanager:u-east-1:" ACCT ":secret:x", 0, "does not look"));
}

static void test_service_resource(void)
{
	CHECK(refused("arn:aws:s3:us-east-1:" ACCT ":bucket", 0,
	              "service \"s3\" is not secretsmanager or ssm"));
	CHECK(refused("arn:aws:secretsmanager:us-east-1:" ACCT ":secrets:x", 0,
	              "the resource is not secret:NAME"));
	CHECK(refused("arn:aws:secretsmanager:us-east-1:" ACCT, 0,
	              "not of the form arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"));
	CHECK(refused("arn:aws:ssm:us-east-1:" ACCT ":document/MyDoc", 0,
	              "the resource is not parameter/NAME"));
	CHECK(refused(PS "x", 0, "the resource is not parameter/NAME"));
	CHECK(refused("arn:", 0, "not of the form"));
	CHECK(refused("arn:aws", REF_ALLOW_NAME, "not of the form"));
}

static void test_param_arn(void)
{
	static const struct {
		const char *s, *id, *name, *sel;
	} cases[] = {
	        {PS "/covenant-connect/config/ENVIRONMENT",
	         PS "/covenant-connect/config/ENVIRONMENT", "/covenant-connect/config/ENVIRONMENT",
	         NULL},
	        {PS "/a/b", PS "/a/b", "/a/b", NULL},
	        {PS "/x", PS "/x", "x", NULL},
	        {PS "/a/b:3", PS "/a/b", "/a/b", "3"},
	        {PS "/a/b:prod-label", PS "/a/b", "/a/b", "prod-label"},
	        {PS "/x:12", PS "/x", "x", "12"},
	        {PS "/aws/reference/secretsmanager/db+x=y@z",
	         PS "/aws/reference/secretsmanager/db+x=y@z",
	         "/aws/reference/secretsmanager/db+x=y@z", NULL},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ref r = {0};
		struct shim_err err = {0};

		CHECK_INT(ref_parse(&r, cases[i].s, 0, &err), 0);
		CHECK_INT(r.kind, REF_PARAM);
		CHECK_STR(r.id, cases[i].id);
		CHECK_STR(r.name, cases[i].name);
		CHECK(null_or(r.selector, cases[i].sel));
		CHECK(!r.json_key && !r.version_stage && !r.version_id);
		CHECK_STR(r.region, "us-east-1");
		ref_free(&r);
	}
}

static void test_param_refused(void)
{
	CHECK(refused(PS "/", 0, "the parameter name is empty"));
	CHECK(refused(PS "/a//b", 0, "parameter name \"/a//b\" has an empty path segment"));
	CHECK(refused(PS "//a", 0, "empty path segment"));
	CHECK(refused(PS "/a/", 0, "empty path segment"));
	CHECK(refused(PS "/a:", 0, "the selector after ':' is empty"));
	CHECK(refused(PS "/a:1:2", 0, "more than one ':'"));
	CHECK(refused(PS "/a:1abc", 0, "selector \"1abc\" is not a version number or a label"));
	CHECK(refused(PS "/a:la/bel", 0, "is not a version number or a label"));
	CHECK(refused(PS "/a b", 0, "has a space"));
	CHECK(refused("/a/b:", REF_ALLOW_NAME, "selector after ':' is empty"));
	CHECK(refused("/", REF_ALLOW_NAME, "the parameter name is empty"));
	CHECK(refused("/a/\xc3\xa9", REF_ALLOW_NAME, "non-ASCII"));
}

static void test_label_length(void)
{
	char s[512], label[128];
	struct ref r = {0};
	struct shim_err err = {0};

	memset(label, 'L', 100);
	label[100] = '\0';
	snprintf(s, sizeof(s), PS "/a:%s", label);
	CHECK_INT(ref_parse(&r, s, 0, &err), 0);
	CHECK_INT(strlen(r.selector), 100);
	ref_free(&r);
	snprintf(s, sizeof(s), PS "/a:%sL", label);
	CHECK(refused(s, 0, "is not a version number or a label"));
}

static void test_bare_names(void)
{
	struct ref r = {0};
	struct shim_err err = {0};

	CHECK_INT(ref_parse(&r, "/covenant-connect/config/MAIL_PORT", REF_ALLOW_NAME, &err), 0);
	CHECK_INT(r.kind, REF_PARAM);
	CHECK_STR(r.id, "/covenant-connect/config/MAIL_PORT");
	CHECK_STR(r.name, "/covenant-connect/config/MAIL_PORT");
	CHECK(!r.partition && !r.region && !r.account && !r.selector);
	ref_free(&r);

	CHECK_INT(ref_parse(&r, "/x:mylabel", REF_ALLOW_NAME, &err), 0);
	CHECK_STR(r.id, "/x");
	CHECK_STR(r.name, "/x"); /* a written name keeps its slash */
	CHECK_STR(r.selector, "mylabel");
	ref_free(&r);

	/* As in ECS, every bare name of a task definition is an SSM parameter, slash or not. */
	CHECK_INT(ref_parse(&r, "plain-name", REF_ALLOW_NAME, &err), 0);
	CHECK_INT(r.kind, REF_PARAM);
	CHECK_STR(r.id, "plain-name");
	CHECK_STR(r.name, "plain-name");
	ref_free(&r);

	CHECK_INT(ref_parse(&r, "covenant-connect/database-url", REF_ALLOW_NAME, &err), 0);
	CHECK_INT(r.kind, REF_PARAM);
	CHECK_STR(r.id, "covenant-connect/database-url");
	CHECK_STR(r.name, "covenant-connect/database-url");
	CHECK(!r.partition && !r.region && !r.account && !r.json_key && !r.selector);
	ref_free(&r);

	CHECK_INT(ref_parse(&r, "db-url:3", REF_ALLOW_NAME, &err), 0);
	CHECK_INT(r.kind, REF_PARAM);
	CHECK_STR(r.id, "db-url");
	CHECK_STR(r.selector, "3");
	ref_free(&r);

	/* A secret's name with a JSON key: not a parameter name, and said so. */
	CHECK(refused("covenant-connect/app-secrets:SECRET_KEY::", REF_ALLOW_NAME,
	              "a bare name is an SSM parameter, as in ECS"));
	CHECK(refused("covenant-connect/app-secrets:SECRET_KEY::", REF_ALLOW_NAME,
	              "a Secrets Manager secret needs its ARN"));
	CHECK(refused("a//b", REF_ALLOW_NAME, "empty path segment"));
	CHECK(refused("a/", REF_ALLOW_NAME, "empty path segment"));
	CHECK(refused("a b", REF_ALLOW_NAME, "parameter name \"a b\" has a space"));

	/* --secret-json takes a secret id: there a bare name is a secret. */
	CHECK_INT(ref_parse(&r, "covenant-connect/database-url", REF_SECRET_NAME, &err), 0);
	CHECK_INT(r.kind, REF_SECRET);
	CHECK_STR(r.id, "covenant-connect/database-url");
	CHECK(!r.partition && !r.region && !r.account && !r.json_key);
	ref_free(&r);

	CHECK_INT(ref_parse(&r, "covenant-connect/app-secrets:SECRET_KEY::", REF_SECRET_NAME, &err),
	          0);
	CHECK_INT(r.kind, REF_SECRET);
	CHECK_STR(r.id, "covenant-connect/app-secrets");
	CHECK_STR(r.json_key, "SECRET_KEY");
	CHECK(!r.version_stage && !r.version_id);
	ref_free(&r);

	CHECK_INT(ref_parse(&r, "s:k:AWSPREVIOUS:", REF_SECRET_NAME, &err), 0);
	CHECK_STR(r.version_stage, "AWSPREVIOUS");
	ref_free(&r);

	/* An ARN is an ARN under every flag. */
	CHECK_INT(ref_parse(&r, SM "db-AbCdEf:K::", REF_ALLOW_NAME, &err), 0);
	CHECK_INT(r.kind, REF_SECRET);
	CHECK_STR(r.json_key, "K");
	ref_free(&r);

	/* Without a flag (environment, env files, `environment`) names are not references. */
	CHECK(refused("covenant-connect/database-url", 0, "not an ARN"));
	CHECK(refused("/covenant-connect/config/X", 0, "not an ARN"));
	CHECK(refused("a b", REF_SECRET_NAME, "secret name \"a b\" has a space"));
}

static void test_garbage(void)
{
	CHECK(refused("", 0, "empty"));
	CHECK(refused("", REF_ALLOW_NAME, "empty"));
	CHECK(refused(" " SM "x", 0, "leading or trailing whitespace"));
	CHECK(refused(SM "x ", 0, "leading or trailing whitespace"));
	CHECK(refused(SM "x\n", 0, "control character"));
	CHECK(refused(SM "x:k\t::", 0, "control character"));
	CHECK(refused("a\x1b[31mb", REF_ALLOW_NAME, "control character"));
	CHECK(refused("x\x7f", REF_ALLOW_NAME, "control character"));
	CHECK(refused("ARN:aws:secretsmanager:us-east-1:" ACCT ":secret:x", 0, "not an ARN"));
	CHECK(refused(":::", REF_SECRET_NAME, "the secret name is empty"));
	CHECK(refused(":", REF_SECRET_NAME, "2 ':'-separated"));
	CHECK(refused(":", REF_ALLOW_NAME, "the parameter name is empty"));
	CHECK(refused(":::", REF_ALLOW_NAME, "a bare name is an SSM parameter"));
}

static void test_message_escapes(void)
{
	struct ref r = {0};
	struct shim_err err = {0};

	/* Control characters are shown escaped, never raw (logs, terminals). */
	CHECK(ref_parse(&r, "a\x1b]0;x\x07", REF_ALLOW_NAME, &err) < 0);
	CHECK(strchr(err.msg, 0x1b) == NULL && strchr(err.msg, 0x07) == NULL);
	CHECK(strstr(err.msg, "\\x1b") != NULL);
}

static void test_long_input(void)
{
	size_t n = 100000, i;
	char *s = malloc(n + 1);
	struct ref r = {0};
	struct shim_err err = {0};

	memcpy(s, SM, strlen(SM));
	for (i = strlen(SM); i < n; i++)
		s[i] = 'a';
	s[n] = '\0';
	CHECK(refused(s, 0, "longer than 4096 bytes"));
	ref_parse(&r, s, 0, &err);
	CHECK(strstr(err.msg, "...\": longer than") != NULL); /* cut, and the fault still shows */

	/* Under the total cap but over the API's id limit. */
	s[strlen(SM) + 2100] = '\0';
	CHECK(refused(s, 0, "the id is longer than 2048 characters"));
	s[strlen(SM) + 1900] = '\0';
	CHECK_INT(ref_parse(&r, s, 0, &err), 0);
	CHECK(r.name && strlen(r.name) == 1900);
	ref_free(&r);

	/* A long field in the message is cut too, keeping the reason visible. */
	memcpy(s, "arn:aws:secretsmanager:", 23);
	memset(s + 23, 'z', 1000);
	strcpy(s + 1023, ":" ACCT ":secret:x");
	CHECK(refused(s, 0, "does not look like a region"));
	free(s);
}

static void test_is_arn(void)
{
	CHECK(ref_is_arn(SM "x"));
	CHECK(ref_is_arn(SM "x:k::"));
	CHECK(ref_is_arn(PS "/a/b"));
	CHECK(ref_is_arn("arn:aws-cn:ssm:cn-north-1:" ACCT ":parameter/a"));
	/* Mistyped region or account still count, so ref_parse reports them. */
	CHECK(ref_is_arn("arn:aws:secretsmanager:us-east-1:123:secret:x"));
	CHECK(ref_is_arn("arn:aws:secretsmanager:::secret:"));
	/* Anything that starts arn:PARTITION:secretsmanager: or arn:PARTITION:ssm: is a reference:
	 * a typo there is refused by ref_parse, never handed to the application as a literal. */
	CHECK(ref_is_arn("arn:aws:secretsmanager:us-east-1:" ACCT ":secrets:app/x"));
	CHECK(refused("arn:aws:secretsmanager:us-east-1:" ACCT ":secrets:app/x", 0,
	              "the resource is not secret:NAME"));
	CHECK(ref_is_arn("arn:aws:ssm:us-east-1:" ACCT ":parameter:app/P1"));
	CHECK(refused("arn:aws:ssm:us-east-1:" ACCT ":parameter:app/P1", 0,
	              "the resource is not parameter/NAME"));
	CHECK(ref_is_arn("arn:aws:ssm:us-east-1:" ACCT ":document/MyDoc"));
	CHECK(ref_is_arn("arn:aws:secretsmanager:us-east-1"));
	CHECK(refused("arn:aws:secretsmanager:us-east-1", 0, "not of the form"));
	CHECK(ref_is_arn("arn:aws-us-gov:ssm:"));
	CHECK(!ref_is_arn("arn:aws:s3:::bucket"));
	CHECK(!ref_is_arn("arn:aws:ssmx:us-east-1:" ACCT ":parameter/x"));
	CHECK(!ref_is_arn("arn:aws:secretsmanager"));
	CHECK(!ref_is_arn("arn:aws::secretsmanager:"));
	CHECK(!ref_is_arn("arn:aws-iso:secretsmanager:us-iso-east-1:" ACCT ":secret:x"));
	CHECK(!ref_is_arn("covenant-connect/database-url"));
	CHECK(!ref_is_arn("/covenant-connect/config/X"));
	CHECK(!ref_is_arn("postgresql://u:p@host:5432/db"));
	CHECK(!ref_is_arn(""));
	CHECK(!ref_is_arn(NULL));
}

static void test_clear_null(void)
{
	struct ref r = {0};

	ref_free(NULL);
	ref_free(&r);
	CHECK(r.id == NULL);
}

static void test_references_in_environment(void)
{
	char *with[] = {"A=1", "DB=arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
	                NULL};
	char *gov[] = {"P=arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x", NULL};
	char *without[] = {"A=arn:aws:s3:::bucket", "B=arn:aws:ssmx", "C=arn:aws-cn:iam::1:role/r",
	                   "D", NULL};

	CHECK(ref_env_has_arn(with));
	CHECK(ref_env_has_arn(gov));
	CHECK(!ref_env_has_arn(without));
	CHECK(!ref_env_has_arn(NULL));
}

int main(void)
{
	RUN(test_references_in_environment);
	RUN(test_secret_arn_plain);
	RUN(test_secret_arn_tail);
	RUN(test_secret_field_count);
	RUN(test_partitions);
	RUN(test_region_account);
	RUN(test_service_resource);
	RUN(test_param_arn);
	RUN(test_param_refused);
	RUN(test_label_length);
	RUN(test_bare_names);
	RUN(test_garbage);
	RUN(test_message_escapes);
	RUN(test_long_input);
	RUN(test_is_arn);
	RUN(test_clear_null);
	return unit_done("test_valuefrom");
}
