/* The trusted CA certificates: which ones (cacert_locate) and the trust store built from them
 * (cacert_load). A bundle becomes an in-memory hashed directory: each certificate's DER filed
 * under its subject's hash and decoded only when a chain being verified asks for that subject
 * (decoding all of a 145-certificate bundle costs OpenSSL 14 ms). The subjects are keyed
 * after the store is made, not when: the store is made before the first TLS connection, and
 * its ClientHello leaves the host sooner when the keying runs while the server answers
 * (cacert_prepare, from the HTTP loop's first idle moment) or when the first chain asks. */
#include "cacert.h"

#include "array.h"
#include "base64.h"
#include "env.h"
#include "file.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_BUNDLE ((size_t)16 << 20)

const char *const cacert_system_paths[] = {
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "/etc/ssl/cert.pem",
        "/etc/ssl/ca-bundle.pem",
        NULL,
};

/* ---- where the certificates are ---- */

/* 0 when path is a readable file (dir 0) or a searchable directory (dir 1); else -1, errno. */
static int usable(const char *path, int dir)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	if (dir ? !S_ISDIR(st.st_mode) : S_ISDIR(st.st_mode)) {
		errno = dir ? ENOTDIR : EISDIR;
		return -1;
	}
	return access(path, dir ? R_OK | X_OK : R_OK);
}

/* A colon list of directories (OpenSSL's SSL_CERT_DIR) is usable when one of them is. */
static int usable_dirs(const char *list)
{
	char one[PATH_MAX];
	int first_errno = 0;

	for (const char *p = list;; p++) {
		size_t n = strcspn(p, ":");

		if (n > 0 && n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
			if (usable(one, 1) == 0)
				return 0;
			if (!first_errno)
				first_errno = errno;
		}
		p += n;
		if (!*p)
			break;
	}
	errno = first_errno ? first_errno : ENOENT;
	return -1;
}

static int check_named(const char *var, const char *path, int dir, struct shim_err *err)
{
	if ((dir ? usable_dirs(path) : usable(path, 0)) == 0)
		return 0;
	return shim_err_set(err, SHIM_EX_DATA, "CA %s %.200s (%s): %s",
	                    dir ? "directory" : "bundle", path, var, strerror(errno));
}

int cacert_locate(struct cacert_src *out, char **envp, const char *const *paths,
                  struct shim_err *err)
{
	struct cacert_src s = {.paths = paths ? paths : cacert_system_paths, .from = "system"};
	const char *aws = env_value(envp, "AWS_CA_BUNDLE");
	const char *file = env_value(envp, "SSL_CERT_FILE"), *dir = env_value(envp, "SSL_CERT_DIR");

	if (aws) {
		if (check_named("AWS_CA_BUNDLE", aws, 0, err) < 0)
			return -1;
		file = aws;
		dir = NULL;
		s.from = "AWS_CA_BUNDLE";
	} else if (file || dir) {
		if ((file && check_named("SSL_CERT_FILE", file, 0, err) < 0) ||
		    (dir && check_named("SSL_CERT_DIR", dir, 1, err) < 0))
			return -1;
		s.from = file && dir ? "SSL_CERT_FILE and SSL_CERT_DIR"
		         : file      ? "SSL_CERT_FILE"
		                     : "SSL_CERT_DIR";
	} else {
		for (const char *const *p = s.paths; *p && !file; p++)
			if (usable(*p, 0) == 0)
				file = *p;
	}
	if ((file && !(s.file = strdup(file))) || (dir && !(s.dir = strdup(dir)))) {
		cacert_src_free(&s);
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	}
	*out = s;
	return 0;
}

void cacert_src_free(struct cacert_src *src)
{
	if (!src)
		return;
	free(src->file);
	free(src->dir);
	src->file = src->dir = NULL;
}

/* ---- a bundle as an index: subject hash -> DER ---- */

struct ca_cert {
	uint64_t key;       /* cacert_name_key of the subject (when !slow) */
	unsigned long hash; /* X509_NAME_hash_ex of the subject: when slow, else once computed */
	int slow, hashed;   /* slow: the subject needs OpenSSL's canonical form to be compared */
	size_t off, len;    /* its PEM body (base64 text) in ca_index.pem */
	int aux;            /* a TRUSTED CERTIFICATE: DER followed by OpenSSL's trust settings */
	int done;           /* decoded into the store already, or undecodable */
};

struct ca_index {
	char *pem; /* the bundle's text: a certificate is decoded from it only when needed */
	struct ca_cert *c;
	size_t n, cap;
	size_t skipped; /* certificate blocks that are not base64 of a certificate */
	int keyed;      /* every block's subject keyed (index_key) */
	char *file;     /* for the messages of index_key */
};

struct pem_block {
	const char *label, *body;
	size_t label_len, body_len;
};

static void index_free(struct ca_index *ix)
{
	if (!ix)
		return;
	free(ix->pem);
	free(ix->c);
	free(ix->file);
	free(ix);
}

/* The next "-----BEGIN LABEL-----" ... "-----END" block after p, or NULL. */
static const char *pem_next(struct pem_block *b, const char *p)
{
	const char *end;

	if (!(p = strstr(p, "-----BEGIN ")))
		return NULL;
	b->label = p + 11;
	if (!(end = strstr(b->label, "-----")))
		return NULL;
	b->label_len = (size_t)(end - b->label);
	b->body = end + 5;
	if (!(end = strstr(b->body, "-----END ")))
		return NULL;
	b->body_len = (size_t)(end - b->body);
	return end + 9;
}

/* 1 for the labels OpenSSL reads as certificates (*aux: with trust settings), else 0. */
static int pem_is_cert(const struct pem_block *b, int *aux)
{
	static const char *const labels[] = {"CERTIFICATE", "X509 CERTIFICATE",
	                                     "TRUSTED CERTIFICATE"};

	for (size_t i = 0; i < 3; i++)
		if (b->label_len == strlen(labels[i]) &&
		    memcmp(b->label, labels[i], b->label_len) == 0) {
			*aux = i == 2;
			return 1;
		}
	return 0;
}

static int der_tlv(const unsigned char **p, long *len, int *tag, int *cls, const unsigned char *end)
{
	if (*p >= end)
		return -1;
	return ASN1_get_object(p, len, tag, cls, (long)(end - *p)) & 0x80 ? -1 : 0;
}

/* The subject Name of a DER certificate, found without decoding the certificate:
 * Certificate { TBSCertificate { [0] version OPTIONAL, serialNumber, signature, issuer,
 * validity, subject, ... }, ... } (RFC 5280 4.1). */
/* A DER tag and length at *p, the content allowed to run past end (a certificate's prefix). */
static int der_head(const unsigned char **p, const unsigned char *end, int *tag, size_t *len)
{
	const unsigned char *q = *p;
	size_t l = 0, n;

	if (end - q < 2)
		return -1;
	*tag = *q++;
	if (*q < 0x80) {
		l = *q++;
	} else {
		n = *q++ & 0x7fu;
		if (n == 0 || n > 4 || (size_t)(end - q) < n)
			return -1;
		while (n--)
			l = l << 8 | *q++;
	}
	*p = q;
	*len = l;
	return 0;
}

static int der_subject(const unsigned char **name, long *name_len, const unsigned char *der,
                       size_t len)
{
	const unsigned char *p = der, *end = der + len, *start;
	size_t outer;
	long l;
	int tag, cls;

	/* Certificate and TBSCertificate: SEQUENCE headers, whose contents may lie beyond a
	 * prefix; the fields up to the subject must be within it. */
	for (int i = 0; i < 2; i++)
		if (der_head(&p, end, &tag, &outer) < 0 || tag != 0x30)
			return -1;
	if (outer < (size_t)(end - p))
		end = p + outer;
	for (int i = 0; i < 6; i++) {
		start = p;
		if (der_tlv(&p, &l, &tag, &cls, end) < 0)
			return -1;
		if (i == 0 && !(cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0))
			i++; /* a version 1 certificate starts with its serial number */
		if (i == 5) {
			*name = start;
			*name_len = (long)(p - start) + l;
			return tag == V_ASN1_SEQUENCE ? 0 : -1;
		}
		p += l;
	}
	return -1;
}

/* OpenSSL's canonical hash of a DER Name (what a hashed directory files it under). */
static int der_name_hash(unsigned long *out, const unsigned char *p, long n)
{
	X509_NAME *name = d2i_X509_NAME(NULL, &p, n);
	int ok = 0;

	if (!name)
		return -1;
	*out = X509_NAME_hash_ex(name, NULL, NULL, &ok);
	X509_NAME_free(name);
	return ok ? 0 : -1;
}

#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME  1099511628211ull

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

static int is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* An attribute value as OpenSSL's canonical form has it (asn1_string_canon): leading and
 * trailing white space gone, inner runs as one space, ASCII lower-cased; bytes >= 0x80 as
 * they are, which is what the conversion to UTF-8 leaves of a UTF8String. */
static uint64_t fnv_canon(uint64_t h, const unsigned char *p, size_t n)
{
	size_t i = 0, end = n;
	int space = 0;

	while (i < end && is_space(p[i]))
		i++;
	while (end > i && is_space(p[end - 1]))
		end--;
	for (; i < end; i++) {
		unsigned char c = p[i];
		if (is_space(c)) {
			space = 1;
			continue;
		}
		if (space)
			h = (h ^ ' ') * FNV_PRIME;
		space = 0;
		h = (h ^ (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c)) * FNV_PRIME;
	}
	return h;
}

/* One AttributeTypeAndValue into the key: 0, 1 when only OpenSSL can compare it, -1. */
static int key_ava(uint64_t *h, const unsigned char **p, const unsigned char *end)
{
	const unsigned char *q = *p, *oid;
	long l;
	int tag, cls;

	if (der_tlv(&q, &l, &tag, &cls, end) < 0 || tag != V_ASN1_SEQUENCE)
		return -1;
	end = q + l;
	*p = end;
	oid = q;
	if (der_tlv(&q, &l, &tag, &cls, end) < 0 || tag != V_ASN1_OBJECT)
		return -1;
	q += l;
	*h = fnv(fnv(*h, (const unsigned char *)"\2", 1), oid, (size_t)(q - oid));
	if (der_tlv(&q, &l, &tag, &cls, end) < 0 || cls != V_ASN1_UNIVERSAL)
		return -1;
	/* String types whose bytes are their UTF-8 already; others (BMPString, T61String,
	 * UniversalString, non-strings) go through OpenSSL. */
	if (tag != V_ASN1_UTF8STRING && tag != V_ASN1_PRINTABLESTRING && tag != V_ASN1_IA5STRING &&
	    tag != V_ASN1_NUMERICSTRING && tag != V_ASN1_VISIBLESTRING)
		return 1;
	*h = fnv_canon(fnv(*h, (const unsigned char *)"\3", 1), q, (size_t)l);
	return 0;
}

int cacert_name_key(uint64_t *out, const unsigned char *der, size_t len)
{
	const unsigned char *p = der, *end = der + len, *set_end;
	uint64_t h = FNV_OFFSET;
	long l;
	int tag, cls, rc;

	if (der_tlv(&p, &l, &tag, &cls, end) < 0 || tag != V_ASN1_SEQUENCE)
		return -1;
	end = p + l;
	while (p < end) {
		if (der_tlv(&p, &l, &tag, &cls, end) < 0 || tag != V_ASN1_SET)
			return -1;
		set_end = p + l;
		h = fnv(h, (const unsigned char *)"\1", 1);
		if ((rc = key_ava(&h, &p, set_end)) != 0)
			return rc;
		if (p != set_end)
			return 1; /* a multi-valued RDN: its canonical order is OpenSSL's to decide
			           */
	}
	*out = h;
	return 0;
}

/* Key c by its certificate's subject: cacert_name_key, or OpenSSL's hash for a name only
 * OpenSSL can compare. */
static int file_subject(struct ca_cert *c, const unsigned char *der, size_t len)
{
	const unsigned char *name;
	long n;
	int rc;

	if (der_subject(&name, &n, der, len) < 0 ||
	    (rc = cacert_name_key(&c->key, name, (size_t)n)) < 0)
		return -1;
	c->slow = rc;
	c->hashed = 0;
	if (c->slow && der_name_hash(&c->hash, name, n) < 0)
		return -1;
	c->hashed = c->slow;
	return 0;
}

static int is_pem_space(char c)
{
	return c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

/* The DER of up to max_chars base64 characters of a PEM body (whitespace skipped), into a
 * new buffer: 0, or -1 on out of memory or bad base64 (*out NULL). */
static int decode_body(unsigned char **out, size_t *out_len, const char *body, size_t body_len,
                       size_t max_chars)
{
	char *text = malloc((body_len < max_chars ? body_len : max_chars) + 1);
	size_t n = 0;
	int rc = -1;

	*out = NULL;
	if (!text)
		return -1;
	/* Runs of base64 between white space (PEM lines are 64 characters) copied whole. */
	for (size_t i = 0; i < body_len && n < max_chars;) {
		size_t run = 0;

		while (i + run < body_len && !is_pem_space(body[i + run]))
			run++;
		if (run > max_chars - n)
			run = max_chars - n;
		memcpy(text + n, body + i, run);
		n += run;
		i += run;
		while (i < body_len && is_pem_space(body[i]))
			i++;
	}
	if (n == max_chars)
		n -= n % 4;
	if ((*out = malloc(base64_decoded_max(n))) && base64_decode(*out, out_len, text, n) == 0)
		rc = 0;
	if (rc < 0) {
		free(*out);
		*out = NULL;
	}
	free(text);
	return rc;
}

/* The certificate's whole DER (the caller frees it), or NULL. */
static unsigned char *cert_der(const struct ca_index *ix, const struct ca_cert *c, size_t *len)
{
	unsigned char *der;

	return decode_body(&der, len, ix->pem + c->off, c->len, c->len) == 0 ? der : NULL;
}

/* Base64 characters decoded to find a subject: 640 give 480 bytes, past the subject of most
 * certificates (version, serial, algorithm, issuer, validity, subject); for the others the
 * whole certificate is decoded. */
#define SUBJECT_PREFIX_CHARS 640

/* Note one PEM certificate block: -1 on out of memory. */
static int index_block(struct ca_index *ix, const struct pem_block *b, int aux)
{
	struct ca_cert *c;

	if (ARRAY_GROW(ix->c, ix->cap, ix->n + 1) < 0)
		return -1;
	c = &ix->c[ix->n++];
	memset(c, 0, sizeof(*c));
	c->off = (size_t)(b->body - ix->pem);
	c->len = b->body_len;
	c->aux = aux;
	return 0;
}

/* Read the bundle and note its certificate blocks (nothing decoded yet). */
static int index_bundle(struct ca_index *ix, const char *path, struct shim_err *err)
{
	struct pem_block b;
	size_t len;
	int aux;

	if (file_read(&ix->pem, &len, path, MAX_BUNDLE, "CA bundle", err) < 0)
		return -1;
	for (const char *p = ix->pem; (p = pem_next(&b, p));)
		if (pem_is_cert(&b, &aux) && index_block(ix, &b, aux) < 0)
			return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	return 0;
}

/* Key one block by its certificate's subject; a block that is not base64 of a certificate is
 * marked done and counted as skipped. */
static void key_block(struct ca_index *ix, struct ca_cert *c)
{
	unsigned char *der = NULL;
	size_t len;
	int rc = decode_body(&der, &len, ix->pem + c->off, c->len, SUBJECT_PREFIX_CHARS);

	if (rc == 0 && file_subject(c, der, len) < 0) {
		free(der);
		rc = (der = cert_der(ix, c, &len)) ? file_subject(c, der, len) : -1;
	}
	free(der);
	if (rc < 0) {
		c->done = 1;
		ix->skipped++;
	}
}

/* Every block keyed, once; the skipped ones told. */
static void index_key(struct ca_index *ix)
{
	if (ix->keyed)
		return;
	ix->keyed = 1;
	ERR_set_mark();
	for (size_t i = 0; i < ix->n; i++)
		key_block(ix, &ix->c[i]);
	ERR_pop_to_mark();
	/* None readable is cacert_check's error, not a warning. */
	if (ix->skipped && ix->skipped < ix->n)
		log_warn("CA bundle %.200s: %zu certificate block%s that cannot be read skipped",
		         ix->file, ix->skipped, ix->skipped == 1 ? "" : "s");
	log_debug("CA bundle %.200s: %zu certificates", ix->file, ix->n - ix->skipped);
}

/* ---- the index as an X509_LOOKUP of the store ---- */

/* Decode every certificate of the index with this subject into the store. As OpenSSL's own
 * hashed-directory lookup does, ret then borrows the store's reference to the first one: the
 * caller (X509_STORE_CTX_get_by_subject) takes its own. */
/* Whether c may have this subject: by key when both names have one, else by OpenSSL's hash
 * (computed for c on first need). X509_NAME_cmp decides after decoding. */
static int may_match(struct ca_index *ix, struct ca_cert *c, int slow, uint64_t key,
                     unsigned long hash)
{
	const unsigned char *name;
	unsigned char *der;
	size_t len;
	long n;
	int ok;

	if (!slow && !c->slow)
		return c->key == key;
	if (!c->hashed) {
		if (!(der = cert_der(ix, c, &len)))
			return 0;
		ok = der_subject(&name, &n, der, len) == 0 && der_name_hash(&c->hash, name, n) == 0;
		free(der);
		if (!ok)
			return 0;
		c->hashed = 1;
	}
	return c->hash == hash;
}

/* Decode the index's certificate c into the store when its subject is name: the certificate
 * (the store holds a reference), or NULL. */
static X509 *index_take(struct ca_index *ix, struct ca_cert *c, X509_STORE *store,
                        const X509_NAME *name)
{
	size_t len = 0;
	unsigned char *der = cert_der(ix, c, &len);
	const unsigned char *p = der;
	X509 *x = !der     ? NULL
	          : c->aux ? d2i_X509_AUX(NULL, &p, (long)len)
	                   : d2i_X509(NULL, &p, (long)len);

	free(der);
	c->done = !x;
	if (x && X509_NAME_cmp(X509_get_subject_name(x), name) == 0 &&
	    X509_STORE_add_cert(store, x)) {
		c->done = 1;
		return x;
	}
	X509_free(x);
	return NULL;
}

static int index_by_subject(X509_LOOKUP *lu, X509_LOOKUP_TYPE type, const X509_NAME *name,
                            X509_OBJECT *ret)
{
	struct ca_index *ix = X509_LOOKUP_get_method_data(lu);
	X509_STORE *store = X509_LOOKUP_get_store(lu);
	X509 *first = NULL, *x;
	unsigned char *der = NULL;
	unsigned long hash;
	uint64_t key = 0;
	int ok = 0, slow, n;

	if (type != X509_LU_X509 || !ix || !store)
		return 0;
	index_key(ix);
	n = i2d_X509_NAME(name, &der);
	slow = n > 0 ? cacert_name_key(&key, der, (size_t)n) : -1;
	OPENSSL_free(der);
	hash = X509_NAME_hash_ex(name, NULL, NULL, &ok);
	if (slow < 0 || !ok)
		return 0;
	ERR_set_mark();
	for (size_t i = 0; i < ix->n; i++) {
		struct ca_cert *c = &ix->c[i];
		if (c->done || !may_match(ix, c, slow, key, hash) ||
		    !(x = index_take(ix, c, store, name)))
			continue;
		if (first)
			X509_free(x);
		else
			first = x;
	}
	ERR_pop_to_mark();
	if (!first)
		return 0;
	ok = X509_OBJECT_set1_X509(ret, first);
	X509_free(first);
	if (ok)
		X509_free(first); /* ret's reference: the store keeps the certificate alive */
	return ok;
}

static void index_lookup_free(X509_LOOKUP *lu)
{
	index_free(X509_LOOKUP_get_method_data(lu));
	X509_LOOKUP_set_method_data(lu, NULL);
}

/* One method for the process; OpenSSL keeps a pointer to it in every lookup. */
static X509_LOOKUP_METHOD *index_method(void)
{
	static X509_LOOKUP_METHOD *m;

	if (m)
		return m;
	m = X509_LOOKUP_meth_new("covenant-shim CA bundle index");
	if (m && (!X509_LOOKUP_meth_set_get_by_subject(m, index_by_subject) ||
	          !X509_LOOKUP_meth_set_free(m, index_lookup_free))) {
		X509_LOOKUP_meth_free(m);
		m = NULL;
	}
	return m;
}

/* The store's ex_data slot that points at its bundle index (the lookup owns the index). */
static int index_slot(void)
{
	static int slot = -1;

	if (slot < 0)
		slot = X509_STORE_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	return slot;
}

static int no_certificate(const struct cacert_src *src, struct shim_err *err)
{
	return shim_err_set(err, SHIM_EX_DATA, "CA bundle %.200s (%s): no certificate in it",
	                    src->file, src->from);
}

static int add_bundle(X509_STORE *st, const struct cacert_src *src, struct shim_err *err)
{
	struct ca_index *ix = calloc(1, sizeof(*ix));
	X509_LOOKUP_METHOD *m = index_method();
	X509_LOOKUP *lu;

	if (!ix)
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	if (!m) {
		index_free(ix);
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	}
	if (!(ix->file = strdup(src->file))) {
		index_free(ix);
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	}
	if (index_bundle(ix, src->file, err) < 0) {
		index_free(ix);
		return -1;
	}
	if (ix->n == 0) {
		no_certificate(src, err);
		index_free(ix);
		return -1;
	}
	log_debug("CA bundle %.200s (%s): %zu certificate blocks", src->file, src->from, ix->n);
	if (!(lu = X509_STORE_add_lookup(st, m)) || !X509_LOOKUP_set_method_data(lu, ix)) {
		index_free(ix);
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	}
	/* Borrowed by the store's ex_data for cacert_prepare and cacert_check; the lookup frees
	 * it. Without the slot those only find nothing to do. */
	if (index_slot() >= 0)
		X509_STORE_set_ex_data(st, index_slot(), ix);
	return 0;
}

static int none_found(const struct cacert_src *src, struct shim_err *err)
{
	char list[400] = "";
	size_t o = 0;

	for (const char *const *p = src->paths; *p && o < sizeof(list); p++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "", *p);
	return shim_err_set(err, SHIM_EX_DATA,
	                    "no CA certificates to verify TLS with: AWS_CA_BUNDLE, SSL_CERT_FILE "
	                    "and SSL_CERT_DIR are unset and none of %s exists (install the "
	                    "image's ca-certificates package or set AWS_CA_BUNDLE)",
	                    list);
}

int cacert_load(X509_STORE **out, const struct cacert_src *src, struct shim_err *err)
{
	X509_STORE *st;

	if (!src->file && !src->dir)
		return none_found(src, err);
	if (!(st = X509_STORE_new()) || !X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN)) {
		X509_STORE_free(st);
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	}
	if (src->file && add_bundle(st, src, err) < 0)
		goto fail;
	if (src->dir) {
		if (!X509_STORE_load_path(st, src->dir)) {
			shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
			goto fail;
		}
		log_debug("CA directory %.200s (%s)", src->dir, src->from);
	}
	*out = st;
	return 0;
fail:
	X509_STORE_free(st);
	return -1;
}

/* The store's bundle index, or NULL (no store, or a store of a directory only). */
static struct ca_index *store_index(X509_STORE *st)
{
	return st && index_slot() >= 0 ? X509_STORE_get_ex_data(st, index_slot()) : NULL;
}

int cacert_pending(X509_STORE *st)
{
	struct ca_index *ix = store_index(st);

	return ix && !ix->keyed;
}

void cacert_prepare(X509_STORE *st)
{
	struct ca_index *ix = store_index(st);

	if (ix)
		index_key(ix);
}

int cacert_check(X509_STORE *st, const struct cacert_src *src, struct shim_err *err)
{
	struct ca_index *ix = src->file ? store_index(st) : NULL;

	if (!ix)
		return 0;
	index_key(ix);
	return ix->skipped == ix->n ? no_certificate(src, err) : 0;
}
