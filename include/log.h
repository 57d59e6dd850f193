/* The one logger of both executables: stderr, "covenant-shim: LEVEL: message" or one JSON
 * object a line (the schema is the README's "Logs and events"). A line may carry an event
 * name and typed fields: JSON prints them, text prints only the message. Logging never
 * changes errno, so callers can log and then report it. */
#ifndef SHIM_LOG_H
#define SHIM_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3, LOG_TRACE = 4 };
enum log_format { LOG_TEXT = 0, LOG_JSON = 1 };

enum log_field_kind { LOG_FIELD_INT, LOG_FIELD_STR, LOG_FIELD_STRS };

/* One field of an event; every pointer is borrowed for the call. Never a value. */
struct log_field {
	const char *key;
	enum log_field_kind kind;
	long long num;           /* LOG_FIELD_INT */
	const char *str;         /* LOG_FIELD_STR; NULL prints null */
	const char *const *strs; /* LOG_FIELD_STRS: an array of n strings */
	size_t n;
};

#define LOG_INT(k, v) ((struct log_field){.key = (k), .kind = LOG_FIELD_INT, .num = (v)})
#define LOG_STR(k, v) ((struct log_field){.key = (k), .kind = LOG_FIELD_STR, .str = (v)})
#define LOG_STRS(k, v, count)                                                                      \
	((struct log_field){.key = (k), .kind = LOG_FIELD_STRS, .strs = (v), .n = (count)})
/* The fields and their count, as log_event's two arguments: LOG_FIELDS(LOG_INT("ms", 3)). */
#define LOG_FIELDS(...)                                                                            \
	(const struct log_field[]){__VA_ARGS__},                                                   \
	        sizeof((const struct log_field[]){__VA_ARGS__}) / sizeof(struct log_field)

void log_setup(int level, enum log_format format);
int log_enabled(int level);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line with an event name (a short literal: "resolved", "restart"...) and its fields.
 * log_msg is log_event with the event "log" and no field. */
void log_event(int level, const char *event, const struct log_field *fields, size_t n_fields,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Format one log line (without printing it) into out, always one line ending in '\n' (cut
 * short when out is too small); exposed for the unit tests. */
void log_format_event(char *out, size_t size, int level, enum log_format format, const char *event,
                      const struct log_field *fields, size_t n_fields, const char *msg);
void log_format_line(char *out, size_t size, int level, enum log_format format, const char *msg);

#endif
