/* model_int.h: the attribution model's state while it weighs evidence, shared by the files
 * of the model (attribute.c: hypotheses, indicators and the result; profile.c: the
 * technique and software channels). Not for other stages. */
#ifndef TS_ATTR_MODEL_INT_H
#define TS_ATTR_MODEL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/str.h"
#include "attribute/attribute.h"

typedef struct contrib_b {
    ts_attr_kind kind;
    double w;
    char *what; /* owned */
    size_t alert;
    bool costly;      /* evidence costly to fake: exclusive infrastructure, a direct connection from home */
    bool quiet;       /* for the ACH table only: its weight is in a summed line (not in the score) */
    size_t ev;        /* the distinct evidence it weighs (model.cur_ev when added), SIZE_MAX: none */
    uint64_t cluster; /* an indicator's cluster (ts_attr_evidence.cluster), 0: none */
} contrib_b;

typedef struct hyp_b {
    uint32_t actor; /* 0: unattributed or insider */
    const char *name;
    contrib_b *v;
    size_t n, cap;
    double score;
    /* positive support by class, counted before weak contributions are folded */
    size_t n_costly, n_public, n_cheap_ioc, n_claim, n_insider;
} hyp_b;

typedef struct model {
    const ts_intel *ti;
    const ts_attr_params *p;
    size_t n_actors; /* N, at least 1 */
    hyp_b *h;        /* actor hypotheses */
    size_t nh, caph;
    int32_t *slot; /* actor id -> index into h, -1 when none */
    hyp_b unattr, insider;
    bool has_insider;
    hyp_b others; /* the actors past TS_MAX_ACTOR_HYPS, summed; used when n_others */
    size_t n_others;
    char *others_name; /* owned: "18 other catalogued actors" */
    char group_cc[3];  /* the country whose actors together hold the most probability */
    size_t group_n;
    double group_p;
    size_t cur_ev;   /* the distinct evidence being weighed, SIZE_MAX: none */
    char **ev_label; /* owned: each distinct evidence's label, for the ACH table */
    size_t n_ev;
    const ts_attr_evidence *ev_base;          /* the distinct technique and software evidence, by index */
    bool conflict;                            /* cheap and costly evidence point to different actors: */
    uint32_t conflict_cheap, conflict_costly; /* the actor each favours */
    bool contested; /* costly evidence itself points to two actors (conflict_cheap: the one cheap
                       evidence favours among them) */
    bool nomem;
} model;

/* Adds a contribution to h; takes ownership of what (NULL: notes the allocation failure). */
void ts_attr_add(model *m, hyp_b *h, ts_attr_kind kind, double w, size_t alert, char *what);
/* The hypothesis of actor id, created on first use; NULL for an unknown id or no memory. */
hyp_b *ts_attr_actor_hyp(model *m, uint32_t id);
const char *ts_attr_label(const ts_attr_evidence *e);
double ts_attr_conf(const ts_attr_evidence *e); /* 0..1 */

/* The technique and software channels (profile.c): weighs the distinct technique evidence
 * (tech, nt entries) and software evidence (soft, ns) for every candidate actor (one the
 * other evidence names, or one a technique or software of its profile matches). Call after
 * the other evidence has named its actors. */
void ts_attr_profiles(model *m, const ts_attr_evidence *const *tech, size_t nt,
                      const ts_attr_evidence *const *soft, size_t ns);

/* The verdict (verdict.c): the one sentence that heads the attribution, with its confidence
 * level (sets a->confidence); NULL on no memory. Call after the probabilities are set. */
char *ts_attr_verdict(ts_attribution *a, const model *m);
/* Fills a's ACH table (hypotheses against evidence); false on no memory. */
bool ts_attr_ach(ts_attribution *a, const model *m);

#endif
