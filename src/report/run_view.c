/* run_view.c: the report of one run: its figures, then for people one entry per incident it
 * wrote (details with `tocsin show`), for tools every incident in full. */
#include <stdlib.h>
#include <string.h>

#include "core/esc.h"
#include "report/report.h"
#include "report/report_int.h"

/* The figures of the summary: what the hunt counted when given, else what the store
 * recorded (a report of an earlier run). */
/* Words mean one thing each: an event is a record read, a hit one event a detector matched,
 * an alert what the hits of one detector and key fold into (what the store keeps). */
typedef struct run_figures {
    uint64_t files, events, rejected, hits, alerts, incidents, suppressed;
    double seconds;
    uint64_t routine;
} run_figures;

static run_figures figures(const ts_run_view *run, const ts_hunt_stats *st)
{
    run_figures f = {run->files,      run->events, run->rejected, 0, run->alerts, run->incidents,
                     run->suppressed, 0,           run->routine};
    if (run->ended_ns > run->started_ns)
        f.seconds = (double)(run->ended_ns - run->started_ns) / 1e9;
    if (st)
        f = (run_figures){st->files,     st->events,     st->rejected, st->alerts, run->alerts,
                          st->incidents, st->suppressed, st->seconds,  st->routine};
    return f;
}

/* Past this many rules that gave up, the text summary counts the rest. */
#define GAVE_UP_SHOWN 10

/* The rules that could not finish on some events, with the first of them: an analyst
 * must see that these rules did not look at those events (a value padded against a rule's
 * regex leaves this trace). */
static void gave_up_text(const rpt *r, const ts_hunt_stats *st)
{
    FILE *o = r->out;
    char a[32], b[32];
    uint64_t events = 0;
    if (!st || !st->n_gave_up)
        return;
    for (size_t i = 0; i < st->n_gave_up; i++)
        events += st->gave_up[i].events;
    fprintf(o,
            "  %sgave up%s   %s rule%s could not finish on %s event%s (a regex over its step budget, "
            "[sigma] regex_steps): neither fired nor ruled out\n",
            rpt_sgr(r, RS_DIM), rpt_sgr(r, RS_RESET), rpt_count(st->n_gave_up, a, sizeof a),
            st->n_gave_up == 1 ? "" : "s", rpt_count(events, b, sizeof b), events == 1 ? "" : "s");
    for (size_t i = 0; i < st->n_gave_up && i < GAVE_UP_SHOWN; i++) {
        const ts_rule_gave_up *g = &st->gave_up[i];
        fputs("            ", o);
        ts_fputs_term(g->rule ? g->rule : "?", o);
        fputs(" \"", o);
        ts_fputs_term(g->title ? g->title : "", o);
        fprintf(o, "\": %s event%s, first ", rpt_count(g->events, a, sizeof a), g->events == 1 ? "" : "s");
        ts_fputs_term(g->file ? g->file : "(no file)", o);
        if (g->line)
            fprintf(o, ":%llu", (unsigned long long)g->line);
        else if (g->record)
            fprintf(o, " record %llu", (unsigned long long)g->record);
        fputc('\n', o);
    }
    if (st->n_gave_up > GAVE_UP_SHOWN)
        fprintf(o, "            and %zu more rules (--json lists them all)\n", st->n_gave_up - GAVE_UP_SHOWN);
}

static void gave_up_json(ts_jw *w, const ts_hunt_stats *st)
{
    uint64_t events = 0;
    ts_jw_key(w, "gave_up");
    if (!st) {
        ts_jw_null(w);
        ts_jw_key(w, "rules_gave_up");
        ts_jw_null(w);
        return;
    }
    for (size_t i = 0; i < st->n_gave_up; i++)
        events += st->gave_up[i].events;
    ts_jw_uint(w, events);
    ts_jw_key(w, "rules_gave_up");
    ts_jw_arr(w);
    for (size_t i = 0; i < st->n_gave_up; i++) {
        const ts_rule_gave_up *g = &st->gave_up[i];
        ts_jw_obj(w);
        ts_jw_kstr(w, "rule", g->rule);
        ts_jw_kstr(w, "title", g->title);
        ts_jw_kuint(w, "events", g->events);
        ts_jw_kstr(w, "file", g->file);
        ts_jw_kuint(w, "line", g->line);
        ts_jw_kuint(w, "record", g->record);
        ts_jw_obj_end(w);
    }
    ts_jw_arr_end(w);
}

static void summary_text(const rpt *r, const ts_run_view *run, const run_figures *f,
                         const ts_format_view *fmt, size_t nfmt)
{
    FILE *o = r->out;
    char a[32], b[32], c[32], d[32], e[32];
    fprintf(o, "%srun %lld%s (", rpt_sgr(r, RS_BOLD), (long long)run->id, rpt_sgr(r, RS_RESET));
    ts_fputs_term(run->command, o);
    fputs(", tocsin ", o);
    ts_fputs_term(run->version, o);
    fprintf(o, "): %s file%s, %s events, %s rejected", rpt_count(f->files, a, sizeof a),
            f->files == 1 ? "" : "s", rpt_count(f->events, b, sizeof b), rpt_count(f->rejected, c, sizeof c));
    if (f->hits)
        fprintf(o, ", %s matched", rpt_count(f->hits, a, sizeof a));
    fprintf(o, ", %s%s alert%s, %s incident%s\n", f->hits ? "folded into " : "",
            rpt_count(f->alerts, d, sizeof d), f->alerts == 1 ? "" : "s",
            rpt_count(f->incidents, e, sizeof e), f->incidents == 1 ? "" : "s");
    if (f->suppressed) /* kept and shown, marked: an analyst's suppression matched them */
        fprintf(o, "  %s suppressed by analysts' rules (tocsin suppress --list), not raised\n",
                rpt_count(f->suppressed, a, sizeof a));
    if (f->routine) /* kept and shown, marked: a routine source's usual doing (docs/correlation.md) */
        fprintf(
            o,
            "  %s routine (scanners, deployment and other sources doing what they always do), not raised\n",
            rpt_count(f->routine, a, sizeof a));
    fprintf(o, "  %.2f s", f->seconds);
    if (f->seconds > 0)
        fprintf(o, ", %s events/s", rpt_count((uint64_t)((double)f->events / f->seconds), a, sizeof a));
    fputc('\n', o);
    for (size_t i = 0; i < nfmt; i++) {
        char name[21];
        fprintf(o, "  %s%-10s%s%-20s %6s file%s %14s events", rpt_sgr(r, RS_DIM), i ? "" : "formats",
                rpt_sgr(r, RS_RESET), ts_esc_term(fmt[i].format, name, sizeof name),
                rpt_count(fmt[i].files, a, sizeof a), fmt[i].files == 1 ? " " : "s",
                rpt_count(fmt[i].events, b, sizeof b));
        if (fmt[i].rejected)
            fprintf(o, " %10s rejected", rpt_count(fmt[i].rejected, c, sizeof c));
        fputc('\n', o);
    }
}

/* The hunt's bounded state: what it holds, the most it could, and what it forgot. */
typedef struct state_total {
    uint64_t bytes, bound, evicted;
} state_total;

static state_total state_sum(const ts_hunt_stats *st)
{
    state_total t = {0, 0, 0};
    for (size_t i = 0; st && i < st->n_state; i++) {
        t.bytes += st->state[i].use.bytes;
        t.bound += st->state[i].use.bound;
        t.evicted += st->state[i].use.evicted;
    }
    return t;
}

/* One line for the state, then one per table that forgot entries to stay within its cap. */
static void state_text(const rpt *r, const ts_hunt_stats *st)
{
    FILE *o = r->out;
    char a[32], b[32], c[32];
    if (!st || !st->n_state)
        return;
    state_total t = state_sum(st);
    fprintf(
        o,
        "  %s%-10s%s%.1f MB held by detectors (at most %.1f MB at their caps), %s forgotten or turned away\n",
        rpt_sgr(r, RS_DIM), "state", rpt_sgr(r, RS_RESET), (double)t.bytes / 1048576.0,
        (double)t.bound / 1048576.0, t.evicted ? rpt_count(t.evicted, a, sizeof a) : "nothing");
    for (size_t i = 0; i < st->n_state; i++) {
        const ts_state_row *w = &st->state[i];
        if (!w->use.evicted)
            continue;
        fprintf(o, "            %s %s: %s kept (cap %s), %s %s\n", w->owner, w->use.table,
                rpt_count(w->use.kept, a, sizeof a), rpt_count(w->use.cap, b, sizeof b),
                rpt_count(w->use.evicted, c, sizeof c),
                w->use.refuses ? "turned away (full, it keeps what it has)"
                               : "forgotten, least recently seen first");
    }
}

static void state_json(ts_jw *w, const ts_hunt_stats *st)
{
    if (!st || !st->n_state)
        return;
    state_total t = state_sum(st);
    ts_jw_key(w, "state");
    ts_jw_obj(w);
    ts_jw_kuint(w, "bytes", t.bytes);
    ts_jw_kuint(w, "bound", t.bound);
    ts_jw_kuint(w, "evicted", t.evicted);
    ts_jw_key(w, "tables");
    ts_jw_arr(w);
    for (size_t i = 0; i < st->n_state; i++) {
        const ts_state_row *row = &st->state[i];
        ts_jw_obj(w);
        ts_jw_kstr(w, "owner", row->owner);
        ts_jw_kstr(w, "table", row->use.table);
        ts_jw_kuint(w, "kept", row->use.kept);
        ts_jw_kuint(w, "cap", row->use.cap);
        ts_jw_kuint(w, "evicted", row->use.evicted);
        ts_jw_kstr(w, "when_full", row->use.refuses ? "refuse" : "evict");
        ts_jw_kuint(w, "bytes", row->use.bytes);
        ts_jw_kuint(w, "bound", row->use.bound);
        ts_jw_obj_end(w);
    }
    ts_jw_arr_end(w);
    ts_jw_obj_end(w);
}

static void summary_json(FILE *out, const ts_run_view *run, const run_figures *f, const ts_format_view *fmt,
                         size_t nfmt, const ts_hunt_stats *st)
{
    ts_jw w;
    char t[40];
    ts_jw_begin(&w, out);
    ts_jw_kstr(&w, "type", "run");
    ts_jw_kint(&w, "run", run->id);
    ts_jw_kstr(&w, "command", run->command);
    ts_jw_kstr(&w, "version", run->version);
    ts_jw_kstr(&w, "started", rpt_time(run->started_ns, false, t, sizeof t));
    rpt_jw_time(&w, "ended", run->ended_ns);
    ts_jw_kuint(&w, "files", f->files);
    ts_jw_kuint(&w, "events", f->events);
    ts_jw_kuint(&w, "rejected", f->rejected);
    ts_jw_kuint(&w, "hits", f->hits); /* events detectors matched (0: not counted, an earlier run) */
    ts_jw_kuint(&w, "alerts", f->alerts);
    ts_jw_kuint(&w, "incidents", f->incidents);
    ts_jw_kuint(&w, "suppressed", f->suppressed);
    ts_jw_kuint(&w, "routine", f->routine);
    ts_jw_kdouble(&w, "seconds", f->seconds);
    ts_jw_kdouble(&w, "events_per_second", f->seconds > 0 ? (double)f->events / f->seconds : 0);
    ts_jw_key(&w, "formats");
    ts_jw_arr(&w);
    for (size_t i = 0; i < nfmt; i++) {
        ts_jw_obj(&w);
        ts_jw_kstr(&w, "format", fmt[i].format);
        ts_jw_kuint(&w, "files", fmt[i].files);
        ts_jw_kuint(&w, "events", fmt[i].events);
        ts_jw_kuint(&w, "rejected", fmt[i].rejected);
        ts_jw_obj_end(&w);
    }
    ts_jw_arr_end(&w);
    gave_up_json(&w, st);
    state_json(&w, st);
    ts_jw_end(&w);
}

typedef struct ranked {
    char *id;
    int severity;
    uint64_t alerts;
} ranked;

static int graver_first(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->severity != y->severity)
        return y->severity - x->severity;
    return (y->alerts > x->alerts) - (y->alerts < x->alerts);
}

/* Past this many alerts' titles the "what" of a row stops looking: it is cut to the width
 * long before. */
#define WHAT_TITLES 12

/* What the incident is, from its alerts: the titles of its gravest, one per detector,
 * gravest first ("C2 beacon to 203.131.222.102; lateral SMB ..."). Raw: escaped when cut. */
static void what_phrase(const ts_incident_view *v, char *buf, size_t cap)
{
    size_t n = 0, shown = 0;
    const char *seen[WHAT_TITLES];
    buf[0] = 0;
    for (int sev = 100; sev >= 0 && shown < WHAT_TITLES && n + 1 < cap; sev--)
        for (size_t i = 0; i < v->n_alerts && shown < WHAT_TITLES && n + 1 < cap; i++) {
            const ts_alert_view *a = &v->alerts[i];
            if (a->severity != sev || !a->title || a->suppression)
                continue;
            size_t k = 0;
            while (k < shown && strcmp(seen[k], a->detector ? a->detector : "") != 0)
                k++;
            if (k < shown)
                continue;
            seen[shown++] = a->detector ? a->detector : "";
            int w = snprintf(buf + n, cap - n, "%s%s", n ? "; " : "", a->title);
            n = w > 0 ? n + (size_t)w : n;
        }
    if (n >= cap)
        buf[cap - 1] = 0;
}

/* One incident in two lines: id, severity, span, verdict and hosts; then the ATT&CK stages
 * reached and what it is, each cut to the width. */
static void summary_row(const rpt *r, const ts_intel *ti, const ts_incident_view *v)
{
    FILE *o = r->out;
    char t[40], dur[24], verdict[200], hosts[400], stages[400], what[1200];
    size_t nh = 0, hn = 0;
    rpt_time(v->first_ns, true, t, sizeof t);
    t[10] = ' '; /* "2014-11-24 08:12" */
    t[16] = 0;
    rpt_duration(v->last_ns - v->first_ns, dur, sizeof dur);
    rpt_verdict(v, verdict, sizeof verdict);
    if (v->disposition) {
        size_t vl = strlen(verdict);
        snprintf(verdict + vl, sizeof verdict - vl, " [%s %s]", v->reopened ? "reopened, was" : "closed",
                 v->disposition);
    }
    hosts[0] = 0;
    for (size_t i = 0; i < v->n_entities; i++)
        if (strcmp(v->entities[i].kind, "host") == 0) {
            if (hn + 1 < sizeof hosts) {
                int w = snprintf(hosts + hn, sizeof hosts - hn, "%s%s", hn ? ", " : "", v->entities[i].value);
                hn = w > 0 ? hn + (size_t)w : hn;
            }
            nh++;
        }
    fprintf(o, "%s", rpt_sgr(r, RS_BOLD));
    rpt_cut(r, v->id, 20);
    fprintf(o, "%s %s%-8s%s %s +%-6s ", rpt_sgr(r, RS_RESET), rpt_sgr(r, rpt_severity_style(v->severity)),
            rpt_severity_name(v->severity), rpt_sgr(r, RS_RESET), t, dur);
    /* 20 + 1 + 8 + 1 + 16 + 2 + 6 + 1 columns so far */
    int col = 55, left = r->width - col;
    int vw = (int)strlen(verdict);
    if (vw > left)
        vw = left;
    rpt_cut(r, verdict, vw);
    left -= vw;
    if (nh && left > 12) {
        char hl[48];
        snprintf(hl, sizeof hl, "  %zu host%s: ", nh, nh == 1 ? "" : "s");
        fputs(hl, o);
        rpt_cut(r, hosts, left - (int)strlen(hl));
    }
    fputc('\n', o);
    rpt_stages(ti, v, stages, sizeof stages);
    what_phrase(v, what, sizeof what);
    fputs("    ", o);
    if (*stages) {
        fputs(rpt_sgr(r, RS_CYAN), o);
        rpt_cut(r, stages, (r->width - 4) / 2);
        fprintf(o, "%s: ", rpt_sgr(r, RS_RESET));
    }
    int used =
        4 + (*stages ? (int)(strlen(stages) < (size_t)(r->width - 4) / 2 ? strlen(stages)
                                                                         : (size_t)(r->width - 4) / 2) +
                           2
                     : 0);
    rpt_cut(r, what, r->width - used > 10 ? r->width - used : 10);
    fputc('\n', o);
}

/* Past this many incidents the summary says how many more there are instead: it is meant
 * to fit a screen; `tocsin incidents` and --json list them all. */
#define SUMMARY_ROWS 20

/* Whether the filter (NULL: none) lets the incident through: an alert at or above the level,
 * activity within the bounds. */
static bool shown(const ts_timeline_filter *f, const ts_incident_view *v)
{
    if (!f)
        return true;
    return v->severity >= f->min_severity && (!f->since_ns || v->last_ns >= f->since_ns) &&
           (!f->until_ns || v->first_ns <= f->until_ns);
}

/* Text: one screen, one entry per incident, gravest first; details with `tocsin show`. */
static tocsin_code incidents_summary(ts_store *s, const ts_intel *ti, char **ids, size_t n, const rpt *r,
                                     const ts_timeline_filter *f)
{
    ranked *rk = calloc(n, sizeof *rk);
    size_t kept = 0, quiet = 0;
    tocsin_code rc = TOCSIN_OK;
    if (!rk)
        return TOCSIN_E_NOMEM;
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++) {
        ts_incident_view *v;
        if ((rc = ts_store_incident_load(s, ids[i], 0, &v)) != TOCSIN_OK)
            break;
        /* closed by an analyst, or made only of routine, warninglisted or suppressed alerts */
        bool settled = (v->status && strcmp(v->status, "closed") == 0) || v->quiet_alerts >= v->alert_total;
        if (shown(f, v) && settled)
            quiet++;
        else if (shown(f, v))
            rk[kept++] = (ranked){ids[i], v->severity, v->alert_total};
        ts_incident_view_free(v);
    }
    if (kept)
        qsort(rk, kept, sizeof *rk, graver_first);
    fprintf(r->out, "\n%s%zu incident%s%s", rpt_sgr(r, RS_BOLD), n, n == 1 ? "" : "s", rpt_sgr(r, RS_RESET));
    if (kept + quiet < n)
        fprintf(r->out, ", %zu within --min-level, --since and --until", kept + quiet);
    if (quiet)
        fprintf(r->out,
                ", %zu of them settled (closed, or only routine or suppressed activity: tocsin incidents "
                "lists them)",
                quiet);
    size_t rows = kept < SUMMARY_ROWS ? kept : SUMMARY_ROWS;
    if (kept)
        fprintf(
            r->out,
            "%s gravest first (tocsin show ID for one in full, tocsin report ID --html FILE for a page):\n",
            quiet ? "; the others," : ",");
    else
        fputc('\n', r->out);
    for (size_t i = 0; i < rows && rc == TOCSIN_OK; i++) {
        ts_incident_view *v;
        if ((rc = ts_store_incident_load(s, rk[i].id, TS_VIEW_ALERTS, &v)) != TOCSIN_OK)
            break;
        summary_row(r, ti, v);
        ts_incident_view_free(v);
    }
    if (rows < kept)
        fprintf(r->out, "... and %zu less grave (tocsin incidents lists them all, --min-level shows fewer)\n",
                kept - rows);
    free(rk);
    return rc;
}

/* Every incident the run wrote: in full for tools (oldest activity first), one entry each
 * for people. */
static tocsin_code incidents(ts_store *s, const ts_intel *ti, int64_t run_id, const rpt *r, int json,
                             const ts_timeline_filter *f)
{
    char **ids;
    size_t n;
    tocsin_code rc = ts_store_incident_ids(s, run_id, &ids, &n);
    if (rc != TOCSIN_OK)
        return rc;
    if (!json && n == 0)
        fputs("\nno incidents\n", r->out);
    if (!json && n) {
        rc = incidents_summary(s, ti, ids, n, r, f);
        ts_strv_free(ids, n);
        return rc;
    }
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++) {
        ts_incident_view *v;
        if ((rc = ts_store_incident_load(s, ids[i], TS_VIEW_FULL, &v)) != TOCSIN_OK)
            break;
        if (shown(f, v))
            rpt_incident_json(r->out, v);
        ts_incident_view_free(v);
    }
    ts_strv_free(ids, n);
    return rc;
}

tocsin_code ts_report_run(ts_store *s, int64_t run_id, const ts_hunt_stats *st, FILE *out, int json,
                          const ts_timeline_filter *shown_only)
{
    ts_run_view run;
    ts_format_view *fmt;
    size_t nfmt;
    rpt r;
    tocsin_code rc = ts_store_run_get(s, run_id, &run);
    if (rc != TOCSIN_OK)
        return rc;
    if ((rc = ts_store_run_formats(s, run_id, &fmt, &nfmt)) != TOCSIN_OK) {
        ts_run_view_clear(&run);
        return rc;
    }
    run_figures f = figures(&run, st);
    rpt_init(&r, out);
    if (json) {
        summary_json(out, &run, &f, fmt, nfmt, st);
    } else {
        summary_text(&r, &run, &f, fmt, nfmt);
        gave_up_text(&r, st);
        state_text(&r, st);
    }
    ts_format_views_free(fmt, nfmt);
    ts_run_view_clear(&run);
    return incidents(s, st ? st->intel : NULL, run_id, &r, json, shown_only);
}
