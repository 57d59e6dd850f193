/* Text from outside (AWS messages, endpoint answers, names a user typed) made safe for a log
 * line: no control byte ever reaches a terminal or splits a line. Two forms: */
#ifndef SHIM_SANITIZE_H
#define SHIM_SANITIZE_H

#include <stddef.h>

/* Running text: src[0..len) into dst (cap bytes, NUL-terminated), control bytes (< 0x20 and
 * 0x7f) as '?', trailing blanks and line ends dropped; when cut short, no UTF-8 sequence is
 * left half-copied. Returns dst. */
char *sanitize_text(char *dst, size_t cap, const char *src, size_t len);

/* A quoted item (a name, a reference, a region): src[0..len) into dst, every byte outside
 * printable ASCII and every '"' or '\' as \xNN, cut after `max` output bytes with "...".
 * dst needs max + 12 bytes at least. Returns dst. */
char *sanitize_quote(char *dst, size_t cap, const char *src, size_t len, size_t max);

#endif
