/* The growable buffer and the error helpers. */
#include "buf.h"
#include "err.h"
#include "unit.h"

#include <stdlib.h>

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
	RUN(test_errors);
	return unit_done("test_buf");
}
