/* attribution_view.c: prints ranked actor hypotheses with every contribution, as text or
 * as one NDJSON object. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "attribute/attribute.h"
#include "core/esc.h"
#include "core/jsonw.h"
#include "report/report.h"

static const ts_actor *actor_of(const ts_intel *ti, const ts_hypothesis *h)
{
    return ti && h->actor ? ts_intel_actor(ti, h->actor) : NULL;
}

static void text_hypothesis(const ts_intel *ti, const ts_hypothesis *h, size_t rank, FILE *out)
{
    const ts_actor *a = actor_of(ti, h);
    fprintf(out, "  %zu. ", rank);
    ts_fputs_term(h->name, out);
    if (a && a->attack_id) {
        fputs(" [", out);
        ts_fputs_term(a->attack_id, out);
        fputc(']', out);
    }
    if (a && a->country) {
        fputs(" (", out);
        ts_fputs_term(a->country, out);
        fputc(')', out);
    }
    char p[16];
    if (h->probability < 0.0005)
        snprintf(p, sizeof p, "<0.1%%");
    else if (h->probability > 0.9995)
        snprintf(p, sizeof p, ">99.9%%");
    else
        snprintf(p, sizeof p, "%.1f%%", h->probability * 100);
    fprintf(out, ": %s (%s), score %.2f nats\n", h->wording ? h->wording : ts_icd203(h->probability), p,
            h->score);
    for (size_t i = 0; i < h->n_contribs; i++) {
        const ts_contribution *c = &h->contribs[i];
        fprintf(out, "       %+7.2f  ", c->weight);
        ts_fputs_term(c->what, out);
        if (c->alert != SIZE_MAX)
            fprintf(out, " [alert %zu]", c->alert + 1);
        fputc('\n', out);
    }
}

/* A stable token for tools: "actor", "unattributed", "insider" or "others" (the summed rest). */
static const char *kind_of(const ts_hypothesis *h)
{
    if (h->actor)
        return "actor";
    if (strcmp(h->name, "unattributed") == 0 || strcmp(h->name, "insider") == 0)
        return h->name;
    return "others";
}

/* The same keys as the stored `hypothesis` record (docs/json-output.md), plus kind and
 * country; alert indexes are 1-based, as there. */
static void json_hypothesis(const ts_intel *ti, ts_jw *w, const ts_hypothesis *h, size_t rank)
{
    const ts_actor *a = actor_of(ti, h);
    ts_jw_obj(w);
    ts_jw_kuint(w, "rank", rank);
    ts_jw_kstr(w, "actor", h->name);
    ts_jw_kstr(w, "kind", kind_of(h));
    ts_jw_kstr(w, "attack_id", a ? a->attack_id : NULL);
    ts_jw_kstr(w, "country", a ? a->country : NULL);
    ts_jw_kdouble(w, "probability", h->probability);
    ts_jw_kstr(w, "wording", h->wording ? h->wording : ts_icd203(h->probability));
    ts_jw_kdouble(w, "score", h->score);
    ts_jw_key(w, "contributions");
    ts_jw_arr(w);
    for (size_t i = 0; i < h->n_contribs; i++) {
        const ts_contribution *c = &h->contribs[i];
        ts_jw_obj(w);
        ts_jw_kstr(w, "what", c->what);
        ts_jw_kdouble(w, "weight", c->weight);
        ts_jw_kuint_or_null(w, "alert", c->alert != SIZE_MAX, (uint64_t)c->alert + 1);
        ts_jw_obj_end(w);
    }
    ts_jw_arr_end(w);
    ts_jw_obj_end(w);
}

/* "++" strongly consistent, "+" consistent, "0" neutral, "-" inconsistent, "--" strongly. */
static const char *ach_mark(double w)
{
    return w >= 2 ? "++" : w >= 0.1 ? "+" : w <= -2 ? "--" : w <= -0.1 ? "-" : "0";
}

static const char *diagnostic_word(double d)
{
    return d >= 2 ? "high" : d >= 0.5 ? "moderate" : "low";
}

#define ACH_COL_WIDTH 18

/* The Analysis of Competing Hypotheses: each piece of evidence against the leading
 * hypotheses, consistent (+) or inconsistent (-) with each, and how diagnostic it is. */
static void text_ach(const struct ts_attribution *a, FILE *out)
{
    if (!a->n_ach || !a->n_ach_cols)
        return;
    fputs("competing hypotheses (weights in nats against unattributed; + consistent, - inconsistent):\n",
          out);
    fprintf(out, "  %-10s", "diagnostic");
    for (size_t c = 0; c < a->n_ach_cols; c++) {
        char name[ACH_COL_WIDTH];
        snprintf(name, sizeof name, "%s", a->hyps[a->ach_col[c]].name);
        fputs("  ", out);
        ts_fputs_term(name, out);
        fprintf(out, "%*s", (int)(ACH_COL_WIDTH - 1 - strlen(name)), "");
    }
    fputs("  evidence\n", out);
    for (size_t r = 0; r < a->n_ach; r++) {
        const ts_ach_row *row = &a->ach[r];
        fprintf(out, "  %-10s", diagnostic_word(row->diagnosticity));
        for (size_t c = 0; c < a->n_ach_cols; c++) {
            char cell[32];
            snprintf(cell, sizeof cell, "%s %+.2f", ach_mark(row->weight[c]), row->weight[c]);
            fprintf(out, "  %-*s", ACH_COL_WIDTH - 1, cell);
        }
        fputs("  ", out);
        ts_fputs_term(row->evidence, out);
        fputc('\n', out);
    }
}

static void json_ach(ts_jw *w, const struct ts_attribution *a)
{
    ts_jw_key(w, "ach");
    ts_jw_arr(w);
    for (size_t r = 0; r < a->n_ach; r++) {
        const ts_ach_row *row = &a->ach[r];
        ts_jw_obj(w);
        ts_jw_kstr(w, "evidence", row->evidence);
        ts_jw_kdouble(w, "diagnosticity", row->diagnosticity);
        ts_jw_key(w, "weights");
        ts_jw_obj(w);
        for (size_t c = 0; c < a->n_ach_cols; c++)
            ts_jw_kdouble(w, a->hyps[a->ach_col[c]].name, row->weight[c]);
        ts_jw_obj_end(w);
        ts_jw_obj_end(w);
    }
    ts_jw_arr_end(w);
}

void ts_report_attribution(const ts_intel *ti, const struct ts_attribution *a, FILE *out, int json)
{
    if (!out)
        return;
    if (json) {
        ts_jw w;
        ts_jw_begin(&w, out);
        ts_jw_kstr(&w, "type", "attribution");
        ts_jw_kstr(&w, "summary", a ? a->summary : NULL);
        ts_jw_kstr(&w, "confidence", a ? a->confidence : NULL);
        ts_jw_key(&w, "hypotheses");
        ts_jw_arr(&w);
        for (size_t i = 0; a && i < a->n; i++)
            json_hypothesis(ti, &w, &a->hyps[i], i + 1);
        ts_jw_arr_end(&w);
        if (a)
            json_ach(&w, a);
        ts_jw_end(&w);
        return;
    }
    if (!a) {
        fputs("attribution: none\n", out);
        return;
    }
    fputs("attribution: ", out);
    ts_fputs_term(a->summary, out);
    fputc('\n', out);
    text_ach(a, out);
    for (size_t i = 0; i < a->n; i++)
        text_hypothesis(ti, &a->hyps[i], i + 1, out);
}
