/* Environment variables: look-ups in an envp, the variable-name rule (DESIGN.md 4.2), and the
 * environment the application is exec'd with (the counterpart of OpenBSD doas's env.c).
 * libc only: both executables link it. */
#ifndef SHIM_ENV_H
#define SHIM_ENV_H

#include <stddef.h>

/* The value of name in envp (NULL-terminated "NAME=value" strings; NULL is empty), or NULL. */
const char *env_lookup(char **envp, const char *name);
/* The same, with an empty value counting as unset (the AWS SDKs' rule). */
const char *env_value(char **envp, const char *name);

/* True when name matches [A-Za-z_][A-Za-z0-9_]*. */
int env_name_valid(const char *name);

/* Whether an import (--ssm-path, --secret-json) may set name: not a variable that steers the
 * dynamic loader (LD_*), the application's proxies (HTTP_PROXY, HTTPS_PROXY, NO_PROXY,
 * ALL_PROXY in any case), its TLS key log (SSLKEYLOGFILE), or its AWS credentials and
 * endpoints (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN,
 * AWS_CREDENTIAL_EXPIRATION, AWS_ENDPOINT_URL*, AWS_CA_BUNDLE, AWS_CONTAINER_*,
 * AWS_EC2_METADATA_*, AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_CONFIG_FILE,
 * AWS_SHARED_CREDENTIALS_FILE, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN,
 * AWS_ROLE_SESSION_NAME, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, AWS_USE_FIPS_ENDPOINT,
 * AWS_USE_DUALSTACK_ENDPOINT, AWS_STS_REGIONAL_ENDPOINTS, AWS_SDK_LOAD_CONFIG). A secret
 * that holds any key must not redirect or re-credential the application; the mapping may
 * still name these variables itself (mapping_import applies this rule). */
int env_name_importable(const char *name);

struct env_var {
	const char *name, *value;
};

/* The environment to exec with: envp in its order, each entry whose name is in vars replaced
 * in place by that variable (a name envp repeats keeps only its first place), then the
 * variables envp lacks, in the order of vars; when vars repeats a name the later one wins.
 * Entries of envp without '=' are kept as they are. Every string is a copy: 0 with *out a
 * NULL-terminated array for env_free, or -1 on OOM after wiping what was formatted. */
int env_build(char ***out, char **envp, const struct env_var *vars, size_t n);

/* Wipe and free every string of an env_build result, then the array; NULL is safe. */
void env_free(char **env);

#endif
