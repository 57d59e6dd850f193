/* The digest sets of --refresh: records, reading from a descriptor, differences, jitter. */
#include "refresh.h"
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define SUM_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SUM_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Read text as a set through a non-blocking pipe; returns refresh_set_read's answer. */
static int read_set(struct refresh_set *s, const char *text)
{
	int p[2], r;

	memset(s, 0, sizeof(*s));
	if (pipe(p) < 0)
		return -9;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	if (write(p[1], text, strlen(text)) != (ssize_t)strlen(text))
		return -9;
	r = refresh_set_read(s, p[0]);
	if (r == 0) { /* all there: end of file next */
		close(p[1]);
		r = refresh_set_read(s, p[0]);
	} else {
		close(p[1]);
	}
	close(p[0]);
	return r;
}

static void test_record_escapes_names(void)
{
	char *line = NULL;

	CHECK_INT(refresh_record(&line, "DB_PASSWORD", SUM_A), 0);
	CHECK_STR(line, SUM_A " DB_PASSWORD\n");
	free(line);
	CHECK_INT(refresh_record(&line, "A\nB\x1b", SUM_A), 0);
	CHECK_STR(line, SUM_A " A\\x0aB\\x1b\n");
	free(line);
}

static void test_read_and_diff(void)
{
	struct refresh_set a, b;
	const char **names = NULL;

	CHECK_INT(read_set(&a, SUM_A " KEEP\n" SUM_A " ROTATED\n" SUM_A " GONE\n" REFRESH_END), 1);
	CHECK_INT(a.n, 3);
	CHECK_STR(a.names[1], "ROTATED");
	CHECK_STR(a.sums[1], SUM_A);
	CHECK_INT(read_set(&b, SUM_A " KEEP\n" SUM_B " ROTATED\n" SUM_B " NEW\n" REFRESH_END), 1);
	CHECK_INT(refresh_set_diff(&names, &a, &b), 3);
	CHECK_STR(names[0], "ROTATED");
	CHECK_STR(names[1], "NEW");
	CHECK_STR(names[2], "GONE");
	free(names);
	CHECK_INT(refresh_set_diff(&names, &a, &a), 0);
	CHECK(names == NULL);
	refresh_set_free(&a);
	refresh_set_free(&b);
	CHECK_INT(read_set(&a, REFRESH_END), 1); /* an empty mapping is a set too */
	CHECK_INT(a.n, 0);
	refresh_set_free(&a);
}

static void test_incomplete_or_malformed_sets_fail(void)
{
	struct refresh_set s;

	CHECK_INT(read_set(&s, SUM_A " KEEP\n"), -1); /* no "end": the resolver died */
	refresh_set_free(&s);
	CHECK_INT(read_set(&s, ""), -1);
	refresh_set_free(&s);
	CHECK_INT(read_set(&s, "abc KEEP\n" REFRESH_END), -1);
	refresh_set_free(&s);
	CHECK_INT(read_set(&s, SUM_A "\n" REFRESH_END), -1);
	refresh_set_free(&s);
	CHECK_INT(read_set(&s, SUM_A " end\n"), -1); /* a variable named "end" is no end */
	refresh_set_free(&s);
}

static void test_names_join(void)
{
	const char *names[] = {"ALPHA", "BETA", "GAMMA"};
	char out[64];

	refresh_names_join(out, sizeof(out), names, 3);
	CHECK_STR(out, "ALPHA, BETA, GAMMA");
	refresh_names_join(out, 40, names, 3); /* what fits, then how many are left */
	CHECK_STR(out, "ALPHA and 2 more");
}

static void test_jitter_stays_within_ten_percent(void)
{
	CHECK_INT(refresh_jitter(1000, 0), 900);
	CHECK_INT(refresh_jitter(1000, 0xffffffffu), 1099);
	CHECK_INT(refresh_jitter(1000, 0x80000000u), 1000);
	CHECK_INT(refresh_jitter(300000, 0), 270000);
	CHECK(refresh_jitter(1, 0) >= 1);
}

int main(void)
{
	RUN(test_record_escapes_names);
	RUN(test_read_and_diff);
	RUN(test_incomplete_or_malformed_sets_fail);
	RUN(test_names_join);
	RUN(test_jitter_stays_within_ten_percent);
	return unit_done("test_refresh");
}
