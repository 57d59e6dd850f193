/* Wiping memory that held a secret, key or token, in a way the compiler may not elide. */
#ifndef SHIM_WIPE_H
#define SHIM_WIPE_H

#include <stddef.h>

void wipe(void *p, size_t len);
/* Wipe len bytes of p, then free it; NULL is safe. */
void wipe_free(void *p, size_t len);
/* The same for a NUL-terminated string. */
void wipe_free_str(char *s);

#endif
