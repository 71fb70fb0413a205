/* pg.c: the PostgreSQL half of the statement adapter (stmt.c): the connection, statements
 * prepared once per connection, parameters sent as text (blobs as binary) and results read
 * as text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8dec.h"
#include "store/store_int.h"
#include "core/vec.h"

/* Each connection's settings: a writer waits for another's turn as long as on SQLite, then
 * fails saying so; notices are not shown; doubles are sent back exactly. */
#define PG_SESSION                                                                     \
    "SET lock_timeout = " TS_STORE_BUSY_MS_TEXT "; SET client_min_messages = warning;" \
    " SET extra_float_digits = 3"

/* Keeps libpq's or the server's message, on one line. */
static void keep_reason(ts_store *s, const char *msg)
{
    snprintf(s->reason, sizeof s->reason, "%s", msg && *msg ? msg : "no reason given");
    for (char *p = s->reason; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    for (size_t n = strlen(s->reason); n && s->reason[n - 1] == ' ';)
        s->reason[--n] = 0;
}

/* Notices ("relation already exists, skipping") are not the analyst's business. */
static void quiet(void *ud, const char *msg)
{
    (void)ud;
    (void)msg;
}

/* After the server went away (a restart), a store outside any transaction connects again:
 * nothing was pending, and the statements are prepared anew. Inside a transaction the
 * failure stands: the caller rolls back and retries as for any other. */
static bool reconnect(ts_store *s)
{
    if (PQstatus(s->pg) != CONNECTION_BAD || s->pg_in_tx)
        return false;
    PQreset(s->pg);
    if (PQstatus(s->pg) != CONNECTION_OK)
        return false;
    for (int i = 0; i < ST__COUNT; i++)
        if (s->st[i])
            s->st[i]->prepared = false;
    PGresult *r = PQexec(s->pg, PG_SESSION);
    PQclear(r);
    s->reconnects++;
    pg_retake_partitions(s);
    return true;
}

/* Tracks BEGIN and its end, so a lost connection inside a transaction is not hidden. */
static void track_tx(ts_store *s, const char *sql)
{
    if (strncmp(sql, "BEGIN", 5) == 0)
        s->pg_in_tx = true;
    else if (strncmp(sql, "COMMIT", 6) == 0 ||
             (strncmp(sql, "ROLLBACK", 8) == 0 && strncmp(sql, "ROLLBACK TO", 11) != 0))
        s->pg_in_tx = false; /* a commit or rollback that failed ends the transaction too */
}

tocsin_code pg_exec(ts_store *s, const char *sql, const char *what)
{
    bool again = true;
    bool begin = strncmp(sql, "BEGIN", 5) == 0;
    /* Rows of a transaction lost with the connection fail it; a BEGIN then connects again
       (PQreset leaves pipeline mode too). */
    if (pg_drain(s) != TOCSIN_OK && !(begin && PQstatus(s->pg) == CONNECTION_BAD)) {
        if (!begin)
            track_tx(s, sql); /* a COMMIT that did not happen ends the transaction all the same */
        return st_fail(s, what);
    }
    for (;;) {
        PGresult *r = PQexec(s->pg, sql);
        ExecStatusType t = PQresultStatus(r);
        if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
            PQclear(r);
            track_tx(s, sql);
            return TOCSIN_OK;
        }
        keep_reason(s, r ? PQresultErrorMessage(r) : PQerrorMessage(s->pg));
        PQclear(r);
        if (!(again && begin && reconnect(s))) {
            if (!begin) /* a failed BEGIN is ended by its caller's rollback */
                track_tx(s, sql);
            return st_fail(s, what);
        }
        again = false;
    }
}

tocsin_code pg_open(ts_store *s, const char *url)
{
    /* The URL is libpq's own (host, port, dbname, user, sslmode, ...); tocsin names itself
       unless the URL does. */
    const char *keys[] = {"dbname", "fallback_application_name", NULL};
    const char *vals[] = {url, "tocsin", NULL};
    s->pg = PQconnectdbParams(keys, vals, 1);
    if (!s->pg)
        return TOCSIN_E_NOMEM;
    if (PQstatus(s->pg) != CONNECTION_OK) {
        keep_reason(s, PQerrorMessage(s->pg));
        return st_fail(s, "connecting to PostgreSQL");
    }
    PQsetNoticeProcessor(s->pg, quiet, NULL);
    return pg_exec(s, PG_SESSION, "configuring the session");
}

void pg_close(ts_store *s)
{
    if (s->pg)
        PQfinish(s->pg); /* rolls back a batch left open, releases the advisory locks */
    s->pg = NULL;
}

void pg_reset(st_stmt *st)
{
    PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    PQfreemem(st->blob);
    st->blob = NULL;
    st->blob_len = 0;
}

void pg_clear(st_stmt *st)
{
    pg_reset(st);
    for (int i = 0; i < st->nparams; i++) {
        free(st->vals[i]);
        st->vals[i] = NULL;
        st->lens[i] = st->fmts[i] = 0;
        st->types[i] = 0;
    }
}

/* Copies text for the server, which takes only valid UTF-8: each byte that starts no valid
 * sequence becomes U+FFFD, as the JSON writer shows it, so both stores give the same text. */
static char *utf8_copy(const char *v, size_t n, size_t *out_len)
{
    char *d = malloc(n * 3 + 1), *o = d;
    if (!d)
        return NULL;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = ts_utf8_decode((const unsigned char *)v + i, n - i, &cp);
        if (k == 0 || cp == 0) {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
            continue;
        }
        memcpy(o, v + i, k);
        o += k;
        i += k;
    }
    *o = 0;
    *out_len = (size_t)(o - d);
    return d;
}

void pg_bind(st_stmt *st, int i, const void *v, size_t n, Oid type, int binary)
{
    if (i < 1 || i > st->nparams)
        return; /* as SQLite, a parameter the statement lacks is ignored */
    i--;
    free(st->vals[i]);
    st->vals[i] = NULL;
    st->lens[i] = 0;
    st->fmts[i] = binary;
    st->types[i] = type;
    if (!v)
        return;
    size_t len = n;
    char *d = binary ? malloc(n ? n : 1) : utf8_copy(v, n, &len);
    if (!d || len > INT32_MAX) {
        free(d);
        /* Left NULL: the statement then fails on its NOT NULL column or stores nothing. */
        keep_reason(st->s, "out of memory binding a value");
        return;
    }
    if (binary)
        memcpy(d, v, n);
    st->vals[i] = d;
    st->lens[i] = (int)len;
}

/* ---- the pipeline ----------------------------------------------------------------------------
 * A write sends one statement per row and, on a server, each waits a round trip for its
 * answer. Inside a transaction the rows whose answers nobody reads (an alert's events, an
 * incident's entities and contributions: st_stmt.deferrable) are sent at once in libpq's
 * pipeline mode, and their answers read with the next statement that needs one, which goes
 * in the same pipeline: one round trip for all of them. A failure among them is told by
 * that statement, with the failed one's words; the transaction is then undone as for any
 * failure. */

typedef struct pg_sent {
    st_stmt *st;
    const char *what;
    enum { SENT_PREPARE, SENT_DEFERRED, SENT_WANTED } kind;
} pg_sent;

static bool room(ts_store *s, size_t more)
{
    return ts_vec_grow(s->sent, s->cap_sent, s->n_sent + more, TS_VEC_NOCAP);
}

static bool send_one(ts_store *s, st_stmt *st, const char *what, int kind)
{
    if (!room(s, 2)) {
        keep_reason(s, "out of memory");
        return false;
    }
    if (PQpipelineStatus(s->pg) == PQ_PIPELINE_OFF && !PQenterPipelineMode(s->pg))
        goto failed;
    if (!st->prepared) {
        if (!PQsendPrepare(s->pg, st->name, st->sql, st->nparams, st->types))
            goto failed;
        s->sent[s->n_sent++] = (pg_sent){st, what, SENT_PREPARE};
        st->prepared = true; /* undone by the drain if the server refused it */
    }
    if (!PQsendQueryPrepared(s->pg, st->name, st->nparams, (const char *const *)st->vals, st->lens, st->fmts,
                             0))
        goto failed;
    s->sent[s->n_sent++] = (pg_sent){st, what, kind};
    return true;
failed:
    keep_reason(s, PQerrorMessage(s->pg));
    return false;
}

tocsin_code pg_defer(st_stmt *st, const char *what)
{
    ts_store *s = st->s;
    if (!send_one(s, st, what, SENT_DEFERRED)) {
        pg_drain(s);
        return st_fail(s, what);
    }
    return TOCSIN_OK;
}

tocsin_code pg_drain(ts_store *s)
{
    if (PQpipelineStatus(s->pg) == PQ_PIPELINE_OFF)
        return TOCSIN_OK;
    const char *failed = NULL;
    char why[sizeof s->reason];
    bool synced = PQpipelineSync(s->pg) == 1;
    if (!synced) {
        failed = "sending to PostgreSQL";
        snprintf(why, sizeof why, "%s", PQerrorMessage(s->pg));
    }
    for (size_t i = 0; synced && i < s->n_sent; i++) {
        pg_sent *e = &s->sent[i];
        PGresult *r;
        while ((r = PQgetResult(s->pg))) {
            ExecStatusType t = PQresultStatus(r);
            bool ok = t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
            if (!ok && e->kind == SENT_PREPARE)
                e->st->prepared = false;
            if (!ok && !failed) {
                failed = e->what;
                snprintf(why, sizeof why, "%s",
                         t == PGRES_PIPELINE_ABORTED ? "an earlier statement failed"
                                                     : PQresultErrorMessage(r));
            }
            if (ok && e->kind == SENT_WANTED && !e->st->res) {
                const char *n = PQcmdTuples(r);
                s->changes = n && *n ? strtoll(n, NULL, 10) : 0;
                e->st->res = r;
                e->st->row = -1;
                r = NULL;
            }
            PQclear(r);
        }
    }
    if (synced) {
        PGresult *r = PQgetResult(s->pg); /* the sync */
        if (PQresultStatus(r) != PGRES_PIPELINE_SYNC && !failed) {
            failed = "reading PostgreSQL's answers";
            snprintf(why, sizeof why, "%s", PQerrorMessage(s->pg));
        }
        PQclear(r);
    }
    PQexitPipelineMode(s->pg);
    s->n_sent = 0;
    if (!failed)
        return TOCSIN_OK;
    /* the failed statement's words, so that the message says which row was refused */
    char reason[sizeof s->reason];
    snprintf(reason, sizeof reason, "%.100s: %.270s", failed, why);
    keep_reason(s, reason);
    return TOCSIN_E_DB;
}

static PGresult *run(st_stmt *st)
{
    ts_store *s = st->s;
    if (!st->name[0])
        return PQexecParams(s->pg, st->sql, st->nparams, st->types, (const char *const *)st->vals, st->lens,
                            st->fmts, 0);
    if (!st->prepared) {
        /* The types of the first values bound; a NULL leaves its type to the server. */
        PGresult *p = PQprepare(s->pg, st->name, st->sql, st->nparams, st->types);
        if (PQresultStatus(p) != PGRES_COMMAND_OK)
            return p;
        PQclear(p);
        st->prepared = true;
    }
    return PQexecPrepared(s->pg, st->name, st->nparams, (const char *const *)st->vals, st->lens, st->fmts, 0);
}

int pg_step(st_stmt *st)
{
    ts_store *s = st->s;
    if (!st->res && PQpipelineStatus(s->pg) != PQ_PIPELINE_OFF) {
        /* rows are waiting in the pipeline: this statement follows them, one round trip */
        if (st->name[0] && !send_one(s, st, "", SENT_WANTED)) {
            pg_drain(s);
            return STEP_ERR;
        }
        if (pg_drain(s) != TOCSIN_OK)
            return STEP_ERR;
    }
    if (!st->res) {
        PGresult *r = run(st);
        if (PQstatus(s->pg) == CONNECTION_BAD && reconnect(s)) {
            PQclear(r);
            r = run(st);
        }
        ExecStatusType t = PQresultStatus(r);
        if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
            keep_reason(s, r ? PQresultErrorMessage(r) : PQerrorMessage(s->pg));
            PQclear(r);
            return STEP_ERR;
        }
        const char *n = PQcmdTuples(r);
        s->changes = n && *n ? strtoll(n, NULL, 10) : 0;
        st->res = r;
        st->row = -1;
    }
    if (st->row + 1 >= PQntuples(st->res))
        return STEP_DONE;
    st->row++;
    return STEP_ROW;
}

bool pg_col_null(st_stmt *st, int i)
{
    return !st->res || st->row < 0 || i >= PQnfields(st->res) || PQgetisnull(st->res, st->row, i);
}

const char *pg_col_text(st_stmt *st, int i)
{
    return pg_col_null(st, i) ? NULL : PQgetvalue(st->res, st->row, i);
}

const void *pg_col_blob(st_stmt *st, int i, size_t *len)
{
    const char *t = pg_col_text(st, i);
    PQfreemem(st->blob);
    st->blob = NULL;
    st->blob_len = 0;
    *len = 0;
    if (!t)
        return NULL;
    size_t n = 0;
    st->blob = PQunescapeBytea((const unsigned char *)t, &n);
    st->blob_len = st->blob ? n : 0;
    *len = st->blob_len;
    return st->blob;
}
