/* sharing.h: classes of infrastructure many people share (CDN, cloud, VPN, Tor, dynamic
 * DNS, sinkholes...; data/attribution/sharing.tsv), so an actor's indicator that falls in
 * one counts weakly or not at all, and the evidence says why. A value is classed by the
 * MISP warninglist that lists it (by the list's name) or by its domain. */
#ifndef TS_ATTR_SHARING_H
#define TS_ATTR_SHARING_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/diag.h"
#include "tocsin.h"

typedef struct ts_share_class {
    char *name;    /* "cloud" */
    double factor; /* the indicator's weight is multiplied by it, 0..1 */
    char *why;     /* "cloud hosting: addresses are rented by the hour ..." */
} ts_share_class;

typedef struct ts_share_rule {
    size_t cls;   /* index into classes */
    char *words;  /* list rule: lower-case words of a warninglist name; NULL for a suffix */
    char *suffix; /* suffix rule: a lower-case domain */
} ts_share_rule;

typedef struct ts_share_table {
    ts_share_class *classes;
    size_t n_classes, cap_classes;
    ts_share_rule *rules;
    size_t n_rules, cap_rules;
} ts_share_table;

/* Reads the table (format: data/attribution/sharing.tsv). A bad line goes to diag
 * (core/diag.h; may be NULL) with the path and its 1-based number, and is skipped.
 * TOCSIN_E_IO when the file cannot be read, TOCSIN_E_NOMEM; *out is then empty. */
tocsin_code ts_share_load(const char *path, ts_share_table *out, ts_diag_fn diag, void *ud);
/* The same from an open stream (not closed); name is the file's name in diagnostics (may be
 * NULL). */
tocsin_code ts_share_read(FILE *f, const char *name, ts_share_table *out, ts_diag_fn diag, void *ud);
void ts_share_free(ts_share_table *t);

/* The class of a value: by the warninglist that lists it (its name, or a note
 * "warninglist: NAME"; NULL: none), else by the value as a domain, URL host or mail
 * domain. NULL when t is NULL or nothing matches. */
const ts_share_class *ts_share_classify(const ts_share_table *t, const char *warninglist, const char *value);

#endif
