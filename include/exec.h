/* How both executables exec a program, whichever libc they are built against. */
#ifndef SHIM_EXEC_H
#define SHIM_EXEC_H

enum shim_exec_how {
	SHIM_EXEC_SEARCH = 1, /* a file without a slash: every directory of PATH in turn */
	SHIM_EXEC_SCRIPT = 2, /* a file the kernel will not run (ENOEXEC): /bin/sh runs it */
};

/* execve with what POSIX execvp adds, as glibc has it and the same for the supervisor (musl)
 * and the resolver (glibc): with SHIM_EXEC_SEARCH, this process's PATH ("/bin:/usr/bin" when
 * unset); with SHIM_EXEC_SCRIPT, a script without "#!" run by /bin/sh (musl's execvp does not;
 * an application may rely on it, the resolver is no script). Returns only on failure, with
 * errno set: EACCES when some match of the search could not be run and none could. */
int shim_exec(const char *file, char *const argv[], char *const envp[], int how);

#endif
