/* AWS IAM Identity Center (SSO) credentials for a profile, as the AWS CLI v2 gets them: the
 * access token from its cache (~/.aws/sso/cache/<sha1>.json), refreshed through the OIDC
 * CreateToken call when it has expired and a refresh token is there, then the role's
 * credentials from the portal's GetRoleCredentials. */
#ifndef SHIM_SSO_H
#define SHIM_SSO_H

#include "creds.h"

struct sso_params {
	const char *profile;             /* for messages ("run aws sso login --profile NAME") */
	const char *session_name;        /* sso_session NAME; NULL for the legacy sso_* keys */
	const char *start_url, *region;  /* sso_start_url, sso_region */
	const char *account_id;          /* sso_account_id */
	const char *role_name;           /* sso_role_name */
	const char *registration_scopes; /* sso_registration_scopes, or NULL */
};

/* 1 with *out filled (source "sso"; the caller frees it with creds_free), or -1 with err:
 * 77 when the token is missing, expired and cannot be refreshed (the message says to run
 * `aws sso login --profile NAME`), or the portal refuses; 65 for a cache file that does not
 * parse; 69 when the portal or OIDC endpoint cannot be reached. Never a token in a message.
 * The cache is found through HOME in ctx->envp; AWS_ENDPOINT_URL_SSO overrides the portal. */
int sso_load(struct aws_creds *out, const struct sso_params *p, struct creds_ctx *ctx,
             struct shim_err *err);

#endif
