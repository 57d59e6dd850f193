/* Log line formats: the text prefix, JSON escaping, one line per record, errno kept. */
#include "log.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static void test_text_format(void)
{
	char line[256];

	log_format_line(line, sizeof(line), LOG_ERROR, LOG_TEXT, "SECRET_KEY: not found");
	CHECK_STR(line, "covenant-shim: error: SECRET_KEY: not found\n");
	log_format_line(line, sizeof(line), LOG_WARN, LOG_TEXT, "x");
	CHECK_STR(line, "covenant-shim: warning: x\n");
}

static void test_json_format(void)
{
	char line[512];

	log_format_line(line, sizeof(line), LOG_INFO, LOG_JSON, "say \"hi\"\\ \x01");
	CHECK(strncmp(line, "{\"time\":\"", 9) == 0);
	CHECK(strstr(line, "\"level\":\"info\"") != NULL);
	CHECK(strstr(line, "\"event\":\"log\",\"msg\":\"say \\\"hi\\\"\\\\ \\u0001\"}\n") != NULL);
	CHECK(line[strlen(line) - 1] == '\n' && !strchr(line, '\n')[1]);
}

/* log_msg writes to stderr: capture it through a pipe. */
static void capture(char *out, size_t size, int level, const char *msg)
{
	int fds[2], saved = dup(STDERR_FILENO);
	ssize_t n;

	CHECK(pipe(fds) == 0);
	dup2(fds[1], STDERR_FILENO);
	errno = EACCES;
	log_msg(level, "%s", msg);
	CHECK_INT(errno, EACCES);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], out, size - 1);
	out[n < 0 ? 0 : n] = '\0';
	close(fds[0]);
}

static void test_levels_newlines_errno(void)
{
	char out[512];

	log_setup(LOG_WARN, LOG_TEXT);
	capture(out, sizeof(out), LOG_INFO, "hidden");
	CHECK_STR(out, "");
	capture(out, sizeof(out), LOG_WARN, "two\nlines\r");
	CHECK_STR(out, "covenant-shim: warning: two lines \n");
	CHECK(log_enabled(LOG_ERROR) && !log_enabled(LOG_INFO));
	log_setup(LOG_INFO, LOG_TEXT);
}

/* time is RFC 3339 UTC with milliseconds: 2024-05-01T12:34:56.789Z */
static void test_json_time(void)
{
	char line[512];
	const char *t;

	log_format_line(line, sizeof(line), LOG_INFO, LOG_JSON, "x");
	t = line + 9;
	CHECK(strlen(line) > 33 && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' &&
	      t[16] == ':' && t[19] == '.' && t[23] == 'Z' && t[24] == '"');
}

static void test_event_fields(void)
{
	const char *names[] = {"DB_PASSWORD", "API\x1bKEY"};
	char line[1024];

	log_format_event(line, sizeof(line), LOG_INFO, LOG_JSON, "restart",
	                 LOG_FIELDS(LOG_STRS("variables", names, 2), LOG_INT("ms", -12),
	                            LOG_STR("signal", "SIGTERM"), LOG_STR("none", NULL)),
	                 "restarting");
	CHECK(strstr(line, "\"event\":\"restart\",\"msg\":\"restarting\",\"variables\":"
	                   "[\"DB_PASSWORD\",\"API\\u001bKEY\"],\"ms\":-12,\"signal\":\"SIGTERM\","
	                   "\"none\":null}\n") != NULL);
	/* text mode prints the message alone, as it always did */
	log_format_event(line, sizeof(line), LOG_INFO, LOG_TEXT, "restart",
	                 LOG_FIELDS(LOG_INT("ms", 1)), "restarting");
	CHECK_STR(line, "covenant-shim: info: restarting\n");
}

/* A name with an ESC byte never reaches a terminal raw; JSON escapes it and bad UTF-8. */
static void test_control_bytes_escaped(void)
{
	char line[256];

	log_format_line(line, sizeof(line), LOG_WARN, LOG_TEXT, "A\x1b[31mB\x7f\tC ünï");
	CHECK_STR(line, "covenant-shim: warning: A\\x1b[31mB\\x7f\\x09C ünï\n");
	log_format_line(line, sizeof(line), LOG_WARN, LOG_JSON, "A\x1b\x7f \xff\xc3(");
	CHECK(strstr(line, "\"msg\":\"A\\u001b\\u007f \\u00ff\\u00c3(\"}") != NULL);
}

/* Too long for the buffer: still one line, still one JSON object, fields whole or absent. */
static void test_cut_lines_stay_valid(void)
{
	const char *names[40];
	char line[300], msg[600];

	for (size_t i = 0; i < 40; i++)
		names[i] = "SOME_VARIABLE_NAME";
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	log_format_line(line, sizeof(line), LOG_INFO, LOG_JSON, msg);
	CHECK(strlen(line) < sizeof(line) && strcmp(line + strlen(line) - 3, "\"}\n") == 0);
	log_format_event(line, sizeof(line), LOG_INFO, LOG_JSON, "restart",
	                 LOG_FIELDS(LOG_STRS("variables", names, 40), LOG_INT("ms", 5)), "m");
	CHECK(strstr(line, "\"variables\":[\"SOME_VARIABLE_NAME\"") != NULL);
	CHECK(strcmp(line + strlen(line) - 4, "\"]}\n") == 0);
	CHECK(!strstr(line, "\"ms\""));
	log_format_line(line, 40, LOG_INFO, LOG_TEXT, msg);
	CHECK(strlen(line) > 30 && strlen(line) < 40 &&
	      strchr(line, '\n') == line + strlen(line) - 1);
}

int main(void)
{
	RUN(test_text_format);
	RUN(test_json_format);
	RUN(test_levels_newlines_errno);
	RUN(test_json_time);
	RUN(test_event_fields);
	RUN(test_control_bytes_escaped);
	RUN(test_cut_lines_stay_valid);
	return unit_done("test_log");
}
