/* intel.h: threat intelligence in memory: actors, techniques, software and indicators,
 * compiled for fast matching. Built by loaders, then read-only while a hunt runs. */
#ifndef TS_INTEL_H
#define TS_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/ioc.h"
#include "core/ip.h"
#include "core/str.h"
#include "tocsin.h"

const char *ts_ioc_type_name(ts_ioc_type t);     /* "ip", "domain", ... */
ts_ioc_type ts_ioc_type_parse(const char *name); /* accepts STIX/MISP/CSV spellings */
/* Guesses the type of a bare value ("1.2.3.4", "evil.com", "http://..", a hex hash). */
ts_ioc_type ts_ioc_type_guess(ts_str value);

enum {
    TS_IOC_ALLOW = 1 << 0,  /* a warninglist entry: a hit on it is suppressed, note says why */
    TS_IOC_SHARED = 1 << 1, /* known shared infrastructure (hosting, CDN, sinkhole) */
};

/* What one or many indicators share: interned, so a feed of a million addresses with one
 * source and one actor stores this once. */
typedef struct ts_ioc_meta {
    uint32_t source;    /* ts_intel_source() id */
    uint32_t actors;    /* ts_intel_actorset() id; 0: no actor */
    uint32_t note;      /* ts_intel_string() id: description, reference or allow reason; 0: none */
    uint8_t confidence; /* 0..100 */
    uint8_t flags;      /* TS_IOC_* */
    int64_t first_seen; /* unix seconds; 0: unknown */
    int64_t last_seen;
    int64_t expires; /* 0: never */
} ts_ioc_meta;

typedef struct ts_intel ts_intel;

ts_intel *ts_intel_new(void);
void ts_intel_free(ts_intel *ti);

/* Interned strings (ids start at 1; 0 is "none"). The returned pointers live as long as ti. */
uint32_t ts_intel_string(ts_intel *ti, const char *s);
const char *ts_intel_string_get(const ts_intel *ti, uint32_t id);
uint32_t ts_intel_source(ts_intel *ti, const char *name); /* a feed's display name */
const char *ts_intel_source_name(const ts_intel *ti, uint32_t id);

/* ---- actors, techniques, software ------------------------------------------------------ */

typedef struct ts_actor {
    uint32_t id;           /* 1-based */
    const char *name;      /* canonical name */
    const char *attack_id; /* "G0032" or NULL */
    const char *country;   /* suspected home country, ISO 3166 alpha-2, or NULL */
    const char *const *aliases;
    size_t n_aliases;
    const uint32_t *techniques; /* ts_intel_technique ids */
    size_t n_techniques;
    const uint32_t *software; /* ts_intel_software ids */
    size_t n_software;
} ts_actor;

/* Adds an actor, or returns the existing one with the same ATT&CK id, or (when attack_id
 * is NULL) the same exact canonical name. Never merges on aliases. 0 on failure. */
uint32_t ts_intel_actor_add(ts_intel *ti, const char *name, const char *attack_id, const char *country);
void ts_intel_actor_alias(ts_intel *ti, uint32_t actor, const char *alias);
void ts_intel_actor_uses_technique(ts_intel *ti, uint32_t actor, uint32_t technique);
void ts_intel_actor_uses_software(ts_intel *ti, uint32_t actor, uint32_t software);
/* Sets the country when none is known yet. */
void ts_intel_actor_country(ts_intel *ti, uint32_t actor, const char *country);
const ts_actor *ts_intel_actor(const ts_intel *ti, uint32_t id); /* NULL if no such id */
size_t ts_intel_actor_count(const ts_intel *ti);
/* Every actor whose name or alias matches name (case, spaces and punctuation ignored;
 * an ATT&CK id "G0032" matches too). Writes up to max ids; returns how many match. */
size_t ts_intel_actor_resolve(const ts_intel *ti, const char *name, uint32_t *out, size_t max);

typedef struct ts_technique {
    uint32_t id;
    const char *tid; /* "T1566.001" */
    const char *name;
    const char *tactics; /* "initial-access,execution" or NULL */
    uint32_t n_actors;   /* how many actors use it: for rarity weights */
} ts_technique;
/* Adds or finds a technique by its ATT&CK id; name may be NULL when unknown. */
uint32_t ts_intel_technique(ts_intel *ti, const char *tid, const char *name, const char *tactics);
uint32_t ts_intel_technique_find(const ts_intel *ti, const char *tid); /* 0 if unknown */
const ts_technique *ts_intel_technique_get(const ts_intel *ti, uint32_t id);
size_t ts_intel_technique_count(const ts_intel *ti);

typedef struct ts_software {
    uint32_t id;
    const char *name;
    const char *attack_id; /* "S0001" or NULL */
    const char *type;      /* "malware", "tool" */
    const char *const *aliases;
    size_t n_aliases;
    uint32_t n_actors;          /* how many actors use it: for exclusivity weights */
    const uint32_t *techniques; /* ts_intel_technique ids: what it does (ATT&CK "uses") */
    size_t n_techniques;
} ts_software;
uint32_t ts_intel_software_add(ts_intel *ti, const char *name, const char *attack_id, const char *type);
void ts_intel_software_alias(ts_intel *ti, uint32_t software, const char *alias);
/* Records that the software does the technique (an actor using it does it too). */
void ts_intel_software_uses_technique(ts_intel *ti, uint32_t software, uint32_t technique);
/* Like ts_intel_actor_resolve, for software names and aliases. */
size_t ts_intel_software_resolve(const ts_intel *ti, const char *name, uint32_t *out, size_t max);
const ts_software *ts_intel_software_get(const ts_intel *ti, uint32_t id);
size_t ts_intel_software_count(const ts_intel *ti);

/* Interned sorted sets of actors (0 is the empty set). */
uint32_t ts_intel_actorset(ts_intel *ti, const uint32_t *actors, size_t n);
size_t ts_intel_actorset_get(const ts_intel *ti, uint32_t set, const uint32_t **actors);

/* ---- indicators ---------------------------------------------------------------------- */

/* Adds an indicator; the value is parsed and normalised by type. Adding the same value
 * twice with the same meta is a no-op; with another meta, both are kept. Returns
 * TOCSIN_OK, TOCSIN_E_PARSE for a value that is not of the type, or TOCSIN_E_NOMEM. */
tocsin_code ts_intel_add(ts_intel *ti, ts_ioc_type type, ts_str value, const ts_ioc_meta *meta);
/* The fast path for addresses and CIDRs already parsed. */
tocsin_code ts_intel_add_ip(ts_intel *ti, const ts_ip *ip, uint8_t prefix, const ts_ioc_meta *meta);

/* One indicator that matched a looked-up value. */
typedef struct ts_ioc_hit {
    ts_ioc_type type;
    const ts_ioc_meta *meta; /* lives as long as ti */
    uint8_t prefix;          /* IP: the matched prefix length */
    ts_ip net;               /* IP: the matched network */
    ts_str matched; /* the part of the query that matched (a parent domain); borrowed from the query */
} ts_ioc_hit;

/* Looks up an address: all indicators of the longest matching prefix, plus every allow
 * entry (TS_IOC_ALLOW) of any prefix covering it. Writes up to max hits; returns the count
 * written. Must stay under 100 ns for a miss. */
size_t ts_intel_match_ip(const ts_intel *ti, const ts_ip *ip, ts_ioc_hit *out, size_t max);
/* Looks up a value of another type (a domain checks itself and each parent; case and a
 * trailing dot ignored). */
size_t ts_intel_match(const ts_intel *ti, ts_ioc_type type, ts_str value, ts_ioc_hit *out, size_t max);

typedef struct ts_intel_stats {
    size_t by_type[TS_IOC__COUNT];
    size_t allow; /* warninglist entries among them */
    size_t actors, techniques, software, sources;
    size_t bytes; /* memory held by the indicator tables */
} ts_intel_stats;
void ts_intel_get_stats(const ts_intel *ti, ts_intel_stats *st);
/* Indicator count per source id: calls fn for each source. */
void ts_intel_each_source(const ts_intel *ti, void (*fn)(void *ud, uint32_t source, size_t n), void *ud);

/* ---- loaders (one file each under src/intel/) ---------------------------------------- */

typedef struct ts_feed_opts {
    const char *actor;  /* declared actor for lists and CSVs that name none, or NULL */
    uint8_t confidence; /* default confidence when the feed gives none; 0: 50 */
    ts_diag_fn diag;    /* each problem: the feed's name as file, its line (0 if unknown) */
    void *ud;
    /* Called with each file's bytes as loaded, so the caller may persist them (kind is the
       loader's name). May be NULL. */
    void (*loaded)(void *ud, const char *kind, const char *name, const char *data, size_t len);
} ts_feed_opts;

/* Loads one feed file's bytes; the format (STIX 2.1 bundle, ATT&CK bundle, MISP event,
 * MISP warninglist, tocsin catalogue, CSV, plain list) is detected from content. name is
 * used in messages and as the source. kind_hint (a loader name, or NULL) skips
 * detection (used when reloading stored feeds). */
tocsin_code ts_intel_load_buffer(ts_intel *ti, const char *name, const char *kind_hint, const char *data,
                                 size_t len, const ts_feed_opts *o);
/* Loads a file, or a directory (a MISP feed with manifest.json, or every feed file in it). */
tocsin_code ts_intel_load_path(ts_intel *ti, const char *path, const ts_feed_opts *o);

/* After loading: computes per-technique and per-software actor counts. Call once before
 * matching or attribution. */
void ts_intel_finalise(ts_intel *ti);

#endif
