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

/* Three bytes from four digits; -1 when one of them is outside the alphabet. */
static int quad(unsigned char *dst, const unsigned char *u, int n_digits)
{
	int a = digit(u[0]), b = digit(u[1]);
	int c = n_digits > 2 ? digit(u[2]) : 0, d = n_digits > 3 ? digit(u[3]) : 0;
	unsigned long v;

	if ((a | b | c | d) < 0)
		return -1;
	v = (unsigned long)a << 18 | (unsigned long)b << 12 | (unsigned long)c << 6 |
	    (unsigned long)d;
	dst[0] = (unsigned char)(v >> 16);
	dst[1] = (unsigned char)(v >> 8);
	dst[2] = (unsigned char)v;
	return 0;
}

/* Four characters at a time (a CA bundle is 200 kB of base64); the last group may end in one
 * or two '=', and the bits they stand for must be zero (one encoding per byte string). */
int base64_decode(unsigned char *dst, size_t *dst_len, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t pad = 0, o = 0, i = 0;

	if (n % 4)
		return -1;
	if (n && s[n - 1] == '=')
		pad = n > 1 && s[n - 2] == '=' ? 2 : 1;
	for (; i + 4 <= n - (pad ? 4 : 0); i += 4, o += 3)
		if (quad(dst + o, u + i, 4) < 0)
			return -1;
	if (pad) {
		if (quad(dst + o, u + i, (int)(4 - pad)) < 0 || dst[o + 2] ||
		    (pad == 2 && dst[o + 1]))
			return -1;
		o += 3 - pad;
	}
	dst[o] = '\0';
	*dst_len = o;
	return 0;
}
