/* shim_exec: the PATH search and the /bin/sh fallback of glibc's execvp, which the supervisor
 * needs under musl (whose execvp has no fallback). Each case runs in a child. */
#include "exec.h"
#include "err.h"
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static void make(const char *name, const char *text, mode_t mode)
{
	chmod(unit_write_file(dir, name, text), mode);
}

/* Run shim_exec(file, argv, how) with PATH set to path (NULL: unset) in a child, capturing
 * the child's output into out; returns the exit status: the command's, or shim_exec_status of
 * the failure. */
static int run_how(const char *path, const char *file, char *const argv[], int how, char *out,
                   size_t size)
{
	int fd[2], status = -1;
	ssize_t n;
	pid_t pid;

	if (pipe(fd) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		char *envp[] = {"FROM_ENVP=envp", NULL};
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		if (path)
			setenv("PATH", path, 1);
		else
			unsetenv("PATH");
		shim_exec(file, argv, envp, how);
		_exit(shim_exec_status(errno));
	}
	close(fd[1]);
	n = read(fd[0], out, size - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run(const char *path, const char *file, char *const argv[], char *out, size_t size)
{
	return run_how(path, file, argv, SHIM_EXEC_SEARCH | SHIM_EXEC_SCRIPT, out, size);
}

static void test_search_and_script_fallback(void)
{
	char out[256], path[160];
	char *script[] = {"plain", "one", "two", NULL};

	snprintf(path, sizeof(path), "/nonexistent:%s", dir);
	make("plain", "echo \"$0 $1 $2 $FROM_ENVP\"\n", 0755); /* no #! line */
	CHECK_INT(run(path, "plain", script, out, sizeof(out)), 0);
	CHECK(strstr(out, "/plain one two envp") != NULL);
	/* With a slash, no search; the fallback all the same. */
	snprintf(path, sizeof(path), "%s/plain", dir);
	CHECK_INT(run("/nonexistent", path, script, out, sizeof(out)), 0);
	CHECK(strstr(out, "one two envp") != NULL);
	/* Without SHIM_EXEC_SCRIPT (the resolver is exec'd so): the kernel's ENOEXEC, 126. */
	CHECK_INT(run_how(dir, "plain", script, SHIM_EXEC_SEARCH, out, sizeof(out)),
	          SHIM_EX_NOEXEC);
	CHECK_STR(out, "");
	/* Without SHIM_EXEC_SEARCH a bare name is a file in the current directory: none here. */
	CHECK_INT(run_how(dir, "plain", script, SHIM_EXEC_SCRIPT, out, sizeof(out)),
	          SHIM_EX_NOTFOUND);
}

static void test_first_runnable_match_wins(void)
{
	char out[256], path[400], other[160];
	char *argv[] = {"tool", NULL};

	snprintf(other, sizeof(other), "%s/b", dir);
	mkdir(other, 0755);
	make("tool", "#!/bin/sh\necho first\n", 0644); /* not executable: skipped, EACCES noted */
	make("b/tool", "#!/bin/sh\necho second\n", 0755);
	snprintf(path, sizeof(path), "%s:%s", dir, other);
	CHECK_INT(run(path, "tool", argv, out, sizeof(out)), 0);
	CHECK_STR(out, "second\n");
	/* Only a match that cannot run, then none: EACCES, 126, not the last ENOENT's 127. */
	snprintf(path, sizeof(path), "%s:/nonexistent", dir);
	CHECK_INT(run(path, "tool", argv, out, sizeof(out)), SHIM_EX_NOEXEC);
}

static void test_failures(void)
{
	char out[64];
	char *argv[] = {"x", NULL};

	CHECK_INT(run(dir, "no-such-command", argv, out, sizeof(out)), SHIM_EX_NOTFOUND);
	CHECK_INT(run(dir, "", argv, out, sizeof(out)), SHIM_EX_NOTFOUND);
	CHECK_INT(run(dir, "/no/such/file", argv, out, sizeof(out)), SHIM_EX_NOTFOUND);
	CHECK_INT(run(dir, dir, argv, out, sizeof(out)), SHIM_EX_NOEXEC); /* a directory */
}

static void test_unset_path_is_bin_and_usr_bin(void)
{
	char out[64];
	char *argv[] = {"echo", "found", NULL};

	CHECK_INT(run(NULL, "echo", argv, out, sizeof(out)), 0);
	CHECK_STR(out, "found\n");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_exec.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("test_exec: mkdtemp");
		return 1;
	}
	RUN(test_search_and_script_fallback);
	RUN(test_first_runnable_match_wins);
	RUN(test_failures);
	RUN(test_unset_path_is_bin_and_usr_bin);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "test_exec: could not remove %s\n", dir);
	}
	return unit_done("test_exec");
}
