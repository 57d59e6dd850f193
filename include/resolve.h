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

/* The plan of m without running a backend (--iam-policy): the distinct fetches of the
 * variables whose source is in sources (a mask of 1u << enum var_source; imports count as
 * VAR_IMPORT; kept variables, mapped by --check semantics, included), with the default region
 * of resolve_mapping when one is configured (else those fetches keep region NULL). The fetches
 * borrow from m. 0 with *out the caller's to plan_free; -1 with err (64: a bad region). */
int resolve_plan(struct plan *out, const struct mapping *m, unsigned sources,
                 const struct backend_cfg *cfg, char **envp, struct shim_err *err);

#endif
