/* Unit tests for shim/credproc.c: the command line split as Python's shlex.split does (the
 * expectations were printed by it), then small /bin/sh scripts written to a temporary
 * directory: success, arguments and environment, non-zero exit, garbage, a hang (the process
 * group killed), expired credentials, and no output ever in a message. */
#include "credproc.h"
#include "clock.h"
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define AKID "AKIACREDPROCEXAMPLE1"
#define SKEY "credprocSecretKeyEXAMPLEwJalrXUtnFEMI/K"
#define STOK "CREDPROCSESSIONTOKEN"
#define NOW  1700000000LL
#define JSON_OK                                                                                    \
	"{\"Version\": 1, \"AccessKeyId\": \"" AKID "\", \"SecretAccessKey\": \"" SKEY             \
	"\", \"SessionToken\": \"" STOK "\", \"Expiration\": \"2030-01-01T00:00:00Z\"}"

static char dir[64];

/* ---- splitting ---- */

static void check_split(const char *cmd, const char *const *want)
{
	struct shim_err e = {0};
	char **argv = NULL;
	size_t i;

	CHECK_INT(credproc_split(&argv, cmd, &e), 0);
	for (i = 0; argv && want[i]; i++)
		CHECK_STR(argv[i], want[i]);
	CHECK(argv && argv[i] == NULL);
	if (unit_cur_failed)
		fprintf(stderr, "  split of [%s]\n", cmd);
	credproc_argv_free(argv);
}

static void test_split(void)
{
	struct shim_err e = {0};
	char **argv = NULL;

	check_split("/bin/prog --a b", (const char *[]){"/bin/prog", "--a", "b", NULL});
	check_split("\"/path with space/prog\" 'x y' a\\ b",
	            (const char *[]){"/path with space/prog", "x y", "a b", NULL});
	check_split("a\"b c\"d", (const char *[]){"ab cd", NULL});
	check_split("x '' y", (const char *[]){"x", "", "y", NULL});
	check_split("\"a\\\"b\\\\c\\d\"", (const char *[]){"a\"b\\c\\d", NULL});
	check_split("'a\\b'", (const char *[]){"a\\b", NULL});
	check_split("  lead \t trail\n ", (const char *[]){"lead", "trail", NULL});
	check_split("a#b #c", (const char *[]){"a#b", "#c", NULL});
	check_split("p $HOME *", (const char *[]){"p", "$HOME", "*", NULL});
	CHECK_INT(credproc_split(&argv, "\"unclosed", &e), -1);
	CHECK(strstr(e.msg, "no closing quotation") != NULL);
	CHECK_INT(credproc_split(&argv, "x 'a", &e), -1);
	CHECK_INT(credproc_split(&argv, "trail\\", &e), -1);
	CHECK_INT(credproc_split(&argv, "   ", &e), -1);
	CHECK_INT(e.status, SHIM_EX_NOPERM);
	CHECK_INT(credproc_split(&argv, NULL, &e), -1);
	CHECK(argv == NULL);
}

/* ---- running ---- */

static const char *script(const char *name, const char *body)
{
	static char path[8][128];
	static int next;
	char *p = path[next++ % 8];
	FILE *f;

	snprintf(p, 128, "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f)
		return p;
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(p, 0700);
	return p;
}

static void check_no_secret(const struct shim_err *e)
{
	CHECK(strstr(e->msg, AKID) == NULL);
	CHECK(strstr(e->msg, SKEY) == NULL);
	CHECK(strstr(e->msg, STOK) == NULL);
	CHECK(strstr(e->msg, "GARBAGE") == NULL);
}

static int load(const char *cmd, long ms, char **envp, struct aws_creds *c, struct shim_err *e)
{
	struct creds_ctx ctx = {.envp = envp, .now = NOW};
	int rc;

	memset(c, 0, sizeof(*c));
	memset(e, 0, sizeof(*e));
	rc = credproc_load(c, "dev", cmd, ms, &ctx, e);
	check_no_secret(e);
	return rc;
}

static void test_ok(void)
{
	const char *s =
	        script("ok.sh", "if read x; then exit 3; fi\ncat <<'EOF'\n" JSON_OK "\nEOF");
	char *envp[] = {"PATH=/usr/bin:/bin", NULL};
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(load(s, 5000, envp, &c, &e), 1);
	CHECK_STR(c.source, "credential_process");
	CHECK_STR(c.access_key_id, AKID);
	CHECK_STR(c.secret_access_key, SKEY);
	CHECK_STR(c.session_token, STOK);
	CHECK_INT(c.expiration, 1893456000);
	creds_free(&c);
}

/* Words reach the program as split, the environment is ctx->envp, PATH finds the program. */
static void test_args_env(void)
{
	char cmd[256], *envp[] = {"CP_SECRET=" SKEY, NULL};
	struct aws_creds c;
	struct shim_err e;

	script("args prog.sh",
	       "printf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\"}' "
	       "\"$1\" \"$CP_SECRET\"");
	snprintf(cmd, sizeof(cmd), "\"%s/args prog.sh\" '" AKID "'", dir);
	CHECK_INT(load(cmd, 5000, envp, &c, &e), 1);
	CHECK_STR(c.access_key_id, AKID);
	CHECK_STR(c.secret_access_key, SKEY);
	CHECK(c.session_token == NULL);
	CHECK_INT(c.expiration, 0);
	creds_free(&c);
}

static void check_fails(const char *cmd, long ms, const char *what)
{
	char *envp[] = {"PATH=/usr/bin:/bin", NULL};
	struct aws_creds c;
	struct shim_err e;

	CHECK_INT(load(cmd, ms, envp, &c, &e), -1);
	CHECK_INT(e.status, SHIM_EX_NOPERM);
	CHECK(strncmp(e.msg, "profile dev: credential_process: ", 33) == 0);
	CHECK(strstr(e.msg, what) != NULL);
	CHECK(c.access_key_id == NULL);
	if (unit_cur_failed)
		fprintf(stderr, "  [%s]: %s\n", cmd, e.msg);
}

static void test_failures(void)
{
	check_fails(script("exit2.sh", "echo 'test_credproc: this stderr line is expected' >&2\n"
	                               "echo '" JSON_OK "'\nexit 2"),
	            5000, "exited with status 2");
	check_fails(script("garbage.sh", "echo 'GARBAGE " SKEY "'"), 5000, "not a JSON object");
	check_fails(script("empty.sh", "exit 0"), 5000, "not a JSON object");
	check_fails(script("v2.sh", "echo '{\"Version\":2,\"AccessKeyId\":\"" AKID
	                            "\",\"SecretAccessKey\":\"" SKEY "\"}'"),
	            5000, "Version 1");
	check_fails(script("vstr.sh", "echo '{\"Version\":\"1\",\"AccessKeyId\":\"" AKID
	                              "\",\"SecretAccessKey\":\"" SKEY "\"}'"),
	            5000, "Version 1");
	check_fails(script("nosecret.sh", "echo '{\"Version\":1,\"AccessKeyId\":\"" AKID "\"}'"),
	            5000, "no SecretAccessKey");
	check_fails(script("badtype.sh", "echo '{\"Version\":1,\"AccessKeyId\":5,"
	                                 "\"SecretAccessKey\":\"" SKEY "\"}'"),
	            5000, "AccessKeyId");
	check_fails(script("expired.sh", "echo '{\"Version\":1,\"AccessKeyId\":\"" AKID
	                                 "\",\"SecretAccessKey\":\"" SKEY
	                                 "\",\"Expiration\":\"2020-01-01T00:00:00Z\"}'"),
	            5000, "expired");
	check_fails(script("badtime.sh",
	                   "echo '{\"Version\":1,\"AccessKeyId\":\"" AKID
	                   "\",\"SecretAccessKey\":\"" SKEY "\",\"Expiration\":\"tomorrow\"}'"),
	            5000, "RFC 3339");
	check_fails(script("big.sh", "head -c 100000 /dev/zero | tr '\\000' x"), 5000,
	            "more than 64 KiB");
	check_fails(script("signal.sh", "kill -9 $$"), 5000, "killed by signal 9");
	check_fails("/nonexistent/credential-helper --secret-arg", 5000,
	            "cannot run \"/nonexistent/credential-helper\"");
	check_fails("'unclosed", 5000, "no closing quotation");
}

/* Dead or a zombie waiting for its reaper: either way no longer running. */
static int gone(long pid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "r")))
		return 1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p && (p[2] == 'Z' || p[2] == 'X');
}

static void test_timeout(void)
{
	char pidfile[128], cmd[256];
	long long t0 = clock_ms(), dt;
	long pid = 0;
	FILE *f;

	snprintf(pidfile, sizeof(pidfile), "%s/sleeper.pid", dir);
	snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! > '%s'\nwait", pidfile);
	check_fails(script("hang.sh", cmd), 300, "did not finish within 300 ms");
	dt = clock_ms() - t0;
	CHECK(dt >= 250 && dt < 3000);
	/* The whole process group went: the sleeping grandchild too. */
	if ((f = fopen(pidfile, "r"))) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	CHECK(pid > 0);
	for (int i = 0; i < 100 && pid > 0 && !gone(pid); i++)
		nanosleep(&(struct timespec){0, 10000000L}, NULL);
	CHECK(pid > 0 && gone(pid));
	unlink(pidfile);

	/* stdout closed early, then a hang: the timeout still holds. */
	t0 = clock_ms();
	check_fails(script("closed.sh", "exec >/dev/null\nsleep 30"), 300, "did not finish");
	dt = clock_ms() - t0;
	CHECK(dt < 3000);
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_credproc: could not remove %s\n", dir);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_credproc.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("test_credproc: mkdtemp");
		return 1;
	}
	RUN(test_split);
	RUN(test_ok);
	RUN(test_args_env);
	RUN(test_failures);
	RUN(test_timeout);
	cleanup();
	return unit_done("test_credproc");
}
