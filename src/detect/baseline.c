/* baseline.c: bounded maps, distinct counters and blobs that the behavioural detectors learn in. */
#include "detect/baseline.h"

#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/vec.h"
#include "detect/detect.h"

uint64_t bl_hash(ts_str s, uint64_t seed)
{
    uint64_t h = ts_hash_fold(seed, s.p, s.n);
    return h ? h : 1;
}

uint64_t bl_hash_u64(uint64_t h, uint64_t v)
{
    unsigned char le[8]; /* least significant byte first on any host: saved keys stay valid */
    for (int i = 0; i < 8; i++)
        le[i] = (unsigned char)(v >> (8 * i));
    h = ts_hash(h, le, sizeof le);
    return h ? h : 1;
}

uint64_t bl_hash_ip(const ts_ip *ip, uint64_t seed)
{
    /* Not bl_hash: address bytes must not be case folded. */
    uint64_t hi, lo;
    memcpy(&hi, ip->b, 8);
    memcpy(&lo, ip->b + 8, 8);
    return bl_hash_u64(bl_hash_u64(bl_hash_u64(seed, ip->v), hi), lo);
}

/* A slot: key (0 = empty), last-touched time, then the record. */
#define SLOT_HEAD 16

static uint64_t *slot_key(const bl_map *m, size_t i)
{
    return (uint64_t *)(void *)(m->slots + i * m->ssize);
}
static int64_t *slot_ts(const bl_map *m, size_t i)
{
    return (int64_t *)(void *)(m->slots + i * m->ssize + 8);
}
static void *slot_val(const bl_map *m, size_t i)
{
    return m->slots + i * m->ssize + SLOT_HEAD;
}

void bl_map_init(bl_map *m, size_t vsize, size_t max)
{
    memset(m, 0, sizeof *m);
    m->vsize = vsize;
    m->ssize = SLOT_HEAD + ((vsize + 7) & ~(size_t)7);
    m->max = max < 16 ? 16 : max;
}

void bl_map_free(bl_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

/* Slot of key, or the empty slot where it would go. cap is a power of two, never full. */
static size_t probe(const bl_map *m, uint64_t key)
{
    size_t mask = m->cap - 1, i = bl_map_first_slot(m, key);
    while (*slot_key(m, i) && *slot_key(m, i) != key)
        i = (i + 1) & mask;
    return i;
}

void *bl_map_get(const bl_map *m, uint64_t key)
{
    if (!m->cap || !key)
        return NULL;
    size_t i = probe(m, key);
    return *slot_key(m, i) ? slot_val(m, i) : NULL;
}

/* Moves every key into a table of cap slots; false when out of memory (m unchanged). */
static bool grow(bl_map *m, size_t cap)
{
    uint8_t *old = m->slots;
    size_t ocap = m->cap;
    m->slots = calloc(cap, m->ssize);
    if (!m->slots) {
        m->slots = old;
        return false;
    }
    m->cap = cap;
    for (size_t i = 0; i < ocap; i++) {
        const uint8_t *s = old + i * m->ssize;
        uint64_t k;
        memcpy(&k, s, 8);
        if (k)
            memcpy(m->slots + probe(m, k) * m->ssize, s, m->ssize);
    }
    free(old);
    return true;
}

int64_t bl_select(int64_t *v, size_t n, size_t k)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)k;
    while (lo < hi) {
        int64_t pivot = v[lo + (hi - lo) / 2];
        ptrdiff_t i = lo, j = hi;
        while (i <= j) { /* after it: v[lo..j] <= pivot <= v[i..hi], and j < i */
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                int64_t t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            return v[want]; /* between the two parts: equal to the pivot */
    }
    return v[want];
}

/* Drops exactly a quarter of the keys (at least one): those touched longest ago, and of
 * those touched at the cut-off time, the first met. In place: the slots are emptied, then
 * every key left is put back where a search from its first slot meets it, walking from a
 * slot that was empty before (a run of taken slots never crosses it), so the table is
 * never held twice. */
static bool forget_oldest(bl_map *m)
{
    size_t drop = m->n / 4 ? m->n / 4 : 1, k = 0, empty = 0;
    int64_t *t = malloc(m->n * sizeof *t);
    uint8_t *tmp = malloc(m->ssize);
    if (!t || !tmp) {
        free(t);
        free(tmp);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (*slot_key(m, i))
            t[k++] = *slot_ts(m, i);
        else
            empty = i;
    }
    int64_t cutoff = bl_select(t, k, drop - 1);
    size_t older = 0; /* keys before the cut-off: all go, then ties until drop */
    for (size_t i = 0; i < k; i++)
        older += t[i] < cutoff;
    free(t);
    size_t ties = drop - older;
    for (size_t i = 0; i < m->cap; i++) {
        if (!*slot_key(m, i))
            continue;
        int64_t ts = *slot_ts(m, i);
        if (ts < cutoff || (ts == cutoff && ties && ties--)) {
            *slot_key(m, i) = 0;
            m->n--;
            m->evicted++;
        }
    }
    size_t mask = m->cap - 1;
    for (size_t step = 1, i = (empty + 1) & mask; step < m->cap; step++, i = (i + 1) & mask) {
        uint64_t key = *slot_key(m, i);
        if (!key || bl_map_first_slot(m, key) == i)
            continue;
        memcpy(tmp, m->slots + i * m->ssize, m->ssize);
        *slot_key(m, i) = 0;
        memcpy(m->slots + probe(m, key) * m->ssize, tmp, m->ssize);
    }
    free(tmp);
    return true;
}

void *bl_map_put(bl_map *m, uint64_t key, int64_t ts_ns, bool *created)
{
    if (created)
        *created = false;
    if (!key)
        key = 1;
    if (m->cap) {
        size_t i = probe(m, key);
        if (*slot_key(m, i)) {
            if (ts_ns > *slot_ts(m, i))
                *slot_ts(m, i) = ts_ns;
            return slot_val(m, i);
        }
    }
    if (m->n >= m->max && !forget_oldest(m))
        return NULL;
    /* At most half full, except the last table, which may hold max at four fifths: at
       the cap, a second doubling would cost twice the memory for shorter searches. */
    if (!m->cap || ((m->n + 1) * 2 > m->cap && m->cap / 5 * 4 < m->max)) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        if (!grow(m, cap))
            return NULL;
    }
    size_t i = probe(m, key);
    *slot_key(m, i) = key;
    *slot_ts(m, i) = ts_ns;
    memset(slot_val(m, i), 0, m->ssize - SLOT_HEAD);
    m->n++;
    if (created)
        *created = true;
    return slot_val(m, i);
}

bool bl_set_add(bl_map *m, uint64_t key, int64_t ts_ns)
{
    bool created;
    return bl_map_put(m, key, ts_ns, &created) && created;
}

size_t bl_map_bound(size_t max, size_t vsize)
{
    size_t cap = 64; /* the growth in bl_map_put stops at the first table holding max at 4/5 */
    while (cap / 5 * 4 < (max < 16 ? 16 : max))
        cap *= 2;
    return cap * (SLOT_HEAD + ((vsize + 7) & ~(size_t)7));
}

void bl_map_use(const bl_map *m, const char *table, ts_state_use *u)
{
    *u = (ts_state_use){table, m->n, m->max, m->evicted, m->cap * m->ssize, bl_map_bound(m->max, m->vsize)};
}

size_t bl_maps_use(const bl_map *const *maps, const char *const *names, size_t k, ts_state_use *out, size_t n)
{
    for (size_t i = 0; i < k && i < n; i++)
        bl_map_use(maps[i], names[i], &out[i]);
    return k;
}

bool bl_distinct_add(bl_distinct *d, uint32_t x)
{
    if (!x)
        x = 1;
    if (d->n >= BL_DISTINCT_MAX)
        return false;
    size_t i = x & (BL_DISTINCT_SLOTS - 1);
    for (size_t k = 0; k < BL_DISTINCT_SLOTS; k++, i = (i + 1) & (BL_DISTINCT_SLOTS - 1)) {
        if (d->v[i] == x)
            return false;
        if (!d->v[i]) {
            d->v[i] = x;
            d->n++;
            return true;
        }
    }
    return false;
}

void bl_put_map(ts_blob_w *b, const bl_map *m)
{
    ts_blob_put_u64(b, m->vsize);
    ts_blob_put_u64(b, m->n);
    for (size_t i = 0; i < m->cap; i++)
        if (*slot_key(m, i))
            ts_blob_put(b, m->slots + i * m->ssize, SLOT_HEAD + m->vsize);
}

void bl_get_map(ts_blob_r *r, bl_map *m)
{
    uint64_t vsize = ts_blob_get_u64(r), n = ts_blob_get_u64(r);
    size_t rec = SLOT_HEAD + m->vsize;
    if (!r->fail && vsize != m->vsize)
        ts_blob_fail(r, "records of another size than this build keeps");
    else if (!r->fail && n > (r->n - r->off) / rec)
        ts_blob_fail(r, "more records than bytes left");
    for (uint64_t i = 0; i < n && !r->fail; i++) {
        uint64_t key;
        int64_t ts;
        ts_blob_get(r, &key, 8);
        ts_blob_get(r, &ts, 8);
        void *v = bl_map_put(m, key, ts, NULL);
        if (!v) {
            ts_blob_fail(r, "out of memory");
            return;
        }
        ts_blob_get(r, v, m->vsize);
    }
}

static void map_put(ts_blob_w *b, const void *field)
{
    bl_put_map(b, field);
}

static void map_get(ts_blob_r *r, void *field)
{
    bl_get_map(r, field);
}

static void map_clear(void *field)
{
    bl_map_free(field);
}

const ts_saved_codec bl_map_codec = {map_put, map_get, map_clear};

size_t bl_saved_use(const ts_saved *t, const void *state, ts_state_use *out, size_t n)
{
    size_t k = 0;
    for (const ts_saved_field *f = t->fields; f->key; f++)
        if (f->codec == &bl_map_codec && f->table) {
            if (k < n)
                bl_map_use((const bl_map *)((const char *)state + f->offset), f->table, &out[k]);
            k++;
        }
    return k;
}

int bl_hour(int64_t ts_ns)
{
    int64_t s = ts_ns / BL_NS % 86400;
    if (s < 0)
        s += 86400;
    return (int)(s / 3600);
}

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

bool bl_icontains(ts_str s, const char *needle)
{
    size_t n = strlen(needle);
    if (!n)
        return true;
    if (n > s.n)
        return false;
    const unsigned char *p = (const unsigned char *)s.p, *q = (const unsigned char *)needle;
    unsigned char first = fold(q[0]);
    for (size_t i = 0; i + n <= s.n; i++) {
        if (fold(p[i]) != first)
            continue;
        size_t k = 1;
        while (k < n && fold(p[i + k]) == fold(q[k]))
            k++;
        if (k == n)
            return true;
    }
    return false;
}

ts_str bl_basename(ts_str path)
{
    for (size_t i = path.n; i-- > 0;)
        if (path.p[i] == '\\' || path.p[i] == '/')
            return ts_str_make(path.p + i + 1, path.n - i - 1);
    return path;
}

ts_alert *bl_alert(const char *detector, const ts_event *ev, uint8_t severity, const char *techniques,
                   char *key, char *title)
{
    ts_alert *a = calloc(1, sizeof *a);
    if (!a || !key || !title) {
        free(a);
        free(key);
        free(title);
        return NULL;
    }
    a->detector = detector;
    a->kind = TS_EV_BEHAVIOUR;
    ts_alert_from_event(a, ev);
    a->severity = severity;
    a->key = key;
    a->title = title;
    a->techniques = techniques ? strdup(techniques) : NULL;
    if (techniques && !a->techniques) {
        ts_alert_free(a);
        return NULL;
    }
    return a;
}

void bl_emit(const ts_alert_sink *out, const char *detector, const ts_event *ev, uint8_t severity,
             const char *techniques, char *key, char *title)
{
    ts_alert *a = bl_alert(detector, ev, severity, techniques, key, title);
    if (a)
        out->emit(out->ud, a);
}

bool bl_list_icontains(const char *list, ts_str s)
{
    ts_str it;
    char w[256];
    for (const char *p = list; ts_str_next_item(&p, &it);) {
        if (!it.n || it.n >= sizeof w)
            continue;
        memcpy(w, it.p, it.n);
        w[it.n] = 0;
        if (bl_icontains(s, w))
            return true;
    }
    return false;
}

bool bl_list_has(const char *list, ts_str name)
{
    ts_str it;
    uint64_t h = bl_hash(name, BL_SEED);
    for (const char *p = list; name.n && ts_str_next_item(&p, &it);)
        if (it.n == name.n && bl_hash(it, BL_SEED) == h)
            return true;
    return false;
}
