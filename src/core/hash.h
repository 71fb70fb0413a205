/* hash.h: the one hash for keys and identifiers: FNV-1a 64, stable across runs and platforms. */
#ifndef TS_HASH_H
#define TS_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* FNV-1a 64's offset basis: where a hash starts. Saved state and identifiers (incident ids,
 * alert ids, baseline keys) hold these hashes, so the function and basis never change. */
#define TS_HASH_SEED 0xcbf29ce484222325ULL

/* FNV-1a 64 of n bytes at p, continuing from h (start with TS_HASH_SEED); p may be NULL
 * when n is 0. Small and good enough for keys; its low bits are weak on near names, so a
 * table indexed by them mixes first. */
static inline uint64_t ts_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return h;
}

/* The same with ASCII letters folded to lower case (account, host and domain names
 * compare case-blind). */
static inline uint64_t ts_hash_fold(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + ('a' - 'A'));
        h = (h ^ c) * 0x100000001b3ULL;
    }
    return h;
}

/* A C string and its terminating NUL (NULL hashes as ""): the NUL separates fields, so
 * "ab" then "c" differs from "a" then "bc". */
static inline uint64_t ts_hash_str(uint64_t h, const char *s)
{
    return ts_hash(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

#endif
