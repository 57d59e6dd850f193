/* SHA-256 as lower-case hex: SigV4's hashes, --check's prefixes and --digest. */
#ifndef SHIM_DIGEST_H
#define SHIM_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX_SIZE 65 /* 64 hex digits and a NUL */

/* 0 with out filled, or -1 when libcrypto fails (out then holds ""). */
int digest_sha256_hex(char out[DIGEST_HEX_SIZE], const void *data, size_t len);

#endif
