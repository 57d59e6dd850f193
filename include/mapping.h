/* The mapping of DESIGN.md section 4: from the inherited environment, env files, the task
 * definition's container (its entryPoint's shim options included) and the imports, the ordered
 * list of variables the resolver must supply, each with its source and (for references) what
 * to fetch. An empty value counts as unset everywhere. */
#ifndef SHIM_MAPPING_H
#define SHIM_MAPPING_H

#include "err.h"
#include "opts.h"
#include "valuefrom.h"

enum var_source {
	VAR_ENV = 1,        /* an ARN in the inherited environment, resolved in place */
	VAR_ENV_FILE,       /* --env-file */
	VAR_TASKDEF_ENV,    /* the container's `environment` */
	VAR_TASKDEF_SECRET, /* the container's `secrets` */
	VAR_IMPORT,         /* --ssm-path, --secret-json */
};

struct var {
	char *name;
	char *value; /* literal, or once resolved; NULL before; wiped on free */
	int has_ref; /* the value comes from ref */
	struct ref ref;
	enum var_source source;
	char *origin;         /* where it was mapped: "task definition container web", "x.env:3" */
	struct shim_err fail; /* status 0, or its failure: one line, no value */
	/* --check only: a source that wins sets the variable ("the environment", "an env file",
	 * ...; static), so it is not exec'd, but its reference is resolved all the same and its
	 * failure counts: an inherited value never hides a missing secret. NULL otherwise. */
	const char *kept_by;
	/* Failure reports: variables with the same nonzero fail_group failed for one cause (one
	 * fetch, or one call for several fetches), which fail.msg + fail_text states without
	 * the variable's name. 0: a failure of its own. */
	unsigned fail_group;
	size_t fail_text;
};

enum import_kind { IMPORT_SSM_PATH = 1, IMPORT_SECRET_JSON };

struct import {
	enum import_kind kind;
	char *arg;            /* the path, or the secret id as given */
	struct ref ref;       /* --secret-json: the secret; --ssm-path: kind 0 */
	struct shim_err fail; /* status 0, or its failure: one line, no value */
};

/* An entry of a weaker source that did not apply because a stronger one set the name: the
 * "kept" events as data, for --explain. by is VAR_ENV also for a plain inherited value (which
 * has no var). Two entries of one source (two env files, two imports) are no override. */
struct override {
	char *name;
	enum var_source source, by;
};

struct mapping {
	struct var *vars;
	size_t n, cap;
	struct override *overrides; /* in the order the entries were kept out */
	size_t n_overrides, cap_overrides;
	struct import *imports;
	size_t n_imports;
	char **command;  /* from the task definition when no COMMAND was given; owned */
	char *container; /* the container used, or NULL without a task definition */
	/* When the command comes from the task definition and its entryPoint starts with the
	 * shim, the shim's own options there (they apply, as on ECS): their --env-file,
	 * --ssm-path and --secret-json are mapped before the command line's; the caller applies
	 * entry_opts.region when the command line has none. entry_argv owns the words. */
	int has_entry_opts;
	struct shim_opts entry_opts;
	char **entry_argv;
};

/* Build the mapping. Structural problems (a task definition that does not parse, no such
 * container, shim options in its entryPoint the shim would refuse, an env file that does not
 * parse) fail with status 65 and *out untouched. A reference that does not parse fails only
 * its variable (status 65 in the var), so --check can list every problem. Values that start
 * like an ARN (ref_is_arn) are references in every source. With o->check, a reference whose
 * variable a stronger source sets is mapped too, with kept_by set. Empty values are skipped
 * (they never hide a lower source), with one warning per source naming the variables. */
int mapping_build(struct mapping *out, const struct shim_opts *o, char **envp,
                  struct shim_err *err);
void mapping_free(struct mapping *m);

/* The variable that supplies name (kept ones are not), or NULL. */
struct var *mapping_find(const struct mapping *m, const char *name);
/* Record the variable's failure; its value, if any, is wiped and dropped. */
void mapping_var_fail(struct var *v, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Source 5 (DESIGN.md 4.1): an imported variable, added unless the inherited environment (a
 * non-empty value) or sources 1 to 4 set it (then kept, with a debug line); between two
 * imports the later one wins, with a warning naming the variable and both origins. A name
 * env_name_importable refuses (loader, proxy, AWS credential and endpoint variables) is
 * skipped with a warning naming it, unless sources 1 to 4 set it. Copies name, value,
 * origin; a kept one is recorded in m->overrides; -1 only on OOM. */
int mapping_import(struct mapping *m, char **envp, const char *name, const char *value,
                   const char *origin);

/* DESIGN 4.1's name of a source: "environment", "env file", "task definition environment",
 * "secrets", "import". Static. */
const char *mapping_source_name(enum var_source s);

/* "secret NAME[:KEY] (REGION)" / "parameter NAME (REGION)": how logs and --check name a
 * source; region may be NULL. Writes into out. */
void mapping_describe_ref(char *out, size_t size, const struct ref *r, const char *region);

#endif
