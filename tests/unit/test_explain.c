/* --explain: the winning source of each variable, the sources it overrode (from the mapping's
 * record), the reference of fetched ones, in text and JSON; never a value. */
#include "explain.h"
#include "unit.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/test_explain.XXXXXX";

#define SM "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-Xy9Ab1"
#define TD                                                                                         \
	"{\"containerDefinitions\":[{\"name\":\"w\",\"environment\":["                             \
	"{\"name\":\"MODE\",\"value\":\"td-mode-value\"},"                                         \
	"{\"name\":\"PORT\",\"value\":\"8000\"}],"                                                 \
	"\"secrets\":[{\"name\":\"KEY\",\"valueFrom\":\"" SM ":KEY::\"},"                          \
	"{\"name\":\"MODE\",\"valueFrom\":\"/app/MODE\"},"                                         \
	"{\"name\":\"DB\",\"valueFrom\":\"/app/DB\"}]}]}"

/* DB set by the environment (over secrets), MODE by the env file (over the task definition's
 * environment and secrets), KEY fetched, PORT a literal, IMP imported (kept out for PORT). */
static int build(struct mapping *m)
{
	char *argv[] = {"covenant-shim", NULL};
	char *env[] = {"DB=inherited-db-value", NULL};
	struct shim_opts o;
	struct shim_err e = {0};
	int rc;

	if (opts_parse(&o, 1, argv, (char *[]){NULL}, &e) < 0)
		return -1;
	o.task_definition = unit_write_file(dir, "td.json", TD);
	o.env_files.v = malloc(sizeof(char *));
	o.env_files.v[0] = strdup(unit_write_file(dir, "dev.env", "MODE=env-file-mode-value\n"));
	o.env_files.n = 1;
	rc = mapping_build(m, &o, env, &e);
	opts_free(&o);
	if (rc == 0 && (mapping_import(m, env, "IMP", "imported-value", "--ssm-path /imp") < 0 ||
	                mapping_import(m, env, "PORT", "imported-port", "--ssm-path /imp") < 0))
		rc = -1;
	return rc;
}

static void test_text(void)
{
	struct mapping m;
	struct buf b = BUF_INIT;

	CHECK_INT(build(&m), 0);
	CHECK_INT(explain_format(&b, &m, EXPLAIN_TEXT), 0);
	CHECK_STR(buf_cstr(&b),
	          "NAME  SOURCE                       OVERRODE                              "
	          "REFERENCE\n"
	          "MODE  env file                     task definition environment, secrets  -\n"
	          "PORT  task definition environment  import                                -\n"
	          "KEY   secrets                      -                                     "
	          "secret app-Xy9Ab1:KEY:: (us-east-1)\n"
	          "IMP   import                       -                                     "
	          "--ssm-path /imp\n"
	          "DB    environment                  secrets                               -\n");
	CHECK(!strstr(buf_cstr(&b), "value"));
	buf_free(&b);
	mapping_free(&m);
}

static void test_json(void)
{
	struct mapping m;
	struct buf b = BUF_INIT;
	json_t *doc, *o;

	CHECK_INT(build(&m), 0);
	CHECK_INT(explain_format(&b, &m, EXPLAIN_JSON), 0);
	CHECK(!strstr(buf_cstr(&b), "value"));
	CHECK((doc = json_loads(buf_cstr(&b), 0, NULL)) && json_array_size(doc) == 5);
	o = json_array_get(doc, 0);
	CHECK_STR(json_string_value(json_object_get(o, "name")), "MODE");
	CHECK_STR(json_string_value(json_object_get(o, "source")), "env file");
	CHECK(!json_object_get(o, "reference"));
	CHECK(json_array_size(json_object_get(o, "overridden")) == 2 &&
	      !strcmp(json_string_value(json_array_get(json_object_get(o, "overridden"), 0)),
	              "task definition environment"));
	o = json_array_get(doc, 2);
	CHECK_STR(json_string_value(json_object_get(o, "reference")),
	          "secret app-Xy9Ab1:KEY:: (us-east-1)");
	CHECK(json_is_array(json_object_get(o, "overridden")) &&
	      json_array_size(json_object_get(o, "overridden")) == 0);
	o = json_array_get(doc, 4);
	CHECK_STR(json_string_value(json_object_get(o, "source")), "environment");
	CHECK_STR(json_string_value(json_array_get(json_object_get(o, "overridden"), 0)),
	          "secrets");
	json_decref(doc);
	buf_free(&b);
	mapping_free(&m);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	log_setup(LOG_ERROR, LOG_TEXT);
	RUN(test_text);
	RUN(test_json);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return unit_done("test_explain");
}
