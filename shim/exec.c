/* Exec with the PATH search and the shell fallback of POSIX execvp, done here so that the
 * supervisor, built against musl, runs a command exactly as the resolver, built against glibc,
 * does (include/exec.h). */
#include "exec.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_PATH "/bin:/usr/bin" /* glibc's confstr(_CS_PATH), for an unset PATH */

/* execve; with SHIM_EXEC_SCRIPT, a file the kernel cannot run as a /bin/sh script. */
static void exec_file(const char *path, char *const argv[], char *const envp[], int how)
{
	size_t n = 0;
	char **sh;

	execve(path, argv, envp);
	if (errno != ENOEXEC || !(how & SHIM_EXEC_SCRIPT))
		return;
	while (argv[n])
		n++;
	if (!(sh = calloc(n + 2, sizeof(*sh))))
		return; /* errno is ENOMEM */
	sh[0] = "/bin/sh";
	sh[1] = (char *)path;
	if (n > 1)
		memcpy(sh + 2, argv + 1, (n - 1) * sizeof(*sh)); /* calloc put the NULL after */
	execve(sh[0], sh, envp);
	free(sh);
	errno = ENOEXEC; /* the file's error, not the shell's */
}

int shim_exec(const char *file, char *const argv[], char *const envp[], int how)
{
	const char *path = getenv("PATH"), *p, *end;
	char buf[PATH_MAX];
	size_t flen = strlen(file);
	int eacces = 0;

	if (!*file) {
		errno = ENOENT;
		return -1;
	}
	if (!(how & SHIM_EXEC_SEARCH) || strchr(file, '/')) {
		exec_file(file, argv, envp, how);
		return -1;
	}
	for (p = path ? path : DEFAULT_PATH;; p = end + 1) {
		size_t len;
		const char *dir;

		end = strchr(p, ':');
		len = end ? (size_t)(end - p) : strlen(p);
		dir = len ? p : "."; /* an empty entry is the current directory */
		len = len ? len : 1;
		if (len + 1 + flen < sizeof(buf)) {
			memcpy(buf, dir, len);
			buf[len] = '/';
			memcpy(buf + len + 1, file, flen + 1);
			exec_file(buf, argv, envp, how);
			if (errno == EACCES)
				eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR && errno != ESTALE &&
			         errno != ENODEV && errno != ETIMEDOUT)
				return -1;
		}
		if (!end)
			break;
	}
	if (eacces)
		errno = EACCES;
	return -1;
}
