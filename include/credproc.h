/* credential_process: run the profile's command (split into words the SDKs' way, no shell),
 * read its Version 1 JSON from stdout (stderr passed through), under a timeout. */
#ifndef SHIM_CREDPROC_H
#define SHIM_CREDPROC_H

#include "creds.h"

/* 1 with *out filled (source "credential_process"), or -1 with err (77) naming the profile
 * and what went wrong: the command cannot run, exits non-zero, times out (timeout_ms), prints
 * something that is not Version 1 JSON, or expired credentials. Never the output in a
 * message. */
int credproc_load(struct aws_creds *out, const char *profile, const char *command,
                  long timeout_ms, struct creds_ctx *ctx, struct shim_err *err);

#endif
