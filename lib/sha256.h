/*
 * sha256.h - SHA-256, for the few digests berth itself needs (Kamal's
 * build clone directory is named after the digest of the working
 * directory). berth does not link libcrypto: loading it would cost every
 * run more than all of berth's own hashing ever will.
 */
#ifndef BERTH_SHA256_H
#define BERTH_SHA256_H

#include "strbuf.h"

#include <stdint.h>

void sha256(const void *data, size_t len, unsigned char out[32]);
/* Appends the lowercase hex digest. */
void sha256_hex(struct strbuf *out, const void *data, size_t len);

#endif
