/* The fetch plan of DESIGN.md 5.1: every reference of the mapping reduced to the distinct
 * things to fetch (the 7 keys of one secret are one fetch), and the contract of a backend (AWS
 * or the offline store), which fills each fetch with a value or a failure through the plan's
 * functions below and touches nothing else. */
#ifndef SHIM_PLAN_H
#define SHIM_PLAN_H

#include <stddef.h>

#include "err.h"

enum fetch_kind { FETCH_SECRET = 1, FETCH_PARAM, FETCH_PATH };

struct path_item {
	char *name;  /* full parameter name */
	char *value; /* wiped on free */
};

struct fetch {
	enum fetch_kind kind;
	/* what: borrowed from the mapping's refs (or its import args), valid for the plan */
	const char *partition; /* NULL: the default partition of the region */
	const char *region;    /* NULL until plan_set_default_region */
	const char *account;
	const char *id;   /* SecretId, parameter name or ARN (no selector), or the path */
	const char *name; /* human name */
	const char *stage, *version_id; /* secrets */
	const char *selector;           /* parameters */
	/* result: written only through plan_fetch_* */
	int done;
	struct shim_err fail;    /* status 0, or the failure ("Code: message"); never a value */
	unsigned fail_call;      /* nonzero: a whole call's failure (plan_fail_call), the same
	                          * for every fetch with this number; 0: this fetch's own */
	char *value;             /* secret string or parameter value; wiped on free */
	size_t value_len;        /* a binary secret may hold a NUL: the resolver refuses it */
	struct path_item *items; /* FETCH_PATH */
	size_t n_items, cap_items;
};

struct plan {
	struct fetch *f;
	size_t n, cap;
	char *default_region; /* owned: where references without a region are fetched */
	unsigned n_failed_calls;
};

struct ref;
struct profile_set;

/* The fetch for a reference, added once (deduplicated); NULL on OOM. */
struct fetch *plan_add_ref(struct plan *p, const struct ref *r);
struct fetch *plan_add_path(struct plan *p, const char *path);
void plan_free(struct plan *p);

/* How fetches batch (DESIGN 5.1), for the AWS backend and --iam-policy alike: a secret without
 * a stage or version goes in BatchGetSecretValue, a parameter in GetParameters, with others
 * of the same kind, region, account and partition; a batch of one secret is a plain
 * GetSecretValue (it needs only the permission ECS's own fetch needs). */
int plan_fetch_batchable(const struct fetch *f);
int plan_same_call(const struct fetch *a, const struct fetch *b);
/* Whether the plan sends BatchGetSecretValue: two batchable secrets share a call. */
int plan_batches_secrets(const struct plan *p);

/* Whether some fetch carries no region of its own. */
int plan_needs_region(const struct plan *p);
/* Give every fetch without a region this one (copied into p->default_region). -1 on OOM. */
int plan_set_default_region(struct plan *p, const char *region);

/* The results. A failure drops any value; a value (len bytes, copied) drops any failure;
 * path items accumulate (name and value copied) until plan_fetch_done. -1 only on OOM. */
void plan_fetch_fail(struct fetch *f, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int plan_fetch_value(struct fetch *f, const char *value, size_t len);
/* One call failed as a whole (transport, an error answer): every fetch p->f[idx[0..n)] gets the
 * same failure (msg copied) and one fail_call number, so reports name the call once. */
void plan_fail_call(struct plan *p, const size_t *idx, size_t n, int status, const char *msg);
int plan_fetch_item(struct fetch *f, const char *name, const char *value);
void plan_fetch_done(struct fetch *f);

/* "secret NAME (REGION)" for messages. */
void plan_fetch_describe(const struct fetch *f, char *out, size_t size);

/* What a backend is told: the parts of the command line that concern fetching. */
struct backend_cfg {
	const char *region;  /* --region, or NULL: resolution applies it (with the environment's) */
	const char *store;   /* --store FILE: the offline backend's document */
	const char *profile; /* --profile NAME, or NULL */
	long timeout_ms;     /* --timeout: all of it, retries included; 0 = none */
	/* The shared config and credentials files (profile_load), or NULL when none were read:
	 * the profile's region, endpoints and credentials. */
	const struct profile_set *profiles;
};

/* What a backend reports. */
struct backend_stats {
	int api_calls; /* requests sent to AWS, retries not counted */
	int waves;     /* concurrent rounds of requests, credentials excluded */
	long long elapsed_ms;
};

/* A backend fills every fetch of the plan (value or failure); fetches without a region get
 * p->default_region, which resolution set from --region/AWS_REGION/AWS_DEFAULT_REGION, or,
 * when that is NULL, the backend's own fallback (ECS task metadata; the store's region).
 * It returns -1 with err only for a failure of the whole run (no credentials, no region, a
 * bad store file). */
typedef int (*backend_fn)(struct plan *p, const struct backend_cfg *cfg, char **envp,
                          struct backend_stats *st, struct shim_err *err);

#endif
