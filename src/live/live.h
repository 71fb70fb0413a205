/* live.h: following growing log files for `tocsin watch`: which files, where each stopped,
 * and the complete lines appended since. */
#ifndef TS_LIVE_H
#define TS_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "ingest/ingest.h"
#include "store/store.h"

typedef struct ts_tail ts_tail;

/* What was appended to one file: its complete lines data[0..len) (borrowed, valid during
 * the call), preceded by the file's header lines data[0..header) when it has them (Zeek's
 * "#fields": copied when the appended lines do not start the file), and
 * numbered so that the first appended line is lines_before + 1. r reads them. */
typedef void (*ts_tail_chunk_fn)(void *ud, const char *name, const ts_reader *r, const char *data, size_t len,
                                 size_t header, uint64_t lines_before);
/* Follows paths (files or directories, walked for the files they hold now and later),
 * taking saved positions from store. Borrows paths and store. A file's trouble goes to note
 * (core/diag.h; may be NULL), said, never fatal: cannot open it (TOCSIN_E_IO), not a log
 * format (TOCSIN_E_FORMAT), the store failed (TOCSIN_E_DB), or, with TOCSIN_OK, truncated or
 * a new file on a known inode (read again from its start). NULL when out of memory. */
ts_tail *ts_tail_new(ts_store *store, const char *const *paths, size_t npaths, ts_diag_fn note, void *ud);
/* Positions kept elsewhere (`tocsin ship` keeps them in Redis): a tail made with a NULL
 * store asks find for a file's saved position; *found 0 when there is none. */
typedef void (*ts_tail_find_fn)(void *ud, int64_t dev, int64_t ino, ts_watch_pos *out, int *found);
void ts_tail_positions_from(ts_tail *t, ts_tail_find_fn find, void *ud);
/* Gives each file whose position moved since the last ts_tail_saved (name, position), and
 * each file gone for good (NULL name, its dev and ino only). */
void ts_tail_each_moved(ts_tail *t, void (*fn)(void *ud, const char *name, const ts_watch_pos *p), void *ud);
void ts_tail_free(ts_tail *t);
/* Looks for new, renamed, truncated and grown files and gives each one's new complete
 * lines to fn, a file that left the paths (rotated away) first, so order in time holds.
 * Returns how many bytes were given. */
uint64_t ts_tail_poll(ts_tail *t, ts_tail_chunk_fn fn, void *ud);
/* Writes the positions that moved since the last save (inside the caller's transaction). */
tocsin_code ts_tail_save(ts_tail *t);
/* The saved positions were committed: nothing is left to save. */
void ts_tail_saved(ts_tail *t);

/* Puts back into p's correlator the alerts of the incidents earlier watches stored, so a
 * restarted watch aggregates and groups as one that never stopped. */
struct hunt;
tocsin_code ts_live_reload(ts_store *s, ts_intel *ti, struct hunt *p, const char *command, size_t *reloaded);
/* The same for the alerts the runs whose command starts with prefix and which want accepts
 * stored (ts_store_runs_alerts), whatever their incidents. */
tocsin_code ts_live_reload_runs(ts_store *s, ts_intel *ti, struct hunt *p, const char *prefix,
                                int (*want)(void *ud, const char *command), void *ud, size_t *reloaded);
/* The stored alerts of a stream's partitions as the incidents' owner last read them: it
 * reads only those stored new or changed since (ts_live_reload_changed), keeps the newest
 * version of each, and puts them all into its correlator at each round. */
typedef struct ts_live_rows {
    struct ts_alert_view *v; /* by first event time, then store id, as the store lists them */
    size_t n;
    int64_t since; /* the last change read (-1: none yet) */
} ts_live_rows;
void ts_live_rows_clear(ts_live_rows *r);
/* Reads the alerts of the runs (as ts_live_reload_runs) changed since r->since into r, then
 * gives p's correlator, emptied, every alert r holds. *read: how many were read. */
tocsin_code ts_live_reload_changed(ts_store *s, ts_intel *ti, struct hunt *p, const char *prefix,
                                   int (*want)(void *ud, const char *command), void *ud, ts_live_rows *r,
                                   size_t *read);

/* The watch's pipeline and what it shows (watch.c), for files and stream partitions alike:
 * open starts it as a run named command (its state under part's suffix, its earlier
 * incidents reloaded), feed reads one piece of a file, checkpoint stores the findings
 * with what also_store writes (may be NULL) in one transaction and prints what is new.
 * mode: TS_LIVE_ALL, the whole pipeline (files, a stream of one partition);
 * TS_LIVE_ALERTS, a partition of a stream whose incidents are formed across partitions:
 * its checkpoints store only its new and changed alerts (reloaded from its runs' alerts at
 * open) and print nothing; TS_LIVE_INCIDENTS, that stream's incidents: no detectors, each
 * ts_live_correlate forms the incidents of every stored alert of the partitions' runs
 * (reading from the store only those changed since its last round), stores, attributes
 * and prints what changed as a watch does. */
typedef enum { TS_LIVE_ALL, TS_LIVE_ALERTS, TS_LIVE_INCIDENTS } ts_live_mode;
typedef struct watch ts_live;
tocsin_code ts_live_open(tocsin *t, const char *command, const char *part, ts_live_mode mode,
                         tocsin_code (*also_store)(void *ud), void *ud, ts_live **out);
/* TS_LIVE_ALERTS: how many alerts the checkpoint under way (or the last) stored. */
size_t ts_live_alerts_stored(const ts_live *w);
/* TS_LIVE_INCIDENTS: one checkpoint over the alerts stored by the runs whose command
 * starts with prefix and which want accepts (every alert of every partition: those
 * changed since the last call read from the store, the others kept from earlier calls). */
tocsin_code ts_live_correlate(ts_live *w, const char *prefix, int (*want)(void *ud, const char *command),
                              void *ud);
uint64_t ts_live_feed(ts_live *w, const char *name, const ts_reader *r, const char *data, size_t len,
                      uint64_t lines_before);
tocsin_code ts_live_checkpoint(ts_live *w, int final);
void ts_live_close(ts_live *w);

#endif
