/* phish_int.h: domain helpers of the phishing detector (registrable part, edit distance,
 * look-alike skeletons, punycode), kept apart so they are tested on their own. */
#ifndef TS_PHISH_INT_H
#define TS_PHISH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/str.h"

#define PHISH_NAME_MAX 256

/* memchr / memrchr on a view that may be empty (and then have no pointer at all). */
static inline const char *phish_chr(ts_str s, int c)
{
    return s.n ? (const char *)memchr(s.p, c, s.n) : NULL;
}
static inline const char *phish_rchr(ts_str s, int c)
{
    return s.n ? (const char *)memrchr(s.p, c, s.n) : NULL;
}

/* 64-bit FNV-1a of s, ASCII case folded. */
uint64_t phish_hash(ts_str s);

/* The registrable part of a host name ("a.b.example.co.uk" -> "example.co.uk"), lower
 * case, written into out (PHISH_NAME_MAX bytes); returns its length, 0 if none (an IP
 * literal, a single label). From the Public Suffix List (libpsl). */
size_t phish_registrable(ts_str host, char *out);
/* The first label of a registrable name: "example" of "example.co.uk". */
ts_str phish_label(ts_str reg);

/* Damerau-Levenshtein (optimal string alignment) distance of a and b, stopping at
 * limit + 1; inputs over 63 bytes give limit + 1. */
unsigned phish_distance(ts_str a, ts_str b, unsigned limit);

/* The look-alike skeleton of a label: punycode ("xn--...") decoded, Cyrillic, Greek and
 * accented Latin look-alikes mapped to the Latin letters they imitate, then "rn"->"m",
 * "vv"->"w", "0"->"o", "1"->"l", lower case. Returns the length written to out
 * (PHISH_NAME_MAX bytes); *mapped is set when anything was replaced or decoded. */
size_t phish_skeleton(ts_str label, char *out, bool *mapped);

/* The Latin letter a code point imitates (Cyrillic, Greek, accented Latin), or 0. */
char phish_confusable(uint32_t c);

/* Decodes one punycode label body (without "xn--") into code points; returns the count,
 * or -1 when invalid or over cap. */
int phish_punycode(ts_str in, uint32_t *cp, size_t cap);

/* How cand (a registrable name) imitates target (another): writes a short reason ("one
 * edit from example.com", "homoglyphs of example.com", "example.com with added words",
 * "example.com under another suffix") and returns true; false when it does not, or when
 * the two are the same name. */
bool phish_imitates(ts_str cand, ts_str target, char *why, size_t cap);

#endif
