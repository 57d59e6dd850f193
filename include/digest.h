/* SHA-256 as lower-case hex (SigV4's hashes, --check's prefixes and --digest) and
 * HMAC-SHA256 (SigV4's key chain and signature). */
#ifndef SHIM_DIGEST_H
#define SHIM_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX_SIZE   65 /* 64 hex digits and a NUL */
#define DIGEST_SHA256_LEN 32

/* 0 with out filled, or -1 when libcrypto fails (out then holds ""). */
int digest_sha256_hex(char out[DIGEST_HEX_SIZE], const void *data, size_t len);

/* HMAC-SHA256 of data[0..len) under key[0..key_len) (any length) into out: 0, or -1 when
 * libcrypto fails. The key's copies on the stack are wiped. */
int digest_hmac_sha256(unsigned char out[DIGEST_SHA256_LEN], const void *key, size_t key_len,
                       const void *data, size_t len);

#endif
