/* ship.c: `tocsin ship`, the files `tocsin watch` would follow, added record by record to a
 * Redis stream. Each poll's records and the files' new positions go in one MULTI/EXEC, so
 * Redis holds either both or neither: a shipper killed at any point and restarted reads on
 * from the positions Redis kept, skipping and repeating nothing. With partitions, a record
 * goes to KEY:pN by a hash of its entity (the internal address of a connection, the host
 * of a host log), so one worker sees everything about one host. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hash.h"
#include "core/esc.h"
#include "core/ip.h"
#include "ingest/ingest.h"
#include "live/live.h"
#include "core/rconn.h"
#include "core/vec.h"

#define MAX_PARTS 1024

typedef struct rec {
    unsigned part;
    uint32_t file; /* index in names */
    uint64_t line;
    const ts_reader *reader;
    size_t off, len; /* the line in text */
    size_t hdr;      /* index+1 in headers, or 0 */
} rec;

/* A Zeek header named by this batch: its hex id and where its text is, in text. */
typedef struct zheader {
    char id[17];
    size_t text, len;
} zheader;

typedef struct shipper {
    const tocsin_ship_options *o;
    ts_redis *r;
    ts_tail *tail;
    unsigned parts;
    char key[256], poskey[300], hdrkey[300], metakey[300];
    ts_watch_pos *saved; /* the positions Redis holds, read at (re)start */
    char **saved_names;
    size_t nsaved;
    /* this poll's batch */
    char *text;
    size_t ntext, captext;
    rec *recs;
    size_t nrecs, caprecs;
    char **names;
    size_t nnames, capnames;
    zheader *headers; /* the Zeek headers this batch names */
    size_t nheaders, capheaders;
    /* the chunk being read for partition keys */
    int *line_part;
    size_t cap_line_part;
    uint64_t chunk_first;
    ts_scratch scratch;
    uint64_t shipped;
    bool failed; /* memory ran out in this batch: it is not sent */
} shipper;

static void note(void *ud, const ts_diag *d)
{
    (void)ud;
    fputs("tocsin: ", stderr);
    ts_fputs_term(d->file, stderr); /* a file name is anyone's bytes */
    fputs(": ", stderr);
    ts_fputs_term(d->msg, stderr);
    fputc('\n', stderr);
}

static size_t keep_text(shipper *s, const char *p, size_t n)
{
    if (!ts_vec_grow(s->text, s->captext, s->ntext + n + 1, TS_VEC_NOCAP)) {
        s->failed = true;
        return 0;
    }
    memcpy(s->text + s->ntext, p, n);
    size_t at = s->ntext;
    s->ntext += n;
    return at;
}

/* ---- partitions: which entity a record is about ------------------------------------ */

/* The entity a record is partitioned on (docs/live.md): the host that logged it, else the
 * internal side of a connection, else its source address; -1 when it names none. */
static int part_of(const shipper *s, const ts_event *ev)
{
    uint64_t h = TS_HASH_SEED;
    if (ev->host.n)
        h = ts_hash(h, ev->host.p, ev->host.n);
    else if (ts_ip_set(&ev->src_ip) && (ts_ip_is_internal_default(&ev->src_ip) || !ts_ip_set(&ev->dst_ip) ||
                                        !ts_ip_is_internal_default(&ev->dst_ip)))
        h = ts_hash(ts_hash(h, &ev->src_ip.v, 1), ev->src_ip.b, sizeof ev->src_ip.b);
    else if (ts_ip_set(&ev->dst_ip))
        h = ts_hash(ts_hash(h, &ev->dst_ip.v, 1), ev->dst_ip.b, sizeof ev->dst_ip.b);
    else if (ev->user.n)
        h = ts_hash(h, ev->user.p, ev->user.n);
    else
        return -1;
    return (int)(h % s->parts);
}

static void on_event(void *ud, ts_event *ev)
{
    shipper *s = ud;
    /* line_part[k] is the chunk's line k, numbered chunk_first + 1 + k */
    if (ev->line > s->chunk_first && ev->line - s->chunk_first - 1 < s->cap_line_part)
        s->line_part[ev->line - s->chunk_first - 1] = part_of(s, ev);
}

/* Each line's partition, from the events the reader makes of the chunk; a line that makes
 * no event of its own (the rest of a multi-line record) follows the line before it. */
static void partition_lines(shipper *s, const char *name, const ts_reader *r, const char *data, size_t len,
                            uint64_t lines_before, size_t nlines)
{
    if (!ts_vec_grow(s->line_part, s->cap_line_part, nlines + 1, TS_VEC_NOCAP)) {
        s->failed = true;
        return;
    }
    for (size_t i = 0; i <= nlines; i++)
        s->line_part[i] = -1;
    if (s->parts < 2)
        return;
    s->chunk_first = lines_before;
    ts_input *in;
    if (ts_input_open_mem(name, data, len, lines_before, &in) != TOCSIN_OK) {
        s->failed = true;
        return;
    }
    ts_sink sink = {on_event, NULL, s, NULL}; /* problems: the worker says them */
    r->read(in, &s->scratch, &sink);
    ts_input_close(in);
}

static uint32_t file_index(shipper *s, const char *name)
{
    for (size_t i = s->nnames; i-- > 0;)
        if (strcmp(s->names[i], name) == 0)
            return (uint32_t)i;
    char *copy = strdup(name);
    if (!copy || !ts_vec_grow(s->names, s->capnames, s->nnames + 1, TS_VEC_NOCAP)) {
        free(copy);
        s->failed = true;
        return 0;
    }
    s->names[s->nnames] = copy;
    return (uint32_t)s->nnames++;
}

/* A Zeek header's id in this batch (its text kept in KEY:headers under its hash). */
static size_t header_index(shipper *s, const char *h, size_t n)
{
    char id[17];
    snprintf(id, sizeof id, "%016llx", (unsigned long long)ts_hash(TS_HASH_SEED, h, n));
    for (size_t i = 0; i < s->nheaders; i++)
        if (strcmp(s->headers[i].id, id) == 0)
            return i + 1;
    if (!ts_vec_grow(s->headers, s->capheaders, s->nheaders + 1, TS_VEC_NOCAP)) {
        s->failed = true;
        return 0;
    }
    zheader *z = &s->headers[s->nheaders];
    memcpy(z->id, id, sizeof id);
    z->text = keep_text(s, h, n);
    z->len = n;
    return ++s->nheaders;
}

static void on_chunk(void *ud, const char *name, const ts_reader *r, const char *data, size_t len,
                     size_t header, uint64_t lines_before)
{
    shipper *s = ud;
    bool zeek_tsv = strcmp(r->name, "zeek-tsv") == 0;
    size_t nlines = 0, hdr_end = 0;
    for (size_t i = 0; i < len; i++)
        nlines += data[i] == '\n';
    nlines += len && data[len - 1] != '\n';
    if (zeek_tsv) /* the header: the copy before the new lines, or the file's own first lines */
        while (hdr_end < len && data[hdr_end] == '#') {
            const char *nl = memchr(data + hdr_end, '\n', len - hdr_end);
            hdr_end = nl ? (size_t)(nl - data) + 1 : len;
        }
    (void)header;
    partition_lines(s, name, r, data, len, lines_before, nlines);
    if (s->failed)
        return;
    uint32_t fi = file_index(s, name);
    size_t hi = zeek_tsv && hdr_end ? header_index(s, data, hdr_end) : 0;
    int last = (int)(ts_hash(TS_HASH_SEED, name, strlen(name)) % s->parts);
    uint64_t line = lines_before;
    for (size_t at = 0, k = 0; at < len && !s->failed; k++) {
        const char *nl = memchr(data + at, '\n', len - at);
        size_t end = nl ? (size_t)(nl - data) : len, n = end - at;
        line++;
        if (s->line_part[k] >= 0)
            last = s->line_part[k];
        bool skip = !n || (n == 1 && data[at] == '\r') || (zeek_tsv && data[at] == '#') || at < header;
        if (!skip) {
            if (!ts_vec_grow(s->recs, s->caprecs, s->nrecs + 1, TS_VEC_NOCAP)) {
                s->failed = true;
                break;
            }
            size_t off = keep_text(s, data + at, n);
            s->recs[s->nrecs++] = (rec){(unsigned)last, fi, line, r, off, n, hi};
        }
        at = end + 1;
    }
}

/* ---- positions in Redis ------------------------------------------------------------ */

/* KEY:positions holds "DEV:INO" -> "OFFSET LINES HEAD_LEN HEAD_HASH PATH". */
static uint64_t field_u64(const char **p)
{
    uint64_t v = 0;
    while (**p == ' ')
        (*p)++;
    while (**p >= '0' && **p <= '9')
        v = v * 10 + (uint64_t)(*(*p)++ - '0');
    return v;
}

static void forget_saved(shipper *s)
{
    for (size_t i = 0; i < s->nsaved; i++)
        free(s->saved_names[i]);
    free(s->saved);
    free(s->saved_names);
    s->saved = NULL, s->saved_names = NULL, s->nsaved = 0;
}

static bool load_positions(shipper *s)
{
    forget_saved(s);
    redisReply *rep = ts_redis_cmd(s->r, "HGETALL %s", s->poskey);
    if (!ts_redis_is(rep, REDIS_REPLY_ARRAY)) {
        if (rep)
            fprintf(stderr, "tocsin: ship: %s: HGETALL %s: %s\n", ts_redis_where(s->r), s->poskey,
                    rep->type == REDIS_REPLY_ERROR ? rep->str : "not a hash");
        freeReplyObject(rep);
        return false;
    }
    size_t n = rep->elements / 2;
    s->saved = calloc(n + 1, sizeof *s->saved);
    s->saved_names = calloc(n + 1, sizeof *s->saved_names);
    for (size_t i = 0; s->saved && s->saved_names && i < n; i++) {
        const char *k = rep->element[2 * i]->str, *v = rep->element[2 * i + 1]->str;
        if (!k || !v)
            continue;
        ts_watch_pos p = {0};
        p.dev = (int64_t)field_u64(&k);
        if (*k++ != ':')
            continue;
        p.ino = (int64_t)field_u64(&k);
        p.offset = field_u64(&v);
        p.lines = field_u64(&v);
        p.head_len = (uint32_t)field_u64(&v);
        p.head_hash = field_u64(&v);
        s->saved_names[s->nsaved] = strdup(*v == ' ' ? v + 1 : v);
        s->saved[s->nsaved++] = p;
    }
    freeReplyObject(rep);
    return s->saved && s->saved_names;
}

static void find_saved(void *ud, int64_t dev, int64_t ino, ts_watch_pos *out, int *found)
{
    shipper *s = ud;
    *found = 0;
    for (size_t i = 0; i < s->nsaved; i++)
        if (s->saved[i].dev == dev && s->saved[i].ino == ino) {
            *out = s->saved[i];
            *found = 1;
            return;
        }
}

/* ---- the batch, in one MULTI/EXEC ---------------------------------------------------- */

static void stream_of(const shipper *s, unsigned part, char *buf, size_t cap)
{
    if (s->parts < 2)
        snprintf(buf, cap, "%s", s->key);
    else
        snprintf(buf, cap, "%s:p%u", s->key, part);
}

static void add_position(void *ud, const char *name, const ts_watch_pos *p)
{
    shipper *s = ud;
    char field[48], value[4200];
    snprintf(field, sizeof field, "%lld:%lld", (long long)p->dev, (long long)p->ino);
    if (!name) {
        const char *argv[] = {"HDEL", s->poskey, field};
        ts_redis_append(s->r, 3, argv, (size_t[]){4, strlen(s->poskey), strlen(field)});
        return;
    }
    snprintf(value, sizeof value, "%llu %llu %u %llu %s", (unsigned long long)p->offset,
             (unsigned long long)p->lines, (unsigned)p->head_len, (unsigned long long)p->head_hash, name);
    const char *argv[] = {"HSET", s->poskey, field, value};
    ts_redis_append(s->r, 4, argv, (size_t[]){4, strlen(s->poskey), strlen(field), strlen(value)});
}

static void reset_batch(shipper *s)
{
    for (size_t i = 0; i < s->nnames; i++)
        free(s->names[i]);
    s->nnames = s->nrecs = s->ntext = s->nheaders = 0;
    s->failed = false;
}

/* Sends the batch; true when Redis took it all (and the positions with it). */
static bool send_batch(shipper *s)
{
    char stream[300], line[24];
    ts_redis_append(s->r, 1, (const char *[]){"MULTI"}, (size_t[]){5});
    for (size_t i = 0; i < s->nheaders; i++) {
        const char *argv[] = {"HSET", s->hdrkey, s->headers[i].id, s->text + s->headers[i].text};
        ts_redis_append(s->r, 4, argv, (size_t[]){4, strlen(s->hdrkey), 16, s->headers[i].len});
    }
    for (size_t i = 0; i < s->nrecs; i++) {
        const rec *x = &s->recs[i];
        stream_of(s, x->part, stream, sizeof stream);
        snprintf(line, sizeof line, "%llu", (unsigned long long)x->line);
        const char *argv[] = {"XADD",
                              stream,
                              "*",
                              "file",
                              s->names[x->file],
                              "line",
                              line,
                              "layout",
                              x->reader->name,
                              "data",
                              s->text + x->off,
                              "header",
                              x->hdr ? s->headers[x->hdr - 1].id : ""};
        size_t lens[] = {4,
                         strlen(stream),
                         1,
                         4,
                         strlen(s->names[x->file]),
                         4,
                         strlen(line),
                         6,
                         strlen(x->reader->name),
                         4,
                         x->len,
                         6,
                         x->hdr ? 16 : 0};
        ts_redis_append(s->r, x->hdr ? 13 : 11, argv, lens);
    }
    ts_tail_each_moved(s->tail, add_position, s);
    ts_redis_append(s->r, 1, (const char *[]){"EXEC"}, (size_t[]){4});
    /* MULTI's OK, a QUEUED for each command, then EXEC's array of their replies (nil or an
       error: nothing ran). A connection lost before EXEC's reply leaves it unknown whether
       the batch went in: the caller then starts again from the positions Redis holds. */
    bool ok = true, executed = false;
    redisReply *rep;
    while ((rep = ts_redis_next(s->r))) {
        if (rep->type == REDIS_REPLY_ERROR) {
            fprintf(stderr, "tocsin: ship: %s: %s\n", ts_redis_where(s->r), rep->str);
            ok = false;
        }
        if (rep->type == REDIS_REPLY_ARRAY) {
            executed = true;
            for (size_t i = 0; i < rep->elements; i++)
                if (rep->element[i]->type == REDIS_REPLY_ERROR) {
                    fprintf(stderr, "tocsin: ship: %s: %s\n", ts_redis_where(s->r), rep->element[i]->str);
                    ok = false;
                }
        }
        freeReplyObject(rep);
    }
    return ok && executed;
}

/* ---- the loop ------------------------------------------------------------------------ */

static void pause_for(double secs)
{
    struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    nanosleep(&ts, NULL);
}

/* The stream's partition count is kept in KEY:meta, so workers and a restarted shipper
 * agree on it: 0 ok, 1 Redis is not there, -1 it differs (said). */
static int agree_partitions(shipper *s)
{
    redisReply *rep = ts_redis_cmd(s->r, "HSETNX %s partitions %u", s->metakey, s->parts);
    if (!rep)
        return 1;
    freeReplyObject(rep);
    rep = ts_redis_cmd(s->r, "HGET %s partitions", s->metakey);
    if (!rep)
        return 1;
    char want[16];
    snprintf(want, sizeof want, "%u", s->parts);
    int rc = rep->type == REDIS_REPLY_STRING && strcmp(rep->str, want) != 0 ? -1 : 0;
    if (rc)
        fprintf(stderr, "tocsin: ship: stream %s has %s partitions (%s), not %u: give --partitions %s\n",
                s->key, rep->str, s->metakey, s->parts, rep->str);
    freeReplyObject(rep);
    return rc;
}

/* (Re)starts from what Redis holds: 0 ok, 1 Redis is down, -1 a failure to report. */
static int start(shipper *s, const char *const *paths, size_t npaths)
{
    if (!ts_redis_ready(s->r))
        return 1;
    int rc = agree_partitions(s);
    if (rc)
        return rc;
    if (!load_positions(s))
        return 1;
    ts_tail_free(s->tail);
    if (!(s->tail = ts_tail_new(NULL, paths, npaths, note, s)))
        return -1;
    ts_tail_positions_from(s->tail, find_saved, s);
    return 0;
}

tocsin_code tocsin_ship(const char *const *paths, size_t npaths, const tocsin_ship_options *o)
{
    shipper s = {.o = o, .parts = o->partitions ? o->partitions : 1};
    char err[600];
    if (!npaths || !o->redis || !o->stream || !*o->stream) {
        fprintf(stderr, "tocsin: ship needs PATH..., --redis URL and --stream KEY\n");
        return TOCSIN_E_ARG;
    }
    if (s.parts > MAX_PARTS || strlen(o->stream) > 200) {
        fprintf(stderr, "tocsin: ship: at most %d partitions and a key of 200 bytes\n", MAX_PARTS);
        return TOCSIN_E_ARG;
    }
    tocsin_code rc = ts_redis_new(o->redis, &s.r, err, sizeof err);
    if (rc != TOCSIN_OK) {
        fprintf(stderr, "tocsin: %s\n", rc == TOCSIN_E_ARG ? err : tocsin_strerror(rc));
        return rc;
    }
    snprintf(s.key, sizeof s.key, "%s", o->stream);
    snprintf(s.poskey, sizeof s.poskey, "%s:positions", o->stream);
    snprintf(s.hdrkey, sizeof s.hdrkey, "%s:headers", o->stream);
    snprintf(s.metakey, sizeof s.metakey, "%s:meta", o->stream);
    if (ts_scratch_init(&s.scratch) != TOCSIN_OK) {
        ts_redis_free(s.r);
        return TOCSIN_E_NOMEM;
    }
    double interval = o->interval > 0 ? o->interval : 0.2, down_since = 0;
    bool restart = true;
    while (rc == TOCSIN_OK) {
        bool stopping = o->stop && *o->stop;
        if (restart) {
            int st = start(&s, paths, npaths);
            if (st < 0) {
                rc = TOCSIN_E_ARG;
                break;
            }
            if (st > 0) {
                if (!down_since)
                    fprintf(stderr, "tocsin: ship: %s: waiting for it\n", ts_redis_error(s.r));
                down_since = 1;
                if (stopping)
                    break;
                pause_for(0.2);
                continue;
            }
            if (down_since)
                fprintf(stderr, "tocsin: ship: %s is back: reading on from the positions it holds\n",
                        ts_redis_where(s.r));
            restart = false, down_since = 0;
        }
        reset_batch(&s);
        uint64_t bytes = ts_tail_poll(s.tail, on_chunk, &s);
        if (s.failed) {
            rc = TOCSIN_E_NOMEM;
            break;
        }
        if (bytes) {
            if (send_batch(&s)) {
                ts_tail_saved(s.tail);
                s.shipped += s.nrecs;
            } else {
                restart = true; /* the batch may or may not be in: Redis's positions say */
                continue;
            }
        }
        if (stopping || (o->once && !bytes))
            break;
        if (!bytes)
            pause_for(interval);
    }
    if (rc == TOCSIN_OK || rc == TOCSIN_E_NOMEM)
        fprintf(stderr, "tocsin: ship: %llu records added to %s%s\n", (unsigned long long)s.shipped, s.key,
                s.parts > 1 ? ":p*" : "");
    reset_batch(&s);
    forget_saved(&s);
    ts_tail_free(s.tail);
    ts_scratch_free(&s.scratch);
    ts_redis_free(s.r);
    free(s.text);
    free(s.recs);
    free(s.names);
    free(s.headers);
    free(s.line_part);
    return rc;
}
