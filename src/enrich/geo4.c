/* geo4.c: libloc's IPv4 networks flattened into sorted ranges with a /16 index, saved in the cache directory.
 */
#include "enrich/geo4.h"

#include "core/cachedir.h"
#include "core/vec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>

/*
 * libloc answers from a bit tree in its file; each lookup walks it and builds a network
 * object, 1.7 to 7 us here, and a hunt meets hundreds of thousands of outside addresses.
 * libloc's networks nest (1.0.0.0/8 holds 1.0.0.0/24) and its enumeration visits them in
 * address order, a network before the ones inside it; so one pass with a stack of the
 * open networks turns them into non-overlapping ranges, each starting where its answer
 * changes. A lookup is then a /16 bucket and a binary search over the few ranges in it.
 * Building costs about a second (the enumeration), so the table is kept in a file named
 * after the database it came from, and mapped read-only by later runs.
 */

#define BUCKETS 65536u
#define MAGIC "TSGEO4\0\1"

/* One distinct answer; the table stores an index into these. */
typedef struct geo_val {
    char cc[2];
    uint16_t flags;
    uint32_t asn;
} geo_val;

typedef struct file_head {
    char magic[8];
    uint64_t created_at, db_size, db_mtime; /* the database this came from */
    uint32_t n, n_vals;
} file_head;

struct ts_geo4 {
    uint32_t n, n_vals;
    const uint32_t *start;  /* n ascending range starts; start[0] == 0 */
    const uint32_t *val;    /* the answer of each range, an index into vals; 0: none */
    const geo_val *vals;    /* vals[0] is the empty answer */
    const uint32_t *bucket; /* BUCKETS + 1: the range holding address b << 16; the last is n - 1 */
    void *map;              /* a mapped file (length map_len), or NULL */
    size_t map_len;
    uint32_t *own_start, *own_val, *own_bucket; /* a built table's arrays */
    geo_val *own_vals;
};

void ts_geo4_lookup(const ts_geo4 *g, uint32_t a, ts_geo *geo)
{
    uint32_t lo = g->bucket[a >> 16], hi = g->bucket[(a >> 16) + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        if (g->start[mid] <= a)
            lo = mid;
        else
            hi = mid - 1;
    }
    const geo_val *v = &g->vals[g->val[lo]];
    geo->cc[0] = v->cc[0];
    geo->cc[1] = v->cc[1];
    geo->cc[2] = '\0';
    geo->asn = v->asn;
    geo->flags = v->flags;
}

size_t ts_geo4_ranges(const ts_geo4 *g)
{
    return g ? g->n : 0;
}
uint32_t ts_geo4_range_start(const ts_geo4 *g, size_t i)
{
    return i < g->n ? g->start[i] : 0;
}

void ts_geo4_free(ts_geo4 *g)
{
    if (!g)
        return;
    if (g->map)
        munmap(g->map, g->map_len);
    free(g->own_start);
    free(g->own_val);
    free(g->own_bucket);
    free(g->own_vals);
    free(g);
}

/* ---- building ---- */

typedef struct builder {
    uint32_t *start, *val; /* n ranges: where each starts, and its value */
    size_t n, cap, cap_val;
    geo_val *vals;
    size_t n_vals, cap_vals;
    uint32_t *slot; /* open-addressing index of vals: value index + 1, 0 empty */
    size_t slots;   /* a power of two */
} builder;

static uint64_t val_key(const geo_val *v)
{
    uint64_t k;
    memcpy(&k, v, sizeof k);
    return k;
}

static bool grow_slots(builder *b)
{
    size_t slots = b->slots ? b->slots * 2 : 4096;
    uint32_t *slot = calloc(slots, sizeof *slot);
    if (!slot)
        return false;
    for (size_t i = 1; i < b->n_vals; i++) {
        size_t h = (size_t)((val_key(&b->vals[i]) * 0x9E3779B97F4A7C15ull) >> 20) & (slots - 1);
        while (slot[h])
            h = (h + 1) & (slots - 1);
        slot[h] = (uint32_t)i + 1;
    }
    free(b->slot);
    b->slot = slot;
    b->slots = slots;
    return true;
}

/* The index of answer v, added when new; 0 (the empty answer) for an all-zero v; -1 on ENOMEM. */
static int64_t intern(builder *b, const geo_val *v)
{
    uint64_t k = val_key(v);
    if (!k)
        return 0;
    if (b->n_vals * 2 >= b->slots && !grow_slots(b))
        return -1;
    size_t h = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 20) & (b->slots - 1);
    for (; b->slot[h]; h = (h + 1) & (b->slots - 1))
        if (val_key(&b->vals[b->slot[h] - 1]) == k)
            return b->slot[h] - 1;
    if (!ts_vec_grow(b->vals, b->cap_vals, b->n_vals + 1, TS_VEC_NOCAP))
        return -1;
    b->vals[b->n_vals] = *v;
    b->slot[h] = (uint32_t)b->n_vals + 1;
    return (int64_t)b->n_vals++;
}

/* The answer changes to val at address s. A change at the address of the last one
 * replaces it (a network and the first one inside it start together), and a change to
 * the answer already in force is no change. */
static bool emit(builder *b, uint32_t s, uint32_t val)
{
    if (b->n && b->start[b->n - 1] == s) {
        b->val[b->n - 1] = val;
        if (b->n >= 2 && b->val[b->n - 2] == val)
            b->n--;
        return true;
    }
    if (b->n && b->val[b->n - 1] == val)
        return true;
    if (!ts_vec_grow(b->start, b->cap, b->n + 1, TS_VEC_NOCAP) ||
        !ts_vec_grow(b->val, b->cap_val, b->n + 1, TS_VEC_NOCAP))
        return false;
    b->start[b->n] = s;
    b->val[b->n++] = val;
    return true;
}

typedef struct open_net {
    uint32_t s, e, val;
} open_net;

/* Closes the open networks that end before address s (all of them when all is set): after
 * each, the network around it, or no network, answers again. */
static bool close_before(builder *b, open_net *stack, size_t *depth, uint32_t s, bool all)
{
    while (*depth && (all || stack[*depth - 1].e < s)) {
        open_net t = stack[--*depth];
        if (t.e == UINT32_MAX)
            continue;
        uint32_t resume = t.e + 1;
        if (!*depth) {
            if (!emit(b, resume, 0))
                return false;
        } else if (resume <= stack[*depth - 1].e && !emit(b, resume, stack[*depth - 1].val)) {
            return false;
        }
    }
    return true;
}

void ts_geo_from_network(struct loc_network *n, ts_geo *geo)
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

static void read_net(struct loc_network *n, open_net *o, geo_val *v)
{
    const struct in6_addr *first = loc_network_get_first_address(n);
    unsigned prefix = loc_network_prefix(n);
    o->s = (uint32_t)first->s6_addr[12] << 24 | (uint32_t)first->s6_addr[13] << 16 |
           (uint32_t)first->s6_addr[14] << 8 | first->s6_addr[15];
    o->e = prefix >= 32 ? o->s : o->s | (UINT32_MAX >> prefix);
    ts_geo geo = {0};
    ts_geo_from_network(n, &geo);
    memset(v, 0, sizeof *v);
    memcpy(v->cc, geo.cc, 2);
    v->asn = geo.asn;
    v->flags = geo.flags;
}

/* Walks every IPv4 network in order into b; a message in err when it cannot. */
static bool flatten(builder *b, struct loc_database *db, char *err, size_t errlen)
{
    struct loc_database_enumerator *en = NULL;
    if (loc_database_enumerator_new(&en, db, LOC_DB_ENUMERATE_NETWORKS, 0) != 0 ||
        loc_database_enumerator_set_family(en, AF_INET) != 0) {
        snprintf(err, errlen, "libloc cannot list its networks");
        if (en)
            loc_database_enumerator_unref(en);
        return false;
    }
    open_net stack[40];
    size_t depth = 0;
    uint32_t last = 0;
    bool ok = emit(b, 0, 0);
    struct loc_network *n = NULL;
    while (ok && loc_database_enumerator_next_network(en, &n) == 0 && n) {
        open_net o;
        geo_val v;
        read_net(n, &o, &v);
        loc_network_unref(n);
        n = NULL;
        int64_t idx = intern(b, &v);
        o.val = idx < 0 ? 0 : (uint32_t)idx;
        ok = idx >= 0 && close_before(b, stack, &depth, o.s, false);
        /* The flattening needs address order with outer networks first; say so if a
           future libloc enumerates differently rather than answer wrongly. */
        if (ok &&
            (o.s < last || (depth && o.e > stack[depth - 1].e) || depth == sizeof stack / sizeof *stack)) {
            snprintf(err, errlen, "libloc lists its networks out of order");
            ok = false;
        }
        last = o.s;
        if (ok && (ok = emit(b, o.s, o.val)))
            stack[depth++] = o;
    }
    if (ok)
        ok = close_before(b, stack, &depth, 0, true);
    else if (!err[0])
        snprintf(err, errlen, "out of memory");
    loc_database_enumerator_unref(en);
    return ok;
}

static uint32_t *make_buckets(const uint32_t *start, uint32_t n)
{
    uint32_t *bucket = malloc((BUCKETS + 1) * sizeof *bucket);
    if (!bucket)
        return NULL;
    uint32_t i = 0;
    for (uint32_t bk = 0; bk < BUCKETS; bk++) {
        uint32_t a = bk << 16;
        while (i + 1 < n && start[i + 1] <= a)
            i++;
        bucket[bk] = i;
    }
    bucket[BUCKETS] = n - 1;
    return bucket;
}

ts_geo4 *ts_geo4_build(struct loc_database *db, char *err, size_t errlen)
{
    builder b = {0};
    ts_geo4 *g = calloc(1, sizeof *g);
    err[0] = '\0';
    b.cap_vals = 1024;
    b.vals = calloc(b.cap_vals, sizeof *b.vals);
    if (g && b.vals)
        b.n_vals = 1; /* the empty answer */
    if (!g || !b.vals || !flatten(&b, db, err, errlen) || b.n > UINT32_MAX - 1 ||
        !(g->own_bucket = make_buckets(b.start, (uint32_t)b.n))) {
        if (!err[0])
            snprintf(err, errlen, "out of memory");
        free(b.start);
        free(b.val);
        free(b.vals);
        free(b.slot);
        ts_geo4_free(g);
        return NULL;
    }
    free(b.slot);
    g->n = (uint32_t)b.n;
    g->n_vals = (uint32_t)b.n_vals;
    g->start = g->own_start = b.start;
    g->val = g->own_val = b.val;
    g->vals = g->own_vals = b.vals;
    g->bucket = g->own_bucket;
    return g;
}

/* ---- the saved table ---- */

static bool identity(struct loc_database *db, FILE *dbf, file_head *h)
{
    struct stat sb;
    if (fstat(fileno(dbf), &sb) != 0)
        return false;
    memset(h, 0, sizeof *h);
    memcpy(h->magic, MAGIC, sizeof h->magic);
    h->created_at = (uint64_t)loc_database_created_at(db);
    h->db_size = (uint64_t)sb.st_size;
    h->db_mtime = (uint64_t)sb.st_mtime;
    return true;
}

static bool table_path(const file_head *h, char *buf, size_t cap)
{
    char dir[4096];
    if (!ts_cache_dir(NULL, dir, sizeof dir))
        return false;
    int w = snprintf(buf, cap, "%s/geo4-%llx-%llx-%llx.bin", dir, (unsigned long long)h->created_at,
                     (unsigned long long)h->db_size, (unsigned long long)h->db_mtime);
    return w > 0 && (size_t)w < cap;
}

/* A saved file is outside input: every index it holds is checked before it is used. */
static bool valid(const ts_geo4 *g)
{
    if (!g->n || g->start[0] != 0 || !g->n_vals || val_key(&g->vals[0]) != 0)
        return false;
    for (uint32_t i = 0; i < g->n; i++)
        if ((i && g->start[i] <= g->start[i - 1]) || g->val[i] >= g->n_vals)
            return false;
    for (uint32_t bk = 0; bk < BUCKETS; bk++) {
        uint32_t i = g->bucket[bk], a = bk << 16;
        if (i >= g->n || g->start[i] > a || (i + 1 < g->n && g->start[i + 1] <= a))
            return false;
    }
    return g->bucket[BUCKETS] == g->n - 1;
}

ts_geo4 *ts_geo4_load(struct loc_database *db, FILE *dbf)
{
    file_head want, h;
    char path[4200];
    if (!identity(db, dbf, &want) || !table_path(&want, path, sizeof path))
        return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0)
        return NULL;
    if (fstat(fd, &sb) != 0 || (size_t)sb.st_size < sizeof h ||
        pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h || memcmp(&h, &want, offsetof(file_head, n)) != 0 ||
        (size_t)sb.st_size != sizeof h + (size_t)h.n * 8 + (size_t)h.n_vals * sizeof(geo_val) +
                                  (BUCKETS + 1) * sizeof(uint32_t)) {
        close(fd);
        return NULL;
    }
    ts_geo4 *g = calloc(1, sizeof *g);
    void *map = g ? mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (map == MAP_FAILED) {
        free(g);
        return NULL;
    }
    g->map = map;
    g->map_len = (size_t)sb.st_size;
    g->n = h.n;
    g->n_vals = h.n_vals;
    const char *p = (const char *)map + sizeof h;
    g->start = (const uint32_t *)p;
    g->val = (const uint32_t *)(p + (size_t)h.n * 4);
    g->vals = (const geo_val *)(p + (size_t)h.n * 8);
    g->bucket = (const uint32_t *)(p + (size_t)h.n * 8 + (size_t)h.n_vals * sizeof(geo_val));
    if (!valid(g)) {
        ts_geo4_free(g);
        return NULL;
    }
    return g;
}

static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

/* Tables of databases since replaced are 12 MB each that nothing will read again. */
static void remove_stale(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d)
        return;
    const char *base = strrchr(keep, '/') ? strrchr(keep, '/') + 1 : keep;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (strncmp(de->d_name, "geo4-", 5) == 0 && n > 4 && strcmp(de->d_name + n - 4, ".bin") == 0 &&
            strcmp(de->d_name, base) != 0)
            unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

bool ts_geo4_save(const ts_geo4 *g, struct loc_database *db, FILE *dbf)
{
    file_head h;
    char dir[4096], path[4200], tmp[4300];
    if (!identity(db, dbf, &h) || !table_path(&h, path, sizeof path) ||
        !ts_cache_dir(NULL, dir, sizeof dir) || !ts_cache_mkdir(dir))
        return false;
    h.n = g->n;
    h.n_vals = g->n_vals;
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    /* Written whole under a temporary name, then renamed: a reader never sees half a table. */
    bool ok = write_all(fd, &h, sizeof h) && write_all(fd, g->start, (size_t)g->n * 4) &&
              write_all(fd, g->val, (size_t)g->n * 4) &&
              write_all(fd, g->vals, (size_t)g->n_vals * sizeof(geo_val)) &&
              write_all(fd, g->bucket, (BUCKETS + 1) * sizeof(uint32_t));
    ok = close(fd) == 0 && ok && rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    else
        remove_stale(dir, path);
    return ok;
}
