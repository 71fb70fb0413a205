/* merge.c: a k-way merge of a hunt's files by event time (merge.h).
 *
 * Readers push events into a sink and borrow their buffers, so each open file's reader runs
 * in a thread of its own, copying each event (typed fields and raw fields) into one
 * allocation (cut from a chunk). A small reorder heap per file puts slightly disordered
 * records back in order before they enter the file's bounded queue, a batch at a time (and
 * with a pool, each batch is prepared by its workers as soon as it is queued). The calling
 * thread keeps a heap of the open files keyed by the time of each queue's head and passes
 * the earliest on. Files open in
 * the order of their first event's time, learnt by running their reader over the head of
 * each file alone, so at most TS_MERGE_MAX_OPEN are read at once. */
#include "api/merge.h"
#include "core/vec.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Items passed from a reader to the merge at once: the reader fills a batch and publishes
 * it whole, so the two meet on the lock once per batch, and with a pool a batch is one task
 * of preparing, handed out by the reader as soon as it is full. */
#define BATCH 512
/* Batches a file may hold published, whatever the others hold: the merge never waits for a
 * file that cannot publish. */
#define MIN_BATCHES 2
/* Beyond that, with a pool, the files being read hold at most this much, all together
 * (their batches' events and strings), while the caller gets ready (its rules load): the
 * readers of the next files read this far ahead of the merge. Peak memory grows by at most
 * this, not with the input. Without a pool nothing runs ahead (one thread works at a time), and a
 * file's reader gives its slot to the merge as soon as it holds its share. */
#define AHEAD_BYTES (64u << 20)
/* Once the merge runs, the readers keep only this much ahead of it: events read 64 MiB
 * earlier had left the caches by the time the hunt's thread and the workers read them
 * (memcpy, memcmp and the hunt's own field lookups grew by 0.1 s of CPU with --jobs 2 in
 * bench/jobs.sh; about 3% less CPU with 16 MiB, alternated runs at load 18). */
#define STEADY_BYTES (16u << 20)
/* Files whose readers start ahead of the merge's next one, at most. */
#define AHEAD_FILES 8

/* Items are cut from chunks of this size, which go back to a pool of the merge's when all
 * of theirs are passed on: a malloc per item in the reader and a free in the merge grew and
 * trimmed the readers' heaps (half the hunt's page faults, and sysmalloc in profiles). */
#define CHUNK (64u << 10)
/* With readers ahead, chunks are first cut from one region of this size, reserved at the
 * start with huge pages where the system gives them (THP on madvise): filled a 4 KiB page at
 * a time, the 64 MiB read ahead cost a page fault per page, 0.1 s of the 2-job hunt's CPU in
 * bench/jobs.sh. Only the pages used are memory. */
#define REGION (AHEAD_BYTES + (32u << 20))
#define HUGE_PAGE (2u << 20)

typedef struct chunk {
    struct chunk *next; /* in the pool */
    atomic_size_t refs; /* its items not yet freed, and 1 while its reader cuts from it */
    size_t used;
    _Alignas(16) char mem[];
} chunk;

/* A copied event, or a message of the reader, in one allocation with its strings. */
enum { IT_EVENT, IT_ERROR, IT_WARN };
typedef struct item {
    int kind;
    tocsin_code code; /* IT_ERROR */
    uint64_t seq;     /* order read, to keep equal times in file order */
    size_t size;      /* of the allocation */
    chunk *from;      /* NULL: malloc'ed */
    const char *msg;  /* IT_ERROR, IT_WARN */
    void *prep;       /* IT_EVENT: what the hooks' prepare returned */
    ts_event ev;      /* IT_EVENT; file, line and record for the others too */
} item;

/* A file's items in the order the merge takes them; with a pool, a task of preparing them. */
typedef struct mbatch {
    ts_task task; /* first: the task is the batch */
    const ts_merge_hooks *k;
    struct mbatch *next; /* in the file's queue */
    size_t n, bytes;
    int pending; /* handed to the pool and not waited for yet */
    item *v[BATCH];
} mbatch;

/* What the readers share with the merge: one lock for every file's queue (taken once per
 * batch), and what the queues hold. */
typedef struct mshared {
    pthread_mutex_t mu;
    pthread_cond_t can_put;  /* a batch was taken: readers waiting for room look again */
    pthread_cond_t can_take; /* a batch was published, or a file ended */
    size_t bytes;            /* in every file's queue */
    unsigned put_waiting;
    size_t ahead_bytes; /* AHEAD_BYTES while the caller gets ready, then STEADY_BYTES */
    chunk *pool;
    char *region; /* NULL: every chunk is malloc'ed */
    size_t region_used, region_map;
    void *region_base; /* as mapped */
    unsigned ahead;    /* readers at work at once, ahead of the merge (0: none, nor bytes beyond a
                          file's share) */
    /* The readers of the next files: whenever fewer than `ahead` are at work (one ends, or
       the merge moves on), the next file's reader starts, so the cores stay busy while the
       rules load and however small the files are. */
    struct msrc **v;   /* the files, in the merge's order */
    size_t n;          /* of them */
    size_t cursor;     /* the next file a reader may start ahead */
    size_t merge_next; /* the merge's next file: readers start at most AHEAD_FILES beyond it */
    unsigned running;  /* readers started and not ended */
    int stop;          /* no more readers start (the merge ended, or failed) */
    const struct ts_merge_hooks *k;
} mshared;

/* An item in the reorder heap, with its key beside it: comparing in place, without a visit
 * to each item, made the heap a tenth of a reader's time. */
typedef struct held {
    int64_t ts;
    uint64_t seq;
    item *it;
} held;

typedef struct msrc {
    const ts_merge_hooks *k;
    char *path; /* as walked */
    char *name; /* ts_input_path: what events and messages carry */
    const ts_reader *r;
    int64_t start;       /* first event's time in the head; INT64_MIN when unknown */
    tocsin_code look_rc; /* look_file's outcome; when not TOCSIN_OK, look_err says why */
    char look_err[512];
    size_t head_len;
    ts_input *in; /* open while read, and from the head's look on for a stream */
    ts_scratch scratch;
    ts_file_counts counts;
    pthread_t thread;
    int started;
    int in_order; /* the only file: passed on in the order read, as read_alone would */
    int begun;    /* its reader is being started, by the merge or a reader (under the lock) */
    int ready;    /* and was (or its opening failed: head says why), start_rc its outcome */
    tocsin_code start_rc;

    /* The queue of published batches, between the reader's thread and the merge, under
       the shared lock. */
    mshared *m;
    mbatch *qhead, *qtail;
    size_t nb;
    int done;

    /* The reader's side: reorder heap, newest time read, last time queued, the batch
       being filled. */
    struct held *rh; /* TS_MERGE_WINDOW_EVENTS + 1; allocated while the file is read */
    size_t rn;
    int64_t newest, last_out;
    int emitted;
    uint64_t seq, late, lost;
    mbatch *fill;
    chunk *ck; /* items are cut from */

    /* The merge's side: the batch being passed on (from bi), the head. */
    mbatch *cur;
    size_t bi;
    item *head;
    int64_t key;
    size_t rank;
} msrc;

/* Every ts_str of ts_event but mail_to (an array, copied on its own). A field added to
 * ts_event must be added here, or merged events would point into a reader's freed buffer:
 * the size check below makes the build say so. */
static const size_t str_fields[] = {
    offsetof(ts_event, dataset),      offsetof(ts_event, action),         offsetof(ts_event, channel),
    offsetof(ts_event, provider),     offsetof(ts_event, transport),      offsetof(ts_event, protocol),
    offsetof(ts_event, host),         offsetof(ts_event, src_host),       offsetof(ts_event, user),
    offsetof(ts_event, user_domain),  offsetof(ts_event, domain),         offsetof(ts_event, url),
    offsetof(ts_event, user_agent),   offsetof(ts_event, file_path),      offsetof(ts_event, md5),
    offsetof(ts_event, sha1),         offsetof(ts_event, sha256),         offsetof(ts_event, mail_from),
    offsetof(ts_event, mail_subject), offsetof(ts_event, mail_msgid),     offsetof(ts_event, process),
    offsetof(ts_event, command_line), offsetof(ts_event, parent_process), offsetof(ts_event, rule_name),
};
_Static_assert(sizeof(ts_event) == 680,
               "ts_event changed: copy its new borrowed fields in merge.c copy_event");

/* ---- item memory ---- */

static void chunk_unref(mshared *m, chunk *c)
{
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
        return;
    pthread_mutex_lock(&m->mu);
    c->next = m->pool;
    m->pool = c;
    pthread_mutex_unlock(&m->mu);
}

/* need bytes for an item of s (NULL: of the merge's own), from s's chunk or malloc. */
static item *item_alloc(msrc *s, size_t need)
{
    need = (need + 15) & ~(size_t)15;
    chunk *c = s ? s->ck : NULL;
    if (s && need <= CHUNK / 8 && (!c || c->used + need > CHUNK)) {
        if (c)
            chunk_unref(s->m, c);
        mshared *m = s->m;
        pthread_mutex_lock(&m->mu);
        if ((c = m->pool))
            m->pool = c->next;
        else if (m->region && m->region_used + sizeof *c + CHUNK <= REGION) {
            c = (chunk *)(m->region + m->region_used);
            m->region_used += sizeof *c + CHUNK;
        }
        pthread_mutex_unlock(&m->mu);
        if (!c)
            c = malloc(sizeof *c + CHUNK);
        if (c) {
            c->used = 0;
            atomic_init(&c->refs, 1);
        }
        s->ck = c;
    }
    item *it;
    if (!s || need > CHUNK / 8 || !c) {
        if ((it = malloc(need)))
            it->from = NULL, it->size = need;
        return it;
    }
    it = (item *)(c->mem + c->used);
    c->used += need;
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    it->from = c, it->size = need;
    return it;
}

static void item_free(mshared *m, item *it)
{
    if (it && it->from)
        chunk_unref(m, it->from);
    else
        free(it);
}

static size_t str_at(ts_event *ev, size_t off, ts_str **s)
{
    *s = (ts_str *)((char *)ev + off);
    return (*s)->n;
}

static char *put_str(ts_str *s, char *p)
{
    if (s->n)
        memcpy(p, s->p, s->n);
    s->p = s->n ? p : NULL;
    return p + s->n;
}

/* ev with everything it borrows copied after it; file is the source's name. */
static item *copy_event(msrc *src, const ts_event *ev, const char *file, uint64_t seq)
{
    ts_event e = *ev;
    ts_str *s;
    size_t need = sizeof(item) + e.n_fields * sizeof(ts_field);
    for (size_t i = 0; i < sizeof str_fields / sizeof *str_fields; i++)
        need += str_at(&e, str_fields[i], &s);
    for (size_t i = 0; i < e.n_mail_to && i < TS_MAX_RCPT; i++)
        need += e.mail_to[i].n;
    for (size_t i = 0; i < e.n_fields; i++)
        need += e.fields[i].key.n + e.fields[i].val.n;
    item *it = item_alloc(src, need);
    if (!it)
        return NULL;
    ts_field *fl = (ts_field *)(it + 1);
    char *p = (char *)(fl + e.n_fields);
    for (size_t i = 0; i < sizeof str_fields / sizeof *str_fields; i++) {
        str_at(&e, str_fields[i], &s);
        p = put_str(s, p);
    }
    for (size_t i = 0; i < e.n_mail_to && i < TS_MAX_RCPT; i++)
        p = put_str(&e.mail_to[i], p);
    for (size_t i = 0; i < e.n_fields; i++) {
        fl[i] = e.fields[i];
        p = put_str(&fl[i].key, p);
        p = put_str(&fl[i].val, p);
    }
    e.fields = e.n_fields ? fl : NULL;
    e.file = file;
    *it = (item){IT_EVENT, TOCSIN_OK, seq, it->size, it->from, NULL, NULL, e};
    return it;
}

static item *copy_message(msrc *src, int kind, const char *file, uint64_t line, uint64_t record,
                          tocsin_code code, const char *msg, uint64_t seq)
{
    size_t n = msg ? strlen(msg) : 0;
    item *it = item_alloc(src, sizeof *it + n + 1);
    if (!it)
        return NULL;
    char *m = (char *)(it + 1);
    if (n)
        memcpy(m, msg, n);
    m[n] = 0;
    *it = (item){kind, code, seq, it->size, it->from, m, NULL, {0}};
    it->ev.file = file, it->ev.line = line, it->ev.record = record;
    return it;
}

/* ---- the reader's thread ---- */

static int earlier(const held *a, const held *b)
{
    return a->ts != b->ts ? a->ts < b->ts : a->seq < b->seq;
}

static void heap_push(msrc *s, item *it)
{
    held h = {it->ev.ts_ns, it->seq, it};
    size_t i = s->rn++;
    while (i && earlier(&h, &s->rh[(i - 1) / 2])) {
        s->rh[i] = s->rh[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->rh[i] = h;
}

static item *heap_pop(msrc *s)
{
    item *top = s->rh[0].it;
    held last = s->rh[--s->rn];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->rn)
            break;
        if (c + 1 < s->rn && earlier(&s->rh[c + 1], &s->rh[c]))
            c++;
        if (!earlier(&s->rh[c], &last))
            break;
        s->rh[i] = s->rh[c];
        i = c;
    }
    if (s->rn)
        s->rh[i] = last;
    return top;
}

/* In a worker of the pool: what prepare makes of each event of the batch. */
static void prepare_batch(ts_task *t, unsigned worker)
{
    mbatch *b = (mbatch *)t;
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i]->kind == IT_EVENT)
            b->v[i]->prep = b->k->prepare(b->k->sink.ud, worker, &b->v[i]->ev);
}

/* Whether s may publish b: while it holds less than its share, once the merge has reached
 * it, or the files together hold less than AHEAD_BYTES with it. (A file read ahead has no
 * share: with a share each, the files read ahead held 30 MiB more than AHEAD_BYTES.) */
static int room(const msrc *s, const mbatch *b)
{
    return (s->nb < MIN_BATCHES && s->rank < s->m->merge_next) ||
           (s->m->ahead && s->m->bytes + b->bytes <= s->m->ahead_bytes);
}

/* Makes the batch being filled the merge's, once there is room (the slot given back while
 * waiting for it), and hands it to the pool. */
static void publish(msrc *s)
{
    mbatch *b = s->fill;
    mshared *m = s->m;
    s->fill = NULL;
    if (!b || !b->n) {
        free(b);
        return;
    }
    pthread_mutex_lock(&m->mu);
    if (!room(s, b)) {
        pthread_mutex_unlock(&m->mu);
        ts_slots_give(s->k->slots);
        pthread_mutex_lock(&m->mu);
        m->put_waiting++;
        while (!room(s, b))
            pthread_cond_wait(&m->can_put, &m->mu);
        m->put_waiting--;
        pthread_mutex_unlock(&m->mu);
        ts_slots_take(s->k->slots);
        pthread_mutex_lock(&m->mu);
    }
    if (s->k->pool) { /* before the merge can see it: it waits for what it sees pending.
                         Set under this lock (ts_merge_run): earlier batches wait unprepared. */
        b->pending = 1;
        ts_jobpool_submit(s->k->pool, &b->task);
    }
    b->next = NULL;
    if (s->qtail)
        s->qtail->next = b;
    else
        s->qhead = b;
    s->qtail = b;
    s->nb++;
    m->bytes += b->bytes;
    pthread_cond_signal(&m->can_take);
    pthread_mutex_unlock(&m->mu);
}

/* it joins the batch being filled, which is published when full. */
static void enqueue(msrc *s, item *it)
{
    if (!s->fill) {
        if (!(s->fill = malloc(sizeof *s->fill))) {
            s->lost++;
            item_free(s->m, it);
            return;
        }
        s->fill->task = (ts_task){prepare_batch, 0, NULL};
        s->fill->k = s->k, s->fill->next = NULL;
        s->fill->n = s->fill->bytes = 0, s->fill->pending = 0;
    }
    s->fill->v[s->fill->n++] = it;
    s->fill->bytes += it->size;
    if (s->fill->n == BATCH)
        publish(s);
}

static void release_oldest(msrc *s)
{
    item *it = heap_pop(s);
    s->last_out = it->ev.ts_ns;
    s->emitted = 1;
    enqueue(s, it);
}

/* Event times from 1970 up to 2200: a time outside (a damaged "ts": -9223372034, a 1601
 * FILETIME zero) is a bad record, not an event: detectors subtract windows and first-seen
 * times from event times, which a 1677 time next to a 2023 one overflows (UBSan, hunting
 * such logs). */
#define TIME_MAX_NS 7258118400000000000LL /* 2200-01-01T00:00:00Z */

bool ts_merge_bad_time(const ts_event *ev, char *msg, size_t cap)
{
    if (ev->ts_ns >= 0 && ev->ts_ns < TIME_MAX_NS)
        return false;
    char when[40];
    snprintf(msg, cap, "event time %s is outside 1970..2199: record skipped",
             ts_format_time(ev->ts_ns, when, sizeof when));
    return true;
}

static void on_read(void *ud, ts_event *ev)
{
    msrc *s = ud;
    char msg[120];
    if (ts_merge_bad_time(ev, msg, sizeof msg)) {
        item *err = copy_message(s, IT_ERROR, s->name, ev->line, ev->record, TOCSIN_E_PARSE, msg, s->seq++);
        if (err)
            enqueue(s, err);
        else
            s->lost++;
        return;
    }
    item *it = copy_event(s, ev, s->name, s->seq++);
    if (!it) {
        s->lost++;
        return;
    }
    int64_t t = ev->ts_ns;
    if (t == 0 || s->in_order) { /* no time: it goes with its neighbours in the file */
        enqueue(s, it);
        return;
    }
    if (s->emitted && t < s->last_out) {
        s->late++;
        enqueue(s, it);
        return;
    }
    heap_push(s, it);
    if (t > s->newest)
        s->newest = t;
    while (s->rn > TS_MERGE_WINDOW_EVENTS || (s->rn && s->newest - s->rh[0].ts > TS_MERGE_WINDOW_NS))
        release_oldest(s);
}

/* d->file is the reader's name for its input, which s->name already is. */
static void on_read_error(void *ud, const ts_diag *d)
{
    msrc *s = ud;
    item *it =
        copy_message(s, IT_ERROR, s->name, d->line, d->record, d->code, d->msg ? d->msg : "", s->seq++);
    if (it)
        enqueue(s, it);
    else
        s->lost++;
}

static void on_read_warn(void *ud, const ts_diag *d)
{
    msrc *s = ud;
    item *it = copy_message(s, IT_WARN, s->name, d->line, d->record, TOCSIN_OK, d->msg, s->seq++);
    if (it)
        enqueue(s, it);
    else
        s->lost++;
}

static void begin_ahead(mshared *m);

static void *read_file(void *arg)
{
    msrc *s = arg;
    ts_sink sink = {on_read, on_read_error, s, on_read_warn};
    s->newest = INT64_MIN;
    ts_slots_take(s->k->slots);
    s->r->read(s->in, &s->scratch, &sink);
    while (s->rn)
        release_oldest(s);
    publish(s);
    if (s->ck)
        chunk_unref(s->m, s->ck);
    s->ck = NULL;
    /* The file's buffers go now, not when the merge reaches its end: files read ahead
       would hold them meanwhile. */
    ts_scratch_free(&s->scratch);
    free(s->rh);
    s->rh = NULL;
    ts_input_close(s->in);
    s->in = NULL;
    ts_slots_give(s->k->slots); /* before the end is said: the merge then joins this thread */
    mshared *m = s->m;
    pthread_mutex_lock(&m->mu);
    s->done = 1;
    m->running--;
    pthread_cond_broadcast(&m->can_take);
    pthread_mutex_unlock(&m->mu);
    begin_ahead(m); /* s is the merge's from here on: only m is used */
    return NULL;
}

/* ---- the merge ---- */

/* The next item of s, NULL at its end. A batch is taken from the queue whole (waiting for
 * one, its slot given back meanwhile), and with a pool waited for until prepared (first in
 * the pool's queue if no worker has started it). */
static item *take(msrc *s)
{
    mshared *m = s->m;
    if (s->cur && s->bi < s->cur->n)
        return s->cur->v[s->bi++];
    free(s->cur);
    s->cur = NULL, s->bi = 0;
    pthread_mutex_lock(&m->mu);
    if (!s->qhead && !s->done) { /* only this thread takes: once there, batches stay */
        pthread_mutex_unlock(&m->mu);
        ts_slots_give(s->k->slots);
        pthread_mutex_lock(&m->mu);
        while (!s->qhead && !s->done)
            pthread_cond_wait(&m->can_take, &m->mu);
        pthread_mutex_unlock(&m->mu);
        ts_slots_take(s->k->slots);
        pthread_mutex_lock(&m->mu);
    }
    mbatch *b = s->qhead;
    if (b) {
        if (!(s->qhead = b->next))
            s->qtail = NULL;
        s->nb--;
        m->bytes -= b->bytes;
        if (m->put_waiting)
            pthread_cond_broadcast(&m->can_put);
    }
    pthread_mutex_unlock(&m->mu);
    if (!b)
        return NULL;
    if (b->pending) {
        ts_jobpool_wait(s->k->pool, &b->task);
        b->pending = 0;
    }
    s->cur = b;
    return b->v[s->bi++]; /* a batch is published with an item at least */
}

/* The next item of s; its key stays put for items without a time. False at the end. */
static int advance(msrc *s)
{
    s->head = s->started ? take(s) : NULL;
    if (s->head && s->head->kind == IT_EVENT && s->head->ev.ts_ns)
        s->key = s->head->ev.ts_ns;
    return s->head != NULL;
}

static int before(const msrc *a, const msrc *b)
{
    return a->key != b->key ? a->key < b->key : a->rank < b->rank;
}

static void sift_down(msrc **h, size_t n, size_t i)
{
    msrc *x = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(h[c + 1], h[c]))
            c++;
        if (!before(h[c], x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static void sift_up(msrc **h, size_t i)
{
    msrc *x = h[i];
    while (i && before(x, h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = x;
}

/* An item that is not passed on. */
static void drop(const ts_merge_hooks *k, mshared *m, item *it)
{
    if (it && it->prep)
        k->prep_free(k->sink.ud, it->prep);
    item_free(m, it);
}

static void deliver(const ts_merge_hooks *k, mshared *m, item *it)
{
    const ts_sink *sk = &k->sink;
    if (it->kind == IT_EVENT && k->event_prep)
        k->event_prep(sk->ud, &it->ev, it->prep);
    else if (it->kind == IT_EVENT)
        sk->event(sk->ud, &it->ev);
    else
        ts_diag_say(it->kind == IT_WARN && sk->warn ? sk->warn : sk->error, sk->ud, it->ev.file, it->ev.line,
                    it->ev.record, it->code, it->msg);
    item_free(m, it);
}

static tocsin_code start_reading(const ts_merge_hooks *k, mshared *m, msrc *s)
{
    char err[512];
    s->k = k, s->m = m;
    if (!s->in) {
        tocsin_code rc = ts_input_open(s->path, &s->in, err, sizeof err);
        if (rc != TOCSIN_OK) {
            item *it = copy_message(NULL, IT_ERROR, s->name, 0, 0, rc, err, 0);
            s->head = it;
            s->done = 1;
            return it ? TOCSIN_OK : TOCSIN_E_NOMEM;
        }
    }
    s->rh = calloc(TS_MERGE_WINDOW_EVENTS + 1, sizeof *s->rh);
    if (!s->rh || ts_scratch_init(&s->scratch) != TOCSIN_OK) {
        free(s->rh);
        s->rh = NULL;
        return TOCSIN_E_NOMEM;
    }
    s->cur = NULL, s->bi = 0;
    s->started = 1;
    if (pthread_create(&s->thread, NULL, read_file, s) != 0) {
        s->started = 0;
        ts_scratch_free(&s->scratch);
        free(s->rh);
        s->rh = NULL;
        return TOCSIN_E_NOMEM;
    }
    return TOCSIN_OK;
}

/* Starts s's reader, once, without waiting for what it reads (advance does); called by the
 * merge and by readers starting the next files, so a second caller waits for the first's
 * start to be done. */
static tocsin_code begin(const ts_merge_hooks *k, mshared *m, msrc *s, int in_order)
{
    pthread_mutex_lock(&m->mu);
    if (s->begun) {
        while (!s->ready)
            pthread_cond_wait(&m->can_take, &m->mu);
        pthread_mutex_unlock(&m->mu);
        return s->start_rc;
    }
    s->begun = 1;
    m->running++;
    pthread_mutex_unlock(&m->mu);
    s->key = INT64_MIN;
    s->in_order = in_order;
    tocsin_code rc = start_reading(k, m, s);
    pthread_mutex_lock(&m->mu);
    if (!s->started)
        m->running--;
    s->ready = 1, s->start_rc = rc;
    pthread_cond_broadcast(&m->can_take);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/* Starts the readers of the next files while fewer than m->ahead are at work. (A failure
 * here is met again when the merge reaches the file.) */
static void begin_ahead(mshared *m)
{
    for (;;) {
        pthread_mutex_lock(&m->mu);
        if (m->stop || m->running >= m->ahead || m->cursor >= m->n ||
            m->cursor >= m->merge_next + AHEAD_FILES) {
            pthread_mutex_unlock(&m->mu);
            return;
        }
        msrc *s = m->v[m->cursor++];
        pthread_mutex_unlock(&m->mu);
        begin(m->k, m, s, m->n == 1);
    }
}

/* No reader starts from now on; those begun are ready. */
static void stop_ahead(mshared *m)
{
    pthread_mutex_lock(&m->mu);
    m->stop = 1;
    for (size_t i = 0; i < m->n; i++)
        while (m->v[i]->begun && !m->v[i]->ready)
            pthread_cond_wait(&m->can_take, &m->mu);
    pthread_mutex_unlock(&m->mu);
}

/* said: the file's end goes to the hooks (file_end, and its records lost). */
static void end_reading(const ts_merge_hooks *k, msrc *s, int said)
{
    if (s->started) {
        pthread_join(s->thread, NULL); /* its queue is empty: the merge took it to the end */
        s->started = 0;
    }
    if (s->lost && said) {
        char msg[96];
        snprintf(msg, sizeof msg, "%llu records lost: out of memory", (unsigned long long)s->lost);
        ts_diag_say(k->sink.error, k->sink.ud, s->name, 0, 0, TOCSIN_E_NOMEM, msg);
    }
    s->counts.late = s->late;
    if (said)
        k->file_end(k->sink.ud, s->name, s->r->name, &s->counts);
    if (s->in)
        ts_input_close(s->in);
    s->in = NULL;
}

/* ---- before the merge: the files and where each starts ---- */

typedef struct walked {
    const ts_merge_hooks *k;
    msrc **v;
    size_t n, cap;
    int nomem;
} walked;

/* A path the walk could not open counts as a file with nothing read from it. */
static void walk_problem(void *ud, const ts_diag *d)
{
    walked *w = ud;
    ts_file_counts c = {0};
    w->k->enter(w->k->sink.ud, &c);
    if (w->k->sink.error)
        w->k->sink.error(w->k->sink.ud, d);
}

static int add_file(void *ud, const char *file)
{
    walked *w = ud;
    if (!ts_vec_grow(w->v, w->cap, w->n + 1, TS_VEC_NOCAP))
        return w->nomem = 1;
    msrc *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(file))) {
        free(s);
        return w->nomem = 1;
    }
    w->v[w->n++] = s;
    return 0;
}

static void peek_event(void *ud, ts_event *ev)
{
    int64_t *first = ud;
    if (ev->ts_ns && ev->ts_ns < *first)
        *first = ev->ts_ns;
}

/* The earliest time among the events of head (the start of a file, up to 64 KiB), read by
 * the file's reader from a copy in memory; INT64_MIN when it holds none (a binary format
 * whose first block is larger), so the file opens first. */
static int64_t first_time(const ts_reader *r, const char *head, size_t n, ts_scratch *sc)
{
    int64_t first = INT64_MAX;
    int fd = memfd_create("tocsin-head", MFD_CLOEXEC);
    if (fd < 0)
        return INT64_MIN;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, head + off, n - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    char path[64], err[256];
    ts_input *in;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (off == n && ts_input_open(path, &in, err, sizeof err) == TOCSIN_OK) {
        ts_sink sink = {peek_event, NULL, &first, NULL}; /* problems are said when read for real */
        r->read(in, sc, &sink);
        ts_input_close(in);
    }
    close(fd);
    return first == INT64_MAX ? INT64_MIN : first;
}

/* Opens s and picks its reader, saying nothing yet (say_file does): several threads look
 * at the files at once. On failure s->in is NULL and look_rc and look_err say why. */
static void look_file(msrc *s)
{
    const char *head;
    s->look_rc = ts_input_open(s->path, &s->in, s->look_err, sizeof s->look_err);
    if (s->look_rc != TOCSIN_OK) {
        s->in = NULL;
        return;
    }
    s->name = strdup(ts_input_path(s->in)); /* "-" goes by the name of standard input */
    s->head_len = ts_input_peek(s->in, &head);
    s->r = s->head_len ? ts_reader_detect(head, s->head_len) : NULL;
    if (!s->r || !s->name) {
        s->look_rc = s->name ? TOCSIN_E_FORMAT : TOCSIN_E_NOMEM;
        snprintf(s->look_err, sizeof s->look_err, "%s",
                 s->name ? "not a log format tocsin reads" : "out of memory");
        ts_input_close(s->in);
        s->in = NULL;
    }
}

/* What look_file found, to the hooks: a file no reader takes is said and ended here.
 * Returns 0 when s is to be read. */
static int say_file(const ts_merge_hooks *k, msrc *s, ts_file_counts *c)
{
    k->enter(k->sink.ud, c);
    if (s->look_rc == TOCSIN_OK)
        return 0;
    const char *name = s->name ? s->name : s->path;
    if (s->look_rc != TOCSIN_E_FORMAT || s->head_len) /* an empty file is no error */
        ts_diag_say(k->sink.error, k->sink.ud, name, 0, 0, s->look_rc, s->look_err);
    k->file_end(k->sink.ud, name, NULL, c);
    return -1;
}

static int open_file(const ts_merge_hooks *k, msrc *s, ts_file_counts *c)
{
    look_file(s);
    return say_file(k, s, c);
}

static void read_alone(const ts_merge_hooks *k, msrc *s)
{
    ts_scratch sc;
    if (open_file(k, s, &s->counts) != 0)
        return;
    if (ts_scratch_init(&sc) == TOCSIN_OK) {
        s->r->read(s->in, &sc, &k->sink);
        ts_scratch_free(&sc);
    } else {
        ts_diag_say(k->sink.error, k->sink.ud, s->name, 0, 0, TOCSIN_E_NOMEM, NULL);
    }
    k->file_end(k->sink.ud, s->name, s->r->name, &s->counts);
    ts_input_close(s->in);
    s->in = NULL;
}

static int by_start(const void *a, const void *b)
{
    const msrc *x = *(msrc *const *)a, *y = *(msrc *const *)b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return strcmp(x->name, y->name); /* the same order whatever order the paths came in */
}

/* The files whose heads the threads of order_files look at, each taking the next. */
typedef struct looking {
    msrc **v;
    size_t n;
    atomic_size_t next;
    pthread_t thread;
} looking;

/* Looks at the heads of the files l's threads take: the reader, the first event's time. A
 * stream (standard input, a pipe) stays open: it cannot be opened again. */
static void look_heads(looking *l, ts_scratch *sc)
{
    for (size_t i; (i = atomic_fetch_add(&l->next, 1)) < l->n;) {
        msrc *s = l->v[i];
        const char *head;
        struct stat st;
        look_file(s);
        if (s->look_rc != TOCSIN_OK)
            continue;
        size_t len = ts_input_peek(s->in, &head);
        s->start = first_time(s->r, head, len, sc);
        if (strcmp(s->path, TS_INPUT_STDIN) != 0 && stat(s->path, &st) == 0 && S_ISREG(st.st_mode)) {
            ts_input_close(s->in);
            s->in = NULL;
        }
    }
}

static void *look_more(void *arg)
{
    ts_scratch sc;
    if (ts_scratch_init(&sc) == TOCSIN_OK) /* else the other threads look at them all */
        look_heads(arg, &sc);
    ts_scratch_free(&sc);
    return NULL;
}

/* Looks at each file's head (two threads at once with --jobs: 54 gzip files one after another were
 * 0.05 s of a hunt's start with nothing else to do), then says what cannot be read, in the
 * files' order, and keeps those a reader takes, in order of their start. */
static size_t order_files(const ts_merge_hooks *k, msrc **v, size_t n, unsigned threads)
{
    ts_scratch sc;
    size_t kept = 0;
    if (ts_scratch_init(&sc) != TOCSIN_OK) {
        for (size_t i = 0; i < n; i++)
            free(v[i]->path), free(v[i]);
        return 0;
    }
    looking l = {v, n, 0, 0};
    int helper = threads > 1 && n > 1 && pthread_create(&l.thread, NULL, look_more, &l) == 0;
    look_heads(&l, &sc);
    if (helper)
        pthread_join(l.thread, NULL);
    ts_scratch_free(&sc);
    for (size_t i = 0; i < n; i++) {
        msrc *s = v[i];
        if (say_file(k, s, &s->counts) != 0) {
            free(s->name), free(s->path), free(s);
            continue;
        }
        v[kept++] = s;
    }
    qsort(v, kept, sizeof *v, by_start);
    for (size_t i = 0; i < kept; i++)
        v[i]->rank = i;
    return kept;
}

static void run_out(const ts_merge_hooks *k, msrc *s, int said)
{
    do
        drop(k, s->m, s->head);
    while (advance(s));
    end_reading(k, s, said);
}

/* The merge opens the files before next: their readers have a share of the queue (room),
 * and those read ahead start beyond them. */
static void reached(mshared *m, size_t next)
{
    pthread_mutex_lock(&m->mu);
    m->merge_next = next;
    if (m->cursor < next)
        m->cursor = next;
    if (m->put_waiting)
        pthread_cond_broadcast(&m->can_put);
    pthread_mutex_unlock(&m->mu);
}

static tocsin_code merge(const ts_merge_hooks *k, mshared *m, msrc **v, size_t n)
{
    msrc *heap[TS_MERGE_MAX_OPEN], *cur = NULL;
    size_t nh = 0, next = 0, started_to = 0;
    tocsin_code rc = TOCSIN_OK;
    for (;;) {
        /* Open the files whose start the merge has reached (all the first ones). */
        while (rc == TOCSIN_OK && next < n && nh < TS_MERGE_MAX_OPEN &&
               (!nh || v[next]->start <= heap[0]->key)) {
            msrc *s = v[next++];
            reached(m, next);
            rc = begin(k, m, s, n == 1);
            if (rc != TOCSIN_OK) {
                end_reading(k, s, 1);
                break;
            }
            if (s->started)
                advance(s);
            if (!s->head) {
                k->enter(k->sink.ud, &s->counts);
                end_reading(k, s, 1);
                continue;
            }
            heap[nh] = s;
            sift_up(heap, nh++);
        }
        if (!nh || rc != TOCSIN_OK)
            break;
        /* The readers of the next files start before the merge reaches them (begin_ahead):
           each reads as far as AHEAD_BYTES go while the open ones are merged, so many files
           are read at once even when their times do not overlap. */
        if (started_to != next) {
            started_to = next;
            begin_ahead(m);
        }
        msrc *s = heap[0];
        if (s != cur)
            k->enter(k->sink.ud, &s->counts);
        cur = s;
        deliver(k, m, s->head);
        if (advance(s)) {
            sift_down(heap, nh, 0);
            continue;
        }
        end_reading(k, s, 1);
        cur = NULL;
        heap[0] = heap[--nh];
        if (nh)
            sift_down(heap, nh, 0);
    }
    /* Only after a failure are files left open (and those read ahead): let their readers
       run out, then close. */
    stop_ahead(m);
    for (size_t i = 0; i < nh; i++)
        run_out(k, heap[i], 1);
    for (size_t i = next; i < n; i++)
        if (v[i]->begun)
            run_out(k, v[i], 1);
    return rc;
}

/* m's region, aligned to a huge page; without it (no memory map), chunks are malloc'ed. */
static void reserve_region(mshared *m)
{
    size_t len = REGION + HUGE_PAGE;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return;
    m->region_base = p, m->region_map = len;
    m->region = (char *)(((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    madvise(m->region, REGION, MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages */
}

/* Once every item was freed (the merge ended, every reader was joined). */
static void free_chunks(mshared *m)
{
    for (chunk *c = m->pool, *next; c; c = next) {
        next = c->next;
        if (!m->region || (char *)c < m->region || (char *)c >= m->region + REGION)
            free(c);
    }
    m->pool = NULL;
    if (m->region_base)
        munmap(m->region_base, m->region_map);
    m->region_base = NULL, m->region = NULL;
}

struct ts_merge {
    ts_merge_hooks k; /* the readers' k: its pool is set under sh's lock */
    mshared sh;
    walked w;
    int alone; /* one file, nothing ahead: read in the calling thread by ts_merge_run */
    int ran;
};

tocsin_code ts_merge_open(const char *const *paths, size_t npaths, const ts_merge_hooks *hooks,
                          unsigned ahead, ts_merge **out)
{
    ts_merge *m = calloc(1, sizeof *m);
    *out = m;
    if (!m)
        return TOCSIN_E_NOMEM;
    m->k = *hooks;
    m->k.pool = NULL, m->k.prepare = NULL, m->k.event_prep = NULL, m->k.prep_free = NULL;
    m->w = (walked){&m->k, NULL, 0, 0, 0};
    pthread_mutex_init(&m->sh.mu, NULL);
    pthread_cond_init(&m->sh.can_put, NULL);
    pthread_cond_init(&m->sh.can_take, NULL);
    m->sh.ahead = ahead;
    m->sh.ahead_bytes = AHEAD_BYTES;
    if (ahead)
        reserve_region(&m->sh);
    ts_slots_take(m->k.slots);
    for (size_t i = 0; i < npaths && !m->w.nomem; i++)
        ts_walk(paths[i], add_file, walk_problem, &m->w);
    if (m->w.nomem)
        return TOCSIN_E_NOMEM;
    if (m->w.n == 1 && !ahead) {
        m->alone = 1;
        return TOCSIN_OK;
    }
    m->w.n = order_files(&m->k, m->w.v, m->w.n, ahead);
    /* The first files' readers start now, while the caller gets ready (its rules load),
       and each starts the next file's as it ends. */
    m->sh.v = m->w.v, m->sh.n = m->w.n, m->sh.k = &m->k;
    begin_ahead(&m->sh);
    return TOCSIN_OK;
}

tocsin_code ts_merge_run(ts_merge *m, ts_jobpool *pool,
                         void *(*prepare)(void *ud, unsigned worker, const ts_event *ev),
                         void (*event_prep)(void *ud, ts_event *ev, void *prep),
                         void (*prep_free)(void *ud, void *prep))
{
    m->ran = 1;
    if (m->alone) {
        read_alone(&m->k, m->w.v[0]);
        return TOCSIN_OK;
    }
    pthread_mutex_lock(&m->sh.mu);
    m->sh.ahead_bytes = STEADY_BYTES;
    if (pool) { /* what was read meanwhile is prepared first, in the order it was read */
        m->k.pool = pool, m->k.prepare = prepare, m->k.event_prep = event_prep, m->k.prep_free = prep_free;
        for (size_t i = 0; i < m->w.n; i++)
            for (mbatch *b = m->w.v[i]->begun ? m->w.v[i]->qhead : NULL; b; b = b->next) {
                b->pending = 1;
                ts_jobpool_submit(pool, &b->task);
            }
    }
    pthread_mutex_unlock(&m->sh.mu);
    tocsin_code rc = merge(&m->k, &m->sh, m->w.v, m->w.n);
    free_chunks(&m->sh); /* not held while the caller concludes */
    return rc;
}

void ts_merge_close(ts_merge *m)
{
    if (!m)
        return;
    /* The readers started ahead, never merged, are run out. How many had started depends
       on their pace: only the first ones, started by ts_merge_open, are said ended, so the
       hooks hear the same whatever the timing. */
    if (!m->ran)
        stop_ahead(&m->sh);
    for (size_t i = 0; !m->ran && i < m->w.n; i++)
        if (m->w.v[i]->begun)
            run_out(&m->k, m->w.v[i], i < m->sh.ahead && i < AHEAD_FILES);
    ts_slots_give(m->k.slots);
    for (size_t i = 0; i < m->w.n; i++) {
        free(m->w.v[i]->path);
        free(m->w.v[i]->name);
        free(m->w.v[i]);
    }
    free(m->w.v);
    free_chunks(&m->sh);
    pthread_mutex_destroy(&m->sh.mu);
    pthread_cond_destroy(&m->sh.can_put);
    pthread_cond_destroy(&m->sh.can_take);
    free(m);
}

tocsin_code ts_merge_paths(const char *const *paths, size_t npaths, const ts_merge_hooks *hooks)
{
    ts_merge *m;
    unsigned ahead = hooks->pool ? ts_jobpool_workers(hooks->pool) : 0;
    tocsin_code rc = ts_merge_open(paths, npaths, hooks, ahead, &m);
    if (rc == TOCSIN_OK)
        rc = ts_merge_run(m, hooks->pool, hooks->prepare, hooks->event_prep, hooks->prep_free);
    ts_merge_close(m);
    return rc;
}
