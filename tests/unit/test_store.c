/* The offline --store backend against store files in a temporary directory: the product's store
 * format (README "The offline store": plain, JSON and binary secrets, versions, parameters with
 * history and labels, regions), its look-up rules, AWS's error codes, and malformed stores. */
#include "jsonval.h"
#include "endpoint.h"
#include "resolve.h"
#include "store.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

static char dir[64];
static char store_file[128];

/* Write a store; ' stands for " so the documents stay readable here. */
static const char *put_store(const char *doc)
{
	FILE *f = fopen(store_file, "w");

	for (const char *p = doc; *p; p++)
		fputc(*p == '\'' ? '"' : *p, f);
	fclose(f);
	return store_file;
}

struct tplan {
	struct plan p;
	struct ref r[40];
	size_t n;
	struct shim_err err;
	char *envp[4];
	struct shim_opts o;
};

/* Index of the fetch of reference vf (indexes: the plan's array moves while it grows), parsed
 * with flags. */
static size_t add_ref(struct tplan *t, const char *vf, unsigned flags)
{
	struct shim_err e = {0};
	struct fetch *f;

	if (ref_parse(&t->r[t->n], vf, flags, &e) < 0) {
		fprintf(stderr, "bad test reference %s: %s\n", vf, e.msg);
		abort();
	}
	f = plan_add_ref(&t->p, &t->r[t->n++]);
	return (size_t)(f - t->p.f);
}

/* An ARN, a '/'-led parameter name, or another bare name as a secret's (as --secret-json). */
static size_t add(struct tplan *t, const char *vf)
{
	return add_ref(t, vf, vf[0] == '/' ? REF_ALLOW_NAME : REF_SECRET_NAME);
}

static size_t add_path(struct tplan *t, const char *path)
{
	return (size_t)(plan_add_path(&t->p, path) - t->p.f);
}

static int run(struct tplan *t, const char *doc)
{
	struct backend_cfg cfg = {.region = t->o.region, .store = put_store(doc)};
	const char *region, *source;

	/* resolve_mapping's default-region choice, which comes before any backend */
	if (t->p.n &&
	    endpoint_region_select(&region, &source, cfg.region, t->envp, NULL, &t->err) > 0)
		plan_set_default_region(&t->p, region);
	return store_fetch_plan(&t->p, &cfg, t->envp, &(struct backend_stats){0}, &t->err);
}

static void done(struct tplan *t)
{
	plan_free(&t->p);
	for (size_t i = 0; i < t->n; i++)
		ref_free(&t->r[i]);
	memset(t, 0, sizeof(*t));
}

#define F(t, i) (&(t)->p.f[i])
/* A fetch that resolved to the text v. */
#define CHECK_VALUE(t, i, v)                                                                       \
	do {                                                                                       \
		CHECK_INT(F(t, i)->fail.status, 0);                                                \
		CHECK_INT(F(t, i)->done, 1);                                                       \
		CHECK_STR(F(t, i)->value, v);                                                      \
	} while (0)
/* A fetch that failed with status st and the message "store FILE: " + text (text ending in
 * '(': a prefix of the message). */
#define CHECK_FAIL(t, i, st, text)                                                                 \
	do {                                                                                       \
		char want_[600];                                                                   \
		size_t n_;                                                                         \
		CHECK_INT(F(t, i)->fail.status, st);                                               \
		CHECK_INT(F(t, i)->done, 1);                                                       \
		n_ = (size_t)snprintf(want_, sizeof(want_), "store %s: %s", store_file, text);     \
		if (want_[n_ - 1] == '(')                                                          \
			CHECK(strncmp(F(t, i)->fail.msg, want_, n_) == 0);                         \
		else                                                                               \
			CHECK_STR(F(t, i)->fail.msg, want_);                                       \
		CHECK(F(t, i)->value == NULL);                                                     \
	} while (0)

#define SM_NF   "ResourceNotFoundException: no such secret in the store ("
#define ARN_SM  "arn:aws:secretsmanager:us-east-1:123456789012:secret:"
#define ARN_SSM "arn:aws:ssm:us-east-1:123456789012:parameter/"

static void test_secret_values(void)
{
	struct tplan t = {0};
	size_t plain = add(&t, "plain"), obj = add(&t, "obj"), bin = add(&t, "bin");
	size_t lit = add(&t, "lit"), js = add(&t, "js"), arr = add(&t, "arr");
	size_t num = add(&t, "num"), notspec = add(&t, "notspec"), empty = add(&t, "emptybin");
	size_t jstr = add(&t, "jstr");

	CHECK_INT(run(&t,
	              "{'secrets': {'plain': 'postgresql://localhost/x',"
	              " 'obj': {'SECRET_KEY': 'dev', 'n': 1.5, 'u': '\xc3\xa9', 'i': -0},"
	              " 'bin': {'binary': 'AAEC'}, 'lit': {'string': '{not json}'},"
	              " 'js': {'json': {'string': 'x'}},"
	              " 'arr': ['\x7f\\u0000\\u001f\xf0\x9f\x98\x80\\n\\t\\\\/', 1, 1.0, 0.1, 1e16,"
	              "  1e15, 1e-5, 0.0001, -0.0, 1e22, 123456789012345678.0, 2.5e-300, null,"
	              "  true, false, {}],"
	              " 'num': 42, 'notspec': {'string': 'x', 'other': 1},"
	              " 'emptybin': {'binary': ''}, 'jstr': {'json': 'abc'}}}"),
	          0);
	CHECK_VALUE(&t, plain, "postgresql://localhost/x");
	/* Compact JSON as jsonval writes it: UTF-8 kept, key order kept. */
	CHECK_VALUE(&t, obj, "{\"SECRET_KEY\":\"dev\",\"n\":1.5,\"u\":\"\xc3\xa9\",\"i\":0}");
	CHECK_INT(F(&t, bin)->value_len, 3);
	CHECK(F(&t, bin)->value && memcmp(F(&t, bin)->value, "\0\1\2", 3) == 0);
	CHECK_VALUE(&t, lit, "{not json}");
	CHECK_VALUE(&t, js, "{\"string\":\"x\"}");
	/* Reals in their shortest form, plain from 1e-6 to 1e21; only '"', '\\' and control
	 * bytes escaped. */
	CHECK_VALUE(&t, arr,
	            "[\"\x7f\\u0000\\u001f\xf0\x9f\x98\x80\\n\\t\\\\/"
	            "\",1,1,0.1,10000000000000000,1000000000000000,"
	            "0.00001,0.0001,-0,1e+22,123456789012345680,2.5e-300,null,true,false,{}]");
	CHECK_VALUE(&t, num, "42");
	CHECK_VALUE(&t, notspec, "{\"string\":\"x\",\"other\":1}");
	CHECK_VALUE(&t, empty, "");
	CHECK_INT(F(&t, empty)->value_len, 0);
	/* "json" is JSON text even for a string. */
	CHECK_VALUE(&t, jstr, "\"abc\"");
	done(&t);
}

/* A string secret with an escaped NUL is passed on whole: the resolver refuses it later. */
static void test_secret_with_nul(void)
{
	struct tplan t = {0};
	size_t i = add(&t, "n");

	CHECK_INT(run(&t, "{'secrets': {'n': 'a\\u0000b'}}"), 0);
	CHECK_INT(F(&t, i)->value_len, 3);
	CHECK(F(&t, i)->value && memcmp(F(&t, i)->value, "a\0b", 3) == 0);
	done(&t);
}

static void test_base64(void)
{
	static const struct {
		const char *b64, *bytes;
		size_t len;
	} good[] = {{"AAAA", "\0\0\0", 3},   {"AAE=", "\0\1", 2}, {"AA==", "\0", 1},
	            {"/+8=", "\xff\xef", 2}, {"aGk/", "hi?", 3},  {"", "", 0}};
	/* The standard alphabet, whole groups of 4, '=' only at the end, unused bits zero. */
	static const char *const bad[] = {"AAAA=",   "AAE",  "A",    "AA=",  "==",   "AAE==",
	                                  "AA==\\n", "A A=", "AA=A", "AB==", "AAF=", "-_8="};
	char doc[200];

	for (size_t k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		struct tplan t = {0};
		size_t i = add(&t, "b");
		snprintf(doc, sizeof(doc), "{'secrets': {'b': {'binary': '%s'}}}", good[k].b64);
		CHECK_INT(run(&t, doc), 0);
		CHECK_INT(F(&t, i)->value_len, good[k].len);
		CHECK(F(&t, i)->value && memcmp(F(&t, i)->value, good[k].bytes, good[k].len) == 0);
		done(&t);
	}
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct tplan t = {0};
		add(&t, "b");
		snprintf(doc, sizeof(doc), "{'secrets': {'b': {'binary': '%s'}}}", bad[k]);
		CHECK_INT(run(&t, doc), -1);
		CHECK_INT(t.err.status, 65);
		CHECK(strstr(t.err.msg, "secret \"b\": binary is not base64") != NULL);
		done(&t);
	}
}

#define LOOKUP_STORE                                                                               \
	"{'secrets': {'db': 'by-name', 'app/rotating': 'r',"                                       \
	" 'arn:aws:secretsmanager:us-east-1:999999999999:secret:shared/db-XyZ123': 'other',"       \
	" 'arn:aws:secretsmanager:us-east-1:123456789012:secret:keyed-AbC123': 'keyed'}}"

static void test_secret_lookup(void)
{
	struct tplan t = {0};
	/* A secret keyed by name answers its full ARN with any -XXXXXX suffix. */
	size_t name = add(&t, "db"), full = add(&t, ARN_SM "db-AbCdEf");
	size_t partial = add(&t, ARN_SM "db"), other_suffix = add(&t, ARN_SM "db-zzzzzz");
	size_t other_arn =
	        add(&t, "arn:aws:secretsmanager:us-east-1:999999999999:secret:shared/db-XyZ123");
	size_t other_partial =
	        add(&t, "arn:aws:secretsmanager:us-east-1:999999999999:secret:shared/db");
	size_t other_name = add(&t, "shared/db"), keyed = add(&t, ARN_SM "keyed-AbC123");
	size_t keyed_name = add(&t, "keyed"), keyed_partial = add(&t, ARN_SM "keyed");
	/* A secret keyed by its full ARN has that suffix: another one is another secret. */
	size_t keyed_wrong = add(&t, ARN_SM "keyed-XyZ789");
	size_t eu = add(&t, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db");
	size_t missing = add(&t, "nope"), key = add(&t, "db:SOME_KEY::");

	CHECK_INT(run(&t, LOOKUP_STORE), 0);
	CHECK_VALUE(&t, name, "by-name");
	CHECK_VALUE(&t, full, "by-name");
	CHECK_VALUE(&t, partial, "by-name");
	CHECK_VALUE(&t, other_suffix, "by-name");
	CHECK_VALUE(&t, other_arn, "other");
	CHECK_VALUE(&t, other_partial, "other");
	CHECK_FAIL(&t, other_name, 78, SM_NF); /* another account's secret: only by ARN */
	CHECK_VALUE(&t, keyed, "keyed");
	CHECK_VALUE(&t, keyed_name, "keyed");
	CHECK_VALUE(&t, keyed_partial, "keyed");
	CHECK_FAIL(&t, keyed_wrong, 78, SM_NF);
	CHECK_FAIL(&t, eu, 78, SM_NF);
	CHECK_FAIL(&t, missing, 78, SM_NF);
	CHECK_VALUE(&t, key, "by-name"); /* the JSON key is the resolver's business */
	CHECK_STR(F(&t, name)->region, "us-east-1");
	CHECK_STR(F(&t, eu)->region, "eu-west-1");
	done(&t);
}

/* The name-against-full-ARN rule: the ARN's name part minus a '-' and 6 letters or digits
 * equals the key; an exact match of the whole name part comes first. */
static void test_secret_arn_match(void)
{
	struct tplan t = {0};
	size_t app = add(&t, ARN_SM "app/db-Ab12Cd:PASSWORD::");
	size_t wrong_name = add(&t, ARN_SM "app/dc-Ab12Cd"), prefix = add(&t, ARN_SM "app-Ab12Cd");
	size_t short_sfx = add(&t, ARN_SM "app/db-Ab12C"),
	       long_sfx = add(&t, ARN_SM "app/db-Ab12Cde");
	size_t no_dash = add(&t, ARN_SM "app/dbxAb12Cd"), punct = add(&t, ARN_SM "app/db-Ab_2Cd");
	size_t exact = add(&t, ARN_SM "svc-AbCdEf"), base = add(&t, ARN_SM "svc-XyZ123");
	size_t bare = add(&t, "app/db-Ab12Cd"), region = add(&t, ARN_SM "eu-AbCdEf");
	size_t account =
	        add(&t, "arn:aws:secretsmanager:us-east-1:999999999999:secret:app/db-Ab12Cd");

	CHECK_INT(run(&t, "{'secrets': {'app/db': {'PASSWORD': 'pw'}, 'svc': 'base',"
	                  " 'svc-AbCdEf': 'exact', 'app': 'app'},"
	                  " 'regions': {'eu-west-1': {'secrets': {'eu': 'x'}}}}"),
	          0);
	CHECK_VALUE(&t, app, "{\"PASSWORD\":\"pw\"}");
	CHECK_FAIL(&t, wrong_name, 78, SM_NF);
	CHECK_VALUE(&t, prefix, "app"); /* "app-Ab12Cd" is the secret "app" */
	CHECK_FAIL(&t, short_sfx, 78, SM_NF);
	CHECK_FAIL(&t, long_sfx, 78, SM_NF);
	CHECK_FAIL(&t, no_dash, 78, SM_NF);
	CHECK_FAIL(&t, punct, 78, SM_NF);
	CHECK_VALUE(&t, exact, "exact"); /* a key that itself ends like a suffix wins */
	CHECK_VALUE(&t, base, "base");
	CHECK_FAIL(&t, bare, 78, SM_NF); /* only ARNs carry a suffix; a bare name is exact */
	CHECK_FAIL(&t, region, 78, SM_NF);
	CHECK_FAIL(&t, account, 78, SM_NF);
	done(&t);
}

#define ROTATING                                                                                   \
	"{'secrets': {'app/rotating': {'versions': {'AWSCURRENT': 'new', 'AWSPREVIOUS': 'old',"    \
	" '0123456789abcdef0123456789abcdef': {'string': 'next', 'stages': ['AWSPENDING']}}},"     \
	" 'staged': {'string': 's', 'stages': ['blue']}}}"
#define VID "0123456789abcdef0123456789abcdef"

static void test_secret_versions(void)
{
	struct tplan t = {0};
	size_t cur = add(&t, "app/rotating"), prev = add(&t, "app/rotating::AWSPREVIOUS:");
	size_t pend = add(&t, "app/rotating::AWSPENDING:"), id = add(&t, "app/rotating:::" VID);
	size_t both = add(&t, "app/rotating::AWSPENDING:" VID);
	size_t clash = add(&t, "app/rotating::AWSCURRENT:" VID);
	size_t nostage = add(&t, "app/rotating::NOPE:");
	size_t noid = add(&t, "app/rotating:::fedcba9876543210fedcba9876543210");
	/* A key that is a staging label gives its version no id that can be asked for. */
	size_t derived = add(&t, "app/rotating:::a6f1143f-d318-3d1b-5135-921b4106d817");
	size_t label_id = add(&t, "app/rotating:::AWSPREVIOUS");
	size_t cur2 = add(&t, "app/rotating::AWSCURRENT:");
	size_t blue = add(&t, "staged::blue:"), staged = add(&t, "staged");

	CHECK_INT(run(&t, ROTATING), 0);
	CHECK_VALUE(&t, cur, "new");
	CHECK_VALUE(&t, cur2, "new");
	CHECK_VALUE(&t, prev, "old");
	CHECK_VALUE(&t, pend, "next");
	CHECK_VALUE(&t, id, "next");
	CHECK_VALUE(&t, both, "next");
	CHECK_FAIL(&t, clash, 78,
	           "ResourceNotFoundException: Secrets Manager can't find the specified secret "
	           "value for VersionId: " VID " and staging label: AWSCURRENT");
	CHECK_FAIL(&t, nostage, 78,
	           "ResourceNotFoundException: Secrets Manager can't find the specified secret "
	           "value for staging label: NOPE");
	CHECK_FAIL(&t, noid, 78,
	           "ResourceNotFoundException: Secrets Manager can't find the specified secret "
	           "value for VersionId: fedcba9876543210fedcba9876543210");
	CHECK_FAIL(&t, derived, 78,
	           "ResourceNotFoundException: Secrets Manager can't find the specified secret "
	           "value for VersionId: a6f1143f-d318-3d1b-5135-921b4106d817");
	CHECK_INT(F(&t, label_id)->fail.status, 78);
	CHECK_VALUE(&t, blue, "s");
	CHECK_VALUE(&t, staged, "s");
	done(&t);
}

static void test_secret_errors(void)
{
	struct tplan t = {0};
	size_t dec = add(&t, "dec"), del = add(&t, "del"), other = add(&t, "odd");
	size_t versioned = add(&t, "vers"), vstage = add(&t, "vers::NOPE:");
	size_t noerr = add(&t, "noerr");

	CHECK_INT(run(&t,
	              "{'secrets': {'dec': {'error': 'DecryptionFailure'},"
	              " 'del': {'error': 'InvalidRequestException', 'string': 'x'},"
	              " 'odd': {'error': 'ThrottlingException'},"
	              " 'vers': {'error': 'DecryptionFailure', 'versions': {'AWSCURRENT': 'x'}},"
	              " 'noerr': {'error': '', 'string': 'fine'}}}"),
	          0);
	CHECK_FAIL(&t, dec, 77,
	           "DecryptionFailure: Secrets Manager can't decrypt the protected secret text "
	           "using the provided KMS key.");
	CHECK_FAIL(&t, del, 78,
	           "InvalidRequestException: You can't perform this operation on the secret "
	           "because it was marked for deletion.");
	CHECK_FAIL(&t, other, 69, "ThrottlingException: ThrottlingException");
	CHECK_INT(F(&t, versioned)->fail.status, 77);
	/* As GetSecretValue: the version is looked up before the secret's error. */
	CHECK_FAIL(&t, vstage, 78,
	           "ResourceNotFoundException: Secrets Manager can't find the specified secret "
	           "value for staging label: NOPE");
	/* An empty error is no error. */
	CHECK_VALUE(&t, noerr, "fine");
	done(&t);
}

#define PARAMS                                                                                     \
	"{'parameters': {'/cfg/ENV': 'development', '/app/HOSTS': ['a.example', 'b.example'],"     \
	" '/app/flag': {'value': 'v3', 'type': 'String', 'version': 3, 'labels': ['prod'],"        \
	"  'history': {'1': 'v1', '2': {'value': 'v2', 'labels': ['staging']}}},"                  \
	" '/app/list': {'value': ['x', 'y'], 'data_type': 'text'},"                                \
	" '/app/auto': {'value': 'a3', 'history': {'2': 'a2', '1': ['a', '1']}},"                  \
	" 'top': 'top-level', '/top': 'slashed', 'solo': 'no-slash',"                              \
	" 'arn:aws:ssm:us-east-1:999999999999:parameter/cfg/ENV': 'other account'}}"

static void test_parameters(void)
{
	struct tplan t = {0};
	size_t env = add(&t, "/cfg/ENV"), hosts = add(&t, "/app/HOSTS"), cur = add(&t, "/app/flag");
	size_t v1 = add(&t, "/app/flag:1"), v2 = add(&t, "/app/flag:2"),
	       v3 = add(&t, "/app/flag:3");
	size_t prod = add(&t, "/app/flag:prod"), stg = add(&t, "/app/flag:staging");
	size_t v9 = add(&t, "/app/flag:9"), nolabel = add(&t, "/app/flag:qa");
	size_t list = add(&t, "/app/list"), a1 = add(&t, "/app/auto:1"),
	       a3 = add(&t, "/app/auto:3");
	size_t arn = add(&t, ARN_SSM "app/flag:1"), top = add(&t, ARN_SSM "top");
	size_t other = add(&t, "arn:aws:ssm:us-east-1:999999999999:parameter/cfg/ENV");
	size_t missing = add(&t, "/cfg/NOPE"), missing_sel = add(&t, "/cfg/NOPE:2");
	size_t eu = add(&t, "arn:aws:ssm:eu-west-1:123456789012:parameter/cfg/ENV");
	size_t solo = add(&t, ARN_SSM "solo");
	/* a task definition's bare name without a slash is a parameter too (as in ECS) */
	size_t bare = add_ref(&t, "top", REF_ALLOW_NAME),
	       bare_v = add_ref(&t, "solo:1", REF_ALLOW_NAME);

	CHECK_INT(run(&t, PARAMS), 0);
	CHECK_VALUE(&t, bare, "top-level");
	CHECK_VALUE(&t, bare_v, "no-slash");
	CHECK_VALUE(&t, env, "development");
	CHECK_VALUE(&t, hosts, "a.example,b.example");
	CHECK_VALUE(&t, cur, "v3");
	CHECK_VALUE(&t, v1, "v1");
	CHECK_VALUE(&t, v2, "v2");
	CHECK_VALUE(&t, v3, "v3");
	CHECK_VALUE(&t, prod, "v3");
	CHECK_VALUE(&t, stg, "v2");
	CHECK_FAIL(&t, v9, 78,
	           "ParameterVersionNotFound: Systems Manager could not find version 9 of "
	           "/app/flag. Verify the version and try again.");
	CHECK_FAIL(&t, nolabel, 78,
	           "ParameterVersionNotFound: Systems Manager could not find version qa of "
	           "/app/flag. Verify the version and try again.");
	CHECK_VALUE(&t, list, "x,y");
	CHECK_VALUE(&t, a1, "a,1");
	CHECK_VALUE(&t, a3, "a3"); /* the version defaults to one above the history */
	CHECK_VALUE(&t, arn, "v1");
	/* parameter/top is ambiguous: the emulator tries "/top" first. */
	CHECK_VALUE(&t, top, "slashed");
	CHECK_VALUE(&t, solo, "no-slash"); /* ...then the name as written */
	CHECK_VALUE(&t, other, "other account");
	CHECK_FAIL(&t, missing, 78, "ParameterNotFound: Parameter /cfg/NOPE not found.");
	CHECK_FAIL(&t, missing_sel, 78, "ParameterNotFound: Parameter /cfg/NOPE:2 not found.");
	CHECK_FAIL(&t, eu, 78,
	           "ParameterNotFound: Parameter arn:aws:ssm:eu-west-1:123456789012:parameter/"
	           "cfg/ENV not found.");
	done(&t);
}

#define REGIONS                                                                                    \
	"{'region': 'us-east-2', 'account': '111111111111',"                                       \
	" 'secrets': {'s': 'home', "                                                               \
	"'arn:aws:secretsmanager:eu-west-1:111111111111:secret:k-AbCdEf': 'eu-keyed'},"            \
	" 'parameters': {'/p': 'home', "                                                           \
	"'arn:aws:ssm:eu-west-1:111111111111:parameter/app/eu-only': 'x'},"                        \
	" 'regions': {'eu-west-1': {'secrets': {'s': 'eu'}, 'parameters': {'/p': 'eu'}},"          \
	"             'cn-north-1': {'secrets': {'s': 'cn'}}}}"

static void test_regions(void)
{
	struct tplan t = {0};
	size_t s = add(&t, "s"), p = add(&t, "/p");
	size_t s_eu = add(&t, "arn:aws:secretsmanager:eu-west-1:111111111111:secret:s");
	size_t p_eu = add(&t, "arn:aws:ssm:eu-west-1:111111111111:parameter/p");
	size_t k_eu = add(&t, "arn:aws:secretsmanager:eu-west-1:111111111111:secret:k");
	size_t only = add(&t, "arn:aws:ssm:eu-west-1:111111111111:parameter/app/eu-only");
	size_t only_home = add(&t, "/app/eu-only");
	size_t s_cn = add(&t, "arn:aws-cn:secretsmanager:cn-north-1:111111111111:secret:s");
	size_t s_wrong = add(&t, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s");

	CHECK_INT(run(&t, REGIONS), 0);
	CHECK_VALUE(&t, s, "home"); /* no --region, no AWS_REGION: the store's region */
	CHECK_STR(F(&t, s)->region, "us-east-2");
	CHECK_VALUE(&t, p, "home");
	CHECK_VALUE(&t, s_eu, "eu");
	CHECK_VALUE(&t, p_eu, "eu");
	CHECK_VALUE(&t, k_eu, "eu-keyed");
	CHECK_VALUE(&t, only, "x");
	CHECK_FAIL(&t, only_home, 78, "ParameterNotFound: Parameter /app/eu-only not found.");
	CHECK_VALUE(&t, s_cn, "cn");
	CHECK_FAIL(&t, s_wrong, 78, SM_NF); /* the store's account is 111111111111 */
	done(&t);
}

/* --region, then AWS_REGION, then AWS_DEFAULT_REGION, then the store's region. */
static void test_default_region(void)
{
	static const struct {
		const char *opt, *env0, *env1, *want;
	} cases[] = {
	        {"eu-west-1", "AWS_REGION=us-west-2", NULL, "eu-west-1"},
	        {NULL, "AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=us-west-2", "eu-west-1"},
	        {NULL, "AWS_REGION=", "AWS_DEFAULT_REGION=eu-west-1", "eu-west-1"},
	        {NULL, "AWS_DEFAULT_REGION=ap-south-1", NULL, "ap-south-1"},
	        {NULL, NULL, NULL, "us-east-2"},
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct tplan t = {0};
		size_t s = add(&t, "s"), arn = add(&t, ARN_SM "x"), path = add_path(&t, "/");
		t.o.region = cases[k].opt;
		t.envp[0] = (char *)cases[k].env0;
		t.envp[1] = cases[k].env0 ? (char *)cases[k].env1 : NULL;
		CHECK_INT(run(&t, REGIONS), 0);
		CHECK_STR(t.p.default_region, cases[k].want);
		CHECK(F(&t, s)->region == t.p.default_region);
		CHECK(F(&t, path)->region == t.p.default_region);
		CHECK_STR(F(&t, arn)->region, "us-east-1");
		if (!strcmp(cases[k].want, "eu-west-1"))
			CHECK_VALUE(&t, s, "eu");
		else if (!strcmp(cases[k].want, "us-east-2"))
			CHECK_VALUE(&t, s, "home");
		else
			CHECK_FAIL(&t, s, 78, SM_NF);
		done(&t);
	}
	{
		/* Only ARNs: no default region is needed, none is set. */
		struct tplan t = {0};
		add(&t, ARN_SM "x");
		CHECK_INT(run(&t, REGIONS), 0);
		CHECK(t.p.default_region == NULL);
		done(&t);
	}
}

#define PATHS                                                                                      \
	"{'parameters': {'/a/b': 'ab', '/a/b/c': {'value': 'abc2', 'history': {'1': 'abc1'}},"     \
	" '/ab': 'no', '/a': 'itself', '/a/list': ['1', '2'], '/b/x': 'no',"                       \
	" 'arn:aws:ssm:us-east-1:999999999999:parameter/a/other': 'other account',"                \
	" 'arn:aws:ssm:eu-west-1:123456789012:parameter/a/eu': 'other region'}}"

static void test_paths(void)
{
	struct tplan t = {0};
	size_t a = add_path(&t, "/a"), slash = add_path(&t, "/a/"), none = add_path(&t, "/none");
	size_t bad = add_path(&t, "a"), all = add_path(&t, "/");
	struct fetch *f;

	CHECK_INT(run(&t, PATHS), 0);
	for (int k = 0; k < 2; k++) {
		f = F(&t, k ? slash : a);
		CHECK_INT(f->done, 1);
		CHECK_INT(f->fail.status, 0);
		CHECK_INT(f->n_items, 3);
		if (f->n_items == 3) {
			CHECK_STR(f->items[0].name, "/a/b");
			CHECK_STR(f->items[0].value, "ab");
			CHECK_STR(f->items[1].name, "/a/b/c");
			CHECK_STR(f->items[1].value, "abc2");
			CHECK_STR(f->items[2].name, "/a/list");
			CHECK_STR(f->items[2].value, "1,2");
		}
	}
	CHECK_INT(F(&t, none)->done, 1);
	CHECK_INT(F(&t, none)->fail.status, 0);
	CHECK_INT(F(&t, none)->n_items, 0);
	CHECK_FAIL(
	        &t, bad, 78,
	        "ValidationException: The parameter doesn't meet the parameter name requirements. "
	        "The parameter name must begin with a forward slash \"/\" and have at most 15 "
	        "levels.");
	CHECK_INT(F(&t, all)->n_items, 6);
	done(&t);
}

static void test_malformed(void)
{
	static const char *const cases[][2] = {
	        {"{'secrets': {'a': 'x'}", "not valid JSON at line 1"},
	        {"['x']", "the store must be a JSON object"},
	        {"{'secrets': {}, 'secret': {}}", "unknown key \"secret\""},
	        {"{'secrets': []}", "secrets and parameters must be objects"},
	        {"{'region': 5}", "region and account must be strings"},
	        {"{'regions': {'eu-west-1': {'params': {}}}}",
	         "regions \"eu-west-1\": unknown key \"params\""},
	        {"{'regions': {'eu-west-1': []}}", "regions \"eu-west-1\": must be an object"},
	        {"{'regions': []}", "regions must be an object"},
	        {"{'secrets': {'a': {'versions': {}}}}",
	         "secret \"a\": versions must be a non-empty object"},
	        {"{'secrets': {'a': {'versions': 'x'}}}",
	         "secret \"a\": versions must be a non-empty object"},
	        {"{'secrets': {'a': {'versions': {'AWSPREVIOUS': 'x'}}}}",
	         "secret \"a\": exactly one version must carry AWSCURRENT"},
	        {"{'secrets': {'a': {'versions': {'AWSCURRENT': 'x', "
	         "'0123456789abcdef0123456789abcdef': {'string': 'y', 'stages': "
	         "['AWSCURRENT']}}}}}",
	         "secret \"a\": exactly one version must carry AWSCURRENT"},
	        {"{'secrets': {'a': {'versions': {'AWSCURRENT': {'error': 'X'}}}}}",
	         "secret \"a\": version \"AWSCURRENT\": give exactly one of string, json, binary"},
	        {"{'secrets': {'a': {'string': 'x', 'json': 1}}}",
	         "secret \"a\": give exactly one of string, json, binary"},
	        {"{'secrets': {'a': {'string': 5}}}", "secret \"a\": string must be a string"},
	        {"{'secrets': {'a': {'binary': 5}}}", "secret \"a\": binary is not base64"},
	        {"{'secrets': {'a': {'string': 'x', 'stages': 'blue'}}}",
	         "secret \"a\": stages must be a list of strings"},
	        {"{'secrets': {'a': {'error': 5}}}", "secret \"a\": error must be a string"},
	        {"{'secrets': {'arn:aws:secretsmanager:us-east-1:123456789012:secret:a': 'x'}}",
	         "secret \"arn:aws:secretsmanager:us-east-1:123456789012:secret:a\": an ARN key "
	         "needs "
	         "the -XXXXXX suffix"},
	        {"{'secrets': {'arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf:k::':"
	         " 'x'}}",
	         "secret \"arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf:k::\": an "
	         "ARN key is a secret's ARN, without key, stage or id"},
	        {"{'secrets': {'arn:aws:ssm:us-east-1:123456789012:parameter/a': 'x'}}",
	         "secret \"arn:aws:ssm:us-east-1:123456789012:parameter/a\": an ARN key is a "
	         "secret's ARN"},
	        {"{'secrets': {'arn:aws:secretsmanager:us-east-1:12:secret:a-AbCdEf': 'x'}}",
	         "secret \"arn:aws:secretsmanager:us-east-1:12:secret:a-AbCdEf\": "},
	        {"{'parameters': {'arn:aws:ssm:us-east-1:123456789012:parameter/a:3': 'x'}}",
	         "parameter \"arn:aws:ssm:us-east-1:123456789012:parameter/a:3\": an ARN key is a "
	         "parameter's ARN, without selector"},
	        {"{'region': 'US EAST'}", "region: invalid region"},
	        {"{'account': '1234'}", "account must be 12 digits"},
	        {"{'regions': {'eu-west-1': {'region': 'us-east-1'}}}",
	         "regions \"eu-west-1\": unknown key \"region\""},
	        {"{'regions': {'../x': {}}}", "regions \"../x\": region: invalid region"},
	        {"{'parameters': {'/p': 5}}",
	         "parameter \"/p\": a parameter is a string, a list, or an object with value"},
	        {"{'parameters': {'/p': {'type': 'String'}}}",
	         "parameter \"/p\": a parameter is a string, a list, or an object with value"},
	        {"{'parameters': {'/p': {'value': 'x', 'kind': 'y'}}}",
	         "parameter \"/p\": a parameter is a string, a list, or an object with value"},
	        {"{'parameters': {'/p': {'value': 'x', 'type': 'Secret'}}}",
	         "parameter \"/p\": type must be one of"},
	        {"{'parameters': {'/p': {'value': 'x', 'version': 2, 'history': {'2': 'y'}}}}",
	         "parameter \"/p\": history versions must be between 1 and version-1"},
	        {"{'parameters': {'/p': {'value': 'x', 'version': 2, 'history': {'0': 'y'}}}}",
	         "parameter \"/p\": history versions must be between 1 and version-1"},
	        {"{'parameters': {'/p': {'value': 'x', 'history': {'one': 'y'}}}}",
	         "parameter \"/p\": history key \"one\" is not a version number"},
	        {"{'parameters': {'/p': {'value': 'x', 'labels': ['a'], 'history': {'1': "
	         "{'value': 'y', 'labels': ['a']}}}}}",
	         "parameter \"/p\": a label is on one version only"},
	        {"{'parameters': {'/p': {'value': 'x', 'labels': ['1st']}}}",
	         "parameter \"/p\": a label is on one version only and doesn't start with a digit"},
	        {"{'parameters': {'/p': {'value': 5}}}",
	         "parameter \"/p\": version 1 value must be a string"},
	        {"{'parameters': {'/p': ['a', 1]}}",
	         "parameter \"/p\": version 1 value must be a string"},
	        {"{'parameters': {'/p': {'value': 'x', 'history': {'1': {'labels': []}}}}}",
	         "parameter \"/p\": version 1 value must be a string"},
	};
	char want[600];

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct tplan t = {0};
		size_t i = add(&t, "sekrit");
		CHECK_INT(run(&t, cases[k][0]), -1);
		CHECK_INT(t.err.status, 65);
		snprintf(want, sizeof(want), "store %s: %s", store_file, cases[k][1]);
		if (strncmp(t.err.msg, want, strlen(want)) != 0) {
			fprintf(stderr, "case %zu: %s\n  expected: %s\n", k, t.err.msg, want);
			CHECK(0);
		}
		CHECK_INT(F(&t, i)->done, 0); /* nothing resolves from a bad store */
		done(&t);
	}
}

/* jansson quotes the text near a syntax error; the message must not. */
static void test_syntax_error_hides_text(void)
{
	struct tplan t = {0};

	add(&t, "a");
	CHECK_INT(run(&t, "{'secrets': {'a': hunter2}}"), -1);
	CHECK_INT(t.err.status, 65);
	CHECK(strstr(t.err.msg, "hunter2") == NULL);
	CHECK(strstr(t.err.msg, "line 1 column") != NULL);
	done(&t);
	/* jansson's text for a bad \\u escape quotes its hex digits: they are secret bytes. */
	add(&t, "a");
	CHECK_INT(run(&t, "{'secrets': {'a': '\\ud8ab'}}"), -1);
	CHECK_INT(t.err.status, 65);
	CHECK(strstr(t.err.msg, "d8ab") == NULL && strstr(t.err.msg, "D8AB") == NULL);
	done(&t);
}

static void test_unreadable(void)
{
	struct tplan t = {0};
	char path[200];

	add(&t, "a");
	snprintf(path, sizeof(path), "%s/missing.json", dir);
	CHECK_INT(store_fetch_plan(&t.p, &(struct backend_cfg){.store = path}, t.envp,
	                           &(struct backend_stats){0}, &t.err),
	          -1);
	CHECK_INT(t.err.status, 65);
	CHECK(strstr(t.err.msg, path) != NULL);
	CHECK_INT(store_fetch_plan(&t.p, &(struct backend_cfg){.store = dir},
	                           t.envp, /* a directory */
	                           &(struct backend_stats){0}, &t.err),
	          -1);
	CHECK_INT(t.err.status, 65);
	CHECK_INT(F(&t, 0)->done, 0);
	done(&t);
}

/* Later entries for the same secret (a name and its ARN, or a region given twice) replace
 * earlier ones, as the emulator's dicts do. */
static void test_duplicates(void)
{
	struct tplan t = {0};
	size_t s = add(&t, "s"), p = add(&t, "/p");

	CHECK_INT(run(&t,
	              "{'secrets': {'s': 'first', "
	              "'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf': 'second'},"
	              " 'parameters': {'/p': 'first'},"
	              " 'regions': {'us-east-1': {'parameters': {'/p': 'second'}}}}"),
	          0);
	CHECK_VALUE(&t, s, "second");
	CHECK_VALUE(&t, p, "second");
	done(&t);
}

/* DESIGN.md 5.6's example document, as it is written there. */
static void test_design_example(void)
{
	struct tplan t = {0};
	size_t key = add(&t, ARN_SM "covenant-connect/app-secrets-AbCdEf:SECRET_KEY::");
	size_t url = add(&t, ARN_SM "covenant-connect/database-url");
	size_t env = add(&t, "/covenant-connect/config/ENVIRONMENT");

	CHECK_INT(run(&t,
	              "{'secrets':    {'covenant-connect/app-secrets': {'SECRET_KEY': 'dev'},\n"
	              "                'covenant-connect/database-url': "
	              "'postgresql://localhost/covenant'},\n"
	              " 'parameters': {'/covenant-connect/config/ENVIRONMENT': 'development'}}\n"),
	          0);
	CHECK_VALUE(&t, key, "{\"SECRET_KEY\":\"dev\"}");
	CHECK_VALUE(&t, url, "postgresql://localhost/covenant");
	CHECK_VALUE(&t, env, "development");
	done(&t);
}

/* The example's store resolves every reference of the example's task definition. */
static void test_example_store(void)
{
	const char *td = "examples/covenant-connect/deploy/ecs/task-definition.json";
	const char *store = "examples/covenant-connect/store.json";
	char *argv[] = {"covenant-shim-resolve", NULL};
	char *env[] = {NULL};
	struct backend_stats st = {0};
	struct shim_opts o;
	struct shim_err e = {0};
	struct mapping m;
	size_t refs = 0;

	if (access(td, R_OK) != 0 || access(store, R_OK) != 0) {
		CHECK(!"run from the repository root: the example is missing");
		return;
	}
	CHECK_INT(opts_parse(&o, 1, argv, env, &e), 0);
	o.task_definition = td;
	o.store = store;
	if (mapping_build(&m, &o, env, &e) < 0) {
		fprintf(stderr, "mapping: %s\n", e.msg);
		CHECK(0);
		opts_free(&o);
		return;
	}
	CHECK_INT(resolve_mapping(&m, &(struct backend_cfg){.store = store}, env, store_fetch_plan,
	                          &st, &e),
	          0);
	for (size_t i = 0; i < m.n; i++) {
		refs += m.vars[i].has_ref;
		CHECK(m.vars[i].value != NULL);
		if (m.vars[i].fail.status)
			fprintf(stderr, "%s\n", m.vars[i].fail.msg);
	}
	CHECK_INT(refs, 22);
	CHECK_STR(mapping_find(&m, "DATABASE_URL")->value,
	          "postgresql://covenant:covenant@localhost:5432/covenantconnect");
	CHECK_STR(mapping_find(&m, "SECRET_KEY")->value, "dev-only-secret-key-not-for-production");
	CHECK_STR(mapping_find(&m, "CORS_ORIGINS")->value,
	          "http://localhost:8000,http://localhost:3000");
	CHECK_INT(st.api_calls, 0);
	mapping_free(&m);
	opts_free(&o);
}

int main(void)
{
	jsonval_init_allocator();
	snprintf(dir, sizeof(dir), "/tmp/test_store.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(store_file, sizeof(store_file), "%s/store.json", dir);
	RUN(test_secret_values);
	RUN(test_secret_with_nul);
	RUN(test_base64);
	RUN(test_secret_lookup);
	RUN(test_secret_arn_match);
	RUN(test_secret_versions);
	RUN(test_secret_errors);
	RUN(test_parameters);
	RUN(test_regions);
	RUN(test_default_region);
	RUN(test_paths);
	RUN(test_malformed);
	RUN(test_syntax_error_hides_text);
	RUN(test_unreadable);
	RUN(test_duplicates);
	RUN(test_design_example);
	RUN(test_example_store);
	unlink(store_file);
	rmdir(dir);
	return unit_done("test_store");
}
