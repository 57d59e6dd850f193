/* The one sanitizer of message text: everything quoted from outside goes through here. */
#include "sanitize.h"

#include <stdio.h>
#include <string.h>

/* Back o up to the start of a UTF-8 sequence that the cut left incomplete. */
static size_t utf8_cut(const char *dst, size_t o)
{
	size_t k = o;
	unsigned char lead;

	while (k > 0 && ((unsigned char)dst[k - 1] & 0xc0) == 0x80)
		k--;
	if (k == 0 || (unsigned char)dst[k - 1] < 0xc0)
		return o;
	lead = (unsigned char)dst[k - 1];
	return o - (k - 1) < (size_t)(lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2) ? k - 1 : o;
}

char *sanitize_text(char *dst, size_t cap, const char *src, size_t len)
{
	size_t i, o = 0;

	if (!cap)
		return dst;
	while (len && strchr(" \t\r\n", src[len - 1]))
		len--;
	for (i = 0; i < len && o + 1 < cap; i++) {
		unsigned char c = (unsigned char)src[i];
		dst[o++] = (char)((c < 0x20 || c == 0x7f) ? '?' : c);
	}
	if (i < len)
		o = utf8_cut(dst, o);
	dst[o] = '\0';
	return dst;
}

char *sanitize_quote(char *dst, size_t cap, const char *src, size_t len, size_t max)
{
	size_t o = 0;

	if (!cap)
		return dst;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (o >= max || o + 8 >= cap) {
			if (o + 4 <= cap) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", c);
		else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return dst;
}
