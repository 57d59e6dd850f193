/* Invariants every fuzz target checks of a message: one printable line, in bounds. */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "err.h"

/* s is NUL-terminated within cap bytes and holds no control byte. */
static inline void fuzz_check_text(const char *s, size_t cap)
{
	size_t len = strnlen(s, cap);

	if (len == cap)
		abort();
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
}

/* e's status is a or b (or out of memory), its message one printable line. */
static inline void fuzz_check_err(const struct shim_err *e, int a, int b)
{
	if (e->status != a && e->status != b && e->status != SHIM_EX_INTERNAL)
		abort();
	fuzz_check_text(e->msg, sizeof(e->msg));
}

#endif
