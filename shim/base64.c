/* Strict base64 decoding: one decoder for every blob the resolver reads. */
#include "base64.h"

/* The value of each byte as a base64 digit, -1 for a byte outside the alphabet: a table, since
 * a CA bundle is 200 kB of base64 and range tests mispredict on every other character. */
/* clang-format off */
static const signed char digits[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};
/* clang-format on */

static int digit(unsigned char c)
{
	return digits[c];
}

int base64_decode(unsigned char *dst, size_t *dst_len, const char *s, size_t n)
{
	size_t pad = 0, o = 0;
	unsigned long v = 0;

	if (n % 4)
		return -1;
	if (n && s[n - 1] == '=')
		pad = n > 1 && s[n - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < n; i++) {
		int d = i >= n - pad ? 0 : digit((unsigned char)s[i]);
		if (d < 0)
			return -1;
		v = v << 6 | (unsigned long)d;
		if (i % 4 == 3) {
			dst[o++] = (unsigned char)(v >> 16);
			dst[o++] = (unsigned char)(v >> 8);
			dst[o++] = (unsigned char)v;
			v = 0;
		}
	}
	if ((pad == 1 && dst[o - 1]) || (pad == 2 && (dst[o - 1] || dst[o - 2])))
		return -1;
	o -= pad;
	dst[o] = '\0';
	*dst_len = o;
	return 0;
}
