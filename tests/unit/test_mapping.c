/* The mapping: task definition shapes and container selection, the precedence of
 * DESIGN.md 4.1, entryPoint/command, imports, and what bad input gets. */
#include "mapping.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/test_mapping.XXXXXX";

static int build(struct mapping *m, struct shim_err *e, char **env, const char *td,
                 const char *container, const char *envfile)
{
	char *argv[] = {"covenant-shim", NULL};
	struct shim_opts o;
	int rc;

	if (opts_parse(&o, 1, argv, (char *[]){NULL}, e) < 0)
		return -2;
	o.task_definition = td;
	o.container = container;
	if (envfile) {
		o.env_files.v = malloc(sizeof(char *));
		o.env_files.v[0] = strdup(envfile);
		o.env_files.n = 1;
	}
	memset(e, 0, sizeof(*e));
	rc = mapping_build(m, &o, env, e);
	opts_free(&o);
	return rc;
}

#define SM_ARN "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app"
#define TD_ONE                                                                                     \
	"{\"containerDefinitions\":[{\"name\":\"web\",\"entryPoint\":[\"/usr/local/bin/"           \
	"covenant-shim\","                                                                         \
	"\"--grace\",\"20\",\"-g\",\"--\"],\"command\":[\"gunicorn\",\"app\"],"                    \
	"\"environment\":[{\"name\":\"PORT\",\"value\":\"8000\"},{\"name\":\"KEEP\",\"value\":"    \
	"\"td\"}],"                                                                                \
	"\"secrets\":[{\"name\":\"KEY\",\"valueFrom\":\"" SM_ARN ":KEY::\"},"                      \
	"{\"name\":\"CFG\",\"valueFrom\":\"/app/config/CFG\"},"                                    \
	"{\"name\":\"DB\",\"valueFrom\":\"db-url\"},"                                              \
	"{\"name\":\"PORT\",\"valueFrom\":\"/app/PORT\"}]}]}"

static void test_task_definition_and_precedence(void)
{
	const char *td = unit_write_file(dir, "td.json", TD_ONE);
	const char *envf =
	        unit_write_file(dir, "x.env", "KEEP=file\nFROMFILE=" SM_ARN "\nexport LIT=a b\n");
	char *env[] = {"PATH=/bin", "CFG=set-by-ecs", NULL};
	struct mapping m;
	struct shim_err e;
	struct var *v;

	CHECK_INT(build(&m, &e, env, td, NULL, envf), 0);
	CHECK_STR(m.container, "web");
	/* env file first (source 2), then environment (3), then secrets (4) */
	CHECK_INT(m.n, 6);
	CHECK_STR(m.vars[0].name, "KEEP");
	CHECK_STR(m.vars[0].value, "file"); /* the env file wins over the task definition */
	CHECK_INT(m.vars[0].source, VAR_ENV_FILE);
	CHECK(strncmp(m.vars[0].origin, "env file ", 9) == 0 &&
	      strstr(m.vars[0].origin, "x.env:1"));
	CHECK((v = mapping_find(&m, "FROMFILE")) && v->has_ref && v->ref.kind == REF_SECRET);
	CHECK((v = mapping_find(&m, "LIT")) && strcmp(v->value, "a b") == 0);
	CHECK((v = mapping_find(&m, "PORT")) && v->source == VAR_TASKDEF_ENV &&
	      strcmp(v->value, "8000") == 0); /* the secrets entry for PORT is kept out */
	CHECK((v = mapping_find(&m, "KEY")) && v->has_ref && strcmp(v->ref.json_key, "KEY") == 0);
	CHECK(mapping_find(&m, "CFG") == NULL); /* set by the environment: never fetched */
	/* as in ECS, a bare name is an SSM parameter, with or without a leading slash */
	CHECK((v = mapping_find(&m, "DB")) && v->ref.kind == REF_PARAM &&
	      strcmp(v->ref.id, "db-url") == 0);
	CHECK(m.command && strcmp(m.command[0], "gunicorn") == 0 &&
	      strcmp(m.command[1], "app") == 0 && !m.command[2]);
	mapping_free(&m);
}

static void test_environment_references(void)
{
	char *env[] = {"A=plain",
	               "B=" SM_ARN ":K::",
	               "C=arn:aws:ssm:us-east-1:123456789012:parameter/p",
	               "D=arn:aws:ssm:us-east-1:12:parameter/bad",
	               "E=arn:aws:s3:::bucket",
	               NULL};
	struct mapping m;
	struct shim_err e;

	CHECK_INT(build(&m, &e, env, NULL, NULL, NULL), 0);
	CHECK_INT(m.n, 3);
	CHECK(m.vars[0].source == VAR_ENV && m.vars[0].has_ref && !m.vars[0].fail.status);
	CHECK_STR(m.vars[1].ref.name, "p");
	/* a mistyped ARN fails its variable, loudly, instead of reaching the app */
	CHECK_STR(m.vars[2].name, "D");
	CHECK_INT(m.vars[2].fail.status, SHIM_EX_DATA);
	CHECK(strstr(m.vars[2].fail.msg, "D: environment:") == m.vars[2].fail.msg);
	mapping_free(&m);
}

static void test_container_selection(void)
{
	const char *two = unit_write_file(
	        dir, "two.json",
	        "{\"taskDefinition\":{\"containerDefinitions\":["
	        "{\"name\":\"app\",\"secrets\":[{\"name\":\"X\",\"valueFrom\":\"/x\"}]},"
	        "{\"name\":\"sidecar\",\"essential\":false}]}}");
	const char *none = unit_write_file(
	        dir, "none.json", "{\"containerDefinitions\":[{\"name\":\"a\"},{\"name\":\"b\"}]}");
	struct mapping m;
	struct shim_err e;

	CHECK_INT(build(&m, &e, (char *[]){NULL}, two, NULL, NULL), 0); /* describe output */
	CHECK_STR(m.container, "app");
	CHECK(m.command == NULL);
	mapping_free(&m);
	CHECK_INT(build(&m, &e, (char *[]){NULL}, two, "sidecar", NULL), 0);
	CHECK_STR(m.container, "sidecar");
	CHECK_INT(m.n, 0);
	mapping_free(&m);
	CHECK_INT(build(&m, &e, (char *[]){NULL}, none, NULL, NULL), -1);
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK(strstr(e.msg, "--container") && strstr(e.msg, "a, b"));
	CHECK_INT(build(&m, &e, (char *[]){NULL}, none, "c", NULL), -1);
	CHECK(strstr(e.msg, "no container c"));
}

static char unit_last_msg[sizeof(((struct shim_err *)0)->msg)];

static void expect_bad(const char *json, const char *needle)
{
	const char *td = unit_write_file(dir, "bad.json", json);
	struct mapping m;
	struct shim_err e;

	CHECK_INT(build(&m, &e, (char *[]){NULL}, td, NULL, NULL), -1);
	CHECK_INT(e.status, SHIM_EX_DATA);
	snprintf(unit_last_msg, sizeof(unit_last_msg), "%s", e.msg);
	if (!strstr(e.msg, needle)) {
		unit_cur_failed++;
		fprintf(stderr, "\"%s\" lacks \"%s\"\n", e.msg, needle);
	}
}

static void test_bad_task_definitions(void)
{
	struct mapping m;
	struct shim_err e;

	expect_bad("{\"containerDefinitions\":[", "bad.json:1:");
	/* the position and a fixed description, never jansson's text, which quotes the input */
	expect_bad("{\"containerDefinitions\":[{\"name\":\"w\",\"environment\":[{\"name\":\"PW\","
	           "\"value\":\"Sup3rS3cretP@ss\x01\"}]}]}",
	           "bad.json:1:89: invalid syntax");
	CHECK(strstr(unit_last_msg, "Sup3r") == NULL);
	expect_bad("{\"containerDefinitions\":[]}\n\"Sup3rS3cretP@ss\"",
	           "bad.json:2:17: text after");
	CHECK(strstr(unit_last_msg, "Sup3r") == NULL);
	expect_bad("[]", "no containerDefinitions");
	expect_bad("{\"containerDefinitions\":[]}", "no containerDefinitions");
	expect_bad("{\"containerDefinitions\":[{\"image\":\"x\"}]}", "has no name");
	expect_bad("{\"containerDefinitions\":[{\"name\":\"w\",\"secrets\":{}}]}",
	           "secrets is not an array");
	expect_bad("{\"containerDefinitions\":[{\"name\":\"w\",\"secrets\":[{\"name\":\"A\"}]}]}",
	           "secrets[0]: needs string name and valueFrom");
	expect_bad("{\"containerDefinitions\":[{\"name\":\"w\",\"environment\":[{\"name\":\"1A\","
	           "\"value\":\"x\"}]}]}",
	           "environment[0]: invalid variable name");
	expect_bad("{\"containerDefinitions\":[{\"name\":\"w\",\"command\":[1]}]}",
	           "command[0]: not a string");
	CHECK_INT(build(&m, &e, (char *[]){NULL}, "/nonexistent/td.json", NULL, NULL), -1);
	CHECK(e.status == SHIM_EX_DATA && strstr(e.msg, "/nonexistent/td.json"));
	/* a reference that does not parse fails its variable only */
	const char *td = unit_write_file(dir, "ref.json",
	                                 "{\"containerDefinitions\":[{\"name\":\"w\",\"secrets\":"
	                                 "[{\"name\":\"A\",\"valueFrom\":\"a:b:c\"}]}]}");
	CHECK_INT(build(&m, &e, (char *[]){NULL}, td, NULL, NULL), 0);
	CHECK(m.n == 1 && m.vars[0].fail.status == SHIM_EX_DATA);
	mapping_free(&m);
}

/* A mapping from a whole command line (no environment variables for the options). */
static int build_argv(struct mapping *m, struct shim_err *e, char **env, char **argv)
{
	struct shim_opts o;
	int argc = 0, rc;

	while (argv[argc])
		argc++;
	if (opts_parse(&o, argc, argv, (char *[]){NULL}, e) < 0)
		return -2;
	memset(e, 0, sizeof(*e));
	rc = mapping_build(m, &o, env, e);
	opts_free(&o);
	return rc;
}

#define TD_ENTRY(words)                                                                            \
	"{\"containerDefinitions\":[{\"name\":\"w\",\"entryPoint\":[" words "],"                   \
	"\"command\":[\"worker\"],\"secrets\":[{\"name\":\"S\",\"valueFrom\":\"/s\"}]}]}"

/* The shim's own options in entryPoint apply when the command comes from the task definition
 * (as on ECS), before the command line's; with a command of its own they do not. */
static void test_entrypoint_options(void)
{
	const char *envf = unit_write_file(dir, "ep.env", "FROM_EP_FILE=1\n");
	char words[600];
	const char *td;
	struct mapping m;
	struct shim_err e;
	struct var *v;

	snprintf(words, sizeof(words),
	         "\"/usr/local/bin/covenant-shim\",\"--ssm-path\",\"/app/cfg\",\"--secret-json\","
	         "\"shared\",\"--region\",\"eu-west-1\",\"--env-file\",\"%s\",\"--\"",
	         envf);
	{
		char json[1200];
		snprintf(json, sizeof(json), TD_ENTRY("%s"), words);
		td = unit_write_file(dir, "ep.json", json);
	}
	CHECK_INT(build_argv(&m, &e, (char *[]){NULL},
	                     (char *[]){"covenant-shim", "-t", (char *)td, "--ssm-path", "/mine",
	                                NULL}),
	          0);
	CHECK(m.command && strcmp(m.command[0], "worker") == 0 && !m.command[1]);
	CHECK(m.has_entry_opts && m.entry_opts.region &&
	      strcmp(m.entry_opts.region, "eu-west-1") == 0);
	CHECK_INT(m.n_imports, 3); /* the entryPoint's two, then the command line's */
	CHECK(m.n_imports == 3 && strcmp(m.imports[0].arg, "/app/cfg") == 0 &&
	      m.imports[1].kind == IMPORT_SECRET_JSON && m.imports[1].ref.kind == REF_SECRET &&
	      strcmp(m.imports[2].arg, "/mine") == 0);
	CHECK((v = mapping_find(&m, "FROM_EP_FILE")) && strcmp(v->value, "1") == 0);
	mapping_free(&m);

	/* a command given: the task definition's entryPoint is not what runs */
	CHECK_INT(build_argv(&m, &e, (char *[]){NULL},
	                     (char *[]){"covenant-shim", "-t", (char *)td, "--", "sh", NULL}),
	          0);
	CHECK(!m.has_entry_opts && m.n_imports == 0 && !mapping_find(&m, "FROM_EP_FILE"));
	mapping_free(&m);

	/* options the shim would refuse on ECS are refused here, naming the entryPoint */
	td = unit_write_file(dir, "ep-bad.json",
	                     TD_ENTRY("\"covenant-shim\",\"--no-such\",\"--\""));
	CHECK_INT(build_argv(&m, &e, (char *[]){NULL},
	                     (char *[]){"covenant-shim", "-t", (char *)td, NULL}),
	          -1);
	CHECK(e.status == SHIM_EX_DATA && strstr(e.msg, "entryPoint") &&
	      strstr(e.msg, "--no-such"));

	/* an entryPoint that is not the shim is all command */
	td = unit_write_file(dir, "ep-app.json", TD_ENTRY("\"/bin/sh\",\"-c\""));
	CHECK_INT(build_argv(&m, &e, (char *[]){NULL},
	                     (char *[]){"covenant-shim", "-t", (char *)td, NULL}),
	          0);
	CHECK(!m.has_entry_opts && strcmp(m.command[0], "/bin/sh") == 0 &&
	      strcmp(m.command[2], "worker") == 0);
	mapping_free(&m);
}

/* ARNs in the container's environment are references (ECS passes them through); other values
 * are literals; a value that starts like an ARN but does not parse fails its variable. */
static void test_taskdef_environment_arns(void)
{
	const char *td = unit_write_file(
	        dir, "envarn.json",
	        "{\"containerDefinitions\":[{\"name\":\"w\",\"environment\":["
	        "{\"name\":\"K\",\"value\":\"" SM_ARN ":K::\"},"
	        "{\"name\":\"TYPO\",\"value\":\"arn:aws:secretsmanager:us-east-1:123456789012:"
	        "secrets:app/x\"},"
	        "{\"name\":\"P1\",\"value\":\"arn:aws:ssm:us-east-1:123456789012:parameter:app/"
	        "P1\"},"
	        "{\"name\":\"LIT\",\"value\":\"arn:aws:s3:::bucket\"}]}]}");
	struct mapping m;
	struct shim_err e;
	struct var *v;

	CHECK_INT(build(&m, &e, (char *[]){NULL}, td, NULL, NULL), 0);
	CHECK((v = mapping_find(&m, "K")) && v->has_ref && v->source == VAR_TASKDEF_ENV &&
	      v->ref.kind == REF_SECRET && strcmp(v->ref.json_key, "K") == 0 && !v->value);
	CHECK((v = mapping_find(&m, "TYPO")) && v->fail.status == SHIM_EX_DATA && !v->value &&
	      strstr(v->fail.msg, "TYPO: ") == v->fail.msg);
	CHECK((v = mapping_find(&m, "P1")) && v->fail.status == SHIM_EX_DATA && !v->value);
	CHECK((v = mapping_find(&m, "LIT")) && !v->has_ref &&
	      strcmp(v->value, "arn:aws:s3:::bucket") == 0);
	mapping_free(&m);
}

/* An empty value (environment, env file, `environment`) counts as unset: it hides nothing. */
static void test_empty_values(void)
{
	const char *td = unit_write_file(
	        dir, "empty.json",
	        "{\"containerDefinitions\":[{\"name\":\"w\",\"environment\":["
	        "{\"name\":\"A\",\"value\":\"td-a\"},{\"name\":\"B\",\"value\":\"\"}],"
	        "\"secrets\":[{\"name\":\"B\",\"valueFrom\":\"/b\"},"
	        "{\"name\":\"SECRET_KEY\",\"valueFrom\":\"/k\"}]}]}");
	const char *envf = unit_write_file(dir, "empty.env", "A=\nC=\n");
	char *env[] = {"SECRET_KEY=", NULL};
	struct mapping m;
	struct shim_err e;
	struct var *v;

	CHECK_INT(build(&m, &e, env, td, NULL, envf), 0);
	CHECK((v = mapping_find(&m, "A")) && v->source == VAR_TASKDEF_ENV &&
	      strcmp(v->value, "td-a") == 0);
	CHECK((v = mapping_find(&m, "B")) && v->source == VAR_TASKDEF_SECRET && v->has_ref);
	CHECK((v = mapping_find(&m, "SECRET_KEY")) && v->source == VAR_TASKDEF_SECRET);
	CHECK(mapping_find(&m, "C") == NULL);
	CHECK_INT(m.n, 3);
	mapping_free(&m);
}

/* --check maps the references of variables a stronger source sets, as kept. */
static void test_kept_references_in_check(void)
{
	const char *td =
	        unit_write_file(dir, "kept.json",
	                        "{\"containerDefinitions\":[{\"name\":\"w\",\"environment\":["
	                        "{\"name\":\"E\",\"value\":\"" SM_ARN ":E::\"}],"
	                        "\"secrets\":[{\"name\":\"F\",\"valueFrom\":\"/f\"},"
	                        "{\"name\":\"G\",\"valueFrom\":\"/g\"}]}]}");
	const char *envf =
	        unit_write_file(dir, "kept.env", "F=file\nE=" SM_ARN ":X::\nE=" SM_ARN ":Y::\n");
	char *env[] = {"E=inherited", NULL};
	struct mapping m;
	struct shim_err e;
	struct var *v;

	CHECK_INT(build_argv(&m, &e, env,
	                     (char *[]){"covenant-shim", "--check", "-t", (char *)td, "--env-file",
	                                (char *)envf, NULL}),
	          0);
	/* E: the env file's last entry, kept by the environment; then the td's E, kept too */
	CHECK_INT(m.n, 5);
	CHECK(m.n == 5 && strcmp(m.vars[1].name, "E") == 0 && m.vars[1].kept_by &&
	      strcmp(m.vars[1].ref.json_key, "Y") == 0 &&
	      strcmp(m.vars[1].kept_by, "the environment") == 0);
	CHECK(m.n == 5 && strcmp(m.vars[2].name, "E") == 0 && m.vars[2].kept_by &&
	      m.vars[2].source == VAR_TASKDEF_ENV);
	CHECK((v = mapping_find(&m, "F")) && !v->kept_by && strcmp(v->value, "file") == 0);
	CHECK(m.n == 5 && strcmp(m.vars[3].name, "F") == 0 && m.vars[3].kept_by &&
	      strcmp(m.vars[3].kept_by, "an env file") == 0 && m.vars[3].has_ref);
	CHECK(mapping_find(&m, "E") == NULL); /* kept variables supply nothing */
	CHECK((v = mapping_find(&m, "G")) && !v->kept_by);
	mapping_free(&m);

	/* without --check nothing of it is fetched */
	CHECK_INT(build(&m, &e, env, td, NULL, envf), 0);
	CHECK_INT(m.n, 2);
	mapping_free(&m);
}

/* --explain's record: each entry a stronger source kept out, with both sources; an entry
 * replaced by a later one of its own source is no override. */
static void test_overrides(void)
{
	const char *td =
	        unit_write_file(dir, "ovr.json",
	                        "{\"containerDefinitions\":[{\"name\":\"w\",\"environment\":["
	                        "{\"name\":\"E\",\"value\":\"td\"},"
	                        "{\"name\":\"F\",\"value\":\"td\"}],"
	                        "\"secrets\":[{\"name\":\"E\",\"valueFrom\":\"/e\"},"
	                        "{\"name\":\"G\",\"valueFrom\":\"/g\"},"
	                        "{\"name\":\"G\",\"valueFrom\":\"/g2\"}]}]}");
	const char *envf = unit_write_file(dir, "ovr.env", "E=file\nE=file2\nF=file\n");
	char *env[] = {"E=inherited", NULL};
	struct mapping m;
	struct shim_err e;

	CHECK_INT(build(&m, &e, env, td, NULL, envf), 0);
	CHECK_INT(m.n_overrides, 5);
	if (m.n_overrides == 5) {
		CHECK_STR(m.overrides[0].name, "E"); /* the env file's two E, by the environment */
		CHECK(m.overrides[0].source == VAR_ENV_FILE && m.overrides[0].by == VAR_ENV);
		CHECK(m.overrides[1].source == VAR_ENV_FILE && m.overrides[1].by == VAR_ENV);
		CHECK_STR(m.overrides[2].name, "E");
		CHECK(m.overrides[2].source == VAR_TASKDEF_ENV && m.overrides[2].by == VAR_ENV);
		CHECK_STR(m.overrides[3].name, "F");
		CHECK(m.overrides[3].source == VAR_TASKDEF_ENV &&
		      m.overrides[3].by == VAR_ENV_FILE);
		CHECK_STR(m.overrides[4].name, "E");
		CHECK(m.overrides[4].source == VAR_TASKDEF_SECRET && m.overrides[4].by == VAR_ENV);
	}
	/* an import kept out by the task definition, and by the environment */
	CHECK_INT(mapping_import(&m, env, "F", "x", "--ssm-path /p"), 0);
	CHECK_INT(mapping_import(&m, env, "E", "x", "--ssm-path /p"), 0);
	CHECK_INT(mapping_import(&m, env, "NEW", "x", "--ssm-path /p"), 0);
	CHECK_INT(mapping_import(&m, env, "NEW", "y", "--ssm-path /q"), 0); /* import over import */
	CHECK_INT(m.n_overrides, 7);
	if (m.n_overrides == 7) {
		CHECK(m.overrides[5].source == VAR_IMPORT && m.overrides[5].by == VAR_ENV_FILE);
		CHECK(m.overrides[6].source == VAR_IMPORT && m.overrides[6].by == VAR_ENV);
	}
	CHECK_STR(mapping_source_name(VAR_TASKDEF_ENV), "task definition environment");
	CHECK_STR(mapping_source_name(VAR_IMPORT), "import");
	mapping_free(&m);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	log_setup(LOG_WARN, LOG_TEXT);
	RUN(test_task_definition_and_precedence);
	RUN(test_environment_references);
	RUN(test_container_selection);
	RUN(test_bad_task_definitions);
	RUN(test_entrypoint_options);
	RUN(test_taskdef_environment_arns);
	RUN(test_empty_values);
	RUN(test_kept_references_in_check);
	RUN(test_overrides);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return unit_done("test_mapping");
}
