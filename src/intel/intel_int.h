/* intel_int.h: the private layout of ts_intel and the table helpers its files share. */
#ifndef TS_INTEL_INT_H
#define TS_INTEL_INT_H

#include "intel/intel.h"

/* ---- a block allocator whose pointers never move (names live as long as ti) ---------- */

typedef struct ts_pool {
    struct ts_pblk *head;
    size_t bytes; /* everything allocated from malloc for the pool */
} ts_pool;

void *ts_pool_alloc(ts_pool *p, size_t n);
char *ts_pool_strdup(ts_pool *p, const char *s, size_t n); /* NUL-terminated copy */
void ts_pool_free(ts_pool *p);

/* ---- value lists: one 32-bit slot holds one id, or points at a list of several -------- */

/* A slot value: 0 empty; below TS_MULTI_BIT an id; with it, an offset into ts_multi.v
 * where [n, cap, id...] lives. Most values carry one id, so most cost nothing more. */
#define TS_MULTI_BIT 0x80000000u

typedef struct ts_multi {
    uint32_t *v;
    size_t n, cap;
} ts_multi;

/* Adds id to the slot unless present; *added says whether it was new. false: no memory. */
bool ts_multi_add(ts_multi *m, uint32_t *slot, uint32_t id, bool *added);
/* The ids of slot: returns their count and points *ids at them (one may use *one). */
size_t ts_multi_get(const ts_multi *m, uint32_t slot, const uint32_t **ids, uint32_t *one);
void ts_multi_free(ts_multi *m);

/* ---- string-keyed open-addressing table --------------------------------------------- */

typedef struct ts_sent {
    const char *s; /* in the owner's pool, NUL-terminated */
    uint32_t len;
    uint32_t hash;
    uint32_t val; /* a ts_multi slot or a plain id; 0 marks an empty entry when s is NULL */
} ts_sent;

/* Beside the slots, a blocked Bloom filter of cap bytes (8 bits per slot, two of them set
 * per key, both in one 64-bit word): a lookup of a value that is absent, which is nearly
 * every lookup a hunt makes, reads one word that stays in cache instead of a slot of a
 * table that does not (200,000 domains take 12 MB of slots, 512 KB of filter). */
typedef struct ts_stab {
    ts_sent *e;
    uint64_t *bloom; /* cap / 8 words */
    size_t cap, n;   /* cap: a power of two or 0 */
} ts_stab;

uint32_t ts_hash_bytes(const void *p, size_t n);
ts_sent *ts_stab_find(const ts_stab *t, const char *s, size_t n);
/* Finds or inserts key s (copied into pool); NULL when out of memory. */
ts_sent *ts_stab_put(ts_stab *t, ts_pool *pool, const char *s, size_t n, bool *created);
void ts_stab_free(ts_stab *t);

/* ---- address tables, one per prefix length --------------------------------------------- */

/* IPv4 tables hold buckets of one cache line: a lookup reads one line and compares its
 * eight keys without branching on each, so a hit and a miss each cost one memory access
 * and no mispredicted branch (which lets the CPU overlap independent lookups). */
#define TS_IP4B 8
typedef struct ts_ip4b {
    _Alignas(64) uint32_t key[TS_IP4B];
    uint32_t val[TS_IP4B]; /* 0: empty */
} ts_ip4b;
typedef struct ts_ip4tab {
    ts_ip4b *b;
    size_t nb, n;   /* nb: buckets, a power of two or 0 */
    uint64_t *filt; /* one bit per key hash, 32 per bucket: most looked-up addresses are in
                       no feed, and this answers for them from a table a tenth the size */
} ts_ip4tab;

typedef struct ts_ip6e {
    uint64_t hi, lo;
    uint32_t val, pad;
} ts_ip6e;
typedef struct ts_ip6tab {
    ts_ip6e *e;
    size_t cap, n;
} ts_ip6tab;

typedef struct ts_ipset {
    ts_ip4tab v4[33];
    ts_ip6tab v6[129];
    uint64_t bits4;    /* bit L: table v4[L] holds entries */
    uint64_t bits6[3]; /* bit L of the 129: table v6[L] holds entries */
} ts_ipset;

/* ---- actors, techniques, software records --------------------------------------------- */

typedef struct ts_actor_rec {
    ts_actor pub;
    const char **aliases;
    size_t cap_aliases;
    uint32_t *techniques, *software;
    size_t cap_techniques, cap_software;
} ts_actor_rec;

typedef struct ts_software_rec {
    ts_software pub;
    const char **aliases;
    size_t cap_aliases;
    uint32_t *techniques;
    size_t cap_techniques;
} ts_software_rec;

/* A growable array of pointers (ids are 1-based indexes). */
typedef struct ts_vec {
    void **v;
    size_t n, cap;
} ts_vec;
bool ts_vec_push(ts_vec *v, void *p);

#define TS_META_CHUNK 1024

struct ts_intel {
    ts_pool pool;     /* names, aliases, notes */
    ts_pool ioc_pool; /* normalised indicator values */

    ts_stab strings; /* interned strings -> id */
    ts_vec string_v; /* id - 1 -> const char * */
    ts_stab sources;
    ts_vec source_v;
    size_t *source_count; /* indicators per source id (index = id) */
    size_t source_count_cap;

    ts_ioc_meta **meta_chunks; /* stable storage: id -> chunk[id / CHUNK][id % CHUNK] */
    size_t n_meta, cap_chunks;
    uint32_t *meta_tab; /* open addressing over meta ids, for interning */
    size_t meta_tab_cap;
    uint32_t last_meta; /* the id interned last: feeds add runs with the same meta */

    ts_multi multi;             /* lists of meta ids for values with several indicators */
    ts_ipset ind;               /* indicators */
    ts_ipset allow;             /* warninglist (TS_IOC_ALLOW) entries */
    ts_stab ioc[TS_IOC__COUNT]; /* domain, url, e-mail, hashes, ASN: normalised value -> metas */
    size_t by_type[TS_IOC__COUNT];
    size_t n_allow;
    /* Domain indicators' shapes: bit (labels - 1) of dom_shape[length] is set when one
     * of that length and label count is loaded. A name's parents mostly have shapes no
     * indicator has, and these 8 KB answer for them without hashing or a table miss. */
    uint64_t dom_shape[256][4]; /* under 256 bytes: at most 256 labels */

    ts_vec actors;        /* ts_actor_rec * */
    ts_stab actor_key;    /* normalised name or alias -> actor ids (slots in names) */
    ts_stab actor_attack; /* ATT&CK id -> actor id */
    ts_stab actor_canon;  /* canonical name of an actor without ATT&CK id -> actor id */
    ts_multi names;       /* id lists for actor_key and software_key */
    ts_vec techniques;    /* ts_technique * */
    ts_stab technique_tid;
    ts_vec software; /* ts_software_rec * */
    ts_stab software_key, software_attack, software_canon;

    uint32_t *set_v; /* actor sets: set_v[set_off[id]] = n, then n actor ids */
    size_t set_n, set_cap;
    uint32_t *set_off; /* index: set id */
    size_t n_sets, cap_sets;
    uint32_t *set_tab; /* open addressing over set ids */
    size_t set_tab_cap;
};

/* ---- internal entry points between the files of src/intel ------------------------------ */

/* Interns meta, returning its id (>= 1), or 0 when out of memory. */
uint32_t ts_intel_meta_intern(ts_intel *ti, const ts_ioc_meta *meta);
/* The meta of an interned id, NULL for none (inline: every hit reads one). */
static inline const ts_ioc_meta *ts_intel_meta_get(const ts_intel *ti, uint32_t id)
{
    if (!id || id > ti->n_meta)
        return NULL;
    return &ti->meta_chunks[(id - 1) / TS_META_CHUNK][(id - 1) % TS_META_CHUNK];
}
/* Counts one more indicator for the meta's source and type. */
void ts_intel_count(ts_intel *ti, ts_ioc_type type, uint32_t meta_id);

tocsin_code ts_ipset_add(ts_intel *ti, ts_ipset *set, const ts_ip *net, uint8_t prefix, uint32_t meta_id,
                         bool *added);
size_t ts_ipset_bytes(const ts_ipset *set);
/* Makes room for n more IPv4 networks of one prefix length, so a big feed is not
 * rehashed again and again while it loads. */
void ts_ipset_reserve4(ts_ipset *set, uint8_t prefix, size_t n);
/* Starts loading the bucket an IPv4 network would go to: a loader prefetches a batch,
 * then adds it, so the batch's cache misses overlap instead of queueing. */
void ts_ipset_prefetch(const ts_ipset *set, const ts_ip *ip, uint8_t prefix);
void ts_ipset_free(ts_ipset *set);
/* Adds an indicator by its interned meta (the loaders' fast path). */
tocsin_code ts_intel_add_id(ts_intel *ti, ts_ioc_type type, ts_str value, uint32_t meta_id);
tocsin_code ts_intel_add_ip_id(ts_intel *ti, const ts_ip *ip, uint8_t prefix, uint32_t meta_id);

/* Normalises value of type into buf (cap bytes); returns its length or 0 when it is not
 * a value of that type. Defanged forms ("hxxp", "[.]") are accepted. */
size_t ts_ioc_normalise(ts_ioc_type type, ts_str value, char *buf, size_t cap);
/* Undoes defanging ("hxxp://evil[.]com" -> "http://evil.com") into buf; returns the length
 * (0 when it does not fit). */
size_t ts_ioc_refang(ts_str s, char *buf, size_t cap);
/* Parses an address or CIDR, also with a ":port" suffix ("1.2.3.4:443", "[::1]:80"). */
bool ts_ioc_parse_ip(ts_str s, ts_ip *ip, uint8_t *prefix);

/* Normalises an actor or software name for resolution: ASCII letters lower-cased, spaces
 * and punctuation dropped; returns the length (0: nothing left). */
size_t ts_name_key(const char *s, char *buf, size_t cap);

/* The actor set a feed declares: the actors name resolves to, or else a new actor called
 * name with these aliases. 0 when name is NULL or empty, or out of memory. */
uint32_t ts_intel_actorset_for(ts_intel *ti, const char *name, const char *const *aliases, size_t n_aliases);

#endif
