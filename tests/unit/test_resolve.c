/* The resolution core with a scripted backend: deduplication, JSON keys, binary values,
 * failures named per variable, and the precedence of imports. */
#include "resolve.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

static size_t backend_fetches;

#define APP_JSON "{\"A\":\"x\",\"B\":2,\"C\":{\"d\":[1,true]}}"

/* Values by fetch id; "fail:" ids fail as AWS would. */
static int fake_backend(struct plan *p, const struct backend_cfg *cfg, char **envp,
                        struct backend_stats *st, struct shim_err *err)
{
	(void)cfg;
	(void)envp;
	(void)err;
	backend_fetches = p->n;
	st->api_calls = 1;
	for (size_t i = 0; i < p->n; i++) {
		struct fetch *f = &p->f[i];
		if (!f->region)
			f->region = "us-east-1";
		if (strcmp(f->id, "app") == 0)
			plan_fetch_value(f, APP_JSON, strlen(APP_JSON));
		else if (strcmp(f->id, "bin") == 0)
			plan_fetch_value(f, "a\0b", 3);
		else if (strcmp(f->id, "plain") == 0)
			plan_fetch_value(f, "not json", 8);
		else if (strcmp(f->id, "/cfg/p") == 0)
			plan_fetch_value(f, "pv", 2);
		else if (f->kind == FETCH_PATH) {
			plan_fetch_item(f, "/cfg/X", "from-path");
			plan_fetch_item(f, "/cfg/sub/A", "path-A");
			plan_fetch_item(f, "/cfg/bad-name", "skipped");
			plan_fetch_done(f);
		} else
			plan_fetch_fail(f, SHIM_EX_UNRESOLVED,
			                "ResourceNotFoundException: not here");
	}
	return 0;
}

static int resolve(struct mapping *m, char **env, const char *td_secrets, int imports)
{
	static char td[256];
	char *argv[] = {"covenant-shim", NULL};
	struct backend_stats st = {0};
	struct shim_opts o;
	struct shim_err e = {0};
	FILE *f;
	int rc;

	snprintf(td, sizeof(td), "/tmp/test_resolve.%d.json", (int)getpid());
	f = fopen(td, "w");
	fprintf(f, "{\"containerDefinitions\":[{\"name\":\"w\",\"secrets\":[%s]}]}", td_secrets);
	fclose(f);
	opts_parse(&o, 1, argv, (char *[]){NULL}, &e);
	o.task_definition = td;
	if (imports) {
		o.secret_json.v = calloc(2, sizeof(char *));
		o.secret_json.v[0] = strdup("app");
		o.secret_json.n = 1;
		o.ssm_paths.v = calloc(2, sizeof(char *));
		o.ssm_paths.v[0] = strdup("/cfg");
		o.ssm_paths.n = 1;
	}
	if (mapping_build(m, &o, env, &e) < 0) {
		fprintf(stderr, "mapping: %s\n", e.msg);
		rc = -100;
	} else {
		rc = resolve_mapping(m, &(struct backend_cfg){0}, env, fake_backend, &st, &e);
	}
	opts_free(&o);
	unlink(td);
	return rc;
}

#define S(name, from) "{\"name\":\"" name "\",\"valueFrom\":\"" from "\"}"

static void test_keys_share_one_fetch(void)
{
	struct mapping m;

	CHECK_INT(resolve(&m, (char *[]){NULL},
	                  S("A", "app:A::") "," S("B", "app:B::") "," S("C", "app:C::") "," S(
	                          "P", "/cfg/p") "," S("P2", "/cfg/p"),
	                  0),
	          0);
	CHECK_INT(backend_fetches, 2);
	CHECK_STR(mapping_find(&m, "A")->value, "x");
	CHECK_STR(mapping_find(&m, "B")->value, "2");
	CHECK_STR(mapping_find(&m, "C")->value, "{\"d\":[1,true]}");
	CHECK_STR(mapping_find(&m, "P")->value, "pv");
	CHECK_STR(mapping_find(&m, "P2")->value, "pv");
	mapping_free(&m);
}

static void test_failures_are_per_variable(void)
{
	struct mapping m;
	struct var *v;

	CHECK_INT(
	        resolve(&m, (char *[]){NULL},
	                S("OK", "/cfg/p") "," S("GONE", "missing") "," S("NOKEY", "app:Z::") "," S(
	                        "BIN", "bin") "," S("NOTJSON", "plain:K::") "," S("BADREF", "a:b"),
	                0),
	        SHIM_EX_DATA); /* the worst: a reference that does not parse */
	CHECK_STR(mapping_find(&m, "OK")->value, "pv");
	v = mapping_find(&m, "GONE");
	CHECK(v->fail.status == SHIM_EX_UNRESOLVED && !v->value);
	CHECK_STR(v->fail.msg,
	          "GONE: secret missing (us-east-1): ResourceNotFoundException: not here");
	v = mapping_find(&m, "NOKEY");
	CHECK(v->fail.status == SHIM_EX_UNRESOLVED &&
	      strstr(v->fail.msg, "NOKEY: ") == v->fail.msg && strstr(v->fail.msg, "Z"));
	v = mapping_find(&m, "BIN");
	CHECK(v->fail.status == SHIM_EX_UNRESOLVED && strstr(v->fail.msg, "NUL byte"));
	v = mapping_find(&m, "NOTJSON");
	CHECK(v->fail.status == SHIM_EX_UNRESOLVED && !strstr(v->fail.msg, "not json"));
	CHECK_INT(mapping_find(&m, "BADREF")->fail.status, SHIM_EX_DATA);
	mapping_free(&m);
}

static void test_imports_never_override(void)
{
	char *env[] = {"B=from-env", NULL};
	struct mapping m;
	struct var *v;

	log_setup(LOG_ERROR, LOG_TEXT);
	CHECK_INT(resolve(&m, env, S("C", "/cfg/p"), 1), 0);
	CHECK(mapping_find(&m, "B") == NULL);          /* the environment's B stays */
	CHECK_STR(mapping_find(&m, "C")->value, "pv"); /* the task definition's C wins */
	v = mapping_find(&m, "A");
	/* the path import (first) and the JSON import (later) both give A: the later wins */
	CHECK(v && v->source == VAR_IMPORT && strcmp(v->value, "x") == 0);
	CHECK(strstr(v->origin, "--secret-json app"));
	CHECK_STR(mapping_find(&m, "X")->value, "from-path");
	CHECK(mapping_find(&m, "bad-name") == NULL);
	mapping_free(&m);
}

int main(void)
{
	RUN(test_keys_share_one_fetch);
	RUN(test_failures_are_per_variable);
	RUN(test_imports_never_override);
	return unit_done("test_resolve");
}
