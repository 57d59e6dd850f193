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
