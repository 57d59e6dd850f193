/* Logging to stderr in text or JSON lines, with events and their fields (README: "Logs and
 * events"). One write(2) per line, so lines from the supervisor and the resolver never
 * interleave mid-line; no control byte reaches a terminal in either format. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_level = LOG_INFO;
static enum log_format log_fmt = LOG_TEXT;

static const char *const level_names[] = {"error", "warning", "info", "debug", "trace"};

void log_setup(int level, enum log_format format)
{
	log_level = level;
	log_fmt = format;
}

int log_enabled(int level)
{
	return level <= log_level;
}

/* A bounded line: content stops at cap - CLOSE_ROOM, so a cut line can still be closed. */
struct line {
	char *p;
	size_t len, cap;
	int full;
};
#define CLOSE_ROOM 8

static void put(struct line *l, const char *s, size_t n)
{
	if (l->full || l->len + n + CLOSE_ROOM > l->cap) {
		l->full = 1;
		return;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
}

static void puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* The closing bytes go into the room kept for them. */
static void close_line(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (l->len + n >= l->cap)
		n = l->cap > l->len + 1 ? l->cap - l->len - 1 : 0;
	memcpy(l->p + l->len, s, n);
	l->len += n;
	l->p[l->len] = '\0';
}

/* The length of the valid UTF-8 sequence at s, 0 when s does not start one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf8)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* A JSON string: quotes, backslashes, control bytes and DEL escaped; a byte that is not
 * valid UTF-8 as \u00XX, so the line always parses. Cut short, it still closes. */
static void put_json_str(struct line *l, const char *s)
{
	char esc[8];
	int was_full;

	put(l, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p && !l->full; p++) {
		size_t n = *p < 0x80 ? 1 : utf8_len(p);
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(l, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f || n == 0) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			put(l, esc, 6);
		} else {
			put(l, (const char *)p, n);
			p += n - 1;
		}
	}
	was_full = l->full;
	close_line(l, "\"");
	l->full = was_full || l->len + CLOSE_ROOM > l->cap;
}

/* Text: control bytes and DEL as \xNN, so an ESC in a name never reaches a terminal raw. */
static void put_text(struct line *l, const char *s)
{
	char esc[8];

	for (const unsigned char *p = (const unsigned char *)s; *p && !l->full; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			put(l, esc, 4);
		} else {
			put(l, (const char *)p, 1);
		}
	}
}

/* 0 when the field fits, -1 when it does not (the caller drops it), 1 when a list was cut
 * to the names that fit (kept; no further field fits). */
static int put_field(struct line *l, const struct log_field *f)
{
	char num[32];

	put(l, ",", 1);
	put_json_str(l, f->key);
	put(l, ":", 1);
	if (f->kind == LOG_FIELD_INT) {
		snprintf(num, sizeof(num), "%lld", f->num);
		puts_(l, num);
	} else if (f->kind == LOG_FIELD_STR) {
		if (f->str)
			put_json_str(l, f->str);
		else
			puts_(l, "null");
	} else {
		put(l, "[", 1);
		for (size_t i = 0; i < f->n; i++) {
			size_t before = l->len;
			if (i)
				put(l, ",", 1);
			put_json_str(l, f->strs[i]);
			if (l->full) { /* the names that fit */
				l->len = before;
				close_line(l, "]");
				return 1;
			}
		}
		put(l, "]", 1);
	}
	return l->full ? -1 : 0;
}

static void put_stamp(struct line *l)
{
	char stamp[64] = "";
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm))
		snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		         tm.tm_sec, ts.tv_nsec / 1000000);
	put_json_str(l, stamp);
}

void log_format_event(char *out, size_t size, int level, enum log_format format, const char *event,
                      const struct log_field *fields, size_t n_fields, const char *msg)
{
	const char *name = level_names[level < 0 ? 0 : level > LOG_TRACE ? LOG_TRACE : level];
	struct line l = {out, 0, size, 0};
	char pid[80];

	if (size < (size_t)2 * CLOSE_ROOM) {
		if (size)
			out[0] = '\0';
		return;
	}
	if (format == LOG_TEXT) {
		puts_(&l, "covenant-shim: ");
		puts_(&l, name);
		puts_(&l, ": ");
		put_text(&l, msg);
		close_line(&l, "\n");
		return;
	}
	puts_(&l, "{\"time\":");
	put_stamp(&l);
	puts_(&l, ",\"level\":\"");
	puts_(&l, name);
	snprintf(pid, sizeof(pid),
	         "\",\"program\":\"covenant-shim\",\"pid\":%ld,\"event\":", (long)getpid());
	puts_(&l, pid);
	put_json_str(&l, event ? event : "log");
	puts_(&l, ",\"msg\":");
	put_json_str(&l, msg);
	for (size_t i = 0; i < n_fields && !l.full; i++) {
		size_t before = l.len;
		int r = put_field(&l, &fields[i]);
		if (r < 0) /* whole fields only: a cut one would break the object */
			l.len = before;
		if (r)
			break;
	}
	close_line(&l, "}\n");
}

void log_format_line(char *out, size_t size, int level, enum log_format format, const char *msg)
{
	log_format_event(out, size, level, format, NULL, NULL, 0, msg);
}

static void vlog(int level, const char *event, const struct log_field *fields, size_t n_fields,
                 const char *fmt, va_list ap)
{
	int saved = errno;
	char msg[1024], line[4096];
	ssize_t w;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* One line means one line: a stray newline in a message would forge a second record. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	log_format_event(line, sizeof(line), level, log_fmt, event, fields, n_fields, msg);
	w = write(STDERR_FILENO, line, strlen(line));
	(void)w;
	errno = saved;
}

void log_event(int level, const char *event, const struct log_field *fields, size_t n_fields,
               const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vlog(level, event, fields, n_fields, fmt, ap);
	va_end(ap);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vlog(level, NULL, NULL, 0, fmt, ap);
	va_end(ap);
}
