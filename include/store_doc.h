/* The offline store's document in memory (README, "The offline store"): what store_load.c
 * reads and checks, and store.c looks references up in. Internal to the offline backend. */
#ifndef SHIM_STORE_DOC_H
#define SHIM_STORE_DOC_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

/* One version of a secret, named by its key in "versions": a key of 32 to 64 characters is
 * its version id, any other key a staging label it carries. */
struct store_version {
	const char *id;       /* borrowed from the document; NULL: none can be asked for */
	const char *label;    /* borrowed (or static "AWSCURRENT"); NULL when the key is an id */
	const json_t *stages; /* more staging labels: a borrowed array of strings, or NULL */
	char *value;          /* SecretString, or the decoded SecretBinary; wiped on free */
	size_t len;
};

struct store_secret {
	char *region, *account, *name;
	char suffix[7]; /* the -XXXXXX of a secret keyed by its full ARN; "" when keyed by name */
	const char *error; /* borrowed: the configured error code, or NULL */
	struct store_version *v;
	size_t n_v;
};

struct store_pversion {
	long long number;
	char *value; /* wiped on free */
	size_t len;
	const json_t *labels; /* borrowed array of strings, or NULL */
};

struct store_param {
	char *region, *account, *name;
	long long current; /* the version a reference without a selector gets */
	struct store_pversion *v;
	size_t n_v;
};

struct store_doc {
	json_t *doc; /* owned: the parsed file, which the borrowed strings live in */
	const char *region, *account; /* the store's defaults: borrowed from doc, or static */
	struct store_secret *secrets;
	size_t n_secrets, cap_secrets;
	struct store_param *params;
	size_t n_params, cap_params;
};

/* Read and check the store at path into *d (zeroed first). 0, or -1 with err: 65 when the file
 * is unreadable, not JSON or not a store (the message names the file and the entry, never a
 * value), 70 on OOM. On failure *d holds nothing to free. */
int store_doc_load(struct store_doc *d, const char *path, struct shim_err *err);
/* Wipe every value and free everything; safe on a zeroed struct. */
void store_doc_free(struct store_doc *d);

/* Whether version v carries staging label stage (its key's label or one of its "stages"). */
int store_version_has_stage(const struct store_version *v, const char *stage);

#endif
