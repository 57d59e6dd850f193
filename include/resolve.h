/* Resolution: plan the fetches of a mapping, choose the default region once, run a backend
 * (AWS or the offline store), and turn the results into variable values (JSON keys, binary
 * secrets) and imports. */
#ifndef SHIM_RESOLVE_H
#define SHIM_RESOLVE_H

#include "mapping.h"
#include "plan.h"

/* Resolve every reference of m and run its imports through backend. The default region is
 * cfg->region, else AWS_REGION, else AWS_DEFAULT_REGION of envp (a bad one: -1 with 64 and a
 * line naming it, for every backend), else the backend's own fallback. Returns 0 when every
 * variable and import resolved; the worst exit status (> 0) when some did not, each failing
 * variable or import then carrying its own failure; -1 with err for a whole-run failure. */
int resolve_mapping(struct mapping *m, const struct backend_cfg *cfg, char **envp,
                    backend_fn backend, struct backend_stats *st, struct shim_err *err);

#endif
