/* SSO credentials: being written (issue 8); refuses until then. */
#include "sso.h"

int sso_load(struct aws_creds *out, const struct sso_params *p, struct creds_ctx *ctx,
             struct shim_err *err)
{
	(void)out;
	(void)ctx;
	return shim_err_set(err, SHIM_EX_NOPERM, "profile %s: SSO credentials: TODO", p->profile);
}
