/* Resolution: plan the fetches of a mapping, run them against AWS or the offline store,
 * and turn the results into variable values (JSON keys, binary secrets, imports). */
#ifndef SHIM_RESOLVE_H
#define SHIM_RESOLVE_H

#include "mapping.h"
#include "opts.h"
#include "plan.h"

struct resolve_stats {
	int api_calls; /* requests sent to AWS, retries not counted */
	int waves;     /* concurrent rounds of requests, credentials excluded */
	long long elapsed_ms;
};

/* A backend fills every fetch of the plan (value or failure). It returns -1 with err only
 * for a failure that concerns the whole run (no credentials, no region, bad store file). */
typedef int (*resolve_backend_fn)(struct plan *p, const struct shim_opts *o, char **envp,
                                  struct resolve_stats *st, struct shim_err *err);

/* Resolve every reference of m and run its imports. Returns 0 when every variable and
 * import resolved; the worst exit status (> 0) when some did not, each failing variable
 * or import then carrying its own message; -1 with err for a whole-run failure. */
int resolve_mapping(struct mapping *m, const struct shim_opts *o, char **envp,
                    resolve_backend_fn backend, struct resolve_stats *st, struct shim_err *err);

/* The two backends. */
int aws_fetch_plan(struct plan *p, const struct shim_opts *o, char **envp, struct resolve_stats *st,
                   struct shim_err *err);
int store_fetch_plan(struct plan *p, const struct shim_opts *o, char **envp,
                     struct resolve_stats *st, struct shim_err *err);

#endif
