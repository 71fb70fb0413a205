/* intel_view.c: `tocsin intel stats` and `tocsin intel lookup`, as text or NDJSON. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/esc.h"
#include "core/jsonw.h"
#include "report/report.h"
#include "report/report_int.h"

#define LOOKUP_MAX_HITS 256
#define LOOKUP_MAX_ACTORS 64
#define STATS_TEXT_SOURCES 20 /* text lists the largest sources; JSON lists all */

/* ---- stats ----------------------------------------------------------------------------- */

typedef struct src_count {
    uint32_t id;
    size_t n;
} src_count;

typedef struct src_list {
    src_count *v;
    size_t n, cap;
} src_list;

static void collect_source(void *ud, uint32_t source, size_t n)
{
    src_list *l = ud;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 64;
        src_count *v = realloc(l->v, nc * sizeof *v);
        if (!v)
            return;
        l->v = v;
        l->cap = nc;
    }
    l->v[l->n++] = (src_count){source, n};
}

static int by_count_desc(const void *a, const void *b)
{
    const src_count *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : (x->id > y->id) - (x->id < y->id);
}

static size_t total_indicators(const ts_intel_stats *st)
{
    size_t n = 0;
    for (int t = TS_IOC_IP; t < TS_IOC__COUNT; t++)
        n += st->by_type[t];
    return n;
}

static void stats_json(const ts_intel *ti, const ts_intel_stats *st, const src_list *l, FILE *out)
{
    ts_jw w;
    ts_jw_begin(&w, out);
    ts_jw_kstr(&w, "type", "intel_stats");
    ts_jw_kuint(&w, "indicators", total_indicators(st));
    ts_jw_key(&w, "by_type");
    ts_jw_obj(&w);
    for (int t = TS_IOC_IP; t < TS_IOC__COUNT; t++)
        ts_jw_kuint(&w, ts_ioc_type_name((ts_ioc_type)t), st->by_type[t]);
    ts_jw_obj_end(&w);
    ts_jw_kuint(&w, "allow", st->allow);
    ts_jw_kuint(&w, "actors", st->actors);
    ts_jw_kuint(&w, "techniques", st->techniques);
    ts_jw_kuint(&w, "software", st->software);
    ts_jw_kuint(&w, "bytes", st->bytes);
    ts_jw_key(&w, "sources");
    ts_jw_arr(&w);
    for (size_t i = 0; i < l->n; i++) {
        ts_jw_obj(&w);
        ts_jw_kstr(&w, "name", ts_intel_source_name(ti, l->v[i].id));
        ts_jw_kuint(&w, "indicators", l->v[i].n);
        ts_jw_obj_end(&w);
    }
    ts_jw_arr_end(&w);
    ts_jw_end(&w);
}

static void stats_text(const ts_intel *ti, const ts_intel_stats *st, const src_list *l, FILE *out)
{
    char a[32], b[32];
    fprintf(out, "Intelligence: %s indicators", rpt_count(total_indicators(st), a, sizeof a));
    const char *sep = " (";
    for (int t = TS_IOC_IP; t < TS_IOC__COUNT; t++) {
        if (!st->by_type[t])
            continue;
        fprintf(out, "%s%s %s", sep, ts_ioc_type_name((ts_ioc_type)t), rpt_count(st->by_type[t], a, sizeof a));
        sep = ", ";
    }
    fprintf(out, "%s, %s of them allow-list entries\n", *sep == ',' ? ")" : "", rpt_count(st->allow, a, sizeof a));
    fprintf(out, "  %s actors, %zu techniques, %zu software, %zu sources, %.1f MB in indicator tables\n",
            rpt_count(st->actors, b, sizeof b), st->techniques, st->software, st->sources,
            (double)st->bytes / (1024.0 * 1024.0));
    for (size_t i = 0; i < l->n && i < STATS_TEXT_SOURCES; i++) {
        fprintf(out, "  %12s  ", rpt_count(l->v[i].n, a, sizeof a));
        ts_fputs_term(ts_intel_source_name(ti, l->v[i].id), out);
        fputc('\n', out);
    }
    if (l->n > STATS_TEXT_SOURCES)
        fprintf(out, "  ... and %zu smaller sources\n", l->n - STATS_TEXT_SOURCES);
}

void ts_report_intel_stats(const ts_intel *ti, FILE *out, int json)
{
    ts_intel_stats st;
    src_list l = {0};
    ts_intel_get_stats(ti, &st);
    ts_intel_each_source(ti, collect_source, &l);
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, by_count_desc);
    if (json)
        stats_json(ti, &st, &l, out);
    else
        stats_text(ti, &st, &l, out);
    free(l.v);
}

/* ---- lookup: indicator hits ------------------------------------------------------------ */

typedef struct lookup {
    const ts_intel *ti;
    FILE *out;
    int json;
    const char *query;
    int64_t now; /* for "expired": a person asks about today */
} lookup;

/* The value a hit stands for: the network for addresses, the matched part otherwise. */
static const char *hit_value(const ts_ioc_hit *h, char *buf, size_t cap)
{
    if (h->type == TS_IOC_IP) {
        char a[TS_IP_STRLEN];
        snprintf(buf, cap, "%s/%u", ts_ip_format(&h->net, a), h->prefix);
    } else {
        size_t n = h->matched.n < cap - 1 ? h->matched.n : cap - 1;
        memcpy(buf, h->matched.p, n);
        buf[n] = '\0';
    }
    return buf;
}

static void json_time(ts_jw *w, const char *key, int64_t secs)
{
    char buf[48];
    ts_jw_key(w, key);
    if (secs)
        ts_jw_str(w, rpt_time(secs * 1000000000, true, buf, sizeof buf));
    else
        ts_jw_null(w);
}

static void hit_json(const lookup *q, const ts_ioc_hit *h)
{
    const ts_ioc_meta *m = h->meta;
    const uint32_t *actors;
    size_t na = ts_intel_actorset_get(q->ti, m->actors, &actors);
    char buf[1024];
    ts_jw w;
    ts_jw_begin(&w, q->out);
    ts_jw_kstr(&w, "type", "indicator");
    ts_jw_kstr(&w, "query", q->query);
    ts_jw_kstr(&w, "ioc_type", ts_ioc_type_name(h->type));
    ts_jw_kstr(&w, "value", hit_value(h, buf, sizeof buf));
    ts_jw_kstr(&w, "source", ts_intel_source_name(q->ti, m->source));
    ts_jw_key(&w, "actors");
    ts_jw_arr(&w);
    for (size_t i = 0; i < na; i++)
        ts_jw_str(&w, ts_intel_actor(q->ti, actors[i])->name);
    ts_jw_arr_end(&w);
    ts_jw_kuint(&w, "confidence", m->confidence);
    json_time(&w, "first_seen", m->first_seen);
    json_time(&w, "last_seen", m->last_seen);
    json_time(&w, "expires", m->expires);
    ts_jw_kbool(&w, "expired", m->expires && m->expires < q->now);
    ts_jw_kbool(&w, "allow", m->flags & TS_IOC_ALLOW);
    ts_jw_kbool(&w, "shared", m->flags & TS_IOC_SHARED);
    ts_jw_kstr(&w, "note", ts_intel_string_get(q->ti, m->note));
    ts_jw_end(&w);
}

static void hit_text(const lookup *q, const ts_ioc_hit *h)
{
    const ts_ioc_meta *m = h->meta;
    const uint32_t *actors;
    size_t na = ts_intel_actorset_get(q->ti, m->actors, &actors);
    char buf[1024];
    FILE *out = q->out;
    fputs(m->flags & TS_IOC_ALLOW ? "  allowed  " : "  listed   ", out);
    fprintf(out, "%s ", ts_ioc_type_name(h->type));
    ts_fputs_term(hit_value(h, buf, sizeof buf), out);
    fputs(" in ", out);
    ts_fputs_term(ts_intel_source_name(q->ti, m->source), out);
    fprintf(out, ", confidence %u%s%s\n", m->confidence, m->flags & TS_IOC_SHARED ? ", shared infrastructure" : "",
            m->expires && m->expires < q->now ? ", EXPIRED" : "");
    if (na) {
        fputs("           actors: ", out);
        for (size_t i = 0; i < na; i++) {
            if (i)
                fputs(", ", out);
            ts_fputs_term(ts_intel_actor(q->ti, actors[i])->name, out);
        }
        fputc('\n', out);
    }
    if (m->first_seen || m->last_seen || m->expires) {
        char a[48], b[48], c[48];
        fprintf(out, "           first seen %s, last seen %s, expires %s\n",
                m->first_seen ? rpt_time(m->first_seen * 1000000000, true, a, sizeof a) : "-",
                m->last_seen ? rpt_time(m->last_seen * 1000000000, true, b, sizeof b) : "-",
                m->expires ? rpt_time(m->expires * 1000000000, true, c, sizeof c) : "never");
    }
    const char *note = ts_intel_string_get(q->ti, m->note);
    if (note) {
        fputs(m->flags & TS_IOC_ALLOW ? "           why: " : "           note: ", out);
        ts_fputs_term(note, out);
        fputc('\n', out);
    }
}

static void print_hits(const lookup *q, const ts_ioc_hit *hits, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (q->json)
            hit_json(q, &hits[i]);
        else
            hit_text(q, &hits[i]);
    }
}

/* ---- lookup: actors and software ------------------------------------------------------- */

static void actor_json(const lookup *q, const ts_actor *a, const char *why)
{
    ts_jw w;
    ts_jw_begin(&w, q->out);
    ts_jw_kstr(&w, "type", "actor");
    ts_jw_kstr(&w, "query", q->query);
    ts_jw_kstr(&w, "why", why);
    ts_jw_kstr(&w, "name", a->name);
    ts_jw_kstr(&w, "attack_id", a->attack_id);
    ts_jw_kstr(&w, "country", a->country);
    ts_jw_key(&w, "aliases");
    ts_jw_arr(&w);
    for (size_t i = 0; i < a->n_aliases; i++)
        ts_jw_str(&w, a->aliases[i]);
    ts_jw_arr_end(&w);
    ts_jw_kuint(&w, "techniques", a->n_techniques);
    ts_jw_kuint(&w, "software", a->n_software);
    ts_jw_end(&w);
}

static void actor_text(const lookup *q, const ts_actor *a)
{
    FILE *out = q->out;
    fputs("  actor    ", out);
    ts_fputs_term(a->name, out);
    if (a->attack_id) {
        fputs(" [", out);
        ts_fputs_term(a->attack_id, out);
        fputc(']', out);
    }
    if (a->country) {
        fputs(" (", out);
        ts_fputs_term(a->country, out);
        fputc(')', out);
    }
    fprintf(out, ": %zu techniques, %zu software\n", a->n_techniques, a->n_software);
    if (a->n_aliases) {
        fputs("           also known as: ", out);
        for (size_t i = 0; i < a->n_aliases; i++) {
            if (i)
                fputs(", ", out);
            ts_fputs_term(a->aliases[i], out);
        }
        fputc('\n', out);
    }
}

static void print_actor(const lookup *q, uint32_t id, const char *why)
{
    const ts_actor *a = ts_intel_actor(q->ti, id);
    if (!a)
        return;
    if (q->json)
        actor_json(q, a, why);
    else
        actor_text(q, a);
}

static void print_software(const lookup *q, const ts_software *s)
{
    if (q->json) {
        ts_jw w;
        ts_jw_begin(&w, q->out);
        ts_jw_kstr(&w, "type", "software");
        ts_jw_kstr(&w, "query", q->query);
        ts_jw_kstr(&w, "name", s->name);
        ts_jw_kstr(&w, "attack_id", s->attack_id);
        ts_jw_kstr(&w, "kind", s->type);
        ts_jw_key(&w, "aliases");
        ts_jw_arr(&w);
        for (size_t i = 0; i < s->n_aliases; i++)
            ts_jw_str(&w, s->aliases[i]);
        ts_jw_arr_end(&w);
        ts_jw_kuint(&w, "actors", s->n_actors);
        ts_jw_end(&w);
        return;
    }
    fputs("  software ", q->out);
    ts_fputs_term(s->name, q->out);
    if (s->attack_id) {
        fputs(" [", q->out);
        ts_fputs_term(s->attack_id, q->out);
        fputc(']', q->out);
    }
    fprintf(q->out, "%s%s, used by %u actors\n", s->type ? ", " : "", s->type ? s->type : "", s->n_actors);
}

/* Actors and software the value may name; returns how many were shown. */
static size_t lookup_names(const lookup *q)
{
    uint32_t ids[LOOKUP_MAX_ACTORS];
    size_t n = ts_intel_actor_resolve(q->ti, q->query, ids, LOOKUP_MAX_ACTORS), shown = 0;
    if (n > 1 && !q->json)
        fprintf(q->out, "  %zu actors go by this name; none is merged with another:\n", n);
    for (size_t i = 0; i < n && i < LOOKUP_MAX_ACTORS; i++, shown++)
        print_actor(q, ids[i], "name");
    n = ts_intel_software_resolve(q->ti, q->query, ids, LOOKUP_MAX_ACTORS);
    for (size_t i = 0; i < n && i < LOOKUP_MAX_ACTORS; i++, shown++)
        print_software(q, ts_intel_software_get(q->ti, ids[i]));
    return shown;
}

/* ---- lookup: addresses ----------------------------------------------------------------- */

static void geo_flags(uint16_t f, char *buf, size_t cap)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } names[] = {{TS_NET_INTERNAL, "internal"},
                 {TS_NET_ANON_PROXY, "anonymous-proxy"},
                 {TS_NET_SATELLITE, "satellite"},
                 {TS_NET_ANYCAST, "anycast"},
                 {TS_NET_DROP, "drop-list"}};
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (f & names[i].bit)
            o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "%s%s", o ? "," : "", names[i].name);
}

static void print_geo(const lookup *q, const ts_ip *ip, const ts_geo *g, const char *as_name)
{
    char flags[96], a[TS_IP_STRLEN];
    geo_flags(g->flags, flags, sizeof flags);
    if (q->json) {
        ts_jw w;
        ts_jw_begin(&w, q->out);
        ts_jw_kstr(&w, "type", "address");
        ts_jw_kstr(&w, "query", q->query);
        ts_jw_kstr(&w, "ip", ts_ip_format(ip, a));
        ts_jw_kstr(&w, "country", g->cc[0] ? g->cc : NULL);
        ts_jw_key(&w, "asn");
        if (g->asn)
            ts_jw_uint(&w, g->asn);
        else
            ts_jw_null(&w);
        ts_jw_kstr(&w, "as_name", as_name);
        ts_jw_key(&w, "flags");
        ts_jw_arr(&w);
        for (char *p = flags; *p;) {
            char *c = strchr(p, ',');
            size_t l = c ? (size_t)(c - p) : strlen(p);
            ts_jw_strn(&w, p, l);
            p += l + (c ? 1 : 0);
        }
        ts_jw_arr_end(&w);
        ts_jw_end(&w);
        return;
    }
    fprintf(q->out, "  address  %s: country %s", ts_ip_format(ip, a), g->cc[0] ? g->cc : "unknown");
    if (g->asn) {
        fprintf(q->out, ", AS%u", g->asn);
        if (as_name) {
            fputc(' ', q->out);
            ts_fputs_term(as_name, q->out);
        }
    }
    fprintf(q->out, "%s%s\n", flags[0] ? ", " : "", flags);
}

/* Actors whose suspected home is the address's country. */
static size_t actors_of_country(const lookup *q, const char *cc)
{
    size_t n = 0, total = ts_intel_actor_count(q->ti);
    for (uint32_t id = 1; id <= total; id++) {
        const ts_actor *a = ts_intel_actor(q->ti, id);
        if (!a->country || strcasecmp(a->country, cc) != 0)
            continue;
        if (!n && !q->json)
            fprintf(q->out, "  actors suspected to be based in %s:\n", cc);
        print_actor(q, id, "country");
        n++;
    }
    return n;
}

static size_t lookup_ip(const lookup *q, ts_enrich *en, const ts_ip *ip, ts_ioc_hit *hits)
{
    size_t n = ts_intel_match_ip(q->ti, ip, hits, LOOKUP_MAX_HITS);
    print_hits(q, hits, n);
    if (!en)
        return n;
    ts_geo g = {0};
    ts_enrich_ip(en, ip, &g);
    const char *as_name = g.asn ? ts_enrich_as_name(en, g.asn) : NULL;
    print_geo(q, ip, &g, as_name);
    if (g.cc[0])
        n += actors_of_country(q, g.cc);
    return n;
}

tocsin_code ts_report_lookup(const ts_intel *ti, ts_enrich *en, const char *value, FILE *out, int json)
{
    if (!ti || !value)
        return TOCSIN_E_ARG;
    lookup q = {ti, out, json, value, (int64_t)time(NULL)};
    ts_ioc_hit *hits = malloc(LOOKUP_MAX_HITS * sizeof *hits);
    if (!hits)
        return TOCSIN_E_NOMEM;
    ts_str v = ts_str_trim(ts_str_c(value));
    ts_ip ip;
    uint8_t prefix;
    size_t found;
    if (!json) {
        ts_fputs_term(value, out);
        fputc('\n', out);
    }
    if (ts_cidr_parse(v, &ip, &prefix)) {
        found = lookup_ip(&q, en, &ip, hits);
    } else {
        ts_ioc_type t = ts_ioc_type_guess(v);
        found = t == TS_IOC_NONE ? 0 : ts_intel_match(ti, t, v, hits, LOOKUP_MAX_HITS);
        print_hits(&q, hits, found);
        if (t == TS_IOC_NONE)
            found += lookup_names(&q);
    }
    if (!found && !json)
        fputs("  nothing known\n", out);
    free(hits);
    return found ? TOCSIN_OK : TOCSIN_E_NOTFOUND;
}
