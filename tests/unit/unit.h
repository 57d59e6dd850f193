/* A minimal unit-test harness: CHECK* record failures with file:line, SKIP marks the current
 * test skipped (a missing input it needs; reported, never counted as passed), RUN runs one
 * test function, unit_done() prints "NAME: N passed, N failed[, N skipped]" and returns the
 * exit status.
 * tests/run adds the per-binary lines up into the suite's closing line. */
#ifndef SHIM_UNIT_H
#define SHIM_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_skipped, unit_cur_failed, unit_cur_skipped;
static const char *unit_cur;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			unit_cur_failed++;                                                         \
			fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, __LINE__,       \
			        unit_cur, #cond);                                                  \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);                      \
		if (unit_a_ != unit_b_) {                                                          \
			unit_cur_failed++;                                                         \
			fprintf(stderr, "%s:%d: %s: %s == %lld, expected %lld\n", __FILE__,        \
			        __LINE__, unit_cur, #a, unit_a_, unit_b_);                         \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *unit_a_ = (a), *unit_b_ = (b);                                         \
		if (!unit_a_ || !unit_b_ || strcmp(unit_a_, unit_b_) != 0) {                       \
			unit_cur_failed++;                                                         \
			fprintf(stderr, "%s:%d: %s: %s == \"%s\", expected \"%s\"\n", __FILE__,    \
			        __LINE__, unit_cur, #a, unit_a_ ? unit_a_ : "(null)",              \
			        unit_b_ ? unit_b_ : "(null)");                                     \
		}                                                                                  \
	} while (0)

/* Skip the current test (the caller returns right after): printf-style reason. */
#define SKIP(...)                                                                                  \
	do {                                                                                       \
		unit_cur_skipped = 1;                                                              \
		printf("%s: skipped: ", unit_cur);                                                 \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
	} while (0)

#define RUN(fn)                                                                                    \
	do {                                                                                       \
		unit_cur = #fn;                                                                    \
		unit_cur_failed = unit_cur_skipped = 0;                                            \
		fn();                                                                              \
		if (unit_cur_failed)                                                               \
			unit_failed++;                                                             \
		else if (unit_cur_skipped)                                                         \
			unit_skipped++;                                                            \
		else                                                                               \
			unit_passed++;                                                             \
	} while (0)

/* Write text to dir/name (a test's temporary directory); the path stays valid for the next
 * three calls. */
static inline const char *unit_write_file(const char *dir, const char *name, const char *text)
{
	static char path[4][512];
	static int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	if ((f = fopen(p, "w"))) {
		fputs(text, f);
		fclose(f);
	}
	return p;
}

static inline int unit_done(const char *suite)
{
	if (unit_skipped)
		printf("%s: %d passed, %d failed, %d skipped\n", suite, unit_passed, unit_failed,
		       unit_skipped);
	else
		printf("%s: %d passed, %d failed\n", suite, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
