/* The offline backend of DESIGN.md 5.6: `--store FILE` answers the plan's fetches from a JSON
 * document in the product's own store format (README, "The offline store"). */
#ifndef SHIM_STORE_H
#define SHIM_STORE_H

#include "plan.h"

/* A backend_fn: loads cfg->store and fills every fetch of p with what AWS would answer for
 * the same document: the same error code and exit status, in a message that starts "store
 * FILE: " (a typo is not taken for an AWS answer). Fetches still without a region get the
 * store's own region. -1 with err when the file cannot be read (65/66) or does not parse (65). */
int store_fetch_plan(struct plan *p, const struct backend_cfg *cfg, char **envp,
                     struct backend_stats *st, struct shim_err *err);

#endif
