/* The fetch plan of DESIGN.md 5.1: every reference of the mapping reduced to the distinct
 * things to fetch (the 7 keys of one secret are one fetch), which a backend (AWS or the
 * offline store) fills with values or failures. */
#ifndef SHIM_PLAN_H
#define SHIM_PLAN_H

#include <stddef.h>

enum fetch_kind { FETCH_SECRET = 1, FETCH_PARAM, FETCH_PATH };

struct path_item {
	char *name;  /* full parameter name */
	char *value; /* wiped on free */
};

struct fetch {
	enum fetch_kind kind;
	/* what: borrowed from the mapping's refs (or its import args), valid for the plan */
	const char *partition; /* NULL: the default partition of the region */
	const char *region;    /* NULL until the default region is applied */
	const char *account;
	const char *id;   /* SecretId, parameter name or ARN (no selector), or the path */
	const char *name; /* human name */
	const char *stage, *version_id; /* secrets */
	const char *selector;           /* parameters */
	/* result */
	int done;
	int status;              /* 0 or an exit status */
	char error[400];         /* "ResourceNotFoundException: ..." when status != 0; no value */
	char *value;             /* secret string or parameter value; wiped on free */
	size_t value_len;        /* a binary secret may hold a NUL: the resolver refuses it */
	struct path_item *items; /* FETCH_PATH */
	size_t n_items;
};

struct plan {
	struct fetch *f;
	size_t n, cap;
	char *default_region; /* owned: where references without a region are fetched */
};

struct ref;

/* The fetch for a reference, added once (deduplicated); NULL on OOM. */
struct fetch *plan_add_ref(struct plan *p, const struct ref *r);
struct fetch *plan_add_path(struct plan *p, const char *path);
void plan_free(struct plan *p);

/* Record a failure, or a value (copied; len bytes), on a fetch. */
void fetch_fail(struct fetch *f, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int fetch_set_value(struct fetch *f, const char *value, size_t len);
int fetch_add_item(struct fetch *f, const char *name, const char *value);

/* "secret NAME (REGION)" for messages. */
void fetch_describe(const struct fetch *f, char *out, size_t size);

#endif
