/* The audit of an env file's keys against a mapping: set arithmetic on names, and its table.
 * The file's values are parsed (the syntax needs it) and wiped, never looked at. */
#include "audit.h"

#include "array.h"
#include "dotenv.h"
#include "file.h"
#include "wipe.h"

#include <stdlib.h>
#include <string.h>

#define MAX_AUDIT_FILE (4u << 20)

static int has_row(const struct audit *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->rows[i].name, name) == 0)
			return 1;
	return 0;
}

static int add_row(struct audit *a, const char *name, enum audit_status status,
                   enum var_source source, int line)
{
	struct audit_row *r;

	if (ARRAY_GROW(a->rows, a->cap, a->n + 1) < 0)
		return -1;
	r = &a->rows[a->n];
	if (!(r->name = strdup(name)))
		return -1;
	r->status = status;
	r->source = source;
	r->line = line;
	a->n++;
	a->n_missing += status == AUDIT_MISSING;
	a->n_import += status == AUDIT_IMPORT;
	a->n_unlisted += status == AUDIT_UNLISTED;
	return 0;
}

/* The file's keys, then the mapped names it lacks. */
static int compare(struct audit *a, const struct dotenv *d, const struct mapping *m)
{
	for (size_t i = 0; i < d->n; i++) {
		const char *name = d->v[i].name;
		const struct var *v = mapping_find(m, name);
		enum audit_status st = v ? AUDIT_OK : m->n_imports ? AUDIT_IMPORT : AUDIT_MISSING;
		if (!has_row(a, name) && add_row(a, name, st, v ? v->source : 0, d->v[i].line) < 0)
			return -1;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct var *v = &m->vars[i];
		if (!v->kept_by && !has_row(a, v->name) &&
		    add_row(a, v->name, AUDIT_UNLISTED, v->source, 0) < 0)
			return -1;
	}
	return 0;
}

int audit_run(struct audit *out, const char *path, const struct mapping *m, struct shim_err *err)
{
	struct audit a = {0};
	struct dotenv d = {0};
	char *data = NULL;
	size_t len = 0;
	int rc = -1;

	if (file_read(&data, &len, path, MAX_AUDIT_FILE, "file", err) < 0)
		return -1;
	if (dotenv_parse(&d, data, len, path, err) < 0)
		goto out;
	if (compare(&a, &d, m) < 0) {
		shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		goto out;
	}
	*out = a;
	memset(&a, 0, sizeof(a));
	rc = 0;
out:
	audit_free(&a);
	dotenv_free(&d);
	wipe_free(data, len);
	return rc;
}

void audit_free(struct audit *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->rows[i].name);
	free(a->rows);
	memset(a, 0, sizeof(*a));
}

const char *audit_status_word(enum audit_status s)
{
	switch (s) {
	case AUDIT_OK:
		return "ok";
	case AUDIT_MISSING:
		return "missing";
	case AUDIT_IMPORT:
		return "import?";
	default:
		return "unlisted";
	}
}

void audit_format(struct buf *out, const struct audit *a)
{
	int width = 4;

	for (size_t i = 0; i < a->n; i++)
		if ((int)strlen(a->rows[i].name) > width)
			width = (int)strlen(a->rows[i].name);
	buf_printf(out, "%-*s  %-8s  %s\n", width, "NAME", "STATUS", "SOURCE");
	for (size_t i = 0; i < a->n; i++)
		buf_printf(out, "%-*s  %-8s  %s\n", width, a->rows[i].name,
		           audit_status_word(a->rows[i].status),
		           a->rows[i].source ? mapping_source_name(a->rows[i].source) : "-");
}
