/* store.h: the store of runs, sources, alerts, incidents, evidence, entities and loaded
 * intelligence feeds: an SQLite file (the default, one machine) or a PostgreSQL database
 * shared by several workers (docs/store.md). */
#ifndef TS_STORE_H
#define TS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "correlate/correlate.h"
#include "correlate/suppress.h"
#include "intel/intel.h"
#include "tocsin.h"

typedef struct ts_store ts_store;

/* How long a write waits for another process's write transaction before it fails. */
#define TS_STORE_BUSY_MS 60000

/* Opens or creates the store at path, creating or upgrading its schema. path is an SQLite
 * file, or a postgresql:// (or postgres://) URL in libpq's form naming a database. A file
 * that is not an SQLite database, or a database of another program, is refused (err says so
 * in one line) and left as it was. */
tocsin_code ts_store_open(const char *path, ts_store **out, char *err, size_t errlen);
/* Whether path names a PostgreSQL database rather than a file. */
bool ts_store_is_url(const char *path);
/* path as messages show it: a URL without the password of "user:password@" or
 * "password=" (malloc'ed; NULL on no memory). */
char *ts_store_shown_path(const char *path);
void ts_store_close(ts_store *s);
/* The last failure: "PATH: what was being done: the database's reason" (a URL is shown
 * without its password). */
const char *ts_store_error(const ts_store *s);

/* Optional: groups the writes that follow (runs, sources, incidents, detector state)
 * into one transaction until ts_store_commit, so a hunt's findings are stored all or not
 * at all, at the cost of one commit. Without it each call commits by itself. The batch
 * holds the write lock: do slow work before it. ts_store_rollback abandons the batch, as
 * does ts_store_close. */
tocsin_code ts_store_begin(ts_store *s);
tocsin_code ts_store_commit(ts_store *s);
void ts_store_rollback(ts_store *s);

/* A run is one invocation (a hunt, an intel load). */
tocsin_code ts_store_run_begin(ts_store *s, const char *command, int64_t *run_id);
tocsin_code ts_store_run_end(ts_store *s, int64_t run_id, uint64_t events, uint64_t rejected);
/* One input file of a run: its path, detected format, events read and records rejected. */
tocsin_code ts_store_source(ts_store *s, int64_t run_id, const char *path, const char *format,
                            uint64_t events, uint64_t rejected);
/* Writes an incident (upserted by its id), its alerts (never duplicated: a second hunt over
 * the same logs adds nothing), its entities and, if attributed, its hypotheses and every
 * contribution. Actor and source ids are resolved to names through ti. */
tocsin_code ts_store_incident(ts_store *s, int64_t run_id, const ts_incident *inc, const ts_intel *ti);
/* The same for a writer that remembers what it stored (a watch rewriting an incident that
 * grew): only the rest is written. ids has one slot per alert. unchanged[i] true: alert i
 * is stored as it is and linked to inc, its row is ids[i], and it is not written again
 * (nor its outside places); host_stored[i] / user_stored[i] true: inc's host or user i is
 * stored as its entity. NULL arrays: none is. On return every ids[i] is alert i's row. */
typedef struct ts_incident_stored {
    int64_t *ids;
    const bool *unchanged, *host_stored, *user_stored;
} ts_incident_stored;
tocsin_code ts_store_incident_delta(ts_store *s, int64_t run_id, const ts_incident *inc, const ts_intel *ti,
                                    const ts_incident_stored *d);
/* Writes one alert alone (upserted as ts_store_incident does), its actors and events: a
 * stream partition's, whose incidents are formed across partitions. */
tocsin_code ts_store_alert(ts_store *s, int64_t run_id, const ts_alert *a, const ts_intel *ti);

/* Keeps a feed file's bytes, once per content (sha256); *added says if it was new. */
tocsin_code ts_store_feed_put(ts_store *s, const char *kind, const char *name, const char *data, size_t len,
                              int *added);
/* Calls fn for every stored feed, oldest first; fn returns nonzero to stop. */
tocsin_code ts_store_feed_each(ts_store *s,
                               int (*fn)(void *ud, const char *kind, const char *name, const char *data,
                                         size_t len),
                               void *ud);

/* What a detector learned, kept between runs: put replaces the detector's blob; get gives
 * a malloc'ed copy (the caller frees it), or NULL with *len 0 when none was saved. */
tocsin_code ts_store_state_put(ts_store *s, const char *detector, int64_t run_id, const void *data,
                               size_t len);
tocsin_code ts_store_state_get(ts_store *s, const char *detector, void **data, size_t *len);

/* Where `tocsin watch` stopped in one file (positions.c): the file by device and inode,
 * offset and lines before it, and an FNV-1a hash of its first head_len bytes, which tells
 * the same file from a new one that reuses the inode. get sets *found 0 when none is kept. */
typedef struct ts_watch_pos {
    int64_t dev, ino;
    uint64_t offset, lines;
    uint32_t head_len;
    uint64_t head_hash;
} ts_watch_pos;
tocsin_code ts_store_pos_get(ts_store *s, int64_t dev, int64_t ino, ts_watch_pos *out, int *found);
tocsin_code ts_store_pos_put(ts_store *s, const char *path, const ts_watch_pos *p);
tocsin_code ts_store_pos_delete(ts_store *s, int64_t dev, int64_t ino);
/* The ids of the incidents earlier runs of command wrote (ts_strv_free them): "watch", or a
 * stream partition's worker, "watch@KEY:p3". */
tocsin_code ts_store_run_incidents(ts_store *s, const char *command, char ***ids, size_t *n);
/* The ids of the stored incidents with an alert from a file that run run_id read (its
 * sources): a hunt reading the same logs again replaces them. */
tocsin_code ts_store_rerun_incidents(ts_store *s, int64_t run_id, char ***ids, size_t *n);
/* Whether an earlier run read path, or a file under it when it is a directory (as the
 * runs named them: the same spelling). */
tocsin_code ts_store_read_before(ts_store *s, const char *path, bool *yes);
/* Deletes an incident (its links, entities and hypotheses; its alerts stay): for `tocsin
 * watch`, when a later alert joined it to another incident whose id is now its id. */
tocsin_code ts_store_incident_forget(ts_store *s, const char *id);

/* The analyst's suppressions (feedback.c). add stores r (which ts_suppression_valid must
 * accept, with a reason) and sets *id. list gives those in force at now_ns (no expiry or a
 * later one), or all of them when now_ns is 0, oldest first (ts_suppressions_free). remove
 * deletes one: TOCSIN_E_NOTFOUND when there is no such id. */
tocsin_code ts_store_suppress_add(ts_store *s, const ts_suppression *r, int64_t *id);
tocsin_code ts_store_suppressions(ts_store *s, int64_t now_ns, ts_suppression **out, size_t *n);
void ts_suppressions_free(ts_suppression *v, size_t n);
tocsin_code ts_store_suppress_remove(ts_store *s, int64_t id);

/* Closes a stored incident as "benign" or "malicious", with a note (may be NULL), keeping
 * its severity at that moment: later alerts reopen it only as docs/store.md says.
 * TOCSIN_E_NOTFOUND for an unknown id, TOCSIN_E_ARG for another disposition. */
tocsin_code ts_store_incident_close(ts_store *s, const char *id, const char *disposition, const char *note);

/* Partition ownership among workers sharing a store: lock takes partition id for this
 * store's connection if no other holds it (*got 1) or leaves it (*got 0); taking one this
 * store holds already is a no-op. On PostgreSQL it is a session advisory lock, freed by
 * unlock, by ts_store_close, or by the server when the worker's connection dies; after a
 * reconnection (a server restart) the store takes its partitions again and forgets those
 * another worker took meanwhile (ts_store_owns_partition says). On SQLite, which serves one
 * machine and one worker, every lock succeeds and excludes nothing. */
tocsin_code ts_store_lock_partition(ts_store *s, uint32_t id, int *got);
tocsin_code ts_store_unlock_partition(ts_store *s, uint32_t id);
bool ts_store_owns_partition(const ts_store *s, uint32_t id);

#endif
