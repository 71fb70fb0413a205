/* intel.c: the intelligence store's life cycle, interned strings, sources and indicator
 * metadata, type names, and statistics.
 *
 * Expiry: an indicator past its expiry date is still stored and still matched; its hit
 * carries meta->expires and the caller compares it with the time of the event it checks
 * (a hunt over last year's logs must still see last year's indicators). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/vec.h"
#include "intel/intel_int.h"

ts_intel *ts_intel_new(void)
{
    return calloc(1, sizeof(ts_intel));
}

static void free_vec(ts_vec *v)
{
    free(v->v);
    memset(v, 0, sizeof *v);
}

void ts_intel_free(ts_intel *ti)
{
    if (!ti)
        return;
    for (size_t i = 0; i < ti->actors.n; i++) {
        ts_actor_rec *a = ti->actors.v[i];
        free(a->aliases);
        free(a->techniques);
        free(a->software);
        free(a);
    }
    for (size_t i = 0; i < ti->software.n; i++) {
        ts_software_rec *s = ti->software.v[i];
        free(s->aliases);
        free(s->techniques);
        free(s);
    }
    for (size_t i = 0; i < ti->techniques.n; i++)
        free(ti->techniques.v[i]);
    free_vec(&ti->actors);
    free_vec(&ti->software);
    free_vec(&ti->techniques);
    free_vec(&ti->string_v);
    free_vec(&ti->source_v);
    ts_stab *tabs[] = {&ti->strings,      &ti->sources,         &ti->actor_key,
                       &ti->actor_attack, &ti->actor_canon,     &ti->technique_tid,
                       &ti->software_key, &ti->software_attack, &ti->software_canon};
    for (size_t i = 0; i < sizeof tabs / sizeof *tabs; i++)
        ts_stab_free(tabs[i]);
    for (int i = 0; i < TS_IOC__COUNT; i++)
        ts_stab_free(&ti->ioc[i]);
    for (size_t i = 0; i * TS_META_CHUNK < ti->n_meta; i++)
        free(ti->meta_chunks[i]);
    free(ti->meta_chunks);
    free(ti->meta_tab);
    free(ti->source_count);
    free(ti->set_v);
    free(ti->set_off);
    free(ti->set_tab);
    ts_multi_free(&ti->multi);
    ts_multi_free(&ti->names);
    ts_ipset_free(&ti->ind);
    ts_ipset_free(&ti->allow);
    ts_pool_free(&ti->pool);
    ts_pool_free(&ti->ioc_pool);
    free(ti);
}

/* ---- strings and sources --------------------------------------------------------------- */

static uint32_t intern(ts_intel *ti, ts_stab *t, ts_vec *v, const char *s)
{
    if (!s)
        return 0;
    bool created;
    ts_sent *e = ts_stab_put(t, &ti->pool, s, strlen(s), &created);
    if (!e)
        return 0;
    if (created) {
        if (!ts_vec_push(v, (void *)e->s)) {
            /* Keep the table and the vector in step: the key stays, with no id. */
            return 0;
        }
        e->val = (uint32_t)v->n;
    }
    return e->val;
}

uint32_t ts_intel_string(ts_intel *ti, const char *s)
{
    return intern(ti, &ti->strings, &ti->string_v, s);
}

const char *ts_intel_string_get(const ts_intel *ti, uint32_t id)
{
    return id && id <= ti->string_v.n ? ti->string_v.v[id - 1] : NULL;
}

uint32_t ts_intel_source(ts_intel *ti, const char *name)
{
    uint32_t id = intern(ti, &ti->sources, &ti->source_v, name);
    size_t was = ti->source_count_cap;
    if (!ts_vec_grow(ti->source_count, ti->source_count_cap, (size_t)id + 1, TS_VEC_NOCAP))
        return 0;
    memset(ti->source_count + was, 0, (ti->source_count_cap - was) * sizeof *ti->source_count);
    return id;
}

const char *ts_intel_source_name(const ts_intel *ti, uint32_t id)
{
    return id && id <= ti->source_v.n ? ti->source_v.v[id - 1] : NULL;
}

/* ---- indicator metadata ---------------------------------------------------------------- */

static uint32_t meta_hash(const ts_ioc_meta *m)
{
    uint64_t k[5] = {(uint64_t)m->source << 32 | m->actors,
                     (uint64_t)m->note << 16 | m->confidence << 8 | m->flags, (uint64_t)m->first_seen,
                     (uint64_t)m->last_seen, (uint64_t)m->expires};
    return ts_hash_bytes(k, sizeof k);
}

static bool meta_eq(const ts_ioc_meta *a, const ts_ioc_meta *b)
{
    return a->source == b->source && a->actors == b->actors && a->note == b->note &&
           a->confidence == b->confidence && a->flags == b->flags && a->first_seen == b->first_seen &&
           a->last_seen == b->last_seen && a->expires == b->expires;
}

static bool meta_tab_grow(ts_intel *ti)
{
    size_t nc = ti->meta_tab_cap ? ti->meta_tab_cap * 2 : 256;
    uint32_t *t = calloc(nc, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < ti->meta_tab_cap; i++) {
        uint32_t id = ti->meta_tab[i];
        if (!id)
            continue;
        size_t j = meta_hash(ts_intel_meta_get(ti, id)) & (nc - 1);
        while (t[j])
            j = (j + 1) & (nc - 1);
        t[j] = id;
    }
    free(ti->meta_tab);
    ti->meta_tab = t;
    ti->meta_tab_cap = nc;
    return true;
}

/* Stores a copy of m under a new id; 0 when out of memory. */
static uint32_t meta_store(ts_intel *ti, const ts_ioc_meta *m)
{
    size_t idx = ti->n_meta;
    if (idx + 1 >= TS_MULTI_BIT)
        return 0;
    if (idx % TS_META_CHUNK == 0) {
        size_t chunk = idx / TS_META_CHUNK;
        if (!ts_vec_grow(ti->meta_chunks, ti->cap_chunks, chunk + 1, TS_VEC_NOCAP))
            return 0;
        ti->meta_chunks[chunk] = malloc(TS_META_CHUNK * sizeof(ts_ioc_meta));
        if (!ti->meta_chunks[chunk])
            return 0;
    }
    ti->meta_chunks[idx / TS_META_CHUNK][idx % TS_META_CHUNK] = *m;
    ti->n_meta++;
    return (uint32_t)ti->n_meta;
}

uint32_t ts_intel_meta_intern(ts_intel *ti, const ts_ioc_meta *meta)
{
    if (!meta)
        return 0;
    ts_ioc_meta m = *meta;
    if (m.confidence > 100)
        m.confidence = 100;
    if (ti->last_meta && meta_eq(ts_intel_meta_get(ti, ti->last_meta), &m))
        return ti->last_meta;
    if ((ti->n_meta + 1) * 2 > ti->meta_tab_cap && !meta_tab_grow(ti))
        return 0;
    size_t mask = ti->meta_tab_cap - 1;
    size_t i = meta_hash(&m) & mask;
    for (; ti->meta_tab[i]; i = (i + 1) & mask) {
        if (meta_eq(ts_intel_meta_get(ti, ti->meta_tab[i]), &m))
            return ti->last_meta = ti->meta_tab[i];
    }
    uint32_t id = meta_store(ti, &m);
    if (!id)
        return 0;
    ti->meta_tab[i] = id;
    return ti->last_meta = id;
}

void ts_intel_count(ts_intel *ti, ts_ioc_type type, uint32_t meta_id)
{
    const ts_ioc_meta *m = ts_intel_meta_get(ti, meta_id);
    if (m->flags & TS_IOC_ALLOW)
        ti->n_allow++;
    ti->by_type[type]++;
    if (m->source && m->source < ti->source_count_cap)
        ti->source_count[m->source]++;
}

/* ---- types ----------------------------------------------------------------------------- */

static const char *const type_names[TS_IOC__COUNT] = {
    [TS_IOC_NONE] = "none", [TS_IOC_IP] = "ip",         [TS_IOC_DOMAIN] = "domain",
    [TS_IOC_URL] = "url",   [TS_IOC_EMAIL] = "email",   [TS_IOC_MD5] = "md5",
    [TS_IOC_SHA1] = "sha1", [TS_IOC_SHA256] = "sha256", [TS_IOC_ASN] = "asn",
};

const char *ts_ioc_type_name(ts_ioc_type t)
{
    return t >= 0 && t < TS_IOC__COUNT ? type_names[t] : "none";
}

/* The spellings of STIX patterns and observables, MISP attribute types and common CSVs. */
static const struct {
    const char *name;
    ts_ioc_type type;
} type_spellings[] = {
    {"ip", TS_IOC_IP},           {"ipv4", TS_IOC_IP},         {"ipv6", TS_IOC_IP},
    {"ip-dst", TS_IOC_IP},       {"ip-src", TS_IOC_IP},       {"ipv4-addr", TS_IOC_IP},
    {"ipv6-addr", TS_IOC_IP},    {"ip_address", TS_IOC_IP},   {"ip address", TS_IOC_IP},
    {"ipaddress", TS_IOC_IP},    {"cidr", TS_IOC_IP},         {"ip-range", TS_IOC_IP},
    {"network", TS_IOC_IP},      {"domain", TS_IOC_DOMAIN},   {"domain-name", TS_IOC_DOMAIN},
    {"hostname", TS_IOC_DOMAIN}, {"host", TS_IOC_DOMAIN},     {"fqdn", TS_IOC_DOMAIN},
    {"dns", TS_IOC_DOMAIN},      {"url", TS_IOC_URL},         {"uri", TS_IOC_URL},
    {"link", TS_IOC_URL},        {"email", TS_IOC_EMAIL},     {"e-mail", TS_IOC_EMAIL},
    {"email-src", TS_IOC_EMAIL}, {"email-dst", TS_IOC_EMAIL}, {"email-addr", TS_IOC_EMAIL},
    {"mail", TS_IOC_EMAIL},      {"md5", TS_IOC_MD5},         {"filehash-md5", TS_IOC_MD5},
    {"sha1", TS_IOC_SHA1},       {"sha-1", TS_IOC_SHA1},      {"filehash-sha1", TS_IOC_SHA1},
    {"sha256", TS_IOC_SHA256},   {"sha-256", TS_IOC_SHA256},  {"filehash-sha256", TS_IOC_SHA256},
    {"asn", TS_IOC_ASN},         {"as", TS_IOC_ASN},          {"autonomous-system", TS_IOC_ASN},
};

ts_ioc_type ts_ioc_type_parse(const char *name)
{
    if (!name)
        return TS_IOC_NONE;
    for (size_t i = 0; i < sizeof type_spellings / sizeof *type_spellings; i++)
        if (strcasecmp(name, type_spellings[i].name) == 0)
            return type_spellings[i].type;
    return TS_IOC_NONE;
}

static bool all_hex(ts_str s)
{
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

ts_ioc_type ts_ioc_type_guess(ts_str value)
{
    char buf[2048];
    size_t n = ts_ioc_refang(ts_str_trim(value), buf, sizeof buf);
    if (!n)
        return TS_IOC_NONE;
    ts_str s = ts_str_make(buf, n);
    if (all_hex(s) && (n == 32 || n == 40 || n == 64))
        return n == 32 ? TS_IOC_MD5 : n == 40 ? TS_IOC_SHA1 : TS_IOC_SHA256;
    /* Order matters: an address with a port or a URL both hold ':', an e-mail has no '/'.
       A bare number is no ASN here: only "AS1234" says it is one. */
    static const ts_ioc_type order[] = {TS_IOC_ASN, TS_IOC_IP, TS_IOC_URL, TS_IOC_EMAIL, TS_IOC_DOMAIN};
    char norm[2048];
    for (size_t i = ts_str_istarts(s, "as") ? 0 : 1; i < sizeof order / sizeof *order; i++)
        if (ts_ioc_normalise(order[i], s, norm, sizeof norm))
            return order[i];
    return TS_IOC_NONE;
}

/* ---- statistics ------------------------------------------------------------------------ */

void ts_intel_get_stats(const ts_intel *ti, ts_intel_stats *st)
{
    memset(st, 0, sizeof *st);
    memcpy(st->by_type, ti->by_type, sizeof st->by_type);
    st->allow = ti->n_allow;
    st->actors = ti->actors.n;
    st->techniques = ti->techniques.n;
    st->software = ti->software.n;
    st->sources = ti->source_v.n;
    size_t b = ts_ipset_bytes(&ti->ind) + ts_ipset_bytes(&ti->allow) + ti->multi.cap * sizeof(uint32_t) +
               ti->ioc_pool.bytes + ti->n_meta * sizeof(ts_ioc_meta) + ti->meta_tab_cap * sizeof(uint32_t);
    for (int i = 0; i < TS_IOC__COUNT; i++)
        b += ti->ioc[i].cap * (sizeof(ts_sent) + 1); /* slots and filter */
    st->bytes = b;
}

void ts_intel_each_source(const ts_intel *ti, void (*fn)(void *ud, uint32_t source, size_t n), void *ud)
{
    for (uint32_t id = 1; id <= ti->source_v.n; id++)
        fn(ud, id, id < ti->source_count_cap ? ti->source_count[id] : 0);
}
