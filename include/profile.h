/* The AWS shared config and credentials files (reference/aws-protocol.md B6): where they are,
 * the SDKs' INI dialect (smithy-rs's profile-parser-tests.json), which profile applies, and what
 * a profile says about credentials: a base source under a chain of roles to assume (smithy-rs's
 * assume-role-tests.json). No I/O but profile_load's two reads; no network. */
#ifndef SHIM_PROFILE_H
#define SHIM_PROFILE_H

#include <stddef.h>

#include "err.h"

enum profile_kind { PROFILE_PROFILE = 1, PROFILE_SSO_SESSION, PROFILE_SERVICES };

struct profile_prop {
	char *key;   /* lower-case */
	char *value; /* as written, continuation lines joined with '\n'; wiped on free */
};

struct profile_section {
	enum profile_kind kind;
	char *name;
	struct profile_prop *props;
	size_t n, cap;
};

/* Both files merged: a profile in both holds the keys of both, the credentials file's value
 * winning a clash. The paths are kept for messages ("" when that file was not read). */
struct profile_set {
	struct profile_section *s;
	size_t n, cap;
	char *config_path, *credentials_path;
};

enum profile_file { PROFILE_FILE_CONFIG, PROFILE_FILE_CREDENTIALS };

/* Parse one file's text (len bytes, not necessarily NUL-terminated) and merge its sections into
 * *set: in the config file [profile NAME], [default] (ignored when [profile default] is there
 * too), [sso-session NAME] and [services NAME]; in the credentials file [NAME]. Sections and
 * keys with invalid names are skipped, as the SDKs skip them. -1 with SHIM_EX_DATA (65) and
 * "<path> line N: <what>" for a file that does not parse (no value quoted); *set is then
 * unchanged. 70 on OOM. */
int profile_parse(struct profile_set *set, const char *text, size_t len, enum profile_file which,
                  const char *path, struct shim_err *err);

/* Read and parse AWS_CONFIG_FILE (else $HOME/.aws/config) and AWS_SHARED_CREDENTIALS_FILE
 * (else $HOME/.aws/credentials), a leading "~/" meaning $HOME. A file that does not exist is
 * no error; one that cannot be read or does not parse is 65. 0 with *out filled (free it with
 * profile_set_free), or -1 with err and *out untouched. */
int profile_load(struct profile_set *out, char **envp, struct shim_err *err);

/* Wipe and free everything; a zeroed set is fine. */
void profile_set_free(struct profile_set *set);

/* The profile that applies: cli (--profile), else AWS_PROFILE, else "default". *explicit_out
 * (may be NULL) is 1 when the user named it. Borrowed. */
const char *profile_select(const char *cli, char **envp, int *explicit_out);

/* The section of that kind and name, or NULL. */
const struct profile_section *profile_find(const struct profile_set *set, enum profile_kind kind,
                                           const char *name);
/* A key's value in a section (key compared without case), NULL when absent or empty. */
const char *profile_get(const struct profile_section *sec, const char *key);
/* The same in the named profile; NULL when there is no such profile. */
const char *profile_value(const struct profile_set *set, const char *profile, const char *key);

/* The endpoint URL the profile configures for a service (DESIGN.md 5.3): the endpoint_url
 * sub-property of service_key ("secrets_manager", "ssm", "sts", compared without case) in the
 * [services NAME] section the profile's services key names, else the profile's endpoint_url.
 * 1 with *out owned by the caller, 0 when none, -1 with 70 on OOM. */
int profile_endpoint_url(char **out, const struct profile_set *set, const char *profile,
                         const char *service_key, struct shim_err *err);

/* ---- what a profile says about credentials ------------------------------------------------ */

enum profile_base {
	PROFILE_BASE_KEYS = 1, /* aws_access_key_id, aws_secret_access_key[, aws_session_token] */
	PROFILE_BASE_SOURCE,   /* credential_source: Environment, Ec2InstanceMetadata, ... */
	PROFILE_BASE_WEB_IDENTITY, /* role_arn + web_identity_token_file */
	PROFILE_BASE_SSO,          /* sso_session or the legacy sso_* keys */
	PROFILE_BASE_PROCESS,      /* credential_process */
};

/* One AssumeRole step; every pointer is borrowed from the set. */
struct profile_role {
	const char *profile; /* the profile that names the role */
	const char *role_arn, *session_name, *external_id, *duration_seconds, *mfa_serial;
};

#define PROFILE_ROLES_MAX 16

struct profile_chain {
	enum profile_base base;
	const char *profile; /* the profile the base comes from */
	const char *access_key_id, *secret_access_key, *session_token; /* KEYS */
	const char *credential_source;                                 /* SOURCE */
	const char *role_arn, *token_file, *session_name;              /* WEB_IDENTITY */
	const char *sso_session, *sso_start_url, *sso_region;          /* SSO (from the session) */
	const char *sso_account_id, *sso_role_name, *sso_scopes;
	const char *command; /* PROCESS */
	/* roles[0] is assumed with the base's credentials, each next one with the previous one's;
	 * the last is the selected profile's own role. */
	struct profile_role roles[PROFILE_ROLES_MAX];
	size_t n_roles;
};

/* Resolve the named profile's chain the SDKs' way (smithy-rs repr.rs): role_arn with
 * source_profile (followed; static keys of a source profile win over its own role; a profile
 * naming itself uses its own keys) or credential_source; else web identity, SSO,
 * credential_process, static keys. 0 with *out filled (pointers into set), or -1 with
 * SHIM_EX_NOPERM (77) naming the profile and what is wrong: no such profile, a loop, both or
 * neither of source_profile and credential_source, half a key pair, incomplete SSO settings,
 * no credential information at all. */
int profile_chain(struct profile_chain *out, const struct profile_set *set, const char *profile,
                  struct shim_err *err);

#endif
