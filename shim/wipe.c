/* Wiping: explicit_bzero, which the compiler may not remove as a dead store. */
#include "wipe.h"

#include <stdlib.h>
#include <string.h>

void wipe(void *p, size_t len)
{
	if (p && len)
		explicit_bzero(p, len);
}

void wipe_free(void *p, size_t len)
{
	if (p) {
		wipe(p, len);
		free(p);
	}
}

void wipe_free_str(char *s)
{
	if (s)
		wipe_free(s, strlen(s));
}
