/* The reference grammar of ECS's `valueFrom` (DESIGN 4.2): Secrets Manager and SSM ARNs and,
 * in a task definition, bare names, parsed into what the API calls take. Pure string work,
 * libc only: the supervisor links it too, so both executables recognize references alike. */
#ifndef SHIM_VALUEFROM_H
#define SHIM_VALUEFROM_H

#include <stddef.h>

#include "err.h"

enum ref_kind { REF_SECRET = 1, REF_PARAM = 2 };

/* ref_parse flags; without either only full ARNs parse (the environment, env files and a task
 * definition's `environment`, DESIGN 4.1).
 * REF_ALLOW_NAME: a bare name is an SSM parameter, with or without a leading '/', as ECS reads
 * a task definition's `secrets` (DESIGN 4.2): a Secrets Manager secret needs its ARN there.
 * REF_SECRET_NAME: a bare name is a Secrets Manager secret (--secret-json takes a secret id). */
#define REF_ALLOW_NAME  0x1u
#define REF_SECRET_NAME 0x2u

/* Every string is malloc'd and owned by the struct; ref_free frees them.
 *
 * SSM names in ARNs: AWS writes the ARN of `/a/b` as `...:parameter/a/b` and the ARN of `x` as
 * `...:parameter/x`, so `parameter/x` is ambiguous between `x` and `/x`. Rule: when the part
 * after `parameter/` contains another '/', it is a hierarchy and the name is `/` + that part
 * (`parameter/a/b` -> `/a/b`); otherwise the name is that part alone (`parameter/x` -> `x`).
 * `name` is only for humans (logs, --check, offline store look-ups); `id` keeps the full ARN,
 * so the API call is exact either way. */
struct ref {
	enum ref_kind kind;
	char *partition; /* "aws", "aws-cn", "aws-us-gov"; NULL for a bare name */
	char *region;    /* from the ARN; NULL for a bare name */
	char *account;   /* from the ARN; 12 digits; NULL for a bare name */
	char *id;        /* what the API takes. Secrets: the ARN without the :KEY:STAGE:ID tail, or
	                  * the bare name. Parameters: the ARN or the name, without the selector. */
	char *name;      /* secret: the NAME-SUFFIX part as written (or the bare name); parameter:
	                  * its name, by the rule above */
	char *json_key;  /* secrets: NULL when empty or absent */
	char *version_stage; /* secrets: NULL when empty or absent */
	char *version_id;    /* secrets: NULL when empty or absent */
	char *selector;      /* parameters: "3" or "mylabel" (no ':'); NULL when absent */
};

/* Parse reference s. Grammar:
 *   arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME[:JSON_KEY:VERSION_STAGE:VERSION_ID]
 *   arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME[:SELECTOR]
 *   with REF_ALLOW_NAME also  PARAM_NAME[:SELECTOR]  (`/a/b`, `plain-name`, even `a/b`)
 *   with REF_SECRET_NAME also  SECRET_NAME[:JSON_KEY:STAGE:ID]
 * PARTITION is aws, aws-cn or aws-us-gov and REGION must belong to it; ACCOUNT is 12 digits.
 * After `secret:` (or in a bare secret name) there are exactly 1 or 4 ':'-separated fields;
 * the last three may be empty. SELECTOR is a version (digits) or a label ([A-Za-z0-9_.-], not
 * starting with a digit, at most 100). Secret and parameter names are printable ASCII without
 * spaces; parameter names have no empty '/' segments. Control characters, leading or trailing
 * whitespace and references over 4096 bytes (or ids over 2048) are refused.
 * Returns 0 and fills *out (which the caller ref_free()s), or -1 with err = SHIM_EX_DATA and a
 * message naming the reference and what is wrong; *out is untouched on failure. */
int ref_parse(struct ref *out, const char *s, unsigned flags, struct shim_err *err);

/* Free the strings of r and zero it; safe on a zeroed struct and on NULL. */
void ref_free(struct ref *r);

/* What is a reference wherever a value may be one (DESIGN 4.2): true when s starts
 * `arn:PARTITION:secretsmanager:` or `arn:PARTITION:ssm:` with PARTITION aws, aws-cn or
 * aws-us-gov. Nothing else is checked here, so a mistyped reference (`...:secrets:x`,
 * `...:parameter:x`) fails loudly in ref_parse (65) instead of reaching the application as a
 * literal; other ARNs (an S3 bucket, another partition) are plain values. */
int ref_is_arn(const char *s);

/* Secrets Manager's ARNs end the name with '-' and 6 random letters or digits: the length of
 * name[0..n) without that suffix, or 0 when it has none ("app-secrets-Xy9Ab1" -> 11). */
size_t ref_secret_base_len(const char *name, size_t n);

/* Whether some value of envp ("NAME=value" strings) is such an ARN: the supervisor then runs
 * the resolver even without a mapping option. */
int ref_env_has_arn(char **envp);

#endif
