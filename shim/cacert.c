/* The trusted CA certificates: which ones (cacert_locate) and the trust store built from them
 * (cacert_load). A bundle becomes an in-memory hashed directory: each certificate's DER filed
 * under its subject's hash and decoded only when a chain being verified asks for that subject,
 * since OpenSSL 3.0's key decoders make decoding a 145-certificate bundle cost 14 ms. */
#include "cacert.h"

#include "base64.h"
#include "env.h"
#include "file.h"
#include "log.h"

#include <errno.h>
#include <limits.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>
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
	unsigned long hash; /* X509_NAME_hash_ex of the subject, as a hashed directory files it */
	size_t off, len;    /* its DER in ca_index.der */
	int aux;            /* a TRUSTED CERTIFICATE: DER followed by OpenSSL's trust settings */
	int done;           /* decoded into the store already, or undecodable */
};

struct ca_index {
	unsigned char *der;
	size_t der_len;
	struct ca_cert *c;
	size_t n, cap;
	size_t skipped; /* certificate blocks that are not base64 of a certificate */
};

struct pem_block {
	const char *label, *body;
	size_t label_len, body_len;
};

static void index_free(struct ca_index *ix)
{
	if (!ix)
		return;
	free(ix->der);
	free(ix->c);
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
static int der_subject(const unsigned char **name, long *name_len, const unsigned char *der,
                       size_t len)
{
	const unsigned char *p = der, *end = der + len, *start;
	long l;
	int tag, cls;

	if (der_tlv(&p, &l, &tag, &cls, end) < 0 || tag != V_ASN1_SEQUENCE ||
	    der_tlv(&p, &l, &tag, &cls, p + l) < 0 || tag != V_ASN1_SEQUENCE)
		return -1;
	end = p + l;
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

static int der_subject_hash(unsigned long *out, const unsigned char *der, size_t len)
{
	const unsigned char *p;
	long n;
	X509_NAME *name;
	int ok = 0;

	if (der_subject(&p, &n, der, len) < 0 || !(name = d2i_X509_NAME(NULL, &p, n)))
		return -1;
	*out = X509_NAME_hash_ex(name, NULL, NULL, &ok);
	X509_NAME_free(name);
	return ok ? 0 : -1;
}

/* File one PEM certificate block: 0 (filed, or skipped and counted), -1 on out of memory.
 * scratch has room for the block's body. */
static int index_block(struct ca_index *ix, const struct pem_block *b, int aux, char *scratch)
{
	unsigned char *der = ix->der + ix->der_len;
	size_t n = 0, len;
	struct ca_cert *c;

	for (size_t i = 0; i < b->body_len; i++)
		if (b->body[i] != '\n' && b->body[i] != '\r' && b->body[i] != ' ' &&
		    b->body[i] != '\t')
			scratch[n++] = b->body[i];
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 256;
		struct ca_cert *grown = realloc(ix->c, cap * sizeof(*grown));

		if (!grown)
			return -1;
		ix->c = grown;
		ix->cap = cap;
	}
	c = &ix->c[ix->n];
	if (base64_decode(der, &len, scratch, n) < 0 || der_subject_hash(&c->hash, der, len) < 0) {
		ix->skipped++;
		return 0;
	}
	c->off = ix->der_len;
	c->len = len;
	c->aux = aux;
	c->done = 0;
	ix->der_len += len;
	ix->n++;
	return 0;
}

static int index_bundle(struct ca_index *ix, const char *path, struct shim_err *err)
{
	char *pem = NULL, *scratch = NULL;
	struct pem_block b;
	size_t len;
	int rc = -1, aux;

	if (file_read(&pem, &len, path, MAX_BUNDLE, "CA bundle", err) < 0)
		return -1;
	/* Decoded blocks are shorter than the text: the file's size bounds every buffer. */
	if (!(scratch = malloc(len + 1)) || !(ix->der = malloc(len + 1))) {
		shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
		goto out;
	}
	ERR_set_mark();
	for (const char *p = pem; (p = pem_next(&b, p));)
		if (pem_is_cert(&b, &aux) && index_block(ix, &b, aux, scratch) < 0) {
			ERR_pop_to_mark();
			shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
			goto out;
		}
	ERR_pop_to_mark();
	rc = 0;
out:
	free(scratch);
	free(pem);
	return rc;
}

/* ---- the index as an X509_LOOKUP of the store ---- */

/* Decode every certificate of the index with this subject into the store. As OpenSSL's own
 * hashed-directory lookup does, ret then borrows the store's reference to the first one: the
 * caller (X509_STORE_CTX_get_by_subject) takes its own. */
static int index_by_subject(X509_LOOKUP *lu, X509_LOOKUP_TYPE type, const X509_NAME *name,
                            X509_OBJECT *ret)
{
	struct ca_index *ix = X509_LOOKUP_get_method_data(lu);
	X509_STORE *store = X509_LOOKUP_get_store(lu);
	X509 *first = NULL;
	unsigned long h;
	int ok = 0;

	if (type != X509_LU_X509 || !ix || !store)
		return 0;
	h = X509_NAME_hash_ex(name, NULL, NULL, &ok);
	if (!ok)
		return 0;
	ERR_set_mark();
	for (size_t i = 0; i < ix->n; i++) {
		struct ca_cert *c = &ix->c[i];
		const unsigned char *p = ix->der + c->off;
		X509 *x;

		if (c->done || c->hash != h)
			continue;
		x = c->aux ? d2i_X509_AUX(NULL, &p, (long)c->len)
		           : d2i_X509(NULL, &p, (long)c->len);
		c->done = !x;
		if (x && X509_NAME_cmp(X509_get_subject_name(x), name) == 0 &&
		    X509_STORE_add_cert(store, x)) {
			c->done = 1;
			if (!first) {
				first = x;
				continue;
			}
		}
		X509_free(x);
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
	if (index_bundle(ix, src->file, err) < 0) {
		index_free(ix);
		return -1;
	}
	if (ix->n == 0) {
		shim_err_set(err, SHIM_EX_DATA, "CA bundle %.200s (%s): no certificate in it",
		             src->file, src->from);
		index_free(ix);
		return -1;
	}
	if (ix->skipped)
		log_warn("CA bundle %.200s: %zu certificate block%s that cannot be read skipped",
		         src->file, ix->skipped, ix->skipped == 1 ? "" : "s");
	log_debug("CA bundle %.200s (%s): %zu certificates", src->file, src->from, ix->n);
	if (!(lu = X509_STORE_add_lookup(st, m)) || !X509_LOOKUP_set_method_data(lu, ix)) {
		index_free(ix);
		return shim_err_set(err, SHIM_EX_INTERNAL, "out of memory");
	}
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
