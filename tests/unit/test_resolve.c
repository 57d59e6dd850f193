/* The resolution core with a scripted backend: deduplication, JSON keys, binary values,
 * failures named per variable and grouped by cause, kept variables in --check, and the
 * precedence of imports. */
#include "resolve.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

static size_t backend_fetches;

#define APP_JSON "{\"A\":\"x\",\"B\":2,\"C\":{\"d\":[1,true]}}"

#define SMA "arn:aws:secretsmanager:us-east-1:123456789012:secret:"

/* Values by fetch name; names starting "down" fail as one call, others as a missing secret. */
static int fake_backend(struct plan *p, const struct backend_cfg *cfg, char **envp,
                        struct backend_stats *st, struct shim_err *err)
{
	size_t down[8], n_down = 0;

	(void)cfg;
	(void)envp;
	(void)err;
	backend_fetches = p->n;
	st->api_calls = 1;
	for (size_t i = 0; i < p->n; i++) {
		struct fetch *f = &p->f[i];
		if (!f->region)
			f->region = "us-east-1";
		if (strncmp(f->name, "down", 4) == 0 && n_down < 8)
			down[n_down++] = i;
		else if (strcmp(f->name, "app") == 0)
			plan_fetch_value(f, APP_JSON, strlen(APP_JSON));
		else if (strcmp(f->name, "bin") == 0)
			plan_fetch_value(f, "a\0b", 3);
		else if (strcmp(f->name, "plain") == 0)
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
	plan_fail_call(p, down, n_down, SHIM_EX_UNAVAILABLE,
	               "BatchGetSecretValue https://x: Could not resolve host (3 attempts)");
	return 0;
}

static int check_mode;

static int resolve(struct mapping *m, char **env, const char *td_secrets, int imports)
{
	static char td[256];
	char *argv[] = {"covenant-shim", NULL};
	struct backend_stats st = {0};
	struct shim_opts o;
	struct shim_err e = {0};
	FILE *f;
	int rc;

	backend_fetches = 0;
	snprintf(td, sizeof(td), "/tmp/test_resolve.%d.json", (int)getpid());
	f = fopen(td, "w");
	fprintf(f, "{\"containerDefinitions\":[{\"name\":\"w\",\"secrets\":[%s]}]}", td_secrets);
	fclose(f);
	opts_parse(&o, 1, argv, (char *[]){NULL}, &e);
	o.task_definition = td;
	o.check = check_mode;
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
	                  S("A", SMA "app:A::") "," S("B", SMA "app:B::") "," S(
	                          "C", SMA "app:C::") "," S("P", "/cfg/p") "," S("P2", "/cfg/p"),
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

	CHECK_INT(resolve(&m, (char *[]){NULL},
	                  S("OK", "/cfg/p") "," S("GONE", SMA "missing") "," S(
	                          "NOKEY",
	                          SMA "app:Z::") "," S("BIN", SMA
	                                               "bin") "," S("NOTJSON", SMA
	                                                            "plain:K::") "," S("BADREF",
	                                                                               SMA "a:b"),
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

/* One cause, one group: the keys of one missing secret share its line; the fetches of one
 * failed call share the call's line, which then names the call and not each secret. */
static void test_failures_grouped(void)
{
	struct mapping m;
	struct var *a, *b, *c, *d, *e, *k;

	CHECK_INT(resolve(&m, (char *[]){NULL},
	                  S("A", SMA "gone:A::") "," S("B", SMA "gone:B::") "," S(
	                          "C", SMA
	                          "down1") "," S("D", SMA
	                                         "down2:K::") "," S("E",
	                                                            "/other") "," S("K", SMA
	                                                                            "app:NOPE::"),
	                  0),
	          SHIM_EX_UNAVAILABLE); /* the worst of 69 and 78 */
	a = mapping_find(&m, "A"), b = mapping_find(&m, "B"), c = mapping_find(&m, "C");
	d = mapping_find(&m, "D"), e = mapping_find(&m, "E"), k = mapping_find(&m, "K");
	CHECK(a->fail_group && a->fail_group == b->fail_group);
	CHECK_STR(a->fail.msg + a->fail_text,
	          "secret gone (us-east-1): ResourceNotFoundException: not here");
	CHECK(c->fail_group && c->fail_group == d->fail_group && c->fail_group != a->fail_group);
	CHECK_INT(c->fail.status, SHIM_EX_UNAVAILABLE);
	CHECK_STR(c->fail.msg + c->fail_text,
	          "BatchGetSecretValue https://x: Could not resolve host (3 attempts)");
	CHECK_STR(d->fail.msg + d->fail_text, c->fail.msg + c->fail_text);
	CHECK(e->fail_group && e->fail_group != a->fail_group && e->fail_group != c->fail_group);
	CHECK_INT(k->fail_group, 0); /* a missing key is the variable's own failure */
	CHECK(strstr(k->fail.msg, "K: ") == k->fail.msg);
	mapping_free(&m);
}

/* A task definition's bare name is an SSM parameter: a missing one says so. */
static void test_bare_name_hint(void)
{
	struct mapping m;
	struct var *v;

	CHECK_INT(resolve(&m, (char *[]){NULL}, S("DB", "db-url") "," S("P", "/gone"), 0),
	          SHIM_EX_UNRESOLVED);
	v = mapping_find(&m, "DB");
	CHECK(v->has_ref && v->ref.kind == REF_PARAM);
	CHECK(strstr(v->fail.msg, "DB: parameter db-url (us-east-1): ") == v->fail.msg);
	CHECK(strstr(v->fail.msg, "a bare name in a task definition is an SSM parameter"));
	CHECK(!strstr(mapping_find(&m, "P")->fail.msg, "bare name"));
	mapping_free(&m);
}

/* --check: a reference whose variable is already set is resolved all the same, and its
 * failure counts; without --check it is not even fetched. */
static void test_kept_in_check(void)
{
	char *env[] = {"GONE=inherited", "A=inherited", "EMPTY=", NULL};
	struct mapping m;
	struct var *v;

	log_setup(LOG_ERROR, LOG_TEXT);
	CHECK_INT(resolve(&m, env, S("GONE", SMA "missing") "," S("A", SMA "app:A::"), 0), 0);
	CHECK_INT(m.n, 0);
	CHECK_INT(backend_fetches, 0);
	mapping_free(&m);

	check_mode = 1;
	CHECK_INT(resolve(&m, env,
	                  S("GONE", SMA "missing") "," S("A", SMA "app:A::") "," S("EMPTY",
	                                                                           SMA "app:B::"),
	                  0),
	          SHIM_EX_UNRESOLVED);
	check_mode = 0;
	CHECK_INT(m.n, 3);
	CHECK(mapping_find(&m, "GONE") == NULL && mapping_find(&m, "A") == NULL);
	v = &m.vars[0];
	CHECK(strcmp(v->name, "GONE") == 0 && v->kept_by &&
	      strcmp(v->kept_by, "the environment") == 0);
	CHECK_INT(v->fail.status, SHIM_EX_UNRESOLVED);
	v = &m.vars[1];
	CHECK(strcmp(v->name, "A") == 0 && v->kept_by && !v->fail.status);
	CHECK_STR(v->value, "x");
	/* an empty inherited value counts as unset: the secret is fetched for the application */
	v = mapping_find(&m, "EMPTY");
	CHECK(v && !v->kept_by && strcmp(v->value, "2") == 0);
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
	RUN(test_failures_grouped);
	RUN(test_bare_name_hint);
	RUN(test_kept_in_check);
	RUN(test_imports_never_override);
	return unit_done("test_resolve");
}
