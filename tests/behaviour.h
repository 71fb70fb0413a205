/* behaviour.h: a harness for the behavioural detector tests: one detector state kept across
 * events (baselines need history), the alerts it raised, events built by hand, fixture
 * files read through the real readers, and a save/load round trip. */
#ifndef TS_BEHAVIOUR_H
#define TS_BEHAVIOUR_H

#include "check.h"
#include "core/config.h"
#include "core/input.h"
#include "detect/detect.h"
#include "ingest/ingest.h"

#define MAX_GOT 4096
static ts_alert *got[MAX_GOT];
static size_t n_got;

static void keep(void *ud, ts_alert *a)
{
    (void)ud;
    if (n_got < MAX_GOT)
        got[n_got++] = a;
    else
        ts_alert_free(a);
}
static const ts_alert_sink sink = {keep, NULL};

static void drop_all(void)
{
    for (size_t i = 0; i < n_got; i++)
        ts_alert_free(got[i]);
    n_got = 0;
}

/* The first alert whose key starts with prefix, or NULL. */
static inline const ts_alert *find_key(const char *prefix)
{
    for (size_t i = 0; i < n_got; i++)
        if (got[i]->key && strncmp(got[i]->key, prefix, strlen(prefix)) == 0)
            return got[i];
    return NULL;
}

/* How many alerts have keys starting with prefix. */
static inline size_t count_key(const char *prefix)
{
    size_t n = 0;
    for (size_t i = 0; i < n_got; i++)
        n += got[i]->key && strncmp(got[i]->key, prefix, strlen(prefix)) == 0;
    return n;
}

/* One detector with its state. */
typedef struct det {
    const ts_detector *d;
    void *st;
} det;

static const ts_detector *detector(const char *name)
{
    for (size_t i = 0; ts_detectors[i]; i++)
        if (strcmp(ts_detectors[i]->name, name) == 0)
            return ts_detectors[i];
    return NULL;
}

/* Starts the named detector with cfg (may be NULL); false if it refuses. */
static bool det_open(det *x, const char *name, const ts_config *cfg)
{
    x->d = detector(name);
    if (!x->d)
        return false;
    x->st = calloc(1, x->d->state_size);
    ts_detect_ctx ctx = {NULL, NULL, cfg};
    if (x->d->init(x->st, &ctx) != TOCSIN_OK) {
        free(x->st);
        x->st = NULL;
        return false;
    }
    return true;
}

static void det_close(det *x)
{
    if (!x->st)
        return;
    ts_detector_fini(x->d, x->st);
    free(x->st);
    x->st = NULL;
}

static void feed(det *x, const ts_event *ev)
{
    x->d->event(x->st, ev, &sink);
}

/* Saves x's learned state, closes it, and opens a fresh one loaded with it: what the
 * next run sees. Returns the load's code. */
static inline tocsin_code det_reload(det *x, const ts_config *cfg)
{
    void *blob = NULL;
    size_t len = 0;
    tocsin_code rc = ts_detector_save(x->d, x->st, &blob, &len);
    det_close(x);
    if (rc != TOCSIN_OK)
        return rc;
    if (!det_open(x, x->d->name, cfg)) {
        free(blob);
        return TOCSIN_E_ARG;
    }
    rc = ts_detector_load(x->d, x->st, blob, len, NULL, 0);
    free(blob);
    return rc;
}

/* Events of a fixture file, read through the reader its content calls for, fed to x.
 * Returns the number of events. */
static det *file_det;
static size_t file_events;
static void file_event(void *ud, ts_event *ev)
{
    (void)ud;
    file_events++;
    feed(file_det, ev);
}
static void file_error(void *ud, const ts_diag *dg)
{
    (void)ud;
    fprintf(stderr, "%s:%llu: %s\n", dg->file, (unsigned long long)dg->line, dg->msg);
}

static inline size_t feed_file(det *x, const char *path)
{
    ts_input *in;
    char err[256];
    const char *head;
    if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK) {
        fprintf(stderr, "%s: %s\n", path, err);
        return 0;
    }
    size_t n = ts_input_peek(in, &head);
    const ts_reader *r = n ? ts_reader_detect(head, n) : NULL;
    ts_scratch s;
    file_det = x;
    file_events = 0;
    if (r && ts_scratch_init(&s) == TOCSIN_OK) {
        ts_sink snk = {file_event, file_error, NULL};
        r->read(in, &s, &snk);
        ts_scratch_free(&s);
    }
    ts_input_close(in);
    return file_events;
}

/* ---- events ------------------------------------------------------------------------------ */

#define T0 1410000000000000000LL /* 2014-09-06T10:40:00Z */
#define MIN (60LL * 1000000000LL)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static inline ts_ip ip_of(const char *s)
{
    ts_ip ip;
    ts_ip_parse(ts_str_c(s), &ip);
    return ip;
}

static inline ts_geo geo(const char *cc, uint32_t asn, uint16_t flags)
{
    ts_geo g = {{0}, asn, (uint16_t)(flags | TS_NET_KNOWN)};
    memcpy(g.cc, cc, strlen(cc));
    return g;
}

/* Raw fields for the events built here: a few per test event. */
static ts_field fields[16];

static inline void set_fields(ts_event *ev, const char *const *kv)
{
    size_t n = 0;
    for (; kv && kv[2 * n] && n < 16; n++)
        fields[n] = (ts_field){ts_str_c(kv[2 * n]), ts_str_c(kv[2 * n + 1])};
    ev->fields = fields;
    ev->n_fields = n;
}

/* A Windows event of the given channel dataset and code on host at ts, classified (action,
 * category, type) as the Windows readers classify it. */
static void win(ts_event *ev, const char *dataset, uint32_t code, const char *host, int64_t ts)
{
    ts_event_clear(ev);
    ev->ts_ns = ts;
    ev->dataset = ts_str_c(dataset);
    ev->code = code;
    ev->has_code = true;
    ev->host = ts_str_c(host);
    ts_winevent_classify(ev, strcmp(dataset, "windows.sysmon") == 0);
    ev->file = "test.json";
    ev->line = 1;
}

/* 4624/4625: user logging on to host from src (address or NULL) named srchost (or NULL). */
static inline void logon(ts_event *ev, uint32_t code, const char *user, const char *host, const char *src,
                         const char *srchost, int type, int64_t ts)
{
    win(ev, "windows.security", code, host, ts);
    ev->category = TS_CAT_AUTH;
    ev->user = ts_str_c(user);
    ev->logon_type = type;
    ev->outcome = code == 4625 ? TS_OUTCOME_FAILURE : TS_OUTCOME_SUCCESS;
    if (src) {
        ev->src_ip = ip_of(src);
        ev->src_geo = geo("", 0, ts_ip_is_special(&ev->src_ip) ? TS_NET_INTERNAL : 0);
    }
    if (srchost)
        ev->src_host = ts_str_c(srchost);
}

#endif
