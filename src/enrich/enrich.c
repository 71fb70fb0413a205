/* enrich.c: country, ASN and network flags per address from libloc, behind a two-way set-associative cache
 * and, for IPv4, a compiled table of libloc's answers (geo4.c). */
#include "enrich/enrich.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libloc/as.h>
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>

#include "enrich/enrich_priv.h"
#include "enrich/geo4.h"

/* Debian's libloc1 postinst links /var/lib/location/database.db (the path libloc's own
 * tools use) to the file shipped by libloc-database; the second path is that file, for
 * systems where the link was not made (a container without maintainer scripts). */
static const char *const default_db_paths[] = {
    "/var/lib/location/database.db",
    "/usr/share/libloc-location/location.db",
};

/* The cache makes ts_enrich_ip a writer: one ts_enrich per thread. A libloc lookup
 * costs 1.7 to 7 us here (bench/bench_enrich.c), a cache hit about 5 ns; a site's
 * traffic repeats its addresses, so the hunt pays libloc about once per address. */
#define CACHE_SIZE ((size_t)1 << TS_ENRICH_CACHE_BITS)

/* One cached answer. v == 0 marks an empty way (an unset address is never cached). Two
 * make a set of one cache line (the table is line-aligned): a lookup reads one line. */
typedef struct cache_ent {
    uint8_t addr[16];
    uint8_t v;
    char cc[3];
    uint32_t asn;
    uint16_t flags;
    uint8_t pad[6];
} cache_ent;
_Static_assert(sizeof(cache_ent) * 2 == 64, "a set is not one cache line");

typedef struct cidr {
    ts_ip net;
    uint8_t prefix;
} cidr;

struct ts_enrich {
    struct loc_ctx *ctx;
    struct loc_database *db;
    FILE *dbf;
    cidr *internal; /* configured extra internal ranges */
    size_t n_internal;
    cache_ent *cache;
    uint64_t hits, misses;
    ts_geo4 *geo4;   /* IPv4 answers without libloc, once loaded or built */
    bool geo4_tried; /* a build was attempted: never twice */
    char *as_name;   /* the last ts_enrich_as_name answer */
};

/* libloc logs to stderr by default; a library must not, and every failure it can hit is
 * reported to our caller through return codes instead. */
static void loc_quiet(struct loc_ctx *ctx, int priority, const char *file, int line, const char *fn,
                      const char *format, va_list args)
{
    (void)ctx, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}

/* Parses "10.20.0.0/16, 192.0.2.7" into e->internal; false with a message on a bad item. */
static bool parse_internal(ts_enrich *e, const char *list, char *err, size_t errlen)
{
    size_t cap = 1;
    for (const char *p = list; *p; p++)
        cap += *p == ',';
    e->internal = calloc(cap, sizeof *e->internal);
    if (!e->internal) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    ts_str item;
    for (const char *p = list; ts_str_next_item(&p, &item);) {
        if (!item.n)
            continue;
        cidr *c = &e->internal[e->n_internal];
        if (!ts_cidr_parse(item, &c->net, &c->prefix)) {
            snprintf(err, errlen, "internal network \"%.*s\" is not an address or CIDR",
                     (int)(item.n > 64 ? 64 : item.n), item.p);
            return false;
        }
        e->n_internal++;
    }
    return true;
}

/* Opens the database file; false with a message in err. */
static bool open_db(ts_enrich *e, const char *db_path, char *err, size_t errlen)
{
    const char *tried = db_path;
    int saved = 0;
    if (db_path) {
        e->dbf = fopen(db_path, "rb");
        saved = errno;
    } else {
        for (size_t i = 0; i < sizeof default_db_paths / sizeof *default_db_paths && !e->dbf; i++) {
            tried = default_db_paths[i];
            e->dbf = fopen(tried, "rb");
            saved = errno;
        }
    }
    if (!e->dbf) {
        snprintf(err, errlen, "cannot open the IP location database %s: %s%s", tried, strerror(saved),
                 db_path ? "" : " (install libloc-database)");
        return false;
    }
    if (loc_new(&e->ctx) != 0) {
        snprintf(err, errlen, "libloc could not start");
        return false;
    }
    loc_set_log_fn(e->ctx, loc_quiet);
    if (loc_database_new(e->ctx, &e->db, e->dbf) != 0) {
        e->db = NULL;
        snprintf(err, errlen, "%s is not a libloc database", tried);
        return false;
    }
    return true;
}

tocsin_code ts_enrich_open(const char *db_path, const char *extra_internal, ts_enrich **out, char *err,
                           size_t errlen)
{
    char scratch[8];
    if (!err || !errlen) {
        err = scratch;
        errlen = sizeof scratch;
    }
    err[0] = '\0';
    *out = NULL;
    ts_enrich *e = calloc(1, sizeof *e);
    if (e && (e->cache = aligned_alloc(64, CACHE_SIZE * sizeof *e->cache)))
        memset(e->cache, 0, CACHE_SIZE * sizeof *e->cache);
    if (!e || !e->cache) {
        free(e);
        snprintf(err, errlen, "out of memory");
        return TOCSIN_E_NOMEM;
    }
    if (extra_internal && !parse_internal(e, extra_internal, err, errlen)) {
        tocsin_code rc = e->internal ? TOCSIN_E_ARG : TOCSIN_E_NOMEM;
        ts_enrich_free(e);
        return rc;
    }
    *out = e;
    if (!open_db(e, db_path, err, errlen)) {
        /* Keep what works without the database: internal ranges are still marked. */
        if (e->ctx)
            loc_unref(e->ctx);
        if (e->dbf)
            fclose(e->dbf);
        e->ctx = NULL;
        e->dbf = NULL;
        return TOCSIN_E_ENRICH;
    }
    e->geo4 = ts_geo4_load(e->db, e->dbf);
    return TOCSIN_OK;
}

void ts_enrich_free(ts_enrich *e)
{
    if (!e)
        return;
    if (e->db)
        loc_database_unref(e->db);
    if (e->ctx)
        loc_unref(e->ctx);
    if (e->dbf)
        fclose(e->dbf);
    ts_geo4_free(e->geo4);
    free(e->internal);
    free(e->cache);
    free(e->as_name);
    free(e);
}

bool ts_enrich_has_db(const ts_enrich *e)
{
    return e && e->db;
}

/* True when the first prefix bits of a and b agree. */
static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
    unsigned whole = prefix / 8, rest = prefix % 8;
    if (memcmp(a, b, whole) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (a[whole] & mask) == (b[whole] & mask);
}

static bool is_internal(const ts_enrich *e, const ts_ip *ip)
{
    if (ts_ip_is_internal_default(ip))
        return true;
    for (size_t i = 0; i < e->n_internal; i++) {
        const cidr *c = &e->internal[i];
        if (c->net.v == ip->v && prefix_eq(c->net.b, ip->b, c->prefix))
            return true;
    }
    return false;
}

void ts_enrich_ip_uncached(ts_enrich *e, const ts_ip *ip, ts_geo *geo)
{
    memset(geo, 0, sizeof *geo);
    if (!ip->v)
        return;
    geo->flags = TS_NET_KNOWN;
    if (is_internal(e, ip)) {
        geo->flags |= TS_NET_INTERNAL;
        return;
    }
    if (!e->db)
        return;
    /* libloc keys IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d). */
    struct in6_addr a;
    memset(&a, 0, sizeof a);
    if (ip->v == 4) {
        a.s6_addr[10] = a.s6_addr[11] = 0xff;
        memcpy(&a.s6_addr[12], ip->b, 4);
    } else {
        memcpy(a.s6_addr, ip->b, 16);
    }
    struct loc_network *n = NULL;
    if (loc_database_lookup(e->db, &a, &n) == 0 && n)
        ts_geo_from_network(n, geo);
    if (n)
        loc_network_unref(n);
}

/* The set an address belongs to: a multiplicative hash, top bits. */
size_t ts_enrich_cache_set(const ts_ip *ip)
{
    uint64_t h;
    if (ip->v == 4) {
        h = ts_ip4_u32(ip) * 0x9E3779B97F4A7C15ull;
    } else {
        uint64_t hi, lo;
        memcpy(&hi, ip->b, 8);
        memcpy(&lo, ip->b + 8, 8);
        h = (hi * 0x9E3779B97F4A7C15ull) ^ (lo * 0xC2B2AE3D27D4EB4Full);
        h ^= h >> 29;
        h *= 0x9E3779B97F4A7C15ull;
    }
    return (size_t)(h >> (64 - (TS_ENRICH_CACHE_BITS - 1)));
}

static bool ent_is(const cache_ent *c, const ts_ip *ip)
{
    return c->v == ip->v && memcmp(c->addr, ip->b, 16) == 0;
}

static void ent_get(const cache_ent *c, ts_geo *geo)
{
    memcpy(geo->cc, c->cc, sizeof geo->cc);
    geo->asn = c->asn;
    geo->flags = c->flags;
}

static void set_internal(ts_geo *geo)
{
    memset(geo, 0, sizeof *geo);
    geo->flags = TS_NET_KNOWN | TS_NET_INTERNAL;
}

/* A hunt that has paid libloc this many times (about 50 ms) meets enough outside addresses
 * to be worth the table's one-off build (about a second, then saved for later runs). */
#define GEO4_BUILD_AFTER 20000

/* An answer the cache does not hold: the IPv4 table when there is one, else libloc. */
static void answer(ts_enrich *e, const ts_ip *ip, ts_geo *geo)
{
    if (ip->v == 4 && !e->geo4 && !e->geo4_tried && e->db && e->misses >= GEO4_BUILD_AFTER) {
        char err[256];
        e->geo4_tried = true;
        e->geo4 = ts_geo4_build(e->db, err, sizeof err);
        if (e->geo4)
            ts_geo4_save(e->geo4, e->db, e->dbf);
    }
    if (ip->v == 4 && e->geo4) {
        ts_geo4_lookup(e->geo4, ts_ip4_u32(ip), geo);
        geo->flags |= TS_NET_KNOWN;
        return;
    }
    ts_enrich_ip_uncached(e, ip, geo);
}

bool ts_enrich_has_table(const ts_enrich *e)
{
    return e && e->geo4;
}

/* Two ways per set, the most recently used first: a direct-mapped cache lets two hot
 * addresses that share a slot evict each other on every event (a resolver and a proxy
 * can do that for a whole hunt); two ways with LRU end that for pairs. Internal
 * addresses (half of most events) are answered by arithmetic before the cache: a set
 * read from memory costs more than the comparisons. */
static void lookup(ts_enrich *e, const ts_ip *ip, cache_ent *set, ts_geo *geo)
{
    if (ent_is(&set[0], ip)) {
        e->hits++;
        ent_get(&set[0], geo);
        return;
    }
    if (ent_is(&set[1], ip)) {
        e->hits++;
        ent_get(&set[1], geo);
        cache_ent t = set[0];
        set[0] = set[1];
        set[1] = t;
        return;
    }
    e->misses++;
    answer(e, ip, geo);
    set[1] = set[0];
    cache_ent *c = &set[0];
    c->v = ip->v;
    memcpy(c->addr, ip->b, 16);
    memcpy(c->cc, geo->cc, sizeof c->cc);
    c->asn = geo->asn;
    c->flags = geo->flags;
}

void ts_enrich_ip(ts_enrich *e, const ts_ip *ip, ts_geo *geo)
{
    if (!ip->v)
        memset(geo, 0, sizeof *geo);
    else if (is_internal(e, ip))
        set_internal(geo);
    else
        lookup(e, ip, &e->cache[ts_enrich_cache_set(ip) * 2], geo);
}

/* Both addresses' sets are fetched before either is read, so their misses overlap. */
void ts_enrich_event(ts_enrich *e, ts_event *ev)
{
    bool s = ev->src_ip.v && !is_internal(e, &ev->src_ip), d = ev->dst_ip.v && !is_internal(e, &ev->dst_ip);
    cache_ent *ss = s ? &e->cache[ts_enrich_cache_set(&ev->src_ip) * 2] : NULL;
    cache_ent *ds = d ? &e->cache[ts_enrich_cache_set(&ev->dst_ip) * 2] : NULL;
    if (ss)
        __builtin_prefetch(ss);
    if (ds)
        __builtin_prefetch(ds);
    if (ss)
        lookup(e, &ev->src_ip, ss, &ev->src_geo);
    else if (ev->src_ip.v)
        set_internal(&ev->src_geo);
    else
        memset(&ev->src_geo, 0, sizeof ev->src_geo);
    if (ds)
        lookup(e, &ev->dst_ip, ds, &ev->dst_geo);
    else if (ev->dst_ip.v)
        set_internal(&ev->dst_geo);
    else
        memset(&ev->dst_geo, 0, sizeof ev->dst_geo);
}

const char *ts_enrich_as_name(ts_enrich *e, uint32_t asn)
{
    free(e->as_name);
    e->as_name = NULL;
    if (!e->db || !asn)
        return NULL;
    struct loc_as *as = NULL;
    if (loc_database_get_as(e->db, &as, asn) != 0 || !as)
        return NULL;
    const char *name = loc_as_get_name(as);
    if (name && *name)
        e->as_name = strdup(name);
    loc_as_unref(as);
    return e->as_name;
}

void ts_enrich_cache_stats(const ts_enrich *e, uint64_t *hits, uint64_t *misses)
{
    *hits = e->hits;
    *misses = e->misses;
}
