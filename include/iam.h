/* --iam-policy (DESIGN.md 1, 2): the least-privilege IAM policy document a plan needs, and
 * the resource ARN of each fetch. Derived from the plan alone (what is fetched, how it
 * batches), never from the mapping; no AWS call. */
#ifndef SHIM_IAM_H
#define SHIM_IAM_H

#include <stddef.h>

#include "err.h"
#include "opts.h"
#include "plan.h"

/* What the user fills in: a bare name's account, a customer managed key. */
#define IAM_ACCOUNT_PLACEHOLDER "ACCOUNT_ID"
#define IAM_KEY_PLACEHOLDER     "KEY_ID"
#define IAM_PH_ACCOUNT          0x1u /* some ARN holds ACCOUNT_ID */
#define IAM_PH_KEY              0x2u /* the kms:Decrypt statement holds key/KEY_ID */

/* The ARN a fetch needs a permission on, into out (size bytes). Secrets: the ARN as given
 * when it ends with Secrets Manager's random -XXXXXX suffix, else with "-??????" for it (a
 * partial ARN, a bare name); never the :KEY:STAGE:ID tail. Parameters: the ARN as given, or
 * built from a bare name ("/a/b" and "a" -> parameter/a/b, parameter/a) in the fetch's region
 * (the plan's default) and partition. Paths (--ssm-path): the path's ARN, and with wildcard
 * set the ARN of everything under it (the path, "/" and "*"). A bare name's account is ACCOUNT_ID.
 * Returns the IAM_PH_* flags it used (0 or IAM_PH_ACCOUNT), or -1 with err: 64 when the fetch has
 * no region, 70 when the ARN does not fit. */
int iam_fetch_arn(char *out, size_t size, const struct fetch *f, int wildcard,
                  struct shim_err *err);

/* The policy document ("Version": "2012-10-17") for plan p, as indented JSON text ending in a
 * newline. IAM_TASK (the shim fetches): secretsmanager:GetSecretValue on every secret,
 * secretsmanager:BatchGetSecretValue on "*" when the plan batches (plan_batches_secrets; it
 * grants nothing without GetSecretValue, which its Sid says), ssm:GetParameters on the
 * parameters, ssm:GetParametersByPath on the paths. IAM_EXECUTION (ECS injects): the same
 * without the batch call. Both add kms:Decrypt on a placeholder key in each region and account
 * fetched from (SecureString parameters and secrets under a customer managed key: which ones
 * is not known without AWS). No statement and no resource twice. 0 with *out (caller frees;
 * NULL when the plan fetches nothing) and *placeholders (IAM_PH_*), or -1 with err as
 * iam_fetch_arn's. */
int iam_policy(char **out, unsigned *placeholders, const struct plan *p, enum iam_role role,
               struct shim_err *err);

#endif
