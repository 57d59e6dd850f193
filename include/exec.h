/* How both executables exec a command, whichever libc they are built against. */
#ifndef SHIM_EXEC_H
#define SHIM_EXEC_H

/* execvpe as glibc has it, for the supervisor (musl) and the resolver (glibc) alike: with
 * search and a file without a slash, every directory of this process's PATH in turn ("/bin:
 * /usr/bin" when PATH is unset); a file the kernel will not run (ENOEXEC: a script without
 * "#!") is run by /bin/sh, as POSIX has execvp do (musl's does not). Returns only on failure,
 * with errno set: EACCES when some match could not be run and none could. */
int shim_execvpe(const char *file, char *const argv[], char *const envp[], int search);

#endif
