/* Strict base64 decoding: one decoder for every blob the resolver reads. */
#include "base64.h"

static int digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
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
