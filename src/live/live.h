/* live.h: following growing log files for `tocsin watch`: which files, where each stopped,
 * and the complete lines appended since. */
#ifndef TS_LIVE_H
#define TS_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "ingest/ingest.h"
#include "store/store.h"

typedef struct ts_tail ts_tail;

/* What was appended to one file: its complete lines data[0..len) (borrowed, valid during
 * the call), preceded by the file's header lines when it has them (Zeek's "#fields"), and
 * numbered so that the first appended line is lines_before + 1. r reads them. */
typedef void (*ts_tail_chunk_fn)(void *ud, const char *name, const ts_reader *r, const char *data,
                                 size_t len, uint64_t lines_before);
/* A file's trouble (cannot open, truncated, inode reused): said, never fatal. */
typedef void (*ts_tail_note_fn)(void *ud, const char *file, const char *msg);

/* Follows paths (files or directories, walked for the files they hold now and later),
 * taking saved positions from store. Borrows paths and store. NULL when out of memory. */
ts_tail *ts_tail_new(ts_store *store, const char *const *paths, size_t npaths, ts_tail_note_fn note,
                     void *ud);
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
tocsin_code ts_live_reload(ts_store *s, ts_intel *ti, struct hunt *p, size_t *reloaded);

#endif
