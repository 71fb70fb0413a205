/* pool.h: the threads of one hunt (--jobs). Slots bound how many of them work at once; a
 * pool of workers runs tasks (batches of events to prepare) that the hunt's thread hands
 * out and later waits for, in whatever order they were handed out. */
#ifndef TS_POOL_H
#define TS_POOL_H

#include <pthread.h>

/* At most n threads work at once: a thread holds a slot while it works and gives it back
 * while it waits for another (a full queue, an empty one, a task), so that --jobs 1 really
 * uses one core and --jobs N at most N, however many threads the hunt has. */
typedef struct ts_slots {
    pthread_mutex_t mu;
    pthread_cond_t freed;
    unsigned free;
} ts_slots;

void ts_slots_init(ts_slots *s, unsigned n);
void ts_slots_destroy(ts_slots *s);
/* Both do nothing on NULL (no bound). */
void ts_slots_take(ts_slots *s);
void ts_slots_give(ts_slots *s);

/* The cores the machine has: the default of --jobs. */
unsigned ts_cores(void);

/* One piece of work. run gets the index of the worker that runs it, 0 .. n-1, so that each
 * index has scratch of its own. */
typedef struct ts_task {
    void (*run)(struct ts_task *t, unsigned worker);
    int state; /* the pool's */
    struct ts_task *next;
} ts_task;

typedef struct ts_jobpool ts_jobpool;

/* n workers (at least 1) that hold a slot of slots (may be NULL) while they run a task.
 * NULL when out of memory or threads. */
ts_jobpool *ts_jobpool_new(unsigned n, ts_slots *slots);
/* Ends the workers; every task handed out must have been waited for. */
void ts_jobpool_free(ts_jobpool *p);
unsigned ts_jobpool_workers(const ts_jobpool *p);
/* Hands t out (its run set); t must stay put until waited for. */
void ts_jobpool_submit(ts_jobpool *p, ts_task *t);
/* Returns once t has run; the caller gives its slot back while it waits. A t no worker has
 * started goes first in the queue: the waiting thread does not run it itself, which kept it
 * from its own work (the hunt's detectors) and warmed one more Sigma memo (about 6% more
 * CPU in the 2-job OTRF hunt). */
void ts_jobpool_wait(ts_jobpool *p, ts_task *t);

#endif
