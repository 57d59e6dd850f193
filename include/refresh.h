/* --refresh (DESIGN.md 3.5), the parts both executables share: the digest set a resolver
 * writes and the supervisor keeps and compares (names and per-variable digests, never a
 * value), and the schedule's jitter. libc only: PID 1 links it.
 *
 * The wire format, text lines, in mapping order:
 *   "<64 hex digits> <name>\n"  per variable: SHA-256 over NAME\0VALUE\0, the name as
 *                               sanitize_quote writes it (no control byte, so no newline)
 *   "end\n"                     the set is complete
 * `covenant-shim-resolve --digest` writes it to stdout and exits (the periodic check).
 * `--digest-fd N` (the child that becomes the application) writes it to the socket N after
 * resolving, then waits on N for one byte: "g" closes N and execs the command; end of file
 * (the supervisor aborted the restart, or died) exits 0 without running anything. */
#ifndef SHIM_REFRESH_H
#define SHIM_REFRESH_H

#include <stddef.h>

#define REFRESH_END     "end\n"
#define REFRESH_GO      'g'
#define REFRESH_SET_MAX (4L << 20) /* bytes: a bigger set is refused, not read */

struct refresh_set {
	char *buf; /* owned: the records; once complete, separators are NULs */
	size_t len, cap;
	const char **names, **sums; /* n pointers into buf, once complete */
	size_t n;
	int complete;
};

/* One record for name and its 64-digit hex digest into a malloc'd line (*out, caller frees).
 * 0, or -1 out of memory. */
int refresh_record(char **out, const char *name, const char *sum);

/* Read what fd has (non-blocking) into s. 1 once "end" was read and the set parsed, 0 when
 * more may come, -1 at end of file before "end", on a read error, a malformed record or a
 * set over REFRESH_SET_MAX. A complete set reads nothing further. */
int refresh_set_read(struct refresh_set *s, int fd);

/* Release what s owns and clear it; a zeroed set is safe. */
void refresh_set_free(struct refresh_set *s);

/* The names of variables whose digest differs between a and b, or that only one has: *out is
 * a malloc'd array (caller frees; the names point into a and b). Returns the count (0: the
 * same environment, *out NULL), or -1 out of memory. */
long refresh_set_diff(const char ***out, const struct refresh_set *a, const struct refresh_set *b);

/* Names for a one-line message, "A, B and 3 more", cut to fit out. */
void refresh_names_join(char *out, size_t size, const char *const *names, size_t n);

/* The delay before the next check: interval_ms +- 10%, r a uniform random 32-bit number. */
long refresh_jitter(long interval_ms, unsigned r);

#endif
