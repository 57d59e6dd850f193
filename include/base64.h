/* Standard base64 (RFC 4648 section 4) as AWS's JSON protocol sends blobs. */
#ifndef SHIM_BASE64_H
#define SHIM_BASE64_H

#include <stddef.h>

/* The room base64_decode needs for n characters, the terminating NUL included. */
static inline size_t base64_decoded_max(size_t n)
{
	return n / 4 * 3 + 1;
}

/* Decode s[0..n): groups of 4 characters of the standard alphabet, '=' only as the last one
 * or two of the last group, unused bits zero (what a real encoder writes). dst holds
 * base64_decoded_max(n) bytes; the result is NUL-terminated, its length in *dst_len.
 * 0, or -1 when s is not such base64 (dst then holds garbage the caller wipes). */
int base64_decode(unsigned char *dst, size_t *dst_len, const char *s, size_t n);

#endif
