/* --audit: an env file's keys against a mapping: filled, missing, only an import might fill
 * them, mapped but not listed; the file's errors (65); the table. */
#include "audit.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/test_audit.XXXXXX";

#define TD                                                                                         \
	"{\"containerDefinitions\":[{\"name\":\"w\",\"environment\":["                             \
	"{\"name\":\"PORT\",\"value\":\"8000\"}],"                                                 \
	"\"secrets\":[{\"name\":\"DB\",\"valueFrom\":\"/app/DB\"},"                                \
	"{\"name\":\"KEY\",\"valueFrom\":\"/app/KEY\"}]}]}"

/* The mapping of TD and an env file with LOCAL, and optionally an --ssm-path import. */
static int build(struct mapping *m, int with_import)
{
	char *argv[] = {"covenant-shim", "--ssm-path", "/imp", NULL};
	struct shim_opts o;
	struct shim_err e = {0};
	int rc;

	if (opts_parse(&o, with_import ? 3 : 1, argv, (char *[]){NULL}, &e) < 0)
		return -1;
	o.task_definition = unit_write_file(dir, "td.json", TD);
	o.env_files.v = malloc(sizeof(char *));
	o.env_files.v[0] = strdup(unit_write_file(dir, "dev.env", "LOCAL=1\n"));
	o.env_files.n = 1;
	rc = mapping_build(m, &o, (char *[]){NULL}, &e);
	opts_free(&o);
	return rc;
}

static const struct audit_row *row(const struct audit *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->rows[i].name, name) == 0)
			return &a->rows[i];
	return NULL;
}

static void test_keys(void)
{
	char ex[300];
	const struct audit_row *r;
	struct mapping m;
	struct shim_err e = {0};
	struct audit a;

	snprintf(ex, sizeof(ex), "%s",
	         unit_write_file(dir, ".env.example",
	                         "# template\nDB=\nPORT=1\nNOPE=\nexport LOCAL\nNOPE=2\n"));
	CHECK_INT(build(&m, 0), 0);
	CHECK_INT(audit_run(&a, ex, &m, &e), 0);
	/* the file's keys once each, in file order, then what it lacks */
	CHECK_INT(a.n, 5);
	CHECK(a.n == 5 && !strcmp(a.rows[0].name, "DB") && !strcmp(a.rows[3].name, "LOCAL") &&
	      !strcmp(a.rows[4].name, "KEY"));
	CHECK((r = row(&a, "DB")) && r->status == AUDIT_OK && r->source == VAR_TASKDEF_SECRET &&
	      r->line == 2);
	CHECK((r = row(&a, "PORT")) && r->status == AUDIT_OK && r->source == VAR_TASKDEF_ENV);
	CHECK((r = row(&a, "LOCAL")) && r->status == AUDIT_OK && r->source == VAR_ENV_FILE);
	CHECK((r = row(&a, "NOPE")) && r->status == AUDIT_MISSING && r->line == 4);
	CHECK((r = row(&a, "KEY")) && r->status == AUDIT_UNLISTED && r->line == 0);
	CHECK(a.n_missing == 1 && a.n_unlisted == 1 && a.n_import == 0);
	audit_free(&a);
	mapping_free(&m);

	/* with an import, a key nothing else fills might come from it */
	CHECK_INT(build(&m, 1), 0);
	CHECK_INT(audit_run(&a, ex, &m, &e), 0);
	CHECK((r = row(&a, "NOPE")) && r->status == AUDIT_IMPORT);
	CHECK(a.n_missing == 0 && a.n_import == 1);
	audit_free(&a);
	mapping_free(&m);
}

static void test_bad_file(void)
{
	struct mapping m;
	struct shim_err e = {0};
	struct audit a = {0};
	char path[300];

	CHECK_INT(build(&m, 0), 0);
	snprintf(path, sizeof(path), "%s/absent.env", dir);
	CHECK_INT(audit_run(&a, path, &m, &e), -1);
	CHECK(e.status == SHIM_EX_DATA && strstr(e.msg, "absent.env") && !strchr(e.msg, '\n'));
	e = (struct shim_err){0};
	CHECK_INT(audit_run(&a, unit_write_file(dir, "bad.env", "OK=1\n1BAD=x\n"), &m, &e), -1);
	CHECK(e.status == SHIM_EX_DATA && strstr(e.msg, "bad.env:2"));
	e = (struct shim_err){0};
	CHECK_INT(audit_run(&a, dir, &m, &e), -1); /* a directory */
	CHECK_INT(e.status, SHIM_EX_DATA);
	CHECK(a.n == 0 && a.rows == NULL);
	mapping_free(&m);
}

static void test_table(void)
{
	struct audit_row rows[] = {{"DATABASE_URL", AUDIT_OK, VAR_TASKDEF_SECRET, 1},
	                           {"X", AUDIT_MISSING, 0, 2},
	                           {"Y", AUDIT_IMPORT, 0, 3},
	                           {"Z", AUDIT_UNLISTED, VAR_ENV_FILE, 0}};
	struct audit a = {rows, 4, 4, 1, 1, 1};
	struct buf b = BUF_INIT;

	audit_format(&b, &a);
	CHECK_STR(buf_cstr(&b), "NAME          STATUS    SOURCE\n"
	                        "DATABASE_URL  ok        secrets\n"
	                        "X             missing   -\n"
	                        "Y             import?   -\n"
	                        "Z             unlisted  env file\n");
	buf_free(&b);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	log_setup(LOG_ERROR, LOG_TEXT);
	RUN(test_keys);
	RUN(test_bad_file);
	RUN(test_table);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return unit_done("test_audit");
}
