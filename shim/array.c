/* Growing arrays by doubling, with the overflow checks written once. */
#include "array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int array_grow(void *ptr_addr, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 8;
	void *p, *np;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -1;
		n *= 2;
	}
	if (!size || n > SIZE_MAX / size) /* realloc(p, 0) would free the array */
		return -1;
	memcpy(&p, ptr_addr, sizeof(p));
	if (!(np = realloc(p, n * size)))
		return -1;
	memcpy(ptr_addr, &np, sizeof(np));
	*cap = n;
	return 0;
}
