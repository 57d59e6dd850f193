/* Tests of shim/cacert.c: which CA certificates are found (the variables' order, the
 * distributions' paths, the one-line message when there are none), and the trust store built
 * from a bundle: chains verify against it, only the certificates a chain asks for are decoded,
 * CAs sharing a subject are all tried, and odd bundles (TRUSTED CERTIFICATE blocks, a broken
 * block, no certificate) behave. Certificates come from the openssl CLI, made on the spot. */
#include "cacert.h"
#include "log.h"
#include "unit.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/test_cacert.XXXXXX";
static int have_certs;

static const char *at(const char *name)
{
	static char bufs[8][256];
	static int next;
	char *p = bufs[next++ % 8];

	snprintf(p, sizeof(bufs[0]), "%s/%s", dir, name);
	return p;
}

/* Run a shell command in the test directory, quietly. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	size_t n;
	va_list ap;

	n = (size_t)snprintf(cmd, sizeof(cmd), "cd %s && (", dir);
	va_start(ap, fmt);
	n += (size_t)vsnprintf(cmd + n, sizeof(cmd) - n, fmt, ap);
	va_end(ap);
	if (n >= sizeof(cmd) - 32)
		return -1;
	snprintf(cmd + n, sizeof(cmd) - n, ") >/dev/null 2>&1");
	return system(cmd) == 0 ? 0 : -1;
}

#define KEY "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"

/* A self-signed CA NAME.pem with subject /CN=SUBJECT. */
static int make_ca(const char *name, const char *subject)
{
	return sh("openssl req -x509 " KEY " -keyout %s.key -out %s.pem -subj '/CN=%s' "
	          "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign",
	          name, name, subject);
}

/* A leaf certificate NAME.pem issued by the CA ISSUER. */
static int make_leaf(const char *name, const char *issuer)
{
	return sh("openssl req -x509 " KEY " -keyout %s.key -out %s.pem -subj /CN=%s "
	          "-CA %s.pem -CAkey %s.key",
	          name, name, name, issuer, issuer);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* A subject (and so an issuer) too long for the prefix the index decodes to find it. */
#define LONG_SUBJECT                                                                               \
	"Long "                                                                                    \
	"CA/OU=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"                      \
	"OU=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/"                         \
	"OU=cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc/"                         \
	"OU=dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd/"                         \
	"OU=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee/"                         \
	"OU=ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff/"                         \
	"OU=gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg/"                         \
	"OU=hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh/"                         \
	"OU=iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii"

static int setup(void)
{
	if (!mkdtemp(dir))
		return -1;
	/* Two CAs with one subject (a re-keyed CA), three others, and one nobody trusts. */
	if (make_ca("ca1", "Test CA") < 0 || make_ca("ca2", "Test CA") < 0 ||
	    make_ca("other1", "Other 1") < 0 || make_ca("other2", "Other 2") < 0 ||
	    make_ca("other3", "Other 3") < 0 || make_ca("stranger", "Stranger CA") < 0 ||
	    make_leaf("leaf1", "ca1") < 0 || make_leaf("leaf2", "ca2") < 0 ||
	    make_leaf("leaf3", "stranger") < 0 || make_leaf("leaf4", "other3") < 0 ||
	    make_ca("longca", LONG_SUBJECT) < 0 || make_leaf("leaf5", "longca") < 0)
		return -1;
	/* Comments between blocks, as RHEL's and SUSE's bundles have them. */
	if (sh("for c in other1 other2 ca1 other3 ca2 longca; do echo \"# $c\"; cat $c.pem; done "
	       ">bundle.pem") < 0 ||
	    sh("openssl x509 -in ca1.pem -addtrust serverAuth -out trusted.pem") < 0 ||
	    sh("printf -- '-----BEGIN CERTIFICATE-----\\nnot*base64\\n-----END CERTIFICATE-----\\n'"
	       " >broken.pem && cat ca1.pem >>broken.pem") < 0 ||
	    sh("printf -- '-----BEGIN CERTIFICATE-----\\nnot*base64\\n-----END CERTIFICATE-----\\n'"
	       " >garbage.pem") < 0 ||
	    sh("mkdir hashed && cp ca1.pem hashed/ && openssl rehash hashed") < 0 ||
	    write_file(at("empty.pem"), "# no certificate here\n") < 0)
		return -1;
	return 0;
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "test_cacert: cannot remove %s\n", dir);
}

/* X509_V_OK when the leaf in path verifies against st as a TLS client verifies a server
 * (purpose and trust "ssl_server"), else the verification error. */
static int verify(X509_STORE *st, const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = -1;

	if (f)
		fclose(f);
	if (x && ctx && X509_STORE_CTX_init(ctx, st, x, NULL) == 1 &&
	    X509_STORE_CTX_set_default(ctx, "ssl_server") == 1)
		rc = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	X509_free(x);
	return rc;
}

static X509_STORE *load(char **envp, const char *const *paths, struct shim_err *err)
{
	struct cacert_src src;
	X509_STORE *st = NULL;

	if (cacert_locate(&src, envp, paths, err) < 0)
		return NULL;
	if (cacert_load(&st, &src, err) < 0)
		st = NULL;
	cacert_src_free(&src);
	return st;
}

static X509_STORE *load_file(const char *var, const char *path, struct shim_err *err)
{
	char setting[300];
	char *envp[] = {setting, NULL};

	snprintf(setting, sizeof(setting), "%s=%s", var, path);
	return load(envp, NULL, err);
}

static size_t decoded(X509_STORE *st)
{
	return (size_t)sk_X509_OBJECT_num(X509_STORE_get0_objects(st));
}

/* ---- where ---- */

static void test_locate_order(void)
{
	const char *const none[] = {NULL};
	char aws[300], file[300], cdir[300], empty[] = "AWS_CA_BUNDLE=";
	char *both[] = {aws, file, NULL}, *ssl[] = {file, cdir, NULL},
	     *blank[] = {empty, file, NULL};
	struct cacert_src s;
	struct shim_err err = {0};

	if (!have_certs) {
		SKIP("cannot make certificates with the openssl CLI");
		return;
	}

	snprintf(aws, sizeof(aws), "AWS_CA_BUNDLE=%s", at("ca1.pem"));
	snprintf(file, sizeof(file), "SSL_CERT_FILE=%s", at("ca2.pem"));
	snprintf(cdir, sizeof(cdir), "SSL_CERT_DIR=/nonexistent:%s", at("hashed"));
	CHECK_INT(cacert_locate(&s, both, none, &err), 0);
	CHECK_STR(s.file, at("ca1.pem"));
	CHECK(s.dir == NULL);
	CHECK_STR(s.from, "AWS_CA_BUNDLE");
	cacert_src_free(&s);

	CHECK_INT(cacert_locate(&s, ssl, none, &err), 0);
	CHECK_STR(s.file, at("ca2.pem"));
	CHECK_STR(s.dir, cdir + strlen("SSL_CERT_DIR="));
	CHECK_STR(s.from, "SSL_CERT_FILE and SSL_CERT_DIR");
	cacert_src_free(&s);

	/* An empty variable counts as unset, as in the AWS SDKs. */
	CHECK_INT(cacert_locate(&s, blank, none, &err), 0);
	CHECK_STR(s.from, "SSL_CERT_FILE");
	cacert_src_free(&s);
}

static void test_locate_system_paths(void)
{
	const char *paths[] = {"/nonexistent/ca-certificates.crt", at("hashed"), at("ca2.pem"),
	                       at("ca1.pem"), NULL};
	char *envp[] = {NULL};
	struct cacert_src s;
	struct shim_err err = {0};

	if (!have_certs) {
		SKIP("cannot make certificates with the openssl CLI");
		return;
	}

	/* The first that exists as a file: a directory at a bundle's path is passed over. */
	CHECK_INT(cacert_locate(&s, envp, paths, &err), 0);
	CHECK_STR(s.file, at("ca2.pem"));
	CHECK_STR(s.from, "system");
	cacert_src_free(&s);
	CHECK_INT(cacert_locate(&s, NULL, NULL, &err), 0);
	CHECK(s.paths == cacert_system_paths);
	cacert_src_free(&s);
	CHECK_STR(cacert_system_paths[0], "/etc/ssl/certs/ca-certificates.crt");
}

/* None found: one line naming every path tried, status 65. */
static void test_none_found(void)
{
	const char *const paths[] = {"/nonexistent/a.crt", "/nonexistent/b.pem", NULL};
	struct shim_err err = {0};
	struct cacert_src s;
	X509_STORE *st = NULL;

	CHECK_INT(cacert_locate(&s, NULL, paths, &err), 0);
	CHECK(s.file == NULL && s.dir == NULL);
	CHECK_INT(cacert_load(&st, &s, &err), -1);
	CHECK(st == NULL);
	CHECK_INT(err.status, SHIM_EX_DATA);
	CHECK(strstr(err.msg, "/nonexistent/a.crt, /nonexistent/b.pem") != NULL);
	CHECK(strstr(err.msg, "AWS_CA_BUNDLE") != NULL);
	CHECK(strchr(err.msg, '\n') == NULL);
	cacert_src_free(&s);

	/* The real list, as a user sees it (cacert_src_free empties it, keeping paths). */
	CHECK_INT(cacert_locate(&s, NULL, NULL, &err), 0);
	cacert_src_free(&s);
	CHECK_INT(cacert_load(&st, &s, &err), -1);
	for (const char *const *p = cacert_system_paths; *p; p++)
		CHECK(strstr(err.msg, *p) != NULL);
	CHECK(strlen(err.msg) < sizeof(err.msg) - 1);
	cacert_src_free(&s);
}

/* A variable that names nothing usable is an error, never a fall-back to another store. */
static void test_named_missing(void)
{
	const char *const paths[] = {at("ca1.pem"), NULL};
	char a[300], f[300], d[300];
	char *aws[] = {a, NULL}, *file[] = {f, NULL}, *cdir[] = {d, NULL};
	struct cacert_src s = {0};
	struct shim_err err = {0};

	snprintf(a, sizeof(a), "AWS_CA_BUNDLE=%s", at("missing.pem"));
	CHECK_INT(cacert_locate(&s, aws, paths, &err), -1);
	CHECK_INT(err.status, SHIM_EX_DATA);
	CHECK(strstr(err.msg, at("missing.pem")) != NULL);
	CHECK(strstr(err.msg, "AWS_CA_BUNDLE") != NULL);
	CHECK(s.file == NULL);
	snprintf(f, sizeof(f), "SSL_CERT_FILE=%s", at("hashed"));
	CHECK_INT(cacert_locate(&s, file, paths, &err), -1);
	CHECK(strstr(err.msg, "SSL_CERT_FILE") != NULL);
	CHECK(strstr(err.msg, "directory") != NULL);
	snprintf(d, sizeof(d), "SSL_CERT_DIR=%s", at("ca1.pem"));
	CHECK_INT(cacert_locate(&s, cdir, paths, &err), -1);
	CHECK(strstr(err.msg, "SSL_CERT_DIR") != NULL);
}

/* ---- the store ---- */

static void test_bundle_verifies(void)
{
	struct shim_err err = {0};
	X509_STORE *st;

	if (!have_certs) {
		SKIP("cannot make certificates with the openssl CLI");
		return;
	}
	st = load_file("AWS_CA_BUNDLE", at("bundle.pem"), &err);
	CHECK(st != NULL);
	if (!st)
		return;
	CHECK_INT(decoded(st), 0);
	CHECK_INT(verify(st, at("leaf1.pem")), X509_V_OK);
	/* Only the certificates with the subject asked for were decoded: both "Test CA"s. */
	CHECK_INT(decoded(st), 2);
	/* The second CA of that subject is the issuer here: every candidate is tried. */
	CHECK_INT(verify(st, at("leaf2.pem")), X509_V_OK);
	CHECK_INT(verify(st, at("leaf3.pem")), X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	CHECK_INT(decoded(st), 2);
	/* Every certificate of the bundle is trusted, not only those already decoded. */
	CHECK_INT(verify(st, at("leaf4.pem")), X509_V_OK);
	CHECK_INT(decoded(st), 3);
	/* A subject beyond the decoded prefix is found through the whole certificate. */
	CHECK_INT(verify(st, at("leaf5.pem")), X509_V_OK);
	CHECK_INT(decoded(st), 4);
	X509_STORE_free(st);
}

static void test_bundle_forms(void)
{
	struct shim_err err = {0};
	X509_STORE *st;

	if (!have_certs) {
		SKIP("cannot make certificates with the openssl CLI");
		return;
	}
	/* OpenSSL's TRUSTED CERTIFICATE form, with its trust settings. */
	st = load_file("SSL_CERT_FILE", at("trusted.pem"), &err);
	CHECK(st && verify(st, at("leaf1.pem")) == X509_V_OK);
	X509_STORE_free(st);
	/* A block that does not decode is skipped; the rest of the bundle still counts. */
	st = load_file("SSL_CERT_FILE", at("broken.pem"), &err);
	CHECK(st && verify(st, at("leaf1.pem")) == X509_V_OK);
	X509_STORE_free(st);
	/* An intermediate or a leaf in the bundle is an anchor, as libcurl has it. */
	st = load_file("SSL_CERT_FILE", at("leaf2.pem"), &err);
	CHECK(st && verify(st, at("leaf2.pem")) == X509_V_OK);
	X509_STORE_free(st);
	/* A hashed directory. */
	st = load_file("SSL_CERT_DIR", at("hashed"), &err);
	CHECK(st && verify(st, at("leaf1.pem")) == X509_V_OK);
	CHECK(st && verify(st, at("leaf2.pem")) != X509_V_OK);
	X509_STORE_free(st);
	/* A file with no certificate in it is an error that names it. */
	st = load_file("AWS_CA_BUNDLE", at("empty.pem"), &err);
	CHECK(st == NULL);
	CHECK_INT(err.status, SHIM_EX_DATA);
	CHECK(strstr(err.msg, "no certificate") != NULL);
	CHECK(strstr(err.msg, at("empty.pem")) != NULL);
}

/* A bundle whose certificate blocks are all unreadable: made into a store (its blocks are read
 * when a chain first asks), nothing verifies against it, and cacert_check then says what
 * cacert_load says of a file with no certificate. A usable bundle passes the check, keyed or
 * not. */
static void test_bundle_unreadable_blocks(void)
{
	struct shim_err err = {0};
	struct cacert_src src;
	char setting[300];
	char *envp[] = {setting, NULL};
	X509_STORE *st = NULL;

	if (!have_certs) {
		SKIP("cannot make certificates with the openssl CLI");
		return;
	}
	snprintf(setting, sizeof(setting), "AWS_CA_BUNDLE=%s", at("garbage.pem"));
	CHECK(cacert_locate(&src, envp, NULL, &err) == 0);
	CHECK(cacert_load(&st, &src, &err) == 0 && st);
	CHECK(st && verify(st, at("leaf1.pem")) == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	CHECK_INT(cacert_check(st, &src, &err), -1);
	CHECK_INT(err.status, SHIM_EX_DATA);
	CHECK(strstr(err.msg, "no certificate") != NULL);
	CHECK(strstr(err.msg, at("garbage.pem")) != NULL);
	X509_STORE_free(st);
	cacert_src_free(&src);

	/* Checked before any chain asked (the subjects keyed by the check), then used. */
	memset(&err, 0, sizeof(err));
	snprintf(setting, sizeof(setting), "AWS_CA_BUNDLE=%s", at("broken.pem"));
	st = NULL;
	CHECK(cacert_locate(&src, envp, NULL, &err) == 0);
	CHECK(cacert_load(&st, &src, &err) == 0 && st);
	CHECK_INT(cacert_check(st, &src, &err), 0);
	cacert_prepare(st);
	CHECK(st && verify(st, at("leaf1.pem")) == X509_V_OK);
	CHECK_INT(cacert_check(st, &src, &err), 0);
	X509_STORE_free(st);
	cacert_src_free(&src);
}

/* ---- cacert_name_key: names OpenSSL holds equal get one key, without decoding ---- */

static int key_of(uint64_t *key, const X509_NAME *name)
{
	unsigned char *der = NULL;
	int n = i2d_X509_NAME(name, &der), rc;

	rc = n > 0 ? cacert_name_key(key, der, (size_t)n) : -1;
	OPENSSL_free(der);
	return rc;
}

static X509_NAME *name_of(int type, const char *cn, const char *o)
{
	X509_NAME *n = X509_NAME_new();

	X509_NAME_add_entry_by_txt(n, "O", type, (const unsigned char *)o, -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", type, (const unsigned char *)cn, -1, -1, 0);
	return n;
}

static void test_name_key_canonical_forms(void)
{
	X509_NAME *a = name_of(V_ASN1_PRINTABLESTRING, "  Covenant   Root CA ", "Covenant"),
	          *b = name_of(V_ASN1_UTF8STRING, "covenant root ca", "COVENANT"),
	          *c = name_of(V_ASN1_UTF8STRING, "covenant root ca2", "COVENANT"),
	          *d = X509_NAME_new();
	uint64_t ka = 1, kb = 2, kc = 3, kd = 4;

	CHECK_INT(key_of(&ka, a), 0);
	CHECK_INT(key_of(&kb, b), 0);
	CHECK_INT(key_of(&kc, c), 0);
	X509_NAME_add_entry_by_txt(d, "CN", V_ASN1_BMPSTRING, (const unsigned char *)"\0c\0a", 4,
	                           -1, 0);
	CHECK(ka == kb && X509_NAME_cmp(a, b) == 0); /* equal for OpenSSL: one key */
	CHECK(ka != kc && X509_NAME_cmp(a, c) != 0);
	CHECK_INT(key_of(&kd, d), 1); /* BMPString: OpenSSL's canonical form decides */
	CHECK_INT(cacert_name_key(&kd, (const unsigned char *)"\x30\x03\x31", 3), -1);
	X509_NAME_free(a);
	X509_NAME_free(b);
	X509_NAME_free(c);
	X509_NAME_free(d);
}

/* Every subject of the system bundle: the key from its DER is the key of OpenSSL's decoded
 * name, and two subjects share a key only when OpenSSL holds them equal. */
static void test_name_key_system_bundle(void)
{
	FILE *f = fopen("/etc/ssl/certs/ca-certificates.crt", "r");
	X509_NAME *names[400];
	uint64_t keys[400];
	size_t n = 0;
	X509 *x;

	if (!f) {
		SKIP("no system CA bundle");
		return;
	}
	while (n < 400 && (x = PEM_read_X509(f, NULL, NULL, NULL))) {
		if (key_of(&keys[n], X509_get_subject_name(x)) == 0)
			names[n++] = X509_NAME_dup(X509_get_subject_name(x));
		X509_free(x);
	}
	fclose(f);
	CHECK(n > 50);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if ((keys[i] == keys[j]) != (X509_NAME_cmp(names[i], names[j]) == 0))
				CHECK(!"a key disagrees with X509_NAME_cmp");
	for (size_t i = 0; i < n; i++)
		X509_NAME_free(names[i]);
}

int main(void)
{
	log_setup(LOG_ERROR, LOG_TEXT); /* the broken block's warning is expected */
	have_certs = setup() == 0;
	if (!have_certs)
		fprintf(stderr, "test_cacert: cannot make test certificates in %s\n", dir);
	RUN(test_locate_order);
	RUN(test_locate_system_paths);
	RUN(test_none_found);
	RUN(test_named_missing);
	RUN(test_bundle_verifies);
	RUN(test_bundle_forms);
	RUN(test_bundle_unreadable_blocks);
	RUN(test_name_key_canonical_forms);
	RUN(test_name_key_system_bundle);
	teardown();
	return unit_done("test_cacert");
}
