/* store_int.h: what the store's own files share: the handle, its statements (on SQLite or
 * PostgreSQL, through one small adapter) and the binding helpers. Not for use outside
 * src/store/. */
#ifndef TS_STORE_INT_H
#define TS_STORE_INT_H

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "store/store.h"

/* Every statement the store runs, prepared once on first use. */
typedef enum st_id {
    ST_RUN_BEGIN,
    ST_RUN_END,
    ST_SOURCE,
    ST_ALERT_UPSERT,
    ST_ALERT_ACTOR,
    ST_INCIDENT_UPSERT,
    ST_INCIDENT_ALERT,
    ST_RUN_INCIDENT,
    ST_ENTITY,
    ST_HYP_DELETE,
    ST_HYP_INSERT,
    ST_CONTRIB_INSERT,
    ST_FEED_FIND,
    ST_FEED_INSERT,
    ST_FEED_EACH,
    ST_RUN_GET,
    ST_RUN_FORMATS,
    ST_RUN_INCIDENTS,
    ST_RUN_ALERT_COUNT,
    ST_RUN_INCIDENT_COUNT,
    ST_INCIDENT_IDS,
    ST_INCIDENT_GET,
    ST_INCIDENT_ENTITIES,
    ST_INCIDENT_ALERTS,
    ST_RUN_ALERTS,
    ST_RUN_ALERT_ACTORS,
    ST_RUN_ALERT_HITS,
    ST_ALERT_ACTORS,
    ST_INCIDENT_HYPS,
    ST_HYP_CONTRIBS,
    ST_STATE_PUT,
    ST_STATE_GET,
    ST_SCHEMA_OBJECTS,
    ST_HIT_INSERT,
    ST_ALERT_HITS,
    ST_INCIDENT_SEVERITY,
    ST_INCIDENT_CLOSURE,
    ST_INCIDENT_HAS_DETECTOR,
    ST_INCIDENT_REOPEN,
    ST_INCIDENT_CLOSE,
    ST_RUN_SUPPRESSED_COUNT,
    ST_RUN_ROUTINE_COUNT,
    ST_SUPPRESS_ADD,
    ST_SUPPRESS_LIST,
    ST_SUPPRESS_REMOVE,
    ST_NOTIFY,
    ST_INCIDENT_DIGEST,
    ST__COUNT
} st_id;

/* One statement on either backend. On SQLite it wraps sqlite3_stmt; on PostgreSQL it keeps
 * the text (?N rewritten to $N), the values bound (as text, a blob as binary) and the
 * result being read row by row. */
typedef struct st_stmt {
    struct ts_store *s;
    sqlite3_stmt *lite;
    char *sql;       /* PostgreSQL: the text sent */
    char name[12];   /* PostgreSQL: the prepared statement's name; "" for one run once */
    bool prepared;   /* PostgreSQL: prepared on the current connection */
    bool deferrable; /* PostgreSQL: its caller reads no result: inside a transaction it is
                        sent at once and its answer read with the next statement's */
    int nparams;
    char **vals; /* PostgreSQL: each parameter's bytes, NULL for SQL NULL */
    int *lens, *fmts;
    Oid *types;
    PGresult *res;       /* PostgreSQL: the result, after the first step */
    int row;             /* the row st_step last gave */
    unsigned char *blob; /* PostgreSQL: the bytea column last decoded */
    size_t blob_len;
} st_stmt;

/* What st_step says. */
enum { STEP_DONE = 0, STEP_ROW = 1, STEP_ERR = -1 };

struct ts_store {
    sqlite3 *db; /* SQLite; NULL on PostgreSQL */
    PGconn *pg;  /* PostgreSQL; NULL on SQLite */
    char *path;  /* as given (a URL without its password), for messages */
    st_stmt *st[ST__COUNT];
    bool in_batch;        /* inside ts_store_begin .. ts_store_commit */
    int64_t changes;      /* PostgreSQL: rows the last statement changed */
    bool pg_in_tx;        /* PostgreSQL: a transaction is open on the connection */
    int reconnects;       /* PostgreSQL: times the connection was made again */
    struct pg_sent *sent; /* PostgreSQL: statements in the pipeline, answers not yet read */
    size_t n_sent, cap_sent;
    uint32_t *parts; /* PostgreSQL: the partitions this store owns (advisory locks) */
    size_t n_parts, cap_parts;
    char reason[384]; /* PostgreSQL: the server's or libpq's last message */
    char err[512];
};

/* The schema: creates or upgrades the database to the newest version (schema.c). */
tocsin_code ts_store_migrate(ts_store *s);
/* The number of the newest schema this build knows. */
int ts_store_schema_version(void);

/* Returns the cached statement id, reset and unbound, or NULL (error set) on failure. */
st_stmt *st_get(ts_store *s, st_id id);
/* A new statement over sql; name is PostgreSQL's prepared name ("" for one run once). */
st_stmt *st_new(ts_store *s, const char *sql, const char *name, bool persistent);
/* A statement used once (st_finalize it); sql uses ?N placeholders on both backends. */
tocsin_code st_prepare(ts_store *s, const char *sql, st_stmt **out, const char *what);
void st_finalize(st_stmt *st);
/* Records the failure as "PATH: what: the database's reason"; returns TOCSIN_E_DB. */
tocsin_code st_fail(ts_store *s, const char *what);
/* Runs SQL text without data (BEGIN, SAVEPOINT, a schema step); a failure is reported as
 * what, not as the text. */
tocsin_code st_exec(ts_store *s, const char *sql, const char *what);
/* Opens a transaction that writes: SQLite's BEGIN IMMEDIATE; on PostgreSQL a BEGIN and the
 * store's write lock (an advisory lock held to the commit), so writers take turns as they
 * do on SQLite and the read-then-write steps of an incident stay exact. */
tocsin_code st_begin_write(ts_store *s, const char *what);
/* Ends a transaction whatever its state, keeping the message of the failure before it. */
void st_rollback(ts_store *s, const char *sql);
/* Steps a statement: STEP_ROW, STEP_DONE or STEP_ERR (then st_fail tells why). */
int st_step(st_stmt *st);
/* Forgets the result (and on SQLite ends the read or write it held); bindings stay. */
void st_reset(st_stmt *st);
/* Steps a statement that returns no rows (or ignores them), then resets it. */
tocsin_code st_done(ts_store *s, st_stmt *st, const char *what);
/* Steps an INSERT ... RETURNING id and sets *id. */
tocsin_code st_insert_id(ts_store *s, st_stmt *st, const char *what, int64_t *id);
/* Rows the last finished INSERT, UPDATE or DELETE changed. */
int64_t st_changes(ts_store *s);
bool st_is_pg(const ts_store *s);

/* Binders: NULL text and empty text bind NULL where the column allows it. */
void st_text(st_stmt *st, int i, const char *v);
void st_text_nn(st_stmt *st, int i, const char *v);          /* NULL binds "" */
void st_text_n(st_stmt *st, int i, const char *v, size_t n); /* n bytes */
void st_int(st_stmt *st, int i, int64_t v);
void st_u64(st_stmt *st, int i, uint64_t v); /* clamps past INT64_MAX */
void st_real(st_stmt *st, int i, double v);
void st_blob(st_stmt *st, int i, const void *v, size_t n); /* copied */
void st_null(st_stmt *st, int i);

/* Columns of the row st_step gave: text NULL for SQL NULL; numbers 0 for it. */
const char *st_col_text(st_stmt *st, int i);
int64_t st_col_int64(st_stmt *st, int i);
int st_col_int(st_stmt *st, int i);
double st_col_double(st_stmt *st, int i);
bool st_col_null(st_stmt *st, int i);
/* A blob column: its bytes (valid until the next step or reset) and length. */
const void *st_col_blob(st_stmt *st, int i, size_t *len);

/* PostgreSQL: tells the listeners of channel tocsin_incidents that incident id changed
 * ("new", "changed", "closed", "removed"), at the commit of the transaction around it. */
tocsin_code st_notify(ts_store *s, const char *id, const char *change, int64_t run);

/* PostgreSQL's half of the adapter (pg.c). */
tocsin_code pg_open(ts_store *s, const char *url);
void pg_close(ts_store *s);
int pg_step(st_stmt *st);
void pg_reset(st_stmt *st);
void pg_clear(st_stmt *st);
void pg_bind(st_stmt *st, int i, const void *v, size_t n, Oid type, int binary);
const char *pg_col_text(st_stmt *st, int i);
bool pg_col_null(st_stmt *st, int i);
const void *pg_col_blob(st_stmt *st, int i, size_t *len);
tocsin_code pg_exec(ts_store *s, const char *sql, const char *what);
/* Sends a deferrable statement into the pipeline; its failure is told by the next one. */
tocsin_code pg_defer(st_stmt *st, const char *what);
/* Reads the answers of the statements sent: the first failure (its what and reason) or OK. */
tocsin_code pg_drain(ts_store *s);
/* After a reconnection: takes the store's partitions again, dropping those now taken. */
void pg_retake_partitions(ts_store *s);
/* The advisory-lock classes (the first key of pg_advisory_lock(int4, int4)). */
#define PG_LOCK_WRITE 0x74637377      /* "tcsw": the store's write turn, key 0 */
#define PG_LOCK_PARTITION 0x74637370  /* "tcsp": a partition's owner, keyed by its number */
#define TS_STORE_BUSY_MS_TEXT "60000" /* TS_STORE_BUSY_MS, for PostgreSQL's lock_timeout */

/* The wall clock in ns since the epoch. */
int64_t st_now_ns(void);

/* Names the store keeps instead of session-local ids (names.c: the only intel use). */
/* Calls fn with each actor of set (name and ATT&CK id or NULL); nothing when ti is NULL. */
void st_actor_names(const ts_intel *ti, uint32_t set,
                    void (*fn)(void *ud, const char *name, const char *attack_id), void *ud);
const char *st_actor_attack_id(const ts_intel *ti, uint32_t actor); /* NULL if unknown */
const char *st_source_name(const ts_intel *ti, uint32_t source);    /* NULL if unknown */
const char *st_ioc_type_name(ts_ioc_type t);                        /* NULL for none */

#endif
