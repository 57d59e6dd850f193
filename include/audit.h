/* --audit FILE: the keys of an env file (a .env.example) against the variables of a mapping,
 * with no AWS call and no value kept: which keys nothing fills, which mapped keys the file
 * lacks. Imports (--ssm-path, --secret-json) cannot be enumerated without AWS: a key only they
 * could fill is AUDIT_IMPORT, neither filled nor missing. */
#ifndef SHIM_AUDIT_H
#define SHIM_AUDIT_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "mapping.h"

enum audit_status {
	AUDIT_OK = 1,   /* in the file, and the mapping fills it */
	AUDIT_MISSING,  /* in the file, and nothing fills it (exit 78) */
	AUDIT_IMPORT,   /* in the file, and only an import might fill it (a warning) */
	AUDIT_UNLISTED, /* the mapping fills it, and the file lacks it (a warning) */
};

struct audit_row {
	char *name;
	enum audit_status status;
	enum var_source source; /* who fills it; 0 for AUDIT_MISSING and AUDIT_IMPORT */
	int line;               /* its line in the file; 0 for AUDIT_UNLISTED */
};

struct audit {
	struct audit_row *rows; /* the file's keys in file order (once each), then the unlisted */
	size_t n, cap;
	size_t n_missing, n_import, n_unlisted;
};

/* Read and parse path (shim/dotenv.c's syntax; values are wiped unread) and compare its keys
 * with m's variables (kept ones excluded). 0 with *out filled (audit_free), or -1 with err:
 * 65 naming the file (unreadable, not an env file), 70 on OOM; *out untouched then. */
int audit_run(struct audit *out, const char *path, const struct mapping *m, struct shim_err *err);
void audit_free(struct audit *a);

/* The report of the README: a NAME, STATUS, SOURCE table, a line per row; STATUS is ok,
 * missing, import? or unlisted, SOURCE a mapping_source_name or "-". Appended to out. */
void audit_format(struct buf *out, const struct audit *a);
/* "ok", "missing", "import?", "unlisted". Static. */
const char *audit_status_word(enum audit_status s);

#endif
