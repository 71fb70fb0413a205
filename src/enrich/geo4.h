/* geo4.h: libloc's IPv4 answers compiled into one flat, sorted table, saved between runs. */
#ifndef TS_GEO4_H
#define TS_GEO4_H

#include <stdint.h>
#include <stdio.h>

#include "core/event.h"

struct loc_database;
struct loc_network;

/* Adds what libloc knows of network n to geo: its country, ASN and flags (TS_NET_*). */
void ts_geo_from_network(struct loc_network *n, ts_geo *geo);

/* A read-only table: lookups need no locking and cost a few tens of nanoseconds, where a
 * libloc lookup costs 1.7 to 7 us. */
typedef struct ts_geo4 ts_geo4;

/* Builds the table from every IPv4 network of db (about a second for Debian's database).
 * NULL on failure, with a message in err. */
ts_geo4 *ts_geo4_build(struct loc_database *db, char *err, size_t errlen);

/* The table saved for the database in dbf (identified by its creation time, size and
 * modification time) in the cache directory, or NULL when there is none or it is unusable. */
ts_geo4 *ts_geo4_load(struct loc_database *db, FILE *dbf);
/* Saves g for the database in dbf (atomically; stale tables of other databases go);
 * false when the cache directory is not writable, which only costs a rebuild next time. */
bool ts_geo4_save(const ts_geo4 *g, struct loc_database *db, FILE *dbf);

/* Fills geo's country, ASN and flags (not TS_NET_KNOWN) for the IPv4 address a (host order). */
void ts_geo4_lookup(const ts_geo4 *g, uint32_t a, ts_geo *geo);

/* Ranges in the table, and where range i starts (for tests and benchmarks). */
size_t ts_geo4_ranges(const ts_geo4 *g);
uint32_t ts_geo4_range_start(const ts_geo4 *g, size_t i);
void ts_geo4_free(ts_geo4 *g);

#endif
