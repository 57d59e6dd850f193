/* digest.c: SHA-256 hex and HMAC-SHA256 against published vectors (FIPS 180-2, RFC 4231). */
#include "digest.h"

#include "unit.h"

#include <stdio.h>
#include <string.h>

static void hex(char *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_sha256_hex(void)
{
	char out[DIGEST_HEX_SIZE];

	CHECK(digest_sha256_hex(out, "abc", 3) == 0);
	CHECK_STR(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK(digest_sha256_hex(out, NULL, 0) == 0);
	CHECK_STR(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* key, data, first 32 bytes of HMAC-SHA-256 (RFC 4231 test cases 1, 2, 3, 4, 6 and 7). */
static void hmac_case(const unsigned char *key, size_t key_len, const char *data, size_t len,
                      const char *want)
{
	unsigned char mac[DIGEST_SHA256_LEN];
	char got[2 * DIGEST_SHA256_LEN + 1];

	CHECK(digest_hmac_sha256(mac, key, key_len, data, len) == 0);
	hex(got, mac, sizeof(mac));
	CHECK_STR(got, want);
}

static void test_hmac_rfc4231(void)
{
	unsigned char k[131];

	memset(k, 0x0b, 20);
	hmac_case(k, 20, "Hi There", 8,
	          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hmac_case((const unsigned char *)"Jefe", 4, "what do ya want for nothing?", 28,
	          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k, 0xaa, 20);
	{
		char d[50];
		memset(d, 0xdd, sizeof(d));
		hmac_case(k, 20, d, sizeof(d),
		          "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	}
	for (int i = 0; i < 25; i++)
		k[i] = (unsigned char)(i + 1);
	{
		char d[50];
		memset(d, 0xcd, sizeof(d));
		hmac_case(k, 25, d, sizeof(d),
		          "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	}
	/* A key longer than the block size is hashed first. */
	memset(k, 0xaa, sizeof(k));
	hmac_case(k, sizeof(k), "Test Using Larger Than Block-Size Key - Hash Key First", 54,
	          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	{
		const char *d =
		        "This is a test using a larger than block-size key and a larger than "
		        "block-size data. The key needs to be hashed before being used by the "
		        "HMAC algorithm.";
		hmac_case(k, sizeof(k), d, strlen(d),
		          "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
	}
	/* Exactly one block of key, and an empty key and message. */
	memset(k, 0x61, 64);
	{
		unsigned char a[DIGEST_SHA256_LEN], b[DIGEST_SHA256_LEN];
		CHECK(digest_hmac_sha256(a, k, 64, "x", 1) == 0);
		CHECK(digest_hmac_sha256(b, k, 63, "x", 1) == 0);
		CHECK(memcmp(a, b, sizeof(a)) != 0);
	}
	hmac_case(NULL, 0, "", 0,
	          "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

int main(void)
{
	RUN(test_sha256_hex);
	RUN(test_hmac_rfc4231);
	return unit_done("test_digest");
}
