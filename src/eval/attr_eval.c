/* attr_eval.c: tocsin eval --attribution: attribution alone, scored over several simulated
 * directories (scenarios and seeds), so that its top-1, top-3 and calibration can be read
 * on logs rather than on ATT&CK profiles alone (bench/attr_calibrate does those). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/esc.h"
#include "core/jsonw.h"
#include "eval/eval.h"
#include "tocsin.h"

#define BINS 10

typedef struct attr_case {
    const char *dir;
    tocsin_eval_result r;
    bool none; /* the truth names no outside actor */
    bool right, top3;
    double p_top; /* the stated probability of the top hypothesis; NAN: none stated */
} attr_case;

static void judge(attr_case *c)
{
    c->none = strcasecmp(c->r.true_actor, "none") == 0;
    c->p_top = c->r.top_actor[0] ? c->r.top_probability : NAN;
    if (c->none) { /* nobody to blame: right when nobody is blamed */
        c->right = c->top3 = c->r.blamed_incidents == 0;
        c->p_top = NAN;
        return;
    }
    c->right = c->r.actor_rank == 1;
    c->top3 = c->r.actor_rank >= 1 && c->r.actor_rank <= 3;
}

static void print_case(const attr_case *c, FILE *out, int json)
{
    if (json) {
        ts_jw w;
        ts_jw_begin(&w, out);
        ts_jw_kstr(&w, "type", "eval_attribution_case");
        ts_jw_kstr(&w, "dir", c->dir);
        ts_jw_kstr(&w, "true_actor", c->r.true_actor);
        ts_jw_kstr(&w, "top", c->r.top_actor[0] ? c->r.top_actor : NULL);
        ts_jw_kdouble(&w, "top_probability", c->r.top_probability);
        ts_jw_kint(&w, "actor_rank", c->r.actor_rank);
        ts_jw_kdouble(&w, "truth_probability", c->r.truth_probability);
        ts_jw_kuint(&w, "blamed_incidents", c->r.blamed_incidents);
        ts_jw_kbool(&w, "right", c->right);
        ts_jw_end(&w);
        return;
    }
    char buf[256];
    fprintf(out, "%-5s ", c->right ? "right" : "WRONG");
    fputs(ts_esc_term(c->dir, buf, sizeof buf), out);
    fputs(": truth ", out);
    fputs(ts_esc_term(c->r.true_actor, buf, sizeof buf), out);
    if (c->none) {
        fprintf(out, "; %zu incident%s blame an outside actor\n", c->r.blamed_incidents,
                c->r.blamed_incidents == 1 ? "" : "s");
        return;
    }
    fputs("; top ", out);
    fputs(c->r.top_actor[0] ? ts_esc_term(c->r.top_actor, buf, sizeof buf) : "(no campaign incident)", out);
    fprintf(out, " %.1f%%; the truth ranks ", c->r.top_probability * 100);
    if (c->r.actor_rank)
        fprintf(out, "%d (%.1f%%)\n", c->r.actor_rank, c->r.truth_probability * 100);
    else
        fputs("nowhere\n", out);
}

/* Top-1, top-3, Brier of the truth and the expected calibration error of the top
 * hypothesis (10 bins) over the cases; "none" cases count in top-1 and top-3 only. */
static void summary(const attr_case *v, size_t n, FILE *out, int json)
{
    size_t right = 0, top3 = 0, scored = 0;
    double brier = 0, bin_n[BINS] = {0}, bin_p[BINS] = {0}, bin_ok[BINS] = {0};
    for (size_t i = 0; i < n; i++) {
        right += v[i].right;
        top3 += v[i].top3;
        if (isnan(v[i].p_top))
            continue;
        scored++;
        double q = v[i].r.truth_probability;
        brier += (1 - q) * (1 - q);
        int b = (int)(v[i].p_top * BINS);
        b = b >= BINS ? BINS - 1 : b < 0 ? 0 : b;
        bin_n[b]++;
        bin_p[b] += v[i].p_top;
        bin_ok[b] += v[i].right;
    }
    double ece = 0;
    for (int b = 0; b < BINS; b++)
        ece += scored ? fabs(bin_p[b] - bin_ok[b]) / (double)scored : 0;
    double t1 = n ? (double)right / (double)n : 0, t3 = n ? (double)top3 / (double)n : 0;
    brier = scored ? brier / (double)scored : 0;
    if (json) {
        ts_jw w;
        ts_jw_begin(&w, out);
        ts_jw_kstr(&w, "type", "eval_attribution_summary");
        ts_jw_kuint(&w, "cases", n);
        ts_jw_kdouble(&w, "top1", t1);
        ts_jw_kdouble(&w, "top3", t3);
        ts_jw_kuint(&w, "calibration_cases", scored);
        ts_jw_kdouble(&w, "brier_truth", brier);
        ts_jw_kdouble(&w, "ece", ece);
        ts_jw_end(&w);
        return;
    }
    fprintf(out, "attribution over %zu directories: top-1 %.3f (%zu), top-3 %.3f (%zu)\n", n, t1, right, t3,
            top3);
    fprintf(out,
            "calibration over the %zu with a named truth: Brier of the truth %.3f, ECE of the top hypothesis "
            "%.3f (10 bins)\n",
            scored, brier, ece);
    for (int b = 0; b < BINS && scored; b++)
        if (bin_n[b])
            fprintf(out, "  stated %3d-%3d%%: %2.0f cases, stated %.2f, right %.2f\n", b * 10, b * 10 + 10,
                    bin_n[b], bin_p[b] / bin_n[b], bin_ok[b] / bin_n[b]);
}

tocsin_code tocsin_eval_attribution(const tocsin_options *opts, const char *const *dirs, size_t n)
{
    if (!dirs || !n) {
        if (opts)
            ts_diag_say(opts->diag, opts->diag_ud, NULL, 0, 0, TOCSIN_E_ARG,
                        "eval --attribution needs at least one DIR");
        return TOCSIN_E_ARG;
    }
    tocsin_options o = opts ? *opts : (tocsin_options){0};
    FILE *out = o.out ? o.out : stdout;
    FILE *quiet = fopen("/dev/null", "w");
    attr_case *v = calloc(n, sizeof *v);
    if (!quiet || !v) {
        if (quiet)
            fclose(quiet);
        free(v);
        ts_diag_say(o.diag, o.diag_ud, NULL, 0, 0, TOCSIN_E_NOMEM, "out of memory");
        return TOCSIN_E_NOMEM;
    }
    o.out = quiet;
    o.json = 0;
    tocsin_code rc = TOCSIN_OK;
    for (size_t i = 0; i < n; i++) {
        tocsin_code r = tocsin_eval(&o, dirs[i], NULL, &v[i].r); /* says why it failed to o.diag */
        if (r != TOCSIN_OK && r != TOCSIN_E_PARTIAL) {
            rc = r;
            break;
        }
        if (r == TOCSIN_E_PARTIAL)
            rc = TOCSIN_E_PARTIAL;
        v[i].dir = dirs[i];
        judge(&v[i]);
        print_case(&v[i], out, opts ? opts->json : 0);
        fflush(out);
    }
    if (rc == TOCSIN_OK || rc == TOCSIN_E_PARTIAL)
        summary(v, n, out, opts ? opts->json : 0);
    fclose(quiet);
    free(v);
    return rc;
}
