/* Environment look-ups and the exec environment: overlay, deduplicate, flatten, in one pass. */
#include "env.h"

#include "wipe.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *env_lookup(char **envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

const char *env_value(char **envp, const char *name)
{
	const char *v = env_lookup(envp, name);

	return v && *v ? v : NULL;
}

static int is_alpha_(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

int env_name_valid(const char *name)
{
	if (!name || !is_alpha_(*name))
		return 0;
	for (const char *p = name + 1; *p; p++)
		if (!is_alpha_(*p) && !(*p >= '0' && *p <= '9'))
			return 0;
	return 1;
}

int env_name_importable(const char *name)
{
	static const char *const exact[] = {"SSLKEYLOGFILE",
	                                    "AWS_ACCESS_KEY_ID",
	                                    "AWS_SECRET_ACCESS_KEY",
	                                    "AWS_SESSION_TOKEN",
	                                    "AWS_SECURITY_TOKEN",
	                                    "AWS_CREDENTIAL_EXPIRATION",
	                                    "AWS_CA_BUNDLE",
	                                    "AWS_PROFILE",
	                                    "AWS_DEFAULT_PROFILE",
	                                    "AWS_CONFIG_FILE",
	                                    "AWS_SHARED_CREDENTIALS_FILE",
	                                    "AWS_WEB_IDENTITY_TOKEN_FILE",
	                                    "AWS_ROLE_ARN",
	                                    "AWS_ROLE_SESSION_NAME",
	                                    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	                                    "AWS_USE_FIPS_ENDPOINT",
	                                    "AWS_USE_DUALSTACK_ENDPOINT",
	                                    "AWS_STS_REGIONAL_ENDPOINTS",
	                                    "AWS_SDK_LOAD_CONFIG"};
	static const char *const prefix[] = {"LD_", "AWS_ENDPOINT_URL", "AWS_CONTAINER_",
	                                     "AWS_EC2_METADATA_"};
	static const char *const proxy[] = {"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"};

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(name, exact[i]) == 0)
			return 0;
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (strncmp(name, prefix[i], strlen(prefix[i])) == 0)
			return 0;
	for (size_t i = 0; i < sizeof(proxy) / sizeof(proxy[0]); i++)
		if (strcasecmp(name, proxy[i]) == 0) /* libcurl and others read either case */
			return 0;
	return 1;
}

/* The index of the last variable of vars named entry[0..len), or n. */
static size_t var_index(const struct env_var *vars, size_t n, const char *entry, size_t len)
{
	for (size_t j = n; j-- > 0;)
		if (strncmp(vars[j].name, entry, len) == 0 && vars[j].name[len] == '\0')
			return j;
	return n;
}

/* "NAME=VALUE" in one exact allocation: asprintf's scratch buffers would be freed unwiped. */
static char *format(const struct env_var *v)
{
	size_t n = strlen(v->name), len = strlen(v->value);
	char *s = malloc(n + len + 2);

	if (!s)
		return NULL;
	memcpy(s, v->name, n);
	s[n] = '=';
	memcpy(s + n + 1, v->value, len + 1);
	return s;
}

/* Whether the variable at j is the one that wins its name (no later one repeats it). */
static int var_wins(const struct env_var *vars, size_t n, size_t j)
{
	return var_index(vars, n, vars[j].name, strlen(vars[j].name)) == j;
}

int env_build(char ***out, char **envp, const struct env_var *vars, size_t n)
{
	size_t n_env = 0, k = 0;
	char **env, *placed = calloc(n + 1, 1);

	while (envp && envp[n_env])
		n_env++;
	env = calloc(n_env + n + 1, sizeof(*env));
	if (!env || !placed)
		goto fail;
	for (size_t i = 0; i < n_env; i++) {
		const char *eq = strchr(envp[i], '=');
		size_t j = eq ? var_index(vars, n, envp[i], (size_t)(eq - envp[i])) : n;
		if (j < n && placed[j])
			continue; /* a repeated name: its first place holds the value */
		if (!(env[k++] = j < n ? format(&vars[j]) : strdup(envp[i])))
			goto fail;
		if (j < n)
			placed[j] = 1;
	}
	for (size_t j = 0; j < n; j++)
		if (!placed[j] && var_wins(vars, n, j) && !(env[k++] = format(&vars[j])))
			goto fail;
	free(placed);
	*out = env;
	return 0;
fail:
	free(placed);
	env_free(env);
	return -1;
}

void env_free(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		wipe_free_str(env[i]);
	free(env);
}
