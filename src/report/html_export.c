/* html_export.c: incidents as one self-contained HTML page for people: the verdict and the
 * ATT&CK stages reached first, then a timeline by time and tactic, a graph of hosts,
 * accounts and outside addresses linked by alerts, the hypotheses with their evidence, the
 * competing-hypotheses matrix, and every alert's events.
 *
 * The page loads nothing: its stylesheet and script (src/report/html_report.css, .js) are
 * compiled in, and a Content-Security-Policy allows only those two, by hash, so that even a
 * log string that escaped its escaping could neither run nor fetch anything. Every string
 * from the store is written HTML-escaped; the data the script draws from sits in
 * <script type="application/json"> blocks with <, > and & written as \u escapes, so no log
 * string can close the block. The script puts strings in the page as text, never as markup. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/esc.h"
#include "core/ip.h"
#include "core/jsonw.h"
#include "core/sha256.h"
#include "core/str.h"
#include "html_assets.h" /* generated: HTML_CSS, HTML_JS, HTML_TACTICS */
#include "report/report.h"
#include "report/report_int.h"

#define MAX_TACTICS 32
#define MAX_GRAPH_NODES 90 /* beyond this the graph stops being readable; the rest are counted */
#define MAX_ACH_COLUMNS 8  /* hypotheses in the matrix (all are listed above it) */
#define MAX_ACH_ROWS 40    /* evidence rows, most diagnostic first */
#define NO_TACTIC MAX_TACTICS

/* ---- ATT&CK tactics ------------------------------------------------------------------- */

typedef struct tactic {
    char id[8], shortname[40], name[48];
} tactic;

typedef struct tactics {
    tactic t[MAX_TACTICS];
    size_t n;
} tactics;

static void copy_field(char *dst, size_t cap, const char *p, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, p, n);
    dst[n] = 0;
}

/* The compiled-in tactics.tsv: "id<TAB>shortname<TAB>name" lines in matrix order. */
static void tactics_load(tactics *ts)
{
    const char *p = HTML_TACTICS, *end = HTML_TACTICS + HTML_TACTICS_len;
    ts->n = 0;
    while (p < end && ts->n < MAX_TACTICS) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *t1 = memchr(p, '\t', (size_t)(le - p));
        const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(le - t1 - 1)) : NULL;
        if (*p != '#' && t2) {
            tactic *t = &ts->t[ts->n++];
            copy_field(t->id, sizeof t->id, p, (size_t)(t1 - p));
            copy_field(t->shortname, sizeof t->shortname, t1 + 1, (size_t)(t2 - t1 - 1));
            copy_field(t->name, sizeof t->name, t2 + 1, (size_t)(le - t2 - 1));
        }
        p = le + 1;
    }
}

static void tactic_bits_of_names(const tactics *ts, const char *names, uint32_t *bits)
{
    for (const char *p = names; p && *p;) {
        size_t n = strcspn(p, ",");
        for (size_t i = 0; i < ts->n; i++)
            if (strlen(ts->t[i].shortname) == n && !strncmp(ts->t[i].shortname, p, n))
                *bits |= 1u << i;
        p += n;
        p += strspn(p, ",");
    }
}

/* The tactics of an alert's techniques ("T1071, T1566.001"), from the catalogue; a
 * sub-technique the catalogue lacks takes its parent's. */
static uint32_t alert_tactics(const ts_intel *ti, const tactics *ts, const char *techniques)
{
    uint32_t bits = 0;
    for (const char *p = techniques; p && *p;) {
        size_t n = strcspn(p, ", ");
        char tid[16];
        if (n > 0 && n < sizeof tid && p[0] == 'T') {
            copy_field(tid, sizeof tid, p, n);
            uint32_t id = ti ? ts_intel_technique_find(ti, tid) : 0;
            char *dot = strchr(tid, '.');
            if (!id && dot && ti) {
                *dot = 0;
                id = ts_intel_technique_find(ti, tid);
            }
            const ts_technique *t = id ? ts_intel_technique_get(ti, id) : NULL;
            if (t)
                tactic_bits_of_names(ts, t->tactics, &bits);
        }
        p += n;
        p += strspn(p, ", ");
    }
    return bits;
}

void rpt_stages(const ts_intel *ti, const ts_incident_view *v, char *buf, size_t cap)
{
    tactics ts;
    uint32_t bits = 0;
    size_t n = 0;
    tactics_load(&ts);
    for (size_t i = 0; i < v->n_alerts; i++)
        bits |= alert_tactics(ti, &ts, v->alerts[i].techniques);
    if (cap)
        buf[0] = 0;
    for (size_t i = 0; i < ts.n && n < cap; i++)
        if (bits & (1u << i)) {
            int w = snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", ts.t[i].shortname);
            n = w > 0 ? n + (size_t)w : n;
        }
}

static size_t first_tactic(uint32_t bits)
{
    return bits ? (size_t)__builtin_ctz(bits) : NO_TACTIC;
}

/* ---- small writers ---------------------------------------------------------------------- */

static void h(FILE *o, const char *s)
{
    ts_fputs_html(s ? s : "", o);
}

static int has(const char *s)
{
    return s && *s;
}

static const char *sev_class(int severity)
{
    return severity >= 90 ? "crit" : severity >= 70 ? "high" : severity >= 40 ? "med" : "low";
}

/* "T1204.001,T1566.002" as "T1204.001, T1566.002": a narrow column can break it. */
static void techniques_html(FILE *o, const char *list)
{
    gchar **parts = g_strsplit(list ? list : "", ",", -1);
    for (size_t i = 0, shown = 0; parts[i]; i++) {
        char *t = g_strstrip(parts[i]);
        if (!*t)
            continue;
        fputs(shown++ ? ", " : "", o);
        h(o, t);
    }
    g_strfreev(parts);
}

/* A probability as the attribution's own sentence words it (ts_fmt_pct), escaped. */
static void pct(FILE *o, double p, int decimals)
{
    char buf[16];
    h(o, ts_fmt_pct(p, decimals, buf, sizeof buf));
}

static void sev_badge(FILE *o, int severity)
{
    fprintf(o, "<span class=\"sev %s\">%s %d</span>", sev_class(severity), rpt_severity_name(severity),
            severity);
}

static void time_html(FILE *o, int64_t ns)
{
    char t[40];
    rpt_time(ns, true, t, sizeof t);
    if (ns && strlen(t) > 10)
        t[10] = ' '; /* "2014-11-24 08:00:00Z": easier to read than the T */
    h(o, t);
}

static void actor_html(FILE *o, const ts_hyp_view *hy)
{
    h(o, hy->actor ? hy->actor : "?");
    if (hy->attack_id && *hy->attack_id) {
        fputs(" <span class=\"dim\">", o);
        h(o, hy->attack_id);
        fputs("</span>", o);
    }
}

/* The id an element of incident v gets: incident ids are "INC-" and hex, but they come
 * from the store, so only safe characters pass. */
static void anchor(FILE *o, const char *id, const char *what, size_t n)
{
    for (const char *p = id; p && *p; p++)
        if (g_ascii_isalnum(*p) || *p == '-')
            fputc(*p, o);
    if (what)
        fprintf(o, "-%s%zu", what, n);
}

/* A section heading of incident v, with an id the incident's contents line links to. */
static void heading(FILE *o, const ts_incident_view *v, const char *key, const char *title)
{
    fputs("<h3 id=\"", o);
    anchor(o, v->id, NULL, 0);
    fprintf(o, "-%s\">%s</h3>\n", key, title);
}

/* Writes the JSON that w wrote into buf as the body of a <script type="application/json">:
 * <, > and & as \u escapes (they occur only inside strings), so "</script>" or "<!--" in a
 * log string cannot end or change the block. */
static void json_block(FILE *o, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '<')
            fputs("\\u003c", o);
        else if (c == '>')
            fputs("\\u003e", o);
        else if (c == '&')
            fputs("\\u0026", o);
        else
            fputc(c, o);
    }
}

/* 'sha256-BASE64' of text, for the Content-Security-Policy. */
static void csp_hash(FILE *o, const char *text, size_t len)
{
    char hex[65];
    guchar d[32];
    ts_sha256_hex(text, len, hex);
    for (int i = 0; i < 32; i++)
        d[i] = (guchar)(g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]));
    gchar *b = g_base64_encode(d, sizeof d);
    fprintf(o, "'sha256-%s'", b);
    g_free(b);
}

/* ---- one incident ----------------------------------------------------------------------- */

typedef struct inc_ctx {
    FILE *o;
    const ts_incident_view *v;
    const tactics *ts;
    uint32_t *alert_tactics; /* per alert of v */
    size_t *order;           /* alert indices by time, then tactic */
    uint32_t reached;        /* tactic bits of all alerts */
    size_t per_tactic[MAX_TACTICS + 1];
} inc_ctx;

static int by_time_tactic(const void *a, const void *b, void *ud)
{
    const inc_ctx *sort_ctx = ud;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const ts_alert_view *ax = &sort_ctx->v->alerts[x], *ay = &sort_ctx->v->alerts[y];
    if (ax->first_ns != ay->first_ns)
        return ax->first_ns < ay->first_ns ? -1 : 1;
    size_t tx = first_tactic(sort_ctx->alert_tactics[x]), ty = first_tactic(sort_ctx->alert_tactics[y]);
    if (tx != ty)
        return tx < ty ? -1 : 1;
    return x < y ? -1 : x > y;
}

static void tactic_names(const inc_ctx *c, uint32_t bits)
{
    size_t shown = 0;
    for (size_t i = 0; i < c->ts->n; i++)
        if (bits & (1u << i)) {
            fputs(shown++ ? ", " : "", c->o);
            h(c->o, c->ts->t[i].name);
        }
    if (!shown)
        fputs("<span class=\"dim\">&ndash;</span>", c->o);
}

static void verdict(const inc_ctx *c)
{
    FILE *o = c->o;
    const ts_incident_view *v = c->v;
    fputs("<div class=\"verdict\"><span class=\"label\">verdict</span> ", o);
    if (!v->n_hyps) {
        fputs("<b>not attributed</b></div>\n", o);
        return;
    }
    const ts_hyp_view *top = &v->hyps[0];
    fputs("<b class=\"actor\">", o);
    actor_html(o, top);
    fputs("</b>: ", o);
    h(o, top->wording);
    fputs(" (", o);
    pct(o, top->probability, 0);
    fputs(")", o);
    if (v->n_hyps > 1) {
        fputs("<span class=\"alts\"> &middot; next: ", o);
        for (size_t i = 1; i < v->n_hyps && i <= 3; i++) {
            fputs(i > 1 ? ", " : "", o);
            h(o, v->hyps[i].actor);
            fputs(" ", o);
            pct(o, v->hyps[i].probability, 0);
        }
        fputs("</span>", o);
    }
    fputs("</div>\n", o);
    if (v->summary && *v->summary) {
        fputs("<p class=\"why\">", o);
        h(o, v->summary);
        fputs("</p>\n", o);
    }
    if (v->joined && *v->joined) {
        fputs("<p class=\"why\">joined because: ", o);
        h(o, v->joined);
        fputs("</p>\n", o);
    }
    if (v->apart && *v->apart) {
        fputs("<p class=\"why\">apart because: ", o);
        h(o, v->apart);
        fputs("</p>\n", o);
    }
}

static void entity_list(FILE *o, const ts_incident_view *v, const char *kind, const char *label)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_entities; i++) {
        if (strcmp(v->entities[i].kind, kind) != 0)
            continue;
        if (n == 0)
            fprintf(o, "<div class=\"ents\"><span class=\"label\">%s</span> ", label);
        if (n < 30) {
            fputs("<code>", o);
            h(o, v->entities[i].value);
            fputs("</code> ", o);
        }
        n++;
    }
    if (n > 30)
        fprintf(o, "<span class=\"dim\">and %zu more</span>", n - 30);
    if (n)
        fputs("</div>\n", o);
}

/* The kill chain as a strip: every tactic, those reached marked with their alert count. */
static void stages(const inc_ctx *c)
{
    FILE *o = c->o;
    fputs("<ol class=\"stages\">", o);
    for (size_t i = 0; i < c->ts->n; i++) {
        int on = (c->reached >> i) & 1;
        fprintf(o, "<li class=\"%s\" title=\"", on ? "on" : "off");
        h(o, c->ts->t[i].id);
        fputc(' ', o);
        h(o, c->ts->t[i].name);
        fputs("\">", o);
        h(o, c->ts->t[i].name);
        if (on)
            fprintf(o, " <b>%zu</b>", c->per_tactic[i]);
        fputs("</li>", o);
    }
    fputs("</ol>\n", o);
    if (c->per_tactic[NO_TACTIC])
        fprintf(o,
                "<p class=\"dim small\">%zu alert%s without a technique tactic known to the catalogue.</p>\n",
                c->per_tactic[NO_TACTIC], c->per_tactic[NO_TACTIC] == 1 ? "" : "s");
}

static void where_html(FILE *o, const char *file, uint64_t line, uint64_t record)
{
    h(o, file && *file ? file : "(unknown file)");
    if (line)
        fprintf(o, ":%llu", (unsigned long long)line);
    if (record)
        fprintf(o, "#%llu", (unsigned long long)record);
}

static const char *alert_host(const ts_alert_view *a)
{
    if (a->internal_host && *a->internal_host)
        return a->internal_host;
    if (a->internal_ip && *a->internal_ip)
        return a->internal_ip;
    return a->n_hits && a->hits[0].host && *a->hits[0].host ? a->hits[0].host : NULL;
}

static const char *alert_user(const ts_alert_view *a)
{
    if (a->user && *a->user)
        return a->user;
    return a->n_hits && a->hits[0].user && *a->hits[0].user ? a->hits[0].user : NULL;
}

/* The other party of an alert, for the timeline: the remote address, else what the
 * indicator matched (a domain, a sender, a hash). */
static const char *alert_remote(const ts_alert_view *a)
{
    if (a->remote_ip && *a->remote_ip)
        return a->remote_ip;
    if (a->observed && *a->observed)
        return a->observed;
    return a->ioc_value && *a->ioc_value ? a->ioc_value : NULL;
}

/* For the graph: the remote address as a host when it is an internal one (a peer of lateral
 * movement), else as an outside node; an indicator that names a place (domain, URL, mail
 * address) as an outside node; hashes are no place and stay out. */
static const char *graph_remote(const ts_alert_view *a, const char **kind)
{
    *kind = "outside";
    if (a->remote_ip && *a->remote_ip) {
        ts_ip ip;
        if (!(a->remote_cc && *a->remote_cc) && ts_ip_parse(ts_str_c(a->remote_ip), &ip) &&
            ts_ip_is_special(&ip))
            *kind = "host";
        return a->remote_ip;
    }
    static const char *const places[] = {"domain", "url", "email", "ip"};
    for (size_t i = 0; a->ioc_type && i < G_N_ELEMENTS(places); i++)
        if (!strcmp(a->ioc_type, places[i]))
            return has(a->observed) ? a->observed : a->ioc_value;
    return NULL;
}

static void timeline(const inc_ctx *c)
{
    FILE *o = c->o;
    const ts_incident_view *v = c->v;
    heading(o, v, "timeline", "Timeline");
    fputs("<div class=\"lanes\" data-chart=\"lanes\"></div>\n", o);
    fputs("<input type=\"search\" class=\"filter\" placeholder=\"filter the timeline (host, user, technique, "
          "text)\" aria-label=\"filter the timeline\">\n",
          o);
    fputs(
        "<table class=\"tl\"><thead><tr><th>#</th><th>time (UTC)</th><th>tactic</th><th>technique</th>"
        "<th>severity</th><th>detector</th><th>what</th><th>host</th><th>user</th><th>remote / indicator</th>"
        "<th>events</th></tr></thead><tbody>\n",
        o);
    for (size_t k = 0; k < v->n_alerts; k++) {
        size_t i = c->order[k];
        const ts_alert_view *a = &v->alerts[i];
        fputs("<tr><td><a href=\"#", o);
        anchor(o, v->id, "a", i + 1);
        fprintf(o, "\">%zu</a></td><td class=\"nw\">", i + 1);
        time_html(o, a->first_ns);
        fputs("</td><td>", o);
        tactic_names(c, c->alert_tactics[i]);
        fputs("</td><td>", o);
        techniques_html(o, a->techniques);
        fputs("</td><td>", o);
        sev_badge(o, a->severity);
        fputs("</td><td>", o);
        h(o, a->detector);
        fputs("</td><td class=\"what\">", o);
        h(o, a->title);
        fputs("</td><td>", o);
        h(o, alert_host(a));
        fputs("</td><td>", o);
        h(o, alert_user(a));
        fputs("</td><td class=\"rem\">", o);
        h(o, alert_remote(a));
        if (a->remote_cc && *a->remote_cc) {
            fputs(" <span class=\"dim\">", o);
            h(o, a->remote_cc);
            fputs("</span>", o);
        }
        fprintf(o, "</td><td class=\"num\">%llu</td></tr>\n", (unsigned long long)a->count);
    }
    fputs("</tbody></table>\n", o);
}

/* ---- the data the script draws: the tactic lanes and the graph ------------------------ */

typedef struct graph {
    GHashTable *nodes; /* "kind\x1fvalue" -> index + 1 */
    GPtrArray *kinds, *values;
    GHashTable *edges; /* "a-b" -> edge index + 1 */
    GArray *edge_list;
    GHashTable *dropped; /* keys of the nodes beyond MAX_GRAPH_NODES */
} graph;

typedef struct edge {
    size_t a, b, n;
    int severity;
    size_t alerts[6]; /* the first alerts that link them */
    size_t n_alerts;
} edge;

static size_t node(graph *g, const char *kind, const char *value)
{
    if (!value || !*value)
        return SIZE_MAX;
    char *key = g_strdup_printf("%s\x1f%s", kind, value);
    gpointer got = g_hash_table_lookup(g->nodes, key);
    if (got) {
        g_free(key);
        return GPOINTER_TO_SIZE(got) - 1;
    }
    if (g->kinds->len >= MAX_GRAPH_NODES) {
        g_hash_table_add(g->dropped, key);
        return SIZE_MAX;
    }
    g_ptr_array_add(g->kinds, (gpointer)kind);
    g_ptr_array_add(g->values, (gpointer)value);
    g_hash_table_insert(g->nodes, key, GSIZE_TO_POINTER(g->kinds->len));
    return g->kinds->len - 1;
}

static void edge_add(graph *g, size_t a, size_t b, size_t alert, int severity)
{
    if (a == SIZE_MAX || b == SIZE_MAX || a == b)
        return;
    char key[48];
    snprintf(key, sizeof key, "%zu-%zu", a, b);
    gpointer got = g_hash_table_lookup(g->edges, key);
    edge *e;
    if (got) {
        e = &g_array_index(g->edge_list, edge, GPOINTER_TO_SIZE(got) - 1);
    } else {
        edge ne = {.a = a, .b = b};
        g_array_append_val(g->edge_list, ne);
        g_hash_table_insert(g->edges, g_strdup(key), GSIZE_TO_POINTER(g->edge_list->len));
        e = &g_array_index(g->edge_list, edge, g->edge_list->len - 1);
    }
    e->n++;
    if (severity > e->severity)
        e->severity = severity;
    if (e->n_alerts < G_N_ELEMENTS(e->alerts))
        e->alerts[e->n_alerts++] = alert;
}

static void graph_build(graph *g, const ts_incident_view *v)
{
    g->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g->edges = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g->kinds = g_ptr_array_new();
    g->values = g_ptr_array_new();
    g->edge_list = g_array_new(FALSE, TRUE, sizeof(edge));
    g->dropped = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t i = 0; i < v->n_alerts; i++) {
        const ts_alert_view *a = &v->alerts[i];
        size_t user = node(g, "user", alert_user(a));
        size_t host = node(g, "host", alert_host(a));
        const char *kind;
        const char *peer = graph_remote(a, &kind);
        size_t remote = node(g, kind, peer);
        edge_add(g, user, host, i, a->severity);
        edge_add(g, host != SIZE_MAX ? host : user, remote, i, a->severity);
        /* the accounts and hosts of the events behind it, when they differ */
        for (size_t k = 0; k < a->n_hits; k++) {
            const ts_hit_view *e = &a->hits[k];
            if (has(e->host) && has(e->user))
                edge_add(g, node(g, "user", e->user), node(g, "host", e->host), i, a->severity);
        }
    }
}

static void graph_free(graph *g)
{
    g_hash_table_destroy(g->nodes);
    g_hash_table_destroy(g->edges);
    g_hash_table_destroy(g->dropped);
    g_ptr_array_free(g->kinds, TRUE);
    g_ptr_array_free(g->values, TRUE);
    g_array_free(g->edge_list, TRUE);
}

/* Alert i (numbered from 1 on the page) on a lane of the tactic chart. */
static void lane_point(ts_jw *w, size_t i, size_t lane, const ts_alert_view *a)
{
    ts_jw_obj(w);
    ts_jw_kuint(w, "n", i + 1);
    ts_jw_kuint(w, "lane", lane);
    ts_jw_kint(w, "t_ms", a->first_ns / 1000000);
    ts_jw_kint(w, "sev", a->severity);
    ts_jw_kstr(w, "title", a->title);
    ts_jw_obj_end(w);
}

static void chart_data(const inc_ctx *c)
{
    const ts_incident_view *v = c->v;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    ts_jw w;
    ts_jw_begin(&w, m);
    ts_jw_kint(&w, "first_ms", v->first_ns / 1000000);
    ts_jw_kint(&w, "last_ms", v->last_ns / 1000000);
    ts_jw_key(&w, "lanes"); /* the tactics reached, in matrix order, then "no tactic" */
    ts_jw_arr(&w);
    for (size_t i = 0; i < c->ts->n; i++)
        if ((c->reached >> i) & 1)
            ts_jw_str(&w, c->ts->t[i].name);
    if (c->per_tactic[NO_TACTIC])
        ts_jw_str(&w, "(no tactic)");
    ts_jw_arr_end(&w);
    ts_jw_key(&w, "points");
    ts_jw_arr(&w);
    for (size_t i = 0; i < v->n_alerts; i++) {
        const ts_alert_view *a = &v->alerts[i];
        size_t lane = 0;
        uint32_t bits = c->alert_tactics[i];
        for (size_t t = 0; t < c->ts->n; t++) {
            if (!((c->reached >> t) & 1))
                continue;
            if ((bits >> t) & 1)
                lane_point(&w, i, lane, a);
            lane++;
        }
        if (!bits)
            lane_point(&w, i, lane, a);
    }
    ts_jw_arr_end(&w);

    graph g;
    graph_build(&g, v);
    ts_jw_key(&w, "nodes");
    ts_jw_arr(&w);
    for (guint i = 0; i < g.kinds->len; i++) {
        ts_jw_obj(&w);
        ts_jw_kstr(&w, "kind", g_ptr_array_index(g.kinds, i));
        ts_jw_kstr(&w, "label", g_ptr_array_index(g.values, i));
        ts_jw_obj_end(&w);
    }
    ts_jw_arr_end(&w);
    ts_jw_key(&w, "edges");
    ts_jw_arr(&w);
    for (guint i = 0; i < g.edge_list->len; i++) {
        const edge *e = &g_array_index(g.edge_list, edge, i);
        ts_jw_obj(&w);
        ts_jw_kuint(&w, "a", e->a);
        ts_jw_kuint(&w, "b", e->b);
        ts_jw_kuint(&w, "alerts", e->n);
        ts_jw_kint(&w, "sev", e->severity);
        ts_jw_key(&w, "titles");
        ts_jw_arr(&w);
        for (size_t k = 0; k < e->n_alerts; k++)
            ts_jw_str(&w, v->alerts[e->alerts[k]].title);
        ts_jw_arr_end(&w);
        ts_jw_obj_end(&w);
    }
    ts_jw_arr_end(&w);
    ts_jw_kuint(&w, "nodes_not_shown", g_hash_table_size(g.dropped));
    graph_free(&g);
    ts_jw_end(&w);
    fclose(m);
    fputs("<script type=\"application/json\" class=\"tocsin-data\">", c->o);
    json_block(c->o, buf, len);
    fputs("</script>\n", c->o);
    free(buf);
}

/* ---- hypotheses and the competing-hypotheses matrix ------------------------------------ */

static void contrib_ref(const inc_ctx *c, const ts_contrib_view *cv)
{
    if (cv->alert == SIZE_MAX)
        return;
    fputs(" <a class=\"ref\" href=\"#", c->o);
    anchor(c->o, c->v->id, "a", cv->alert + 1);
    fprintf(c->o, "\">alert %zu</a>", cv->alert + 1);
}

static void hypotheses(const inc_ctx *c)
{
    FILE *o = c->o;
    const ts_incident_view *v = c->v;
    if (!v->n_hyps)
        return;
    heading(o, v, "hypotheses", "Hypotheses and their evidence");
    fputs("<ol class=\"hyps\">\n", o);
    for (size_t i = 0; i < v->n_hyps; i++) {
        const ts_hyp_view *hy = &v->hyps[i];
        fprintf(o, "<li><details%s><summary><b>", i == 0 ? " open" : "");
        actor_html(o, hy);
        fprintf(o, "</b> <meter min=\"0\" max=\"1\" value=\"%.4f\"></meter> ", hy->probability);
        pct(o, hy->probability, 1);
        fputs(" ", o);
        h(o, hy->wording);
        fprintf(o,
                " <span class=\"dim\">score %+.2f, %zu contribution%s</span></summary>\n<table "
                "class=\"contribs\">",
                hy->score, hy->n_contribs, hy->n_contribs == 1 ? "" : "s");
        for (size_t k = 0; k < hy->n_contribs; k++) {
            const ts_contrib_view *cv = &hy->contribs[k];
            fprintf(o, "<tr><td class=\"num %s\">%+.2f</td><td>", cv->weight >= 0 ? "pos" : "neg",
                    cv->weight);
            h(o, cv->what);
            contrib_ref(c, cv);
            fputs("</td></tr>\n", o);
        }
        fputs("</table></details></li>\n", o);
    }
    fputs("</ol>\n", o);
}

/* One row of the matrix: a piece of evidence and its weight under each hypothesis shown
 * (present[k] = 0 when the hypothesis does not weigh it). Every prior is one row. */
typedef struct ach_row {
    char *what;       /* the evidence: a contribution's text up to its first ": " */
    const char *full; /* the first full text, for the tooltip */
    size_t alert;
    double w[MAX_ACH_COLUMNS];
    unsigned char present[MAX_ACH_COLUMNS];
    double spread; /* how much it tells the hypotheses apart */
} ach_row;

static int by_spread(const void *a, const void *b)
{
    const ach_row *x = a, *y = b;
    if (x->spread != y->spread)
        return x->spread > y->spread ? -1 : 1;
    return strcmp(x->what, y->what);
}

static void ach_cell(FILE *o, const ach_row *r, size_t k)
{
    if (!strcmp(r->what, "prior") && r->present[k]) { /* a starting point, neither for nor against */
        fprintf(o, "<td class=\"num\">%+.2f</td>", r->w[k]);
        return;
    }
    if (!r->present[k]) {
        fputs("<td class=\"na\" title=\"not weighed\">&middot;</td>", o);
        return;
    }
    double w = r->w[k];
    const char *cls = w >= 2 ? "cc" : w > 0 ? "c" : w <= -2 ? "ii" : w < 0 ? "i" : "na";
    const char *sym = w >= 2 ? "CC" : w > 0 ? "C" : w <= -2 ? "II" : w < 0 ? "I" : "N";
    fprintf(o, "<td class=\"%s\">%s <small>%+.2f</small></td>", cls, sym, w);
}

static void ach(const inc_ctx *c)
{
    FILE *o = c->o;
    const ts_incident_view *v = c->v;
    size_t cols = v->n_hyps < MAX_ACH_COLUMNS ? v->n_hyps : MAX_ACH_COLUMNS;
    if (cols < 2)
        return;
    GHashTable *index = g_hash_table_new(g_str_hash, g_str_equal);
    GArray *rows = g_array_new(FALSE, TRUE, sizeof(ach_row));
    for (size_t k = 0; k < cols; k++) {
        const ts_hyp_view *hy = &v->hyps[k];
        for (size_t j = 0; j < hy->n_contribs; j++) {
            const ts_contrib_view *cv = &hy->contribs[j];
            /* The same evidence reads differently under each hypothesis ("used by 5 of the
               168 actors", "(the 2nd of its kind here: x0.71)"); what it is comes first. */
            const char *what = cv->what ? cv->what : "?";
            const char *colon = strstr(what, ": ");
            char *key = g_strndup(what, colon ? (size_t)(colon - what) : strlen(what));
            gpointer got = g_hash_table_lookup(index, key);
            if (!got) {
                ach_row r = {.what = key, .full = what, .alert = cv->alert};
                g_array_append_val(rows, r);
                got = GSIZE_TO_POINTER(rows->len);
                g_hash_table_insert(index, key, got);
            } else {
                g_free(key);
            }
            ach_row *r = &g_array_index(rows, ach_row, GPOINTER_TO_SIZE(got) - 1);
            r->w[k] += cv->weight;
            r->present[k] = 1;
        }
    }
    for (guint i = 0; i < rows->len; i++) {
        ach_row *r = &g_array_index(rows, ach_row, i);
        double lo = 0, hi = 0;
        for (size_t k = 0; k < cols; k++) {
            double w = r->present[k] ? r->w[k] : 0;
            lo = w < lo ? w : lo;
            hi = w > hi ? w : hi;
        }
        /* the prior last: it is a starting point, not evidence */
        r->spread = strcmp(r->what, "prior") ? hi - lo : -1;
    }
    qsort(rows->data, rows->len, sizeof(ach_row), by_spread);

    heading(o, v, "ach", "Competing hypotheses");
    fputs("<p class=\"dim small\">Each piece of evidence against each hypothesis, "
          "from the weights the attribution gave it (log-odds): CC/C consistent, II/I inconsistent, "
          "&middot; not weighed. Rows that tell the hypotheses apart most come first.</p>\n"
          "<div class=\"scroll\"><table class=\"ach\"><thead><tr><th>evidence</th>",
          o);
    for (size_t k = 0; k < cols; k++) {
        fputs("<th>", o);
        actor_html(o, &v->hyps[k]);
        fputs("<br><small>", o);
        pct(o, v->hyps[k].probability, 1);
        fputs("</small></th>", o);
    }
    fputs("</tr></thead><tbody>\n", o);
    for (guint i = 0; i < rows->len && i < MAX_ACH_ROWS; i++) {
        const ach_row *r = &g_array_index(rows, ach_row, i);
        fputs("<tr><td class=\"ev\" title=\"", o);
        h(o, r->full);
        fputs("\">", o);
        h(o, r->what);
        if (strcmp(r->what, "prior") != 0) {
            ts_contrib_view cv = {.alert = r->alert};
            contrib_ref(c, &cv);
        }
        fputs("</td>", o);
        for (size_t k = 0; k < cols; k++)
            ach_cell(o, r, k);
        fputs("</tr>\n", o);
    }
    if (rows->len > MAX_ACH_ROWS)
        fprintf(o,
                "<tr><td class=\"dim\" colspan=\"%zu\">and %u less telling rows (all are in the hypotheses "
                "above)</td></tr>\n",
                cols + 1, rows->len - MAX_ACH_ROWS);
    fputs("<tr class=\"total\"><td>inconsistent evidence (count)</td>", o);
    for (size_t k = 0; k < cols; k++) {
        size_t n = 0;
        for (guint i = 0; i < rows->len; i++) {
            const ach_row *r = &g_array_index(rows, ach_row, i);
            n += r->present[k] && r->w[k] < 0 && strcmp(r->what, "prior") != 0;
        }
        fprintf(o, "<td class=\"num\">%zu</td>", n);
    }
    fputs("</tr></tbody></table></div>\n", o);
    g_hash_table_destroy(index);
    for (guint i = 0; i < rows->len; i++)
        g_free(g_array_index(rows, ach_row, i).what);
    g_array_free(rows, TRUE);
}

/* ---- every alert's events --------------------------------------------------------------- */

enum { EV_TIME, EV_WHERE, EV_HOST, EV_USER, EV_PROCESS, EV_CMDLINE, EV_PARENT, EV_IDS, EV_N };
static const char *const ev_head[EV_N] = {"time (UTC)", "where",        "host",   "user",
                                          "process",    "command line", "parent", "ids"};

static void events(const inc_ctx *c, size_t i)
{
    FILE *o = c->o;
    const ts_alert_view *a = &c->v->alerts[i];
    fputs("<details class=\"alert\" id=\"", o);
    anchor(o, c->v->id, "a", i + 1);
    fprintf(o, "\"%s><summary><b>%zu</b> ", c->v->n_alerts <= 12 ? " open" : "", i + 1);
    sev_badge(o, a->severity);
    fputs(" ", o);
    h(o, a->title);
    fputs(" <span class=\"dim\">", o);
    h(o, a->detector);
    if (has(a->techniques)) {
        fputs(" &middot; ", o);
        techniques_html(o, a->techniques);
    }
    fprintf(o, " &middot; %llu event%s</span></summary>\n", (unsigned long long)a->count,
            a->count == 1 ? "" : "s");
    if (has(a->ioc_value)) {
        fputs("<p class=\"small\">indicator ", o);
        h(o, a->ioc_type);
        fputs(" <code>", o);
        h(o, a->ioc_value);
        fputs("</code>", o);
        if (has(a->source)) {
            fputs(" from ", o);
            h(o, a->source);
        }
        if (a->confidence >= 0)
            fprintf(o, ", confidence %d", a->confidence);
        for (size_t k = 0; k < a->n_actors; k++) {
            fputs(k ? ", " : "; actors: ", o);
            h(o, a->actors[k]);
        }
        fputs("</p>\n", o);
    }
    if (has(a->suppressed)) {
        fputs("<p class=\"small\">suppressed: ", o);
        h(o, a->suppressed);
        fputs("</p>\n", o);
    }
    if (!a->n_hits) {
        fputs("<p class=\"small\">first event at <code>", o);
        where_html(o, a->file, a->line, a->record);
        fputs("</code> (no events kept with this alert)</p></details>\n", o);
        return;
    }
    int show[EV_N] = {1, 1};
    for (size_t k = 0; k < a->n_hits; k++) {
        const ts_hit_view *e = &a->hits[k];
        show[EV_HOST] |= has(e->host);
        show[EV_USER] |= has(e->user);
        show[EV_PROCESS] |= has(e->process);
        show[EV_CMDLINE] |= has(e->command_line);
        show[EV_PARENT] |= has(e->parent);
        show[EV_IDS] |= has(e->uid) || has(e->community_id) || has(e->flow_id);
    }
    fputs("<div class=\"scroll\"><table class=\"ev\"><thead><tr>", o);
    for (int f = 0; f < EV_N; f++)
        if (show[f])
            fprintf(o, "<th>%s</th>", ev_head[f]);
    fputs("</tr></thead><tbody>\n", o);
    for (size_t k = 0; k < a->n_hits; k++) {
        const ts_hit_view *e = &a->hits[k];
        fputs("<tr><td class=\"nw\">", o);
        time_html(o, e->ts_ns);
        fputs("</td><td class=\"where\">", o);
        where_html(o, e->file, e->line, e->record);
        const char *cells[EV_N] = {[EV_HOST] = e->host,
                                   [EV_USER] = e->user,
                                   [EV_PROCESS] = e->process,
                                   [EV_CMDLINE] = e->command_line,
                                   [EV_PARENT] = e->parent};
        for (int f = EV_HOST; f < EV_IDS; f++) {
            if (!show[f])
                continue;
            fputs(f == EV_CMDLINE ? "</td><td class=\"cmd\"><code>" : "</td><td>", o);
            h(o, cells[f]);
            if (f == EV_CMDLINE)
                fputs("</code>", o);
        }
        if (show[EV_IDS]) {
            fputs("</td><td class=\"ids\">", o);
            const char *ids[] = {e->uid, e->community_id, e->flow_id};
            const char *names[] = {"uid", "community_id", "flow_id"};
            for (int f = 0; f < 3; f++) {
                if (!has(ids[f]))
                    continue;
                fprintf(o, "<span class=\"dim\">%s</span> ", names[f]);
                h(o, ids[f]);
                fputs(" ", o);
            }
        }
        fputs("</td></tr>\n", o);
    }
    fputs("</tbody></table></div>\n", o);
    if (a->count > a->n_hits)
        fprintf(o,
                "<p class=\"dim small\">%llu more event%s not kept (an alert keeps its earliest %zu).</p>\n",
                (unsigned long long)(a->count - a->n_hits), a->count - a->n_hits == 1 ? "" : "s", a->n_hits);
    fputs("</details>\n", o);
}

static tocsin_code incident(FILE *o, const ts_incident_view *v, const ts_intel *ti, const tactics *ts)
{
    char d[24];
    inc_ctx c = {.o = o, .v = v, .ts = ts};
    c.alert_tactics = calloc(v->n_alerts + 1, sizeof *c.alert_tactics);
    c.order = calloc(v->n_alerts + 1, sizeof *c.order);
    if (!c.alert_tactics || !c.order) {
        free(c.alert_tactics);
        free(c.order);
        return TOCSIN_E_NOMEM;
    }
    for (size_t i = 0; i < v->n_alerts; i++) {
        uint32_t bits = alert_tactics(ti, ts, v->alerts[i].techniques);
        c.alert_tactics[i] = bits;
        c.reached |= bits;
        c.order[i] = i;
        if (!bits)
            c.per_tactic[NO_TACTIC]++;
        for (size_t t = 0; t < ts->n; t++)
            c.per_tactic[t] += (bits >> t) & 1;
    }
    qsort_r(c.order, v->n_alerts, sizeof *c.order, by_time_tactic, &c);

    fputs("<section class=\"incident\" id=\"", o);
    anchor(o, v->id, NULL, 0);
    fputs("\">\n<h2>", o);
    h(o, v->id);
    fputs(" ", o);
    sev_badge(o, v->severity);
    fputs("</h2>\n<div class=\"facts\">", o);
    time_html(o, v->first_ns);
    fputs(" &ndash; ", o);
    time_html(o, v->last_ns);
    fprintf(o, " (%s) &middot; %llu alert%s", rpt_duration(v->last_ns - v->first_ns, d, sizeof d),
            (unsigned long long)v->alert_total, v->alert_total == 1 ? "" : "s");
    if (v->alert_total > v->n_alerts)
        fprintf(o, " (%zu shown)", v->n_alerts);
    fputs(" &middot; ", o);
    static const char *const parts[][2] = {{"timeline", "timeline"},
                                           {"graph", "graph"},
                                           {"hypotheses", "hypotheses"},
                                           {"ach", "competing hypotheses"},
                                           {"events", "events"}};
    for (size_t i = 0; i < G_N_ELEMENTS(parts); i++) {
        int there = i == 2 ? v->n_hyps > 0 : i == 3 ? v->n_hyps > 1 : v->n_alerts > 0;
        if (!there)
            continue;
        fputs(i ? " | <a href=\"#" : "<a href=\"#", o);
        anchor(o, v->id, NULL, 0);
        fprintf(o, "-%s\">%s</a>", parts[i][0], parts[i][1]);
    }
    fputs("</div>\n", o);
    verdict(&c);
    fputs("<div class=\"label\">attack stages reached</div>\n", o);
    stages(&c);
    entity_list(o, v, "host", "hosts");
    entity_list(o, v, "user", "accounts");
    entity_list(o, v, "ip", "addresses");
    entity_list(o, v, "domain", "domains");
    if (v->n_alerts) {
        chart_data(&c);
        timeline(&c);
        heading(o, v, "graph", "Hosts, accounts and outside addresses");
        fputs("<div class=\"graph\" data-chart=\"graph\"></div>\n", o);
    }
    hypotheses(&c);
    ach(&c);
    if (v->n_alerts) {
        heading(o, v, "events", "Alerts and their events");
        for (size_t i = 0; i < v->n_alerts; i++)
            events(&c, i);
    }
    fputs("</section>\n", o);
    free(c.alert_tactics);
    free(c.order);
    return TOCSIN_OK;
}

/* ---- the page ---------------------------------------------------------------------------- */

static void page_head(FILE *o, ts_incident_view *const *vs, size_t n)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src ",
          o);
    csp_hash(o, HTML_JS, HTML_JS_len);
    fputs("; style-src ", o);
    csp_hash(o, HTML_CSS, HTML_CSS_len);
    fputs("; img-src data:; base-uri 'none'; form-action 'none'\">\n<meta name=\"referrer\" "
          "content=\"no-referrer\">\n"
          "<title>tocsin report: ",
          o);
    if (n == 1)
        h(o, vs[0]->id);
    else
        fprintf(o, "%zu incidents", n);
    fputs("</title>\n<style>", o);
    fwrite(HTML_CSS, 1, HTML_CSS_len, o);
    fputs("</style>\n</head>\n<body>\n", o);
}

/* The sticky bar: one chip per incident with its severity, verdict and stages. */
static void summary_bar(FILE *o, ts_incident_view *const *vs, size_t n)
{
    char now[40];
    fputs("<header class=\"bar\"><div class=\"brand\">tocsin report</div><nav>", o);
    for (size_t i = 0; i < n; i++) {
        const ts_incident_view *v = vs[i];
        fputs("<a class=\"chip\" href=\"#", o);
        anchor(o, v->id, NULL, 0);
        fprintf(o, "\"><span class=\"sev %s\">%d</span> ", sev_class(v->severity), v->severity);
        h(o, v->id);
        fputs(" <b>", o);
        if (v->n_hyps) {
            h(o, v->hyps[0].actor);
            fputs(" ", o);
            pct(o, v->hyps[0].probability, 0);
        } else {
            fputs("not attributed", o);
        }
        fputs("</b></a>", o);
    }
    fputs("</nav><div class=\"dim small\">", o);
    h(o, rpt_time((int64_t)time(NULL) * 1000000000, true, now, sizeof now));
    fputs(" &middot; tocsin " TOCSIN_VERSION "</div></header>\n<main>\n", o);
}

/* The worst first: severity, then the most alerts, then the latest activity. */
static int by_severity(const void *a, const void *b)
{
    const ts_incident_view *x = *(ts_incident_view *const *)a, *y = *(ts_incident_view *const *)b;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->alert_total != y->alert_total)
        return x->alert_total > y->alert_total ? -1 : 1;
    if (x->last_ns != y->last_ns)
        return x->last_ns > y->last_ns ? -1 : 1;
    return strcmp(x->id, y->id);
}

tocsin_code ts_report_html(ts_store *s, const ts_intel *ti, const char *const *ids, size_t n, FILE *out,
                           char *err, size_t cap)
{
    tactics ts;
    tactics_load(&ts);
    ts_incident_view **vs = calloc(n + 1, sizeof *vs);
    if (!vs)
        return TOCSIN_E_NOMEM;
    tocsin_code rc = TOCSIN_OK;
    for (size_t i = 0; i < n && rc == TOCSIN_OK; i++) {
        rc = ts_store_incident_load(s, ids[i], TS_VIEW_FULL, &vs[i]);
        if (rc == TOCSIN_E_NOTFOUND)
            snprintf(err, cap, "no incident %s", ids[i]);
    }
    if (rc == TOCSIN_OK) {
        qsort(vs, n, sizeof *vs, by_severity);
        page_head(out, vs, n);
        summary_bar(out, vs, n);
        for (size_t i = 0; i < n && rc == TOCSIN_OK; i++)
            rc = incident(out, vs[i], ti, &ts);
        fputs("</main>\n<script>", out);
        fwrite(HTML_JS, 1, HTML_JS_len, out);
        fputs("</script>\n</body></html>\n", out);
    }
    for (size_t i = 0; i < n; i++)
        ts_incident_view_free(vs[i]);
    free(vs);
    return rc;
}
