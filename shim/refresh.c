/* The digest sets of --refresh: written by the resolver, read and compared by PID 1, which
 * so learns which variables changed without ever holding a value; and the jitter that keeps
 * a fleet's checks apart. The format is include/refresh.h's. */
#include "refresh.h"

#include "sanitize.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SUM_HEX 64

int refresh_record(char **out, const char *name, const char *sum)
{
	size_t len = strlen(name), cap = 4 * len + 16;
	char *esc = malloc(cap), *line;

	if (!esc)
		return -1;
	sanitize_quote(esc, cap, name, len, 4 * len + 4); /* room enough: never cut */
	line = malloc(SUM_HEX + strlen(esc) + 3);
	if (line) {
		memcpy(line, sum, SUM_HEX);
		line[SUM_HEX] = ' ';
		strcpy(line + SUM_HEX + 1, esc);
		strcat(line, "\n");
		*out = line;
	}
	free(esc);
	return line ? 0 : -1;
}

static int is_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* Split the complete records in place: "<sum> <name>\n" lines, then "end\n". */
static int parse(struct refresh_set *s)
{
	size_t body = s->len - strlen(REFRESH_END), count = 0;
	char *p = s->buf, *end = s->buf + body, *nl;

	for (char *q = p; q < end; q++)
		count += *q == '\n';
	s->names = calloc(count + 1, sizeof(*s->names));
	s->sums = calloc(count + 1, sizeof(*s->sums));
	if (!s->names || !s->sums)
		return -1;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl || nl - p < SUM_HEX + 2 || p[SUM_HEX] != ' ' || !is_hex(p, SUM_HEX))
			return -1;
		p[SUM_HEX] = '\0';
		*nl = '\0';
		s->sums[s->n] = p;
		s->names[s->n++] = p + SUM_HEX + 1;
	}
	s->complete = 1;
	return 1;
}

static int ends_the_set(const struct refresh_set *s)
{
	size_t n = strlen(REFRESH_END);

	return s->len >= n && memcmp(s->buf + s->len - n, REFRESH_END, n) == 0 &&
	       (s->len == n || s->buf[s->len - n - 1] == '\n');
}

int refresh_set_read(struct refresh_set *s, int fd)
{
	ssize_t r;

	while (!s->complete) {
		if (s->cap - s->len < 4096) {
			size_t cap = s->cap ? 2 * s->cap : 8192;
			char *p = cap > (size_t)REFRESH_SET_MAX ? NULL : realloc(s->buf, cap);
			if (!p)
				return -1;
			s->buf = p;
			s->cap = cap;
		}
		r = read(fd, s->buf + s->len, s->cap - s->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (r <= 0)
			return -1;
		s->len += (size_t)r;
		s->buf[s->len] = '\0';
		if (ends_the_set(s))
			return parse(s);
	}
	return 1;
}

void refresh_set_free(struct refresh_set *s)
{
	free(s->buf);
	free(s->names);
	free(s->sums);
	memset(s, 0, sizeof(*s));
}

static const char *sum_of(const struct refresh_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return s->sums[i];
	return NULL;
}

long refresh_set_diff(const char ***out, const struct refresh_set *a, const struct refresh_set *b)
{
	const char **v = malloc((a->n + b->n + 1) * sizeof(*v));
	size_t n = 0;

	if (!v)
		return -1;
	for (size_t i = 0; i < b->n; i++) {
		const char *old = sum_of(a, b->names[i]);
		if (!old || strcmp(old, b->sums[i]) != 0)
			v[n++] = b->names[i];
	}
	for (size_t i = 0; i < a->n; i++)
		if (!sum_of(b, a->names[i]))
			v[n++] = a->names[i];
	if (!n) {
		free(v);
		v = NULL;
	}
	*out = v;
	return (long)n;
}

void refresh_names_join(char *out, size_t size, const char *const *names, size_t n)
{
	enum { MORE_ROOM = 32 }; /* " and 18446744073709551615 more" */
	size_t len = 0, i;

	if (!size)
		return;
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t need = strlen(names[i]) + (i ? 2 : 0);
		if (len + need + (i + 1 < n ? MORE_ROOM : 0) + 1 > size)
			break;
		if (i)
			memcpy(out + len, ", ", 2);
		memcpy(out + len + (i ? 2 : 0), names[i], strlen(names[i]) + 1);
		len += need;
	}
	if (i < n && len + MORE_ROOM + 1 <= size)
		snprintf(out + len, size - len, "%s%zu more", i ? " and " : "", n - i);
}

long refresh_jitter(long interval_ms, unsigned r)
{
	/* 0.9 to 1.1 of the interval, in 2^32 steps: uniform, and never 0. */
	long long spread = (long long)interval_ms / 5;
	long long d = interval_ms - spread / 2 + (long long)(((uint64_t)spread * r) >> 32);

	return d < 1 ? 1 : (long)d;
}
