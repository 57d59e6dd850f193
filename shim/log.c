/* Logging to stderr in text or JSON lines. One write(2) per line, so lines from the
 * supervisor and the resolver never interleave mid-line. */
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

/* JSON string escaping of the message: quotes, backslashes and control bytes. */
static size_t json_escape(char *out, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s && n + 7 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20) {
			n += (size_t)snprintf(out + n, size - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

void log_format_line(char *out, size_t size, int level, enum log_format format, const char *msg)
{
	const char *name = level_names[level < 0 ? 0 : level > LOG_TRACE ? LOG_TRACE : level];
	char esc[2048], stamp[96] = "";
	struct timespec ts;
	struct tm tm;

	if (format == LOG_TEXT) {
		snprintf(out, size, "covenant-shim: %s: %s\n", name, msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm))
		snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		         tm.tm_sec, ts.tv_nsec / 1000000);
	json_escape(esc, sizeof(esc), msg);
	snprintf(out, size,
	         "{\"time\":\"%s\",\"level\":\"%s\",\"program\":\"covenant-shim\","
	         "\"pid\":%ld,\"message\":\"%s\"}\n",
	         stamp, name, (long)getpid(), esc);
}

void log_msg(int level, const char *fmt, ...)
{
	int saved = errno;
	char msg[1024], line[2560];
	va_list ap;
	ssize_t w;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One line means one line: a stray newline in a message would forge a second record. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	log_format_line(line, sizeof(line), level, log_fmt, msg);
	w = write(STDERR_FILENO, line, strlen(line));
	(void)w;
	errno = saved;
}
