/* detector_run.h: one detector run for tests that keep several runs apart (each with its own
 * alerts): start it by name, feed events, stop it (finish, then free), read its alerts. */
#ifndef TS_DETECTOR_RUN_H
#define TS_DETECTOR_RUN_H

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/config.h"
#include "detect/detect.h"

#define RUN_MAX_ALERTS 256

typedef struct got {
    ts_alert *a[RUN_MAX_ALERTS];
    size_t n;
} got;

static void on_alert(void *ud, ts_alert *a)
{
    got *g = ud;
    if (g->n < RUN_MAX_ALERTS)
        g->a[g->n++] = a;
    else
        ts_alert_free(a);
}

static inline void got_free(got *g)
{
    for (size_t i = 0; i < g->n; i++)
        ts_alert_free(g->a[i]);
    g->n = 0;
}

/* The alert with exactly this key, or NULL. */
static inline const ts_alert *find_alert(const got *g, const char *key)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->a[i]->key, key) == 0)
            return g->a[i];
    return NULL;
}

typedef struct run {
    const ts_detector *d;
    void *state;
    got out;
    ts_alert_sink sink;
} run;

/* Starts the named detector with cfg (may be NULL) as a live watch would when live is set;
 * false if there is none or it refuses. */
static inline bool run_start_as(run *r, const char *name, const ts_config *cfg, bool live)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; ts_detectors[i] && !r->d; i++)
        if (strcmp(ts_detectors[i]->name, name) == 0)
            r->d = ts_detectors[i];
    if (!r->d)
        return false;
    r->state = calloc(1, r->d->state_size);
    r->sink = (ts_alert_sink){on_alert, &r->out};
    ts_detect_ctx ctx = {NULL, NULL, cfg};
    ctx.live = live;
    if (r->d->init(r->state, &ctx) != TOCSIN_OK) {
        ts_detector_fini(r->d, r->state);
        free(r->state);
        r->state = NULL;
        return false;
    }
    return true;
}

/* Starts the named detector with cfg (may be NULL), as a hunt does; false if there is none
 * or it refuses. */
static inline bool run_start(run *r, const char *name, const ts_config *cfg)
{
    return run_start_as(r, name, cfg, false);
}

static inline void run_event(run *r, const ts_event *ev)
{
    r->d->event(r->state, ev, &r->sink);
}

/* End of input: the detector emits what it holds, then its state is freed. */
static inline void run_stop(run *r)
{
    if (r->d->finish)
        r->d->finish(r->state, &r->sink);
    ts_detector_fini(r->d, r->state);
    free(r->state);
    r->state = NULL;
}

#endif
