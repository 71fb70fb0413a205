/* enrich_priv.h: the enrich stage's measuring hooks, for its tests and benchmark only. */
#ifndef TS_ENRICH_PRIV_H
#define TS_ENRICH_PRIV_H

#include <stdint.h>

#include "enrich/enrich.h"

/* Entries in the address cache (a power of two, two per set). 64K entries of 32 bytes (2 MiB), which
 * holds the working set of a week of one site's flows while staying out of the way. */
#define TS_ENRICH_CACHE_BITS 16

/* Like ts_enrich_ip, but bypasses (and does not fill) the cache: what a lookup costs. */
void ts_enrich_ip_uncached(ts_enrich *e, const ts_ip *ip, ts_geo *geo);
/* Cache hits and misses since ts_enrich_open. */
void ts_enrich_cache_stats(const ts_enrich *e, uint64_t *hits, uint64_t *misses);
/* The cache set an address falls in (for tests of the replacement policy). */
size_t ts_enrich_cache_set(const ts_ip *ip);
/* True when IPv4 answers come from the compiled table (geo4.h) rather than libloc. */
bool ts_enrich_has_table(const ts_enrich *e);
/* True when a location database is open. */
bool ts_enrich_has_db(const ts_enrich *e);

#endif
