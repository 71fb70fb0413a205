/* timeline.c: one row per event behind the stored alerts, in time order, as CSV with the
 * columns Timesketch and Timeline Explorer import (datetime, timestamp_desc, message) or as
 * JSON lines: what Hayabusa's csv-timeline and Chainsaw's --csv give, with tocsin's incident,
 * detector, level and techniques beside each event. */
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "core/str.h"
#include "core/vec.h"
#include "report/report.h"
#include "report/report_int.h"

/* One row: an event and the alert (and incident) it stands behind. Borrowed from views. */
typedef struct row {
    const ts_incident_view *inc;
    const ts_alert_view *a;
    const ts_hit_view *h; /* NULL: an alert whose events were not kept (stored before they were) */
} row;

static int64_t row_time(const row *r)
{
    return r->h ? r->h->ts_ns : r->a->first_ns;
}

static int row_cmp(const void *pa, const void *pb)
{
    const row *a = pa, *b = pb;
    int64_t ta = row_time(a), tb = row_time(b);
    if (ta != tb)
        return ta < tb ? -1 : 1;
    if (a->a->id != b->a->id)
        return a->a->id < b->a->id ? -1 : 1;
    return strcmp(a->inc->id, b->inc->id);
}

/* The Sigma rule id of an alert ("sigma|<id>|<host>"), into buf; "" for other detectors. */
static const char *rule_id(const ts_alert_view *a, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (a->detector && !strcmp(a->detector, "sigma") && a->key && !strncmp(a->key, "sigma|", 6)) {
        const char *id = a->key + 6;
        size_t n = strcspn(id, "|");
        snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), id);
    }
    return buf;
}

/* Writes a CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
 * Control characters become \xHH, so nothing from a log can drive a terminal; a field that
 * a spreadsheet would run as a formula (=, +, -, @ first) starts with a quote character. */
static void csv_field(FILE *out, const char *s, int last)
{
    if (!s)
        s = "";
    int quote = strpbrk(s, ",\"\n\r") != NULL;
    int formula =
        (s[0] == '=' || s[0] == '+' || s[0] == '@' || (s[0] == '-' && s[1] && (s[1] < '0' || s[1] > '9')));
    if (quote)
        fputc('"', out);
    if (formula)
        fputc('\'', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"')
            fputs("\"\"", out);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) /* a C1 control in UTF-8 */
            fprintf(out, "\\xc2\\x%02x", *++p);
        else
            fputc(*p, out);
    }
    if (quote)
        fputc('"', out);
    fputc(last ? '\n' : ',', out);
}

static const char *const columns[] = {
    "datetime", "timestamp_desc", "message", "incident", "level",   "severity",     "detector",
    "rule_id",  "techniques",     "host",    "user",     "process", "command_line", "parent",
    "uid",      "community_id",   "flow_id", "file",     "line",    "record",       "alert_events",
};
#define N_COLUMNS (sizeof columns / sizeof *columns)

static void csv_row(FILE *out, const row *r)
{
    const ts_alert_view *a = r->a;
    const ts_hit_view *h = r->h;
    char when[48], sev[8], rid[80], line[24], rec[24], total[24];
    ts_format_time(row_time(r), when, sizeof when);
    snprintf(sev, sizeof sev, "%d", a->severity);
    snprintf(line, sizeof line, "%llu", (unsigned long long)(h ? h->line : a->line));
    snprintf(rec, sizeof rec, "%llu", (unsigned long long)(h ? h->record : a->record));
    snprintf(total, sizeof total, "%llu", (unsigned long long)a->count);
    const char *v[N_COLUMNS] = {
        when,
        h ? "Event time" : "First event time",
        a->title,
        r->inc->id,
        rpt_severity_name(a->severity),
        sev,
        a->detector,
        rule_id(a, rid, sizeof rid),
        a->techniques,
        h && h->host ? h->host : a->internal_host,
        h && h->user ? h->user : a->user,
        h ? h->process : NULL,
        h ? h->command_line : NULL,
        h ? h->parent : NULL,
        h ? h->uid : NULL,
        h ? h->community_id : NULL,
        h ? h->flow_id : NULL,
        h ? h->file : a->file,
        line,
        rec,
        total,
    };
    for (size_t i = 0; i < N_COLUMNS; i++)
        csv_field(out, v[i], i + 1 == N_COLUMNS);
}

static void json_row(FILE *out, const row *r)
{
    const ts_alert_view *a = r->a;
    const ts_hit_view *h = r->h;
    char when[48], rid[80];
    ts_jw w;
    ts_format_time(row_time(r), when, sizeof when);
    ts_jw_begin(&w, out);
    ts_jw_kstr(&w, "datetime", when);
    ts_jw_kint(&w, "timestamp", row_time(r) / 1000); /* Timesketch: microseconds */
    ts_jw_kstr(&w, "timestamp_desc", h ? "Event time" : "First event time");
    ts_jw_kstr(&w, "message", a->title);
    ts_jw_kstr(&w, "incident", r->inc->id);
    ts_jw_kstr(&w, "level", rpt_severity_name(a->severity));
    ts_jw_kint(&w, "severity", a->severity);
    ts_jw_kstr(&w, "detector", a->detector);
    ts_jw_kstr(&w, "rule_id", *rule_id(a, rid, sizeof rid) ? rid : NULL);
    ts_jw_kstr(&w, "techniques", a->techniques);
    ts_jw_kstr(&w, "host", h && h->host ? h->host : a->internal_host);
    ts_jw_kstr(&w, "user", h && h->user ? h->user : a->user);
    ts_jw_kstr(&w, "process", h ? h->process : NULL);
    ts_jw_kstr(&w, "command_line", h ? h->command_line : NULL);
    ts_jw_kstr(&w, "parent", h ? h->parent : NULL);
    ts_jw_kstr(&w, "uid", h ? h->uid : NULL);
    ts_jw_kstr(&w, "community_id", h ? h->community_id : NULL);
    ts_jw_kstr(&w, "flow_id", h ? h->flow_id : NULL);
    const char *file = h ? h->file : a->file;
    ts_jw_kstr(&w, "file", file && *file ? file : NULL);
    ts_jw_kuint(&w, "line", h ? h->line : a->line);
    ts_jw_kuint(&w, "record", h ? h->record : a->record);
    ts_jw_kuint(&w, "alert_events", a->count);
    ts_jw_end(&w);
}

/* The rows of one incident that pass the filters, appended to *rows. */
static int add_rows(const ts_incident_view *v, const ts_timeline_filter *f, row **rows, size_t *n,
                    size_t *cap)
{
    for (size_t i = 0; i < v->n_alerts; i++) {
        const ts_alert_view *a = &v->alerts[i];
        if (a->severity < f->min_severity)
            continue;
        size_t k = a->n_hits ? a->n_hits : 1;
        for (size_t j = 0; j < k; j++) {
            row r = {v, a, a->n_hits ? &a->hits[j] : NULL};
            int64_t t = row_time(&r);
            if ((f->since_ns && t < f->since_ns) || (f->until_ns && t > f->until_ns))
                continue;
            if (!ts_vec_grow(*rows, *cap, *n + 1, TS_VEC_NOCAP))
                return 0;
            (*rows)[(*n)++] = r;
        }
    }
    return 1;
}

tocsin_code ts_report_timeline(ts_store *s, const char *const *ids, size_t n, const ts_timeline_filter *f,
                               FILE *out, char *err, size_t cap)
{
    ts_incident_view **views = calloc(n ? n : 1, sizeof *views);
    row *rows = NULL;
    size_t n_rows = 0, cap_rows = 0;
    tocsin_code rc = views ? TOCSIN_OK : TOCSIN_E_NOMEM;
    for (size_t i = 0; rc == TOCSIN_OK && i < n; i++) {
        rc = ts_store_incident_load(s, ids[i], TS_VIEW_ALERTS, &views[i]);
        if (rc == TOCSIN_E_NOTFOUND)
            snprintf(err, cap, "no incident %s", ids[i]);
        else if (rc == TOCSIN_OK && !add_rows(views[i], f, &rows, &n_rows, &cap_rows))
            rc = TOCSIN_E_NOMEM;
    }
    if (rc == TOCSIN_OK) {
        qsort(rows, n_rows, sizeof *rows, row_cmp);
        if (!f->jsonl)
            for (size_t i = 0; i < N_COLUMNS; i++)
                csv_field(out, columns[i], i + 1 == N_COLUMNS);
        for (size_t i = 0; i < n_rows; i++)
            f->jsonl ? json_row(out, &rows[i]) : csv_row(out, &rows[i]);
    }
    free(rows);
    for (size_t i = 0; views && i < n; i++)
        ts_incident_view_free(views[i]);
    free(views);
    return rc;
}
