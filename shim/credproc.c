/* credential_process: being written (issue 8); refuses until then. */
#include "credproc.h"

int credproc_load(struct aws_creds *out, const char *profile, const char *command,
                  long timeout_ms, struct creds_ctx *ctx, struct shim_err *err)
{
	(void)out;
	(void)command;
	(void)timeout_ms;
	(void)ctx;
	return shim_err_set(err, SHIM_EX_NOPERM, "profile %s: credential_process: TODO", profile);
}
