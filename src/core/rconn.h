/* rconn.h: one connection to Redis for `tocsin ship`, the stream workers and --alerts-to, from a URL,
 * reconnected after the server restarts or the network drops. */
#ifndef TS_RCONN_H
#define TS_RCONN_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "tocsin.h"

typedef struct ts_redis ts_redis;

/* url: redis://[[user]:password@]host[:port][/db] or unix:///path/to/socket[?db=N]. The
 * connection is made by ts_redis_ready, not here: a server that is down at start is
 * waited for like one that restarts. TOCSIN_E_ARG (err says why) for a bad URL. */
tocsin_code ts_redis_new(const char *url, ts_redis **out, char *err, size_t errlen);
void ts_redis_free(ts_redis *r);
/* Connects when not connected (at most once per backoff step, up to 2 s apart); true
 * when a connection is up. */
bool ts_redis_ready(ts_redis *r);
/* Whether the last ready() made a new connection (the caller re-reads what it had in
 * flight): cleared by reading it. */
bool ts_redis_reconnected(ts_redis *r);
/* One command; NULL when the connection failed (it is dropped: ready() reconnects). An
 * error reply is returned as a reply (REDIS_REPLY_ERROR). The caller frees the reply. */
redisReply *ts_redis_argv(ts_redis *r, int argc, const char **argv, const size_t *lens);
redisReply *ts_redis_cmd(ts_redis *r, const char *fmt, ...);
/* Sends a command whose reply does not matter (an XACK: one lost is read again and
 * skipped) without waiting for it: the reply is read and dropped before the next. */
void ts_redis_send(ts_redis *r, int argc, const char **argv, const size_t *lens);
/* Sends a command now and returns at once (false when it could not be sent, or another
 * is still asked); its reply, read by the commands made meanwhile and kept aside, is
 * ts_redis_answer's (NULL when the connection failed). One at a time. */
bool ts_redis_ask(ts_redis *r, int argc, const char **argv, const size_t *lens);
redisReply *ts_redis_answer(ts_redis *r);
/* Pipelining: queue commands, then read their replies in order (NULL on failure). */
void ts_redis_append(ts_redis *r, int argc, const char **argv, const size_t *lens);
redisReply *ts_redis_next(ts_redis *r);
/* The last connection failure, "redis HOST:PORT: reason". */
const char *ts_redis_error(const ts_redis *r);
/* The URL without its password, for messages. */
const char *ts_redis_where(const ts_redis *r);

/* A reply is an error, or not what was asked: NULL, or of another type. */
static inline bool ts_redis_is(const redisReply *rep, int type)
{
    return rep && rep->type == type;
}

#endif
