/* The one logger of both executables: stderr, "covenant-shim: LEVEL: message" or one JSON
 * object a line. Logging never changes errno, so callers can log and then report it. */
#ifndef SHIM_LOG_H
#define SHIM_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3, LOG_TRACE = 4 };
enum log_format { LOG_TEXT = 0, LOG_JSON = 1 };

void log_setup(int level, enum log_format format);
int log_enabled(int level);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Format one log line (without printing it) into out; exposed for the unit tests. */
void log_format_line(char *out, size_t size, int level, enum log_format format, const char *msg);

#endif
