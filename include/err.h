/* Errors as values: a module fills a struct shim_err and returns a negative code;
 * only the executables' main functions print them and map them to exit statuses. */
#ifndef SHIM_ERR_H
#define SHIM_ERR_H

/* Exit statuses of DESIGN.md section 2; the error classes use the same numbers. */
enum shim_status {
	SHIM_OK = 0,
	SHIM_EX_USAGE = 64,
	SHIM_EX_DATA = 65, /* input that does not parse */
	SHIM_EX_INTERNAL = 70,
	SHIM_EX_UNAVAILABLE = 69, /* AWS unreachable or failing after retries */
	SHIM_EX_NOPERM = 77,      /* access denied, or no credentials */
	SHIM_EX_UNRESOLVED = 78,  /* missing secret, key, version or parameter */
	SHIM_EX_NOEXEC = 126,
	SHIM_EX_NOTFOUND = 127,
};

struct shim_err {
	int status;    /* one of enum shim_status; 0 when no error was recorded */
	char msg[512]; /* one line naming what is wrong and where; never a secret value */
};

/* Record an error (printf-style) in err, which may be NULL; returns 0. Call it through
 * shim_err_set. */
int shim_err_record(struct shim_err *err, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* The static analyzers read one file at a time and do not follow a call into a variadic
 * function: through this they see the -1, so a failure never passes for a success. */
static inline int shim_err_failed(int recorded)
{
	(void)recorded;
	return -1;
}

/* Record an error (printf-style) and return -1, so callers can `return shim_err_set(...)`. */
#define shim_err_set(...) shim_err_failed(shim_err_record(__VA_ARGS__))

/* The status of a failed exec (errno err), the same in both executables: 127 when the name
 * leads to no file (ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP), 126 when the file is there but
 * cannot be run (EACCES, ENOEXEC, EISDIR, ...), as shells report them. */
int shim_exec_status(int err);

/* The worse of two statuses for reports that combine several failures (--check). */
int shim_status_worst(int a, int b);

#endif
