/* stmt.c: the statement adapter: one set of calls (bind, step, column) that runs the
 * store's SQL on SQLite or on PostgreSQL (pg.c), so every query is written once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

bool st_is_pg(const ts_store *s)
{
    return s->pg != NULL;
}

tocsin_code st_fail(ts_store *s, const char *what)
{
    if (s->pg) {
        snprintf(s->err, sizeof s->err, "%s: %s: %s", s->path, what,
                 s->reason[0] ? s->reason : "unknown failure");
        return TOCSIN_E_DB;
    }
    int code = sqlite3_errcode(s->db);
    char why[96] = "";
    if (code == SQLITE_BUSY)
        snprintf(why, sizeof why, " (another process held it for over %d s)", TS_STORE_BUSY_MS / 1000);
    else if ((code == SQLITE_CANTOPEN || code == SQLITE_IOERR) && sqlite3_system_errno(s->db))
        snprintf(why, sizeof why, " (%s)", strerror(sqlite3_system_errno(s->db))); /* SQLite's says little */
    snprintf(s->err, sizeof s->err, "%s: %s: %s%s", s->path, what, sqlite3_errmsg(s->db), why);
    return TOCSIN_E_DB;
}

/* PostgreSQL numbers its parameters $N where SQLite reads ?N; quoted text is left alone.
 * Returns the highest parameter number through *n. */
static char *to_dollars(const char *sql, int *n)
{
    size_t len = strlen(sql);
    char *out = malloc(len + 1), *o = out;
    bool quoted = false;
    *n = 0;
    if (!out)
        return NULL;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        if (!quoted && *p == '?' && p[1] >= '0' && p[1] <= '9') {
            int k = 0;
            *o++ = '$';
            while (p[1] >= '0' && p[1] <= '9') {
                k = k * 10 + (p[1] - '0');
                *o++ = *++p;
            }
            if (k > *n)
                *n = k;
            continue;
        }
        *o++ = *p;
    }
    *o = 0;
    return out;
}

/* A new statement over sql; name is PostgreSQL's prepared name ("" for a statement run
 * once). NULL with the error set on failure. */
st_stmt *st_new(ts_store *s, const char *sql, const char *name, bool persistent)
{
    st_stmt *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(s->err, sizeof s->err, "%s: out of memory", s->path);
        return NULL;
    }
    st->s = s;
    st->row = -1;
    if (!s->pg) {
        if (sqlite3_prepare_v3(s->db, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &st->lite, NULL) !=
            SQLITE_OK) {
            st_fail(s, "preparing a statement");
            free(st);
            return NULL;
        }
        return st;
    }
    snprintf(st->name, sizeof st->name, "%s", name);
    if (!(st->sql = to_dollars(sql, &st->nparams)) ||
        (st->nparams && (!(st->vals = calloc((size_t)st->nparams, sizeof *st->vals)) ||
                         !(st->lens = calloc((size_t)st->nparams, sizeof *st->lens)) ||
                         !(st->fmts = calloc((size_t)st->nparams, sizeof *st->fmts)) ||
                         !(st->types = calloc((size_t)st->nparams, sizeof *st->types))))) {
        st_finalize(st);
        snprintf(s->err, sizeof s->err, "%s: out of memory", s->path);
        return NULL;
    }
    return st;
}

tocsin_code st_prepare(ts_store *s, const char *sql, st_stmt **out, const char *what)
{
    if (!(*out = st_new(s, sql, "", false)))
        return s->err[0] ? TOCSIN_E_DB : st_fail(s, what);
    return TOCSIN_OK;
}

void st_finalize(st_stmt *st)
{
    if (!st)
        return;
    if (st->lite)
        sqlite3_finalize(st->lite);
    else
        pg_clear(st);
    free(st->sql);
    free(st->vals);
    free(st->lens);
    free(st->fmts);
    free(st->types);
    free(st);
}

tocsin_code st_exec(ts_store *s, const char *text, const char *what)
{
    if (s->pg)
        return pg_exec(s, text, what);
    if (sqlite3_exec(s->db, text, NULL, NULL, NULL) != SQLITE_OK)
        return st_fail(s, what);
    return TOCSIN_OK;
}

tocsin_code st_begin_write(ts_store *s, const char *what)
{
    if (!s->pg)
        return st_exec(s, "BEGIN IMMEDIATE", what);
    char sql[96];
    snprintf(sql, sizeof sql, "BEGIN; SELECT pg_advisory_xact_lock(%d, 0)", PG_LOCK_WRITE); /* constants */
    tocsin_code rc = pg_exec(s, sql, what);
    if (rc != TOCSIN_OK)
        st_rollback(s, "ROLLBACK");
    return rc;
}

void st_rollback(ts_store *s, const char *sql)
{
    /* Fails harmlessly when the database has already rolled back (a full disk, a lost
       connection); the message of the failure before it is kept. */
    if (s->pg) {
        char reason[sizeof s->reason], err[sizeof s->err];
        memcpy(reason, s->reason, sizeof reason);
        memcpy(err, s->err, sizeof err);
        pg_drain(s); /* the statements still in the pipeline fail or not: all is undone */
        memcpy(s->reason, reason, sizeof reason);
        memcpy(s->err, err, sizeof err);
        PGresult *r = PQexec(s->pg, sql);
        PQclear(r);
        if (strncmp(sql, "ROLLBACK TO", 11) != 0)
            s->pg_in_tx = false; /* over, even on a lost connection: the next BEGIN may connect again */
    } else {
        sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    }
}

int st_step(st_stmt *st)
{
    if (!st->lite)
        return pg_step(st);
    int rc = sqlite3_step(st->lite);
    return rc == SQLITE_ROW ? STEP_ROW : rc == SQLITE_DONE ? STEP_DONE : STEP_ERR;
}

void st_reset(st_stmt *st)
{
    if (st->lite)
        sqlite3_reset(st->lite);
    else
        pg_reset(st);
}

tocsin_code st_done(ts_store *s, st_stmt *st, const char *what)
{
    if (!st->lite && st->deferrable && s->pg_in_tx)
        return pg_defer(st, what);
    int rc = st_step(st);
    tocsin_code r = rc != STEP_ERR ? TOCSIN_OK : st_fail(s, what);
    st_reset(st); /* releases its read or write lock now, not at the next use */
    return r;
}

tocsin_code st_insert_id(ts_store *s, st_stmt *st, const char *what, int64_t *id)
{
    int rc = st_step(st);
    tocsin_code r = rc == STEP_ROW ? TOCSIN_OK : st_fail(s, what);
    if (rc == STEP_ROW)
        *id = st_col_int64(st, 0);
    st_reset(st);
    return r;
}

int64_t st_changes(ts_store *s)
{
    return s->pg ? s->changes : sqlite3_changes64(s->db);
}

/* ---- binding ------------------------------------------------------------------------------ */

/* PostgreSQL's type ids, for the parameters: fixed in its catalogue (pg_type.dat). */
enum { OID_BYTEA = 17, OID_INT8 = 20, OID_TEXT = 25, OID_FLOAT8 = 701 };

void st_text_n(st_stmt *st, int i, const char *v, size_t n)
{
    if (st->lite)
        sqlite3_bind_text64(st->lite, i, v, n, SQLITE_TRANSIENT, SQLITE_UTF8);
    else
        pg_bind(st, i, v, n, OID_TEXT, 0);
}

void st_text(st_stmt *st, int i, const char *v)
{
    if (v && *v)
        st_text_n(st, i, v, strlen(v));
    else if (st->lite)
        sqlite3_bind_null(st->lite, i);
    else
        pg_bind(st, i, NULL, 0, OID_TEXT, 0);
}

void st_text_nn(st_stmt *st, int i, const char *v)
{
    v = v ? v : "";
    st_text_n(st, i, v, strlen(v));
}

void st_int(st_stmt *st, int i, int64_t v)
{
    if (st->lite) {
        sqlite3_bind_int64(st->lite, i, v);
        return;
    }
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    pg_bind(st, i, buf, (size_t)n, OID_INT8, 0);
}

void st_u64(st_stmt *st, int i, uint64_t v)
{
    st_int(st, i, v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

void st_real(st_stmt *st, int i, double v)
{
    if (st->lite) {
        sqlite3_bind_double(st->lite, i, v);
        return;
    }
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.17g", v); /* enough digits to read back the same double */
    pg_bind(st, i, buf, (size_t)n, OID_FLOAT8, 0);
}

void st_blob(st_stmt *st, int i, const void *v, size_t n)
{
    if (st->lite)
        sqlite3_bind_blob64(st->lite, i, v ? v : "", n, SQLITE_TRANSIENT);
    else
        pg_bind(st, i, v ? v : "", n, OID_BYTEA, 1);
}

void st_null(st_stmt *st, int i)
{
    if (st->lite)
        sqlite3_bind_null(st->lite, i);
    else
        pg_bind(st, i, NULL, 0, 0, 0); /* the server infers the type from the column */
}

/* ---- columns ------------------------------------------------------------------------------ */

const char *st_col_text(st_stmt *st, int i)
{
    return st->lite ? (const char *)sqlite3_column_text(st->lite, i) : pg_col_text(st, i);
}

bool st_col_null(st_stmt *st, int i)
{
    return st->lite ? sqlite3_column_type(st->lite, i) == SQLITE_NULL : pg_col_null(st, i);
}

int64_t st_col_int64(st_stmt *st, int i)
{
    if (st->lite)
        return sqlite3_column_int64(st->lite, i);
    const char *t = pg_col_text(st, i);
    if (!t)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (*end == '.') { /* a numeric (a sum) with decimals: its whole part, as SQLite gives */
        double d = strtod(t, NULL);
        /* past int64 the cast is undefined: saturate as SQLite does (2^63 is exact in a double) */
        return d >= 9223372036854775808.0 ? INT64_MAX : d < -9223372036854775808.0 ? INT64_MIN : (int64_t)d;
    }
    return errno ? 0 : (int64_t)v;
}

int st_col_int(st_stmt *st, int i)
{
    int64_t v = st_col_int64(st, i);
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int)v;
}

double st_col_double(st_stmt *st, int i)
{
    if (st->lite)
        return sqlite3_column_double(st->lite, i);
    const char *t = pg_col_text(st, i);
    return t ? strtod(t, NULL) : 0.0;
}

const void *st_col_blob(st_stmt *st, int i, size_t *len)
{
    if (!st->lite)
        return pg_col_blob(st, i, len);
    *len = (size_t)sqlite3_column_bytes(st->lite, i);
    return sqlite3_column_blob(st->lite, i);
}
