/* shim/profile.c: the parser against smithy-rs's profile-parser-tests.json (65 cases), the
 * credential chain against its assume-role-tests.json (28 cases), and what the vectors do not
 * reach: the files, the profile choice, [services] endpoints, messages. */
#include "profile.h"

#include "unit.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *vector_path(char *buf, size_t cap, const char *name)
{
	const char *dir = getenv("SHIM_TEST_VECTORS");

	snprintf(buf, cap, "%s/aws-sdk-config/%s", dir && *dir ? dir : "../shared/test-vectors",
	         name);
	return buf;
}

static size_t count_kind(const struct profile_set *s, enum profile_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->s[i].kind == k;
	return n;
}

/* The sections of kind k equal the expected JSON object of objects. */
static int same_sections(const struct profile_set *s, enum profile_kind k, json_t *want)
{
	const char *name, *key;
	json_t *props, *v;

	if (count_kind(s, k) != json_object_size(want))
		return 0;
	json_object_foreach(want, name, props)
	{
		const struct profile_section *sec = profile_find(s, k, name);
		if (!sec || sec->n != json_object_size(props))
			return 0;
		json_object_foreach(props, key, v)
		{
			size_t i;
			for (i = 0; i < sec->n; i++)
				if (strcmp(sec->props[i].key, key) == 0 &&
				    strcmp(sec->props[i].value, json_string_value(v)) == 0)
					break;
			if (i == sec->n)
				return 0;
		}
	}
	return 1;
}

static void check_parser_case(json_t *t)
{
	const char *name = json_string_value(json_object_get(t, "name"));
	json_t *in = json_object_get(t, "input"), *out = json_object_get(t, "output");
	const char *cfg = json_string_value(json_object_get(in, "configFile"));
	const char *cred = json_string_value(json_object_get(in, "credentialsFile"));
	const char *want_err = json_string_value(json_object_get(out, "errorContaining"));
	json_t *config = json_object_get(out, "config");
	struct profile_set s = {0};
	struct shim_err e = {0};
	int rc = 0, failed = unit_cur_failed;

	if (cfg)
		rc = profile_parse(&s, cfg, strlen(cfg), PROFILE_FILE_CONFIG, "config", &e);
	if (rc == 0 && cred)
		rc = profile_parse(&s, cred, strlen(cred), PROFILE_FILE_CREDENTIALS, "credentials",
		                   &e);
	if (want_err) {
		CHECK_INT(rc, -1);
		CHECK_INT(e.status, SHIM_EX_DATA);
		CHECK(strcasestr(e.msg, want_err) != NULL);
		CHECK(strstr(e.msg, " line ") != NULL);
	} else {
		CHECK_INT(rc, 0);
		CHECK(same_sections(&s, PROFILE_PROFILE, json_object_get(config, "profiles")));
		if (json_object_get(config, "sso_sessions"))
			CHECK(same_sections(&s, PROFILE_SSO_SESSION,
			                    json_object_get(config, "sso_sessions")));
	}
	if (unit_cur_failed != failed)
		fprintf(stderr, "  parser vector \"%s\": rc %d, %s\n", name, rc, e.msg);
	profile_set_free(&s);
}

static void test_parser_vectors(void)
{
	char path[4096];
	json_t *root, *tests;
	size_t i;

	vector_path(path, sizeof(path), "profile-parser-tests.json");
	if (access(path, R_OK) != 0) {
		SKIP("profile parser vectors not found at %s", path);
		return;
	}
	root = json_load_file(path, 0, NULL);
	tests = json_object_get(root, "tests");
	for (i = 0; i < json_array_size(tests); i++)
		check_parser_case(json_array_get(tests, i));
	printf("test_profile: %zu profile parser cases checked in %s\n", i, path);
	CHECK_INT(i, 65);
	json_decref(root);
}

/* ---- assume-role vectors ---- */

/* The vector's profiles as a config file. */
static char *vector_config(json_t *in)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *name, *key;
	json_t *props, *v;

	json_object_foreach(json_object_get(in, "profiles"), name, props)
	{
		fprintf(f, "[profile %s]\n", name);
		json_object_foreach(props, key, v)
		        fprintf(f, "%s = %s\n", key, json_string_value(v));
	}
	json_object_foreach(json_object_get(in, "sso_sessions"), name, props)
	{
		fprintf(f, "[sso-session %s]\n", name);
		json_object_foreach(props, key, v)
		        fprintf(f, "%s = %s\n", key, json_string_value(v));
	}
	fclose(f);
	return text;
}

static int same_opt(const char *have, json_t *want)
{
	return want ? have && strcmp(have, json_string_value(want)) == 0 : have == NULL;
}

#define FIELD(obj, k) json_object_get(obj, k)

static void check_base(const struct profile_chain *c, json_t *b)
{
	json_t *x;

	if ((x = FIELD(b, "AccessKey"))) {
		CHECK_INT(c->base, PROFILE_BASE_KEYS);
		CHECK(same_opt(c->access_key_id, FIELD(x, "access_key_id")));
		CHECK(same_opt(c->secret_access_key, FIELD(x, "secret_access_key")));
	} else if ((x = FIELD(b, "NamedSource"))) {
		CHECK_INT(c->base, PROFILE_BASE_SOURCE);
		CHECK(same_opt(c->credential_source, x));
	} else if ((x = FIELD(b, "WebIdentityToken"))) {
		CHECK_INT(c->base, PROFILE_BASE_WEB_IDENTITY);
		CHECK(same_opt(c->role_arn, FIELD(x, "role_arn")));
		CHECK(same_opt(c->token_file, FIELD(x, "web_identity_token_file")));
		CHECK(same_opt(c->session_name, FIELD(x, "role_session_name")));
	} else if ((x = FIELD(b, "Sso"))) {
		CHECK_INT(c->base, PROFILE_BASE_SSO);
		CHECK(same_opt(c->sso_session, FIELD(x, "sso_session")));
		CHECK(same_opt(c->sso_region, FIELD(x, "sso_region")));
		CHECK(same_opt(c->sso_start_url, FIELD(x, "sso_start_url")));
		CHECK(same_opt(c->sso_account_id, FIELD(x, "sso_account_id")));
		CHECK(same_opt(c->sso_role_name, FIELD(x, "sso_role_name")));
	} else {
		CHECK(!"a base the test knows");
	}
}

static void check_role_case(json_t *t)
{
	const char *docs = json_string_value(FIELD(t, "docs"));
	json_t *in = FIELD(t, "input"), *out = FIELD(t, "output"), *chain;
	const char *want_err = json_string_value(FIELD(out, "Error"));
	char *text = vector_config(in);
	struct profile_set s = {0};
	struct profile_chain c;
	struct shim_err e = {0};
	int rc, failed = unit_cur_failed;

	CHECK_INT(profile_parse(&s, text, strlen(text), PROFILE_FILE_CONFIG, "config", &e), 0);
	rc = profile_chain(&c, &s, json_string_value(FIELD(in, "selected_profile")), &e);
	if (want_err) {
		CHECK_INT(rc, -1);
		CHECK_INT(e.status, SHIM_EX_NOPERM);
		CHECK(strcasestr(e.msg, want_err) != NULL);
	} else if ((chain = FIELD(out, "ProfileChain")) && rc == 0) {
		CHECK_INT(c.n_roles + 1, json_array_size(chain));
		check_base(&c, json_array_get(chain, 0));
		for (size_t i = 1; i < json_array_size(chain) && i <= c.n_roles; i++) {
			json_t *ar = FIELD(json_array_get(chain, i), "AssumeRole");
			CHECK(same_opt(c.roles[i - 1].role_arn, FIELD(ar, "role_arn")));
			CHECK(same_opt(c.roles[i - 1].session_name,
			               FIELD(ar, "role_session_name")));
			CHECK(same_opt(c.roles[i - 1].external_id, FIELD(ar, "external_id")));
		}
	} else {
		CHECK_INT(rc, 0);
	}
	if (unit_cur_failed != failed)
		fprintf(stderr, "  assume-role vector \"%s\": rc %d, %s\n", docs, rc, e.msg);
	profile_set_free(&s);
	free(text);
}

static void test_assume_role_vectors(void)
{
	char path[4096];
	json_t *root;
	size_t i;

	vector_path(path, sizeof(path), "assume-role-tests.json");
	if (access(path, R_OK) != 0) {
		SKIP("assume-role vectors not found at %s", path);
		return;
	}
	root = json_load_file(path, 0, NULL);
	for (i = 0; i < json_array_size(root); i++)
		check_role_case(json_array_get(root, i));
	printf("test_profile: %zu assume-role cases checked in %s\n", i, path);
	CHECK_INT(i, 28);
	json_decref(root);
}

/* ---- what the vectors do not reach ---- */

static void parse_both(struct profile_set *s, const char *cfg, const char *cred)
{
	struct shim_err e = {0};

	CHECK_INT(profile_parse(s, cfg, strlen(cfg), PROFILE_FILE_CONFIG, "config", &e), 0);
	CHECK_INT(profile_parse(s, cred, strlen(cred), PROFILE_FILE_CREDENTIALS, "creds", &e), 0);
}

static void test_error_names_file_and_line_not_value(void)
{
	const char *text = "[profile dev]\nregion = eu-west-1\naws_secret_access_key SECRETVALUE\n";
	struct profile_set s = {0};
	struct shim_err e = {0};

	CHECK_INT(profile_parse(&s, text, strlen(text), PROFILE_FILE_CONFIG, "/home/u/.aws/config",
	                        &e),
	          -1);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK(strstr(e.msg, "/home/u/.aws/config line 3: ") == e.msg);
	CHECK(strstr(e.msg, "SECRETVALUE") == NULL);
	CHECK_INT(s.n, 0); /* untouched */
	CHECK_INT(profile_parse(&s, "[p]\n\0x", 5, PROFILE_FILE_CREDENTIALS, "c", &e), -1);
	CHECK(strstr(e.msg, "c line 2: ") == e.msg);
}

static void test_select(void)
{
	char *env[] = {"AWS_PROFILE=dev", NULL}, *empty[] = {"AWS_PROFILE=", NULL};
	int ex = -1;

	CHECK_STR(profile_select("cli", env, &ex), "cli");
	CHECK_INT(ex, 1);
	CHECK_STR(profile_select(NULL, env, &ex), "dev");
	CHECK_INT(ex, 1);
	CHECK_STR(profile_select(NULL, empty, &ex), "default");
	CHECK_INT(ex, 0);
	CHECK_STR(profile_select(NULL, NULL, NULL), "default");
}

static void test_endpoints_and_values(void)
{
	struct profile_set s = {0};
	struct shim_err e = {0};
	char *url = NULL;

	parse_both(&s,
	           "[profile dev]\nregion = eu-west-1\nservices = local\n"
	           "endpoint_url = https://all.example\n"
	           "[services local]\nsecrets_manager =\n  endpoint_url = https://sm.example:4566\n"
	           "ssm =\n  region = x\n[profile other]\nregion = us-east-2\n",
	           "[dev]\nregion = eu-west-3\n");
	CHECK_STR(profile_value(&s, "dev", "region"), "eu-west-3"); /* credentials file wins */
	CHECK_STR(profile_value(&s, "other", "REGION"), "us-east-2");
	CHECK(profile_value(&s, "nope", "region") == NULL);
	CHECK_INT(profile_endpoint_url(&url, &s, "dev", "secrets_manager", &e), 1);
	CHECK_STR(url, "https://sm.example:4566");
	free(url);
	CHECK_INT(profile_endpoint_url(&url, &s, "dev", "ssm", &e), 1);
	CHECK_STR(url, "https://all.example");
	free(url);
	CHECK_INT(profile_endpoint_url(&url, &s, "other", "sts", &e), 0);
	profile_set_free(&s);
}

static void test_load_files(void)
{
	char dir[] = "/tmp/test_profile.XXXXXX", cfg[600], cred[600], home[600];
	char *envp[4] = {home, NULL, NULL, NULL};
	struct profile_set s = {0};
	struct shim_err e = {0};
	FILE *f;

	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(home, sizeof(home), "HOME=%s", dir);
	CHECK_INT(profile_load(&s, envp, &e), 0); /* no ~/.aws: no profiles, no error */
	CHECK_INT(s.n, 0);
	profile_set_free(&s);
	snprintf(cfg, sizeof(cfg), "%s/cfg", dir);
	snprintf(cred, sizeof(cred), "%s/cred", dir);
	f = fopen(cfg, "w");
	fputs("[default]\nregion = ap-south-1\n", f);
	fclose(f);
	f = fopen(cred, "w");
	fputs("[default]\naws_access_key_id = AKIA\naws_secret_access_key = S\n", f);
	fclose(f);
	envp[1] = "AWS_CONFIG_FILE=~/cfg";
	{
		char var[700];
		snprintf(var, sizeof(var), "AWS_SHARED_CREDENTIALS_FILE=%s", cred);
		envp[2] = var;
		CHECK_INT(profile_load(&s, envp, &e), 0);
		CHECK_STR(profile_value(&s, "default", "region"), "ap-south-1");
		CHECK_STR(profile_value(&s, "default", "aws_access_key_id"), "AKIA");
		profile_set_free(&s);
		f = fopen(cfg, "w");
		fputs("[default]\nregion\n", f);
		fclose(f);
		CHECK_INT(profile_load(&s, envp, &e), -1);
		CHECK_INT(e.status, SHIM_EX_DATA);
		CHECK(strstr(e.msg, cfg) && strstr(e.msg, "line 2"));
	}
	unlink(cfg);
	unlink(cred);
	rmdir(dir);
}

static void test_chain_details(void)
{
	struct profile_set s = {0};
	struct profile_chain c;
	struct shim_err e = {0};

	parse_both(
	        &s,
	        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = "
	        "base\nexternal_id = x1\nduration_seconds = 900\nmfa_serial = arn:mfa\n"
	        "[profile proc]\ncredential_process = /bin/creds --json\n",
	        "[base]\naws_access_key_id = AK\naws_secret_access_key = SK\naws_session_token = "
	        "TK\n");
	CHECK_INT(profile_chain(&c, &s, "dev", &e), 0);
	CHECK_INT(c.base, PROFILE_BASE_KEYS);
	CHECK_STR(c.profile, "base");
	CHECK_STR(c.session_token, "TK");
	CHECK_INT(c.n_roles, 1);
	CHECK_STR(c.roles[0].profile, "dev");
	CHECK_STR(c.roles[0].duration_seconds, "900");
	CHECK_STR(c.roles[0].mfa_serial, "arn:mfa");
	CHECK_INT(profile_chain(&c, &s, "proc", &e), 0);
	CHECK_INT(c.base, PROFILE_BASE_PROCESS);
	CHECK_STR(c.command, "/bin/creds --json");
	CHECK_INT(profile_chain(&c, &s, "missing", &e), -1);
	CHECK(strstr(e.msg, "`missing` is not in the AWS config or credentials file") != NULL);
	profile_set_free(&s);
}

int main(void)
{
	RUN(test_parser_vectors);
	RUN(test_assume_role_vectors);
	RUN(test_error_names_file_and_line_not_value);
	RUN(test_select);
	RUN(test_endpoints_and_values);
	RUN(test_load_files);
	RUN(test_chain_details);
	return unit_done("test_profile");
}
