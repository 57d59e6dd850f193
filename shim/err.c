/* struct shim_err helpers and the ordering of exit statuses. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int shim_err_record(struct shim_err *err, int status, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return 0;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return 0;
}

/* Rank: internal and usage problems first, then bad data, then access, reachability,
 * and last a value that simply does not exist. */
static int status_rank(int s)
{
	switch (s) {
	case SHIM_OK:
		return 0;
	case SHIM_EX_UNRESOLVED:
		return 1;
	case SHIM_EX_UNAVAILABLE:
		return 2;
	case SHIM_EX_NOPERM:
		return 3;
	case SHIM_EX_DATA:
		return 4;
	case SHIM_EX_USAGE:
		return 5;
	default:
		return 6;
	}
}

int shim_status_worst(int a, int b)
{
	return status_rank(b) > status_rank(a) ? b : a;
}

int shim_exec_status(int err)
{
	return err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG || err == ELOOP
	               ? SHIM_EX_NOTFOUND
	               : SHIM_EX_NOEXEC;
}
