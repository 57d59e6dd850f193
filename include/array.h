/* Growable arrays: one place that doubles a capacity and checks the size for overflow. */
#ifndef SHIM_ARRAY_H
#define SHIM_ARRAY_H

#include <stddef.h>

/* Make room for at least `need` elements of `size` bytes in the array whose pointer is at
 * ptr_addr (a `T **`), capacity *cap: the capacity doubles (at least 8). 0 with the pointer
 * and *cap updated, or -1 on overflow or out of memory with both unchanged. The old block
 * is released by realloc: arrays of secrets themselves (not pointers to them) use buf. */
int array_grow(void *ptr_addr, size_t *cap, size_t need, size_t size);

/* array_grow for an array `a` (a T * lvalue) with capacity `cap`. */
#define ARRAY_GROW(a, cap, need) array_grow(&(a), &(cap), (need), sizeof(*(a)))

#endif
