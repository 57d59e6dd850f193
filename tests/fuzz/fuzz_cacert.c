/* libFuzzer target for the CA bundle reader of shim/cacert.c: arbitrary bytes as a bundle,
 * loaded, then looked up by the subject of the one certificate the seeds carry and by a name no
 * certificate has, then checked. Either the load fails (65, or 70 on OOM) with nothing made, or
 * the store answers look-ups and the check passes or says 65 in one line. abort() on a
 * violation. A replay driver (-DFUZZ_REPLAY) runs the files given as arguments, or the
 * built-in seeds.
 * Build and run (from the repository root), or `make fuzz`:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -D_GNU_SOURCE \
 *     tests/fuzz/fuzz_cacert.c shim/cacert.c shim/base64.c shim/env.c shim/file.c \
 *     shim/buf.c shim/wipe.c shim/err.c shim/log.c shim/sanitize.c -lcrypto -o /tmp/fuzz_cacert
 *   /tmp/fuzz_cacert -max_total_time=20 */
#include "cacert.h"

#include <openssl/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEED_CERT                                                                                  \
	"-----BEGIN CERTIFICATE-----\n"                                                            \
	"MIIBdDCCARmgAwIBAgIUJ71iXBCa9s1iR6VeDHSL6CiPwbkwCgYIKoZIzj0EAwIw\n"                       \
	"DzENMAsGA1UEAwwEU2VlZDAeFw0yNjExMzAwOTM0MzFaFw0zNjExMjcwOTM0MzFa\n"                       \
	"MA8xDTALBgNVBAMMBFNlZWQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQpi23+\n"                       \
	"dUfylJ6ASJHN7spG3UNen/QoA+4WirSPMBl/OtSEeI8+H90KMcOGkyXAmI7sR+lK\n"                       \
	"iufZF0UyMqP4wSvYo1MwUTAdBgNVHQ4EFgQUA/nCJDik1H0FzIK6vjEDNlcukLow\n"                       \
	"HwYDVR0jBBgwFoAUA/nCJDik1H0FzIK6vjEDNlcukLowDwYDVR0TAQH/BAUwAwEB\n"                       \
	"/zAKBggqhkjOPQQDAgNJADBGAiEAwWDsp3xSJ+51+40+/L27gTWnqOEsPxQDSz/R\n"                       \
	"bSpXKRcCIQCgmUF8VvigAoJObZCjwVp2uquCYeDDr1ArlH8+Ynoe4Q==\n"                               \
	"-----END CERTIFICATE-----\n"

static void require(int cond)
{
	if (!cond)
		abort();
}

static int bundle_fd = -1;
static char bundle_path[64];

static void lookup(X509_STORE *st, const char *cn)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_NAME *name = X509_NAME_new();
	STACK_OF(X509) *found = NULL;

	require(ctx && name && X509_STORE_CTX_init(ctx, st, NULL, NULL) == 1);
	require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
	                                   -1, 0) == 1);
	found = X509_STORE_CTX_get1_certs(ctx, name);
	for (int i = 0; found && i < sk_X509_num(found); i++)
		require(X509_NAME_cmp(X509_get_subject_name(sk_X509_value(found, i)), name) == 0);
	sk_X509_pop_free(found, X509_free);
	X509_NAME_free(name);
	X509_STORE_CTX_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cacert_src src = {.from = "fuzz", .paths = cacert_system_paths};
	struct shim_err err = {0};
	X509_STORE *st = NULL;

	if (bundle_fd < 0) {
		bundle_fd = memfd_create("fuzz_cacert", 0);
		require(bundle_fd >= 0);
		snprintf(bundle_path, sizeof(bundle_path), "/proc/self/fd/%d", bundle_fd);
	}
	require(ftruncate(bundle_fd, 0) == 0);
	require(pwrite(bundle_fd, data, size, 0) == (ssize_t)size);
	src.file = bundle_path;
	if (cacert_load(&st, &src, &err) < 0) {
		require(st == NULL);
		require(err.status == SHIM_EX_DATA || err.status == SHIM_EX_INTERNAL);
		require(err.msg[0] && !strchr(err.msg, '\n'));
		return 0;
	}
	require(st != NULL);
	lookup(st, "Seed");
	lookup(st, "Nobody");
	/* After the look-ups keyed the bundle: usable, or 65 with one line. */
	if (cacert_check(st, &src, &err) < 0)
		require(err.status == SHIM_EX_DATA && err.msg[0] && !strchr(err.msg, '\n'));
	X509_STORE_free(st);
	return 0;
}

#ifdef FUZZ_REPLAY
static const char *const seeds[] = {
        SEED_CERT,
        "# a comment\n" SEED_CERT "-----BEGIN TRUSTED CERTIFICATE-----\nAAAA\n"
        "-----END TRUSTED CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n" SEED_CERT,
        "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n",
        "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
        "-----BEGIN CERTIFICATE-----\nMIIB",
        "",
};

#include "replay.h"

int main(int argc, char **argv)
{
	return replay_main(argc, argv, seeds, sizeof(seeds) / sizeof(seeds[0]), "fuzz_cacert");
}
#endif
