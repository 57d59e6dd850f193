/* Growable byte buffer; every buffer is wiped before its memory goes back to malloc. */
#include "buf.h"
#include "wipe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -1;
	if (extra > (size_t)-1 / 2 - b->len)
		goto fail;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	/* Not realloc: the old block may hold a secret and must be wiped, not just released. */
	p = malloc(cap);
	if (!p)
		goto fail;
	if (b->ptr) {
		memcpy(p, b->ptr, b->len + 1);
		wipe(b->ptr, b->cap);
		free(b->ptr);
	} else {
		p[0] = '\0';
	}
	b->ptr = p;
	b->cap = cap;
	return 0;
fail:
	b->oom = 1;
	return -1;
}

void buf_put(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len) < 0)
		return;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

long buf_read(struct buf *b, int fd)
{
	ssize_t n;

	if ((b->cap - b->len < 4096 + 1 && buf_grow(b, 16384) < 0) || !b->ptr) {
		errno = ENOMEM;
		return -1;
	}
	n = read(fd, b->ptr + b->len, b->cap - b->len - 1);
	if (n > 0) {
		b->len += (size_t)n;
		b->ptr[b->len] = '\0';
	}
	return (long)n;
}

void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_put(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n) < 0) {
		b->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_clear(struct buf *b)
{
	if (b->ptr) {
		wipe(b->ptr, b->len);
		b->ptr[0] = '\0';
	}
	b->len = 0;
}

char *buf_detach(struct buf *b)
{
	char *p = b->oom ? NULL : b->ptr;

	if (b->oom)
		buf_free(b);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
	return p;
}

void buf_free(struct buf *b)
{
	if (b->ptr) {
		wipe(b->ptr, b->cap);
		free(b->ptr);
	}
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}
