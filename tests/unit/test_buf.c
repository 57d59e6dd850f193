/* The growable buffer, whole-file reads and the error helpers. */
#include "buf.h"
#include "err.h"
#include "file.h"
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_append_and_detach(void)
{
	struct buf b = BUF_INIT;
	char *s;

	CHECK_STR(buf_cstr(&b), "");
	buf_puts(&b, "abc");
	buf_putc(&b, '-');
	buf_printf(&b, "%d:%s", 42, "x");
	CHECK_STR(buf_cstr(&b), "abc-42:x");
	CHECK_INT(b.len, 8);
	for (int i = 0; i < 1000; i++)
		buf_put(&b, "0123456789", 10);
	CHECK_INT(b.len, 10008);
	CHECK(!buf_oom(&b));
	buf_clear(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(buf_cstr(&b), "");
	buf_put(&b, "a\0b", 3);
	CHECK_INT(b.len, 3);
	s = buf_detach(&b);
	CHECK(s && s[0] == 'a' && s[1] == '\0' && s[2] == 'b');
	CHECK(b.ptr == NULL && b.len == 0);
	free(s);
	buf_free(&b);
}

static void test_sticky_oom(void)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "x");
	CHECK(buf_grow(&b, (size_t)-1) < 0);
	CHECK(buf_oom(&b));
	buf_puts(&b, "more");
	CHECK_STR(buf_cstr(&b), "x");
	CHECK(buf_detach(&b) == NULL);
	buf_free(&b);
}

/* A file of n bytes with a pattern no shorter file shares: path in out. */
static int pattern_file(char *out, size_t cap, size_t n)
{
	int fd;
	FILE *f;

	snprintf(out, cap, "/tmp/test_buf.XXXXXX");
	if ((fd = mkstemp(out)) < 0 || !(f = fdopen(fd, "w")))
		return -1;
	for (size_t i = 0; i < n; i++)
		fputc('a' + (int)(i * 7 % 26), f);
	return fclose(f);
}

static int is_pattern(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 'a' + (int)(i * 7 % 26))
			return 0;
	return p[n] == '\0';
}

/* buf_read: each call adds what read(2) gave, 0 at the end; the text stays NUL-terminated. */
static void test_read_fd(void)
{
	struct buf b = BUF_INIT;
	char path[64];
	long n, total = 0;
	int fd;

	CHECK(pattern_file(path, sizeof(path), 100000) == 0);
	CHECK((fd = open(path, O_RDONLY)) >= 0);
	while ((n = buf_read(&b, fd)) > 0)
		total += n;
	CHECK_INT(n, 0);
	CHECK_INT(total, 100000);
	CHECK(b.len == 100000 && is_pattern(b.ptr, b.len));
	close(fd);
	buf_free(&b);
	unlink(path);
}

/* file_read: the whole file (empty, small, larger than one read), NUL-terminated; one byte over
 * the cap is an error naming the file; a directory is an error. */
static void test_file_read(void)
{
	static const size_t sizes[] = {0, 1, 4095, 16384, 300001};
	struct shim_err err = {0};
	char path[64], *text;
	size_t len;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		text = NULL;
		CHECK(pattern_file(path, sizeof(path), sizes[i]) == 0);
		CHECK_INT(file_read(&text, &len, path, 1 << 20, "test file", &err), 0);
		CHECK(text && len == sizes[i] && is_pattern(text, len));
		free(text);
		CHECK_INT(file_read(&text, &len, path, sizes[i] ? sizes[i] - 1 : 0, "test file",
		                    &err),
		          sizes[i] ? -1 : 0);
		if (sizes[i]) {
			CHECK_INT(err.status, SHIM_EX_DATA);
			CHECK(strstr(err.msg, "larger than") && strstr(err.msg, path));
		} else {
			free(text);
		}
		unlink(path);
	}
	CHECK_INT(file_read(&text, &len, "/tmp", 100, "test file", &err), -1);
	CHECK(strstr(err.msg, "is a directory") != NULL);
}

static void test_errors(void)
{
	struct shim_err e = {0};

	CHECK_INT(shim_err_set(&e, SHIM_EX_DATA, "%s:%d: bad", "file", 3), -1);
	CHECK_INT(e.status, 65);
	CHECK_STR(e.msg, "file:3: bad");
	CHECK_INT(shim_err_set(NULL, 1, "x"), -1);
	CHECK_INT(shim_status_worst(SHIM_OK, SHIM_EX_UNRESOLVED), SHIM_EX_UNRESOLVED);
	CHECK_INT(shim_status_worst(SHIM_EX_UNRESOLVED, SHIM_EX_UNAVAILABLE), SHIM_EX_UNAVAILABLE);
	CHECK_INT(shim_status_worst(SHIM_EX_NOPERM, SHIM_EX_UNAVAILABLE), SHIM_EX_NOPERM);
	CHECK_INT(shim_status_worst(SHIM_EX_DATA, SHIM_EX_NOPERM), SHIM_EX_DATA);
	CHECK_INT(shim_status_worst(SHIM_EX_INTERNAL, SHIM_EX_DATA), SHIM_EX_INTERNAL);
}

int main(void)
{
	RUN(test_append_and_detach);
	RUN(test_sticky_oom);
	RUN(test_read_fd);
	RUN(test_file_read);
	RUN(test_errors);
	return unit_done("test_buf");
}
