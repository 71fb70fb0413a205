/* enrich.c: country, ASN and network flags per address from libloc, behind a two-way set-associative cache. */
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

/* One cached answer. v == 0 marks an empty way (an unset address is never cached). */
typedef struct cache_ent {
    uint8_t addr[16];
    uint8_t v;
    char cc[3];
    uint32_t asn;
    uint16_t flags;
} cache_ent;

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
    char *as_name; /* the last ts_enrich_as_name answer */
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
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        ts_str item = ts_str_trim(ts_str_make(p, n));
        if (item.n) {
            cidr *c = &e->internal[e->n_internal];
            if (!ts_cidr_parse(item, &c->net, &c->prefix)) {
                snprintf(err, errlen, "internal network \"%.*s\" is not an address or CIDR",
                         (int)(item.n > 64 ? 64 : item.n), item.p);
                return false;
            }
            e->n_internal++;
        }
        if (!comma)
            return true;
        p = comma + 1;
    }
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
    if (!e || !(e->cache = calloc(CACHE_SIZE, sizeof *e->cache))) {
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
    free(e->internal);
    free(e->cache);
    free(e->as_name);
    free(e);
}

bool ts_enrich_has_db(const ts_enrich *e) { return e && e->db; }

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
    if (ts_ip_is_special(ip))
        return true;
    for (size_t i = 0; i < e->n_internal; i++) {
        const cidr *c = &e->internal[i];
        if (c->net.v == ip->v && prefix_eq(c->net.b, ip->b, c->prefix))
            return true;
    }
    return false;
}

static void copy_network(struct loc_network *n, ts_geo *geo)
{
    const char *cc = loc_network_get_country_code(n);
    /* Codes are two letters; anything else (empty, a damaged file) means unknown. */
    if (cc && cc[0] && cc[1] && !cc[2]) {
        geo->cc[0] = cc[0];
        geo->cc[1] = cc[1];
    }
    geo->asn = loc_network_get_asn(n);
    static const struct {
        uint32_t loc;
        uint16_t ts;
    } map[] = {
        {LOC_NETWORK_FLAG_ANONYMOUS_PROXY, TS_NET_ANON_PROXY},
        {LOC_NETWORK_FLAG_SATELLITE_PROVIDER, TS_NET_SATELLITE},
        {LOC_NETWORK_FLAG_ANYCAST, TS_NET_ANYCAST},
        {LOC_NETWORK_FLAG_DROP, TS_NET_DROP},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (loc_network_has_flag(n, map[i].loc))
            geo->flags |= map[i].ts;
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
        copy_network(n, geo);
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

static bool ent_is(const cache_ent *c, const ts_ip *ip) { return c->v == ip->v && memcmp(c->addr, ip->b, 16) == 0; }

static void ent_get(const cache_ent *c, ts_geo *geo)
{
    memcpy(geo->cc, c->cc, sizeof geo->cc);
    geo->asn = c->asn;
    geo->flags = c->flags;
}

/* Two ways per set, the most recently used first: a direct-mapped cache lets two hot
 * addresses that share a slot evict each other on every event (a resolver and a proxy
 * can do that for a whole hunt); two ways with LRU end that for pairs. */
void ts_enrich_ip(ts_enrich *e, const ts_ip *ip, ts_geo *geo)
{
    if (!ip->v) {
        memset(geo, 0, sizeof *geo);
        return;
    }
    cache_ent *set = &e->cache[ts_enrich_cache_set(ip) * 2];
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
    ts_enrich_ip_uncached(e, ip, geo);
    set[1] = set[0];
    cache_ent *c = &set[0];
    c->v = ip->v;
    memcpy(c->addr, ip->b, 16);
    memcpy(c->cc, geo->cc, sizeof c->cc);
    c->asn = geo->asn;
    c->flags = geo->flags;
}

void ts_enrich_event(ts_enrich *e, ts_event *ev)
{
    ts_enrich_ip(e, &ev->src_ip, &ev->src_geo);
    ts_enrich_ip(e, &ev->dst_ip, &ev->dst_geo);
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
