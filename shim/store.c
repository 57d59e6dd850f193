/* The offline backend of DESIGN 5.6: `--store FILE` answers the plan's fetches from a JSON
 * document in exactly the format, and with the look-up rules, of the test AWS emulator
 * (tests/fake_aws/store.py and its README), so one file serves both. */
#include "store.h"

#include "awserr.h"
#include "buf.h"
#include "env.h"
#include "file.h"
#include "mapping.h"
#include "wipe.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_MAX_BYTES       (16u << 20)
#define STORE_DEFAULT_REGION  "us-east-1"
#define STORE_DEFAULT_ACCOUNT "123456789012"
#define SM_NOT_FOUND          "Secrets Manager can't find the specified secret."

struct sversion {
	const char *id;       /* the key of "versions" (borrowed), or id_buf */
	char id_buf[37];      /* a derived version id (a UUID, as the emulator derives it) */
	const char *label;    /* the staging label of its key: borrowed or static; or NULL */
	const json_t *stages; /* more labels: a borrowed JSON array of strings, or NULL */
	char *value;          /* SecretString or the decoded SecretBinary; wiped */
	size_t len;
};

struct ssecret {
	char *region, *account, *name, *arn;
	const char *error; /* borrowed: the configured error code, or NULL */
	struct sversion *v;
	size_t n_v;
};

struct pversion {
	long long number;
	char *value; /* wiped */
	size_t len;
	const json_t *labels; /* borrowed JSON array of strings, or NULL */
};

struct sparam {
	char *region, *account, *name;
	long long current;
	struct pversion *v;
	size_t n_v;
};

struct store {
	const char *path;
	json_t *doc;
	const char *region, *account; /* the store's defaults: borrowed from doc, or static */
	struct ssecret *secrets;
	size_t n_secrets, cap_secrets;
	struct sparam *params;
	size_t n_params, cap_params;
	struct shim_err *err;
};

/* A part of a string. */
struct span {
	const char *p;
	size_t n;
};

struct arn {
	struct span partition, region, account, rest;
};

static int store_bad(struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int store_bad(struct store *s, const char *fmt, ...)
{
	char what[480];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return shim_err_set(s->err, SHIM_EX_DATA, "store %s: %s", s->path, what);
}

static int store_oom(struct store *s)
{
	return shim_err_set(s->err, SHIM_EX_INTERNAL, "store %s: out of memory", s->path);
}

static int span_eq(struct span a, const char *s)
{
	return strlen(s) == a.n && memcmp(a.p, s, a.n) == 0;
}

static size_t span_while(const char *s, const char *set)
{
	return strspn(s, set);
}

/* ^arn:(aws[a-z-]*):SERVICE:([a-z0-9-]+):(\d{12}):RES(.+)$, as the emulator's regexes. */
static int arn_split(struct arn *a, const char *s, const char *service, const char *res)
{
	const char *p = s;
	size_t n;

	if (strncmp(p, "arn:aws", 7) != 0)
		return 0;
	p += 4;
	n = 3 + span_while(p + 3, "abcdefghijklmnopqrstuvwxyz-");
	a->partition = (struct span){p, n};
	p += n;
	if (*p++ != ':' || strncmp(p, service, strlen(service)) != 0)
		return 0;
	p += strlen(service);
	if (*p++ != ':' || !(n = span_while(p, "abcdefghijklmnopqrstuvwxyz0123456789-")))
		return 0;
	a->region = (struct span){p, n};
	p += n;
	if (*p++ != ':' || span_while(p, "0123456789") != 12 || p[12] != ':')
		return 0;
	a->account = (struct span){p, 12};
	p += 13;
	if (strncmp(p, res, strlen(res)) != 0)
		return 0;
	p += strlen(res);
	a->rest = (struct span){p, strlen(p)};
	return a->rest.n > 0 && !memchr(p, '\n', a->rest.n);
}

static const char *partition_of(const char *region)
{
	if (strncmp(region, "cn-", 3) == 0)
		return "aws-cn";
	if (strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	return "aws";
}

static int digest(unsigned char *md, const char *data, size_t len, const EVP_MD *type)
{
	unsigned int n = 0;

	return EVP_Digest(data, len, md, &n, type, NULL) == 1 ? 0 : -1;
}

/* The emulator's -XXXXXX suffix of a name's ARN: base 62 digits of sha256(name)[:8]. */
static int suffix_for(char out[7], const char *name)
{
	static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char md[EVP_MAX_MD_SIZE];
	uint64_t n = 0;

	if (digest(md, name, strlen(name), EVP_sha256()) < 0)
		return -1;
	for (int i = 0; i < 8; i++)
		n = n << 8 | md[i];
	for (int i = 0; i < 6; i++, n /= 62)
		out[i] = b62[n % 62];
	out[6] = '\0';
	return 0;
}

/* The emulator's derived version id: the UUID spelling of md5("ARN/KEY"). */
static int version_id_for(char out[37], const char *arn, const char *key)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	struct buf b = BUF_INIT;
	int rc = -1;

	buf_printf(&b, "%s/%s", arn, key);
	if (!buf_oom(&b) && digest(md, b.ptr, b.len, EVP_md5()) == 0) {
		for (int i = 0, o = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10)
				out[o++] = '-';
			o += snprintf(out + o, 3, "%02x", md[i]);
		}
		rc = 0;
	}
	buf_free(&b);
	return rc;
}

/* Python's len(): code points of valid UTF-8. */
static size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int b64_value(int c)
{
	static const char alpha[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(alpha, c) : NULL;

	return p ? (int)(p - alpha) : -1;
}

/* Python's base64.b64decode(s, validate=True): the alphabet, then at most two '=', with the
 * padding the data needs (a complete last quad may carry some anyway). -1 when invalid. */
static int b64_decode(char **out, size_t *out_len, const char *s, size_t n)
{
	size_t d = 0, pad, o = 0;
	unsigned acc = 0;
	char *r;

	while (d < n && b64_value((unsigned char)s[d]) >= 0)
		d++;
	pad = n - d;
	if (pad > 2 || strspn(s + d, "=") != pad || d % 4 == 1 || (pad && d == 0) ||
	    (d % 4 == 2 && pad != 2) || (d % 4 == 3 && pad != 1))
		return -1;
	if (!(r = malloc(d / 4 * 3 + 3)))
		return -2;
	for (size_t i = 0; i < d; i++) {
		acc = acc << 6 | (unsigned)b64_value((unsigned char)s[i]);
		if (i % 4 == 3)
			for (int k = 2; k >= 0; k--)
				r[o++] = (char)(acc >> (8 * k));
	}
	if (d % 4 == 2)
		r[o++] = (char)(acc >> 4);
	else if (d % 4 == 3) {
		r[o++] = (char)(acc >> 10);
		r[o++] = (char)(acc >> 2);
	}
	acc = 0;
	*out = r;
	*out_len = o;
	return 0;
}

/* ---- Python's json.dumps(v, separators=(",", ":")) ------------------------------------- */

/* ensure_ascii: everything outside ' '..'~' is escaped, in lower-case hex, with surrogate
 * pairs beyond the BMP; jansson's JSON_ENSURE_ASCII writes upper-case hex, hence our own. */
static void py_put_string(struct buf *b, const char *s, size_t n)
{
	static const char *const short_esc[0x20] = {
	        ['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t"};

	buf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp = c;
		size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c < 0x20 && short_esc[c]) {
			buf_puts(b, short_esc[c]);
		} else if (c >= 0x20 && c < 0x7f) {
			buf_putc(b, (char)c);
		} else {
			if (k > 1)
				cp = c & (0x3f >> (k - 1));
			for (size_t j = 1; j < k && i + j < n; j++)
				cp = cp << 6 | ((unsigned char)s[i + j] & 0x3f);
			if (cp >= 0x10000)
				buf_printf(b, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
				           0xdc00 + ((cp - 0x10000) & 0x3ff));
			else
				buf_printf(b, "\\u%04x", cp);
		}
		i += k;
	}
	buf_putc(b, '"');
}

/* repr(float): the shortest digits that read back, fixed notation for a decimal point
 * position in (-4, 16], else d.ddde+XX. */
static void py_put_real(struct buf *b, double x)
{
	char tmp[40], digits[24];
	int prec, exp10, decpt, nd = 0;

	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, x);
		if (strtod(tmp, NULL) == x)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, x);
	for (const char *p = tmp; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	exp10 = atoi(strchr(tmp, 'e') + 1);
	decpt = x == 0 ? 1 : exp10 + 1;
	if (tmp[0] == '-')
		buf_putc(b, '-');
	if (decpt <= -4 || decpt > 16) {
		buf_printf(b, "%c%s%s", digits[0], nd > 1 ? "." : "", digits + 1);
		buf_printf(b, "e%c%02d", decpt - 1 < 0 ? '-' : '+', abs(decpt - 1));
	} else if (decpt <= 0) {
		buf_puts(b, "0.");
		for (int z = decpt; z < 0; z++)
			buf_putc(b, '0');
		buf_puts(b, digits);
	} else if (decpt >= nd) {
		buf_puts(b, digits);
		for (int z = nd; z < decpt; z++)
			buf_putc(b, '0');
		buf_puts(b, ".0");
	} else {
		buf_printf(b, "%.*s.%s", decpt, digits, digits + decpt);
	}
}

static void py_put_json(struct buf *b, const json_t *v)
{
	const char *key;
	const json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		buf_putc(b, '{');
		i = 0;
		json_object_foreach((json_t *)v, key, x)
		{
			if (i++)
				buf_putc(b, ',');
			py_put_string(b, key, strlen(key));
			buf_putc(b, ':');
			py_put_json(b, x);
		}
		buf_putc(b, '}');
		break;
	case JSON_ARRAY:
		buf_putc(b, '[');
		json_array_foreach(v, i, x)
		{
			if (i)
				buf_putc(b, ',');
			py_put_json(b, x);
		}
		buf_putc(b, ']');
		break;
	case JSON_STRING:
		py_put_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		py_put_real(b, json_real_value(v));
		break;
	case JSON_TRUE:
		buf_puts(b, "true");
		break;
	case JSON_FALSE:
		buf_puts(b, "false");
		break;
	case JSON_NULL:
		buf_puts(b, "null");
		break;
	}
}

/* ---- loading: the emulator's Store, entry by entry ------------------------------------- */

static char *dup_n(const char *s, size_t n)
{
	char *r = malloc(n + 1);

	if (r) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

static int is_string_list(const json_t *v)
{
	const json_t *x;
	size_t i;

	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, x)
	{
		if (!json_is_string(x))
			return 0;
	}
	return 1;
}

static int key_in(const char *key, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(key, *set) == 0)
			return 1;
	return 0;
}

static int has_secret_value(const json_t *spec)
{
	return json_object_get(spec, "string") || json_object_get(spec, "json") ||
	       json_object_get(spec, "binary");
}

/* A spec: a non-empty object of spec keys only, with a value, versions or an error. */
static int secret_is_spec(const json_t *v)
{
	static const char *const keys[] = {"string", "json",  "binary",  "versions",
	                                   "stages", "error", "created", NULL};
	const char *key;
	const json_t *x;

	if (!json_is_object(v) || json_object_size(v) == 0)
		return 0;
	json_object_foreach((json_t *)v, key, x)
	{
		if (!key_in(key, keys))
			return 0;
	}
	return has_secret_value(v) || json_object_get(v, "versions") || json_object_get(v, "error");
}

/* One version's value: a string as is; a spec's string, json or binary; any other JSON value
 * as its compact text. */
static int secret_payload(struct store *s, const char *where, const json_t *value,
                          struct sversion *out)
{
	struct buf b = BUF_INIT;
	int as_json = 0; /* a spec's "json" member is written as JSON text, even a string */

	if (secret_is_spec(value)) {
		const json_t *str = json_object_get(value, "string"), *bin;
		bin = json_object_get(value, "binary");
		if (!!str + !!bin + !!json_object_get(value, "json") != 1)
			return store_bad(s, "%s: give exactly one of string, json, binary", where);
		if (bin) {
			int rc = json_is_string(bin) ? b64_decode(&out->value, &out->len,
			                                          json_string_value(bin),
			                                          json_string_length(bin))
			                             : -1;
			if (rc == -2)
				return store_oom(s);
			return rc < 0 ? store_bad(s, "%s: binary is not base64", where) : 0;
		}
		if (str && !json_is_string(str))
			return store_bad(s, "%s: string must be a string", where);
		as_json = !str;
		value = str ? str : json_object_get(value, "json");
	}
	if (json_is_string(value) && !as_json) {
		out->len = json_string_length(value);
		out->value = dup_n(json_string_value(value), out->len);
		return out->value ? 0 : store_oom(s);
	}
	py_put_json(&b, value);
	if (buf_oom(&b)) {
		buf_free(&b);
		return store_oom(s);
	}
	out->len = b.len;
	out->value = buf_detach(&b);
	return 0;
}

static int secret_stages(struct store *s, const char *where, const json_t *spec, struct sversion *v)
{
	const json_t *stages = json_object_get(spec, "stages");

	if (stages && !is_string_list(stages))
		return store_bad(s, "%s: stages must be a list of strings", where);
	v->stages = stages;
	return 0;
}

static int version_has_stage(const struct sversion *v, const char *stage)
{
	const json_t *x;
	size_t i;

	if (v->label && strcmp(v->label, stage) == 0)
		return 1;
	json_array_foreach(v->stages, i, x)
	{
		if (strcmp(json_string_value(x), stage) == 0)
			return 1;
	}
	return 0;
}

/* A secret without "versions": one version, AWSCURRENT (an "error" secret reads as ""). */
static int secret_one_version(struct store *s, const char *where, const json_t *spec,
                              struct ssecret *sec)
{
	struct sversion *v = calloc(1, sizeof(*v));

	if (!v)
		return store_oom(s);
	sec->v = v;
	sec->n_v = 1;
	v->id = v->id_buf;
	v->label = "AWSCURRENT";
	if (version_id_for(v->id_buf, sec->arn, "AWSCURRENT") < 0)
		return store_oom(s);
	if (secret_is_spec(spec)) {
		if (secret_stages(s, where, spec, v) < 0)
			return -1;
		if (!has_secret_value(spec)) {
			v->value = dup_n("", 0);
			return v->value ? 0 : store_oom(s);
		}
	}
	return secret_payload(s, where, spec, v);
}

static int secret_versions(struct store *s, const char *where, const json_t *spec,
                           struct ssecret *sec)
{
	const json_t *versions = json_object_get(spec, "versions"), *value;
	char vwhere[400];
	const char *key;
	size_t current = 0;

	if (!secret_is_spec(spec) || !versions)
		return secret_one_version(s, where, spec, sec);
	if (!json_is_object(versions) || json_object_size(versions) == 0)
		return store_bad(s, "%s: versions must be a non-empty object", where);
	if (!(sec->v = calloc(json_object_size(versions), sizeof(*sec->v))))
		return store_oom(s);
	json_object_foreach((json_t *)versions, key, value)
	{
		struct sversion *v = &sec->v[sec->n_v++];
		size_t n = utf8_len(key);
		snprintf(vwhere, sizeof(vwhere), "%s: version \"%s\"", where, key);
		if (secret_is_spec(value) && secret_stages(s, vwhere, value, v) < 0)
			return -1;
		/* AWS's VersionId is 32 to 64 characters; any other key is a staging label. */
		if (n >= 32 && n <= 64) {
			v->id = key;
		} else {
			v->id = v->id_buf;
			v->label = key;
			if (version_id_for(v->id_buf, sec->arn, key) < 0)
				return store_oom(s);
		}
		if (secret_payload(s, vwhere, value, v) < 0)
			return -1;
		current += version_has_stage(v, "AWSCURRENT");
	}
	if (current != 1)
		return store_bad(s, "%s: exactly one version must carry AWSCURRENT", where);
	return 0;
}

static void secret_clear(struct ssecret *sec)
{
	for (size_t i = 0; i < sec->n_v; i++)
		wipe_free(sec->v[i].value, sec->v[i].len);
	free(sec->v);
	free(sec->region);
	free(sec->account);
	free(sec->name);
	free(sec->arn);
	memset(sec, 0, sizeof(*sec));
}

/* Keys are names (the store's account, this section's region) or full ARNs with the -XXXXXX
 * suffix (their own region and account). */
static int secret_identify(struct store *s, struct ssecret *sec, const char *key,
                           const char *region)
{
	struct arn a;
	char suffix[7];
	struct buf b = BUF_INIT;

	if (arn_split(&a, key, "secretsmanager", "secret:")) {
		size_t n = a.rest.n;
		if (n < 7 || a.rest.p[n - 7] != '-' ||
		    span_while(a.rest.p + n - 6,
		               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
		            6)
			return store_bad(s, "secret \"%s\": an ARN key needs the -XXXXXX suffix",
			                 key);
		sec->region = dup_n(a.region.p, a.region.n);
		sec->account = dup_n(a.account.p, a.account.n);
		sec->name = dup_n(a.rest.p, n - 7);
		sec->arn = strdup(key);
	} else {
		sec->region = strdup(region);
		sec->account = strdup(s->account);
		sec->name = strdup(key);
		if (suffix_for(suffix, key) < 0)
			return store_oom(s);
		buf_printf(&b, "arn:%s:secretsmanager:%s:%s:secret:%s-%s", partition_of(region),
		           region, s->account, key, suffix);
		sec->arn = buf_detach(&b);
	}
	if (!sec->region || !sec->account || !sec->name || !sec->arn)
		return store_oom(s);
	return 0;
}

/* Later entries with the same (region, account, name) replace earlier ones, as in a dict. */
static struct ssecret *store_secret_slot(struct store *s, const struct ssecret *sec)
{
	for (size_t i = 0; i < s->n_secrets; i++) {
		struct ssecret *x = &s->secrets[i];
		if (!strcmp(x->region, sec->region) && !strcmp(x->account, sec->account) &&
		    !strcmp(x->name, sec->name)) {
			secret_clear(x);
			return x;
		}
	}
	if (s->n_secrets == s->cap_secrets) {
		size_t cap = s->cap_secrets ? s->cap_secrets * 2 : 16;
		struct ssecret *n = realloc(s->secrets, cap * sizeof(*n));
		if (!n)
			return NULL;
		s->secrets = n;
		s->cap_secrets = cap;
	}
	return &s->secrets[s->n_secrets++];
}

static int store_add_secret(struct store *s, const char *key, const json_t *spec,
                            const char *region)
{
	struct ssecret sec = {0}, *slot;
	const json_t *error = secret_is_spec(spec) ? json_object_get(spec, "error") : NULL;
	char where[300];

	snprintf(where, sizeof(where), "secret \"%s\"", key);
	if (error && !json_is_null(error) && !json_is_string(error)) {
		store_bad(s, "%s: error must be a string", where);
		goto fail;
	}
	sec.error = json_string_value(error);
	if (secret_identify(s, &sec, key, region) < 0 || secret_versions(s, where, spec, &sec) < 0)
		goto fail;
	if (!(slot = store_secret_slot(s, &sec))) {
		store_oom(s);
		goto fail;
	}
	*slot = sec;
	return 0;
fail:
	secret_clear(&sec);
	return -1;
}

static void param_clear(struct sparam *p)
{
	for (size_t i = 0; i < p->n_v; i++)
		wipe_free(p->v[i].value, p->v[i].len);
	free(p->v);
	free(p->region);
	free(p->account);
	free(p->name);
	memset(p, 0, sizeof(*p));
}

/* "1", "+3", "-2" as Python's int() reads a history key or a "version" string; -1 when it
 * is not a number (or beyond 18 digits). */
static int number_of(long long *out, const char *s)
{
	size_t sign = *s == '-' || *s == '+', digits = strspn(s + sign, "0123456789");

	if (digits == 0 || digits > 18 || s[sign + digits])
		return -1;
	*out = strtoll(s, NULL, 10);
	return 0;
}

/* A version's value: a string, or a list of strings joined with ','. */
static int param_value(struct store *s, const char *where, long long number, const json_t *value,
                       const json_t *labels, struct pversion *out)
{
	struct buf b = BUF_INIT;
	const json_t *x;
	size_t i;

	if (labels && !is_string_list(labels))
		return store_bad(s, "%s: version %lld labels must be a list of strings", where,
		                 number);
	out->number = number;
	out->labels = labels;
	if (json_is_string(value)) {
		out->len = json_string_length(value);
		out->value = dup_n(json_string_value(value), out->len);
		return out->value ? 0 : store_oom(s);
	}
	if (!is_string_list(value))
		return store_bad(s, "%s: version %lld value must be a string", where, number);
	json_array_foreach(value, i, x)
	{
		if (i)
			buf_putc(&b, ',');
		buf_put(&b, json_string_value(x), json_string_length(x));
	}
	buf_putc(&b, '\0');
	if (buf_oom(&b)) {
		buf_free(&b);
		return store_oom(s);
	}
	out->len = b.len - 1;
	out->value = buf_detach(&b);
	return 0;
}

static int param_check_type(struct store *s, const char *where, const json_t *spec)
{
	static const char *const types[] = {"String", "StringList", "SecureString", NULL};
	const json_t *type = json_object_get(spec, "type");

	if (type && !(json_is_string(type) && key_in(json_string_value(type), types)))
		return store_bad(s,
		                 "%s: type must be one of ['SecureString', 'String', "
		                 "'StringList']",
		                 where);
	return 0;
}

/* history: {"N": value or {"value", "labels"}}, each N between 1 and version-1. */
static int param_history(struct store *s, const char *where, const json_t *spec, struct sparam *p)
{
	const json_t *history = json_object_get(spec, "history");
	const json_t *ver = json_object_get(spec, "version"), *v;
	const char *key;
	long long max = 0, n;

	if (history && !json_is_object(history))
		return store_bad(s, "%s: history must be an object", where);
	if (!(p->v = calloc(json_object_size(history) + 1, sizeof(*p->v))))
		return store_oom(s);
	json_object_foreach((json_t *)history, key, v)
	{
		if (number_of(&n, key) < 0)
			return store_bad(s, "%s: history key \"%s\" is not a version number", where,
			                 key);
		max = n > max ? n : max;
	}
	if (ver && !json_is_integer(ver) &&
	    !(json_is_string(ver) && number_of(&p->current, json_string_value(ver)) == 0))
		return store_bad(s, "%s: version must be a number", where);
	p->current = !ver ? max + 1 : json_is_integer(ver) ? json_integer_value(ver) : p->current;
	json_object_foreach((json_t *)history, key, v)
	{
		number_of(&n, key);
		if (n == p->current || n > p->current || n < 1)
			return store_bad(s, "%s: history versions must be between 1 and version-1",
			                 where);
		for (size_t i = 0; i < p->n_v; i++)
			if (p->v[i].number == n) /* "3" and "03"; Python would keep the later */
				return store_bad(s, "%s: history version %lld given twice", where,
				                 n);
		if (param_value(s, where, n, json_is_object(v) ? json_object_get(v, "value") : v,
		                json_is_object(v) ? json_object_get(v, "labels") : NULL,
		                &p->v[p->n_v++]) < 0)
			return -1;
	}
	return 0;
}

/* Every label sits on one version only and does not start with a digit (a selector of
 * digits is a version number). */
static int param_check_labels(struct store *s, const char *where, const struct sparam *p)
{
	for (size_t i = 0; i < p->n_v; i++) {
		const json_t *x;
		size_t k;
		json_array_foreach(p->v[i].labels, k, x)
		{
			const char *label = json_string_value(x);
			int seen = *label >= '0' && *label <= '9';
			for (size_t j = 0; j <= i && !seen; j++) {
				const json_t *y;
				size_t m;
				json_array_foreach(p->v[j].labels, m, y)
				{
					if ((j < i || m < k) &&
					    !strcmp(label, json_string_value(y)))
						seen = 1;
				}
			}
			if (seen)
				return store_bad(s,
				                 "%s: a label is on one version only and doesn't "
				                 "start with a digit",
				                 where);
		}
	}
	return 0;
}

/* A string (SecureString at version 1), a list (StringList), or an object with value. */
static int param_make(struct store *s, const char *where, const json_t *spec, struct sparam *p)
{
	static const char *const keys[] = {"value",   "type",      "version", "labels",
	                                   "history", "data_type", NULL};
	const json_t *x;
	const char *key;

	if (json_is_string(spec) || json_is_array(spec)) {
		if (!(p->v = calloc(1, sizeof(*p->v))))
			return store_oom(s);
		p->current = 1;
		return param_value(s, where, 1, spec, NULL, &p->v[p->n_v++]);
	}
	if (!json_is_object(spec) || !json_object_get(spec, "value"))
		goto bad;
	json_object_foreach((json_t *)spec, key, x)
	{
		if (!key_in(key, keys))
			goto bad;
	}
	if (param_check_type(s, where, spec) < 0 || param_history(s, where, spec, p) < 0 ||
	    param_value(s, where, p->current, json_object_get(spec, "value"),
	                json_object_get(spec, "labels"), &p->v[p->n_v++]) < 0)
		return -1;
	return param_check_labels(s, where, p);
bad:
	return store_bad(s, "%s: a parameter is a string, a list, or an object with value", where);
}

static struct sparam *store_param_slot(struct store *s, const struct sparam *p)
{
	for (size_t i = 0; i < s->n_params; i++) {
		struct sparam *x = &s->params[i];
		if (!strcmp(x->region, p->region) && !strcmp(x->account, p->account) &&
		    !strcmp(x->name, p->name)) {
			param_clear(x);
			return x;
		}
	}
	if (s->n_params == s->cap_params) {
		size_t cap = s->cap_params ? s->cap_params * 2 : 16;
		struct sparam *n = realloc(s->params, cap * sizeof(*n));
		if (!n)
			return NULL;
		s->params = n;
		s->cap_params = cap;
	}
	return &s->params[s->n_params++];
}

/* Keys are names or ARNs; the ARN of "/a/b" is ...:parameter/a/b, of "top" ...:parameter/top. */
static int store_add_param(struct store *s, const char *key, const json_t *spec, const char *region)
{
	struct sparam p = {0}, *slot;
	struct arn a;
	char where[300];

	snprintf(where, sizeof(where), "parameter \"%s\"", key);
	if (arn_split(&a, key, "ssm", "parameter/")) {
		int slash = memchr(a.rest.p, '/', a.rest.n) != NULL;
		p.region = dup_n(a.region.p, a.region.n);
		p.account = dup_n(a.account.p, a.account.n);
		if ((p.name = malloc(a.rest.n + 2))) {
			p.name[0] = '/';
			memcpy(p.name + slash, a.rest.p, a.rest.n);
			p.name[a.rest.n + slash] = '\0';
		}
	} else {
		p.region = strdup(region);
		p.account = strdup(s->account);
		p.name = strdup(key);
	}
	if (!p.region || !p.account || !p.name) {
		store_oom(s);
		goto fail;
	}
	if (param_make(s, where, spec, &p) < 0)
		goto fail;
	if (!(slot = store_param_slot(s, &p))) {
		store_oom(s);
		goto fail;
	}
	*slot = p;
	return 0;
fail:
	param_clear(&p);
	return -1;
}

/* One section: the top level (the store's region) or regions.NAME. Like the emulator, a
 * section may hold the top level's keys too; only the top level's are read. */
static int store_load_section(struct store *s, const json_t *section, const char *region,
                              const char *where)
{
	static const char *const keys[] = {"secrets", "parameters", "regions",
	                                   "region",  "account",    NULL};
	const json_t *secrets = json_object_get(section, "secrets");
	const json_t *params = json_object_get(section, "parameters"), *v;
	const char *key;

	json_object_foreach((json_t *)section, key, v)
	{
		if (!key_in(key, keys))
			return store_bad(s, "%sunknown key \"%s\"", where, key);
	}
	if ((secrets && !json_is_object(secrets)) || (params && !json_is_object(params)))
		return store_bad(s, "%ssecrets and parameters must be objects", where);
	json_object_foreach((json_t *)secrets, key, v)
	{
		if (store_add_secret(s, key, v, region) < 0)
			return -1;
	}
	json_object_foreach((json_t *)params, key, v)
	{
		if (store_add_param(s, key, v, region) < 0)
			return -1;
	}
	return 0;
}

static int store_load_doc(struct store *s)
{
	const json_t *region = json_object_get(s->doc, "region");
	const json_t *account = json_object_get(s->doc, "account");
	const json_t *regions = json_object_get(s->doc, "regions"), *v;
	const char *key;
	char where[200];

	if (!json_is_object(s->doc))
		return store_bad(s, "the store must be a JSON object");
	if ((region && !json_is_string(region)) || (account && !json_is_string(account)))
		return store_bad(s, "region and account must be strings");
	s->region = region ? json_string_value(region) : STORE_DEFAULT_REGION;
	s->account = account ? json_string_value(account) : STORE_DEFAULT_ACCOUNT;
	if (store_load_section(s, s->doc, s->region, "") < 0)
		return -1;
	if (regions && !json_is_object(regions))
		return store_bad(s, "regions must be an object");
	json_object_foreach((json_t *)regions, key, v)
	{
		snprintf(where, sizeof(where), "regions \"%s\": ", key);
		if (!json_is_object(v))
			return store_bad(s, "%smust be an object", where);
		if (store_load_section(s, v, key, where) < 0)
			return -1;
	}
	return 0;
}

static void store_free(struct store *s)
{
	for (size_t i = 0; i < s->n_secrets; i++)
		secret_clear(&s->secrets[i]);
	for (size_t i = 0; i < s->n_params; i++)
		param_clear(&s->params[i]);
	free(s->secrets);
	free(s->params);
	json_decref(s->doc);
	s->doc = NULL;
}

/* Parse once; jansson's messages quote the text near an error (even a \\u escape), which may
 * be a secret, so only the position is kept. */
static int store_load(struct store *s, const char *path, struct shim_err *err)
{
	json_error_t je;
	char *text = NULL;
	size_t len = 0;

	s->path = path;
	s->err = err;
	if (file_read(&text, &len, path, STORE_MAX_BYTES, "store", err) < 0)
		return -1;
	s->doc = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	wipe(text, len);
	free(text);
	if (!s->doc)
		return store_bad(s, "not valid JSON at line %d column %d", je.line, je.column);
	return store_load_doc(s);
}

/* ---- look-ups: the emulator's find_secret, find_parameter and the API's version rules ---- */

static const struct ssecret *secret_by_name(const struct store *s, const char *region,
                                            struct span account, struct span name)
{
	for (size_t i = 0; i < s->n_secrets; i++) {
		const struct ssecret *x = &s->secrets[i];
		if (!strcmp(x->region, region) && span_eq(account, x->account) &&
		    span_eq(name, x->name))
			return x;
	}
	return NULL;
}

/* By name (the store's account), by full ARN, or by ARN without the suffix; an ARN of another
 * region than the fetch's is not found, as on AWS. */
static const struct ssecret *store_find_secret(const struct store *s, const char *region,
                                               const char *id)
{
	struct arn a;

	if (!arn_split(&a, id, "secretsmanager", "secret:"))
		return secret_by_name(s, region, (struct span){s->account, strlen(s->account)},
		                      (struct span){id, strlen(id)});
	if (!span_eq(a.region, region))
		return NULL;
	for (size_t i = 0; i < s->n_secrets; i++) {
		const struct ssecret *x = &s->secrets[i];
		if (!strcmp(x->region, region) && span_eq(a.account, x->account) &&
		    !strcmp(x->arn, id))
			return x;
	}
	return secret_by_name(s, region, a.account, a.rest);
}

static const struct sparam *param_by_name(const struct store *s, const char *region,
                                          struct span account, const char *slash, struct span name)
{
	for (size_t i = 0; i < s->n_params; i++) {
		const struct sparam *x = &s->params[i];
		if (strcmp(x->region, region) || !span_eq(account, x->account))
			continue;
		if (*slash ? x->name[0] == '/' && span_eq(name, x->name + 1)
		           : span_eq(name, x->name))
			return x;
	}
	return NULL;
}

static const struct sparam *store_find_param(const struct store *s, const char *region,
                                             const char *id)
{
	const struct sparam *p;
	struct arn a;

	if (!arn_split(&a, id, "ssm", "parameter/"))
		return param_by_name(s, region, (struct span){s->account, strlen(s->account)}, "",
		                     (struct span){id, strlen(id)});
	if (!span_eq(a.region, region))
		return NULL;
	p = param_by_name(s, region, a.account, "/", a.rest);
	return p ? p : param_by_name(s, region, a.account, "", a.rest);
}

/* selector: NULL (the current version), "3" (a version) or "label". */
static const struct pversion *param_select(const struct sparam *p, const char *selector)
{
	long long n;

	if (!selector)
		n = p->current;
	else if (!*selector || strspn(selector, "0123456789") != strlen(selector))
		n = LLONG_MIN;
	else if (number_of(&n, selector) < 0)
		return NULL;
	for (size_t i = 0; i < p->n_v; i++) {
		const json_t *x;
		size_t k;
		if (n != LLONG_MIN && p->v[i].number == n)
			return &p->v[i];
		json_array_foreach(p->v[i].labels, k, x)
		{
			if (n == LLONG_MIN && !strcmp(json_string_value(x), selector))
				return &p->v[i];
		}
	}
	return NULL;
}

static void store_fail(struct fetch *f, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Fail a fetch with an AWS error code, mapped to an exit status as the AWS backend does. */
static void store_fail(struct fetch *f, const char *code, const char *fmt, ...)
{
	char msg[360];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	plan_fetch_fail(f, awserr_exit_status(awserr_classify(400, code)), "%s: %s", code, msg);
}

/* GetSecretValue's rules: a version id (and, if given too, a stage it carries), else the
 * stage, else AWSCURRENT. */
static const struct sversion *secret_pick(const struct ssecret *sec, struct fetch *f)
{
	const char *stage = f->stage ? f->stage : "AWSCURRENT";

	for (size_t i = 0; i < sec->n_v; i++) {
		const struct sversion *v = &sec->v[i];
		if (f->version_id ? !strcmp(v->id, f->version_id) : version_has_stage(v, stage)) {
			if (f->version_id && f->stage && !version_has_stage(v, f->stage))
				break;
			return v;
		}
	}
	if (f->version_id)
		store_fail(f, "ResourceNotFoundException",
		           "Secrets Manager can't find the specified secret value for VersionId: "
		           "%s%s%s",
		           f->version_id, f->stage ? " and staging label: " : "",
		           f->stage ? f->stage : "");
	else
		store_fail(f, "ResourceNotFoundException",
		           "Secrets Manager can't find the specified secret value for staging "
		           "label: %s",
		           stage);
	return NULL;
}

static const char *secret_error_message(const char *code)
{
	if (!strcmp(code, "DecryptionFailure"))
		return "Secrets Manager can't decrypt the protected secret text using the provided "
		       "KMS key.";
	if (!strcmp(code, "InvalidRequestException"))
		return "You can't perform this operation on the secret because it was marked for "
		       "deletion.";
	return code;
}

static int store_fill_secret(const struct store *s, struct fetch *f)
{
	const struct ssecret *sec = store_find_secret(s, f->region, f->id);
	const struct sversion *v;

	if (!sec) {
		store_fail(f, "ResourceNotFoundException", SM_NOT_FOUND);
		return 0;
	}
	if (!(v = secret_pick(sec, f)))
		return 0;
	if (sec->error && *sec->error) {
		store_fail(f, sec->error, "%s", secret_error_message(sec->error));
		return 0;
	}
	return plan_fetch_value(f, v->value, v->len);
}

static int store_fill_param(const struct store *s, struct fetch *f)
{
	const struct sparam *p = store_find_param(s, f->region, f->id);
	const struct pversion *v;

	if (!p) {
		store_fail(f, "ParameterNotFound", "Parameter %s%s%s not found.", f->id,
		           f->selector ? ":" : "", f->selector ? f->selector : "");
		return 0;
	}
	if (!(v = param_select(p, f->selector))) {
		store_fail(f, "ParameterVersionNotFound",
		           "Systems Manager could not find version %s of %s. Verify the version "
		           "and try again.",
		           f->selector, p->name);
		return 0;
	}
	return plan_fetch_value(f, v->value, v->len);
}

static int param_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct sparam *const *)a)->name,
	              (*(const struct sparam *const *)b)->name);
}

/* GetParametersByPath, recursive: the store account's parameters under the path, by name. */
static int store_fill_path(const struct store *s, struct fetch *f)
{
	const struct sparam **found = calloc(s->n_params + 1, sizeof(*found));
	size_t n = 0, plen = strlen(f->id), slashes = 0;
	int rc = 0;

	if (!found)
		return -1;
	for (const char *c = f->id; *c; c++)
		slashes += *c == '/';
	if (f->id[0] != '/' || slashes > 15) {
		store_fail(
		        f, "ValidationException",
		        "The parameter doesn't meet the parameter name requirements. The "
		        "parameter name must begin with a forward slash \"/\" and have at most 15 "
		        "levels.");
		goto out;
	}
	while (plen > 0 && f->id[plen - 1] == '/')
		plen--;
	for (size_t i = 0; i < s->n_params; i++) {
		const struct sparam *p = &s->params[i];
		if (!strcmp(p->region, f->region) && !strcmp(p->account, s->account) &&
		    !strncmp(p->name, f->id, plen) && p->name[plen] == '/')
			found[n++] = p;
	}
	qsort(found, n, sizeof(*found), param_cmp);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct pversion *v = param_select(found[i], NULL);
		if (memchr(v->value, '\0', v->len)) {
			store_fail(f, "ValidationException", "parameter %s holds a NUL byte",
			           found[i]->name);
			goto out;
		}
		rc = plan_fetch_item(f, found[i]->name, v->value);
	}
	plan_fetch_done(f);
out:
	free(found);
	return rc;
}

int store_fetch_plan(struct plan *p, const struct backend_cfg *cfg, char **envp,
                     struct backend_stats *st, struct shim_err *err)
{
	struct store s = {0};
	int rc = -1;

	(void)envp;
	(void)st; /* offline: no calls, no waves */
	if (!cfg->store) {
		shim_err_set(err, SHIM_EX_INTERNAL, "store: no store file given");
		goto out;
	}
	if (store_load(&s, cfg->store, err) < 0)
		goto out;
	if (plan_needs_region(p) && plan_set_default_region(p, s.region) < 0) {
		store_oom(&s);
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		struct fetch *f = &p->f[i];
		int r = f->kind == FETCH_SECRET  ? store_fill_secret(&s, f)
		        : f->kind == FETCH_PARAM ? store_fill_param(&s, f)
		                                 : store_fill_path(&s, f);
		if (r < 0) {
			store_oom(&s);
			goto out;
		}
	}
	rc = 0;
out:
	store_free(&s);
	return rc;
}
