/* feedkit.h: what the structured feed loaders (STIX, MISP, catalogue) share: capped
 * diagnostics, actor look-up by name or ATT&CK id, times and actor sets. Internal. */
#ifndef TS_FEEDKIT_H
#define TS_FEEDKIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "intel/intel.h"

/* More problems than this in one feed are counted, not reported one by one. */
#define TS_FEED_MAX_DIAGS 100

/* One feed being loaded. */
typedef struct ts_feed {
    ts_intel *ti;
    const char *name;      /* the feed's name, for messages */
    const ts_feed_opts *o; /* may be NULL */
    size_t problems;       /* entries reported (or suppressed) so far */
} ts_feed;

/* Reports a problem with one entry at its line and record (a feed's object or attribute;
 * 0 when unknown or not line-based). After TS_FEED_MAX_DIAGS only counts; ts_feed_finish
 * reports how many were left out. */
void ts_feed_diag(ts_feed *f, uint64_t line, uint64_t record, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Ends a load: says how many problems were not shown, and returns code, or
 * TOCSIN_E_PARTIAL when code is TOCSIN_OK but some entries were rejected. */
tocsin_code ts_feed_finish(ts_feed *f, tocsin_code code);

/* The default confidence of the feed (the options' or 50). */
uint8_t ts_feed_confidence(const ts_feed *f);

/* The actors a feed means by a name (and/or an ATT&CK id, either may be NULL): the actor
 * with that ATT&CK id; else the one whose canonical name is name; else every actor that
 * has name as an alias (an alias two actors share names both, never merges them); else a
 * new actor called name. Appends up to max - *n ids to out. */
void ts_feed_actors(ts_feed *f, const char *name, const char *attack_id, uint32_t *out, size_t *n,
                    size_t max);

/* The interned actor set of ids[0..n) (sorted and deduplicated in place); 0 when n is 0. */
uint32_t ts_feed_actorset(ts_feed *f, uint32_t *ids, size_t n);

/* Unix seconds from an RFC 3339 time, a date "2014-12-19", or decimal epoch seconds; 0
 * when s is NULL or none of these. */
int64_t ts_feed_time(const char *s);

/* Small accessors over jansson: the string member key of obj, or NULL. */
const char *ts_json_str(const json_t *obj, const char *key);

/* Whether a member is JSON true, or a string "1"/"true" (MISP writes both). */
bool ts_json_truthy(const json_t *obj, const char *key);

/* A suspected home country as ISO 3166 alpha-2 from a two-letter code (any case), into
 * buf[3]; NULL when s is not one. */
const char *ts_feed_country(const char *s, char buf[3]);

#endif
