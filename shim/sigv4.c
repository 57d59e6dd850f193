/* SigV4 header signing: canonical request, string to sign, HMAC key chain, Authorization.
 * A pure function of its inputs; every buffer that saw the secret, a derived key or the
 * session token is wiped before it is released. */
#include "sigv4.h"

#include "digest.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SHA256_LEN      32
#define JSON_TYPE       "application/x-amz-json-1.1"
#define FORM_TYPE       "application/x-www-form-urlencoded; charset=utf-8"

/* A header on its way into the canonical form: lowercase name, value as given. */
struct canon_header {
	char *name;
	const char *value;
	size_t order; /* send order, so duplicates keep it after sorting */
};

struct query_param {
	char *name; /* both canonically encoded */
	char *value;
};

static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

static void free_string(char *p)
{
	if (p) {
		OPENSSL_cleanse(p, strlen(p));
		free(p);
	}
}

/* buf_detach returns NULL for a buffer that never grew; an empty string is a valid result. */
static char *buf_take(struct buf *b)
{
	buf_put(b, "", 0);
	return buf_detach(b);
}

static void hex_encode(char *out, const unsigned char *in, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_lower[in[i] >> 4];
		out[2 * i + 1] = hex_lower[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_token(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

/* Printable ASCII without space or the separators of the credential scope and the
 * Authorization header: region, service, access key id, host. */
static int is_word(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c >= 0x7f || strchr("/,;=", c))
			return 0;
	}
	return 1;
}

/* A control byte would end the header early or smuggle in another one; a line break is only
 * accepted as an obs-fold (followed by space or tab), which the vectors sign. */
static int is_header_value(const char *s, int allow_fold)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (allow_fold && c == '\r' && s[1] == '\n')
			c = (unsigned char)*++s;
		if (allow_fold && c == '\n' && (s[1] == ' ' || s[1] == '\t'))
			continue;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

static void uri_encode_byte(struct buf *b, unsigned char c, int keep_slash)
{
	char esc[3] = {'%', hex_upper[c >> 4], hex_upper[c & 15]};

	if (is_unreserved(c) || (keep_slash && c == '/'))
		buf_putc(b, (char)c);
	else
		buf_put(b, esc, sizeof(esc));
}

/* Query components arrive as sent: a %XX escape is decoded first so that it is not escaped a
 * second time, then every byte outside the unreserved set is encoded. */
static char *query_component(const char *s, size_t len)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int hi = len - i >= 3 ? hex_value((unsigned char)s[i + 1]) : -1;
		int lo = hi >= 0 ? hex_value((unsigned char)s[i + 2]) : -1;
		if (c == '%' && lo >= 0) {
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		uri_encode_byte(&b, c, 0);
	}
	return buf_take(&b);
}

static int query_param_cmp(const void *a, const void *b)
{
	const struct query_param *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

/* Sorted by encoded name, then value; a parameter without a value keeps its '='. */
static int canon_query(struct buf *out, const char *query)
{
	struct query_param *params;
	const char *p, *amp, *eq;
	size_t n = 0, cap = 1, i;
	int rc = -1;

	if (!query || !*query)
		return 0;
	for (p = query; *p; p++)
		cap += *p == '&';
	params = calloc(cap, sizeof(*params));
	if (!params)
		return -1;
	for (p = query;; p = amp + 1) {
		amp = strchrnul(p, '&');
		if (amp > p) {
			eq = memchr(p, '=', (size_t)(amp - p));
			eq = eq ? eq : amp;
			params[n].name = query_component(p, (size_t)(eq - p));
			params[n].value = eq < amp ? query_component(eq + 1, (size_t)(amp - eq - 1))
			                           : query_component("", 0);
			if (!params[n++].name || !params[n - 1].value)
				goto out;
		}
		if (!*amp)
			break;
	}
	qsort(params, n, sizeof(*params), query_param_cmp);
	for (i = 0; i < n; i++)
		buf_printf(out, "%s%s=%s", i ? "&" : "", params[i].name, params[i].value);
	rc = 0;
out:
	for (i = 0; i < n; i++) {
		free_string(params[i].name);
		free_string(params[i].value);
	}
	free(params);
	return rc;
}

/* Dot segments and empty segments go (RFC 3986 5.2.4); a trailing slash of the input stays,
 * as in botocore, which the fake AWS endpoint verifies with. */
static void path_normalize(struct buf *out, const char *path)
{
	const char *p = path, *end = path + strlen(path), *seg;
	size_t n;

	while (p < end) {
		while (p < end && *p == '/')
			p++;
		for (seg = p; p < end && *p != '/'; p++)
			;
		n = (size_t)(p - seg);
		if (n == 0 || (n == 1 && seg[0] == '.'))
			continue;
		if (n == 2 && seg[0] == '.' && seg[1] == '.') {
			char *slash = out->len ? memrchr(out->ptr, '/', out->len) : NULL;
			if (slash) {
				out->len = (size_t)(slash - out->ptr);
				out->ptr[out->len] = '\0';
			}
			continue;
		}
		buf_putc(out, '/');
		buf_put(out, seg, n);
	}
	if (out->len == 0 || end[-1] == '/')
		buf_putc(out, '/');
}

/* The path as sent is encoded once more here (what AWS calls double encoding for non-S3
 * services), keeping '/'. */
static void canon_path(struct buf *out, const char *path, int normalize)
{
	struct buf norm = BUF_INIT;

	if (!path || !*path)
		path = "/";
	if (normalize) {
		path_normalize(&norm, path);
		out->oom |= norm.oom;
		path = buf_cstr(&norm);
	}
	for (; *path; path++)
		uri_encode_byte(out, (unsigned char)*path, 1);
	buf_free(&norm);
}

/* Trimmed, with every whitespace run (a fold's line break included) collapsed to one space. */
static void canon_value(struct buf *out, const char *v)
{
	int wrote = 0, gap = 0;

	for (; *v; v++) {
		if (is_space(*v)) {
			gap = wrote;
			continue;
		}
		if (gap)
			buf_putc(out, ' ');
		buf_putc(out, *v);
		wrote = 1;
		gap = 0;
	}
}

static int canon_header_cmp(const void *a, const void *b)
{
	const struct canon_header *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* "name:v1,v2\n" per distinct name (duplicates joined in send order), and "a;b;c". */
static void canon_headers(struct buf *out, struct buf *names, const struct canon_header *h,
                          size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int first = i == 0 || strcmp(h[i].name, h[i - 1].name) != 0;
		int last = i + 1 == n || strcmp(h[i].name, h[i + 1].name) != 0;
		if (first) {
			buf_printf(out, "%s:", h[i].name);
			buf_printf(names, "%s%s", i ? ";" : "", h[i].name);
		} else {
			buf_putc(out, ',');
		}
		canon_value(out, h[i].value);
		if (last)
			buf_putc(out, '\n');
	}
}

static int hmac_sha256(unsigned char out[SHA256_LEN], const void *key, size_t key_len,
                       const char *data)
{
	return digest_hmac_sha256(out, key, key_len, data, strlen(data));
}

/* kDate..kSigning of the SigV4 spec, then the signature over the string to sign. */
static int derive_signature(char out[65], const char *secret, const char *date8,
                            const struct sigv4_params *params, const char *string_to_sign)
{
	unsigned char k_date[SHA256_LEN], k_region[SHA256_LEN], k_service[SHA256_LEN];
	unsigned char k_signing[SHA256_LEN], sig[SHA256_LEN];
	struct buf k_secret = BUF_INIT;
	int rc = -1;

	buf_puts(&k_secret, "AWS4");
	buf_puts(&k_secret, secret);
	if (buf_oom(&k_secret) || hmac_sha256(k_date, k_secret.ptr, k_secret.len, date8) < 0 ||
	    hmac_sha256(k_region, k_date, SHA256_LEN, params->region) < 0 ||
	    hmac_sha256(k_service, k_region, SHA256_LEN, params->service) < 0 ||
	    hmac_sha256(k_signing, k_service, SHA256_LEN, "aws4_request") < 0 ||
	    hmac_sha256(sig, k_signing, SHA256_LEN, string_to_sign) < 0)
		goto out;
	hex_encode(out, sig, SHA256_LEN);
	rc = 0;
out:
	buf_free(&k_secret);
	OPENSSL_cleanse(k_date, sizeof(k_date));
	OPENSSL_cleanse(k_region, sizeof(k_region));
	OPENSSL_cleanse(k_service, sizeof(k_service));
	OPENSSL_cleanse(k_signing, sizeof(k_signing));
	OPENSSL_cleanse(sig, sizeof(sig));
	return rc;
}

static int format_amz_date(char out[17], time_t when)
{
	struct tm tm;

	if (!gmtime_r(&when, &tm) || tm.tm_year < 1000 - 1900 || tm.tm_year > 9999 - 1900)
		return -1;
	return strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) == 16 ? 0 : -1;
}

static int has_token(const struct sigv4_params *params)
{
	return params->creds->session_token && *params->creds->session_token;
}

static int check_params(const struct sigv4_request *req, const struct sigv4_params *params,
                        struct shim_err *err)
{
	const struct sigv4_credentials *c = params->creds;

	if (!c || !is_word(c->access_key_id) || !c->secret_access_key || !*c->secret_access_key)
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "SigV4: the access key id or secret "
		                    "access key is missing or malformed");
	if (has_token(params) && !is_header_value(c->session_token, 0))
		return shim_err_set(err, SHIM_EX_NOPERM,
		                    "SigV4: the session token contains a "
		                    "character that cannot be sent in a header");
	if (!is_word(params->region) || !is_word(params->service))
		return shim_err_set(err, SHIM_EX_DATA,
		                    "SigV4: the region or service name is "
		                    "empty or contains a space, control character or '/'");
	if (!is_token(req->method))
		return shim_err_set(err, SHIM_EX_DATA, "SigV4: the request method is not a token");
	if (req->path && *req->path && *req->path != '/')
		return shim_err_set(err, SHIM_EX_DATA,
		                    "SigV4: the request path does not start "
		                    "with '/'");
	if (req->nheaders && !req->headers)
		return shim_err_set(err, SHIM_EX_INTERNAL, "SigV4: header list missing");
	return 0;
}

static void free_canon_headers(struct canon_header *h, size_t n)
{
	if (!h)
		return;
	for (size_t i = 0; i < n; i++)
		free(h[i].name);
	free(h);
}

/* Names the signer writes itself; a caller's copy would be signed twice or contradict it. */
static int is_signer_header(const char *lname, const struct sigv4_params *params)
{
	return !strcmp(lname, "authorization") || !strcmp(lname, "x-amz-date") ||
	       (has_token(params) && !strcmp(lname, "x-amz-security-token")) ||
	       ((params->flags & SIGV4_SIGN_BODY_HASH) && !strcmp(lname, "x-amz-content-sha256"));
}

static int add_canon_header(struct canon_header *h, size_t *n, const char *name, const char *value)
{
	char *lname = strdup(name);

	if (!lname)
		return -1;
	for (char *p = lname; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	h[*n] = (struct canon_header){lname, value, *n};
	(*n)++;
	return 0;
}

/* The caller's headers plus the ones the signer adds: validated, lowercased, sorted. */
static int collect_headers(struct canon_header **out, size_t *count,
                           const struct sigv4_request *req, const struct sigv4_params *params,
                           const struct sigv4_signed *s, struct shim_err *err)
{
	struct canon_header *h = calloc(req->nheaders + 3, sizeof(*h));
	int token_signed = has_token(params) && !(params->flags & SIGV4_TOKEN_UNSIGNED);
	size_t n = 0, i;
	int host = 0;

	if (!h)
		return shim_err_set(err, SHIM_EX_INTERNAL, "SigV4: out of memory");
	for (i = 0; i < req->nheaders; i++) {
		const struct sigv4_header *rh = &req->headers[i];
		if (!is_token(rh->name)) {
			shim_err_set(err, SHIM_EX_DATA,
			             "SigV4: request header %zu has an empty or "
			             "invalid name",
			             i + 1);
			goto fail;
		}
		if (!rh->value || !is_header_value(rh->value, 1)) {
			shim_err_set(err, SHIM_EX_DATA,
			             "SigV4: header %.64s has no value or one "
			             "with a control character or bare line break",
			             rh->name);
			goto fail;
		}
		if (add_canon_header(h, &n, rh->name, rh->value) < 0)
			goto oom;
		if (is_signer_header(h[n - 1].name, params)) {
			shim_err_set(err, SHIM_EX_DATA,
			             "SigV4: header %.64s is written by the "
			             "signer and must not be passed in",
			             rh->name);
			goto fail;
		}
		host |= !strcmp(h[n - 1].name, "host");
	}
	if (!host) {
		shim_err_set(err, SHIM_EX_DATA, "SigV4: the request has no Host header");
		goto fail;
	}
	if (add_canon_header(h, &n, "x-amz-date", s->amz_date) < 0 ||
	    ((params->flags & SIGV4_SIGN_BODY_HASH) &&
	     add_canon_header(h, &n, "x-amz-content-sha256", s->payload_hash) < 0) ||
	    (token_signed &&
	     add_canon_header(h, &n, "x-amz-security-token", params->creds->session_token) < 0))
		goto oom;
	qsort(h, n, sizeof(*h), canon_header_cmp);
	*out = h;
	*count = n;
	return 0;
oom:
	shim_err_set(err, SHIM_EX_INTERNAL, "SigV4: out of memory");
fail:
	free_canon_headers(h, n);
	return -1;
}

/* Canonical request, signed header list and string to sign. */
static int build_strings(struct sigv4_signed *s, const struct sigv4_request *req,
                         const struct sigv4_params *params, const struct canon_header *h, size_t n)
{
	struct buf creq = BUF_INIT, names = BUF_INIT, sts = BUF_INIT;
	char creq_hash[65];
	int rc = -1;

	buf_printf(&creq, "%s\n", req->method);
	canon_path(&creq, req->path, (params->flags & SIGV4_NORMALIZE_PATH) != 0);
	buf_putc(&creq, '\n');
	if (canon_query(&creq, req->query) < 0)
		goto out;
	buf_putc(&creq, '\n');
	canon_headers(&creq, &names, h, n);
	buf_printf(&creq, "\n%s\n%s", buf_cstr(&names), s->payload_hash);
	if (buf_oom(&creq) || buf_oom(&names) ||
	    digest_sha256_hex(creq_hash, creq.ptr, creq.len) < 0)
		goto out;
	buf_printf(&sts, SIGV4_ALGORITHM "\n%s\n%.8s/%s/%s/aws4_request\n%s", s->amz_date,
	           s->amz_date, params->region, params->service, creq_hash);
	s->canonical_request = buf_take(&creq);
	s->signed_headers = buf_take(&names);
	s->string_to_sign = buf_take(&sts);
	if (s->canonical_request && s->signed_headers && s->string_to_sign)
		rc = 0;
out:
	buf_free(&creq);
	buf_free(&names);
	buf_free(&sts);
	return rc;
}

static int add_line(struct sigv4_signed *s, const char *name, const char *value)
{
	struct buf b = BUF_INIT;
	char *line;

	buf_printf(&b, "%s: %s", name, value);
	line = buf_take(&b);
	if (!line)
		return -1;
	s->headers[s->nheaders++] = line;
	return 0;
}

/* Signature, Authorization value and the header lines to send. */
static int build_authorization(struct sigv4_signed *s, const struct sigv4_request *req,
                               size_t nsent, const struct sigv4_params *params)
{
	const struct sigv4_credentials *c = params->creds;
	struct buf auth = BUF_INIT;
	char date8[9];
	size_t i;

	memcpy(date8, s->amz_date, 8);
	date8[8] = '\0';
	if (derive_signature(s->signature, c->secret_access_key, date8, params, s->string_to_sign) <
	    0)
		return -1;
	buf_printf(&auth,
	           SIGV4_ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, "
	                           "SignedHeaders=%s, Signature=%s",
	           c->access_key_id, date8, params->region, params->service, s->signed_headers,
	           s->signature);
	s->authorization = buf_take(&auth);
	s->headers = calloc(nsent + 5, sizeof(*s->headers));
	if (!s->authorization || !s->headers)
		return -1;
	for (i = 0; i < nsent; i++)
		if (add_line(s, req->headers[i].name, req->headers[i].value) < 0)
			return -1;
	if (add_line(s, "X-Amz-Date", s->amz_date) < 0 ||
	    ((params->flags & SIGV4_SIGN_BODY_HASH) &&
	     add_line(s, "X-Amz-Content-Sha256", s->payload_hash) < 0) ||
	    (has_token(params) && add_line(s, "X-Amz-Security-Token", c->session_token) < 0) ||
	    add_line(s, "Authorization", s->authorization) < 0)
		return -1;
	return 0;
}

/* The first `nsent` request headers are also copied into out->headers (the helpers). */
static int sign_request(struct sigv4_signed *out, const struct sigv4_request *req,
                        const struct sigv4_params *params, size_t nsent, struct shim_err *err)
{
	struct sigv4_signed s = {0};
	struct canon_header *h = NULL;
	size_t n = 0;
	int rc = -1;

	if (!out || !req || !params)
		return shim_err_set(err, SHIM_EX_INTERNAL, "SigV4: missing argument");
	if (check_params(req, params, err) < 0)
		return -1;
	if (format_amz_date(s.amz_date, params->when) < 0)
		return shim_err_set(err, SHIM_EX_DATA,
		                    "SigV4: the request time is outside the "
		                    "years 1000 to 9999");
	if (digest_sha256_hex(s.payload_hash, req->payload, req->payload_len) < 0) {
		shim_err_set(err, SHIM_EX_INTERNAL, "SigV4: SHA-256 failed in libcrypto");
		goto out;
	}
	if (collect_headers(&h, &n, req, params, &s, err) < 0)
		goto out;
	if (build_strings(&s, req, params, h, n) < 0 ||
	    build_authorization(&s, req, nsent, params) < 0) {
		shim_err_set(err, SHIM_EX_INTERNAL, "SigV4: out of memory or libcrypto failure");
		goto out;
	}
	*out = s;
	memset(&s, 0, sizeof(s));
	rc = 0;
out:
	free_canon_headers(h, n);
	sigv4_signed_free(&s);
	return rc;
}

int sigv4_sign(struct sigv4_signed *out, const struct sigv4_request *req,
               const struct sigv4_params *params, struct shim_err *err)
{
	return sign_request(out, req, params, 0, err);
}

int sigv4_sign_json_request(struct sigv4_signed *out, const char *host, const char *target,
                            const void *body, size_t body_len, const struct sigv4_params *params,
                            struct shim_err *err)
{
	const struct sigv4_header h[] = {
	        {"Host", host},
	        {"Content-Type", JSON_TYPE},
	        {"X-Amz-Target", target},
	};
	const struct sigv4_request req = {
	        .method = "POST",
	        .path = "/",
	        .headers = h,
	        .nheaders = 3,
	        .payload = body,
	        .payload_len = body_len,
	};

	if (!target)
		return shim_err_set(err, SHIM_EX_INTERNAL, "SigV4: JSON request without a target");
	if (!is_word(host))
		return shim_err_set(err, SHIM_EX_DATA,
		                    "SigV4: the Host value is empty or contains "
		                    "a space, control character or '/'");
	if (!is_token(target))
		return shim_err_set(err, SHIM_EX_DATA,
		                    "SigV4: the X-Amz-Target value is not a token");
	return sign_request(out, &req, params, req.nheaders, err);
}

int sigv4_sign_form_request(struct sigv4_signed *out, const char *host, const void *body,
                            size_t body_len, const struct sigv4_params *params,
                            struct shim_err *err)
{
	const struct sigv4_header h[] = {
	        {"Host", host},
	        {"Content-Type", FORM_TYPE},
	};
	const struct sigv4_request req = {
	        .method = "POST",
	        .path = "/",
	        .headers = h,
	        .nheaders = 2,
	        .payload = body,
	        .payload_len = body_len,
	};

	if (!is_word(host))
		return shim_err_set(err, SHIM_EX_DATA,
		                    "SigV4: the Host value is empty or contains "
		                    "a space, control character or '/'");
	return sign_request(out, &req, params, req.nheaders, err);
}

void sigv4_signed_free(struct sigv4_signed *s)
{
	if (!s)
		return;
	free_string(s->canonical_request);
	free_string(s->string_to_sign);
	free_string(s->signed_headers);
	free_string(s->authorization);
	if (s->headers) {
		for (size_t i = 0; i < s->nheaders; i++)
			free_string(s->headers[i]);
		free(s->headers);
	}
	OPENSSL_cleanse(s, sizeof(*s));
}
