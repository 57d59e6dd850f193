/* The rows of --explain from the mapping's variables and its record of overrides
 * (m->overrides), and their two formats. */
#include "explain.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
	const char *name;
	enum var_source source;
	const struct var *var; /* NULL: a plain inherited value */
	unsigned overrode;     /* 1u << each source kept out */
	char reference[700];   /* "" when not fetched */
};

static unsigned overrode(const struct mapping *m, const char *name, enum var_source winner)
{
	unsigned mask = 0;

	for (size_t i = 0; i < m->n_overrides; i++)
		if (m->overrides[i].source != winner && strcmp(m->overrides[i].name, name) == 0)
			mask |= 1u << m->overrides[i].source;
	return mask;
}

static void row_reference(struct row *r)
{
	r->reference[0] = '\0';
	if (r->var && r->var->has_ref)
		mapping_describe_ref(r->reference, sizeof(r->reference), &r->var->ref, NULL);
	else if (r->var && r->source == VAR_IMPORT)
		snprintf(r->reference, sizeof(r->reference), "%s", r->var->origin);
}

/* Every variable once: the mapping's, then the names the environment's plain values won. */
static struct row *rows_of(const struct mapping *m, size_t *n)
{
	struct row *rows = calloc(m->n + m->n_overrides + 1, sizeof(*rows));

	*n = 0;
	for (size_t i = 0; rows && i < m->n; i++)
		if (!m->vars[i].kept_by)
			rows[(*n)++] = (struct row){.name = m->vars[i].name,
			                            .source = m->vars[i].source,
			                            .var = &m->vars[i]};
	for (size_t i = 0; rows && i < m->n_overrides; i++) {
		const char *name = m->overrides[i].name;
		size_t j = 0;
		while (j < *n && strcmp(rows[j].name, name) != 0)
			j++;
		if (j == *n)
			rows[(*n)++] = (struct row){.name = name, .source = VAR_ENV};
	}
	for (size_t i = 0; rows && i < *n; i++) {
		rows[i].overrode = overrode(m, rows[i].name, rows[i].source);
		row_reference(&rows[i]);
	}
	return rows;
}

/* "env file, secrets" or "-". */
static void overrode_text(char *out, size_t size, unsigned mask)
{
	size_t len = 0;

	snprintf(out, size, "-");
	for (int s = VAR_ENV; s <= VAR_IMPORT; s++)
		if (mask & (1u << s)) {
			snprintf(out + len, size - len, "%s%s", len ? ", " : "",
			         mapping_source_name((enum var_source)s));
			len = strlen(out);
		}
}

static void format_text(struct buf *out, const struct row *rows, size_t n)
{
	int wn = 4, ws = 6, wo = 8;
	char o[200];

	for (size_t i = 0; i < n; i++) {
		overrode_text(o, sizeof(o), rows[i].overrode);
		wn = (int)strlen(rows[i].name) > wn ? (int)strlen(rows[i].name) : wn;
		ws = (int)strlen(mapping_source_name(rows[i].source)) > ws
		             ? (int)strlen(mapping_source_name(rows[i].source))
		             : ws;
		wo = (int)strlen(o) > wo ? (int)strlen(o) : wo;
	}
	buf_printf(out, "%-*s  %-*s  %-*s  %s\n", wn, "NAME", ws, "SOURCE", wo, "OVERRODE",
	           "REFERENCE");
	for (size_t i = 0; i < n; i++) {
		overrode_text(o, sizeof(o), rows[i].overrode);
		buf_printf(out, "%-*s  %-*s  %-*s  %s\n", wn, rows[i].name, ws,
		           mapping_source_name(rows[i].source), wo, o,
		           rows[i].reference[0] ? rows[i].reference : "-");
	}
}

static json_t *row_json(const struct row *r)
{
	json_t *o = json_object(), *list = json_array();
	int bad = !o || !list;

	bad |= json_object_set_new(o, "name", json_string(r->name));
	bad |= json_object_set_new(o, "source", json_string(mapping_source_name(r->source)));
	if (r->reference[0])
		bad |= json_object_set_new(o, "reference", json_string(r->reference));
	for (int s = VAR_ENV; s <= VAR_IMPORT; s++)
		if (r->overrode & (1u << s))
			bad |= json_array_append_new(
			        list, json_string(mapping_source_name((enum var_source)s)));
	bad |= json_object_set(o, "overridden", list);
	json_decref(list);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int dump_to_buf(const char *text, size_t len, void *data)
{
	buf_put(data, text, len);
	return 0;
}

static int format_json(struct buf *out, const struct row *rows, size_t n)
{
	json_t *arr = json_array(), *o;
	int rc = arr ? 0 : -1;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = (o = row_json(&rows[i])) ? json_array_append_new(arr, o) : -1;
	if (rc == 0)
		rc = json_dump_callback(arr, dump_to_buf, out,
		                        JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	buf_putc(out, '\n');
	json_decref(arr);
	return rc;
}

int explain_format(struct buf *out, const struct mapping *m, enum explain_format f)
{
	size_t n;
	struct row *rows = rows_of(m, &n);
	int rc = 0;

	if (!rows)
		return -1;
	if (f == EXPLAIN_JSON)
		rc = format_json(out, rows, n);
	else
		format_text(out, rows, n);
	free(rows);
	return rc < 0 || buf_oom(out) ? -1 : 0;
}
