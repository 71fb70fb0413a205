/* verdict.c: how the attribution is said. One verdict line with an ICD 203 likelihood word,
 * then a separate sentence with the confidence level (low, moderate, high: how much
 * independent evidence there is, and whether it agrees); and the Analysis of Competing
 * Hypotheses table. The headline never names an actor below "likely": it says
 * "unattributed; leading candidates ..." instead. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribute/model.h"
#include "attribute/model_int.h"
#include "core/str.h"

/* Two candidates whose probabilities are closer than this ratio cannot be told apart. */
#define NEAR_TIE_RATIO 1.5
/* A headline candidate needs at least this probability. */
#define CANDIDATE_MIN 0.05
/* Rows of the ACH table kept (the most diagnostic). */
#define ACH_ROWS 12

static bool named(const ts_hypothesis *h, const char *name)
{
    return !h->actor && strcmp(h->name, name) == 0;
}

static bool summed_others(const ts_hypothesis *h)
{
    return !h->actor && !named(h, "unattributed") && !named(h, "insider");
}

/* The builder behind a ranked hypothesis (its contributions keep their weights and flags
 * after the result took their texts); NULL for the summed others. */
static const hyp_b *builder_of(const model *m, const ts_hypothesis *h)
{
    if (h->actor) {
        for (size_t i = 0; i < m->nh; i++)
            if (m->h[i].actor == h->actor)
                return &m->h[i];
        return NULL;
    }
    if (named(h, "unattributed"))
        return &m->unattr;
    if (named(h, "insider"))
        return &m->insider;
    return NULL;
}

typedef struct support {
    size_t costly, publics, cheap_iocs, claims, insider;
} support;

static support count_support(const hyp_b *h)
{
    if (!h)
        return (support){0};
    return (support){h->n_costly, h->n_public, h->n_cheap_ioc, h->n_claim, h->n_insider};
}

/* The confidence level of the leading judgement and why, from how much independent
 * evidence supports it and whether cheap and costly evidence agree. */
static const char *confidence(const ts_attribution *a, const model *m, char *why, size_t cap)
{
    const ts_hypothesis *top = &a->hyps[0];
    support s = count_support(builder_of(m, top));
    if (m->conflict) {
        snprintf(why, cap,
                 m->contested ? "costly evidence points to more than one actor"
                              : "evidence cheap to fake and costly evidence point to different actors");
        return "low";
    }
    if (top->actor && top->probability > 0.55) {
        if (s.costly >= 2 && top->probability >= 0.8) {
            snprintf(why, cap,
                     "%zu pieces of costly evidence (exclusive infrastructure, connections from home "
                     "address space)%s",
                     s.costly, s.publics ? ", and its techniques or software agree" : "");
            return "high";
        }
        if (s.costly) {
            snprintf(why, cap, "one piece of costly evidence%s",
                     s.publics + s.cheap_iocs + s.claims ? ", with evidence cheap to fake" : " alone");
            return "moderate";
        }
        if (s.publics + s.cheap_iocs >= 5) {
            snprintf(why, cap,
                     "%zu techniques, software or file hashes match its profile, but all are public "
                     "or easy to reuse",
                     s.publics + s.cheap_iocs);
            return "moderate";
        }
        snprintf(why, cap, "only %zu piece%s of evidence, cheap to fake", s.publics + s.cheap_iocs + s.claims,
                 s.publics + s.cheap_iocs + s.claims == 1 ? "" : "s");
        return "low";
    }
    if (named(top, "insider") && top->probability > 0.55) {
        snprintf(why, cap,
                 "internal activity by valid accounts fits an insider, and an outsider who holds valid "
                 "accounts as well");
        return s.publics >= 2 ? "moderate" : "low";
    }
    size_t weighed = m->n_ev; /* distinct pieces of evidence */
    double best = 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->hyps[i].actor && a->hyps[i].probability > best)
            best = a->hyps[i].probability;
    if (weighed >= 5 && best < CANDIDATE_MIN) {
        snprintf(why, cap, "%zu pieces of evidence, and none points to a catalogued actor", weighed);
        return "moderate";
    }
    snprintf(why, cap, weighed ? "the evidence is thin or points to several actors" : "no evidence");
    return "low";
}

#define PUT(...)                                                                      \
    do {                                                                              \
        int w_ = snprintf(buf + len, sizeof buf - len, __VA_ARGS__);                  \
        if (w_ > 0)                                                                   \
            len += (size_t)w_ < sizeof buf - len ? (size_t)w_ : sizeof buf - len - 1; \
    } while (0)

char *ts_attr_verdict(ts_attribution *a, const model *m)
{
    char buf[1536], p[8], q[8];
    size_t len = 0;
    const ts_hypothesis *top = &a->hyps[0];
    bool said = (top->actor || named(top, "insider")) && top->probability > 0.55;
    if (said) {
        PUT("%s: %s (%s)%s", top->name, top->wording, ts_fmt_pct(top->probability, 0, p, sizeof p),
            named(top, "insider") ? ", the activity is internal and by valid accounts" : "");
        size_t alt = 0;
        for (size_t i = 1; i < a->n && alt < 3; i++) {
            const ts_hypothesis *h = &a->hyps[i];
            if (h->probability < 0.01 && !named(h, "unattributed"))
                continue;
            PUT("%s %s %s", alt++ ? "," : "; alternatives:", h->name,
                ts_fmt_pct(h->probability, 0, p, sizeof p));
        }
    } else {
        const ts_hypothesis *u = NULL;
        for (size_t i = 0; i < a->n && !u; i++)
            u = named(&a->hyps[i], "unattributed") ? &a->hyps[i] : NULL;
        PUT("unattributed (an unknown actor or a new cluster): %s (%s)", u ? u->wording : "?",
            ts_fmt_pct(u ? u->probability : 0, 0, p, sizeof p));
        size_t cand = 0;
        for (size_t i = 0; i < a->n && cand < 3; i++) {
            const ts_hypothesis *h = &a->hyps[i];
            if (named(h, "unattributed") || summed_others(h) || h->probability < CANDIDATE_MIN)
                continue;
            PUT("%s %s %s (%s)", cand++ ? "," : "; leading candidates:", h->name,
                ts_fmt_pct(h->probability, 0, p, sizeof p), h->wording);
        }
        if (!cand)
            PUT("; no catalogued actor reaches %.0f%%", CANDIDATE_MIN * 100);
    }
    /* near ties among the leading actors */
    const ts_hypothesis *first = NULL, *second = NULL;
    for (size_t i = 0; i < a->n && !second; i++) {
        if (!a->hyps[i].actor)
            continue;
        if (!first)
            first = &a->hyps[i];
        else
            second = &a->hyps[i];
    }
    if (first && second && second->probability >= 0.1 &&
        first->probability < NEAR_TIE_RATIO * second->probability)
        PUT("; cannot tell %s from %s (%s and %s)", first->name, second->name,
            ts_fmt_pct(first->probability, 0, p, sizeof p), ts_fmt_pct(second->probability, 0, q, sizeof q));
    if (m->group_n >= 2 && m->group_p >= 0.2 && m->group_p >= top->probability + 0.1)
        PUT("; the %zu actors suspected to be based in %s together: %s (%s)", m->group_n, m->group_cc,
            ts_icd203(m->group_p), ts_fmt_pct(m->group_p, 0, p, sizeof p));
    if (m->conflict && m->contested) {
        const ts_actor *c = ts_intel_actor(m->ti, m->conflict_cheap),
                       *k = ts_intel_actor(m->ti, m->conflict_costly);
        PUT("; conflict: costly evidence (exclusive infrastructure) points to both %s and %s, so one was "
            "reused or "
            "planted; evidence cheap to fake or reuse (files' hashes, techniques, software, names) favours "
            "%s, as a "
            "false flag would, and is not allowed to decide",
            c ? c->name : "?", k ? k->name : "?", c ? c->name : "?");
    } else if (m->conflict) {
        const ts_actor *c = ts_intel_actor(m->ti, m->conflict_cheap),
                       *k = ts_intel_actor(m->ti, m->conflict_costly);
        PUT("; conflict: evidence cheap to fake or reuse (files' hashes, techniques, software, names) points "
            "to %s, "
            "costly evidence (exclusive infrastructure, connections from home address space) to %s: the "
            "pattern "
            "of a false flag",
            c ? c->name : "?", k ? k->name : "?");
    } else if (first && first->probability >= 0.2) {
        support s = count_support(builder_of(m, first));
        if (s.publics && !s.costly && !s.cheap_iocs && !s.claims)
            PUT("; caution: only public techniques and software point to %s; they can be imitated or reused "
                "(false "
                "flag)",
                first->name);
    }
    char why[256];
    a->confidence = confidence(a, m, why, sizeof why);
    PUT(". Confidence: %s: %s.", a->confidence, why);
    return strdup(buf);
}

#undef PUT

static int cmp_row(const void *pa, const void *pb)
{
    const ts_ach_row *x = pa, *y = pb;
    if (x->diagnosticity != y->diagnosticity)
        return x->diagnosticity > y->diagnosticity ? -1 : 1;
    return strcmp(x->evidence, y->evidence);
}

bool ts_attr_ach(ts_attribution *a, const model *m)
{
    const hyp_b *col[TS_ACH_COLS];
    a->n_ach_cols = 0;
    for (size_t i = 0; i < a->n && a->n_ach_cols < TS_ACH_COLS; i++) {
        const hyp_b *h = builder_of(m, &a->hyps[i]);
        if (!h)
            continue;
        col[a->n_ach_cols] = h;
        a->ach_col[a->n_ach_cols++] = i;
    }
    if (!m->n_ev || !a->n_ach_cols)
        return true;
    double(*w)[TS_ACH_COLS] = calloc(m->n_ev, sizeof *w);
    if (!w)
        return false;
    for (size_t c = 0; c < a->n_ach_cols; c++)
        for (size_t i = 0; i < col[c]->n; i++) {
            const contrib_b *x = &col[c]->v[i];
            if (x->ev < m->n_ev)
                w[x->ev][c] += x->w;
        }
    size_t rows = 0;
    for (size_t r = 0; r < m->n_ev; r++) {
        double lo = w[r][0], hi = w[r][0];
        for (size_t c = 1; c < a->n_ach_cols; c++) {
            lo = w[r][c] < lo ? w[r][c] : lo;
            hi = w[r][c] > hi ? w[r][c] : hi;
        }
        rows += hi - lo >= 0.05;
    }
    a->ach = calloc(rows ? rows : 1, sizeof *a->ach);
    bool ok = a->ach != NULL;
    for (size_t r = 0; ok && r < m->n_ev; r++) {
        double lo = w[r][0], hi = w[r][0];
        for (size_t c = 1; c < a->n_ach_cols; c++) {
            lo = w[r][c] < lo ? w[r][c] : lo;
            hi = w[r][c] > hi ? w[r][c] : hi;
        }
        if (hi - lo < 0.05)
            continue;
        ts_ach_row *row = &a->ach[a->n_ach];
        row->evidence = strdup(m->ev_label[r] ? m->ev_label[r] : "?");
        ok = row->evidence != NULL;
        memcpy(row->weight, w[r], sizeof row->weight);
        row->diagnosticity = hi - lo;
        a->n_ach += ok;
    }
    free(w);
    if (a->n_ach > 1)
        qsort(a->ach, a->n_ach, sizeof *a->ach, cmp_row);
    while (a->n_ach > ACH_ROWS)
        free(a->ach[--a->n_ach].evidence);
    return ok;
}
