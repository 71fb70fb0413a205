/* stix_pattern.h: the STIX 2.1 patterning language, reduced to the indicator values it names. */
#ifndef TS_STIX_PATTERN_H
#define TS_STIX_PATTERN_H

#include <stddef.h>

#include "intel/intel.h"

/* Comparison operators that can yield an indicator value. */
typedef enum ts_stix_op {
    TS_STIX_EQ = 1,   /* = */
    TS_STIX_ISSUBSET, /* ISSUBSET: the value is a CIDR */
    TS_STIX_IN,       /* IN ('a', 'b'): one comparison per set member */
} ts_stix_op;

/* One (type, value) comparison found in a pattern. */
typedef struct ts_stix_cmp {
    ts_ioc_type type;
    ts_stix_op op;
    const char *value; /* unescaped, NUL-terminated; owned by the ts_stix_pattern */
    size_t len;
} ts_stix_cmp;

/* A parsed pattern: the comparisons tocsin can match and messages about the parts it
 * cannot (unknown object paths, negations, LIKE/MATCHES, ...). */
typedef struct ts_stix_pattern {
    ts_stix_cmp *cmp;
    size_t n;
    char **notes; /* one message per unsupported construct; at most TS_STIX_MAX_NOTES */
    size_t n_notes;
    char err[160]; /* the syntax error, when parsing failed */
    /* private */
    size_t cap, notes_cap;
    char *buf; /* unescaped values */
    size_t buf_used;
} ts_stix_pattern;

#define TS_STIX_MAX_NOTES 16
#define TS_STIX_MAX_DEPTH 64 /* nesting of parentheses and brackets */

/* Parses the pattern p[0..n) into out (which the caller frees with ts_stix_pattern_free,
 * whatever the result). Returns TOCSIN_OK; TOCSIN_E_PARSE on a syntax error (out->err says
 * where; no comparisons are kept); TOCSIN_E_NOMEM. A valid pattern with nothing tocsin can
 * match is TOCSIN_OK with out->n == 0 and notes saying why. */
tocsin_code ts_stix_pattern_parse(const char *p, size_t n, ts_stix_pattern *out);
void ts_stix_pattern_free(ts_stix_pattern *pat);

#endif
