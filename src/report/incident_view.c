/* incident_view.c: an incident as people read it (text) and as tools read it (NDJSON),
 * and the list of stored incidents. */
#include <stdlib.h>
#include <string.h>

#include "core/esc.h"
#include "core/str.h"
#include "report/report.h"
#include "report/report_int.h"

#define LABEL 12 /* the column where values start after "  hosts     " */
#define MAX_ENTITIES 24
#define MAX_ALTERNATIVES 4 /* named on the verdict line; all are listed under hypotheses */

/* ---- text ------------------------------------------------------------------------------ */

/* A heading on a line of its own. */
static void section(const rpt *r, const char *name)
{
    fprintf(r->out, "  %s%s%s\n", rpt_sgr(r, RS_DIM), name, rpt_sgr(r, RS_RESET));
}

static void label(const rpt *r, const char *name)
{
    fprintf(r->out, "  %s%-*s%s", rpt_sgr(r, RS_DIM), LABEL - 2, name, rpt_sgr(r, RS_RESET));
}

/* One line per entity kind: "hosts     ws-01, 10.0.0.5", wrapped, at most MAX_ENTITIES. */
static void entities_text(const rpt *r, const ts_incident_view *v, const char *kind, const char *name)
{
    size_t n = 0, shown = 0, len = 0;
    for (size_t i = 0; i < v->n_entities; i++)
        if (strcmp(v->entities[i].kind, kind) == 0)
            n++, len += strlen(v->entities[i].value) + 2;
    if (!n)
        return;
    char *list = malloc(len + 1), *p = list;
    if (!list)
        return;
    for (size_t i = 0; i < v->n_entities && shown < MAX_ENTITIES; i++) {
        if (strcmp(v->entities[i].kind, kind) != 0)
            continue;
        size_t l = strlen(v->entities[i].value);
        if (shown++)
            memcpy(p, ", ", 2), p += 2;
        memcpy(p, v->entities[i].value, l);
        p += l;
    }
    *p = 0;
    label(r, name);
    rpt_wrap(r, list, LABEL, LABEL);
    if (n > shown)
        fprintf(r->out, " and %zu more", n - shown);
    fputc('\n', r->out);
    free(list);
}

static void actor_name(const rpt *r, const char *name, const char *attack_id)
{
    ts_fputs_term(name, r->out);
    if (attack_id) {
        fputs(" (", r->out);
        ts_fputs_term(attack_id, r->out);
        fputc(')', r->out);
    }
}

static void verdict_text(const rpt *r, const ts_incident_view *v)
{
    label(r, "verdict");
    if (!v->n_hyps) {
        fputs("not attributed\n", r->out);
        return;
    }
    /* The model's verdict is one line that never names an actor below "likely", with its
       confidence level; the hypotheses below give the rest. */
    if (v->summary && *v->summary) {
        rpt_wrap(r, v->summary, LABEL, LABEL);
        fputc('\n', r->out);
        return;
    }
    const ts_hyp_view *h = &v->hyps[0];
    fputs(rpt_sgr(r, RS_BOLD), r->out);
    actor_name(r, h->actor, h->attack_id);
    fprintf(r->out, "%s: ", rpt_sgr(r, RS_RESET));
    ts_fputs_term(h->wording ? h->wording : "?", r->out);
    char pc[16];
    fprintf(r->out, " (%s)\n", ts_fmt_pct(h->probability, 0, pc, sizeof pc));
    if (v->n_hyps > 1) {
        /* Assembled raw, then escaped and wrapped as a whole: there may be many. */
        char *raw = NULL;
        size_t len = 0;
        FILE *o = open_memstream(&raw, &len);
        if (!o)
            return;
        for (size_t i = 1; i < v->n_hyps && i <= MAX_ALTERNATIVES; i++)
            fprintf(o, "%s%s %s (%s)", i > 1 ? "; " : "", v->hyps[i].actor ? v->hyps[i].actor : "?",
                    ts_fmt_pct(v->hyps[i].probability, 0, pc, sizeof pc),
                    v->hyps[i].wording ? v->hyps[i].wording : "?");
        if (v->n_hyps - 1 > MAX_ALTERNATIVES)
            fprintf(o, "; and %zu more below", v->n_hyps - 1 - MAX_ALTERNATIVES);
        fclose(o);
        fprintf(r->out, "%*salternatives: ", LABEL, "");
        rpt_wrap(r, raw, LABEL + 14, LABEL + 2);
        fputc('\n', r->out);
        free(raw);
    }
}

static void hypotheses_text(const rpt *r, const ts_incident_view *v)
{
    if (!v->n_hyps)
        return;
    section(r, "hypotheses");
    for (size_t i = 0; i < v->n_hyps; i++) {
        const ts_hyp_view *h = &v->hyps[i];
        fprintf(r->out, "    %d. ", h->rank);
        actor_name(r, h->actor, h->attack_id);
        char pc[16];
        fprintf(r->out, "  %s  ", ts_fmt_pct(h->probability, 1, pc, sizeof pc));
        ts_fputs_term(h->wording ? h->wording : "?", r->out);
        fprintf(r->out, "  %sscore %+.2f%s\n", rpt_sgr(r, RS_DIM), h->score, rpt_sgr(r, RS_RESET));
        for (size_t k = 0; k < h->n_contribs; k++) {
            const ts_contrib_view *c = &h->contribs[k];
            fprintf(r->out, "        %+6.2f  ", c->weight);
            int col = rpt_wrap(r, c->what, 16, 16);
            if (c->alert != SIZE_MAX) {
                char ref[32];
                int n = snprintf(ref, sizeof ref, " [alert %zu]", c->alert + 1);
                if (col + n > RPT_WIDTH)
                    fprintf(r->out, "\n%*s", 15, "");
                fprintf(r->out, "%s%s%s", rpt_sgr(r, RS_DIM), ref, rpt_sgr(r, RS_RESET));
            }
            fputc('\n', r->out);
        }
    }
}

/* "path:line", "path#record" or the path: where an analyst opens the original. */
static void provenance_text(const rpt *r, const ts_alert_view *a)
{
    ts_fputs_term(a->file && *a->file ? a->file : "(unknown file)", r->out);
    if (a->line)
        fprintf(r->out, ":%llu", (unsigned long long)a->line);
    if (a->record)
        fprintf(r->out, "#%llu", (unsigned long long)a->record);
    if (a->dataset) {
        fputs(" (", r->out);
        ts_fputs_term(a->dataset, r->out);
        fputc(')', r->out);
    }
}

/* Appends " sep" and a piece to the detail line being assembled. */
static void piece(FILE *o, const char *sep, const char *text)
{
    if (ftell(o) > 0)
        fputs(sep, o);
    fputs(text, o);
}

/* The raw detail line of an alert: techniques, what matched, where the indicator came
 * from and whom it names. Raw because it is escaped as a whole when printed. */
static void detail_raw(FILE *o, const ts_alert_view *a)
{
    char num[48];
    if (a->techniques)
        piece(o, "; ", a->techniques);
    if (a->ioc_value) {
        piece(o, "; ", a->ioc_type ? a->ioc_type : "indicator");
        fprintf(o, " %s", a->ioc_value);
        if (a->observed && strcmp(a->observed, a->ioc_value) != 0)
            fprintf(o, " as %s", a->observed);
        if (a->side)
            fprintf(o, " (%s)", a->side);
        if (a->source)
            fprintf(o, " from %s", a->source);
        if (a->confidence >= 0) {
            snprintf(num, sizeof num, ", confidence %d", a->confidence);
            fputs(num, o);
        }
        if (a->shared)
            fputs(", shared infrastructure", o);
    }
    for (size_t i = 0; i < a->n_actors; i++) {
        if (i == 0)
            piece(o, "; ", "actors: ");
        else
            fputs(", ", o);
        fputs(a->actors[i], o);
    }
    if (a->suppressed && strncmp(a->suppressed, "routine: ", 9) == 0) { /* correlate/routine.h */
        piece(o, "; ", "");
        fputs(a->suppressed, o); /* "routine: ..." says what it is */
    } else if (a->suppressed) {
        piece(o, "; ", "suppressed: ");
        fputs(a->suppressed, o);
    }
    if (a->suppression) {
        snprintf(num, sizeof num, "suppressed by rule %lld: ", (long long)a->suppression);
        piece(o, "; ", num);
        fputs(a->suppression_note ? a->suppression_note : "", o);
    }
}

static void detail_text(const rpt *r, const ts_alert_view *a)
{
    char *raw = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&raw, &len);
    if (!o)
        return;
    detail_raw(o, a);
    fclose(o);
    if (raw && *raw) {
        fputs("        ", r->out);
        rpt_wrap(r, raw, 8, 10);
        fputc('\n', r->out);
    }
    free(raw);
}

static void alert_text(const rpt *r, size_t idx, const ts_alert_view *a)
{
    FILE *o = r->out;
    char t[40], n[32], d[24];
    fprintf(o, "    %s[%zu]%s %s  ", rpt_sgr(r, RS_BOLD), idx + 1, rpt_sgr(r, RS_RESET),
            rpt_time(a->first_ns, false, t, sizeof t));
    fputs(rpt_sgr(r, RS_CYAN), o);
    ts_fputs_term(a->detector, o);
    fprintf(o, "%s  severity %s%d%s", rpt_sgr(r, RS_RESET), rpt_sgr(r, rpt_severity_style(a->severity)),
            a->severity, rpt_sgr(r, RS_RESET));
    /* A duration, not the last time: two full times would not fit in 100 columns. */
    if (a->count > 1 && a->last_ns > a->first_ns)
        fprintf(o, "  %s events over %s", rpt_count(a->count, n, sizeof n),
                rpt_duration(a->last_ns - a->first_ns, d, sizeof d));
    else if (a->count > 1)
        fprintf(o, "  %s events", rpt_count(a->count, n, sizeof n));
    fprintf(o, "\n        ");
    rpt_wrap(r, a->title, 8, 8);
    fputc('\n', o);
    detail_text(r, a);
    fprintf(o, "        %sat ", rpt_sgr(r, RS_DIM));
    provenance_text(r, a);
    fprintf(o, "%s\n", rpt_sgr(r, RS_RESET));
}

/* What the analyst decided, and whether a later hunt reopened it. */
static void disposition_text(const rpt *r, const ts_incident_view *v)
{
    char t[40];
    if (v->disposition) {
        label(r, "status");
        int w = fprintf(r->out, "%s as %s on %s", v->reopened ? "reopened; had been closed" : "closed",
                        v->disposition, rpt_time(v->closed_ns, true, t, sizeof t));
        if (v->note) { /* the analyst's words, escaped like any other text */
            fputs(": ", r->out);
            rpt_wrap(r, v->note, LABEL + (w > 0 ? w : 0) + 2, LABEL);
        }
        fputc('\n', r->out);
    }
    if (v->reopened) {
        label(r, "reopened");
        rpt_wrap(r, v->reopened, LABEL, LABEL);
        fputc('\n', r->out);
    }
    if (v->suppressed_alerts) {
        label(r, "alerts");
        if (v->suppressed_alerts >= v->alert_total)
            fputs("all suppressed by analysts' rules (kept, marked below): nothing to raise\n", r->out);
        else
            fprintf(r->out, "%llu suppressed by analysts' rules (kept, marked below; not in the severity)\n",
                    (unsigned long long)v->suppressed_alerts);
    }
}

void rpt_incident_text(const rpt *r, const ts_incident_view *v)
{
    FILE *o = r->out;
    char t1[40], t2[40], d[24];
    fputs(rpt_sgr(r, RS_BOLD), o);
    ts_fputs_term(v->id, o);
    fprintf(o, "%s  %s%s %d%s  %llu alert%s\n", rpt_sgr(r, RS_RESET),
            rpt_sgr(r, rpt_severity_style(v->severity)), rpt_severity_name(v->severity), v->severity,
            rpt_sgr(r, RS_RESET), (unsigned long long)v->alert_total, v->alert_total == 1 ? "" : "s");
    label(r, "when");
    fprintf(o, "%s .. %s (%s)\n", rpt_time(v->first_ns, true, t1, sizeof t1),
            rpt_time(v->last_ns, true, t2, sizeof t2), rpt_duration(v->last_ns - v->first_ns, d, sizeof d));
    entities_text(r, v, "host", "hosts");
    entities_text(r, v, "user", "users");
    entities_text(r, v, "ip", "addresses");
    entities_text(r, v, "domain", "domains");
    if (v->joined) { /* from the store: what the correlator saw shared, escaped */
        label(r, "joined");
        rpt_wrap(r, v->joined, LABEL, LABEL);
        fputc('\n', r->out);
    }
    if (v->apart) { /* from the store: why the correlator left it apart, escaped */
        label(r, "apart");
        rpt_wrap(r, v->apart, LABEL, LABEL);
        fputc('\n', r->out);
    }
    disposition_text(r, v);
    verdict_text(r, v);
    hypotheses_text(r, v);
    if (v->n_alerts) {
        section(r, "timeline");
        for (size_t i = 0; i < v->n_alerts; i++)
            alert_text(r, i, &v->alerts[i]);
    }
}

/* ---- NDJSON ---------------------------------------------------------------------------- */

static void json_entities(ts_jw *w, const ts_incident_view *v, const char *kind, const char *key)
{
    ts_jw_key(w, key);
    ts_jw_arr(w);
    for (size_t i = 0; i < v->n_entities; i++)
        if (strcmp(v->entities[i].kind, kind) == 0)
            ts_jw_str(w, v->entities[i].value);
    ts_jw_arr_end(w);
}

static void json_incident_fields(ts_jw *w, const ts_incident_view *v)
{
    ts_jw_kstr(w, "type", "incident");
    ts_jw_kstr(w, "id", v->id);
    rpt_jw_time(w, "first", v->first_ns);
    rpt_jw_time(w, "last", v->last_ns);
    ts_jw_kint(w, "first_ns", v->first_ns);
    ts_jw_kint(w, "last_ns", v->last_ns);
    ts_jw_kint(w, "severity", v->severity);
    ts_jw_kstr(w, "severity_name", rpt_severity_name(v->severity));
    ts_jw_kuint(w, "alerts", v->alert_total);
    ts_jw_kuint(w, "suppressed_alerts", v->suppressed_alerts);
    ts_jw_kstr(w, "status", v->status ? v->status : "open");
    ts_jw_kstr(w, "disposition", v->disposition);
    ts_jw_kstr(w, "note", v->note);
    rpt_jw_time(w, "closed", v->closed_ns);
    ts_jw_kstr(w, "reopened", v->reopened);
    ts_jw_kstr(w, "joined_because", v->joined);
    ts_jw_kstr(w, "apart_because", v->apart);
    json_entities(w, v, "host", "hosts");
    json_entities(w, v, "user", "users");
    json_entities(w, v, "ip", "ips");
    json_entities(w, v, "domain", "domains");
    ts_jw_key(w, "verdict");
    if (v->n_hyps) {
        ts_jw_obj(w);
        ts_jw_kstr(w, "actor", v->hyps[0].actor);
        ts_jw_kstr(w, "attack_id", v->hyps[0].attack_id);
        ts_jw_kdouble(w, "probability", v->hyps[0].probability);
        ts_jw_kstr(w, "wording", v->hyps[0].wording);
        ts_jw_obj_end(w);
    } else {
        ts_jw_null(w);
    }
    ts_jw_kstr(w, "summary", v->summary);
    ts_jw_kint(w, "created_run", v->created_run);
    ts_jw_kint(w, "updated_run", v->updated_run);
}

void rpt_incident_json_line(FILE *out, const ts_incident_view *v)
{
    ts_jw w;
    ts_jw_begin(&w, out);
    json_incident_fields(&w, v);
    ts_jw_end(&w);
}

static void json_hypothesis(FILE *out, const ts_incident_view *v, const ts_hyp_view *h)
{
    ts_jw w;
    ts_jw_begin(&w, out);
    ts_jw_kstr(&w, "type", "hypothesis");
    ts_jw_kstr(&w, "incident", v->id);
    ts_jw_kint(&w, "rank", h->rank);
    ts_jw_kstr(&w, "actor", h->actor);
    ts_jw_kstr(&w, "attack_id", h->attack_id);
    ts_jw_kdouble(&w, "probability", h->probability);
    ts_jw_kstr(&w, "wording", h->wording);
    ts_jw_kdouble(&w, "score", h->score);
    ts_jw_key(&w, "contributions");
    ts_jw_arr(&w);
    for (size_t i = 0; i < h->n_contribs; i++) {
        const ts_contrib_view *c = &h->contribs[i];
        ts_jw_obj(&w);
        ts_jw_kstr(&w, "what", c->what);
        ts_jw_kdouble(&w, "weight", c->weight);
        ts_jw_kuint_or_null(&w, "alert", c->alert != SIZE_MAX, c->alert + 1);
        ts_jw_obj_end(&w);
    }
    ts_jw_arr_end(&w);
    ts_jw_end(&w);
}

/* "T1071.001, T1105" as an array of trimmed ids. */
static void json_techniques(ts_jw *w, const char *list)
{
    ts_jw_key(w, "techniques");
    ts_jw_arr(w);
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        const char *b = p, *e = p + n;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > b)
            ts_jw_strn(w, b, (size_t)(e - b));
        p += n + (p[n] == ',');
    }
    ts_jw_arr_end(w);
}

static void json_indicator(ts_jw *w, const ts_alert_view *a)
{
    ts_jw_key(w, "indicator");
    if (!a->ioc_value && !a->n_actors && !a->suppressed) {
        ts_jw_null(w);
        return;
    }
    ts_jw_obj(w);
    ts_jw_kstr(w, "type", a->ioc_type);
    ts_jw_kstr(w, "value", a->ioc_value);
    ts_jw_kstr(w, "observed", a->observed);
    ts_jw_kstr(w, "side", a->side);
    ts_jw_kstr(w, "source", a->source);
    ts_jw_kint_or_null(w, "confidence", a->confidence >= 0, a->confidence);
    ts_jw_kbool(w, "shared", a->shared != 0);
    ts_jw_kstr(w, "suppressed", a->suppressed);
    ts_jw_key(w, "actors");
    ts_jw_arr(w);
    for (size_t i = 0; i < a->n_actors; i++) {
        ts_jw_obj(w);
        ts_jw_kstr(w, "name", a->actors[i]);
        ts_jw_kstr(w, "attack_id", a->actor_ids[i]);
        ts_jw_obj_end(w);
    }
    ts_jw_arr_end(w);
    ts_jw_obj_end(w);
}

/* "events": the events kept behind the alert, and "events_not_kept": how many more there
 * were (the store keeps the earliest TS_ALERT_HITS). */
static void json_hits(ts_jw *w, const ts_alert_view *a)
{
    ts_jw_key(w, "events");
    ts_jw_arr(w);
    for (size_t i = 0; i < a->n_hits; i++) {
        const ts_hit_view *h = &a->hits[i];
        ts_jw_obj(w);
        rpt_jw_time(w, "time", h->ts_ns);
        ts_jw_kint(w, "ts_ns", h->ts_ns);
        ts_jw_kstr(w, "file", h->file && *h->file ? h->file : NULL);
        ts_jw_kuint(w, "line", h->line);
        ts_jw_kuint(w, "record", h->record);
        ts_jw_kstr(w, "host", h->host);
        ts_jw_kstr(w, "user", h->user);
        ts_jw_kstr(w, "process", h->process);
        ts_jw_kstr(w, "command_line", h->command_line);
        ts_jw_kstr(w, "parent", h->parent);
        ts_jw_kstr(w, "uid", h->uid);
        ts_jw_kstr(w, "community_id", h->community_id);
        ts_jw_kstr(w, "flow_id", h->flow_id);
        ts_jw_obj_end(w);
    }
    ts_jw_arr_end(w);
    ts_jw_kuint(w, "events_not_kept", a->count > a->n_hits ? a->count - a->n_hits : 0);
}

static void json_alert(FILE *out, const ts_incident_view *v, size_t idx, const ts_alert_view *a)
{
    ts_jw w;
    ts_jw_begin(&w, out);
    ts_jw_kstr(&w, "type", "alert");
    ts_jw_kstr(&w, "incident", v->id);
    ts_jw_kuint(&w, "index", idx + 1);
    ts_jw_kint(&w, "id", a->id);
    ts_jw_kstr(&w, "detector", a->detector);
    ts_jw_kstr(&w, "key", a->key);
    ts_jw_kstr(&w, "kind", a->kind);
    ts_jw_kstr(&w, "title", a->title);
    ts_jw_kint(&w, "severity", a->severity);
    json_techniques(&w, a->techniques);
    rpt_jw_time(&w, "first", a->first_ns);
    rpt_jw_time(&w, "last", a->last_ns);
    ts_jw_kint(&w, "first_ns", a->first_ns);
    ts_jw_kint(&w, "last_ns", a->last_ns);
    ts_jw_kuint(&w, "count", a->count);
    ts_jw_key(&w, "entities");
    ts_jw_obj(&w);
    ts_jw_kstr(&w, "internal_ip", a->internal_ip);
    ts_jw_kstr(&w, "internal_host", a->internal_host);
    ts_jw_kstr(&w, "user", a->user);
    ts_jw_kstr(&w, "remote_ip", a->remote_ip);
    ts_jw_kstr(&w, "remote_cc", a->remote_cc);
    ts_jw_kuint_or_null(&w, "remote_asn", a->remote_asn != 0, a->remote_asn);
    ts_jw_kstr(&w, "remote_name", a->remote_name);
    ts_jw_kstr(&w, "direction", a->direction);
    ts_jw_obj_end(&w);
    json_indicator(&w, a);
    ts_jw_key(&w, "suppression");
    if (a->suppression) {
        ts_jw_obj(&w);
        ts_jw_kint(&w, "id", a->suppression);
        ts_jw_kstr(&w, "note", a->suppression_note);
        ts_jw_obj_end(&w);
    } else {
        ts_jw_null(&w);
    }
    /* a routine source's usual doing (correlate/routine.h): the reason, else null */
    int routine = a->suppressed && strncmp(a->suppressed, "routine: ", 9) == 0;
    ts_jw_kstr(&w, "routine", routine ? a->suppressed + 9 : NULL);
    ts_jw_key(&w, "provenance");
    ts_jw_obj(&w);
    ts_jw_kstr(&w, "file", a->file && *a->file ? a->file : NULL);
    ts_jw_kuint(&w, "line", a->line);
    ts_jw_kuint(&w, "record", a->record);
    ts_jw_kstr(&w, "dataset", a->dataset);
    ts_jw_obj_end(&w);
    json_hits(&w, a);
    ts_jw_end(&w);
}

void rpt_incident_json(FILE *out, const ts_incident_view *v)
{
    rpt_incident_json_line(out, v);
    for (size_t i = 0; i < v->n_hyps; i++)
        json_hypothesis(out, v, &v->hyps[i]);
    for (size_t i = 0; i < v->n_alerts; i++)
        json_alert(out, v, i, &v->alerts[i]);
}

/* ---- entry points ---------------------------------------------------------------------- */

tocsin_code ts_report_show(ts_store *s, const char *incident_id, FILE *out, int json)
{
    ts_incident_view *v;
    tocsin_code rc = ts_store_incident_load(s, incident_id, TS_VIEW_FULL, &v);
    if (rc != TOCSIN_OK)
        return rc;
    if (json) {
        rpt_incident_json(out, v);
        rpt_seen_before_json(out, s, incident_id);
    } else {
        rpt r;
        rpt_init(&r, out);
        rpt_incident_text(&r, v);
        rpt_seen_before(&r, s, incident_id);
    }
    ts_incident_view_free(v);
    return TOCSIN_OK;
}

/* "INC-...  2014-11-24T09:30:12Z  high 80   12 alerts  Lazarus Group 87%  ws-01, alice" */
void rpt_verdict(const ts_incident_view *v, char *buf, size_t cap)
{
    /* an actor below "likely" is a candidate, not a verdict (docs/attribution.md) */
    const char *top = v->n_hyps && v->hyps[0].actor ? v->hyps[0].actor : "";
    bool candidate = v->n_hyps && v->hyps[0].probability <= 0.55 && *top && strcmp(top, "unattributed") &&
                     strcmp(top, "insider") && !strstr(top, " other catalogued actors");
    /* No hypothesis likely, but the actors of one country together are: the verdict says so
       ("the 26 actors suspected to be based in KP together: very likely (95%)"). */
    const char *based = v->summary ? strstr(v->summary, " suspected to be based in ") : NULL;
    const char *together = based ? strstr(based, " together: ") : NULL;
    const char *pct = together ? strchr(together, '(') : NULL;
    bool weak_top = v->n_hyps && v->hyps[0].probability < 0.5;
    char pc[16];
    if (weak_top && pct && together - based > 26 && together - based < 80)
        snprintf(buf, cap, "unattributed; actors based in %.*s %.*s", (int)(together - based - 26),
                 based + 26, (int)strcspn(pct + 1, ")"), pct + 1);
    else if (candidate)
        snprintf(buf, cap, "unattributed (leading: %s %s)", top,
                 ts_fmt_pct(v->hyps[0].probability, 0, pc, sizeof pc));
    else if (v->n_hyps)
        snprintf(buf, cap, "%s %s", *top ? top : "?", ts_fmt_pct(v->hyps[0].probability, 0, pc, sizeof pc));
    else
        snprintf(buf, cap, "not attributed");
}

void rpt_incident_line(const rpt *r, const ts_incident_view *v)
{
    FILE *o = r->out;
    char t[40], rest[RPT_WIDTH * 4];
    size_t n = 0;
    fputs(rpt_sgr(r, RS_BOLD), o);
    rpt_cut(r, v->id, 20);
    fprintf(o, "%s  %-20s  %s%-8s %3d%s  %5llu  ", rpt_sgr(r, RS_RESET),
            rpt_time(v->last_ns, true, t, sizeof t), rpt_sgr(r, rpt_severity_style(v->severity)),
            rpt_severity_name(v->severity), v->severity, rpt_sgr(r, RS_RESET),
            (unsigned long long)v->alert_total);
    /* The rest is untrusted text: assembled raw, then escaped and cut as a whole. */
    if (v->disposition)
        n += (size_t)snprintf(rest, sizeof rest, "[%s %s] ", v->reopened ? "reopened, was" : "closed",
                              v->disposition);
    if (v->suppressed_alerts && v->suppressed_alerts >= v->alert_total)
        n += (size_t)snprintf(rest + n, sizeof rest - n, "[suppressed] ");
    rpt_verdict(v, rest + n, sizeof rest - n);
    n += strlen(rest + n);
    for (size_t i = 0; i < v->n_entities && n < sizeof rest; i++)
        if (strcmp(v->entities[i].kind, "host") == 0 || strcmp(v->entities[i].kind, "user") == 0)
            n += (size_t)snprintf(rest + n, sizeof rest - n, "%s%s", n ? ", " : "", v->entities[i].value);
    rpt_cut(r, rest, RPT_WIDTH - 65); /* the columns before take 65 */
    fputc('\n', o);
}

tocsin_code ts_report_incidents(ts_store *s, FILE *out, int json)
{
    char **ids;
    size_t n;
    rpt r;
    tocsin_code rc = ts_store_incident_ids(s, -1, &ids, &n);
    if (rc != TOCSIN_OK)
        return rc;
    rpt_init(&r, out);
    if (!json && n == 0)
        fputs("no incidents stored\n", out);
    else if (!json)
        fprintf(out, "%s%-20s  %-20s  %-12s  %5s  %s%s\n", rpt_sgr(&r, RS_DIM), "incident", "last activity",
                "severity", "alerts", "verdict, hosts and users", rpt_sgr(&r, RS_RESET));
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++) {
        ts_incident_view *v;
        if ((rc = ts_store_incident_load(s, ids[i], 0, &v)) != TOCSIN_OK)
            break;
        if (json)
            rpt_incident_json_line(out, v);
        else
            rpt_incident_line(&r, v);
        ts_incident_view_free(v);
    }
    ts_strv_free(ids, n);
    return rc;
}
