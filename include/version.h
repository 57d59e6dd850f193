/* What the resolver is built from: its own version, how it was linked, and the versions of
 * libcurl (with its protocols), OpenSSL and jansson inside it, for --version. */
#ifndef SHIM_VERSION_H
#define SHIM_VERSION_H

#include "buf.h"

/* Appends the report, one line each, to b (check buf_oom). */
void version_report(struct buf *b);

#endif
