/* The CA certificates TLS peers are verified against: where they are (AWS_CA_BUNDLE, else
 * SSL_CERT_FILE and SSL_CERT_DIR, else the first of the distributions' bundle paths, never
 * libcurl's compiled-in default) and one trust store per process built from them. */
#ifndef SHIM_CACERT_H
#define SHIM_CACERT_H

#include <stdint.h>

#include <openssl/x509_vfy.h>

#include "err.h"

/* Debian, Ubuntu and Alpine; RHEL, Fedora and Amazon Linux (two); OpenBSD, Alpine's link and
 * macOS-style images; SUSE. NULL-terminated, tried in this order. */
extern const char *const cacert_system_paths[];

/* Where the certificates are. Every string is owned (cacert_src_free). */
struct cacert_src {
	char *file;               /* a PEM bundle, or NULL */
	char *dir;                /* a hashed directory (OpenSSL's c_rehash layout, or a colon
	                           * list of them), or NULL */
	const char *from;         /* what named them: a variable, or "system" (static text) */
	const char *const *paths; /* the bundle paths that were tried, for the message */
};

/* Fill *out from envp (NULL: no variables) and the paths tried in order when no variable is
 * set (NULL: cacert_system_paths). Finding nothing is not an error here: *out is then empty
 * (file and dir NULL) and cacert_load says what was tried. Fails (SHIM_EX_DATA) when a
 * variable names a file or directory that cannot be read: a named store is never replaced by
 * another one. On failure *out is untouched. */
int cacert_locate(struct cacert_src *out, char **envp, const char *const *paths,
                  struct shim_err *err);
void cacert_src_free(struct cacert_src *src);

/* A new trust store from src, for SSL_CTX_set1_cert_store; the caller frees it with
 * X509_STORE_free. A bundle is read and its certificate blocks found at once; their subjects
 * are keyed when the first chain being verified asks, and a certificate is decoded only when
 * a chain asks for its subject, then kept in the store for every later connection.
 * Intermediate certificates of a bundle are trust anchors (X509_V_FLAG_PARTIAL_CHAIN), as
 * libcurl has them. Fails with SHIM_EX_DATA, one line, when src is empty (naming every path
 * tried) or has no certificate block; with SHIM_EX_INTERNAL on out of memory. */
int cacert_load(X509_STORE **out, const struct cacert_src *src, struct shim_err *err);

/* Key the subjects of st's bundle now, if no chain did yet: for a moment the process would
 * otherwise spend waiting (the first server's answer). */
void cacert_prepare(X509_STORE *st);
/* 1 when st has a bundle whose subjects are not keyed yet (cacert_prepare has work), else 0. */
int cacert_pending(X509_STORE *st);

/* After connections used st (from cacert_load of src): SHIM_EX_DATA, the same line as
 * cacert_load's, when none of the bundle's certificate blocks is a certificate (what a chain
 * that failed to verify may owe to); else 0. Keys the subjects if no chain did. */
int cacert_check(X509_STORE *st, const struct cacert_src *src, struct shim_err *err);

/* The key the trust store files a certificate under, from the DER of its subject Name: a
 * 64-bit hash of OpenSSL's canonical form (attribute types, and values with white space
 * trimmed and collapsed and ASCII lower-cased), computed without decoding. Two names OpenSSL
 * holds equal get the same key. 0 with *out set; 1 when only OpenSSL's canonical encoding can
 * compare the name (BMPString, T61String, UniversalString values, multi-valued RDNs: then
 * X509_NAME_hash_ex decides); -1 when der is not a Name. */
int cacert_name_key(uint64_t *out, const unsigned char *der, size_t len);

#endif
