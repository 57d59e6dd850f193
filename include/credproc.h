/* credential_process: run the profile's command (split into words the SDKs' way, no shell),
 * read its Version 1 JSON from stdout (stderr passed through), under a timeout. */
#ifndef SHIM_CREDPROC_H
#define SHIM_CREDPROC_H

#include "creds.h"

/* 1 with *out filled (source "credential_process"), or -1 with err (77) naming the profile
 * and what went wrong: the command cannot run, exits non-zero, times out (timeout_ms), prints
 * something that is not Version 1 JSON, or expired credentials. Never the output in a
 * message. */
int credproc_load(struct aws_creds *out, const char *profile, const char *command, long timeout_ms,
                  struct creds_ctx *ctx, struct shim_err *err);

/* What credproc_load does, in detail (botocore's ProcessProvider on POSIX):
 * - command is split by credproc_split; argv[0] is looked up in PATH; ctx->envp is the
 *   program's environment; stdin is /dev/null, stderr is the shim's, stdout is read (at most
 *   64 KiB) through a pipe; the program runs in its own process group, which is killed
 *   (SIGKILL) when timeout_ms runs out (timeout_ms <= 0: 60 s, the Go SDK's default);
 * - it must exit 0 and print a JSON object with "Version": 1 (the number), AccessKeyId and
 *   SecretAccessKey (non-empty strings), SessionToken and Expiration (RFC 3339) optional;
 *   credentials expiring at or before ctx->now are refused;
 * - every failure is "profile NAME: credential_process: WHAT" (77; 70 on OOM), naming the
 *   program (argv[0]) at most, never its arguments or its output. */

/* The command line split into words as botocore does on POSIX (Python's shlex.split): blanks
 * separate words; '...' keeps everything literally; "..." keeps everything but \ and ";
 * outside quotes a backslash escapes the next character; quoted parts join the word around
 * them; '' is an empty word; no comments, no variables, no globbing. 0 with *out a
 * NULL-terminated array for credproc_argv_free (at least one word), or -1 with err (77) for
 * an unclosed quote, a trailing backslash or an empty command; 70 on OOM. */
int credproc_split(char ***out, const char *command, struct shim_err *err);

/* Wipe and free every word, then the array; NULL is safe. */
void credproc_argv_free(char **argv);

#endif
