/* The IAM policy a plan needs: one resource ARN per fetch (the ARN grammar of each service),
 * grouped into one statement per action, in a document IAM accepts. */
#include "iam.h"

#include "buf.h"
#include "region.h"
#include "valuefrom.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARN_MAX 2400

static const char *partition_of(const struct fetch *f)
{
	return f->partition ? f->partition : region_partition(f->region);
}

/* A parameter's or a path's ARN from its name; a name without a leading '/' gets one. */
static int param_arn(char *out, size_t size, const struct fetch *f, const char *name, size_t len,
                     const char *tail)
{
	return snprintf(out, size, "arn:%s:ssm:%s:%s:parameter%s%.*s%s", partition_of(f), f->region,
	                f->account ? f->account : IAM_ACCOUNT_PLACEHOLDER,
	                name[0] == '/' ? "" : "/", (int)len, name, tail);
}

static int secret_arn(char *out, size_t size, const struct fetch *f)
{
	int full = ref_secret_base_len(f->name, strlen(f->name)) > 0;

	if (!strncmp(f->id, "arn:", 4))
		return snprintf(out, size, "%s%s", f->id, full ? "" : "-??????");
	return snprintf(out, size, "arn:%s:secretsmanager:%s:%s:secret:%s-??????", partition_of(f),
	                f->region, IAM_ACCOUNT_PLACEHOLDER, f->id);
}

int iam_fetch_arn(char *out, size_t size, const struct fetch *f, int wildcard, struct shim_err *err)
{
	char arn[ARN_MAX];
	size_t len = strlen(f->id);
	int n;

	if (!f->region)
		return shim_err_set(err, SHIM_EX_USAGE,
		                    "%s %s carries no region: give --region or set AWS_REGION",
		                    f->kind == FETCH_SECRET  ? "secret"
		                    : f->kind == FETCH_PARAM ? "parameter"
		                                             : "path",
		                    f->name);
	if (f->kind == FETCH_SECRET)
		n = secret_arn(arn, sizeof(arn), f);
	else if (f->kind == FETCH_PARAM && !strncmp(f->id, "arn:", 4))
		n = snprintf(arn, sizeof(arn), "%s", f->id);
	else if (f->kind == FETCH_PARAM)
		n = param_arn(arn, sizeof(arn), f, f->id, len, "");
	else {
		while (len > 1 && f->id[len - 1] == '/')
			len--; /* "/a/b/" is the path /a/b; "/" stays */
		n = param_arn(arn, sizeof(arn), f, f->id, len == 1 ? 0 : len,
		              wildcard   ? "/*"
		              : len == 1 ? "/"
		                         : "");
	}
	if (n < 0 || (size_t)n >= sizeof(arn) || (size_t)n >= size)
		return shim_err_set(err, SHIM_EX_INTERNAL, "%s: ARN too long", f->name);
	memcpy(out, arn, (size_t)n + 1);
	return !f->account && strncmp(f->id, "arn:", 4) != 0 ? (int)IAM_PH_ACCOUNT : 0;
}

/* Append s to the array unless it is there already. */
static int add_unique(json_t *arr, const char *s)
{
	size_t i;
	json_t *x;

	json_array_foreach(arr, i, x)
	{
		if (strcmp(json_string_value(x), s) == 0)
			return 0;
	}
	return json_array_append_new(arr, json_string(s));
}

/* One statement per action; the resources of each, in plan order. */
struct statements {
	json_t *secrets, *params, *paths, *keys;
	unsigned placeholders;
};

static int add_fetch(struct statements *st, const struct fetch *f, struct shim_err *err)
{
	char arn[ARN_MAX];
	int ph;

	for (int wildcard = 0; wildcard < 1 + (f->kind == FETCH_PATH); wildcard++) {
		if ((ph = iam_fetch_arn(arn, sizeof(arn), f, wildcard, err)) < 0)
			return -1;
		st->placeholders |= (unsigned)ph;
		if (add_unique(f->kind == FETCH_SECRET  ? st->secrets
		               : f->kind == FETCH_PARAM ? st->params
		                                        : st->paths,
		               arn) < 0)
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	}
	snprintf(arn, sizeof(arn), "arn:%s:kms:%s:%s:key/%s", partition_of(f), f->region,
	         f->account ? f->account : IAM_ACCOUNT_PLACEHOLDER, IAM_KEY_PLACEHOLDER);
	st->placeholders |= IAM_PH_KEY | (f->account ? 0 : IAM_PH_ACCOUNT);
	if (add_unique(st->keys, arn) < 0)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 0;
}

/* {"Sid", "Effect": "Allow", "Action", "Resource"} when resources is not empty. */
static int add_statement(json_t *list, const char *sid, const char *action, json_t *resources)
{
	json_t *s;

	if (json_is_array(resources) && json_array_size(resources) == 0)
		return 0;
	s = json_pack("{s:s, s:s, s:s, s:O}", "Sid", sid, "Effect", "Allow", "Action", action,
	              "Resource", resources);
	return json_array_append_new(list, s);
}

static json_t *document(const struct statements *st, int batch)
{
	json_t *list = json_array(), *star = json_string("*"), *doc = NULL;

	if (list && star &&
	    add_statement(list, "ReadSecrets", "secretsmanager:GetSecretValue", st->secrets) == 0 &&
	    (!batch || add_statement(list, "BatchGetSecretValueGrantsNothingWithoutGetSecretValue",
	                             "secretsmanager:BatchGetSecretValue", star) == 0) &&
	    add_statement(list, "ReadParameters", "ssm:GetParameters", st->params) == 0 &&
	    add_statement(list, "ReadParametersByPath", "ssm:GetParametersByPath", st->paths) ==
	            0 &&
	    add_statement(list, "DecryptWithCustomerManagedKey", "kms:Decrypt", st->keys) == 0)
		doc = json_pack("{s:s, s:O}", "Version", "2012-10-17", "Statement", list);
	json_decref(list);
	json_decref(star);
	return doc;
}

static int dump_to_buf(const char *text, size_t len, void *data)
{
	buf_put(data, text, len);
	return 0;
}

int iam_policy(char **out, unsigned *placeholders, const struct plan *p, enum iam_role role,
               struct shim_err *err)
{
	struct statements st = {json_array(), json_array(), json_array(), json_array(), 0};
	struct buf text = BUF_INIT;
	json_t *doc = NULL;
	int rc = -1;

	if (!st.secrets || !st.params || !st.paths || !st.keys) {
		shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < p->n; i++)
		if (add_fetch(&st, &p->f[i], err) < 0)
			goto out;
	if (p->n) {
		doc = document(&st, role == IAM_TASK && plan_batches_secrets(p));
		if (doc && json_dump_callback(doc, dump_to_buf, &text,
		                              JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0)
			buf_putc(&text, '\n');
		if (!doc || !text.len || buf_oom(&text)) {
			shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
			goto out;
		}
	}
	*out = p->n ? buf_detach(&text) : NULL;
	*placeholders = st.placeholders;
	rc = 0;
out:
	buf_free(&text);
	json_decref(doc);
	json_decref(st.secrets);
	json_decref(st.params);
	json_decref(st.paths);
	json_decref(st.keys);
	return rc;
}
