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
	CHECK(strstr(line, "\"message\":\"say \\\"hi\\\"\\\\ \\u0001\"}\n") != NULL);
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

int main(void)
{
	RUN(test_text_format);
	RUN(test_json_format);
	RUN(test_levels_newlines_errno);
	return unit_done("test_log");
}
