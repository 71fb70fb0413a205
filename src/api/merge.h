/* merge.h: the inputs of one hunt as one stream in event-time order. Each file is read once,
 * by its reader in a thread of its own, into a bounded queue of copied events; the calling
 * thread merges the queues' heads by time and hands every event to one sink, so detectors
 * see the data as they would have live, whatever order the paths were given in. */
#ifndef TS_MERGE_H
#define TS_MERGE_H

#include "api/pool.h"
#include "ingest/ingest.h"

/* Inside a file, events up to this much event time, or this many events, behind the newest
 * one read are put back in order; an event later than that is passed on as it comes and
 * counted as late. */
#define TS_MERGE_WINDOW_NS (300LL * 1000000000LL)
#define TS_MERGE_WINDOW_EVENTS 2048
/* Files read at once: a file opens when the merge reaches the time of its first event (seen
 * by reading the head of each file first). More overlapping files than this wait for one to
 * end, and their older events then count as late. */
#define TS_MERGE_MAX_OPEN 32

/* What one file gave: kept by the merge, counted by the sink (events, rejected). */
typedef struct ts_file_counts {
    uint64_t events;   /* events the sink took */
    uint64_t rejected; /* records (or the whole file) rejected */
    uint64_t late;     /* events passed on out of time order (see TS_MERGE_WINDOW_NS) */
} ts_file_counts;

typedef struct ts_merge_hooks {
    ts_sink sink; /* events in time order; errors and warnings; its ud is every hook's */
    /* What sink gets next comes from the file counted by c, until the next call. */
    void (*enter)(void *ud, ts_file_counts *c);
    /* A file was read (or could not be): reader is NULL when no reader took it. */
    void (*file_end)(void *ud, const char *file, const char *reader, const ts_file_counts *c);
    /* The rest may be zero. At most this many of the threads work at once (the calling
       thread holds one of them while it merges); NULL: no bound. */
    ts_slots *slots;
    /* With a pool, its workers call prepare on each event ahead of the sink, in no set
       order, a batch of a file's events at a time; the sink then gets each event in time
       order with what prepare returned through event_prep instead of sink.event, or
       prep_free gets it when the event is never passed on. A single file is then read in
       a thread of its own too (in the order it comes, as the calling thread would). */
    ts_jobpool *pool;
    void *(*prepare)(void *ud, unsigned worker, const ts_event *ev);
    void (*event_prep)(void *ud, ts_event *ev, void *prep);
    void (*prep_free)(void *ud, void *prep);
} ts_merge_hooks;

/* Whether ev's time lies outside 1970..2199, which a hunt refuses as a bad record
 * (docs/ingest.md); then msg (cap bytes) says so. */
bool ts_merge_bad_time(const ts_event *ev, char *msg, size_t cap);

/* Walks paths (ts_walk) and sends their events to hooks in time order. A single file is
 * read straight into the sink, in the calling thread, unless hooks has a pool. The events,
 * messages and calls of the hooks come in the same order whatever the slots and the pool.
 * Returns TOCSIN_OK or TOCSIN_E_NOMEM. */
tocsin_code ts_merge_paths(const char *const *paths, size_t npaths, const ts_merge_hooks *hooks);

/* ts_merge_paths in three steps, so that reading starts while the caller gets ready (loads
 * its rules, makes its pool). Open walks paths, looks at each file's head (saying through
 * hooks what cannot be read) and starts the readers of the first `ahead` files, which from
 * then on read up to a bounded amount ahead of the merge (0: none; a single file is then
 * read in the calling thread by run). hooks' pool and prepare hooks are not used: run
 * brings them (all NULL: none), and what was read before it is prepared first. The calling
 * thread holds one of hooks' slots from open to close. *out is to be closed whatever open
 * returns. */
typedef struct ts_merge ts_merge;
tocsin_code ts_merge_open(const char *const *paths, size_t npaths, const ts_merge_hooks *hooks,
                          unsigned ahead, ts_merge **out);
tocsin_code ts_merge_run(ts_merge *m, ts_jobpool *pool,
                         void *(*prepare)(void *ud, unsigned worker, const ts_event *ev),
                         void (*event_prep)(void *ud, ts_event *ev, void *prep),
                         void (*prep_free)(void *ud, void *prep));
/* Without a run, the readers started are run out (their files said ended). */
void ts_merge_close(ts_merge *m);

#endif
