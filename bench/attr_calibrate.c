/* attr_calibrate.c (bench): measures the attribution model on labelled cases, leave-one-out,
 * and fits its free parameters. Run from the repository root:
 *
 *   scripts/gen_attr_cases.py --attack ../shared/data/attack/enterprise-attack-core.json > /tmp/cases.tsv
 *   build/bench/attr_calibrate /tmp/cases.tsv          # the model as shipped
 *   build/bench/attr_calibrate /tmp/cases.tsv --fit    # search the parameters, then report
 *   build/bench/attr_calibrate /tmp/cases.tsv --bins   # and each kind's reliability table
 *
 * The cases (their format: scripts/gen_attr_cases.py) hide part of the true group's profile
 * while they are scored. For each kind of case it prints top-1, top-3, log loss, Brier and
 * the expected calibration error of the top hypothesis (10 bins), with 95% bootstrap
 * intervals (1,000 resamples of the cases). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribute/attribute.h"

#define CATALOGUE "data/intel/actors.jsonl"
#define MAX_ITEMS 256
#define BOOT 1000

static bool show_bins; /* --bins: the reliability table of each kind */

typedef struct acase {
    char kind[16];
    uint32_t truth;
    uint32_t hold[MAX_ITEMS], hold_soft[MAX_ITEMS];
    size_t n_hold, n_hold_soft;
    ts_attr_evidence ev[MAX_ITEMS];
    size_t n_ev;
} acase;

typedef struct outcome {
    double p_top, p_truth, brier;
    int top1, top3;
} outcome;

static size_t split(char *s, char sep, char **out, size_t max)
{
    size_t n = 0;
    while (s && n < max) {
        out[n++] = s;
        s = strchr(s, sep);
        if (s)
            *s++ = '\0';
    }
    return n;
}

static acase *read_cases(const ts_intel *ti, const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 64;
    acase *v = malloc(cap * sizeof *v);
    char line[8192];
    *n = 0;
    while (v && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *col[4];
        if (split(line, '\t', col, 4) != 4)
            continue;
        if (*n == cap) {
            acase *nv = realloc(v, (cap *= 2) * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        acase *c = &v[*n];
        memset(c, 0, sizeof *c);
        snprintf(c->kind, sizeof c->kind, "%s", col[0]);
        if (ts_intel_actor_resolve(ti, col[1], &c->truth, 1) == 0)
            continue;
        char *items[MAX_ITEMS];
        size_t k = strcmp(col[2], "-") ? split(col[2], ',', items, MAX_ITEMS) : 0;
        for (size_t i = 0; i < k; i++) {
            if (items[i][0] == 'T' && (c->hold[c->n_hold] = ts_intel_technique_find(ti, items[i])))
                c->n_hold++;
            else if (items[i][0] == 'S' && ts_intel_software_resolve(ti, items[i], &c->hold_soft[c->n_hold_soft], 1))
                c->n_hold_soft++;
        }
        k = split(col[3], ',', items, MAX_ITEMS);
        for (size_t i = 0; i < k; i++) {
            ts_attr_evidence *e = &c->ev[c->n_ev];
            *e = (ts_attr_evidence){.confidence = 100, .alert = SIZE_MAX, .label = strdup(items[i])};
            if (items[i][0] == 'T') {
                e->kind = TS_AE_TECHNIQUE;
                e->technique = ts_intel_technique_find(ti, items[i]);
            } else {
                e->kind = TS_AE_SOFTWARE;
                ts_intel_software_resolve(ti, items[i], &e->software, 1);
            }
            c->n_ev++;
        }
        (*n)++;
    }
    fclose(f);
    return v;
}

static bool run(const ts_intel *ti, const acase *c, const ts_attr_params *base, outcome *o)
{
    ts_attr_params p = *base;
    p.holdout_actor = c->n_hold || c->n_hold_soft ? c->truth : 0;
    p.holdout = c->hold;
    p.n_holdout = c->n_hold;
    p.holdout_soft = c->hold_soft;
    p.n_holdout_soft = c->n_hold_soft;
    ts_attribution *a = ts_attribute_with(ti, c->ev, c->n_ev, &p);
    if (!a)
        return false;
    /* a novel actor's whole profile is hidden: the right answer is "unattributed" */
    bool novel = strcmp(c->kind, "novel") == 0;
    double others = 0, sq = 0;
    size_t n_named = 0, rank = 0;
    for (size_t i = 0; i < a->n; i++) {
        const ts_hypothesis *h = &a->hyps[i];
        bool summed = !h->actor && strstr(h->name, "other catalogued actors");
        bool right = novel ? !h->actor && strcmp(h->name, "unattributed") == 0 : h->actor == c->truth;
        if (summed)
            others = h->probability;
        else if (right) {
            o->p_truth = h->probability;
            rank = i + 1;
        } else
            sq += h->probability * h->probability;
        n_named += h->actor != 0;
    }
    if (!rank) { /* among the summed others, or silent: its share of the rest */
        size_t silent = ts_intel_actor_count(ti) - n_named;
        o->p_truth = others > 0 ? others / (double)(silent ? silent : 1) : 1e-6;
        others -= o->p_truth;
    }
    *o = (outcome){.p_top = a->hyps[0].probability, .p_truth = o->p_truth, .top1 = rank == 1,
                   .top3 = rank && rank <= 3};
    o->brier = sq + others * others + (1 - o->p_truth) * (1 - o->p_truth);
    ts_attribution_free(a);
    return true;
}

typedef struct metrics {
    double top1, top3, logloss, brier, ece;
} metrics;

/* The metrics of the outcomes picked by idx (n of them). */
static metrics score(const outcome *o, const size_t *idx, size_t n)
{
    metrics m = {0};
    double bin_n[10] = {0}, bin_conf[10] = {0}, bin_ok[10] = {0};
    for (size_t j = 0; j < n; j++) {
        const outcome *x = &o[idx[j]];
        m.top1 += x->top1;
        m.top3 += x->top3;
        m.logloss -= log(x->p_truth > 1e-6 ? x->p_truth : 1e-6);
        m.brier += x->brier;
        int b = (int)(x->p_top * 10);
        b = b > 9 ? 9 : b < 0 ? 0 : b;
        bin_n[b]++;
        bin_conf[b] += x->p_top;
        bin_ok[b] += x->top1;
    }
    for (int b = 0; b < 10; b++)
        if (bin_n[b]) {
            m.ece += fabs(bin_conf[b] - bin_ok[b]) / (double)n;
            if (show_bins)
                printf("    bin %d: %3.0f cases, stated %.2f, right %.2f\n", b, bin_n[b], bin_conf[b] / bin_n[b],
                       bin_ok[b] / bin_n[b]);
        }
    m.top1 /= (double)n;
    m.top3 /= (double)n;
    m.logloss /= (double)n;
    m.brier /= (double)n;
    return m;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *kind, const outcome *o, const size_t *idx, size_t n)
{
    if (!n)
        return;
    if (show_bins)
        printf("%s:\n", kind);
    metrics m = score(o, idx, n);
    double *bs[5];
    size_t *pick = malloc(n * sizeof *pick);
    for (int k = 0; k < 5; k++)
        bs[k] = malloc(BOOT * sizeof *bs[k]);
    unsigned long long r = 88172645463325252ULL;
    for (int b = 0; b < BOOT; b++) {
        for (size_t j = 0; j < n; j++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            pick[j] = idx[r % n];
        }
        /* pick holds outcome indexes already */
        metrics x = {0};
        {
            double bin_n[10] = {0}, bin_conf[10] = {0}, bin_ok[10] = {0};
            for (size_t j = 0; j < n; j++) {
                const outcome *y = &o[pick[j]];
                x.top1 += y->top1;
                x.top3 += y->top3;
                x.logloss -= log(y->p_truth > 1e-6 ? y->p_truth : 1e-6);
                x.brier += y->brier;
                int bb = (int)(y->p_top * 10);
                bb = bb > 9 ? 9 : bb;
                bin_n[bb]++;
                bin_conf[bb] += y->p_top;
                bin_ok[bb] += y->top1;
            }
            for (int k = 0; k < 10; k++)
                if (bin_n[k])
                    x.ece += fabs(bin_conf[k] - bin_ok[k]) / (double)n;
        }
        bs[0][b] = x.top1 / (double)n;
        bs[1][b] = x.top3 / (double)n;
        bs[2][b] = x.logloss / (double)n;
        bs[3][b] = x.brier / (double)n;
        bs[4][b] = x.ece;
    }
    for (int k = 0; k < 5; k++)
        qsort(bs[k], BOOT, sizeof *bs[k], cmp_double);
    const double v[5] = {m.top1, m.top3, m.logloss, m.brier, m.ece};
    const char *names[5] = {"top-1", "top-3", "log loss", "Brier", "ECE"};
    printf("%-9s %4zu cases:", kind, n);
    for (int k = 0; k < 5; k++)
        printf("  %s %.3f [%.3f, %.3f]", names[k], v[k], bs[k][BOOT / 40], bs[k][BOOT - BOOT / 40 - 1]);
    printf("\n");
    for (int k = 0; k < 5; k++)
        free(bs[k]);
    free(pick);
}

/* Mean log loss over every case: the fit's objective. */
static double objective(const ts_intel *ti, const acase *c, size_t n, const ts_attr_params *p, outcome *o)
{
    double ll = 0;
    for (size_t i = 0; i < n; i++) {
        if (!run(ti, &c[i], p, &o[i]))
            return INFINITY;
        ll -= log(o[i].p_truth > 1e-6 ? o[i].p_truth : 1e-6);
    }
    return ll / (double)n;
}

/* Coordinate search: each parameter in turn over a few multiples, until nothing improves. */
static void fit(const ts_intel *ti, const acase *c, size_t n, ts_attr_params *p, outcome *o)
{
    /* the prior of "unattributed" is a base rate the ATT&CK cases cannot teach (they are
       all attributed, and the share of novel cases is a choice): it is not fitted */
    double *par[] = {&p->tech_smooth, &p->tech_pseudo, &p->tech_family, &p->tech_temp, &p->tech_dep,
                     &p->tech_few, &p->soft_smooth, &p->soft_temp};
    const char *name[] = {"tech_smooth", "tech_pseudo", "tech_family", "tech_temp", "tech_dep", "tech_few",
                          "soft_smooth", "soft_temp"};
    /* tech_dep and tech_few above 1: more techniques would say less */
    const double hi[] = {0.95, 500, 1.0, 10, 1, 1, 0.95, 10};
    double best = objective(ti, c, n, p, o);
    for (int round = 0; round < 4; round++) {
        bool moved = false;
        for (size_t k = 0; k < sizeof par / sizeof *par; k++) {
            static const double step[] = {0.5, 0.7, 1.4, 2.0};
            for (size_t s = 0; s < 4; s++) {
                double old = *par[k], nv = old * step[s];
                if (old == 0)
                    nv = step[s] > 1 ? 0.1 : 0;
                if (nv > hi[k] || nv == old)
                    continue;
                *par[k] = nv;
                double ll = objective(ti, c, n, p, o);
                if (ll < best - 1e-4) {
                    best = ll;
                    moved = true;
                    fprintf(stderr, "fit: %s = %.3f: log loss %.4f\n", name[k], nv, ll);
                } else {
                    *par[k] = old;
                }
            }
        }
        if (!moved)
            break;
    }
    printf("fitted: tech_pseudo %.3f tech_few %.3f\n", p->tech_pseudo, p->tech_few);
    printf("fitted: tech_smooth %.3f tech_family %.3f tech_temp %.3f tech_dep %.3f soft_smooth %.3f soft_temp %.3f "
           "(log loss %.4f)\n",
           p->tech_smooth, p->tech_family, p->tech_temp, p->tech_dep, p->soft_smooth, p->soft_temp, best);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: attr_calibrate CASES.tsv [--fit] [--bins]\n");
        return 2;
    }
    ts_intel *ti = ts_intel_new();
    ts_feed_opts fo = {0};
    if (ts_intel_load_path(ti, CATALOGUE, &fo) != TOCSIN_OK) {
        fprintf(stderr, "attr_calibrate: cannot load %s (run from the repository root)\n", CATALOGUE);
        ts_intel_free(ti);
        return 1;
    }
    ts_intel_finalise(ti);
    size_t n = 0;
    acase *c = read_cases(ti, argv[1], &n);
    if (!c || !n) {
        fprintf(stderr, "attr_calibrate: no cases in %s\n", argv[1]);
        ts_intel_free(ti);
        return 1;
    }
    outcome *o = calloc(n, sizeof *o);
    size_t *idx = malloc(n * sizeof *idx);
    ts_attr_params p;
    ts_attr_params_default(&p);
    for (int i = 2; i < argc; i++)
        show_bins |= strcmp(argv[i], "--bins") == 0;
    if (argc > 2 && strcmp(argv[2], "--fit") == 0)
        fit(ti, c, n, &p, o);
    for (size_t i = 0; i < n; i++)
        if (!run(ti, &c[i], &p, &o[i])) {
            fprintf(stderr, "attr_calibrate: out of memory\n");
            return 1;
        }
    const char *kinds[] = {"subset", "short", "novel", "campaign"};
    for (size_t k = 0; k < 4; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(c[i].kind, kinds[k]) == 0)
                idx[m++] = i;
        report(kinds[k], o, idx, m);
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    report("all", o, idx, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < c[i].n_ev; j++)
            free((char *)c[i].ev[j].label);
    free(c);
    free(o);
    free(idx);
    ts_intel_free(ti);
    return 0;
}
