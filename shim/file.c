/* Whole-file reads with a cap; the buffers may hold secrets (env files, stores), so a
 * partial read is wiped before it is freed. Every file that holds credentials or values is read
 * here, so the warning about a file others can write lives here too. */
#include "file.h"

#include "buf.h"
#include "log.h"
#include "wipe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read(char **out, size_t *len, const char *path, size_t max, const char *what,
              struct shim_err *err)
{
	struct buf b = BUF_INIT;
	char chunk[16384];
	struct stat st = {0};
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

	if (fd < 0)
		return shim_err_set(err, SHIM_EX_DATA, "%s %s: %s", what, path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		shim_err_set(err, SHIM_EX_DATA, "%s %s: is a directory", what, path);
		goto out;
	}
	/* Whoever can write it chooses the credentials or the values: said, not refused (a
	 * shared volume may be set up that way on purpose). */
	if (S_ISREG(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH)))
		log_warn("%s %s is writable by %s", what, path,
		         st.st_mode & S_IWOTH ? "others" : "its group");
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			shim_err_set(err, SHIM_EX_DATA, "%s %s: %s", what, path, strerror(errno));
			goto out;
		}
		if (b.len + (size_t)n > max) {
			shim_err_set(err, SHIM_EX_DATA, "%s %s: larger than %zu bytes", what, path,
			             max);
			goto out;
		}
		buf_put(&b, chunk, (size_t)n);
	}
	if (buf_oom(&b)) {
		shim_err_set(err, SHIM_EX_INTERNAL, "out of memory reading %s", path);
		goto out;
	}
	buf_putc(&b, '\0');
	*len = b.len - 1;
	*out = buf_detach(&b);
	rc = *out ? 0 : shim_err_set(err, SHIM_EX_INTERNAL, "out of memory reading %s", path);
out:
	wipe(chunk, sizeof(chunk));
	buf_free(&b);
	close(fd);
	return rc;
}
