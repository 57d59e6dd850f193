/* --iam-policy: the resource ARN of each kind of fetch (full, partial and bare secrets,
 * parameters by ARN and by name, paths), and the document: statements, the batch statement
 * only when the plan batches, no resource twice, placeholders flagged. */
#include "iam.h"
#include "unit.h"
#include "valuefrom.h"

#include <jansson.h>
#include <stdlib.h>

#define SM "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
#define PS "arn:aws:ssm:us-east-1:123456789012:parameter"

/* Refs outlive the plan that borrows from them. */
static struct ref refs[16];
static size_t n_refs;

static void add(struct plan *p, const char *s, unsigned flags)
{
	struct shim_err e = {0};
	struct ref *r = &refs[n_refs++];

	if (ref_parse(r, s, flags, &e) < 0 || !plan_add_ref(p, r))
		fprintf(stderr, "cannot add %s: %s\n", s, e.msg);
}

static void reset(struct plan *p)
{
	plan_free(p);
	for (size_t i = 0; i < n_refs; i++)
		ref_free(&refs[i]);
	n_refs = 0;
}

/* The ARN of the last fetch (or of path fetch i), and the flags returned. */
static int arn_of(char *out, const struct fetch *f, int wildcard)
{
	struct shim_err e = {0};

	out[0] = '\0';
	return iam_fetch_arn(out, 2400, f, wildcard, &e);
}

static void test_secret_arns(void)
{
	struct plan p = {0};
	char arn[2400];

	add(&p, SM "app-secrets-Xy9Ab1:SECRET_KEY::", 0); /* full: as given, no tail */
	add(&p, SM "app-secrets:KEY:AWSPREVIOUS:", 0);    /* partial: the suffix is unknown */
	add(&p, "db/url", REF_SECRET_NAME);               /* a bare name: region and account */
	plan_set_default_region(&p, "eu-west-1");
	CHECK_INT(arn_of(arn, &p.f[0], 0), 0);
	CHECK_STR(arn, SM "app-secrets-Xy9Ab1");
	CHECK_INT(arn_of(arn, &p.f[1], 0), 0);
	CHECK_STR(arn, SM "app-secrets-??????");
	CHECK_INT(arn_of(arn, &p.f[2], 0), IAM_PH_ACCOUNT);
	CHECK_STR(arn, "arn:aws:secretsmanager:eu-west-1:ACCOUNT_ID:secret:db/url-??????");
	reset(&p);
}

static void test_parameter_and_path_arns(void)
{
	struct plan p = {0};
	char arn[2400];

	add(&p, PS "/app/config/X:3", 0);
	add(&p, "/app/config/Y:label", REF_ALLOW_NAME);
	add(&p, "plain-name", REF_ALLOW_NAME);
	plan_add_path(&p, "/app/cfg/");
	plan_add_path(&p, "/");
	plan_set_default_region(&p, "cn-north-1");
	CHECK_INT(arn_of(arn, &p.f[0], 0), 0);
	CHECK_STR(arn, PS "/app/config/X");
	CHECK_INT(arn_of(arn, &p.f[1], 0), IAM_PH_ACCOUNT);
	CHECK_STR(arn, "arn:aws-cn:ssm:cn-north-1:ACCOUNT_ID:parameter/app/config/Y");
	arn_of(arn, &p.f[2], 0);
	CHECK_STR(arn, "arn:aws-cn:ssm:cn-north-1:ACCOUNT_ID:parameter/plain-name");
	CHECK_INT(arn_of(arn, &p.f[3], 0), IAM_PH_ACCOUNT);
	CHECK_STR(arn, "arn:aws-cn:ssm:cn-north-1:ACCOUNT_ID:parameter/app/cfg");
	arn_of(arn, &p.f[3], 1);
	CHECK_STR(arn, "arn:aws-cn:ssm:cn-north-1:ACCOUNT_ID:parameter/app/cfg/*");
	arn_of(arn, &p.f[4], 0);
	CHECK_STR(arn, "arn:aws-cn:ssm:cn-north-1:ACCOUNT_ID:parameter/");
	arn_of(arn, &p.f[4], 1);
	CHECK_STR(arn, "arn:aws-cn:ssm:cn-north-1:ACCOUNT_ID:parameter/*");
	reset(&p);
}

static void test_no_region(void)
{
	struct plan p = {0};
	struct shim_err e = {0};
	char arn[2400];

	add(&p, "/app/x", REF_ALLOW_NAME);
	CHECK_INT(iam_fetch_arn(arn, sizeof(arn), &p.f[0], 0, &e), -1);
	CHECK_INT(e.status, SHIM_EX_USAGE);
	CHECK(strstr(e.msg, "parameter /app/x") && strstr(e.msg, "--region"));
	reset(&p);
}

/* The statement with Action action, or NULL. */
static json_t *statement(json_t *doc, const char *action)
{
	size_t i;
	json_t *s;

	json_array_foreach(json_object_get(doc, "Statement"), i, s)
	{
		if (strcmp(json_string_value(json_object_get(s, "Action")), action) == 0)
			return s;
	}
	return NULL;
}

static json_t *policy(struct plan *p, enum iam_role role, unsigned *ph)
{
	struct shim_err e = {0};
	char *text = NULL;
	json_t *doc;

	if (iam_policy(&text, ph, p, role, &e) < 0 || !text)
		return NULL;
	CHECK(text[strlen(text) - 1] == '\n');
	doc = json_loads(text, 0, NULL);
	free(text);
	return doc;
}

static void test_document(void)
{
	struct plan p = {0};
	unsigned ph = 0;
	json_t *doc, *s;

	add(&p, SM "a-Xy9Ab1:K1::", 0);
	add(&p, SM "a-Xy9Ab1:K2::", 0); /* the same fetch */
	add(&p, SM "b-Qw3Rt5", 0);
	add(&p, PS "/c/P", 0);
	CHECK((doc = policy(&p, IAM_TASK, &ph)));
	CHECK_STR(json_string_value(json_object_get(doc, "Version")), "2012-10-17");
	CHECK((s = statement(doc, "secretsmanager:GetSecretValue")) &&
	      json_array_size(json_object_get(s, "Resource")) == 2 &&
	      !strcmp(json_string_value(json_object_get(s, "Effect")), "Allow"));
	CHECK((s = statement(doc, "secretsmanager:BatchGetSecretValue")) &&
	      !strcmp(json_string_value(json_object_get(s, "Resource")), "*") &&
	      strstr(json_string_value(json_object_get(s, "Sid")), "GrantsNothing"));
	CHECK((s = statement(doc, "ssm:GetParameters")) &&
	      json_array_size(json_object_get(s, "Resource")) == 1);
	CHECK(!statement(doc, "ssm:GetParametersByPath"));
	/* one key for the one region and account */
	CHECK((s = statement(doc, "kms:Decrypt")) &&
	      json_array_size(json_object_get(s, "Resource")) == 1 &&
	      !strcmp(json_string_value(json_array_get(json_object_get(s, "Resource"), 0)),
	              "arn:aws:kms:us-east-1:123456789012:key/KEY_ID"));
	CHECK_INT(ph, IAM_PH_KEY);
	json_decref(doc);
	/* ECS's own fetch never batches */
	CHECK((doc = policy(&p, IAM_EXECUTION, &ph)));
	CHECK(doc && !statement(doc, "secretsmanager:BatchGetSecretValue") &&
	      statement(doc, "secretsmanager:GetSecretValue"));
	json_decref(doc);
	reset(&p);
}

/* BatchGetSecretValue only when two secrets share a call. */
static void test_batch_statement(void)
{
	struct plan p = {0};
	unsigned ph;
	json_t *doc;

	add(&p, SM "a-Xy9Ab1", 0);
	add(&p, "arn:aws:secretsmanager:us-west-2:123456789012:secret:b-Xy9Ab1", 0);
	add(&p, SM "c-Xy9Ab1:K:AWSPREVIOUS:", 0); /* a stage: GetSecretValue */
	CHECK_INT(plan_batches_secrets(&p), 0);
	CHECK((doc = policy(&p, IAM_TASK, &ph)) &&
	      !statement(doc, "secretsmanager:BatchGetSecretValue"));
	json_decref(doc);
	add(&p, SM "d-Xy9Ab1:K::", 0);
	CHECK_INT(plan_batches_secrets(&p), 1);
	CHECK((doc = policy(&p, IAM_TASK, &ph)) &&
	      statement(doc, "secretsmanager:BatchGetSecretValue"));
	json_decref(doc);
	reset(&p);
}

static void test_empty_plan(void)
{
	struct plan p = {0};
	struct shim_err e = {0};
	char *text = (char *)"x";
	unsigned ph = 7;

	CHECK_INT(iam_policy(&text, &ph, &p, IAM_TASK, &e), 0);
	CHECK(text == NULL && ph == 0);
}

int main(void)
{
	RUN(test_secret_arns);
	RUN(test_parameter_and_path_arns);
	RUN(test_no_region);
	RUN(test_document);
	RUN(test_batch_statement);
	RUN(test_empty_plan);
	return unit_done("test_iam");
}
