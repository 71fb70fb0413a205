/* alert_out.c: alerts sent on as they are stored: NDJSON lines, a Redis stream (each id
 * added once, through a script that remembers the ids it added) and RFC 5424 syslog. */
#include "api/alert_out.h"

#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api/session.h"
#include "core/hash.h"
#include "core/jsonw.h"
#include "core/rconn.h"
#include "core/vec.h"

#define MAX_TARGETS 8
#define QUEUE_MAX 100000 /* alerts kept for a Redis that is down; older ones are dropped (said) */

typedef enum { T_NDJSON, T_REDIS, T_SYSLOG } target_kind;

typedef struct target {
    target_kind kind;
    ts_redis *redis;
    char key[256], ids[270];
    int fd;       /* syslog socket */
    char **queue; /* JSON of alerts not yet in the stream */
    size_t nq, capq;
    uint64_t dropped;
} target;

struct ts_alert_out {
    FILE *out;
    target t[MAX_TARGETS];
    size_t n;
    char host[256];
};

/* Adds the alert to the stream unless its id was added before. */
static const char ADD_ONCE[] = "if redis.call('HSETNX', KEYS[2], ARGV[1], 1) == 1 then "
                               "return redis.call('XADD', KEYS[1], '*', 'id', ARGV[1], 'incident', ARGV[2], "
                               "'severity', ARGV[3], 'alert', ARGV[4]) end return false";

uint64_t ts_alert_uid(const ts_alert *a)
{
    uint64_t h = ts_hash_str(ts_hash_str(ts_hash_str(TS_HASH_SEED, a->detector), a->key), a->file);
    h = ts_hash(ts_hash(ts_hash(h, &a->line, sizeof a->line), &a->record, sizeof a->record), &a->first_ns,
                sizeof a->first_ns);
    return h ? h : 1;
}

static tocsin_code open_syslog(target *t, const char *spec, size_t n, char *err, size_t errlen)
{
    if (n == 6) { /* "syslog": the local daemon's socket */
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof sa.sun_path, "/dev/log");
        t->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            snprintf(err, errlen,
                     "--alerts-to syslog: no syslog daemon at /dev/log (syslog://HOST:PORT sends over UDP)");
            return TOCSIN_E_ARG;
        }
        return TOCSIN_OK;
    }
    char host[256], port[16] = "514";
    const char *p = spec + 9, *end = spec + n, *colon = memchr(p, ':', (size_t)(end - p));
    size_t hl = colon ? (size_t)(colon - p) : (size_t)(end - p);
    if (!hl || hl >= sizeof host ||
        (colon && ((size_t)(end - colon - 1) >= sizeof port || end == colon + 1))) {
        snprintf(err, errlen, "--alerts-to %.*s: syslog://HOST[:PORT]", (int)n, spec);
        return TOCSIN_E_ARG;
    }
    memcpy(host, p, hl);
    host[hl] = 0;
    if (colon) {
        memcpy(port, colon + 1, (size_t)(end - colon - 1));
        port[end - colon - 1] = 0;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *ai = NULL;
    int g = getaddrinfo(host, port, &hints, &ai);
    if (g != 0) {
        snprintf(err, errlen, "--alerts-to %.*s: %s", (int)n, spec, gai_strerror(g));
        return TOCSIN_E_ARG;
    }
    t->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int ok = t->fd >= 0 && connect(t->fd, ai->ai_addr, ai->ai_addrlen) == 0;
    freeaddrinfo(ai);
    if (!ok) {
        snprintf(err, errlen, "--alerts-to %.*s: cannot open a UDP socket to it", (int)n, spec);
        return TOCSIN_E_ARG;
    }
    return TOCSIN_OK;
}

/* redis://AUTHORITY[/DB]/KEY: the last path segment is the stream. */
static tocsin_code open_redis(target *t, const char *spec, size_t n, char *err, size_t errlen)
{
    char url[600];
    const char *auth = spec + 8, *slash = memchr(auth, '/', n - 8), *last = NULL;
    for (const char *p = spec + n; p > auth; p--)
        if (p[-1] == '/') {
            last = p;
            break;
        }
    if (!slash || !last || last == spec + n || (size_t)(spec + n - last) >= sizeof t->key ||
        (size_t)(last - 1 - spec) >= sizeof url) {
        snprintf(err, errlen, "--alerts-to %.*s: redis://HOST[:PORT][/DB]/KEY names the stream last", (int)n,
                 spec);
        return TOCSIN_E_ARG;
    }
    memcpy(url, spec, (size_t)(last - 1 - spec));
    url[last - 1 - spec] = 0;
    memcpy(t->key, last, (size_t)(spec + n - last));
    t->key[spec + n - last] = 0;
    snprintf(t->ids, sizeof t->ids, "%s:ids", t->key);
    return ts_redis_new(url, &t->redis, err, errlen);
}

tocsin_code ts_alert_out_new(const char *spec, FILE *out, ts_alert_out **o, char *err, size_t errlen)
{
    *o = NULL;
    ts_alert_out *x = calloc(1, sizeof *x);
    if (!x)
        return TOCSIN_E_NOMEM;
    x->out = out;
    if (gethostname(x->host, sizeof x->host - 1) != 0 || !x->host[0])
        snprintf(x->host, sizeof x->host, "-");
    tocsin_code rc = TOCSIN_OK;
    for (const char *p = spec; rc == TOCSIN_OK && *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (x->n == MAX_TARGETS) {
            snprintf(err, errlen, "--alerts-to: at most %d targets", MAX_TARGETS);
            rc = TOCSIN_E_ARG;
            break;
        }
        target *t = &x->t[x->n];
        t->fd = -1;
        if (n == 6 && memcmp(p, "ndjson", 6) == 0) {
            t->kind = T_NDJSON;
        } else if (n > 8 && memcmp(p, "redis://", 8) == 0) {
            t->kind = T_REDIS;
            rc = open_redis(t, p, n, err, errlen);
        } else if ((n == 6 && memcmp(p, "syslog", 6) == 0) || (n > 9 && memcmp(p, "syslog://", 9) == 0)) {
            t->kind = T_SYSLOG;
            rc = open_syslog(t, p, n, err, errlen);
        } else {
            snprintf(err, errlen,
                     "--alerts-to: '%.*s' is not ndjson, redis://HOST/KEY, syslog or syslog://HOST:PORT",
                     (int)(n < 100 ? n : 100), p);
            rc = TOCSIN_E_ARG;
        }
        x->n++;
        p += n + (comma != NULL);
    }
    if (rc != TOCSIN_OK) {
        ts_alert_out_free(x);
        return rc;
    }
    *o = x;
    return TOCSIN_OK;
}

void ts_alert_out_free(ts_alert_out *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++) {
        target *t = &o->t[i];
        ts_redis_free(t->redis);
        if (t->fd >= 0)
            close(t->fd);
        for (size_t k = 0; k < t->nq; k++)
            free(t->queue[k]);
        free(t->queue);
    }
    free(o);
}

static void iso_time(int64_t ns, char *buf, size_t cap)
{
    time_t secs = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The alert as one JSON object (malloc'ed, no newline). */
static char *alert_json(const ts_incident *inc, const ts_alert *a, const char *uid)
{
    char *buf = NULL, when[32];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    iso_time(a->first_ns, when, sizeof when);
    ts_jw j;
    ts_jw_begin(&j, f);
    ts_jw_kstr(&j, "type", "alert");
    ts_jw_kstr(&j, "id", uid);
    ts_jw_kstr(&j, "incident", inc->id);
    ts_jw_kstr(&j, "detector", a->detector);
    ts_jw_kstr(&j, "key", a->key);
    ts_jw_kstr(&j, "title", a->title);
    ts_jw_kint(&j, "severity", a->severity);
    ts_jw_kstr(&j, "techniques", a->techniques);
    ts_jw_kstr(&j, "time", when);
    ts_jw_kint(&j, "first_ns", a->first_ns);
    ts_jw_kint(&j, "last_ns", a->last_ns);
    ts_jw_kuint(&j, "count", a->count);
    ts_jw_kstr(&j, "host", a->internal_host);
    ts_jw_kstr(&j, "user", a->user);
    ts_jw_kstr(&j, "file", a->file);
    ts_jw_kuint(&j, "line", a->line);
    ts_jw_kbool(&j, "suppressed", a->suppression != 0 || a->suppressed != NULL);
    ts_jw_end(&j);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    if (len && buf[len - 1] == '\n')
        buf[len - 1] = 0;
    return buf;
}

/* Sends the queued alerts, oldest first; stops at the first failure (kept for later). */
static void redis_flush(target *t)
{
    size_t sent = 0;
    while (sent < t->nq && ts_redis_ready(t->redis)) {
        const char *json = t->queue[sent];
        /* id, incident and severity are the JSON's; pulled out for consumers that filter */
        const char *id = strstr(json, "\"id\":\""), *inc = strstr(json, "\"incident\":\""),
                   *sev = strstr(json, "\"severity\":");
        char idb[20] = "", incb[40] = "", sevb[8] = "";
        if (id)
            snprintf(idb, sizeof idb, "%.16s", id + 6);
        if (inc)
            snprintf(incb, sizeof incb, "%.*s", (int)strcspn(inc + 12, "\""), inc + 12);
        if (sev)
            snprintf(sevb, sizeof sevb, "%.*s", (int)strcspn(sev + 11, ",}"), sev + 11);
        const char *argv[] = {"EVAL", ADD_ONCE, "2", t->key, t->ids, idb, incb, sevb, json};
        size_t lens[9];
        for (int i = 0; i < 9; i++)
            lens[i] = strlen(argv[i]);
        redisReply *rep = ts_redis_argv(t->redis, 9, argv, lens);
        if (!rep)
            break;
        if (rep->type == REDIS_REPLY_ERROR)
            fprintf(stderr, "tocsin: --alerts-to %s: %s\n", ts_redis_where(t->redis), rep->str);
        freeReplyObject(rep);
        free(t->queue[sent++]);
    }
    memmove(t->queue, t->queue + sent, (t->nq - sent) * sizeof *t->queue);
    t->nq -= sent;
}

static void redis_send(target *t, const char *json)
{
    if (t->nq == QUEUE_MAX) {
        free(t->queue[0]);
        memmove(t->queue, t->queue + 1, (t->nq - 1) * sizeof *t->queue);
        t->nq--;
        if (t->dropped++ % 1000 == 0)
            fprintf(stderr, "tocsin: --alerts-to %s: down, %d alerts waiting: the oldest are dropped\n",
                    ts_redis_error(t->redis), QUEUE_MAX);
    }
    if (!ts_vec_grow(t->queue, t->capq, t->nq + 1, TS_VEC_NOCAP))
        return;
    char *copy = strdup(json);
    if (!copy)
        return;
    t->queue[t->nq++] = copy;
    redis_flush(t);
}

/* An RFC 5424 PARAM-VALUE: '"', '\' and ']' escaped; control characters as '?'. */
static size_t sd_value(char *dst, size_t cap, const char *s)
{
    size_t n = 0;
    for (; s && *s && n + 2 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\' || c == ']')
            dst[n++] = '\\';
        dst[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    dst[n] = 0;
    return n;
}

static void syslog_send(ts_alert_out *o, target *t, const ts_incident *inc, const ts_alert *a,
                        const char *uid)
{
    /* facility 4 (security/authorisation); severity from the alert's: 2 critical .. 5 notice */
    int sev = a->severity >= 80 ? 2 : a->severity >= 60 ? 3 : a->severity >= 40 ? 4 : 5;
    char now[40], first[32], msg[2048], title[600], det[200], host[300], user[300];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(now + k, sizeof now - k, ".%06ldZ", ts.tv_nsec / 1000);
    iso_time(a->first_ns, first, sizeof first);
    sd_value(title, sizeof title, a->title ? a->title : a->key);
    sd_value(det, sizeof det, a->detector);
    sd_value(host, sizeof host, a->internal_host ? a->internal_host : "");
    sd_value(user, sizeof user, a->user ? a->user : "");
    int n = snprintf(msg, sizeof msg,
                     "<%d>1 %s %s tocsin %ld alert [tocsin@32473 id=\"%s\" incident=\"%s\" detector=\"%s\""
                     " severity=\"%u\" first=\"%s\" host=\"%s\" user=\"%s\"] %s",
                     4 * 8 + sev, now, o->host, (long)getpid(), uid, inc->id, det, (unsigned)a->severity,
                     first, host, user, title);
    if (n > 0 && send(t->fd, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1, MSG_NOSIGNAL) < 0)
        fprintf(stderr, "tocsin: --alerts-to syslog: cannot send alert %s\n", uid);
}

void ts_alert_out_send(ts_alert_out *o, const ts_incident *inc, const ts_alert *a)
{
    char uid[20];
    snprintf(uid, sizeof uid, "%016llx", (unsigned long long)ts_alert_uid(a));
    char *json = NULL;
    for (size_t i = 0; i < o->n; i++) {
        target *t = &o->t[i];
        if (t->kind == T_SYSLOG) {
            syslog_send(o, t, inc, a, uid);
            continue;
        }
        if (!json && !(json = alert_json(inc, a, uid)))
            return;
        if (t->kind == T_NDJSON) {
            fputs(json, o->out);
            fputc('\n', o->out);
            fflush(o->out);
        } else {
            redis_send(t, json);
        }
    }
    free(json);
}

void ts_alert_out_incidents(ts_alert_out *o, ts_incident *const *inc, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < inc[i]->n_alerts; k++)
            ts_alert_out_send(o, inc[i], inc[i]->alerts[k]);
}

tocsin_code tocsin_alerts_to(tocsin *t, const char *targets)
{
    char err[600];
    ts_alert_out *o;
    tocsin_code rc = ts_alert_out_new(targets, t->out ? t->out : stdout, &o, err, sizeof err);
    if (rc != TOCSIN_OK)
        return ts_session_fail(t, rc, "%s", rc == TOCSIN_E_ARG ? err : tocsin_strerror(rc));
    ts_alert_out_free(t->alerts_out);
    t->alerts_out = o;
    return TOCSIN_OK;
}
