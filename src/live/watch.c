/* watch.c: `tocsin watch`, the hunt's pipeline kept running over growing files. Each poll
 * reads the complete lines appended since the last; a checkpoint then stores the alerts
 * and incidents they made, the detectors' state and the files' positions in one
 * transaction, so a restart (even after SIGKILL) reads on from exactly there. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/session.h"
#include "attribute/attribute.h"
#include "core/esc.h"
#include "core/hash.h"
#include "core/jsonw.h"
#include "api/alert_out.h"
#include "live/live.h"
#include "core/vec.h"

typedef struct inc_sig {
    char id[24];
    uint64_t sig;
    uint64_t round; /* the last checkpoint that formed it */
} inc_sig;

/* A stored alert's identity and what it looked like when last stored (keep_alert). */
typedef struct alert_sig {
    uint64_t uid, sig;
} alert_sig;

/* What a checkpoint stored of its incidents, so that the next writes only what changed:
 * an alert (key its uid) as it was (sig), in which incident (inc, a hash of the id) and
 * its row; or an incident's host or user entity (key a hash of the incident, kind and
 * name; sig 1). sig 0: not stored (its incident was removed since). Open addressing by
 * key, key 0 = empty. */
typedef struct stored_row {
    uint64_t key, sig, inc;
    int64_t row;
} stored_row;

typedef struct stored_map {
    stored_row *v;
    size_t n, cap;
} stored_map;

typedef struct watch {
    tocsin *t;
    ts_pipeline *p;
    ts_live_mode mode;
    alert_sig *stored; /* TS_LIVE_ALERTS: open addressing by uid, uid 0 = empty */
    size_t n_stored, cap_stored;
    size_t stored_now;                   /* alerts written by the checkpoint under way */
    char command[400];                   /* the runs' name: "watch", or a stream partition's */
    tocsin_code (*also_store)(void *ud); /* the caller's part of each checkpoint */
    void *also_ud;
    FILE *out;
    uint64_t *seen; /* hashes of the alerts printed (open addressing, 0 = empty) */
    size_t seen_n, seen_cap;
    inc_sig *incs; /* what each incident looked like when last printed */
    size_t n_incs, cap_incs;
    uint64_t events;
    uint64_t round;     /* checkpoints so far */
    ts_live_rows rows;  /* TS_LIVE_INCIDENTS: the partitions' alerts, as last read */
    bool quiet;         /* the checkpoint after a restart: what it shows was shown before */
    stored_map written; /* what the checkpoints stored of the incidents */
    struct kept {
        const char *change;     /* "new" or "changed", for each incident keep accepted */
        const ts_incident *inc; /* for the alert outputs */
        uint64_t sig;           /* incident_change's, noted once committed */
        size_t inc_at;          /* its place in incs */
        ts_incident_stored d;   /* what of it is stored already */
    } * kept;
    size_t n_changes, cap_changes;
} watch;

static stored_row *stored_find(const stored_map *m, uint64_t key)
{
    for (size_t k = m->cap ? key & (m->cap - 1) : 0; m->cap; k = (k + 1) & (m->cap - 1)) {
        if (m->v[k].key == key)
            return &m->v[k];
        if (!m->v[k].key)
            return NULL;
    }
    return NULL;
}

/* Notes key as stored; out of memory, it is not, and is written again next time. */
static void stored_put(stored_map *m, uint64_t key, uint64_t sig, uint64_t inc, int64_t row)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        stored_row *v = calloc(cap, sizeof *v);
        if (!v)
            return;
        for (size_t i = 0; i < m->cap; i++)
            for (size_t k = m->v[i].key & (cap - 1); m->v[i].key; k = (k + 1) & (cap - 1))
                if (!v[k].key) {
                    v[k] = m->v[i];
                    break;
                }
        free(m->v);
        m->v = v, m->cap = cap;
    }
    for (size_t k = key & (m->cap - 1);; k = (k + 1) & (m->cap - 1))
        if (m->v[k].key == key || !m->v[k].key) {
            m->n += !m->v[k].key;
            m->v[k] = (stored_row){key, sig, inc, row};
            return;
        }
}

/* The incident was removed (its links and entities with it): nothing of it is stored. */
static void stored_drop_incident(stored_map *m, uint64_t inc)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->v[i].key && m->v[i].inc == inc)
            m->v[i].sig = 0;
}

/* An alert as stored with an incident: what its row holds that a repeat changes. */
static uint64_t alert_state(const ts_alert *a)
{
    uint64_t h = ts_hash(TS_HASH_SEED, &a->count, sizeof a->count);
    h = ts_hash(ts_hash(ts_hash(h, &a->last_ns, sizeof a->last_ns), &a->severity, sizeof a->severity),
                &a->suppression, sizeof a->suppression);
    h = ts_hash_str(ts_hash_str(h, a->suppressed), a->suppression_note);
    return h ? h : 1;
}

static uint64_t entity_key(uint64_t inc, char kind, const char *name)
{
    uint64_t h = ts_hash_str(ts_hash(inc, &kind, 1), name);
    return h ? h : 1;
}

/* Adds h to the printed set; false when it was there already. */
static bool first_sight(watch *w, uint64_t h)
{
    if (2 * (w->seen_n + 1) > w->seen_cap) {
        size_t cap = w->seen_cap ? w->seen_cap * 2 : 256;
        uint64_t *v = calloc(cap, sizeof *v);
        if (!v)
            return true; /* printed again rather than lost */
        for (size_t i = 0; i < w->seen_cap; i++)
            if (w->seen[i])
                for (size_t k = w->seen[i] & (cap - 1);; k = (k + 1) & (cap - 1))
                    if (!v[k]) {
                        v[k] = w->seen[i];
                        break;
                    }
        free(w->seen);
        w->seen = v, w->seen_cap = cap;
    }
    for (size_t k = h & (w->seen_cap - 1);; k = (k + 1) & (w->seen_cap - 1)) {
        if (w->seen[k] == h)
            return false;
        if (!w->seen[k]) {
            w->seen[k] = h;
            w->seen_n++;
            return true;
        }
    }
}

static bool was_seen(const watch *w, uint64_t h)
{
    for (size_t k = w->seen_cap ? h & (w->seen_cap - 1) : 0; w->seen_cap; k = (k + 1) & (w->seen_cap - 1)) {
        if (w->seen[k] == h)
            return true;
        if (!w->seen[k])
            return false;
    }
    return false;
}

/* TS_LIVE_ALERTS: whether a is new or changed since it was last stored (its count, last
 * time, severity or suppression), noting it as stored. */
static int keep_alert(void *ud, const ts_alert *a)
{
    watch *w = ud;
    uint64_t uid = ts_alert_uid(a), sig = ts_hash(TS_HASH_SEED, &a->count, sizeof a->count);
    sig = ts_hash(ts_hash(ts_hash(sig, &a->last_ns, sizeof a->last_ns), &a->severity, sizeof a->severity),
                  &a->suppression, sizeof a->suppression);
    uid += !uid;
    if (2 * (w->n_stored + 1) > w->cap_stored) {
        size_t cap = w->cap_stored ? w->cap_stored * 2 : 256;
        alert_sig *v = calloc(cap, sizeof *v);
        if (!v)
            return !w->quiet; /* stored again rather than lost */
        for (size_t i = 0; i < w->cap_stored; i++)
            for (size_t k = w->stored[i].uid & (cap - 1); w->stored[i].uid; k = (k + 1) & (cap - 1))
                if (!v[k].uid) {
                    v[k] = w->stored[i];
                    break;
                }
        free(w->stored);
        w->stored = v, w->cap_stored = cap;
    }
    for (size_t k = uid & (w->cap_stored - 1);; k = (k + 1) & (w->cap_stored - 1)) {
        alert_sig *e = &w->stored[k];
        if (e->uid == uid && e->sig == sig)
            return 0;
        if (e->uid == uid || !e->uid) {
            w->n_stored += !e->uid;
            *e = (alert_sig){uid, sig};
            w->stored_now += !w->quiet; /* after a restart: stored before it */
            return !w->quiet;
        }
    }
}

/* TS_LIVE_ALERTS: every incident's alerts are looked at; keep_alert picks the changed. */
static int keep_all(void *ud, const ts_incident *inc)
{
    (void)ud, (void)inc;
    return 1;
}

/* Inside the checkpoint's transaction, before its commit: the alerts never sent go to the
 * outputs now, so that a kill between the commit and the sending cannot lose one (a kill
 * before the commit sends it again from the replay: the Redis output adds an id once). */
static void send_new(watch *w)
{
    for (size_t i = 0; w->t->alerts_out && !w->quiet && i < w->n_changes; i++)
        for (size_t k = 0; k < w->kept[i].inc->n_alerts; k++)
            if (!was_seen(w, ts_alert_uid(w->kept[i].inc->alerts[k])))
                ts_alert_out_send(w->t->alerts_out, w->kept[i].inc, w->kept[i].inc->alerts[k]);
}

/* Whether inc is new or changed since the last checkpoint ("new", "changed", NULL: not):
 * its alerts, their counts and last times, its severity. A change is noted by note_change
 * once stored: *sig is what inc looks like, *at its place in incs. */
static const char *incident_change(watch *w, const ts_incident *inc, uint64_t *sig, size_t *at)
{
    uint64_t h = ts_hash(TS_HASH_SEED, &inc->severity, sizeof inc->severity);
    for (size_t i = 0; i < inc->n_alerts; i++)
        h = ts_hash(ts_hash(h, &inc->alerts[i]->count, sizeof inc->alerts[i]->count),
                    &inc->alerts[i]->last_ns, sizeof inc->alerts[i]->last_ns);
    *sig = h;
    for (size_t i = 0; i < w->n_incs; i++) {
        if (strcmp(w->incs[i].id, inc->id) != 0)
            continue;
        w->incs[i].round = w->round;
        *at = i;
        return w->incs[i].sig == h ? NULL : "changed";
    }
    if (!ts_vec_grow(w->incs, w->cap_incs, w->n_incs + 1, TS_VEC_NOCAP)) {
        *at = SIZE_MAX;
        return "new";
    }
    inc_sig *s = &w->incs[w->n_incs];
    *at = w->n_incs++;
    snprintf(s->id, sizeof s->id, "%s", inc->id);
    s->sig = 0; /* not stored yet */
    s->round = w->round;
    return "new";
}

static void iso_time(int64_t ns, char *buf, size_t cap)
{
    time_t secs = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void print_alert(watch *w, const ts_incident *inc, const ts_alert *a)
{
    char when[32];
    iso_time(a->first_ns, when, sizeof when);
    if (w->t->o.json) {
        ts_jw j;
        ts_jw_begin(&j, w->out);
        ts_jw_kstr(&j, "type", "alert");
        ts_jw_kstr(&j, "incident", inc->id);
        ts_jw_kstr(&j, "detector", a->detector);
        ts_jw_kstr(&j, "key", a->key);
        ts_jw_kstr(&j, "title", a->title);
        ts_jw_kint(&j, "severity", a->severity);
        ts_jw_kstr(&j, "time", when);
        ts_jw_kint(&j, "first_ns", a->first_ns);
        ts_jw_kstr(&j, "host", a->internal_host);
        ts_jw_kstr(&j, "user", a->user);
        ts_jw_kstr(&j, "file", a->file);
        ts_jw_kuint(&j, "line", a->line);
        ts_jw_kbool(&j, "suppressed", a->suppression != 0);
        ts_jw_end(&j);
        return;
    }
    fprintf(w->out, "%s ALERT %s severity %u %s: ", when, inc->id, (unsigned)a->severity, a->detector);
    ts_fputs_term(a->title ? a->title : a->key, w->out);
    fputs(" (", w->out);
    ts_fputs_term(a->file ? a->file : "-", w->out);
    fprintf(w->out, ":%llu)%s\n", (unsigned long long)a->line, a->suppression ? " [suppressed]" : "");
}

static void print_incident(watch *w, const ts_incident *inc, const char *change)
{
    const char *verdict = inc->attribution ? inc->attribution->summary : NULL;
    uint64_t events = 0;
    for (size_t i = 0; i < inc->n_alerts; i++)
        events += inc->alerts[i]->count;
    if (w->t->o.json) {
        ts_jw j;
        ts_jw_begin(&j, w->out);
        ts_jw_kstr(&j, "type", "incident");
        ts_jw_kstr(&j, "id", inc->id);
        ts_jw_kstr(&j, "change", change);
        ts_jw_kint(&j, "severity", inc->severity);
        ts_jw_kuint(&j, "alerts", inc->n_alerts);
        ts_jw_kuint(&j, "events", events);
        ts_jw_kint(&j, "first_ns", inc->first_ns);
        ts_jw_kint(&j, "last_ns", inc->last_ns);
        ts_jw_key(&j, "hosts");
        ts_jw_arr(&j);
        for (size_t i = 0; i < inc->n_hosts; i++)
            ts_jw_str(&j, inc->hosts[i]);
        ts_jw_arr_end(&j);
        ts_jw_key(&j, "users");
        ts_jw_arr(&j);
        for (size_t i = 0; i < inc->n_users; i++)
            ts_jw_str(&j, inc->users[i]);
        ts_jw_arr_end(&j);
        ts_jw_kstr(&j, "attribution", verdict);
        ts_jw_end(&j);
        return;
    }
    char when[32];
    iso_time(inc->last_ns, when, sizeof when);
    fprintf(w->out, "%s INCIDENT %s %s: severity %u, %zu alerts, %llu events", when, inc->id, change,
            (unsigned)inc->severity, inc->n_alerts, (unsigned long long)events);
    if (inc->n_hosts) {
        fputs(", host ", w->out);
        ts_fputs_term(inc->hosts[0], w->out);
    }
    if (verdict) {
        fputs("; ", w->out);
        ts_fputs_term(verdict, w->out);
    }
    fputc('\n', w->out);
}

/* What of inc is stored as it is (d, its arrays allocated here; left empty, and so
 * written whole, when out of memory). */
static void stored_part(watch *w, const ts_incident *inc, ts_incident_stored *d)
{
    int64_t *ids = calloc(inc->n_alerts + 1, sizeof *ids);
    bool *same = calloc(inc->n_alerts + inc->n_hosts + inc->n_users + 1, sizeof *same);
    if (!ids || !same) {
        free(ids);
        free(same);
        return;
    }
    uint64_t ih = ts_hash_str(TS_HASH_SEED, inc->id);
    for (size_t i = 0; i < inc->n_alerts; i++) {
        const stored_row *r = stored_find(&w->written, ts_alert_uid(inc->alerts[i]));
        if (r && r->inc == ih && r->sig == alert_state(inc->alerts[i]))
            same[i] = true, ids[i] = r->row;
    }
    bool *host = same + inc->n_alerts, *user = host + inc->n_hosts;
    for (size_t i = 0; i < inc->n_hosts; i++) {
        const stored_row *r = stored_find(&w->written, entity_key(ih, 'h', inc->hosts[i]));
        host[i] = r && r->sig;
    }
    for (size_t i = 0; i < inc->n_users; i++) {
        const stored_row *r = stored_find(&w->written, entity_key(ih, 'u', inc->users[i]));
        user[i] = r && r->sig;
    }
    *d = (ts_incident_stored){ids, same, host, user};
}

/* After the commit: what the checkpoint stored of each incident, and how it looked. */
static void note_stored(watch *w)
{
    for (size_t i = 0; i < w->n_changes; i++) {
        const struct kept *k = &w->kept[i];
        const ts_incident *inc = k->inc;
        if (k->inc_at < w->n_incs && strcmp(w->incs[k->inc_at].id, inc->id) == 0)
            w->incs[k->inc_at].sig = k->sig;
        if (!k->d.ids)
            continue;
        uint64_t ih = ts_hash_str(TS_HASH_SEED, inc->id);
        for (size_t a = 0; a < inc->n_alerts; a++)
            stored_put(&w->written, ts_alert_uid(inc->alerts[a]), alert_state(inc->alerts[a]), ih,
                       k->d.ids[a]);
        for (size_t h = 0; h < inc->n_hosts; h++)
            stored_put(&w->written, entity_key(ih, 'h', inc->hosts[h]), 1, ih, 0);
        for (size_t u = 0; u < inc->n_users; u++)
            stored_put(&w->written, entity_key(ih, 'u', inc->users[u]), 1, ih, 0);
    }
}

static void drop_kept(watch *w)
{
    for (size_t i = 0; i < w->n_changes; i++) {
        free(w->kept[i].d.ids);
        free((bool *)w->kept[i].d.unchanged); /* host_stored and user_stored are in it */
    }
    w->n_changes = 0;
}

/* Only new and changed incidents are attributed, stored and printed; what the change was
 * is kept for printing, in the order keep saw them, with what of each is stored already. */
static int keep(void *ud, const ts_incident *inc)
{
    watch *w = ud;
    uint64_t sig;
    size_t at;
    const char *change = incident_change(w, inc, &sig, &at);
    if (!change)
        return 0;
    if (!ts_vec_grow(w->kept, w->cap_changes, w->n_changes + 1, TS_VEC_NOCAP)) {
        if (at < w->n_incs)
            w->incs[at].sig = sig; /* noted now: written whole, printed as "changed" */
        return 1;
    }
    struct kept *k = &w->kept[w->n_changes++];
    *k = (struct kept){change, inc, sig, at, {0}};
    stored_part(w, inc, &k->d);
    return 1;
}

static const ts_incident_stored *stored(void *ud, size_t i, const ts_incident *inc)
{
    watch *w = ud;
    return i < w->n_changes && w->kept[i].inc == inc && w->kept[i].d.ids ? &w->kept[i].d : NULL;
}

/* After the commit: the alerts never printed, then each new or changed incident. */
static void changed(void *ud, ts_incident *const *inc, size_t n)
{
    watch *w = ud;
    note_stored(w);
    for (size_t i = 0; i < n; i++) {
        const char *change = i < w->n_changes ? w->kept[i].change : "changed";
        for (size_t k = 0; k < inc[i]->n_alerts; k++)
            if (first_sight(w, ts_alert_uid(inc[i]->alerts[k])) && !w->quiet) {
                print_alert(w, inc[i], inc[i]->alerts[k]);
                if (w->t->alerts_out && i >= w->n_changes) /* keep could not note it */
                    ts_alert_out_send(w->t->alerts_out, inc[i], inc[i]->alerts[k]);
            }
        if (!w->quiet)
            print_incident(w, inc[i], change);
    }
    fflush(w->out);
}

/* An incident this checkpoint did not form was joined to another, which took the id of
 * its earliest alert: the old one goes, as a batch hunt would never have made it. */
static tocsin_code forget_merged(watch *w)
{
    tocsin_code rc = TOCSIN_OK;
    for (size_t i = 0; i < w->n_incs && rc == TOCSIN_OK;) {
        if (w->incs[i].round == w->round) {
            i++;
            continue;
        }
        rc = ts_store_incident_forget(w->t->store, w->incs[i].id);
        stored_drop_incident(&w->written, ts_hash_str(TS_HASH_SEED, w->incs[i].id));
        if (rc == TOCSIN_OK && !w->quiet) {
            if (w->t->o.json) {
                ts_jw j;
                ts_jw_begin(&j, w->out);
                ts_jw_kstr(&j, "type", "incident");
                ts_jw_kstr(&j, "id", w->incs[i].id);
                ts_jw_kstr(&j, "change", "merged");
                ts_jw_end(&j);
            } else {
                fprintf(w->out, "INCIDENT %s merged into another (below)\n", w->incs[i].id);
            }
        }
        w->incs[i] = w->incs[--w->n_incs];
    }
    return rc;
}

/* Inside the checkpoint's transaction, after its incidents. */
static tocsin_code store_more(void *ud)
{
    watch *w = ud;
    tocsin_code rc = forget_merged(w);
    if (rc == TOCSIN_OK)
        send_new(w);
    return rc == TOCSIN_OK && w->also_store ? w->also_store(w->also_ud) : rc;
}

uint64_t ts_live_feed(ts_live *w, const char *name, const ts_reader *r, const char *data, size_t len,
                      uint64_t lines_before)
{
    ts_input *in;
    if (ts_input_open_mem(name, data, len, lines_before, &in) != TOCSIN_OK) {
        ts_session_diag(w->t, name, 0, "out of memory");
        return 0;
    }
    uint64_t n = ts_pipeline_read(w->p, in, r);
    ts_input_close(in);
    w->events += n;
    return n;
}

static tocsin_code caller_store(void *ud)
{
    watch *w = ud;
    return w->also_store ? w->also_store(w->also_ud) : TOCSIN_OK;
}

tocsin_code ts_live_checkpoint(ts_live *w, int final)
{
    ts_pipeline_hooks hooks = {keep, store_more, changed, w, NULL, stored};
    if (w->mode == TS_LIVE_ALERTS)
        hooks = (ts_pipeline_hooks){keep_all, caller_store, NULL, w, keep_alert, NULL};
    drop_kept(w);
    w->stored_now = 0;
    w->round++;
    return ts_pipeline_checkpoint(w->p, final, &hooks);
}

size_t ts_live_alerts_stored(const ts_live *w)
{
    return w->stored_now;
}

tocsin_code ts_live_correlate(ts_live *w, const char *prefix, int (*want)(void *ud, const char *command),
                              void *ud)
{
    size_t n = 0;
    tocsin_code rc = ts_live_reload_changed(w->t->store, w->t->intel, w->p, prefix, want, ud, &w->rows, &n);
    if (rc == TOCSIN_E_DB)
        return ts_session_fail(w->t, rc, "%s", ts_store_error(w->t->store));
    return rc == TOCSIN_OK ? ts_live_checkpoint(w, 0) : rc;
}

void ts_live_close(ts_live *w)
{
    if (!w)
        return;
    ts_pipeline_close(w->p);
    ts_live_rows_clear(&w->rows);
    free(w->seen);
    free(w->incs);
    drop_kept(w);
    free(w->kept);
    free(w->written.v);
    free(w->stored);
    free(w);
}

/* A partition's own runs: the command exactly, not a longer one ("watch@ev:p1" is not
 * "watch@ev:p10"). */
static int same_command(void *ud, const char *command)
{
    return strcmp(((watch *)ud)->command, command) == 0;
}

tocsin_code ts_live_open(tocsin *t, const char *command, const char *part, ts_live_mode mode,
                         tocsin_code (*also_store)(void *ud), void *ud, ts_live **out)
{
    *out = NULL;
    watch *w = calloc(1, sizeof *w);
    if (!w)
        return TOCSIN_E_NOMEM;
    w->t = t, w->out = t->out ? t->out : stdout, w->also_store = also_store, w->also_ud = ud;
    w->mode = mode;
    w->rows.since = -1;
    snprintf(w->command, sizeof w->command, "%s", command);
    tocsin_code rc = mode == TS_LIVE_INCIDENTS ? ts_pipeline_open_correlator(t, command, &w->p)
                                               : ts_pipeline_open_part(t, command, part, &w->p);
    size_t reloaded = 0;
    /* A partition whose incidents are formed elsewhere has stored alerts, not incidents. */
    if (rc == TOCSIN_OK && mode == TS_LIVE_ALERTS)
        rc = ts_live_reload_runs(t->store, t->intel, w->p, w->command, same_command, w, &reloaded);
    else if (rc == TOCSIN_OK)
        rc = ts_live_reload(t->store, t->intel, w->p, w->command, &reloaded);
    if (rc == TOCSIN_E_DB)
        rc = ts_session_fail(t, rc, "%s", ts_store_error(t->store));
    if (rc == TOCSIN_OK && reloaded) { /* what it shows was shown before the restart */
        w->quiet = true;
        rc = ts_live_checkpoint(w, 0);
        w->quiet = false;
    }
    if (rc != TOCSIN_OK) {
        ts_live_close(w);
        return rc;
    }
    *out = w;
    return TOCSIN_OK;
}

typedef struct files {
    ts_live *w;
    ts_tail *tail;
} files;

static tocsin_code save_positions(void *ud)
{
    return ts_tail_save(((files *)ud)->tail);
}

static void on_chunk(void *ud, const char *name, const ts_reader *r, const char *data, size_t len,
                     size_t header, uint64_t lines_before)
{
    (void)header; /* a reader takes the header with the lines */
    ts_live_feed(((files *)ud)->w, name, r, data, len, lines_before);
}

static tocsin_code checkpoint(files *f, int final)
{
    tocsin_code rc = ts_live_checkpoint(f->w, final);
    if (rc == TOCSIN_OK)
        ts_tail_saved(f->tail);
    return rc;
}

static void pause_for(double secs)
{
    struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    nanosleep(&ts, NULL); /* a signal ends it early: the loop then sees the stop flag */
}

tocsin_code tocsin_watch(tocsin *t, const char *const *paths, size_t npaths, const tocsin_watch_options *wo)
{
    files f = {0};
    double interval = wo && wo->interval > 0 ? wo->interval : 0.2;
    if (!npaths)
        return ts_session_fail(t, TOCSIN_E_ARG, "watch: name at least one file or directory to follow");
    f.tail = ts_tail_new(t->store, paths, npaths, ts_session_diag_fn, t);
    if (!f.tail)
        return TOCSIN_E_NOMEM;
    tocsin_code rc = ts_live_open(t, "watch", NULL, TS_LIVE_ALL, save_positions, &f, &f.w);
    for (; rc == TOCSIN_OK;) {
        bool stopping = wo && wo->stop && *wo->stop;
        uint64_t bytes = ts_tail_poll(f.tail, on_chunk, &f);
        if (bytes || stopping)
            rc = checkpoint(&f, stopping);
        if (rc != TOCSIN_OK || stopping)
            break;
        if (!bytes)
            pause_for(interval);
    }
    ts_tail_free(f.tail);
    ts_live_close(f.w);
    return rc;
}
