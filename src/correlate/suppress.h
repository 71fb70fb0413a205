/* suppress.h: the analyst's suppressions, applied to a hunt's incidents before they are
 * attributed and stored. A suppressed alert is kept (stored, counted, shown as such); it
 * only stops counting: it adds nothing to its incident's severity or attribution. */
#ifndef TS_SUPPRESS_H
#define TS_SUPPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "correlate/correlate.h"

/* One suppression: every condition given must hold (NULL: any). Values are globs
 * (fnmatch, case-insensitive: "scan-*"); ip may also be a CIDR. Strings are owned. */
typedef struct ts_suppression {
    int64_t id;      /* in the store */
    char *detector;  /* the detector's name */
    char *rule;      /* a Sigma rule's id or title */
    char *host;      /* the internal host's name or address */
    char *user;      /* the account ("alice" also matches "CORP\alice" and "alice@corp") */
    char *ip;        /* an address or CIDR, internal or remote side */
    char *indicator; /* the matched indicator, observed value or outside name */
    char *field;     /* an alert field by its JSON name (ts_suppress_field_ok) ... */
    char *value;     /* ... and the value it must have */
    char *reason;    /* required */
    int64_t created_ns;
    int64_t expires_ns; /* 0: never */
} ts_suppression;

void ts_suppression_clear(ts_suppression *r);

/* Whether r names at least one condition, and its field (if any) is one alerts have. */
int ts_suppression_valid(const ts_suppression *r);
/* Whether name is an alert field a suppression can test (the names of docs/json-output.md). */
int ts_suppress_field_ok(const char *name);

/* Whether every condition of r holds for a (expiry is the caller's business). */
int ts_suppression_matches(const ts_suppression *r, const ts_alert *a);

/* The conditions as one line, "detector = brute-force, host = scan-*", into buf. */
void ts_suppression_describe(const ts_suppression *r, char *buf, size_t cap);

/* Marks every alert of inc the first matching rule of rules[0..n) suppresses (alerts a
 * warninglist already suppressed are left as they are), and sets inc->severity to the
 * highest of the alerts left active (0 when none is). Returns how many it marked, or
 * (size_t)-1 when out of memory (the alerts marked so far stay marked). */
size_t ts_suppress_incident(const ts_suppression *rules, size_t n, ts_incident *inc);

/* "NAME=VALUE" (s[0..n), NUL-free) into malloc'ed *name and *value: NAME must be a field
 * ts_suppress_field_ok accepts, VALUE not empty. Returns 0, -1 when malformed, -2 when out
 * of memory. */
int ts_suppress_field_parse(const char *s, size_t n, char **name, char **value);

/* An expiry as an analyst writes it: a duration from now ("90m", "12h", "30d", "2w") or a
 * UTC date ("2027-01-31", the end of that day; "2027-01-31T18:00:00Z") into ns since the
 * epoch. s need not be NUL-terminated. Returns 0, or -1 when it is neither (or is past). */
int ts_expiry_parse(const char *s, size_t n, int64_t now_ns, int64_t *out_ns);

#endif
