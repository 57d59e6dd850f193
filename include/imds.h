/* EC2 instance metadata (IMDSv2): a session token (PUT), the instance role's name, then its
 * credentials; and the instance's region. AWS_EC2_METADATA_DISABLED,
 * AWS_EC2_METADATA_SERVICE_ENDPOINT and AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE from
 * ctx->envp win over the profile's settings, as in the SDKs. */
#ifndef SHIM_IMDS_H
#define SHIM_IMDS_H

#include "creds.h"

struct imds_params {
	const char *endpoint;      /* the profile's ec2_metadata_service_endpoint, or NULL */
	const char *endpoint_mode; /* the profile's ec2_metadata_service_endpoint_mode, or NULL */
};

/* The endpoint to use (the SDKs' rules: variable, then profile, then the mode's default
 * http://169.254.169.254 or http://[fd00:ec2::254]). 0 with *out owned by the caller, or -1
 * with 65 for an unknown mode or a malformed URL. */
int imds_endpoint(char **out, const struct imds_params *p, char **envp, struct shim_err *err);

/* 1 with *out filled (source "imds"), 0 when IMDS is disabled or does not answer (a laptop:
 * a short connect timeout, no retries), -1 with err for an answer that refuses (77) or does
 * not parse (69).
 * The token PUT gets 1 s and one attempt; once IMDS has answered, the GETs get 1 s and the
 * client's retries. A token refused with 403/404/405 falls back to IMDSv1 (no token) unless
 * AWS_EC2_METADATA_V1_DISABLED is true, as botocore does; 400 or another status is -1. An
 * instance without a role (404 on the listing) is 0. Whenever 0 is returned, err->msg says why
 * IMDS did not apply (err->status stays 0), for the chain's "no credentials" line.
 * Credentials that have already expired (ctx->now) are refused (77). */
int imds_load(struct aws_creds *out, const struct imds_params *p, struct creds_ctx *ctx,
              struct shim_err *err);

/* The instance's region (placement/region): 1 with *out owned by the caller, 0 when there is
 * none to be had (err->msg says why, status 0), -1 with err (69 for a malformed region). */
int imds_region(char **out, const struct imds_params *p, struct creds_ctx *ctx,
                struct shim_err *err);

#endif
