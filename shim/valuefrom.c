/* ECS `valueFrom` references (DESIGN 4.2): ARNs of Secrets Manager secrets and SSM parameters,
 * and bare names in task definitions. Pure string work: no I/O, no allocation but the result. */
#include "sanitize.h"
#include "valuefrom.h"

#include "region.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_MAX_LEN   4096 /* beyond any valid reference; keeps work and messages bounded */
#define REF_ID_MAX    2048 /* SecretId and parameter Names limit of both APIs */
#define REF_LABEL_MAX 100  /* SSM label limit */
#define QUOTE_MAX     160  /* bytes of a reference or field shown in an error message */

struct span {
	const char *p;
	size_t n;
};

/* `reference "REF": ` + printf-style detail; returns -1. */
static int __attribute__((format(printf, 3, 4)))
ref_fail(struct shim_err *err, const char *ref, const char *fmt, ...)
{
	char q[QUOTE_MAX + 16], detail[QUOTE_MAX + 160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return shim_err_set(err, SHIM_EX_DATA, "reference \"%s\": %s",
	                    sanitize_quote(q, sizeof(q), ref, strlen(ref), QUOTE_MAX), detail);
}

/* `reference "REF": WHAT "FIELD" WHY` */
static int ref_fail_field(struct shim_err *err, const char *ref, const char *what, struct span f,
                          const char *why)
{
	char q[QUOTE_MAX + 16];

	return ref_fail(err, ref, "%s \"%s\" %s", what,
	                sanitize_quote(q, sizeof(q), f.p, f.n, QUOTE_MAX), why);
}

static int span_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int is_alnum(char c)
{
	return is_digit(c) || is_lower(c) || (c >= 'A' && c <= 'Z');
}

/* Split s on ':' into at most max spans; returns the number of fields (which may exceed max). */
static size_t split_colons(struct span *f, size_t max, const char *s, size_t n)
{
	size_t count = 0, start = 0, i;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ':')
			continue;
		if (count < max)
			f[count] = (struct span){s + start, i - start};
		count++;
		start = i + 1;
	}
	return count;
}

/* r points into the NUL-terminated reference, so the prefix compare stays inside it. */
static int region_in_partition(struct span r, struct span part)
{
	return span_is(part, region_partition(r.p));
}

static int check_partition(struct span f, const char *s, struct shim_err *err)
{
	if (region_partition_in_arns(f.p, f.n))
		return 0;
	return ref_fail_field(err, s, "partition", f, "is not aws, aws-cn or aws-us-gov");
}

/* The environment-independent checks of the ARN header: partition, region, account. */
static int check_arn_head(const struct span *f, const char *s, struct shim_err *err)
{
	size_t i;

	if (check_partition(f[1], s, err) < 0)
		return -1;
	if (!f[3].n)
		return ref_fail(err, s, "the ARN has no region");
	if (!region_valid(f[3].p, f[3].n))
		return ref_fail_field(err, s, "region", f[3], "does not look like a region");
	if (!region_in_partition(f[3], f[1]))
		return ref_fail_field(err, s, "region", f[3], "is not in that partition");
	if (f[4].n != 12)
		return ref_fail_field(err, s, "account", f[4], "is not 12 digits");
	for (i = 0; i < 12; i++)
		if (!is_digit(f[4].p[i]))
			return ref_fail_field(err, s, "account", f[4], "is not 12 digits");
	return 0;
}

/* Secret and parameter names: printable ASCII without spaces (AWS allows a subset of that). */
static int name_chars_valid(struct span n)
{
	size_t i;

	for (i = 0; i < n.n; i++)
		if (n.p[i] <= ' ' || n.p[i] >= 0x7f)
			return 0;
	return 1;
}

static int check_secret_name(struct span n, const char *s, struct shim_err *err)
{
	if (!n.n)
		return ref_fail(err, s, "the secret name is empty");
	if (!name_chars_valid(n))
		return ref_fail_field(err, s, "secret name", n,
		                      "has a space or a non-ASCII character");
	return 0;
}

/* A parameter name: '/'-led (a hierarchy) or not (ECS's bare names: every one is a parameter);
 * no empty segment, no trailing '/'. */
static int check_param_path(struct span p, const char *s, struct shim_err *err)
{
	size_t i;

	if (!p.n || (p.p[0] == '/' && p.n < 2))
		return ref_fail(err, s, "the parameter name is empty");
	if (!name_chars_valid(p))
		return ref_fail_field(err, s, "parameter name", p,
		                      "has a space or a non-ASCII character");
	for (i = 1; i < p.n; i++)
		if (p.p[i] == '/' && (p.p[i - 1] == '/' || i + 1 == p.n))
			return ref_fail_field(err, s, "parameter name", p,
			                      "has an empty path segment");
	return 0;
}

static int check_selector(struct span sel, const char *s, struct shim_err *err)
{
	size_t i, digits = 0;

	if (!sel.n)
		return ref_fail(err, s, "the selector after ':' is empty");
	for (i = 0; i < sel.n; i++) {
		if (is_digit(sel.p[i]))
			digits++;
		else if (!is_alnum(sel.p[i]) && !strchr("_.-", sel.p[i]))
			break;
	}
	if (digits == sel.n)
		return 0;
	if (i == sel.n && !is_digit(sel.p[0]) && sel.n <= REF_LABEL_MAX)
		return 0;
	return ref_fail_field(err, s, "selector", sel, "is not a version number or a label");
}

static int dup_span(char **dst, struct span f, int null_if_empty)
{
	if (null_if_empty && !f.n) {
		*dst = NULL;
		return 0;
	}
	*dst = strndup(f.p, f.n);
	return *dst ? 0 : -1;
}

static int check_id_len(size_t n, const char *s, struct shim_err *err)
{
	if (n > REF_ID_MAX)
		return ref_fail(err, s, "the id is longer than %d characters", REF_ID_MAX);
	return 0;
}

/* tail: NAME or NAME:JSON_KEY:VERSION_STAGE:VERSION_ID; the id is s up to the end of NAME. */
static int parse_secret_tail(struct ref *r, const char *s, struct span tail, int is_arn,
                             struct shim_err *err)
{
	struct span f[4];
	size_t n = split_colons(f, 4, tail.p, tail.n);
	size_t id_len;

	if (n != 1 && n != 4)
		return ref_fail(err, s,
		                "%zu ':'-separated fields %s (ECS takes 1 or 4: "
		                "NAME[:JSON_KEY:VERSION_STAGE:VERSION_ID])",
		                n, is_arn ? "after \"secret:\"" : "in the secret name");
	if (check_secret_name(f[0], s, err) < 0)
		return -1;
	id_len = (size_t)(f[0].p - s) + f[0].n;
	if (check_id_len(id_len, s, err) < 0)
		return -1;
	r->kind = REF_SECRET;
	if (dup_span(&r->id, (struct span){s, id_len}, 0) < 0 || dup_span(&r->name, f[0], 0) < 0)
		goto oom;
	if (n == 4 &&
	    (dup_span(&r->json_key, f[1], 1) < 0 || dup_span(&r->version_stage, f[2], 1) < 0 ||
	     dup_span(&r->version_id, f[3], 1) < 0))
		goto oom;
	return 0;
oom:
	return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
}

/* path: a parameter name (from an ARN: '/'-led), possibly with a :SELECTOR; name_from_arn
 * applies the rule of valuefrom.h. */
static int parse_param_path(struct ref *r, const char *s, struct span path, int name_from_arn,
                            struct shim_err *err)
{
	struct span f[2], name;
	size_t n = split_colons(f, 2, path.p, path.n);

	if (n > 2 && !name_from_arn)
		return ref_fail(err, s,
		                "a bare name is an SSM parameter, as in ECS, and a parameter name "
		                "takes one ':' at most (a Secrets Manager secret needs its ARN)");
	if (n > 2)
		return ref_fail(err, s, "more than one ':' after the parameter name");
	if (check_param_path(f[0], s, err) < 0)
		return -1;
	if (n == 2 && check_selector(f[1], s, err) < 0)
		return -1;
	if (check_id_len((size_t)(f[0].p - s) + f[0].n, s, err) < 0)
		return -1;
	name = f[0];
	if (name_from_arn && !memchr(name.p + 1, '/', name.n - 1))
		name = (struct span){name.p + 1, name.n - 1};
	r->kind = REF_PARAM;
	if (dup_span(&r->id, (struct span){s, (size_t)(f[0].p - s) + f[0].n}, 0) < 0 ||
	    dup_span(&r->name, name, 0) < 0 || (n == 2 && dup_span(&r->selector, f[1], 0) < 0))
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 0;
}

/* f[0..4] = arn, partition, service, region, account; rest = the resource. */
static int parse_arn(struct ref *r, const char *s, struct shim_err *err)
{
	struct span f[6];
	size_t len = strlen(s);

	if (split_colons(f, 6, s, len) < 6) /* the resource may contain ':' itself */
		return ref_fail(err, s,
		                "not of the form arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE");
	f[5].n = len - (size_t)(f[5].p - s);
	if (!span_is(f[2], "secretsmanager") && !span_is(f[2], "ssm"))
		return ref_fail_field(err, s, "service", f[2], "is not secretsmanager or ssm");
	if (check_arn_head(f, s, err) < 0)
		return -1;
	if (dup_span(&r->partition, f[1], 0) < 0 || dup_span(&r->region, f[3], 0) < 0 ||
	    dup_span(&r->account, f[4], 0) < 0)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	if (span_is(f[2], "secretsmanager")) {
		if (f[5].n < 7 || memcmp(f[5].p, "secret:", 7) != 0)
			return ref_fail(err, s, "the resource is not secret:NAME");
		return parse_secret_tail(r, s, (struct span){f[5].p + 7, f[5].n - 7}, 1, err);
	}
	if (f[5].n < 10 || memcmp(f[5].p, "parameter/", 10) != 0)
		return ref_fail(err, s, "the resource is not parameter/NAME");
	return parse_param_path(r, s, (struct span){f[5].p + 9, f[5].n - 9}, 1, err);
}

static int check_text(const char *s, size_t len, struct shim_err *err)
{
	size_t i;

	if (!len)
		return shim_err_set(err, SHIM_EX_DATA, "reference \"\": empty");
	if (len > REF_MAX_LEN)
		return ref_fail(err, s, "longer than %d bytes", REF_MAX_LEN);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return ref_fail(err, s, "contains a control character");
	if (s[0] == ' ' || s[len - 1] == ' ')
		return ref_fail(err, s, "has leading or trailing whitespace");
	return 0;
}

int ref_parse(struct ref *out, const char *s, unsigned flags, struct shim_err *err)
{
	struct ref r = {0};
	size_t len;
	int rc;

	if (!s)
		return shim_err_set(err, SHIM_EX_DATA, "reference: missing");
	len = strlen(s);
	if (check_text(s, len, err) < 0)
		return -1;
	if (strncmp(s, "arn:", 4) == 0)
		rc = parse_arn(&r, s, err);
	else if (!(flags & (REF_ALLOW_NAME | REF_SECRET_NAME)))
		rc = ref_fail(err, s,
		              "not an ARN of a Secrets Manager secret or an SSM parameter "
		              "(arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME or "
		              "arn:aws:ssm:REGION:ACCOUNT:parameter/NAME)");
	else if (flags & REF_SECRET_NAME)
		rc = parse_secret_tail(&r, s, (struct span){s, len}, 0, err);
	else
		rc = parse_param_path(&r, s, (struct span){s, len}, 0, err);
	if (rc < 0) {
		ref_free(&r);
		return -1;
	}
	*out = r;
	return 0;
}

void ref_free(struct ref *r)
{
	if (!r)
		return;
	free(r->partition);
	free(r->region);
	free(r->account);
	free(r->id);
	free(r->name);
	free(r->json_key);
	free(r->version_stage);
	free(r->version_id);
	free(r->selector);
	memset(r, 0, sizeof(*r));
}

int ref_is_arn(const char *s)
{
	const char *p, *svc;

	if (!s || strncmp(s, "arn:", 4) != 0)
		return 0;
	p = s + 4;
	if (!(svc = strchr(p, ':')) || !region_partition_in_arns(p, (size_t)(svc - p)))
		return 0;
	svc++;
	return strncmp(svc, "secretsmanager:", 15) == 0 || strncmp(svc, "ssm:", 4) == 0;
}

int ref_env_has_arn(char **envp)
{
	for (; envp && *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		if (eq && ref_is_arn(eq + 1))
			return 1;
	}
	return 0;
}

size_t ref_secret_base_len(const char *name, size_t n)
{
	static const char alnum[] =
	        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t i;

	if (n < 8 || name[n - 7] != '-')
		return 0;
	for (i = n - 6; i < n && name[i] && strchr(alnum, name[i]); i++)
		;
	return i == n ? n - 7 : 0;
}
