/* Deduplicated fetches and the only functions that write their results. */
#include "plan.h"

#include "array.h"
#include "buf.h"
#include "valuefrom.h"
#include "wipe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static struct fetch *plan_new(struct plan *p)
{
	if (ARRAY_GROW(p->f, p->cap, p->n + 1) < 0)
		return NULL;
	memset(&p->f[p->n], 0, sizeof(p->f[0]));
	return &p->f[p->n++];
}

struct fetch *plan_add_ref(struct plan *p, const struct ref *r)
{
	enum fetch_kind kind = r->kind == REF_SECRET ? FETCH_SECRET : FETCH_PARAM;
	struct fetch *f;

	for (size_t i = 0; i < p->n; i++) {
		f = &p->f[i];
		if (f->kind == kind && strcmp(f->id, r->id) == 0 && same(f->region, r->region) &&
		    same(f->stage, r->version_stage) && same(f->version_id, r->version_id) &&
		    same(f->selector, r->selector))
			return f;
	}
	if (!(f = plan_new(p)))
		return NULL;
	f->kind = kind;
	f->partition = r->partition;
	f->region = r->region;
	f->account = r->account;
	f->id = r->id;
	f->name = r->name;
	f->stage = r->version_stage;
	f->version_id = r->version_id;
	f->selector = r->selector;
	return f;
}

struct fetch *plan_add_path(struct plan *p, const char *path)
{
	struct fetch *f;

	for (size_t i = 0; i < p->n; i++)
		if (p->f[i].kind == FETCH_PATH && strcmp(p->f[i].id, path) == 0)
			return &p->f[i];
	if (!(f = plan_new(p)))
		return NULL;
	f->kind = FETCH_PATH;
	f->id = f->name = path;
	return f;
}

int plan_fetch_batchable(const struct fetch *f)
{
	return (f->kind == FETCH_SECRET && !f->stage && !f->version_id) || f->kind == FETCH_PARAM;
}

int plan_same_call(const struct fetch *a, const struct fetch *b)
{
	return a->kind == b->kind && plan_fetch_batchable(a) && plan_fetch_batchable(b) &&
	       same(a->region, b->region) && same(a->account, b->account) &&
	       same(a->partition, b->partition);
}

int plan_batches_secrets(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		for (size_t j = i + 1; p->f[i].kind == FETCH_SECRET && j < p->n; j++)
			if (plan_same_call(&p->f[i], &p->f[j]))
				return 1;
	return 0;
}

int plan_needs_region(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (!p->f[i].region)
			return 1;
	return 0;
}

int plan_set_default_region(struct plan *p, const char *region)
{
	char *r = strdup(region);

	if (!r)
		return -1;
	free(p->default_region);
	p->default_region = r;
	for (size_t i = 0; i < p->n; i++)
		if (!p->f[i].region)
			p->f[i].region = r;
	return 0;
}

static void fetch_drop_values(struct fetch *f)
{
	wipe_free(f->value, f->value_len);
	f->value = NULL;
	f->value_len = 0;
	for (size_t i = 0; i < f->n_items; i++) {
		free(f->items[i].name);
		wipe_free_str(f->items[i].value);
	}
	free(f->items);
	f->items = NULL;
	f->n_items = f->cap_items = 0;
}

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		fetch_drop_values(&p->f[i]);
	free(p->f);
	free(p->default_region);
	memset(p, 0, sizeof(*p));
}

void plan_fetch_fail(struct fetch *f, int status, const char *fmt, ...)
{
	va_list ap;

	fetch_drop_values(f);
	va_start(ap, fmt);
	vsnprintf(f->fail.msg, sizeof(f->fail.msg), fmt, ap);
	va_end(ap);
	f->fail.status = status;
	f->fail_call = 0;
	f->done = 1;
}

void plan_fail_call(struct plan *p, const size_t *idx, size_t n, int status, const char *msg)
{
	unsigned call = ++p->n_failed_calls;

	for (size_t i = 0; i < n; i++) {
		plan_fetch_fail(&p->f[idx[i]], status, "%s", msg);
		p->f[idx[i]].fail_call = call;
	}
}

int plan_fetch_value(struct fetch *f, const char *value, size_t len)
{
	char *v = malloc(len + 1);

	if (!v)
		return -1;
	memcpy(v, value, len);
	v[len] = '\0';
	fetch_drop_values(f);
	f->value = v;
	f->value_len = len;
	f->fail = (struct shim_err){0};
	f->fail_call = 0;
	f->done = 1;
	return 0;
}

int plan_fetch_item(struct fetch *f, const char *name, const char *value)
{
	struct path_item it = {strdup(name), strdup(value)};

	if (!it.name || !it.value || ARRAY_GROW(f->items, f->cap_items, f->n_items + 1) < 0) {
		free(it.name);
		wipe_free_str(it.value);
		return -1;
	}
	f->items[f->n_items++] = it;
	return 0;
}

void plan_fetch_done(struct fetch *f)
{
	f->done = 1;
}

void plan_fetch_describe(const struct fetch *f, char *out, size_t size)
{
	static const char *const kinds[] = {"", "secret", "parameter", "path"};
	const char *region = f->region ? f->region : "no region";

	if (f->kind == FETCH_SECRET && (f->stage || f->version_id))
		snprintf(out, size, "secret %s version %s (%s)", f->name,
		         f->version_id ? f->version_id : f->stage, region);
	else if (f->kind == FETCH_PARAM && f->selector)
		snprintf(out, size, "parameter %s:%s (%s)", f->name, f->selector, region);
	else
		snprintf(out, size, "%s %s (%s)", kinds[f->kind], f->name, region);
}
