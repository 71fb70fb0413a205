/* attr_calibrate.c (bench): measures the attribution model on labelled cases, leave-one-out,
 * and fits its free parameters. Run from the repository root:
 *
 *   scripts/gen_attr_cases.py --attack ../shared/data/attack/enterprise-attack-core.json > /tmp/cases.tsv
 *   build/bench/attr_calibrate /tmp/cases.tsv          # the model as shipped
 *   build/bench/attr_calibrate /tmp/cases.tsv --fit    # search the parameters, then report
 *   build/bench/attr_calibrate /tmp/cases.tsv --bins   # and each kind's reliability table
 *   build/bench/attr_calibrate /tmp/cases.tsv --cases  # and one line per case
 *   build/bench/attr_calibrate /tmp/cases.tsv --baselines  # and two naive Bayes baselines
 *   build/bench/attr_calibrate /tmp/cases.tsv --nested  # campaigns scored leave-one-campaign-out
 *
 * The cases (their format: scripts/gen_attr_cases.py) hide part of the true group's profile
 * while they are scored. For each kind of case it prints top-1, top-3, log loss, Brier and
 * the expected calibration error of the top hypothesis (10 bins), with 95% bootstrap
 * intervals (1,000 resamples of the cases). "ECE" bins the top hypothesis, "unattributed"
 * included (a case whose truth is a catalogued actor counts "unattributed" on top as wrong);
 * "ECE named" bins the leading named actor's probability against whether it is the truth:
 * how far "APT1, 93%" can be trusted. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribute/attribute.h"

#define CATALOGUE "data/intel/actors.jsonl"
#define MAX_ITEMS 256
#define BOOT 1000

static bool show_bins;      /* --bins: the reliability table of each kind */
static bool show_cases;     /* --cases: one line per case (kind, truth, top hypothesis, rank) */
static size_t explain;      /* --explain N: case N's hypotheses with every contribution (1-based) */
static bool show_baselines; /* --baselines: simple models' top-1 and top-3 on the same cases */

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
    double p_named; /* the leading named actor's probability (0: none named) */
    int top1, top3;
    int named_ok; /* that actor is the truth */
    size_t rank;  /* of the truth, 1-based; 0: not kept among the hypotheses */
    char top[64]; /* the top hypothesis' name */
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

static const acase *cases; /* all of them, for --explain */

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
            else if (items[i][0] == 'S' &&
                     ts_intel_software_resolve(ti, items[i], &c->hold_soft[c->n_hold_soft], 1))
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
    for (size_t i = 0; explain == (size_t)(c - cases) + 1 && i < a->n; i++) {
        if (i >= 6 && a->hyps[i].actor != c->truth)
            continue; /* the first six, and the truth wherever it ranks */
        printf("#%zu %s %.3f score %.2f\n", i + 1, a->hyps[i].name, a->hyps[i].probability, a->hyps[i].score);
        for (size_t j = 0; j < a->hyps[i].n_contribs; j++)
            printf("    %+.2f %s\n", a->hyps[i].contribs[j].weight, a->hyps[i].contribs[j].what);
    }
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
    *o = (outcome){.p_top = a->hyps[0].probability,
                   .p_truth = o->p_truth,
                   .top1 = rank == 1,
                   .top3 = rank && rank <= 3,
                   .rank = rank};
    for (size_t i = 0; i < a->n; i++)
        if (a->hyps[i].actor) { /* ranked by probability: the first is the leading actor */
            o->p_named = a->hyps[i].probability;
            o->named_ok = !novel && a->hyps[i].actor == c->truth;
            break;
        }
    snprintf(o->top, sizeof o->top, "%s", a->hyps[0].name);
    o->brier = sq + others * others + (1 - o->p_truth) * (1 - o->p_truth);
    ts_attribution_free(a);
    return true;
}

typedef struct metrics {
    double top1, top3, logloss, brier, ece, ece_named;
} metrics;
#define N_METRICS 6

/* The expected calibration error (10 bins) of stated probabilities against outcomes. */
static double ece(const double *stated, const int *ok, size_t n, bool print)
{
    double bin_n[10] = {0}, bin_conf[10] = {0}, bin_ok[10] = {0}, e = 0;
    for (size_t j = 0; j < n; j++) {
        int b = (int)(stated[j] * 10);
        b = b > 9 ? 9 : b < 0 ? 0 : b;
        bin_n[b]++;
        bin_conf[b] += stated[j];
        bin_ok[b] += ok[j];
    }
    for (int b = 0; b < 10; b++)
        if (bin_n[b]) {
            e += fabs(bin_conf[b] - bin_ok[b]) / (double)n;
            if (print)
                printf("    bin %d: %3.0f cases, stated %.2f, right %.2f\n", b, bin_n[b],
                       bin_conf[b] / bin_n[b], bin_ok[b] / bin_n[b]);
        }
    return e;
}

/* The metrics of the outcomes picked by idx (n of them); print: their reliability tables. */
static metrics score(const outcome *o, const size_t *idx, size_t n, bool print)
{
    metrics m = {0};
    double *st = malloc(2 * n * sizeof *st);
    int *ok = malloc(2 * n * sizeof *ok);
    if (!st || !ok) {
        free(st);
        free(ok);
        return (metrics){NAN, NAN, NAN, NAN, NAN, NAN};
    }
    for (size_t j = 0; j < n; j++) {
        const outcome *x = &o[idx[j]];
        m.top1 += x->top1;
        m.top3 += x->top3;
        m.logloss -= log(x->p_truth > 1e-6 ? x->p_truth : 1e-6);
        m.brier += x->brier;
        st[j] = x->p_top, ok[j] = x->top1;
        st[n + j] = x->p_named, ok[n + j] = x->named_ok;
    }
    if (print)
        printf("  the top hypothesis (unattributed included):\n");
    m.ece = ece(st, ok, n, print);
    if (print)
        printf("  the leading named actor:\n");
    m.ece_named = ece(st + n, ok + n, n, print);
    free(st);
    free(ok);
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
    metrics m = score(o, idx, n, show_bins);
    double *bs[N_METRICS];
    size_t *pick = malloc(n * sizeof *pick);
    for (int k = 0; k < N_METRICS; k++)
        bs[k] = malloc(BOOT * sizeof *bs[k]);
    unsigned long long r = 88172645463325252ULL;
    for (int b = 0; b < BOOT; b++) {
        for (size_t j = 0; j < n; j++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            pick[j] = idx[r % n];
        }
        metrics x = score(o, pick, n, false);
        const double v[N_METRICS] = {x.top1, x.top3, x.logloss, x.brier, x.ece, x.ece_named};
        for (int k = 0; k < N_METRICS; k++)
            bs[k][b] = v[k];
    }
    for (int k = 0; k < N_METRICS; k++)
        qsort(bs[k], BOOT, sizeof *bs[k], cmp_double);
    const double v[N_METRICS] = {m.top1, m.top3, m.logloss, m.brier, m.ece, m.ece_named};
    const char *names[N_METRICS] = {"top-1", "top-3", "log loss", "Brier", "ECE", "ECE named"};
    printf("%-9s %4zu cases:", kind, n);
    for (int k = 0; k < N_METRICS; k++)
        printf("  %s %.3f [%.3f, %.3f]", names[k], v[k], bs[k][BOOT / 40], bs[k][BOOT - BOOT / 40 - 1]);
    printf("\n");
    for (int k = 0; k < N_METRICS; k++)
        free(bs[k]);
    free(pick);
}

/* ---- baselines: the same cases ranked by simple models, for comparison ----------------
 * Each ranks the actors with a profile (the truth's held-out items hidden, as for the
 * model) by the observed techniques and software taken as one vocabulary; a tie with the
 * truth counts against it (the truth ranks behind every actor scored as high). No
 * "unattributed": they always name an actor, which only favours them on top-1.
 *   nb-interp: multinomial naive Bayes interpolated with the background (the average
 *              profile), half and half;
 *   nb-rarity: rarity-weighted naive Bayes: each observed item weighs log(N / (1 + df)),
 *              N the profiled actors, df those listing it; an item outside a profile costs
 *              that weight times log(0.05). */
enum { BL_INTERP, BL_RARITY, N_BASELINES };
static const char *const bl_name[N_BASELINES] = {"nb-interp", "nb-rarity"};
typedef size_t bl_ranks[N_BASELINES]; /* the truth's rank under each baseline */

/* The observed item u of case c is in actor a's (held-out-free) profile. */
static bool bl_member(const acase *c, const ts_actor *a, const ts_attr_evidence *e)
{
    bool tech = e->kind == TS_AE_TECHNIQUE;
    uint32_t id = tech ? e->technique : e->software;
    const uint32_t *prof = tech ? a->techniques : a->software, *hold = tech ? c->hold : c->hold_soft;
    size_t np = tech ? a->n_techniques : a->n_software, nh = tech ? c->n_hold : c->n_hold_soft;
    if (!id)
        return false;
    if (a->id == c->truth)
        for (size_t i = 0; i < nh; i++)
            if (hold[i] == id)
                return false;
    for (size_t i = 0; i < np; i++)
        if (prof[i] == id)
            return true;
    return false;
}

/* The truth's rank (1-based, ties against it) under each baseline. */
static void bl_rank(const ts_intel *ti, const acase *c, bl_ranks rank)
{
    size_t na = ts_intel_actor_count(ti), profiled = 0;
    double *score = calloc((na + 1) * N_BASELINES, sizeof *score), bg[MAX_ITEMS] = {0}, df[MAX_ITEMS] = {0};
    bool *in = malloc((na + 1) * MAX_ITEMS * sizeof *in);
    size_t *size = calloc(na + 1, sizeof *size);
    if (!score || !in || !size) {
        rank[0] = rank[1] = 0;
        free(score), free(in), free(size);
        return;
    }
    for (uint32_t id = 1; id <= na; id++) {
        const ts_actor *a = ts_intel_actor(ti, id);
        size[id] = a ? a->n_techniques + a->n_software : 0;
        if (a && id == c->truth)
            size[id] -= c->n_hold + c->n_hold_soft;
        if (!size[id])
            continue;
        profiled++;
        for (size_t u = 0; u < c->n_ev; u++) {
            in[id * MAX_ITEMS + u] = bl_member(c, a, &c->ev[u]);
            bg[u] += in[id * MAX_ITEMS + u] / (double)size[id];
            df[u] += in[id * MAX_ITEMS + u];
        }
    }
    for (size_t u = 0; u < c->n_ev; u++)
        bg[u] = 0.98 * bg[u] / (double)(profiled ? profiled : 1) + 0.02 / 1000;
    for (uint32_t id = 1; id <= na; id++) {
        if (!size[id])
            continue;
        for (size_t u = 0; u < c->n_ev; u++) {
            bool m = in[id * MAX_ITEMS + u];
            score[id * N_BASELINES + BL_INTERP] += log(0.5 * m / (double)size[id] + 0.5 * bg[u]);
            double w = log((double)profiled / (1 + df[u]));
            score[id * N_BASELINES + BL_RARITY] += m ? 0 : (w > 0 ? w : 0) * log(0.05);
        }
    }
    for (int b = 0; b < N_BASELINES; b++) {
        double t = score[c->truth * N_BASELINES + b];
        rank[b] = size[c->truth] ? 1 : 0;
        for (uint32_t id = 1; rank[b] && id <= na; id++)
            rank[b] += id != c->truth && size[id] && score[id * N_BASELINES + b] >= t;
    }
    free(score), free(in), free(size);
}

/* Top-1 and top-3 of each baseline on the cases of idx, with bootstrap intervals. */
static void bl_report(const char *kind, const bl_ranks *rank, const size_t *idx, size_t n)
{
    if (!n)
        return;
    double *bs = malloc(2 * BOOT * sizeof *bs);
    for (int b = 0; bs && b < N_BASELINES; b++) {
        double t1 = 0, t3 = 0;
        for (size_t j = 0; j < n; j++)
            t1 += rank[idx[j]][b] == 1, t3 += rank[idx[j]][b] && rank[idx[j]][b] <= 3;
        unsigned long long r = 88172645463325252ULL;
        for (int k = 0; k < BOOT; k++) {
            double x1 = 0, x3 = 0;
            for (size_t j = 0; j < n; j++) {
                r ^= r << 13, r ^= r >> 7, r ^= r << 17;
                size_t i = idx[r % n];
                x1 += rank[i][b] == 1, x3 += rank[i][b] && rank[i][b] <= 3;
            }
            bs[k] = x1 / (double)n, bs[BOOT + k] = x3 / (double)n;
        }
        qsort(bs, BOOT, sizeof *bs, cmp_double);
        qsort(bs + BOOT, BOOT, sizeof *bs, cmp_double);
        printf("%-9s %4zu cases, baseline %s:  top-1 %.3f [%.3f, %.3f]  top-3 %.3f [%.3f, %.3f]\n", kind, n,
               bl_name[b], t1 / (double)n, bs[BOOT / 40], bs[BOOT - BOOT / 40 - 1], t3 / (double)n,
               bs[BOOT + BOOT / 40], bs[2 * BOOT - BOOT / 40 - 1]);
    }
    free(bs);
}

/* Mean log loss over the cases of idx (n of them): the fit's objective. */
static double objective(const ts_intel *ti, const acase *c, const size_t *idx, size_t n,
                        const ts_attr_params *p, outcome *o)
{
    double ll = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = idx[j];
        if (!run(ti, &c[i], p, &o[i]))
            return INFINITY;
        ll -= log(o[i].p_truth > 1e-6 ? o[i].p_truth : 1e-6);
    }
    return ll / (double)n;
}

/* The fitted parameters, by name. The prior of "unattributed" is a base rate the ATT&CK
 * cases cannot teach (they are all attributed, and the share of novel cases is a choice):
 * it is not fitted. tech_dep and tech_few stop at 1: above, more techniques would say less. */
#define N_PAR 11
static const char *const par_name[N_PAR] = {"tech_smooth", "tech_pseudo", "tech_family", "tech_temp",
                                            "tech_dep",    "tech_few",    "soft_smooth", "soft_temp",
                                            "tech_span",   "soft_span",   "tech_soft"};
static const double par_hi[N_PAR] = {0.95, 500, 1.0, 10, 1, 1, 0.95, 10, 1, 1, 1.0};
/* The parameters only campaign cases can fit: the software channel's (only campaigns carry
 * software) and tech_dep (only campaigns show more than TS_TECH_N0 techniques). --nested scores
 * each campaign with them fitted on the other campaigns. */
static const size_t soft_par[] = {4, 6, 7, 9};

static void params_of(ts_attr_params *p, double **par)
{
    double *v[N_PAR] = {&p->tech_smooth, &p->tech_pseudo, &p->tech_family, &p->tech_temp,
                        &p->tech_dep,    &p->tech_few,    &p->soft_smooth, &p->soft_temp,
                        &p->tech_span,   &p->soft_span,   &p->tech_soft};
    memcpy(par, v, sizeof v);
}

/* "name=value": sets one parameter; false when the name is unknown. */
static bool set_param(ts_attr_params *p, const char *arg)
{
    double *par[N_PAR];
    params_of(p, par);
    const char *eq = strchr(arg, '=');
    if (eq && strncmp(arg, "prior_unattributed=", 19) == 0) { /* set, never fitted */
        p->prior_unattributed = strtod(eq + 1, NULL);
        return true;
    }
    for (size_t k = 0; eq && k < N_PAR; k++)
        if (strlen(par_name[k]) == (size_t)(eq - arg) && strncmp(arg, par_name[k], (size_t)(eq - arg)) == 0) {
            *par[k] = strtod(eq + 1, NULL);
            return true;
        }
    return false;
}

/* Coordinate search of the parameters numbered in which (nw of them) on the cases of idx:
 * each in turn over a few multiples, until nothing improves. Returns the log loss. */
static double search(const ts_intel *ti, const acase *c, const size_t *idx, size_t n, ts_attr_params *p,
                     outcome *o, const size_t *which, size_t nw, bool verbose)
{
    double *par[N_PAR];
    params_of(p, par);
    double best = objective(ti, c, idx, n, p, o);
    for (int round = 0; round < 4; round++) {
        bool moved = false;
        for (size_t w = 0; w < nw; w++) {
            size_t k = which[w];
            static const double step[] = {0.5, 0.7, 1.4, 2.0};
            for (size_t s = 0; s < 4; s++) {
                double old = *par[k], nv = old * step[s];
                if (old == 0)
                    nv = step[s] > 1 ? 0.1 : 0;
                if (nv > par_hi[k] || nv == old)
                    continue;
                *par[k] = nv;
                double ll = objective(ti, c, idx, n, p, o);
                if (ll < best - 1e-4) {
                    best = ll;
                    moved = true;
                    if (verbose)
                        fprintf(stderr, "fit: %s = %.3f: log loss %.4f\n", par_name[k], nv, ll);
                } else {
                    *par[k] = old;
                }
            }
        }
        if (!moved)
            break;
    }
    return best;
}

/* Fits every parameter on every case. */
static void fit(const ts_intel *ti, const acase *c, size_t n, ts_attr_params *p, outcome *o)
{
    size_t *idx = malloc(n * sizeof *idx), which[N_PAR];
    for (size_t i = 0; idx && i < n; i++)
        idx[i] = i;
    for (size_t k = 0; k < N_PAR; k++)
        which[k] = k;
    double best = idx ? search(ti, c, idx, n, p, o, which, N_PAR, true) : NAN;
    free(idx);
    printf("fitted: tech_pseudo %.3f tech_few %.3f tech_span %.3f soft_span %.3f tech_soft %.3f\n",
           p->tech_pseudo, p->tech_few, p->tech_span, p->soft_span, p->tech_soft);
    printf("fitted: tech_smooth %.3f tech_family %.3f tech_temp %.3f tech_dep %.3f soft_smooth %.3f "
           "soft_temp %.3f "
           "(log loss %.4f)\n",
           p->tech_smooth, p->tech_family, p->tech_temp, p->tech_dep, p->soft_smooth, p->soft_temp, best);
}

/* Leave-one-campaign-out: each campaign case is scored with the parameters only campaigns can
 * fit, fitted (from p) on the other campaign cases only, so no parameter has seen the case it
 * scores. Fills o for the campaign cases; prints the fitted values' range. */
static void nested(const ts_intel *ti, const acase *c, size_t n, const ts_attr_params *p, outcome *o)
{
    size_t *camp = malloc(n * sizeof *camp), *rest = malloc(n * sizeof *rest), m = 0;
    outcome *scratch = calloc(n, sizeof *scratch);
    double lo[N_PAR], hi[N_PAR];
    for (size_t k = 0; k < N_PAR; k++)
        lo[k] = INFINITY, hi[k] = -INFINITY;
    for (size_t i = 0; camp && i < n; i++)
        if (strcmp(c[i].kind, "campaign") == 0)
            camp[m++] = i;
    for (size_t j = 0; rest && scratch && j < m; j++) {
        size_t nr = 0;
        for (size_t k = 0; k < m; k++)
            if (k != j)
                rest[nr++] = camp[k];
        ts_attr_params q = *p;
        search(ti, c, rest, nr, &q, scratch, soft_par, sizeof soft_par / sizeof *soft_par, false);
        run(ti, &c[camp[j]], &q, &o[camp[j]]);
        double *par[N_PAR];
        params_of(&q, par);
        for (size_t w = 0; w < sizeof soft_par / sizeof *soft_par; w++) {
            size_t k = soft_par[w];
            lo[k] = *par[k] < lo[k] ? *par[k] : lo[k];
            hi[k] = *par[k] > hi[k] ? *par[k] : hi[k];
        }
    }
    printf("nested: each of %zu campaigns scored with the campaign-only parameters fitted on the others:", m);
    for (size_t w = 0; w < sizeof soft_par / sizeof *soft_par; w++)
        printf(" %s %.3f..%.3f", par_name[soft_par[w]], lo[soft_par[w]], hi[soft_par[w]]);
    printf("\n");
    free(camp);
    free(rest);
    free(scratch);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: attr_calibrate CASES.tsv [--fit] [--nested] [--bins] [--cases] [--baselines] "
                        "[--explain N] [--set "
                        "NAME=VALUE]...\n");
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
    cases = c;
    outcome *o = calloc(n, sizeof *o);
    size_t *idx = malloc(n * sizeof *idx);
    ts_attr_params p;
    ts_attr_params_default(&p);
    for (int i = 2; i < argc; i++) {
        show_bins |= strcmp(argv[i], "--bins") == 0, show_cases |= strcmp(argv[i], "--cases") == 0;
        show_baselines |= strcmp(argv[i], "--baselines") == 0;
        if (strcmp(argv[i], "--explain") == 0 && i + 1 < argc)
            explain = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--set") == 0 && i + 1 < argc && !set_param(&p, argv[++i])) {
            fprintf(stderr, "attr_calibrate: no parameter %s\n", argv[i]);
            return 2;
        }
    }
    bool do_fit = false;
    for (int i = 2; i < argc; i++)
        do_fit |= strcmp(argv[i], "--fit") == 0;
    if (do_fit)
        fit(ti, c, n, &p, o);
    for (size_t i = 0; i < n; i++)
        if (!run(ti, &c[i], &p, &o[i])) {
            fprintf(stderr, "attr_calibrate: out of memory\n");
            return 1;
        }
    bool do_nested = false;
    for (int i = 2; i < argc; i++)
        do_nested |= strcmp(argv[i], "--nested") == 0;
    if (do_nested)
        nested(ti, c, n, &p, o);
    bl_ranks *bl = show_baselines ? calloc(n, sizeof *bl) : NULL;
    for (size_t i = 0; bl && i < n; i++)
        bl_rank(ti, &c[i], bl[i]);
    for (size_t i = 0; show_cases && i < n; i++) {
        const ts_actor *t = ts_intel_actor(ti, c[i].truth);
        printf("case %zu %s: %zu seen, truth %s, rank %zu (p %.3f); top %s (p %.3f); leading actor %s\n",
               i + 1, c[i].kind, c[i].n_ev, t ? t->name : "?", o[i].rank, o[i].p_truth, o[i].top, o[i].p_top,
               o[i].named_ok ? "right" : "wrong");
        if (bl)
            printf("case %zu baselines: the truth ranks %zu (nb-interp), %zu (nb-rarity)\n", i + 1, bl[i][0],
                   bl[i][1]);
    }
    const char *kinds[] = {"subset", "short", "novel", "campaign"};
    for (size_t k = 0; k < 4; k++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(c[i].kind, kinds[k]) == 0)
                idx[m++] = i;
        report(kinds[k], o, idx, m);
        if (bl && k != 2) /* a novel actor's right answer is "unattributed", which they cannot say */
            bl_report(kinds[k], (const bl_ranks *)bl, idx, m);
    }
    free(bl);
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
