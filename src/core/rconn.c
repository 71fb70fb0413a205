/* rconn.c: a Redis connection that comes back. Every failure drops the context; the next
 * ts_redis_ready connects again, with a growing pause, so a restarted server is found
 * again without the callers keeping a loop of their own. */
#include "core/rconn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OWED_MAX 64

struct ts_redis {
    redisContext *c;
    char host[256];
    char sock[256]; /* a unix socket path, or "" */
    int port;
    long db;
    char user[128], pass[256];
    char where[300];
    char err[400];
    double next_try, backoff;
    bool reconnected, ever;
    int pending; /* replies owed to appended commands */
    /* Replies owed to commands sent without waiting for them, in order: dropped (those of
       ts_redis_send) or kept for ts_redis_answer (that of ts_redis_ask, at most one). */
    bool owed[OWED_MAX]; /* true: keep */
    int n_owed;
    redisReply *kept;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A decimal number in [lo, hi] from s[0..n); -1 when it is not one. */
static long number(const char *s, size_t n, long lo, long hi)
{
    long v = 0;
    if (!n || n > 9)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi ? v : -1;
}

static bool copy(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return false;
    memcpy(dst, s, n);
    dst[n] = 0;
    return true;
}

static tocsin_code bad_url(const char *url, char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "--redis %.200s: %s (redis://[:password@]host[:port][/db] or unix:///path)", url,
             why);
    return TOCSIN_E_ARG;
}

static tocsin_code parse_unix(ts_redis *r, const char *url, const char *p, char *err, size_t errlen)
{
    const char *q = strchr(p, '?');
    size_t n = q ? (size_t)(q - p) : strlen(p);
    if (!n || p[0] != '/' || !copy(r->sock, sizeof r->sock, p, n))
        return bad_url(url, err, errlen, "a socket needs its absolute path");
    if (q) {
        if (strncmp(q, "?db=", 4) != 0 || (r->db = number(q + 4, strlen(q + 4), 0, 1 << 20)) < 0)
            return bad_url(url, err, errlen, "the only query it takes is ?db=N");
    }
    snprintf(r->where, sizeof r->where, "redis %s", r->sock);
    return TOCSIN_OK;
}

tocsin_code ts_redis_new(const char *url, ts_redis **out, char *err, size_t errlen)
{
    *out = NULL;
    ts_redis *r = calloc(1, sizeof *r);
    if (!r)
        return TOCSIN_E_NOMEM;
    r->port = 6379;
    tocsin_code rc = TOCSIN_OK;
    if (strncmp(url, "unix://", 7) == 0) {
        rc = parse_unix(r, url, url + 7, err, errlen);
    } else if (strncmp(url, "redis://", 8) != 0) {
        rc = bad_url(url, err, errlen, "not a redis:// or unix:// URL");
    } else {
        const char *p = url + 8, *at = strrchr(p, '@'), *slash;
        if (at) {
            const char *colon = memchr(p, ':', (size_t)(at - p));
            if (!colon || !copy(r->user, sizeof r->user, p, (size_t)(colon - p)) ||
                !copy(r->pass, sizeof r->pass, colon + 1, (size_t)(at - colon - 1)))
                rc = bad_url(url, err, errlen, "credentials are [user]:password@");
            p = at + 1;
        }
        slash = strchr(p, '/');
        size_t hl = slash ? (size_t)(slash - p) : strlen(p);
        const char *colon = memchr(p, ':', hl);
        if (rc == TOCSIN_OK && colon) {
            long port = number(colon + 1, hl - (size_t)(colon - p) - 1, 1, 65535);
            if (port < 0)
                rc = bad_url(url, err, errlen, "the port is a number from 1 to 65535");
            r->port = (int)port;
            hl = (size_t)(colon - p);
        }
        if (rc == TOCSIN_OK && (!hl || !copy(r->host, sizeof r->host, p, hl)))
            rc = bad_url(url, err, errlen, "it names no host");
        if (rc == TOCSIN_OK && slash && slash[1] &&
            (r->db = number(slash + 1, strlen(slash + 1), 0, 1 << 20)) < 0)
            rc = bad_url(url, err, errlen, "the path is the database number");
        snprintf(r->where, sizeof r->where, "redis %s:%d", r->host, r->port);
    }
    if (rc != TOCSIN_OK) {
        free(r);
        return rc;
    }
    r->backoff = 0.05;
    *out = r;
    return TOCSIN_OK;
}

static void drop(ts_redis *r, const char *why)
{
    if (why)
        snprintf(r->err, sizeof r->err, "%.299s: %.90s", r->where, why);
    if (r->c)
        redisFree(r->c);
    r->c = NULL;
    r->pending = r->n_owed = 0;
    freeReplyObject(r->kept);
    r->kept = NULL;
}

/* Reads the replies of commands sent without waiting, which come first: dropped, or the
 * asked one kept. */
static bool skip_unread(ts_redis *r)
{
    for (int i = 0; r->c && i < r->n_owed; i++) {
        void *rep = NULL;
        if (redisGetReply(r->c, &rep) != REDIS_OK || !rep) {
            drop(r, r->c->errstr[0] ? r->c->errstr : "connection lost");
            return false;
        }
        if (r->owed[i])
            r->kept = rep;
        else
            freeReplyObject(rep);
    }
    r->n_owed = 0;
    return r->c != NULL;
}

/* The reply to the command just appended, after those owed before it. */
static redisReply *reply(ts_redis *r)
{
    void *rep = NULL;
    if (!skip_unread(r))
        return NULL;
    if (redisGetReply(r->c, &rep) != REDIS_OK || !rep) {
        drop(r, r->c->errstr[0] ? r->c->errstr : strerror(errno));
        return NULL;
    }
    return rep;
}

void ts_redis_free(ts_redis *r)
{
    if (!r)
        return;
    drop(r, NULL);
    free(r);
}

/* AUTH and SELECT on a new connection. */
static bool hello(ts_redis *r)
{
    redisReply *rep = NULL;
    if (r->pass[0]) {
        rep = r->user[0] ? redisCommand(r->c, "AUTH %s %s", r->user, r->pass)
                         : redisCommand(r->c, "AUTH %s", r->pass);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            drop(r, rep ? rep->str : r->c->errstr);
            freeReplyObject(rep);
            return false;
        }
        freeReplyObject(rep);
    }
    if (r->db) {
        rep = redisCommand(r->c, "SELECT %ld", r->db);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            drop(r, rep ? rep->str : r->c->errstr);
            freeReplyObject(rep);
            return false;
        }
        freeReplyObject(rep);
    }
    return true;
}

bool ts_redis_ready(ts_redis *r)
{
    if (r->c)
        return true;
    double now = now_s();
    if (now < r->next_try)
        return false;
    struct timeval tv = {2, 0};
    r->c =
        r->sock[0] ? redisConnectUnixWithTimeout(r->sock, tv) : redisConnectWithTimeout(r->host, r->port, tv);
    if (!r->c || r->c->err) {
        drop(r, r->c ? r->c->errstr : "out of memory");
        r->next_try = now + r->backoff;
        r->backoff = r->backoff * 2 > 2 ? 2 : r->backoff * 2;
        return false;
    }
    struct timeval io = {30, 0}; /* a server that stops answering counts as gone */
    redisSetTimeout(r->c, io);
    if (!hello(r)) {
        r->next_try = now + 2;
        return false;
    }
    r->backoff = 0.05;
    r->reconnected = r->ever;
    r->ever = true;
    return true;
}

bool ts_redis_reconnected(ts_redis *r)
{
    bool was = r->reconnected;
    r->reconnected = false;
    return was;
}

redisReply *ts_redis_argv(ts_redis *r, int argc, const char **argv, const size_t *lens)
{
    if (!r->c && !ts_redis_ready(r))
        return NULL;
    if (redisAppendCommandArgv(r->c, argc, argv, lens) != REDIS_OK) {
        drop(r, "out of memory");
        return NULL;
    }
    return reply(r);
}

static bool owe(ts_redis *r, int argc, const char **argv, const size_t *lens, bool keep)
{
    if (!r->c && !ts_redis_ready(r))
        return false;
    if (r->n_owed == OWED_MAX && !skip_unread(r))
        return false;
    if (redisAppendCommandArgv(r->c, argc, argv, lens) != REDIS_OK) {
        drop(r, "out of memory");
        return false;
    }
    r->owed[r->n_owed++] = keep;
    return true;
}

void ts_redis_send(ts_redis *r, int argc, const char **argv, const size_t *lens)
{
    owe(r, argc, argv, lens, false);
}

bool ts_redis_ask(ts_redis *r, int argc, const char **argv, const size_t *lens)
{
    for (int i = 0; i < r->n_owed; i++)
        if (r->owed[i])
            return false;
    if (r->kept)
        return false;
    if (!owe(r, argc, argv, lens, true))
        return false;
    if (redisBufferWrite(r->c, &(int){0}) != REDIS_OK) { /* sent now, to be worked on meanwhile */
        drop(r, r->c->errstr[0] ? r->c->errstr : "connection lost");
        return false;
    }
    return true;
}

redisReply *ts_redis_answer(ts_redis *r)
{
    if (!r->kept)
        skip_unread(r);
    redisReply *rep = r->kept;
    r->kept = NULL;
    return rep;
}

redisReply *ts_redis_cmd(ts_redis *r, const char *fmt, ...)
{
    if (!r->c && !ts_redis_ready(r))
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    int ok = redisvAppendCommand(r->c, fmt, ap);
    va_end(ap);
    if (ok != REDIS_OK) {
        drop(r, "out of memory");
        return NULL;
    }
    return reply(r);
}

void ts_redis_append(ts_redis *r, int argc, const char **argv, const size_t *lens)
{
    if (!r->c)
        return;
    if (redisAppendCommandArgv(r->c, argc, argv, lens) == REDIS_OK)
        r->pending++;
    else
        drop(r, "out of memory");
}

redisReply *ts_redis_next(ts_redis *r)
{
    void *rep = NULL;
    if (!r->c || r->pending <= 0 || !skip_unread(r))
        return NULL;
    r->pending--;
    if (redisGetReply(r->c, &rep) != REDIS_OK || !rep) {
        drop(r, r->c->errstr[0] ? r->c->errstr : "connection lost");
        return NULL;
    }
    return rep;
}

const char *ts_redis_error(const ts_redis *r)
{
    return r->err[0] ? r->err : r->where;
}
const char *ts_redis_where(const ts_redis *r)
{
    return r->where;
}
