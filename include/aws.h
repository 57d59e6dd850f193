/* The AWS backend (DESIGN.md 5): credentials, then every fetch of the plan as Secrets Manager
 * and SSM calls sent in concurrent waves (BatchGetSecretValue by 20, GetParameters by 10,
 * GetSecretValue for versions and stages, GetParametersByPath pages). */
#ifndef SHIM_AWS_H
#define SHIM_AWS_H

#include "plan.h"

/* A backend_fn: fills every fetch of p. Fetches still without a region get ECS task
 * metadata's region; none at all is a usage error (64). -1 with err for a failure of the
 * whole run: no credentials (77), no region (64), a bad configuration (65/64). */
int aws_fetch_plan(struct plan *p, const struct backend_cfg *cfg, char **envp,
                   struct backend_stats *st, struct shim_err *err);

#endif
