/* Reading a whole input file (task definition, env file, store) with a size cap. */
#ifndef SHIM_FILE_H
#define SHIM_FILE_H

#include <stddef.h>

#include "err.h"

/* Read path into a NUL-terminated malloc'd buffer (*out, *len without the NUL). Files over
 * max bytes, unreadable files and directories fail with SHIM_EX_DATA, naming what and path;
 * the caller wipes and frees *out. A regular file writable by its group or others gets one
 * warning line naming what and path (not an error). */
int file_read(char **out, size_t *len, const char *path, size_t max, const char *what,
              struct shim_err *err);

#endif
