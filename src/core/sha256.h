/* sha256.h: SHA-256 (FIPS 180-4), to key stored feeds and cached compiled rules by their content. */
#ifndef TS_SHA256_H
#define TS_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the digest of data[0..len) as 64 lower-case hex digits and a NUL into hex. */
void ts_sha256_hex(const void *data, size_t len, char hex[65]);

/* For tests: on, the portable code is used even where the processor has SHA extensions;
 * off, the processor is asked again. */
void ts_sha256_portable(bool on);

#endif
