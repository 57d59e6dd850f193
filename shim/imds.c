/* IMDSv2: being written (issue 8); finds nothing until then. */
#include "imds.h"

#include <stddef.h>

int imds_endpoint(char **out, const struct imds_params *p, char **envp, struct shim_err *err)
{
	(void)out;
	(void)p;
	(void)envp;
	return shim_err_set(err, SHIM_EX_DATA, "IMDS: TODO");
}

int imds_load(struct aws_creds *out, const struct imds_params *p, struct creds_ctx *ctx,
              struct shim_err *err)
{
	(void)out;
	(void)p;
	(void)ctx;
	(void)err;
	return 0;
}

int imds_region(char **out, const struct imds_params *p, struct creds_ctx *ctx,
                struct shim_err *err)
{
	(void)out;
	(void)p;
	(void)ctx;
	(void)err;
	return 0;
}
