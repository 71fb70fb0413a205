/* tail.c: the files `tocsin watch` follows, each known by device and inode so a rename
 * (rotation) keeps its place, with only complete lines handed on: a line still being
 * written waits for its end. */
#include "live/live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hash.h"
#include "core/vec.h"

#define HEAD_LEN 64            /* bytes hashed to tell a file from a new one on its inode */
#define HEADER_MAX (64u << 10) /* leading "#" lines kept for readers that need them (Zeek) */
#define CHUNK_MAX (8u << 20)   /* bytes read from one file per poll; the rest waits */

typedef struct tfile {
    char *name; /* canonical path, the name its events carry */
    int fd;
    int64_t dev, ino;
    uint64_t off, lines;
    uint32_t head_len;
    uint64_t head_hash;
    const ts_reader *reader;
    bool seen;  /* found under the paths by the last scan */
    bool dirty; /* its position moved since the last save */
    int idle;   /* polls it has been gone and not grown */
} tfile;

struct ts_tail {
    ts_store *store;
    const char *const *paths;
    size_t npaths;
    tfile *v;
    size_t n, cap;
    ts_watch_pos *dropped; /* files gone for good: their positions are deleted at save */
    size_t ndropped, capdropped;
    char *buf;
    ts_diag_fn note;
    void *ud;
    ts_tail_find_fn find; /* positions kept outside the store */
    void *find_ud;
};

static void say(ts_tail *t, const char *file, tocsin_code code, const char *fmt, const char *detail)
{
    char msg[300];
    snprintf(msg, sizeof msg, fmt, detail);
    ts_diag_say(t->note, t->ud, file, 0, 0, code, msg);
}

/* Reads up to n bytes at off; returns how many (0 on error or end). */
static size_t read_at(int fd, char *dst, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, dst + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static bool head_of(int fd, uint32_t len, uint64_t *hash)
{
    char b[HEAD_LEN];
    if (read_at(fd, b, len, 0) != len)
        return false;
    *hash = ts_hash(TS_HASH_SEED, b, len);
    return true;
}

ts_tail *ts_tail_new(ts_store *store, const char *const *paths, size_t npaths, ts_diag_fn note, void *ud)
{
    ts_tail *t = calloc(1, sizeof *t);
    if (!t || !(t->buf = malloc(CHUNK_MAX + HEADER_MAX))) {
        free(t);
        return NULL;
    }
    t->store = store, t->paths = paths, t->npaths = npaths, t->note = note, t->ud = ud;
    return t;
}

void ts_tail_free(ts_tail *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        close(t->v[i].fd);
        free(t->v[i].name);
    }
    free(t->v);
    free(t->dropped);
    free(t->buf);
    free(t);
}

/* A new file: from its saved position when the store has one for this inode and the
 * file still starts with the same bytes, else from its start. */
static void adopt(ts_tail *t, const char *path, int fd, const struct stat *st)
{
    if (!ts_vec_grow(t->v, t->cap, t->n + 1, TS_VEC_NOCAP)) {
        close(fd);
        return;
    }
    tfile f = {.fd = fd, .dev = (int64_t)st->st_dev, .ino = (int64_t)st->st_ino, .seen = true};
    f.name = realpath(path, NULL);
    if (!f.name && !(f.name = strdup(path))) {
        close(fd);
        return;
    }
    ts_watch_pos p;
    int found = 0;
    if (t->find)
        t->find(t->find_ud, f.dev, f.ino, &p, &found);
    else if (ts_store_pos_get(t->store, f.dev, f.ino, &p, &found) != TOCSIN_OK)
        say(t, f.name, TOCSIN_E_DB, "%s", ts_store_error(t->store));
    uint64_t h;
    if (found && p.head_len <= HEAD_LEN && (uint64_t)st->st_size >= p.offset && head_of(fd, p.head_len, &h) &&
        h == p.head_hash) {
        f.off = p.offset, f.lines = p.lines, f.head_len = p.head_len, f.head_hash = p.head_hash;
    } else if (found) {
        say(t, f.name, TOCSIN_OK, "%s",
            "a new file on a known inode (or the old one rewritten): read from its start");
        f.dirty = true;
    }
    t->v[t->n++] = f;
}

static int found_file(void *ud, const char *file)
{
    ts_tail *t = ud;
    struct stat st;
    if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    for (size_t i = 0; i < t->n; i++) {
        tfile *f = &t->v[i];
        if (f->dev == (int64_t)st.st_dev && f->ino == (int64_t)st.st_ino) {
            f->seen = true;
            return 0; /* a renamed file keeps its first name: its events' provenance */
        }
    }
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        say(t, file, TOCSIN_E_IO, "cannot open it: %s", strerror(errno));
        return 0;
    }
    struct stat fst;
    unsigned char magic[2];
    if (fstat(fd, &fst) != 0 || fst.st_ino != st.st_ino) { /* replaced between stat and open */
        close(fd);
        return 0;
    }
    /* A gzip file is a finished archive (logrotate's auth.log.2.gz), not a growing log, and
       its lines were read before it was compressed: `tocsin hunt` reads archives. */
    if (read_at(fd, (char *)magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        close(fd);
        return 0;
    }
    adopt(t, file, fd, &fst);
    return 0;
}

/* The file's leading "#" lines, when its reader needs them and they lie before off. */
static size_t header(const tfile *f, char *dst)
{
    size_t n = read_at(f->fd, dst, f->off < HEADER_MAX ? (size_t)f->off : HEADER_MAX, 0), end = 0;
    while (end < n && dst[end] == '#') {
        const char *nl = memchr(dst + end, '\n', n - end);
        if (!nl)
            break;
        end = (size_t)(nl - dst) + 1;
    }
    return end;
}

static uint64_t count_lines(const char *p, size_t n)
{
    uint64_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))); p++)
        k++;
    return k;
}

/* Hands on what was appended to f; gone: the file left the paths, so a last line without
 * its end is complete (its writer has moved to the new file). */
static uint64_t read_new(ts_tail *t, tfile *f, bool gone, ts_tail_chunk_fn fn, void *ud)
{
    struct stat st;
    if (fstat(f->fd, &st) != 0)
        return 0;
    uint64_t size = (uint64_t)st.st_size;
    if (size < f->off) {
        say(t, f->name, TOCSIN_OK, "%s", "truncated: read again from its start");
        f->off = f->lines = 0;
        f->head_len = 0;
        f->dirty = true;
    }
    if (f->head_len < HEAD_LEN && size > f->head_len) {
        f->head_len = size < HEAD_LEN ? (uint32_t)size : HEAD_LEN;
        if (!head_of(f->fd, f->head_len, &f->head_hash))
            f->head_len = 0;
        f->dirty = true;
    }
    if (size <= f->off)
        return 0;
    size_t hdr = f->off ? header(f, t->buf) : 0;
    uint64_t want = size - f->off < CHUNK_MAX ? size - f->off : CHUNK_MAX;
    size_t got = read_at(f->fd, t->buf + hdr, (size_t)want, f->off), len = got;
    while (len && t->buf[hdr + len - 1] != '\n')
        len--;
    if (!len && gone && got == size - f->off)
        len = got;
    if (!len)
        return 0; /* a line still being written (or one longer than a chunk: see docs) */
    uint64_t nl = count_lines(t->buf + hdr, len);
    if (!f->reader)
        f->reader = ts_reader_detect(t->buf, hdr + len);
    if (f->reader)
        fn(ud, f->name, f->reader, t->buf, hdr + len, hdr, f->lines - count_lines(t->buf, hdr));
    else
        say(t, f->name, TOCSIN_E_FORMAT, "%s", "not a log format tocsin reads: skipped");
    f->off += len;
    f->lines += nl + (t->buf[hdr + len - 1] != '\n');
    f->dirty = true;
    return len;
}

static void drop(ts_tail *t, size_t i)
{
    tfile *f = &t->v[i];
    if (!ts_vec_grow(t->dropped, t->capdropped, t->ndropped + 1, TS_VEC_NOCAP))
        return; /* kept: dropped at a later poll */
    t->dropped[t->ndropped++] = (ts_watch_pos){.dev = f->dev, .ino = f->ino};
    close(f->fd);
    free(f->name);
    t->v[i] = t->v[--t->n];
}

uint64_t ts_tail_poll(ts_tail *t, ts_tail_chunk_fn fn, void *ud)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < t->n; i++)
        t->v[i].seen = false;
    for (size_t i = 0; i < t->npaths; i++)
        ts_walk(t->paths[i], found_file, NULL, t); /* a path not there yet, or rotated away, is no news */
    /* Files that left (rotated away) first: they hold the older lines. */
    for (size_t i = t->n; i-- > 0;) {
        tfile *f = &t->v[i];
        if (f->seen)
            continue;
        uint64_t b = read_new(t, f, true, fn, ud);
        bytes += b;
        f->idle = b ? 0 : f->idle + 1;
        if (f->idle >= 2)
            drop(t, i);
    }
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].seen)
            bytes += read_new(t, &t->v[i], false, fn, ud);
    return bytes;
}

tocsin_code ts_tail_save(ts_tail *t)
{
    tocsin_code rc = TOCSIN_OK;
    for (size_t i = 0; i < t->n && rc == TOCSIN_OK; i++) {
        tfile *f = &t->v[i];
        if (!f->dirty)
            continue;
        ts_watch_pos p = {f->dev, f->ino, f->off, f->lines, f->head_len, f->head_hash};
        rc = ts_store_pos_put(t->store, f->name, &p);
    }
    for (size_t i = 0; i < t->ndropped && rc == TOCSIN_OK; i++)
        rc = ts_store_pos_delete(t->store, t->dropped[i].dev, t->dropped[i].ino);
    return rc;
}

void ts_tail_positions_from(ts_tail *t, ts_tail_find_fn find, void *ud)
{
    t->find = find, t->find_ud = ud;
}

void ts_tail_each_moved(ts_tail *t, void (*fn)(void *ud, const char *name, const ts_watch_pos *p), void *ud)
{
    for (size_t i = 0; i < t->n; i++) {
        tfile *f = &t->v[i];
        if (f->dirty)
            fn(ud, f->name, &(ts_watch_pos){f->dev, f->ino, f->off, f->lines, f->head_len, f->head_hash});
    }
    for (size_t i = 0; i < t->ndropped; i++)
        fn(ud, NULL, &t->dropped[i]);
}

/* Called after the transaction that saved the positions committed. */
void ts_tail_saved(ts_tail *t)
{
    for (size_t i = 0; i < t->n; i++)
        t->v[i].dirty = false;
    t->ndropped = 0;
}
