/* The supervisor's status rules, and a whole supervise_run in a forked process. */
#include "supervise.h"
#include "unit.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_exit_status_mapping(void)
{
	CHECK_INT(supervise_exit_status(0), 0);
	CHECK_INT(supervise_exit_status(3 << 8), 3);
	CHECK_INT(supervise_exit_status(255 << 8), 255);
	CHECK_INT(supervise_exit_status(SIGTERM), 143);
	CHECK_INT(supervise_exit_status(SIGKILL | 0x80), 137); /* core dumped */
	CHECK_INT(shim_exec_status(ENOENT), 127);
	CHECK_INT(shim_exec_status(ENOTDIR), 127);
	CHECK_INT(shim_exec_status(EACCES), 126);
	CHECK_INT(shim_exec_status(ENOEXEC), 126);
}

/* supervise_run blocks every signal for good, so run it in a child of the test. */
static int run_in_fork(const char *const *argv, const char *remap)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		char *env[] = {NULL, NULL};
		char *args[] = {"covenant-shim", NULL};
		char envbuf[64];
		struct shim_opts o;
		struct shim_err e;

		if (remap) {
			snprintf(envbuf, sizeof(envbuf), "COVENANT_SHIM_REMAP_EXIT=%s", remap);
			env[0] = envbuf;
		}
		if (opts_parse(&o, 1, args, env, &e) < 0)
			_exit(99);
		log_setup(LOG_ERROR - 1, LOG_TEXT);
		_exit(supervise_run(&o, argv[0], (char *const *)argv, 1, 0));
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_run(void)
{
	const char *exit7[] = {"sh", "-c", "exit 7", NULL};
	const char *killed[] = {"sh", "-c", "kill -USR1 $$", NULL};
	const char *missing[] = {"/nonexistent/command", NULL};
	const char *noexec[] = {"/dev/null", NULL};

	CHECK_INT(run_in_fork(exit7, NULL), 7);
	CHECK_INT(run_in_fork(killed, NULL), 128 + SIGUSR1);
	CHECK_INT(run_in_fork(killed, "138"), 0);
	CHECK_INT(run_in_fork(exit7, "138"), 7);
	CHECK_INT(run_in_fork(missing, NULL), 127);
	CHECK_INT(run_in_fork(noexec, NULL), 126);
}

int main(void)
{
	RUN(test_exit_status_mapping);
	RUN(test_run);
	return unit_done("test_supervise");
}
