/* A growable byte buffer with a sticky out-of-memory flag (libgit2's git_buf idea):
 * appends after a failed allocation are no-ops, and the caller checks buf_oom() once. */
#ifndef SHIM_BUF_H
#define SHIM_BUF_H

#include <stddef.h>

struct buf {
	char *ptr; /* NUL-terminated when non-NULL; owned by the buffer */
	size_t len;
	size_t cap;
	int oom;
};

#define BUF_INIT                                                                                   \
	{                                                                                          \
		0                                                                                  \
	}

int buf_grow(struct buf *b, size_t extra);
void buf_put(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_clear(struct buf *b);
/* One read(2) of fd into the buffer's spare room (grown first when less than 4 kB is left):
 * read's result (bytes added, 0 at end of file, -1 with errno; -1 with ENOMEM and the buffer
 * marked out of memory when it cannot grow). */
long buf_read(struct buf *b, int fd);
/* Hand the bytes to the caller (who frees them); the buffer is left empty. NULL on OOM. */
char *buf_detach(struct buf *b);
/* Free the buffer, wiping its bytes first: buffers may have held secrets. */
void buf_free(struct buf *b);
static inline int buf_oom(const struct buf *b)
{
	return b->oom;
}
static inline const char *buf_cstr(const struct buf *b)
{
	return b->ptr ? b->ptr : "";
}

#endif
