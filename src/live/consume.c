/* consume.c: `tocsin watch --redis`, one worker of a consumer group over a Redis stream of
 * records (tocsin ship's, or Suricata's own redis output in stream mode).
 *
 * The stream is split in partitions (KEY:p0 .. KEY:pN-1, or KEY alone), each owned by one
 * worker at a time through a lease (KEY:lease:pN, SET NX PX, renewed). A partition has its
 * own pipeline, whose detector state and last committed entry id are stored with the alerts
 * it made in one transaction; entries are acknowledged (XACK) only after that commit. A
 * worker that takes a partition over claims what the last owner left pending (XAUTOCLAIM,
 * once idle long enough), acknowledges without reading again those up to the committed id,
 * and reads on from there: nothing is lost, nothing counted twice. Entries that cannot be
 * read, and entries delivered too often without being committed, go to KEY:dead with the
 * reason. Each owner trims its partitions below what every group has acknowledged. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/session.h"
#include "core/hash.h"
#include "core/json.h"
#include "live/entry.h"
#include "live/live.h"
#include "core/rconn.h"
#include "core/vec.h"

#define MAX_PARTS 1024
#define READ_COUNT 512 /* entries read at once per partition */
#define GAP_FILL 64    /* missing lines filled with empty ones to keep one piece */
#define HEADER_CACHE 32
#define DEAD_DATA_MAX 4096   /* bytes of a bad entry's data kept in the dead-letter stream */
#define TRIM_EVERY 5.0       /* seconds */
#define COMMIT_ENTRIES 65536 /* a backlog is committed at least this often */
#define COMMIT_SECONDS 1.0
/* A backlog is committed no more often than this many times the last commit took: a
   commit writes every detector's state, which grows with what they watch, so checkpoints
   take a bounded share of the time (about a tenth) rather than most of it. */
#define COMMIT_SHARE 10
#define CORRELATE_SECONDS 0.2 /* incidents across partitions are formed at most this often */

/* Renews a lease only while it is still ours; releases it the same way. */
static const char RENEW[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                            "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
static const char RELEASE[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                              "return redis.call('DEL', KEYS[1]) end return 0";

typedef enum { P_FREE, P_CLAIM, P_DRAIN, P_LIVE } pstate;

typedef struct worker worker;

typedef struct eid {
    uint64_t ms, seq;
} eid;

typedef struct part {
    worker *w;
    unsigned idx;
    pstate st;
    char stream[300], lease[320], suffix[320], command[340], posname[400], alertsname[400];
    ts_live *live;
    eid last;        /* the last entry id committed with the findings */
    eid fed;         /* the last entry fed since (committed at the next checkpoint) */
    char (*ack)[48]; /* ids to acknowledge after the commit */
    size_t nack, capack;
    bool fed_any;
    double fed_since; /* when the oldest entry not yet committed was read */
    double commit_s;  /* how long its last commit took */
} part;

typedef struct hdr {
    char id[17];
    char *text;
    size_t len;
} hdr;

struct worker {
    tocsin *t;
    const tocsin_stream_options *o;
    ts_redis *r;
    part *p;
    unsigned nparts, owned;
    char key[256], dead[300], workers[300], hdrkey[300], metakey[300];
    double lease_s, claim_idle_s, next_beat, next_trim;
    unsigned max_deliveries;
    size_t max_entry;
    bool groups_made;
    hdr headers[HEADER_CACHE];
    size_t next_hdr;
    ts_json *json;
    /* the piece being gathered: consecutive lines of one file */
    char *buf;
    size_t nbuf, capbuf;
    const ts_reader *g_reader;
    char g_file[1024], g_header[17];
    uint64_t g_first, g_next;
    size_t g_hdr_len;
    uint64_t entries, events, dead_count;
    /* With several partitions, one worker at a time (the lease KEY:lease:GROUP:incidents)
       forms the incidents of every partition's stored alerts. */
    ts_live *inc;
    char inc_lease[320], inc_command[340], run_prefix[320];
    uint64_t inc_sig; /* the partitions' alert marks it last formed incidents for */
    bool inc_formed;
    double next_corr, corr_s; /* when it may form them next; how long that took last */
    bool backlog;             /* the last read filled a batch: entries are waiting */
    bool own_alerts;          /* this worker's partitions stored alerts since it formed them */
    unsigned *asked;          /* the partitions of the read asked ahead (read_ahead) */
    size_t n_asked;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_for(double secs)
{
    struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    nanosleep(&ts, NULL);
}

static void say(worker *w, const char *fmt, const char *a, const char *b)
{
    char msg[800];
    snprintf(msg, sizeof msg, fmt, a, b);
    ts_session_diag(w->t, w->key, 0, "%s", msg);
}

/* ---- entry ids ----------------------------------------------------------------------- */

static bool eid_parse(const char *s, size_t n, eid *out)
{
    uint64_t v[2] = {0, 0};
    int k = 0;
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-' && k == 0) {
            k = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || v[k] > UINT64_MAX / 10 - 1)
            return false;
        v[k] = v[k] * 10 + (uint64_t)(s[i] - '0');
    }
    out->ms = v[0], out->seq = v[1];
    return true;
}

static int eid_cmp(eid a, eid b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    return a.seq < b.seq ? -1 : a.seq > b.seq;
}

static void eid_str(eid e, char *buf, size_t cap)
{
    snprintf(buf, cap, "%llu-%llu", (unsigned long long)e.ms, (unsigned long long)e.seq);
}

/* ---- partitions: leases, pipelines, the committed position ------------------------- */

/* Inside the partition's checkpoint transaction: the last entry id its findings cover,
 * and, when it stored alerts for the incidents' owner, that id again as the partition's
 * alert mark (the owner forms incidents again when a mark moved). */
static tocsin_code store_position(void *ud)
{
    part *p = ud;
    char id[48];
    if (!p->fed_any)
        return TOCSIN_OK;
    eid_str(p->fed, id, sizeof id);
    tocsin_code rc = ts_store_state_put(p->w->t->store, p->posname, 0, id, strlen(id));
    if (rc == TOCSIN_OK && p->w->nparts > 1 && ts_live_alerts_stored(p->live)) {
        rc = ts_store_state_put(p->w->t->store, p->alertsname, 0, id, strlen(id));
        p->w->own_alerts = true;
    }
    return rc;
}

static bool open_part(worker *w, part *p)
{
    void *blob = NULL;
    size_t len = 0;
    p->last = (eid){0, 0};
    if (ts_store_state_get(w->t->store, p->posname, &blob, &len) != TOCSIN_OK) {
        say(w, "%s%s", ts_store_error(w->t->store), "");
        return false;
    }
    if (blob && !eid_parse(blob, len, &p->last))
        say(w,
            "partition %s: the stored position is unreadable; it starts from the stream's pending entries%s",
            p->stream, "");
    free(blob);
    p->fed = p->last;
    p->fed_any = false;
    p->nack = 0;
    ts_live_mode mode = w->nparts > 1 ? TS_LIVE_ALERTS : TS_LIVE_ALL;
    if (ts_live_open(w->t, p->command, p->suffix, mode, store_position, p, &p->live) != TOCSIN_OK) {
        say(w, "partition %s: %s", p->stream, tocsin_last_error(w->t));
        return false;
    }
    p->st = P_CLAIM;
    w->owned++;
    return true;
}

/* Gives a partition up: what was fed and not committed is dropped (its entries are still
 * pending, for whoever owns it next, or for this worker when it reopens it). */
static void close_part(worker *w, part *p, bool release)
{
    if (p->st == P_FREE)
        return;
    ts_live_close(p->live);
    p->live = NULL;
    p->st = P_FREE;
    p->nack = 0;
    w->owned--;
    if (release) {
        redisReply *rep = ts_redis_cmd(w->r, "EVAL %s 1 %s %s", RELEASE, p->lease, w->o->consumer);
        freeReplyObject(rep);
    }
}

/* After a failure between feeding and committing: the pipeline's memory is ahead of the
 * store, so it is opened again from the store; its entries are read again from the PEL. */
static void reset_part(worker *w, part *p)
{
    close_part(w, p, false);
    open_part(w, p);
}

static long long lease_ms(const worker *w)
{
    return (long long)(w->lease_s * 1000);
}

/* 1 still ours, 0 lost, -1 Redis is down. */
static int renew(worker *w, part *p)
{
    redisReply *rep =
        ts_redis_cmd(w->r, "EVAL %s 1 %s %s %lld", RENEW, p->lease, w->o->consumer, lease_ms(w));
    if (!rep)
        return -1;
    int ok = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
    freeReplyObject(rep);
    return ok;
}

static void make_groups(worker *w)
{
    for (unsigned i = 0; i < w->nparts; i++) {
        redisReply *rep = ts_redis_cmd(w->r, "XGROUP CREATE %s %s 0 MKSTREAM", w->p[i].stream, w->o->group);
        if (!rep)
            return;
        if (rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "BUSYGROUP", 9) != 0)
            say(w, "XGROUP CREATE %s: %s", w->p[i].stream, rep->str);
        freeReplyObject(rep);
    }
    w->groups_made = true;
}

/* ---- incidents across partitions ---------------------------------------------------- */

/* A run of one of this stream's partitions: the prefix "watch@KEY:p", then a partition. */
static int partition_run(void *ud, const char *command)
{
    const worker *w = ud;
    const char *c = command + strlen(w->run_prefix);
    unsigned i = 0;
    if (!*c)
        return 0;
    for (; *c; c++) {
        if (*c < '0' || *c > '9' || i > MAX_PARTS)
            return 0;
        i = i * 10 + (unsigned)(*c - '0');
    }
    return i < w->nparts;
}

static void drop_incidents(worker *w, bool release)
{
    if (!w->inc)
        return;
    ts_live_close(w->inc);
    w->inc = NULL;
    if (release) {
        redisReply *rep = ts_redis_cmd(w->r, "EVAL %s 1 %s %s", RELEASE, w->inc_lease, w->o->consumer);
        freeReplyObject(rep);
    }
}

/* Keeps, takes or gives up the incidents' lease (the workers share it like a partition's). */
static void own_incidents(worker *w)
{
    if (w->nparts < 2)
        return;
    redisReply *rep;
    if (w->inc) {
        rep = ts_redis_cmd(w->r, "EVAL %s 1 %s %s %lld", RENEW, w->inc_lease, w->o->consumer,
                           (long long)(w->lease_s * 1000));
        bool ours = ts_redis_is(rep, REDIS_REPLY_INTEGER) && rep->integer == 1;
        if (rep && !ours) {
            say(w, "the incidents of %s: the lease was lost (taken over after a stall?): given up%s", w->key,
                "");
            drop_incidents(w, false);
        }
        freeReplyObject(rep);
        return;
    }
    rep = ts_redis_cmd(w->r, "SET %s %s NX PX %lld", w->inc_lease, w->o->consumer,
                       (long long)(w->lease_s * 1000));
    bool got = ts_redis_is(rep, REDIS_REPLY_STATUS);
    freeReplyObject(rep);
    if (!got) { /* ours already: this consumer restarted before it expired */
        rep = ts_redis_cmd(w->r, "EVAL %s 1 %s %s %lld", RENEW, w->inc_lease, w->o->consumer,
                           (long long)(w->lease_s * 1000));
        got = ts_redis_is(rep, REDIS_REPLY_INTEGER) && rep->integer == 1;
        freeReplyObject(rep);
    }
    if (!got)
        return;
    if (ts_live_open(w->t, w->inc_command, NULL, TS_LIVE_INCIDENTS, NULL, NULL, &w->inc) != TOCSIN_OK) {
        say(w, "the incidents of %s: %s", w->key, tocsin_last_error(w->t));
        w->inc = NULL;
        rep = ts_redis_cmd(w->r, "EVAL %s 1 %s %s", RELEASE, w->inc_lease, w->o->consumer);
        freeReplyObject(rep);
        return;
    }
    w->inc_formed = false;
}

/* The partitions' alert marks, hashed: they move at each commit that stored alerts. Read
 * before the alerts, so a commit the alerts missed moves a mark read next time. */
static bool alert_marks(worker *w, uint64_t *sig)
{
    *sig = TS_HASH_SEED;
    for (unsigned i = 0; i < w->nparts; i++) {
        void *blob = NULL;
        size_t len = 0;
        if (ts_store_state_get(w->t->store, w->p[i].alertsname, &blob, &len) != TOCSIN_OK) {
            say(w, "%s%s", ts_store_error(w->t->store), "");
            return false;
        }
        *sig = ts_hash(ts_hash(*sig, &len, sizeof len), blob ? blob : "", len);
        free(blob);
    }
    return true;
}

/* The owner of the incidents forms them again from every partition's stored alerts when
 * some partition stored alerts since: at once when its own partitions did and no entries
 * are waiting, else looking every CORRELATE_SECONDS, and while entries are waiting no more
 * than a tenth of the time (COMMIT_SHARE: a round reads only the changed alerts, but
 * correlates them all again, from memory); when final, once more. */
static void correlate(worker *w, bool final)
{
    double start = now_s();
    uint64_t sig;
    if (!w->inc || (!final && start < w->next_corr && !(w->own_alerts && !w->backlog)))
        return;
    w->own_alerts = false;
    w->next_corr = start + CORRELATE_SECONDS;
    if (w->backlog && start + COMMIT_SHARE * w->corr_s > w->next_corr)
        w->next_corr = start + COMMIT_SHARE * w->corr_s;
    if (!alert_marks(w, &sig) || (w->inc_formed && sig == w->inc_sig))
        return;
    redisReply *rep = ts_redis_cmd(w->r, "EVAL %s 1 %s %s %lld", RENEW, w->inc_lease, w->o->consumer,
                                   (long long)(w->lease_s * 1000));
    bool ours = ts_redis_is(rep, REDIS_REPLY_INTEGER) && rep->integer == 1;
    freeReplyObject(rep);
    if (!ours) { /* lost, or Redis is down: not written without the lease */
        if (rep)
            drop_incidents(w, false);
        return;
    }
    if (ts_live_correlate(w->inc, w->run_prefix, partition_run, w) != TOCSIN_OK) {
        say(w, "the incidents of %s: %s: formed again at the next round", w->key, tocsin_last_error(w->t));
        return;
    }
    w->inc_sig = sig;
    w->inc_formed = true;
    w->corr_s = now_s() - start;
}

/* Heartbeat, then each partition kept, given up or taken so that every live worker owns
 * about as many (ceil(N / workers)). */
static void balance(worker *w)
{
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    long long now_ms = (long long)rt.tv_sec * 1000 + rt.tv_nsec / 1000000;
    redisReply *rep = ts_redis_cmd(w->r, "ZADD %s %lld %s", w->workers, now_ms, w->o->consumer);
    freeReplyObject(rep);
    rep = ts_redis_cmd(w->r, "ZREMRANGEBYSCORE %s -inf %lld", w->workers, now_ms - lease_ms(w));
    freeReplyObject(rep);
    rep = ts_redis_cmd(w->r, "ZCARD %s", w->workers);
    long long live = ts_redis_is(rep, REDIS_REPLY_INTEGER) && rep->integer > 0 ? rep->integer : 1;
    freeReplyObject(rep);
    if (!rep)
        return;
    own_incidents(w);
    unsigned target = (unsigned)((w->nparts + live - 1) / live);
    for (unsigned i = 0; i < w->nparts; i++) {
        part *p = &w->p[i];
        if (p->st == P_FREE)
            continue;
        int r = renew(w, p);
        if (r == 0) {
            say(w, "partition %s: its lease was lost (taken over after a stall?): given up%s", p->stream, "");
            close_part(w, p, false);
        } else if (r > 0 && w->owned > target && p->st == P_LIVE && !p->nack) {
            close_part(w, p, true); /* all it read is committed and acknowledged */
        }
    }
    for (unsigned k = 0; k < w->nparts && w->owned < target; k++) {
        /* start at a place of our own, so that workers starting together take different ones */
        unsigned i = (unsigned)((k + (unsigned)(now_ms / 7)) % w->nparts);
        part *p = &w->p[i];
        if (p->st != P_FREE)
            continue;
        rep = ts_redis_cmd(w->r, "SET %s %s NX PX %lld", p->lease, w->o->consumer, lease_ms(w));
        bool got = ts_redis_is(rep, REDIS_REPLY_STATUS);
        freeReplyObject(rep);
        if (!got && renew(w, p) == 1) /* ours already: this consumer restarted before it expired */
            got = true;
        if (got && !open_part(w, p)) {
            rep = ts_redis_cmd(w->r, "EVAL %s 1 %s %s", RELEASE, p->lease, w->o->consumer);
            freeReplyObject(rep);
        }
    }
}

/* ---- the dead-letter stream ---------------------------------------------------------- */

static void dead_letter(worker *w, part *p, const char *id, const char *reason, const char *file,
                        const char *line, const char *data, size_t dlen)
{
    const char *argv[] = {"XADD",
                          w->dead,
                          "*",
                          "stream",
                          p->stream,
                          "id",
                          id,
                          "reason",
                          reason,
                          "consumer",
                          w->o->consumer,
                          "file",
                          file ? file : "",
                          "line",
                          line ? line : "",
                          "data",
                          data ? data : ""};
    size_t lens[17];
    for (int i = 0; i < 16; i++)
        lens[i] = strlen(argv[i]);
    lens[16] = data ? (dlen < DEAD_DATA_MAX ? dlen : DEAD_DATA_MAX) : 0;
    redisReply *rep = ts_redis_argv(w->r, 17, argv, lens);
    freeReplyObject(rep);
    w->dead_count++;
    char msg[1400];
    snprintf(msg, sizeof msg, "entry %s of %s: %s: sent to %s", id, p->stream, reason, w->dead);
    ts_session_diag(w->t, file ? file : w->key, 0, "%s", msg);
}

/* ---- reading entries ----------------------------------------------------------------- */

/* The text of a Zeek header named by id (cached; KEY:headers holds them); NULL when it is
 * not there. */
static const hdr *header_of(worker *w, const char *id)
{
    for (size_t i = 0; i < HEADER_CACHE; i++)
        if (w->headers[i].text && strcmp(w->headers[i].id, id) == 0)
            return &w->headers[i];
    redisReply *rep = ts_redis_cmd(w->r, "HGET %s %s", w->hdrkey, id);
    if (!ts_redis_is(rep, REDIS_REPLY_STRING)) {
        freeReplyObject(rep);
        return NULL;
    }
    hdr *h = &w->headers[w->next_hdr++ % HEADER_CACHE];
    free(h->text);
    h->text = malloc((size_t)rep->len + 1);
    if (h->text) {
        memcpy(h->text, rep->str, (size_t)rep->len);
        h->text[rep->len] = 0;
        h->len = (size_t)rep->len;
        snprintf(h->id, sizeof h->id, "%s", id);
    }
    freeReplyObject(rep);
    return h->text ? h : NULL;
}

/* Reads the gathered piece through the partition's pipeline. */
static void flush_piece(worker *w, part *p)
{
    if (!w->g_reader)
        return;
    uint64_t lines_before = w->g_first - 1;
    for (size_t i = 0; i < w->g_hdr_len; i++)
        lines_before -= w->buf[i] == '\n' && lines_before > 0;
    w->events += ts_live_feed(p->live, w->g_file, w->g_reader, w->buf, w->nbuf, lines_before);
    w->g_reader = NULL;
    w->nbuf = 0;
}

/* Adds one line to the piece, starting a new one when it is of another file, reader or
 * header, or too far from the last line (a few missing lines, which went to other
 * partitions, are filled with empty lines so that the line numbers stay the file's). */
static bool add_line(worker *w, part *p, const ts_reader *r, const char *file, uint64_t line, const hdr *h,
                     const char *data, size_t len)
{
    bool same = w->g_reader == r && strcmp(w->g_file, file) == 0 &&
                strcmp(w->g_header, h ? h->id : "") == 0 && line >= w->g_next && line - w->g_next <= GAP_FILL;
    if (!same) {
        flush_piece(w, p);
        w->g_reader = r;
        snprintf(w->g_file, sizeof w->g_file, "%s", file);
        snprintf(w->g_header, sizeof w->g_header, "%s", h ? h->id : "");
        w->g_first = w->g_next = line;
        w->g_hdr_len = 0;
        if (h) {
            if (!ts_vec_grow(w->buf, w->capbuf, h->len + 1, TS_VEC_NOCAP))
                return false;
            memcpy(w->buf, h->text, h->len);
            w->nbuf = w->g_hdr_len = h->len;
        }
    }
    size_t gap = (size_t)(line - w->g_next);
    if (!ts_vec_grow(w->buf, w->capbuf, w->nbuf + gap + len + 1, TS_VEC_NOCAP))
        return false;
    memset(w->buf + w->nbuf, '\n', gap);
    w->nbuf += gap;
    memcpy(w->buf + w->nbuf, data, len);
    w->nbuf += len;
    w->buf[w->nbuf++] = '\n';
    w->g_next = line + 1;
    return true;
}

static void fields_of(const redisReply *kv, ts_entry *e)
{
    memset(e, 0, sizeof *e);
    for (size_t i = 0; kv && kv->type == REDIS_REPLY_ARRAY && i + 1 < kv->elements; i += 2) {
        const redisReply *k = kv->element[i], *v = kv->element[i + 1];
        if (k->type == REDIS_REPLY_STRING && v->type == REDIS_REPLY_STRING)
            ts_entry_field(e, k->str, (size_t)k->len, v->str, (size_t)v->len);
    }
}

/* One entry: fed into the piece, or sent to the dead-letter stream with the reason. */
static void take_entry(worker *w, part *p, const char *id, eid e, const redisReply *kv)
{
    ts_entry f;
    char why[300], file[320];
    fields_of(kv, &f);
    const ts_reader *r = ts_entry_check(&f, w->json, w->max_entry, why, sizeof why);
    if (!r) {
        dead_letter(w, p, id, why, f.file, f.line, f.data, f.dlen);
        return;
    }
    const hdr *h = NULL;
    if (f.header && *f.header && !(h = header_of(w, f.header))) {
        snprintf(why, sizeof why, "its header %.20s is not in %.200s", f.header, w->hdrkey);
        dead_letter(w, p, id, why, f.file, f.line, f.data, f.dlen);
        return;
    }
    /* Suricata's own records carry the stream as their file and are numbered by their
       entry id, the same at every replay. */
    snprintf(file, sizeof file, "%s", !f.eve && f.file && *f.file ? f.file : p->stream);
    uint64_t line = f.eve ? e.ms * 1000 + e.seq % 1000 : ts_entry_line(&f);
    if (!add_line(w, p, r, file, line, h, f.data, f.dlen))
        say(w, "entry %s: out of memory%s", id, "");
}

static bool want_ack(part *p, const char *id)
{
    if (!ts_vec_grow(p->ack, p->capack, p->nack + 1, TS_VEC_NOCAP))
        return false;
    snprintf(p->ack[p->nack++], 48, "%s", id);
    return true;
}

/* Acknowledges the entries the last commit covered, in one XACK, not waiting for its reply
 * (read with the next command's). */
static void acknowledge(worker *w, part *p)
{
    if (!p->nack)
        return;
    size_t n = p->nack + 3;
    const char **argv = malloc(n * sizeof *argv);
    size_t *lens = malloc(n * sizeof *lens);
    if (argv && lens) {
        argv[0] = "XACK", argv[1] = p->stream, argv[2] = w->o->group;
        for (size_t i = 0; i < p->nack; i++)
            argv[3 + i] = p->ack[i];
        for (size_t i = 0; i < n; i++)
            lens[i] = strlen(argv[i]);
        ts_redis_send(w->r, (int)n, argv, lens); /* unacknowledged ones are read again and skipped */
    }
    free(argv);
    free(lens);
    p->nack = 0;
}

/* Commits what the partition was fed (its findings, state and last entry id in one
 * transaction), then acknowledges those entries. */
static void commit_part(worker *w, part *p)
{
    if (!p->nack)
        return;
    /* The lease is checked just before the commit: a worker that stalled past it must not
       write over its successor's state. */
    double start = now_s();
    int lease = renew(w, p);
    if (lease != 1 || ts_live_checkpoint(p->live, 0) != TOCSIN_OK) {
        if (lease == 0)
            say(w, "partition %s: its lease was lost before the commit: given up%s", p->stream, "");
        else if (lease > 0)
            say(w, "partition %s: %s: its entries will be read again", p->stream, tocsin_last_error(w->t));
        if (lease == 0)
            close_part(w, p, false);
        else
            reset_part(w, p);
        return;
    }
    if (p->fed_any)
        p->last = p->fed;
    p->fed_any = false;
    p->commit_s = now_s() - start;
    acknowledge(w, p);
}

/* Feeds a reply's entries of one stream ([id, [k, v ...]] ...). They are committed and
 * acknowledged at once when the read came back short (the partition is caught up: an
 * alert is stored within the read's time), else once COMMIT_ENTRIES are waiting or the
 * first has waited COMMIT_SECONDS, so that a backlog is read in few, larger commits.
 * Returns how many entries there were. */
static size_t take_entries(worker *w, part *p, const redisReply *entries, bool caught_up)
{
    size_t n = 0;
    if (!p->nack)
        p->fed_since = now_s();
    for (size_t i = 0; entries && i < entries->elements; i++) {
        const redisReply *en = entries->element[i];
        if (en->type != REDIS_REPLY_ARRAY || en->elements < 2 || en->element[0]->type != REDIS_REPLY_STRING)
            continue;
        const char *id = en->element[0]->str;
        eid e;
        if (!eid_parse(id, (size_t)en->element[0]->len, &e))
            continue;
        n++;
        if (!want_ack(p, id))
            break;
        if (eid_cmp(e, p->last) <= 0 && (p->last.ms || p->last.seq))
            continue;                                  /* committed before a restart, not yet acknowledged */
        if (en->element[1]->type != REDIS_REPLY_ARRAY) /* deleted (trimmed) while pending */
            continue;
        take_entry(w, p, id, e, en->element[1]);
        p->fed = e;
        p->fed_any = true;
    }
    flush_piece(w, p);
    w->entries += n;
    double every = COMMIT_SHARE * p->commit_s > COMMIT_SECONDS ? COMMIT_SHARE * p->commit_s : COMMIT_SECONDS;
    if (caught_up || p->nack >= COMMIT_ENTRIES || now_s() - p->fed_since >= every)
        commit_part(w, p);
    return n;
}

/* Claims what other consumers left pending, once idle long enough; the partition is read
 * from its own pending entries (P_DRAIN) only when no other consumer holds any. */
static void claim(worker *w, part *p)
{
    char cursor[48] = "0-0";
    long long idle = (long long)(w->claim_idle_s * 1000);
    for (int rounds = 0; rounds < 64; rounds++) {
        redisReply *rep = ts_redis_cmd(w->r, "XAUTOCLAIM %s %s %s %lld %s COUNT 1000 JUSTID", p->stream,
                                       w->o->group, w->o->consumer, idle, cursor);
        if (!ts_redis_is(rep, REDIS_REPLY_ARRAY) || rep->elements < 2 ||
            rep->element[0]->type != REDIS_REPLY_STRING) {
            if (ts_redis_is(rep, REDIS_REPLY_ERROR))
                say(w, "XAUTOCLAIM %s: %s", p->stream, rep->str);
            freeReplyObject(rep);
            return;
        }
        snprintf(cursor, sizeof cursor, "%s", rep->element[0]->str);
        freeReplyObject(rep);
        if (strcmp(cursor, "0-0") == 0)
            break;
    }
    redisReply *rep = ts_redis_cmd(w->r, "XPENDING %s %s", p->stream, w->o->group);
    bool others = false;
    if (ts_redis_is(rep, REDIS_REPLY_ARRAY) && rep->elements >= 4 &&
        rep->element[3]->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < rep->element[3]->elements; i++) {
            const redisReply *c = rep->element[3]->element[i];
            if (c->type == REDIS_REPLY_ARRAY && c->elements >= 1 &&
                strcmp(c->element[0]->str, w->o->consumer) != 0)
                others = true;
        }
    bool ok = ts_redis_is(rep, REDIS_REPLY_ARRAY);
    freeReplyObject(rep);
    if (ok && !others)
        p->st = P_DRAIN;
}

/* Entries of our own delivered too often without a commit go to the dead-letter stream. */
static void retire_poison(worker *w, part *p)
{
    redisReply *rep =
        ts_redis_cmd(w->r, "XPENDING %s %s - + 1000 %s", p->stream, w->o->group, w->o->consumer);
    for (size_t i = 0; ts_redis_is(rep, REDIS_REPLY_ARRAY) && i < rep->elements; i++) {
        const redisReply *e = rep->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 4 || e->element[3]->type != REDIS_REPLY_INTEGER)
            continue;
        if (e->element[3]->integer < (long long)w->max_deliveries)
            continue;
        eid id;
        if (!eid_parse(e->element[0]->str, (size_t)e->element[0]->len, &id) || eid_cmp(id, p->last) <= 0)
            continue; /* committed: acknowledged by the drain */
        redisReply *one =
            ts_redis_cmd(w->r, "XRANGE %s %s %s", p->stream, e->element[0]->str, e->element[0]->str);
        ts_entry f = {0};
        if (ts_redis_is(one, REDIS_REPLY_ARRAY) && one->elements == 1 && one->element[0]->elements >= 2)
            fields_of(one->element[0]->element[1], &f);
        char why[160];
        snprintf(why, sizeof why, "delivered %lld times and never committed (a worker died or failed on it)",
                 e->element[3]->integer);
        dead_letter(w, p, e->element[0]->str, why, f.file, f.line, f.data, f.dlen);
        freeReplyObject(one);
        redisReply *ack = ts_redis_cmd(w->r, "XACK %s %s %s", p->stream, w->o->group, e->element[0]->str);
        freeReplyObject(ack);
    }
    freeReplyObject(rep);
}

/* Reads our own pending entries again (after a restart, a takeover or a failure). */
static void drain(worker *w, part *p)
{
    retire_poison(w, p);
    if (p->st != P_DRAIN)
        return;
    char after[48] = "0-0";
    for (;;) {
        redisReply *rep = ts_redis_cmd(w->r, "XREADGROUP GROUP %s %s COUNT %d STREAMS %s %s", w->o->group,
                                       w->o->consumer, READ_COUNT, p->stream, after);
        const redisReply *entries = NULL;
        if (ts_redis_is(rep, REDIS_REPLY_ARRAY) && rep->elements == 1 && rep->element[0]->elements == 2)
            entries = rep->element[0]->element[1];
        if (!rep || !entries) {
            if (ts_redis_is(rep, REDIS_REPLY_ERROR))
                say(w, "XREADGROUP %s: %s", p->stream, rep->str);
            freeReplyObject(rep);
            return;
        }
        if (!entries->elements) {
            freeReplyObject(rep);
            p->st = P_LIVE;
            return;
        }
        const redisReply *lastent = entries->element[entries->elements - 1];
        snprintf(after, sizeof after, "%s", lastent->element[0]->str);
        take_entries(w, p, entries, true);
        freeReplyObject(rep);
        if (p->st != P_DRAIN)
            return;
    }
}

/* The XREADGROUP of new entries for the k partitions of which, into argv and lens (room
 * for 9 + 2k); it waits up to block_ms, or not at all when block_ms is negative. Returns
 * the number of arguments. */
static size_t read_command(worker *w, part *const *which, size_t k, int block_ms, char *count, char *block,
                           const char **argv, size_t *lens)
{
    size_t n = 0;
    snprintf(count, 16, "%d", READ_COUNT);
    snprintf(block, 16, "%d", block_ms);
    const char *head[] = {"XREADGROUP", "GROUP", w->o->group, w->o->consumer, "COUNT", count, "BLOCK", block};
    for (size_t i = 0; i < 8; i++)
        if (i < 6 || block_ms >= 0)
            argv[n++] = head[i];
    argv[n++] = "STREAMS";
    for (size_t i = 0; i < k; i++)
        argv[n++] = which[i]->stream;
    for (size_t i = 0; i < k; i++)
        argv[n++] = ">";
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(argv[i]);
    return n;
}

/* When a read filled a batch, more is waiting: the next read is asked at once, so that
 * Redis prepares it while this one is fed and committed. Not when a heartbeat is due
 * (balance may give a partition up, and must not while entries of it are on their way). */
static void read_ahead(worker *w, const redisReply *rep, const char **argv, size_t *lens)
{
    bool full = false;
    for (size_t i = 0; ts_redis_is(rep, REDIS_REPLY_ARRAY) && i < rep->elements; i++)
        full |= rep->element[i]->type == REDIS_REPLY_ARRAY && rep->element[i]->elements == 2 &&
                rep->element[i]->element[1]->elements >= READ_COUNT;
    if (!full || now_s() >= w->next_beat)
        return;
    part **next = calloc(w->nparts + 1, sizeof *next);
    size_t k = 0;
    char count[16], block[16];
    for (unsigned i = 0; next && i < w->nparts; i++)
        if (w->p[i].st == P_LIVE)
            w->asked[k] = i, next[k++] = &w->p[i];
    size_t n = k ? read_command(w, next, k, -1, count, block, argv, lens) : 0;
    if (n && ts_redis_ask(w->r, (int)n, argv, lens))
        w->n_asked = k;
    free(next);
}

/* One read of new entries for every live partition, waiting up to block_ms (or the answer
 * of the read asked ahead, for the partitions it asked). */
static size_t read_new(worker *w, int block_ms)
{
    const char **argv = calloc(9 + 2 * (size_t)w->nparts, sizeof *argv);
    size_t *lens = calloc(9 + 2 * (size_t)w->nparts, sizeof *lens), got = 0, k = 0;
    part **which = calloc(w->nparts + 1, sizeof *which);
    char count[16], block[16];
    redisReply *rep;
    if (!argv || !lens || !which) {
        free(argv), free(lens), free(which);
        return 0;
    }
    w->backlog = false;
    if (w->n_asked) {
        for (size_t j = 0; j < w->n_asked; j++)
            which[k++] = &w->p[w->asked[j]];
        w->n_asked = 0;
        rep = ts_redis_answer(w->r);
    } else {
        for (unsigned i = 0; i < w->nparts; i++)
            if (w->p[i].st == P_LIVE)
                which[k++] = &w->p[i];
        if (!k) {
            pause_for(block_ms / 1000.0);
            free(argv), free(lens), free(which);
            return 0;
        }
        size_t n = read_command(w, which, k, block_ms, count, block, argv, lens);
        rep = ts_redis_argv(w->r, (int)n, argv, lens);
    }
    read_ahead(w, rep, argv, lens);
    for (size_t i = 0; ts_redis_is(rep, REDIS_REPLY_ARRAY) && i < rep->elements; i++) {
        const redisReply *s = rep->element[i];
        if (s->type != REDIS_REPLY_ARRAY || s->elements != 2)
            continue;
        for (size_t j = 0; j < k; j++)
            if (which[j] && strcmp(which[j]->stream, s->element[0]->str) == 0 && which[j]->st == P_LIVE) {
                w->backlog |= s->element[1]->elements >= READ_COUNT;
                got += take_entries(w, which[j], s->element[1], s->element[1]->elements < READ_COUNT);
                which[j] = NULL; /* answered */
            }
    }
    for (size_t j = 0; j < k; j++) /* no new entries: caught up */
        if (which[j] && which[j]->st == P_LIVE)
            commit_part(w, which[j]);
    if (ts_redis_is(rep, REDIS_REPLY_ERROR))
        say(w, "XREADGROUP: %s%s", rep->str, "");
    freeReplyObject(rep);
    free(argv), free(lens), free(which);
    return got;
}

/* Trims each owned partition below the oldest entry any group has not acknowledged: the
 * oldest pending one, or for a group with none pending, its last delivered one. */
static void trim(worker *w)
{
    for (unsigned i = 0; i < w->nparts; i++) {
        part *p = &w->p[i];
        if (p->st != P_LIVE)
            continue;
        redisReply *rep = ts_redis_cmd(w->r, "XINFO GROUPS %s", p->stream);
        eid floor = {UINT64_MAX, UINT64_MAX};
        bool any = false;
        for (size_t g = 0; ts_redis_is(rep, REDIS_REPLY_ARRAY) && g < rep->elements; g++) {
            const redisReply *info = rep->element[g];
            const char *name = NULL, *last = NULL;
            long long pending = 0;
            for (size_t f = 0; info->type == REDIS_REPLY_ARRAY && f + 1 < info->elements; f += 2) {
                const char *k = info->element[f]->str;
                const redisReply *v = info->element[f + 1];
                if (!k)
                    continue;
                if (strcmp(k, "name") == 0)
                    name = v->str;
                else if (strcmp(k, "last-delivered-id") == 0)
                    last = v->str;
                else if (strcmp(k, "pending") == 0 && v->type == REDIS_REPLY_INTEGER)
                    pending = v->integer;
            }
            eid e;
            if (!name || !last || !eid_parse(last, strlen(last), &e)) {
                floor = (eid){0, 0};
                continue;
            }
            if (pending) {
                redisReply *pr = ts_redis_cmd(w->r, "XPENDING %s %s", p->stream, name);
                if (!ts_redis_is(pr, REDIS_REPLY_ARRAY) || pr->elements < 2 ||
                    pr->element[1]->type != REDIS_REPLY_STRING ||
                    !eid_parse(pr->element[1]->str, (size_t)pr->element[1]->len, &e))
                    e = (eid){0, 0};
                freeReplyObject(pr);
            }
            if (eid_cmp(e, floor) < 0)
                floor = e;
            any = true;
        }
        freeReplyObject(rep);
        if (!any || (!floor.ms && !floor.seq))
            continue;
        char id[48];
        eid_str(floor, id, sizeof id);
        rep = ts_redis_cmd(w->r, "XTRIM %s MINID ~ %s", p->stream, id);
        freeReplyObject(rep);
    }
}

/* ---- the worker ---------------------------------------------------------------------- */

static tocsin_code check_options(tocsin *t, const tocsin_stream_options *o)
{
    if (!o->redis || !o->stream || !o->group || !o->consumer)
        return ts_session_fail(t, TOCSIN_E_ARG,
                               "watch --redis needs --stream KEY, --group NAME and --consumer NAME");
    if (strlen(o->stream) > 200 || strlen(o->group) > 64 || strlen(o->consumer) > 64 || !*o->stream ||
        !*o->group || !*o->consumer)
        return ts_session_fail(t, TOCSIN_E_ARG, "--stream: 1 to 200 bytes; --group and --consumer: 1 to 64");
    if (o->partitions > MAX_PARTS)
        return ts_session_fail(t, TOCSIN_E_ARG, "--partitions: at most %d", MAX_PARTS);
    return TOCSIN_OK;
}

/* The partition count: the option, or what the shipper wrote in KEY:meta, or 1. */
static tocsin_code count_partitions(worker *w)
{
    unsigned n = w->o->partitions;
    while (!ts_redis_ready(w->r)) {
        if (w->o->stop && *w->o->stop)
            return TOCSIN_E_IO;
        pause_for(0.2);
    }
    redisReply *rep = ts_redis_cmd(w->r, "HGET %s partitions", w->metakey);
    unsigned meta = 0;
    for (const char *c = ts_redis_is(rep, REDIS_REPLY_STRING) ? rep->str : ""; *c && meta <= MAX_PARTS; c++)
        meta = *c >= '0' && *c <= '9' ? meta * 10 + (unsigned)(*c - '0') : MAX_PARTS + 1;
    freeReplyObject(rep);
    if (n && meta && n != meta)
        return ts_session_fail(w->t, TOCSIN_E_ARG, "stream %s has %u partitions (%s), not %u", w->key, meta,
                               w->metakey, n);
    w->nparts = n ? n : meta ? meta : 1;
    if (w->nparts > MAX_PARTS)
        return ts_session_fail(w->t, TOCSIN_E_ARG, "%s: %u partitions: at most %d", w->metakey, w->nparts,
                               MAX_PARTS);
    return TOCSIN_OK;
}

/* --drain: every partition (whoever owns it) read to its end by the group, nothing pending,
 * and this worker's own partitions committed. */
static bool all_drained(worker *w)
{
    for (unsigned i = 0; i < w->nparts; i++) {
        part *p = &w->p[i];
        if (p->st != P_FREE && p->st != P_LIVE)
            return false;
        redisReply *rep = ts_redis_cmd(w->r, "XINFO STREAM %s", p->stream);
        const char *last = NULL;
        for (size_t f = 0; ts_redis_is(rep, REDIS_REPLY_ARRAY) && f + 1 < rep->elements; f += 2)
            if (rep->element[f]->str && strcmp(rep->element[f]->str, "last-generated-id") == 0)
                last = rep->element[f + 1]->str;
        eid end = {0, 0};
        bool ok = ts_redis_is(rep, REDIS_REPLY_ARRAY) && (!last || eid_parse(last, strlen(last), &end));
        freeReplyObject(rep);
        rep = ts_redis_cmd(w->r, "XINFO GROUPS %s", p->stream);
        bool found = false;
        for (size_t g = 0; ok && ts_redis_is(rep, REDIS_REPLY_ARRAY) && g < rep->elements; g++) {
            const redisReply *info = rep->element[g];
            const char *name = NULL, *delivered = NULL;
            long long pending = -1;
            for (size_t f = 0; info->type == REDIS_REPLY_ARRAY && f + 1 < info->elements; f += 2) {
                const char *k = info->element[f]->str;
                if (!k)
                    continue;
                if (strcmp(k, "name") == 0)
                    name = info->element[f + 1]->str;
                else if (strcmp(k, "last-delivered-id") == 0)
                    delivered = info->element[f + 1]->str;
                else if (strcmp(k, "pending") == 0)
                    pending = info->element[f + 1]->integer;
            }
            eid d;
            if (!name || strcmp(name, w->o->group) != 0)
                continue;
            found = true;
            ok = pending == 0 && delivered && eid_parse(delivered, strlen(delivered), &d) &&
                 eid_cmp(d, end) >= 0;
        }
        freeReplyObject(rep);
        if (!ok || !found)
            return false;
    }
    return true;
}

static void worker_free(worker *w)
{
    for (unsigned i = 0; w->p && i < w->nparts; i++) {
        if (w->p[i].st == P_LIVE)
            commit_part(w, &w->p[i]);
        close_part(w, &w->p[i], true);
        free(w->p[i].ack);
    }
    if (w->r)
        correlate(w, true);
    drop_incidents(w, true);
    free(w->p);
    free(w->asked);
    for (size_t i = 0; i < HEADER_CACHE; i++)
        free(w->headers[i].text);
    if (w->r) {
        redisReply *rep = ts_redis_cmd(w->r, "ZREM %s %s", w->workers, w->o->consumer);
        freeReplyObject(rep);
    }
    ts_redis_free(w->r);
    ts_json_free(w->json);
    free(w->buf);
}

tocsin_code tocsin_watch_stream(tocsin *t, const tocsin_stream_options *o)
{
    worker w = {.t = t, .o = o};
    char err[600];
    tocsin_code rc = check_options(t, o);
    if (rc != TOCSIN_OK)
        return rc;
    rc = ts_redis_new(o->redis, &w.r, err, sizeof err);
    if (rc != TOCSIN_OK)
        return ts_session_fail(t, rc, "%s", rc == TOCSIN_E_ARG ? err : tocsin_strerror(rc));
    w.lease_s = o->lease > 0 ? o->lease : 10;
    w.claim_idle_s = o->claim_idle > 0 ? o->claim_idle : w.lease_s;
    w.max_deliveries = o->max_deliveries ? o->max_deliveries : 5;
    w.max_entry = o->max_entry ? o->max_entry : 1u << 20;
    snprintf(w.key, sizeof w.key, "%s", o->stream);
    snprintf(w.dead, sizeof w.dead, "%s:dead", o->stream);
    snprintf(w.workers, sizeof w.workers, "%s:workers:%s", o->stream, o->group);
    snprintf(w.hdrkey, sizeof w.hdrkey, "%s:headers", o->stream);
    snprintf(w.metakey, sizeof w.metakey, "%s:meta", o->stream);
    if (!(w.json = ts_json_new())) {
        worker_free(&w);
        return TOCSIN_E_NOMEM;
    }
    rc = count_partitions(&w);
    if (rc == TOCSIN_OK &&
        (!(w.p = calloc(w.nparts, sizeof *w.p)) || !(w.asked = calloc(w.nparts, sizeof *w.asked))))
        rc = TOCSIN_E_NOMEM;
    for (unsigned i = 0; rc == TOCSIN_OK && i < w.nparts; i++) {
        part *p = &w.p[i];
        p->w = &w, p->idx = i;
        if (w.nparts > 1)
            snprintf(p->stream, sizeof p->stream, "%s:p%u", o->stream, i);
        else
            snprintf(p->stream, sizeof p->stream, "%s", o->stream);
        snprintf(p->lease, sizeof p->lease, "%s:lease:%s:%u", o->stream, o->group, i);
        snprintf(p->suffix, sizeof p->suffix, "@%s", p->stream);
        snprintf(p->command, sizeof p->command, "watch@%s", p->stream);
        snprintf(p->posname, sizeof p->posname, "stream-position@%s:%s", p->stream, o->group);
        snprintf(p->alertsname, sizeof p->alertsname, "stream-alerts@%s:%s", p->stream, o->group);
    }
    snprintf(w.inc_lease, sizeof w.inc_lease, "%s:lease:%s:incidents", o->stream, o->group);
    snprintf(w.inc_command, sizeof w.inc_command, "incidents@%s:%s", o->stream, o->group);
    snprintf(w.run_prefix, sizeof w.run_prefix, "watch@%s:p", o->stream);
    bool down = false;
    while (rc == TOCSIN_OK && !(o->stop && *o->stop)) {
        if (!ts_redis_ready(w.r)) {
            if (!down)
                ts_session_diag(t, w.key, 0, "%s: waiting for it", ts_redis_error(w.r));
            down = true;
            pause_for(0.2);
            continue;
        }
        if (ts_redis_reconnected(w.r) || down) { /* what was read and not acknowledged is read again */
            if (down)
                ts_session_diag(t, w.key, 0, "%s is back", ts_redis_where(w.r));
            for (unsigned i = 0; i < w.nparts; i++)
                if (w.p[i].st == P_LIVE || w.p[i].st == P_DRAIN)
                    w.p[i].st = P_CLAIM;
            w.n_asked = 0; /* its answer went with the connection */
            w.groups_made = false;
            down = false;
        }
        if (!w.groups_made)
            make_groups(&w);
        double now = now_s();
        if (now >= w.next_beat && !w.n_asked) {
            balance(&w);
            w.next_beat = now + w.lease_s / 3;
        }
        for (unsigned i = 0; i < w.nparts; i++) {
            if (w.p[i].st == P_CLAIM)
                claim(&w, &w.p[i]);
            if (w.p[i].st == P_DRAIN)
                drain(&w, &w.p[i]);
        }
        size_t got = read_new(&w, 100);
        if (now >= w.next_trim) {
            trim(&w);
            w.next_trim = now + TRIM_EVERY;
        }
        correlate(&w, false);
        if (o->drain && !got && all_drained(&w)) {
            /* The incidents' owner may have stopped (or died) before the last commits: the
               lease is waited for up to its length, then the last round is this worker's. A
               live owner keeps it, and forms them itself. */
            for (double until = now_s() + w.lease_s + 1;
                 !w.inc && now_s() < until && !(o->stop && *o->stop);) {
                own_incidents(&w);
                if (!w.inc && w.nparts > 1)
                    pause_for(0.2);
                else
                    break;
            }
            break;
        }
    }
    if (rc == TOCSIN_OK)
        ts_session_diag(t, w.key, 0, "consumer %s: %llu entries, %llu events, %llu to %s", o->consumer,
                        (unsigned long long)w.entries, (unsigned long long)w.events,
                        (unsigned long long)w.dead_count, w.dead);
    worker_free(&w);
    return rc;
}
