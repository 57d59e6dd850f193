/* SHA-256 (hex) and HMAC-SHA256 through OpenSSL's EVP digests, with the algorithm fetched once
 * per process: OpenSSL 3's one-shot HMAC() fetches and builds a MAC context on every call
 * (about 75,000 instructions each; SigV4 makes five per request). */
#include "digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#define SHA256_BLOCK 64

/* The default library context's SHA-256, fetched on first use and kept for the process. */
static const EVP_MD *sha256(void)
{
	static EVP_MD *md;

	if (!md)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md;
}

int digest_sha256_hex(char out[DIGEST_HEX_SIZE], const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	out[0] = '\0';
	if (!sha256() || EVP_Digest(data ? data : "", len, md, &n, sha256(), NULL) != 1 || n != 32)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

/* H(k ^ pad || a || b) into out (32 bytes). */
static int pad_hash(EVP_MD_CTX *ctx, unsigned char out[32], const unsigned char k[SHA256_BLOCK],
                    unsigned char padbyte, const void *a, size_t a_len)
{
	unsigned char pad[SHA256_BLOCK];
	unsigned int n = 0;
	int ok;

	for (size_t i = 0; i < SHA256_BLOCK; i++)
		pad[i] = k[i] ^ padbyte;
	ok = EVP_DigestInit_ex(ctx, sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, pad, sizeof(pad)) == 1 &&
	     (a_len == 0 || EVP_DigestUpdate(ctx, a, a_len) == 1) &&
	     EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == 32;
	OPENSSL_cleanse(pad, sizeof(pad));
	return ok ? 0 : -1;
}

/* RFC 2104: H((K ^ opad) || H((K ^ ipad) || data)), K the key zero-padded to the block size,
 * or its hash when longer. */
int digest_hmac_sha256(unsigned char out[DIGEST_SHA256_LEN], const void *key, size_t key_len,
                       const void *data, size_t len)
{
	unsigned char k[SHA256_BLOCK] = {0}, inner[32];
	unsigned int n = 0;
	EVP_MD_CTX *ctx;
	int rc = -1;

	if (!sha256() || !(ctx = EVP_MD_CTX_new()))
		return -1;
	if (key_len > SHA256_BLOCK) {
		if (EVP_Digest(key, key_len, k, &n, sha256(), NULL) != 1 || n != 32)
			goto out;
	} else if (key_len) {
		memcpy(k, key, key_len);
	}
	if (pad_hash(ctx, inner, k, 0x36, data, len) == 0 &&
	    pad_hash(ctx, out, k, 0x5c, inner, sizeof(inner)) == 0)
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(inner, sizeof(inner));
	return rc;
}
