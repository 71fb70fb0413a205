/* intel_view.c: what intelligence is loaded (intel stats) and what a value matches in it
 * (intel lookup), as text or one NDJSON object. */
#include <stdlib.h>
#include <string.h>

#include "core/esc.h"
#include "core/vec.h"
#include "report/report.h"
#include "report/report_int.h"

#define MAX_HITS 64
#define MAX_ACTORS 32
#define MAX_ALIASES 12

/* ---- intel stats ------------------------------------------------------------------------ */

typedef struct source_count {
    uint32_t id;
    size_t n;
} source_count;

typedef struct source_list {
    source_count *v;
    size_t n, cap;
} source_list;

static void collect_source(void *ud, uint32_t source, size_t n)
{
    source_list *l = ud;
    if (!ts_vec_grow(l->v, l->cap, l->n + 1, TS_VEC_NOCAP))
        return; /* the listing is then partial; the totals above it are still right */
    l->v[l->n++] = (source_count){source, n};
}

static int by_count_desc(const void *a, const void *b)
{
    const source_count *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : (x->id > y->id) - (x->id < y->id);
}

static size_t indicator_total(const ts_intel_stats *st)
{
    size_t n = 0;
    for (int t = 1; t < TS_IOC__COUNT; t++)
        n += st->by_type[t];
    return n;
}

static void stats_text(const rpt *r, const ts_intel *ti, const ts_intel_stats *st, const source_list *src)
{
    FILE *o = r->out;
    char a[32], b[32];
    fprintf(o, "indicators   %s", rpt_count(indicator_total(st), a, sizeof a));
    for (int t = 1, first = 1; t < TS_IOC__COUNT; t++) {
        if (!st->by_type[t])
            continue;
        fprintf(o, "%s%s %s", first ? " (" : ", ", ts_ioc_type_name((ts_ioc_type)t),
                rpt_count(st->by_type[t], b, sizeof b));
        first = 0;
    }
    fputs(indicator_total(st) ? ")\n" : "\n", o);
    fprintf(o, "warninglist  %s entries\n", rpt_count(st->allow, a, sizeof a));
    fprintf(o, "actors       %s\n", rpt_count(st->actors, a, sizeof a));
    fprintf(o, "techniques   %s\n", rpt_count(st->techniques, a, sizeof a));
    fprintf(o, "software     %s\n", rpt_count(st->software, a, sizeof a));
    fprintf(o, "memory       %.1f MB in indicator tables\n", (double)st->bytes / 1e6);
    fprintf(o, "sources      %s\n", rpt_count(st->sources, a, sizeof a));
    for (size_t i = 0; i < src->n; i++) {
        char name[61];
        ts_esc_term(ts_intel_source_name(ti, src->v[i].id), name, sizeof name);
        fprintf(o, "  %-60s %12s\n", name, rpt_count(src->v[i].n, a, sizeof a));
    }
}

static void stats_json(FILE *out, const ts_intel *ti, const ts_intel_stats *st, const source_list *src)
{
    ts_jw w;
    ts_jw_begin(&w, out);
    ts_jw_kstr(&w, "type", "intel_stats");
    ts_jw_kuint(&w, "indicators", indicator_total(st));
    ts_jw_key(&w, "by_type");
    ts_jw_obj(&w);
    for (int t = 1; t < TS_IOC__COUNT; t++)
        ts_jw_kuint(&w, ts_ioc_type_name((ts_ioc_type)t), st->by_type[t]);
    ts_jw_obj_end(&w);
    ts_jw_kuint(&w, "warninglist", st->allow);
    ts_jw_kuint(&w, "actors", st->actors);
    ts_jw_kuint(&w, "techniques", st->techniques);
    ts_jw_kuint(&w, "software", st->software);
    ts_jw_kuint(&w, "bytes", st->bytes);
    ts_jw_key(&w, "sources");
    ts_jw_arr(&w);
    for (size_t i = 0; i < src->n; i++) {
        ts_jw_obj(&w);
        ts_jw_kstr(&w, "name", ts_intel_source_name(ti, src->v[i].id));
        ts_jw_kuint(&w, "indicators", src->v[i].n);
        ts_jw_obj_end(&w);
    }
    ts_jw_arr_end(&w);
    ts_jw_end(&w);
}

void ts_report_intel_stats(const ts_intel *ti, FILE *out, int json)
{
    ts_intel_stats st;
    source_list src = {0};
    rpt r;
    ts_intel_get_stats(ti, &st);
    ts_intel_each_source(ti, collect_source, &src);
    if (src.n)
        qsort(src.v, src.n, sizeof *src.v, by_count_desc);
    rpt_init(&r, out);
    if (json)
        stats_json(out, ti, &st, &src);
    else
        stats_text(&r, ti, &st, &src);
    free(src.v);
}

/* ---- intel lookup ----------------------------------------------------------------------- */

/* Everything a lookup found, gathered first so text and JSON say the same. */
typedef struct lookup {
    const char *value;
    ts_ioc_type type; /* what the value looks like; TS_IOC_NONE: a name */
    ts_ip ip;
    bool has_geo;
    ts_geo geo;
    const char *as_name; /* borrowed from the enricher until its next call */
    ts_ioc_hit hits[MAX_HITS];
    size_t n_hits;
    uint32_t actors[MAX_ACTORS];
    size_t n_actors, actors_total;
} lookup;

static void find(const ts_intel *ti, ts_enrich *en, lookup *l)
{
    uint8_t prefix;
    ts_str v = ts_str_trim(ts_str_c(l->value));
    l->type = v.n ? ts_ioc_type_guess(v) : TS_IOC_NONE;
    if (l->type == TS_IOC_IP && (ts_ip_parse(v, &l->ip) || ts_cidr_parse(v, &l->ip, &prefix))) {
        l->n_hits = ts_intel_match_ip(ti, &l->ip, l->hits, MAX_HITS);
        if (en) {
            ts_enrich_ip(en, &l->ip, &l->geo);
            l->has_geo = l->geo.cc[0] || l->geo.asn || (l->geo.flags & ~TS_NET_KNOWN);
            l->as_name = l->geo.asn ? ts_enrich_as_name(en, l->geo.asn) : NULL;
        }
    } else if (l->type != TS_IOC_NONE && l->type != TS_IOC_IP) {
        l->n_hits = ts_intel_match(ti, l->type, v, l->hits, MAX_HITS);
    }
    /* Any value may also be a name: "APT38", "Guardians of Peace", "G0032". */
    l->actors_total = ts_intel_actor_resolve(ti, l->value, l->actors, MAX_ACTORS);
    l->n_actors = l->actors_total < MAX_ACTORS ? l->actors_total : MAX_ACTORS;
}

static const char *const net_flags[] = {"internal", "anonymous-proxy", "satellite", "anycast", "drop-list"};

/* The raw description of a hit: what matched, from which source, how far trusted. */
static void hit_raw(FILE *m, const ts_intel *ti, const ts_ioc_hit *h)
{
    const ts_ioc_meta *meta = h->meta;
    char net[TS_IP_STRLEN], t[40];
    fputs(ts_ioc_type_name(h->type), m);
    if (h->type == TS_IOC_IP)
        fprintf(m, " %s/%u", ts_ip_format(&h->net, net), h->prefix);
    else if (h->matched.n)
        fprintf(m, " %.*s", (int)h->matched.n, h->matched.p);
    const char *src = ts_intel_source_name(ti, meta->source);
    fprintf(m, " from %s, confidence %u", src ? src : "?", meta->confidence);
    if (meta->flags & TS_IOC_SHARED)
        fputs(", shared infrastructure", m);
    if (meta->first_seen)
        fprintf(m, ", seen from %s", rpt_time(meta->first_seen * 1000000000, true, t, sizeof t));
    if (meta->expires)
        fprintf(m, ", expires %s", rpt_time(meta->expires * 1000000000, true, t, sizeof t));
}

static void hit_text(const rpt *r, const ts_intel *ti, const ts_ioc_hit *h)
{
    FILE *o = r->out;
    const ts_ioc_meta *m = h->meta;
    const uint32_t *ids = NULL;
    const char *what = m->flags & TS_IOC_ALLOW ? "allowed" : "indicator";
    char *raw = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&raw, &len);
    if (!mem)
        return;
    hit_raw(mem, ti, h);
    fclose(mem);
    fprintf(o, "  %s%s%s ", rpt_sgr(r, m->flags & TS_IOC_ALLOW ? RS_GREEN : RS_RED), what,
            rpt_sgr(r, RS_RESET));
    rpt_wrap(r, raw, 3 + (int)strlen(what), 6);
    free(raw);
    size_t n = ts_intel_actorset_get(ti, m->actors, &ids);
    for (size_t i = 0; i < n; i++) {
        const ts_actor *a = ts_intel_actor(ti, ids[i]);
        fputs(i ? ", " : "\n      actors: ", o);
        ts_fputs_term(a ? a->name : "?", o);
    }
    const char *note = m->note ? ts_intel_string_get(ti, m->note) : NULL;
    if (note) {
        fputs("\n      ", o);
        rpt_wrap(r, note, 6, 6);
    }
    fputc('\n', o);
}

static void actor_text(const rpt *r, const ts_actor *a)
{
    FILE *o = r->out;
    fprintf(o, "  %sactor%s ", rpt_sgr(r, RS_BOLD), rpt_sgr(r, RS_RESET));
    ts_fputs_term(a->name, o);
    if (a->attack_id) {
        fputs(" (", o);
        ts_fputs_term(a->attack_id, o);
        fputc(')', o);
    }
    if (a->country) {
        fputs(", suspected home ", o);
        ts_fputs_term(a->country, o);
    }
    fprintf(o, ", %zu techniques, %zu software\n", a->n_techniques, a->n_software);
    if (a->n_aliases) {
        /* Assembled raw, then escaped and wrapped as a whole. */
        char *raw = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&raw, &len);
        if (!m)
            return;
        for (size_t i = 0; i < a->n_aliases && i < MAX_ALIASES; i++)
            fprintf(m, "%s%s", i ? ", " : "", a->aliases[i]);
        if (a->n_aliases > MAX_ALIASES)
            fprintf(m, " and %zu more", a->n_aliases - MAX_ALIASES);
        fclose(m);
        fputs("      also known as ", o);
        rpt_wrap(r, raw, 20, 8);
        fputc('\n', o);
        free(raw);
    }
}

static void lookup_text(const rpt *r, const ts_intel *ti, const lookup *l)
{
    FILE *o = r->out;
    char ip[TS_IP_STRLEN];
    ts_fputs_term(l->value, o);
    fprintf(o, " (%s)\n", l->type ? ts_ioc_type_name(l->type) : "name");
    if (l->has_geo) {
        fprintf(o, "  network %s", ts_ip_format(&l->ip, ip));
        if (l->geo.cc[0])
            fprintf(o, ": country %s", l->geo.cc);
        if (l->geo.asn) {
            fprintf(o, ", AS%u", l->geo.asn);
            if (l->as_name) {
                fputs(" ", o);
                ts_fputs_term(l->as_name, o);
            }
        }
        for (size_t i = 0; i < sizeof net_flags / sizeof net_flags[0]; i++)
            if (l->geo.flags & (1u << i))
                fprintf(o, ", %s", net_flags[i]);
        fputc('\n', o);
    }
    for (size_t i = 0; i < l->n_hits; i++)
        hit_text(r, ti, &l->hits[i]);
    for (size_t i = 0; i < l->n_actors; i++) {
        const ts_actor *a = ts_intel_actor(ti, l->actors[i]);
        if (a)
            actor_text(r, a);
    }
    if (l->actors_total > l->n_actors)
        fprintf(o, "  and %zu more actors\n", l->actors_total - l->n_actors);
    if (!l->has_geo && !l->n_hits && !l->n_actors)
        fputs("  nothing known\n", o);
}

static void hit_json(ts_jw *w, const ts_intel *ti, const ts_ioc_hit *h)
{
    const ts_ioc_meta *m = h->meta;
    const uint32_t *ids = NULL;
    char net[TS_IP_STRLEN + 4];
    ts_jw_obj(w);
    ts_jw_kstr(w, "type", ts_ioc_type_name(h->type));
    ts_jw_key(w, "matched");
    if (h->type == TS_IOC_IP) {
        char ip[TS_IP_STRLEN];
        snprintf(net, sizeof net, "%s/%u", ts_ip_format(&h->net, ip), h->prefix);
        ts_jw_str(w, net);
    } else {
        ts_jw_strn(w, h->matched.p, h->matched.n);
    }
    ts_jw_kstr(w, "source", ts_intel_source_name(ti, m->source));
    ts_jw_kint(w, "confidence", m->confidence);
    ts_jw_kbool(w, "allow", (m->flags & TS_IOC_ALLOW) != 0);
    ts_jw_kbool(w, "shared", (m->flags & TS_IOC_SHARED) != 0);
    ts_jw_kstr(w, "note", m->note ? ts_intel_string_get(ti, m->note) : NULL);
    ts_jw_kint(w, "first_seen", m->first_seen);
    ts_jw_kint(w, "last_seen", m->last_seen);
    ts_jw_kint(w, "expires", m->expires);
    ts_jw_key(w, "actors");
    ts_jw_arr(w);
    size_t n = ts_intel_actorset_get(ti, m->actors, &ids);
    for (size_t i = 0; i < n; i++) {
        const ts_actor *a = ts_intel_actor(ti, ids[i]);
        ts_jw_str(w, a ? a->name : NULL);
    }
    ts_jw_arr_end(w);
    ts_jw_obj_end(w);
}

static void actor_json(ts_jw *w, const ts_actor *a)
{
    ts_jw_obj(w);
    ts_jw_kstr(w, "name", a->name);
    ts_jw_kstr(w, "attack_id", a->attack_id);
    ts_jw_kstr(w, "country", a->country);
    ts_jw_key(w, "aliases");
    ts_jw_arr(w);
    for (size_t i = 0; i < a->n_aliases; i++)
        ts_jw_str(w, a->aliases[i]);
    ts_jw_arr_end(w);
    ts_jw_kuint(w, "techniques", a->n_techniques);
    ts_jw_kuint(w, "software", a->n_software);
    ts_jw_obj_end(w);
}

static void lookup_json(FILE *out, const ts_intel *ti, const lookup *l)
{
    ts_jw w;
    ts_jw_begin(&w, out);
    ts_jw_kstr(&w, "type", "lookup");
    ts_jw_kstr(&w, "value", l->value);
    ts_jw_kstr(&w, "looks_like", l->type ? ts_ioc_type_name(l->type) : "name");
    ts_jw_key(&w, "network");
    if (l->has_geo) {
        ts_jw_obj(&w);
        ts_jw_kstr(&w, "country", l->geo.cc[0] ? l->geo.cc : NULL);
        ts_jw_kuint_or_null(&w, "asn", l->geo.asn != 0, l->geo.asn);
        ts_jw_kstr(&w, "as_name", l->as_name);
        ts_jw_key(&w, "flags");
        ts_jw_arr(&w);
        for (size_t i = 0; i < sizeof net_flags / sizeof net_flags[0]; i++)
            if (l->geo.flags & (1u << i))
                ts_jw_str(&w, net_flags[i]);
        ts_jw_arr_end(&w);
        ts_jw_obj_end(&w);
    } else {
        ts_jw_null(&w);
    }
    ts_jw_key(&w, "indicators");
    ts_jw_arr(&w);
    for (size_t i = 0; i < l->n_hits; i++)
        hit_json(&w, ti, &l->hits[i]);
    ts_jw_arr_end(&w);
    ts_jw_key(&w, "actors");
    ts_jw_arr(&w);
    for (size_t i = 0; i < l->n_actors; i++) {
        const ts_actor *a = ts_intel_actor(ti, l->actors[i]);
        if (a)
            actor_json(&w, a);
    }
    ts_jw_arr_end(&w);
    ts_jw_end(&w);
}

tocsin_code ts_report_lookup(const ts_intel *ti, ts_enrich *en, const char *value, FILE *out, int json)
{
    lookup *l;
    rpt r;
    if (!ti || !value)
        return TOCSIN_E_ARG;
    if (!(l = calloc(1, sizeof *l)))
        return TOCSIN_E_NOMEM;
    l->value = value;
    find(ti, en, l);
    rpt_init(&r, out);
    if (json)
        lookup_json(out, ti, l);
    else
        lookup_text(&r, ti, l);
    tocsin_code rc = l->has_geo || l->n_hits || l->n_actors ? TOCSIN_OK : TOCSIN_E_NOTFOUND;
    free(l);
    return rc;
}
