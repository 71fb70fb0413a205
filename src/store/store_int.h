/* store_int.h: what the store's own files share: the handle, its cached statements and
 * the binding helpers. Not for use outside src/store/. */
#ifndef TS_STORE_INT_H
#define TS_STORE_INT_H

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
    ST__COUNT
} st_id;

struct ts_store {
    sqlite3 *db;
    char *path; /* as given, for messages */
    sqlite3_stmt *st[ST__COUNT];
    bool in_batch; /* inside ts_store_begin .. ts_store_commit */
    char err[512];
};

/* The schema: creates or upgrades the database to the newest version (schema.c). */
tocsin_code ts_store_migrate(ts_store *s);
/* The number of the newest schema this build knows. */
int ts_store_schema_version(void);

/* Returns the cached statement id, reset and unbound, or NULL (error set) on failure. */
sqlite3_stmt *st_get(ts_store *s, st_id id);
/* Records the failure as "PATH: what: SQLite's reason"; returns TOCSIN_E_DB. */
tocsin_code st_fail(ts_store *s, const char *what);
/* Runs SQL text without data (BEGIN, SAVEPOINT, a schema step); a failure is reported as
 * what, not as the text. */
tocsin_code st_exec(ts_store *s, const char *sql, const char *what);
/* Steps a statement that returns no rows. */
tocsin_code st_done(ts_store *s, sqlite3_stmt *st, const char *what);

/* Binders: NULL text and empty text bind NULL where the column allows it. */
void st_text(sqlite3_stmt *st, int i, const char *v);
void st_int(sqlite3_stmt *st, int i, int64_t v);
void st_u64(sqlite3_stmt *st, int i, uint64_t v); /* clamps past INT64_MAX */
void st_real(sqlite3_stmt *st, int i, double v);

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
