/* merge.c: a k-way merge of a hunt's files by event time (merge.h).
 *
 * Readers push events into a sink and borrow their buffers, so each open file's reader runs
 * in a thread of its own, copying each event (typed fields and raw fields) into one
 * allocation. A small reorder heap per file puts slightly disordered records back in order
 * before they enter the file's bounded queue. The calling thread keeps a heap of the open
 * files keyed by the time of each queue's head and passes the earliest on. Files open in
 * the order of their first event's time, learnt by running their reader over the head of
 * each file alone, so at most TS_MERGE_MAX_OPEN are read at once. */
#include "api/merge.h"
#include "core/vec.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Events a file's queue holds before its reader waits for the merge (which holds as many
 * more, taken from the queue in one batch, and with a pool one batch more, being
 * prepared while the one before is passed on). */
#define QUEUE_CAP 256

/* A copied event, or a message of the reader, in one allocation with its strings. */
enum { IT_EVENT, IT_ERROR, IT_WARN };
typedef struct item {
    int kind;
    tocsin_code code; /* IT_ERROR */
    uint64_t seq;     /* order read, to keep equal times in file order */
    const char *msg;  /* IT_ERROR, IT_WARN */
    void *prep;       /* IT_EVENT: what the hooks' prepare returned */
    ts_event ev;      /* IT_EVENT; file, line and record for the others too */
} item;

/* Items taken from a file's queue at once; with a pool, a task of preparing them. */
typedef struct mbatch {
    ts_task task; /* first: the task is the batch */
    const ts_merge_hooks *k;
    item **v; /* QUEUE_CAP */
    size_t n;
    int pending; /* handed to the pool and not waited for yet */
} mbatch;

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
    int64_t start; /* first event's time in the head; INT64_MIN when unknown */
    ts_input *in;  /* open while read, and from the head's look on for a stream */
    ts_scratch scratch;
    ts_file_counts counts;
    pthread_t thread;
    int started;
    int in_order; /* the only file: passed on in the order read, as read_alone would */
    int begun;    /* its reader was started (or its opening failed: head says why) */

    /* The queue, between the reader's thread and the merge. */
    pthread_mutex_t mu;
    pthread_cond_t can_put, can_take;
    item **q; /* QUEUE_CAP; this, rh and the batches are allocated while the file is read */
    size_t qh, qn;
    int done;

    /* The reader's side: reorder heap, newest time read, last time queued. */
    struct held *rh; /* TS_MERGE_WINDOW_EVENTS + 1 */
    size_t rn;
    int64_t newest, last_out;
    int emitted;
    uint64_t seq, late, lost;

    /* The merge's side: the batch being passed on (b[cur], from bi), the one after it
       (being prepared), the head. */
    mbatch b[2];
    int cur;
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
static item *copy_event(const ts_event *ev, const char *file, uint64_t seq)
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
    item *it = malloc(need);
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
    *it = (item){IT_EVENT, TOCSIN_OK, seq, NULL, NULL, e};
    return it;
}

static item *copy_message(int kind, const char *file, uint64_t line, uint64_t record, tocsin_code code,
                          const char *msg, uint64_t seq)
{
    size_t n = msg ? strlen(msg) : 0;
    item *it = malloc(sizeof *it + n + 1);
    if (!it)
        return NULL;
    char *m = (char *)(it + 1);
    if (n)
        memcpy(m, msg, n);
    m[n] = 0;
    *it = (item){kind, code, seq, m, NULL, {0}};
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

static void enqueue(msrc *s, item *it)
{
    pthread_mutex_lock(&s->mu);
    if (s->qn == QUEUE_CAP) { /* only this thread adds: once not full, it stays so */
        pthread_mutex_unlock(&s->mu);
        ts_slots_give(s->k->slots);
        pthread_mutex_lock(&s->mu);
        while (s->qn == QUEUE_CAP)
            pthread_cond_wait(&s->can_put, &s->mu);
        pthread_mutex_unlock(&s->mu);
        ts_slots_take(s->k->slots);
        pthread_mutex_lock(&s->mu);
    }
    s->q[(s->qh + s->qn) % QUEUE_CAP] = it;
    if (s->qn++ == 0)
        pthread_cond_signal(&s->can_take);
    pthread_mutex_unlock(&s->mu);
}

static void release_oldest(msrc *s)
{
    item *it = heap_pop(s);
    s->last_out = it->ev.ts_ns;
    s->emitted = 1;
    enqueue(s, it);
}

static void on_read(void *ud, ts_event *ev)
{
    msrc *s = ud;
    item *it = copy_event(ev, s->name, s->seq++);
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
    item *it = copy_message(IT_ERROR, s->name, d->line, d->record, d->code, d->msg ? d->msg : "", s->seq++);
    if (it)
        enqueue(s, it);
    else
        s->lost++;
}

static void on_read_warn(void *ud, const ts_diag *d)
{
    msrc *s = ud;
    item *it = copy_message(IT_WARN, s->name, d->line, d->record, TOCSIN_OK, d->msg, s->seq++);
    if (it)
        enqueue(s, it);
    else
        s->lost++;
}

static void *read_file(void *arg)
{
    msrc *s = arg;
    ts_sink sink = {on_read, on_read_error, s, on_read_warn};
    s->newest = INT64_MIN;
    ts_slots_take(s->k->slots);
    s->r->read(s->in, &s->scratch, &sink);
    while (s->rn)
        release_oldest(s);
    ts_slots_give(s->k->slots); /* before the end is said: the merge then joins this thread */
    pthread_mutex_lock(&s->mu);
    s->done = 1;
    pthread_cond_signal(&s->can_take);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- the merge ---- */

static void prepare_batch(ts_task *t, unsigned worker)
{
    mbatch *b = (mbatch *)t;
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i]->kind == IT_EVENT)
            b->v[i]->prep = b->k->prepare(b->k->sink.ud, worker, &b->v[i]->ev);
}

/* Moves what the queue holds into b (empty), and hands b to the pool to prepare. block:
 * waits for an item or the end (giving the slot back meanwhile) when there is none. */
static void grab(msrc *s, mbatch *b, int block)
{
    pthread_mutex_lock(&s->mu);
    if (block && !s->qn && !s->done) { /* only this thread takes: once there, items stay */
        pthread_mutex_unlock(&s->mu);
        ts_slots_give(s->k->slots);
        pthread_mutex_lock(&s->mu);
        while (!s->qn && !s->done)
            pthread_cond_wait(&s->can_take, &s->mu);
        pthread_mutex_unlock(&s->mu);
        ts_slots_take(s->k->slots);
        pthread_mutex_lock(&s->mu);
    }
    for (b->n = 0; s->qn; s->qn--) {
        b->v[b->n++] = s->q[s->qh];
        s->qh = (s->qh + 1) % QUEUE_CAP;
    }
    pthread_cond_signal(&s->can_put);
    pthread_mutex_unlock(&s->mu);
    if (b->n && s->k->pool) {
        ts_jobpool_submit(s->k->pool, &b->task);
        b->pending = 1;
    }
}

/* The next item of s. The merge empties the whole queue at once into a batch of its own,
 * so the reader, woken once per batch rather than per event, and the merge rarely meet on
 * the lock. With a pool, the batch after the one passed on is taken as soon as there is
 * one, to be prepared meanwhile. */
static item *take(msrc *s)
{
    mbatch *cur = &s->b[s->cur];
    if (s->bi < cur->n)
        return cur->v[s->bi++];
    cur->n = 0;
    s->cur ^= 1, s->bi = 0;
    mbatch *next = cur;
    cur = &s->b[s->cur];
    if (!cur->n)
        grab(s, cur, 1);
    if (!cur->n)
        return NULL;
    if (s->k->pool)
        grab(s, next, 0);
    if (cur->pending) {
        ts_jobpool_wait(s->k->pool, &cur->task);
        cur->pending = 0;
    }
    return cur->v[s->bi++];
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
static void drop(const ts_merge_hooks *k, item *it)
{
    if (it && it->prep)
        k->prep_free(k->sink.ud, it->prep);
    free(it);
}

static void deliver(const ts_merge_hooks *k, item *it)
{
    const ts_sink *sk = &k->sink;
    if (it->kind == IT_EVENT && k->event_prep)
        k->event_prep(sk->ud, &it->ev, it->prep);
    else if (it->kind == IT_EVENT)
        sk->event(sk->ud, &it->ev);
    else if (it->kind == IT_WARN && sk->warn)
        ts_diag_say(sk->warn, sk->ud, it->ev.file, it->ev.line, it->ev.record, TOCSIN_E_PARSE, it->msg);
    else
        ts_diag_say(sk->error, sk->ud, it->ev.file, it->ev.line, it->ev.record,
                    it->kind == IT_WARN ? TOCSIN_E_PARSE : it->code, it->msg);
    free(it);
}

static tocsin_code start_reading(const ts_merge_hooks *k, msrc *s)
{
    char err[512];
    s->k = k;
    if (!s->in) {
        tocsin_code rc = ts_input_open(s->path, &s->in, err, sizeof err);
        if (rc != TOCSIN_OK) {
            item *it = copy_message(IT_ERROR, s->name, 0, 0, rc, err, 0);
            s->head = it;
            s->done = 1;
            return it ? TOCSIN_OK : TOCSIN_E_NOMEM;
        }
    }
    s->q = calloc(3 * QUEUE_CAP, sizeof *s->q);
    s->rh = calloc(TS_MERGE_WINDOW_EVENTS + 1, sizeof *s->rh);
    if (!s->q || !s->rh || ts_scratch_init(&s->scratch) != TOCSIN_OK) {
        free(s->q), free(s->rh);
        s->q = NULL, s->rh = NULL;
        return TOCSIN_E_NOMEM;
    }
    for (int i = 0; i < 2; i++)
        s->b[i] = (mbatch){{prepare_batch, 0, NULL}, k, s->q + (i + 1) * QUEUE_CAP, 0, 0};
    s->cur = 0, s->bi = 0;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->can_put, NULL);
    pthread_cond_init(&s->can_take, NULL);
    s->started = 1;
    if (pthread_create(&s->thread, NULL, read_file, s) != 0) {
        s->started = 0;
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->can_put);
        pthread_cond_destroy(&s->can_take);
        ts_scratch_free(&s->scratch);
        free(s->q), free(s->rh);
        s->q = NULL, s->rh = NULL;
        return TOCSIN_E_NOMEM;
    }
    return TOCSIN_OK;
}

/* Starts s's reader, once, without waiting for what it reads (advance does). */
static tocsin_code begin(const ts_merge_hooks *k, msrc *s, int in_order)
{
    if (s->begun)
        return TOCSIN_OK;
    s->key = INT64_MIN;
    s->in_order = in_order;
    tocsin_code rc = start_reading(k, s);
    s->begun = rc == TOCSIN_OK;
    return rc;
}

static void end_reading(const ts_merge_hooks *k, msrc *s)
{
    if (s->started) {
        pthread_join(s->thread, NULL);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->can_put);
        pthread_cond_destroy(&s->can_take);
        ts_scratch_free(&s->scratch);
        free(s->q), free(s->rh);
        s->q = NULL, s->rh = NULL;
        s->started = 0;
    }
    if (s->lost) {
        char msg[96];
        snprintf(msg, sizeof msg, "%llu records lost: out of memory", (unsigned long long)s->lost);
        ts_diag_say(k->sink.error, k->sink.ud, s->name, 0, 0, TOCSIN_E_NOMEM, msg);
    }
    s->counts.late = s->late;
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

static int add_file(void *ud, const char *file, const char *walk_err)
{
    walked *w = ud;
    if (walk_err) {
        ts_file_counts c = {0};
        w->k->enter(w->k->sink.ud, &c);
        ts_diag_say(w->k->sink.error, w->k->sink.ud, file, 0, 0, TOCSIN_E_IO, walk_err);
        return 0;
    }
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

/* Opens s and picks its reader. A file no reader takes is said and ended here. Returns 0
 * when s is to be read. */
static int open_file(const ts_merge_hooks *k, msrc *s, ts_file_counts *c)
{
    char err[512];
    const char *head;
    k->enter(k->sink.ud, c);
    tocsin_code rc = ts_input_open(s->path, &s->in, err, sizeof err);
    if (rc != TOCSIN_OK) {
        ts_diag_say(k->sink.error, k->sink.ud, s->path, 0, 0, rc, err);
        k->file_end(k->sink.ud, s->path, NULL, c);
        return -1;
    }
    s->name = strdup(ts_input_path(s->in)); /* "-" goes by the name of standard input */
    size_t n = ts_input_peek(s->in, &head);
    s->r = n ? ts_reader_detect(head, n) : NULL;
    if (!s->r || !s->name) {
        const char *name = s->name ? s->name : s->path;
        if (n)
            ts_diag_say(k->sink.error, k->sink.ud, name, 0, 0, s->name ? TOCSIN_E_FORMAT : TOCSIN_E_NOMEM,
                        s->name ? "not a log format tocsin reads" : "out of memory");
        k->file_end(k->sink.ud, name, NULL, c);
        ts_input_close(s->in);
        s->in = NULL;
        return -1;
    }
    return 0;
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

/* Looks at each file's head, then keeps those a reader takes, in order of their start. A
 * stream (standard input, a pipe) stays open: it cannot be opened again. */
static size_t order_files(const ts_merge_hooks *k, msrc **v, size_t n)
{
    ts_scratch sc;
    size_t kept = 0;
    if (ts_scratch_init(&sc) != TOCSIN_OK) {
        for (size_t i = 0; i < n; i++)
            free(v[i]->path), free(v[i]);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        msrc *s = v[i];
        const char *head;
        struct stat st;
        if (open_file(k, s, &s->counts) != 0) {
            free(s->name), free(s->path), free(s);
            continue;
        }
        size_t len = ts_input_peek(s->in, &head);
        s->start = first_time(s->r, head, len, &sc);
        if (strcmp(s->path, TS_INPUT_STDIN) != 0 && stat(s->path, &st) == 0 && S_ISREG(st.st_mode)) {
            ts_input_close(s->in);
            s->in = NULL;
        }
        v[kept++] = s;
    }
    ts_scratch_free(&sc);
    qsort(v, kept, sizeof *v, by_start);
    for (size_t i = 0; i < kept; i++)
        v[i]->rank = i;
    return kept;
}

static void run_out(const ts_merge_hooks *k, msrc *s)
{
    do
        drop(k, s->head);
    while (advance(s));
    end_reading(k, s);
}

static tocsin_code merge(const ts_merge_hooks *k, msrc **v, size_t n)
{
    msrc *heap[TS_MERGE_MAX_OPEN], *cur = NULL;
    size_t nh = 0, next = 0;
    tocsin_code rc = TOCSIN_OK;
    for (;;) {
        /* Open the files whose start the merge has reached (all the first ones). */
        while (rc == TOCSIN_OK && next < n && nh < TS_MERGE_MAX_OPEN &&
               (!nh || v[next]->start <= heap[0]->key)) {
            msrc *s = v[next++];
            rc = begin(k, s, n == 1);
            if (rc != TOCSIN_OK) {
                end_reading(k, s);
                break;
            }
            if (s->started)
                advance(s);
            if (!s->head) {
                k->enter(k->sink.ud, &s->counts);
                end_reading(k, s);
                continue;
            }
            heap[nh] = s;
            sift_up(heap, nh++);
        }
        if (!nh || rc != TOCSIN_OK)
            break;
        /* With a pool, the readers of the next files (one per worker) start before the
           merge reaches them: each reads as far as its queue and reorder window go while
           the open ones are merged, so many files are read at once even when their times
           do not overlap. (A failure here is met again when the merge reaches the file.) */
        for (size_t i = next; k->pool && i < n && i < next + ts_jobpool_workers(k->pool) &&
                              nh + (i - next) < TS_MERGE_MAX_OPEN - 1;
             i++)
            begin(k, v[i], 0);
        msrc *s = heap[0];
        if (s != cur)
            k->enter(k->sink.ud, &s->counts);
        cur = s;
        deliver(k, s->head);
        if (advance(s)) {
            sift_down(heap, nh, 0);
            continue;
        }
        end_reading(k, s);
        cur = NULL;
        heap[0] = heap[--nh];
        if (nh)
            sift_down(heap, nh, 0);
    }
    /* Only after a failure are files left open (and those read ahead): let their readers
       run out, then close. */
    for (size_t i = 0; i < nh; i++)
        run_out(k, heap[i]);
    for (size_t i = next; i < n; i++)
        if (v[i]->begun)
            run_out(k, v[i]);
    return rc;
}

tocsin_code ts_merge_paths(const char *const *paths, size_t npaths, const ts_merge_hooks *hooks)
{
    walked w = {hooks, NULL, 0, 0, 0};
    tocsin_code rc = TOCSIN_OK;
    ts_slots_take(hooks->slots);
    for (size_t i = 0; i < npaths && !w.nomem; i++)
        ts_walk(paths[i], add_file, &w);
    if (w.nomem) {
        rc = TOCSIN_E_NOMEM;
    } else if (w.n == 1 && !hooks->pool) {
        read_alone(hooks, w.v[0]);
    } else {
        w.n = order_files(hooks, w.v, w.n);
        rc = merge(hooks, w.v, w.n);
    }
    ts_slots_give(hooks->slots);
    for (size_t i = 0; i < w.n; i++) {
        free(w.v[i]->path);
        free(w.v[i]->name);
        free(w.v[i]);
    }
    free(w.v);
    return rc;
}
