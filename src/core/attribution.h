/* attribution.h: the attribute stage's verdict on an incident, as data: the ranked
 * hypotheses with the contribution of each piece of evidence, and the Analysis of Competing
 * Hypotheses table. It is part of the incident (core/incident.h), which store, report and
 * the library's caller read without the model (attribute/attribute.h). */
#ifndef TS_ATTRIBUTION_H
#define TS_ATTRIBUTION_H

#include <stddef.h>
#include <stdint.h>

typedef struct ts_contribution {
    char *what;    /* owned: the evidence and why it counts this much */
    double weight; /* added to the hypothesis' score (log-likelihood ratio, nats) */
    size_t alert;  /* as in the evidence */
} ts_contribution;

typedef struct ts_hypothesis {
    uint32_t actor; /* 0 for the alternatives that are not catalogued actors */
    char *name;     /* owned: the actor's name, "unattributed", or "insider" */
    double score;
    double probability;        /* 0..1, over all hypotheses */
    const char *wording;       /* static ICD 203 term for probability */
    ts_contribution *contribs; /* owned */
    size_t n_contribs;
} ts_hypothesis;

/* One row of the Analysis of Competing Hypotheses table: a piece of evidence against the
 * leading hypotheses (log-likelihood ratio against "unattributed", nats: > 0 consistent,
 * < 0 inconsistent), and how much it tells them apart (the spread of those weights). */
#define TS_ACH_COLS 4
typedef struct ts_ach_row {
    char *evidence; /* owned */
    double weight[TS_ACH_COLS];
    double diagnosticity;
} ts_ach_row;

typedef struct ts_attribution {
    ts_hypothesis *hyps; /* ranked, most probable first (a summed "n other catalogued actors",
                            when present, comes last); owned */
    size_t n;
    char *summary;          /* owned: the verdict, one line: "Lazarus Group: very likely (87%); alternatives:
                               ... Confidence: high: ..." (never names an actor below "likely") */
    const char *confidence; /* static: "low", "moderate" or "high" (how much independent evidence) */
    size_t ach_col[TS_ACH_COLS]; /* the ACH table's hypotheses, as indexes into hyps */
    size_t n_ach_cols;
    ts_ach_row *ach; /* owned; most diagnostic first */
    size_t n_ach;
} ts_attribution;
void ts_attribution_free(ts_attribution *a);

#endif
