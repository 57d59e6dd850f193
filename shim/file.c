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
	struct stat st = {0};
	long n;
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
	/* A regular file is read into one block of its size (plus room to see the end): no copy
	 * of a partial buffer to make and wipe. */
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (unsigned long long)st.st_size <= max)
		buf_grow(&b, (size_t)st.st_size + 4096 + 1);
	while ((n = buf_read(&b, fd)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && buf_oom(&b)) {
			shim_err_set(err, SHIM_EX_INTERNAL, "out of memory reading %s", path);
			goto out;
		}
		if (n < 0) {
			shim_err_set(err, SHIM_EX_DATA, "%s %s: %s", what, path, strerror(errno));
			goto out;
		}
		if (b.len > max) {
			shim_err_set(err, SHIM_EX_DATA, "%s %s: larger than %zu bytes", what, path,
			             max);
			goto out;
		}
	}
	/* buf_read made the block (or failed above): it is NUL-terminated. */
	*len = b.len;
	*out = buf_detach(&b);
	rc = *out ? 0 : shim_err_set(err, SHIM_EX_INTERNAL, "out of memory reading %s", path);
out:
	buf_free(&b);
	close(fd);
	return rc;
}
