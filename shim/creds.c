/* The credential provider chain (DESIGN.md 5.2): credentials from the environment and the
 * ECS/EKS container endpoint (reference/aws-protocol.md B5), the request as the SDKs build it
 * (sent by the caller's fetch callback) and the parsed response.
 * Keys and tokens never reach a message; every copy of them is wiped before it is freed. */
#include "creds.h"

#include "buf.h"
#include "credproc.h"
#include "endpoint.h"
#include "env.h"
#include "file.h"
#include "imds.h"
#include "profile.h"
#include "sanitize.h"
#include "sso.h"
#include "sts.h"
#include "wipe.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TOKEN_MAX           4096 /* the caller's header buffer holds "Authorization: " and this */
#define ECS_HOST            "http://169.254.170.2"
#define ENV_RELATIVE        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
#define ENV_FULL            "AWS_CONTAINER_CREDENTIALS_FULL_URI"
#define ENV_TOKEN_FILE      "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
#define ENV_TOKEN           "AWS_CONTAINER_AUTHORIZATION_TOKEN"
#define CREDPROC_TIMEOUT_MS 30000 /* a credential_process that hangs */

static void free_secret(char *s)
{
	if (s) {
		wipe(s, strlen(s));
		free(s);
	}
}

/* A value bound for an HTTP header: no CR, LF, NUL or other control byte. */
static int header_safe(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int creds_value_safe(const char *s, size_t len)
{
	return header_safe(s, len);
}

void creds_free(struct aws_creds *c)
{
	if (!c)
		return;
	free_secret(c->access_key_id);
	free_secret(c->secret_access_key);
	free_secret(c->session_token);
	memset(c, 0, sizeof(*c));
}

int creds_set(struct aws_creds *out, const char *id, const char *secret, const char *token,
              long long expiration, const char *source, struct shim_err *err)
{
	struct aws_creds c = {NULL, NULL, NULL, expiration, source};

	if (!id || !secret) /* a caller's bug, not a crash */
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: credentials without a key", source);
	c.access_key_id = strdup(id);
	c.secret_access_key = strdup(secret);
	c.session_token = token ? strdup(token) : NULL;
	if (!c.access_key_id || !c.secret_access_key || (token && !c.session_token)) {
		creds_free(&c);
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	}
	*out = c;
	return 0;
}

int creds_from_env(struct aws_creds *out, char **envp, struct shim_err *err)
{
	static const char *const names[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	                                    "AWS_SESSION_TOKEN"};
	const char *v[3];

	for (int i = 0; i < 3; i++)
		v[i] = env_value(envp, names[i]);
	if (!v[0] && !v[1])
		return 0;
	if (!v[0] || !v[1])
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "%s is set but %s is not: set both, or neither",
		                    names[v[0] ? 0 : 1], names[v[0] ? 1 : 0]);
	for (int i = 0; i < 3; i++)
		if (v[i] && !header_safe(v[i], strlen(v[i])))
			return shim_err_set(err, SHIM_EX_DATA, "%s contains a control character",
			                    names[i]);
	if (creds_set(out, v[0], v[1], v[2], 0, "environment", err) < 0)
		return -1;
	return 1;
}

void creds_http_free(struct creds_http *r)
{
	if (!r)
		return;
	free(r->url);
	free_secret(r->authorization);
	r->url = NULL;
	r->authorization = NULL;
}

static int container_url(char **out, char **envp, struct shim_err *err)
{
	const char *rel = env_value(envp, ENV_RELATIVE), *full = env_value(envp, ENV_FULL);
	char *host = NULL, why[sizeof(err->msg)];
	int https = 0;

	if (rel) {
		if (rel[0] != '/' || !header_safe(rel, strlen(rel)) || strchr(rel, ' '))
			return shim_err_set(err, SHIM_EX_DATA,
			                    "%s must be a path starting with '/' without spaces or "
			                    "control characters",
			                    ENV_RELATIVE);
		if (asprintf(out, "%s%s", ECS_HOST, rel) < 0)
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		return 0;
	}
	if (endpoint_host(&host, &https, full, err) < 0) {
		snprintf(why, sizeof(why), "%s", err ? err->msg : "");
		return shim_err_set(err, SHIM_EX_DATA, "%s: %s", ENV_FULL, why);
	}
	if (!https &&
	    !(endpoint_host_class(host) & (ENDPOINT_HOST_LOOPBACK | ENDPOINT_HOST_CONTAINER))) {
		shim_err_set(err, SHIM_EX_DATA,
		             "%s: plain http to %s is not allowed: use https, a loopback address, "
		             "169.254.170.2, 169.254.170.23 or [fd00:ec2::23]",
		             ENV_FULL, host);
		free(host);
		return -1;
	}
	free(host);
	if (!(*out = strdup(full)))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 0;
}

/* The Authorization value: the token file's content, else the token variable, else none. */
static int container_token(char **out, char **envp, struct shim_err *err)
{
	const char *path = env_value(envp, ENV_TOKEN_FILE), *tok = env_value(envp, ENV_TOKEN);
	const char *name = path ? ENV_TOKEN_FILE : ENV_TOKEN;
	char *data = NULL;
	size_t len;

	*out = NULL;
	if (path) {
		if (file_read(&data, &len, path, TOKEN_MAX, ENV_TOKEN_FILE, err) < 0)
			return -1;
	} else if (tok) {
		if ((len = strlen(tok)) > TOKEN_MAX)
			return shim_err_set(err, SHIM_EX_DATA, "%s is longer than %d bytes", name,
			                    TOKEN_MAX);
		if (!(data = strdup(tok)))
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	} else {
		return 0;
	}
	if (len == 0 || !header_safe(data, len)) {
		wipe(data, len);
		free(data);
		return shim_err_set(err, SHIM_EX_DATA,
		                    len ? "%s: the token contains a line break or control character"
		                        : "%s: the token is empty",
		                    name);
	}
	*out = data;
	return 0;
}

int creds_container_request(struct creds_http *out, char **envp, struct shim_err *err)
{
	struct creds_http r = {NULL, NULL};

	if (!env_value(envp, ENV_RELATIVE) && !env_value(envp, ENV_FULL))
		return 0;
	if (container_url(&r.url, envp, err) < 0)
		return -1;
	if (container_token(&r.authorization, envp, err) < 0) {
		creds_http_free(&r);
		return -1;
	}
	*out = r;
	return 1;
}

/* {"code","message"} (ECS agent, smithy-rs) or "Code" != "Success" (IMDS): 1 when refused. */
static int container_refused(json_t *root, const char *what, struct shim_err *err)
{
	const char *code = json_string_value(json_object_get(root, "code"));
	const char *msg = json_string_value(json_object_get(root, "message"));
	const char *ucode = json_string_value(json_object_get(root, "Code"));
	char c[96], m[224];

	if (ucode && strcmp(ucode, "Success") != 0)
		code = ucode, msg = json_string_value(json_object_get(root, "Message"));
	else if (json_object_get(root, "AccessKeyId") || (!code && !msg))
		return 0;
	code = code ? code : "(no code)";
	sanitize_quote(c, sizeof(c), code, strlen(code), 80);
	msg = msg ? msg : "";
	sanitize_quote(m, sizeof(m), msg, strlen(msg), 200);
	shim_err_set(err, SHIM_EX_NOPERM, "%s refused: %s%s%s", what, c, *m ? ": " : "", m);
	return 1;
}

/* A string member: required ones must be non-empty; absent or null optional ones give NULL. */
static int member(const char **out, json_t *root, const char *key, int required, const char *what,
                  struct shim_err *err)
{
	json_t *v = json_object_get(root, key);

	*out = NULL;
	if ((!v || json_is_null(v)) && !required)
		return 0;
	if (!json_is_string(v) || (required && json_string_length(v) == 0))
		return shim_err_set(err, SHIM_EX_UNAVAILABLE, "%s: %s is missing or not a string",
		                    what, key);
	if (!header_safe(json_string_value(v), json_string_length(v)))
		return shim_err_set(err, SHIM_EX_UNAVAILABLE, "%s: %s contains a control character",
		                    what, key);
	*out = json_string_length(v) ? json_string_value(v) : NULL;
	return 0;
}

int creds_parse_endpoint(struct aws_creds *out, const char *body, size_t len, const char *what,
                         const char *source, struct shim_err *err)
{
	json_t *root = json_loadb(body ? body : "", body ? len : 0, JSON_REJECT_DUPLICATES, NULL);
	const char *id, *secret, *token, *exp;
	long long when = 0;
	int rc = -1;

	if (!json_is_object(root)) {
		shim_err_set(err, SHIM_EX_UNAVAILABLE, "%s: response is not a JSON object", what);
		goto out;
	}
	if (container_refused(root, what, err))
		goto out;
	if (member(&id, root, "AccessKeyId", 1, what, err) < 0 ||
	    member(&secret, root, "SecretAccessKey", 1, what, err) < 0 ||
	    member(&token, root, "Token", 0, what, err) < 0 ||
	    member(&exp, root, "Expiration", 0, what, err) < 0)
		goto out;
	if (exp && (when = creds_parse_time(exp)) < 0) {
		shim_err_set(err, SHIM_EX_UNAVAILABLE, "%s: Expiration is not an ISO-8601 UTC time",
		             what);
		goto out;
	}
	rc = creds_set(out, id, secret, token, when, source, err);
out:
	json_decref(root);
	return rc;
}

int creds_parse_container(struct aws_creds *out, const char *body, size_t len, struct shim_err *err)
{
	return creds_parse_endpoint(out, body, len, "container credentials", "container", err);
}

/* ---- the provider chain ------------------------------------------------------------------ */

/* GET the container endpoint through the caller's callback; the body is left in *resp. */
static int container_get(struct creds_response *resp, struct creds_ctx *ctx,
                         const struct creds_http *ch, struct shim_err *err)
{
	struct buf auth = BUF_INIT;
	const char *headers[3] = {"Accept: application/json", NULL, NULL};
	int rc;

	if (ch->authorization) {
		buf_printf(&auth, "Authorization: %s", ch->authorization);
		if (buf_oom(&auth))
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		headers[1] = auth.ptr;
	}
	rc = ctx->fetch(
	        ctx->fetch_ud, resp,
	        &(struct creds_request){.method = "GET", .url = ch->url, .headers = headers}, err);
	buf_free(&auth);
	return rc;
}

int creds_from_container(struct aws_creds *out, struct creds_ctx *ctx, struct shim_err *err)
{
	struct creds_http ch = {0};
	struct creds_response resp = {0};
	struct aws_creds c = {0};
	int rc;

	if (!ctx->fetch || (rc = creds_container_request(&ch, ctx->envp, err)) == 0)
		return 0;
	if (rc < 0)
		return -1;
	rc = -1;
	if (container_get(&resp, ctx, &ch, err) < 0)
		goto out;
	if (resp.status == 0)
		shim_err_set(err, SHIM_EX_UNAVAILABLE,
		             "ECS container credentials endpoint: %s (%d attempts)", resp.errmsg,
		             resp.attempts);
	else if (resp.status != 200)
		shim_err_set(err, resp.status >= 500 ? SHIM_EX_UNAVAILABLE : SHIM_EX_NOPERM,
		             "ECS container credentials endpoint answered HTTP %ld", resp.status);
	else if (creds_parse_container(&c, buf_cstr(&resp.body), resp.body.len, err) == 0) {
		if (c.expiration && c.expiration <= ctx->now) {
			creds_free(&c);
			shim_err_set(err, SHIM_EX_NOPERM,
			             "ECS container credentials: they have already expired");
		} else {
			*out = c;
			rc = 1;
		}
	}
out:
	buf_free(&resp.body);
	creds_http_free(&ch);
	return rc;
}

/* ---- the providers ------------------------------------------------------------------------ */

#define WHY(ctx, ...) snprintf((ctx)->why, sizeof((ctx)->why), __VA_ARGS__)

static int env_provider(struct aws_creds *out, struct creds_ctx *ctx, struct shim_err *err)
{
	int rc = creds_from_env(out, ctx->envp, err);

	if (rc == 0)
		WHY(ctx, "AWS_ACCESS_KEY_ID is not set");
	return rc;
}

/* AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (EKS IRSA and the like), STS unsigned. */
static int web_identity_provider(struct aws_creds *out, struct creds_ctx *ctx, struct shim_err *err)
{
	const char *file = env_value(ctx->envp, "AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *arn = env_value(ctx->envp, "AWS_ROLE_ARN");
	struct sts_role r = {.who = "web identity",
	                     .role_arn = arn,
	                     .session_name = env_value(ctx->envp, "AWS_ROLE_SESSION_NAME")};

	if (!file || !arn) {
		WHY(ctx, "%s is not set", file ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE");
		return 0;
	}
	return sts_web_identity(out, &r, file, ctx, err);
}

static struct imds_params imds_params_of(const struct creds_ctx *ctx, const char *profile)
{
	return (struct imds_params){
	        profile_value(ctx->profiles, profile, "ec2_metadata_service_endpoint"),
	        profile_value(ctx->profiles, profile, "ec2_metadata_service_endpoint_mode")};
}

static int imds_provider(struct aws_creds *out, struct creds_ctx *ctx, struct shim_err *err)
{
	struct imds_params p = imds_params_of(ctx, ctx->profile);
	const char *off = env_value(ctx->envp, "AWS_EC2_METADATA_DISABLED");
	int rc;

	if (off && strcasecmp(off, "true") == 0) {
		WHY(ctx, "disabled by AWS_EC2_METADATA_DISABLED");
		return 0;
	}
	if (!ctx->fetch) {
		WHY(ctx, "no network");
		return 0;
	}
	if ((rc = imds_load(out, &p, ctx, err)) == 0)
		WHY(ctx, "no answer from the instance metadata service");
	return rc;
}

static int container_provider(struct aws_creds *out, struct creds_ctx *ctx, struct shim_err *err)
{
	int rc = creds_from_container(out, ctx, err);

	if (rc == 0)
		WHY(ctx, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set");
	return rc;
}

/* ---- the profile's chain ---------------------------------------------------------------- */

/* credential_source: the base credentials of a role profile from another provider. */
static int profile_source(struct aws_creds *out, const struct profile_chain *pc,
                          struct creds_ctx *ctx, struct shim_err *err)
{
	const char *cs = pc->credential_source;
	struct imds_params ip = imds_params_of(ctx, pc->profile);
	const char *missing;
	int rc;

	if (strcmp(cs, "Environment") == 0) {
		rc = creds_from_env(out, ctx->envp, err);
		missing = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set";
	} else if (strcmp(cs, "EcsContainer") == 0) {
		rc = creds_from_container(out, ctx, err);
		missing = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are not set";
	} else if (strcmp(cs, "Ec2InstanceMetadata") == 0) {
		rc = ctx->fetch ? imds_load(out, &ip, ctx, err) : 0;
		missing = "the instance metadata service did not answer (or is disabled)";
	} else {
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "profile %s: credential_source must be Environment, "
		                    "Ec2InstanceMetadata or EcsContainer",
		                    pc->profile);
	}
	if (rc == 0)
		return shim_err_set(err, SHIM_EX_NOPERM, "profile %s: credential_source %s, but %s",
		                    pc->profile, cs, missing);
	return rc;
}

static int profile_keys(struct aws_creds *out, const struct profile_chain *pc, struct shim_err *err)
{
	const char *v[3] = {pc->access_key_id, pc->secret_access_key, pc->session_token};
	static const char *const names[3] = {"aws_access_key_id", "aws_secret_access_key",
	                                     "aws_session_token"};

	for (int i = 0; i < 3; i++)
		if (v[i] && !header_safe(v[i], strlen(v[i])))
			return shim_err_set(err, SHIM_EX_DATA,
			                    "profile %s: %s contains a control character",
			                    pc->profile, names[i]);
	if (creds_set(out, v[0], v[1], v[2], 0, "profile", err) < 0)
		return -1;
	return 1;
}

static int profile_sso(struct aws_creds *out, const struct profile_chain *pc, struct creds_ctx *ctx,
                       struct shim_err *err)
{
	struct sso_params p = {pc->profile,    pc->sso_session,    pc->sso_start_url,
	                       pc->sso_region, pc->sso_account_id, pc->sso_role_name,
	                       pc->sso_scopes};

	if (!pc->sso_account_id)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "profile %s: sso_session alone gives a token, not credentials: "
		                    "add sso_account_id and sso_role_name",
		                    pc->profile);
	return sso_load(out, &p, ctx, err);
}

/* The base credentials of a profile's chain, before any role. */
static int profile_base(struct aws_creds *out, const struct profile_chain *pc,
                        struct creds_ctx *ctx, struct shim_err *err)
{
	char who[160];
	struct sts_role r = {who, pc->role_arn, pc->session_name, NULL, 0};

	snprintf(who, sizeof(who), "profile %s", pc->profile);
	switch (pc->base) {
	case PROFILE_BASE_KEYS:
		return profile_keys(out, pc, err);
	case PROFILE_BASE_SOURCE:
		return profile_source(out, pc, ctx, err);
	case PROFILE_BASE_WEB_IDENTITY:
		return sts_web_identity(out, &r, pc->token_file, ctx, err);
	case PROFILE_BASE_SSO:
		return profile_sso(out, pc, ctx, err);
	case PROFILE_BASE_PROCESS:
		return credproc_load(out, pc->profile, pc->command, CREDPROC_TIMEOUT_MS, ctx, err);
	}
	return shim_err_set(err, SHIM_EX_INTERNAL, "profile %s: unknown source", pc->profile);
}

/* Every role of the chain, before any call: mfa_serial and duration_seconds. */
static int profile_roles_check(const struct profile_chain *pc, int *durations, struct shim_err *err)
{
	char who[160];

	for (size_t i = 0; i < pc->n_roles; i++) {
		const struct profile_role *r = &pc->roles[i];
		snprintf(who, sizeof(who), "profile %s", r->profile);
		if (r->mfa_serial)
			return shim_err_set(
			        err, SHIM_EX_NOPERM,
			        "profile %s: mfa_serial is set, but the shim runs "
			        "unattended and cannot ask for an MFA code: use a "
			        "credential_process that caches MFA sessions (e.g. "
			        "aws-vault export --format=json), or run it under aws-vault "
			        "exec",
			        r->profile);
		if (sts_duration(&durations[i], r->duration_seconds, who, err) < 0)
			return -1;
	}
	return 0;
}

/* Assume each role in turn, each with the previous credentials. */
static int profile_assume(struct aws_creds *out, const struct profile_chain *pc,
                          const int *durations, struct creds_ctx *ctx, struct shim_err *err)
{
	char who[160];

	for (size_t i = 0; i < pc->n_roles; i++) {
		const struct profile_role *pr = &pc->roles[i];
		struct sts_role r = {who, pr->role_arn, pr->session_name, pr->external_id,
		                     durations[i]};
		struct aws_creds next = {0};
		snprintf(who, sizeof(who), "profile %s", pr->profile);
		if (sts_assume_role(&next, out, &r, ctx, err) < 0) {
			creds_free(out);
			return -1;
		}
		creds_free(out);
		*out = next;
	}
	return 1;
}

/* Whether the profile says anything about credentials at all (else the chain goes on). */
static int profile_has_credentials(const struct profile_section *p)
{
	static const char *const keys[] = {
	        "aws_access_key_id", "aws_secret_access_key",   "aws_session_token",  "role_arn",
	        "credential_source", "web_identity_token_file", "credential_process", "sso_session",
	        "sso_start_url",     "sso_account_id",          "sso_role_name",      "sso_region"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (profile_get(p, keys[i]))
			return 1;
	return 0;
}

int creds_profile_resolve(struct profile_chain *out, struct creds_ctx *ctx, struct shim_err *err)
{
	const struct profile_section *p =
	        profile_find(ctx->profiles, PROFILE_PROFILE, ctx->profile);
	char q[96];

	if (!ctx->profile) {
		WHY(ctx, "no shared config files");
		return 0;
	}
	sanitize_quote(q, sizeof(q), ctx->profile, strlen(ctx->profile), 64);
	if (!p && ctx->profile_explicit)
		return shim_err_set(
		        err, SHIM_EX_NOPERM,
		        "profile %s is not in the AWS config or credentials file (%s, %s)", q,
		        ctx->profiles && ctx->profiles->config_path ? ctx->profiles->config_path
		                                                    : "no config file",
		        ctx->profiles && ctx->profiles->credentials_path
		                ? ctx->profiles->credentials_path
		                : "no credentials file");
	if (!p) {
		WHY(ctx, "no profile %s in the AWS config or credentials file", q);
		return 0;
	}
	if (!profile_has_credentials(p)) {
		WHY(ctx, "profile %s has no credential settings", q);
		return 0;
	}
	return profile_chain(out, ctx->profiles, ctx->profile, err) < 0 ? -1 : 1;
}

static int profile_provider(struct aws_creds *out, struct creds_ctx *ctx, struct shim_err *err)
{
	struct profile_chain pc;
	int durations[PROFILE_ROLES_MAX], rc;
	struct aws_creds c = {0};

	if ((rc = creds_profile_resolve(&pc, ctx, err)) <= 0)
		return rc;
	if (profile_roles_check(&pc, durations, err) < 0)
		return -1;
	if ((rc = profile_base(&c, &pc, ctx, err)) <= 0) {
		creds_free(&c);
		return rc < 0 ? -1
		              : shim_err_set(err, SHIM_EX_NOPERM, "profile %s: no credentials",
		                             pc.profile);
	}
	if (profile_assume(&c, &pc, durations, ctx, err) < 0)
		return -1;
	c.source = pc.n_roles ? "profile (assumed role)" : "profile";
	*out = c;
	return 1;
}

const struct creds_provider creds_chain[] = {
        {"environment", env_provider},        {"web identity", web_identity_provider},
        {"profile", profile_provider},        {"container", container_provider},
        {"instance metadata", imds_provider}, {NULL, NULL},
};

const struct creds_provider creds_chain_profile[] = {
        {"profile", profile_provider},
        {NULL, NULL},
};

int creds_chain_load(struct aws_creds *out, const struct creds_provider *chain,
                     struct creds_ctx *ctx, struct shim_err *err)
{
	struct aws_creds c = {0};
	struct buf tried = BUF_INIT;
	int rc = 0;

	for (const struct creds_provider *p = chain ? chain : creds_chain; p->load; p++) {
		ctx->why[0] = '\0';
		rc = p->load(&c, ctx, err);
		if (rc != 0)
			break;
		buf_printf(&tried, "%s%s: %s", tried.len ? "; " : "", p->name,
		           ctx->why[0] ? ctx->why : "not configured");
	}
	if (rc > 0)
		*out = c;
	else if (rc == 0)
		shim_err_set(err, SHIM_EX_NOPERM, "no AWS credentials found: %s", buf_cstr(&tried));
	buf_free(&tried);
	return rc > 0 ? 0 : -1;
}

/* n decimal digits at s; stops at the NUL, so it never reads past the string. */
static int digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long long days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

/* The zone after the seconds (and fraction): seconds east of UTC, or -1 when malformed. */
static int zone_offset(const char *p, long long *off)
{
	int oh, om;

	if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
		*off = 0;
		return 0;
	}
	if ((p[0] != '+' && p[0] != '-') || !digits(p + 1, 2, &oh) || p[3] != ':' ||
	    !digits(p + 4, 2, &om) || p[6] != '\0' || oh > 23 || om > 59)
		return -1;
	*off = (p[0] == '-' ? -1 : 1) * (oh * 3600LL + om * 60LL);
	return 0;
}

long long creds_parse_time(const char *s)
{
	int y, mo, d, h, mi, se;
	const char *p;
	long long off, t;

	if (!s || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
		return -1;
	p = s + 19;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (zone_offset(p, &off) < 0 || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
		return -1;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600LL + mi * 60LL + se - off;
	return t < 0 ? -1 : t;
}
