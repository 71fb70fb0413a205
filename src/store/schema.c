/* schema.c: the store's tables, versioned (SQLite's PRAGMA user_version, PostgreSQL's table
 * tocsin_schema) and upgraded in steps, one list per database in the same numbering. */
#include <stdio.h>

#include "store/store_int.h"

/* Migration k (0-based) takes a database at user_version k to k + 1. Append new steps;
 * never edit a released one, since stores in the field are at every version. */
static const char *const migrations[] = {
    /* 1: the first schema. Times are ns since the epoch (UTC). Ids from the session's
       intelligence (actors, sources) are stored as names: ids change between sessions. */
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  started_ns INTEGER NOT NULL,"
    "  ended_ns INTEGER,"
    "  command TEXT NOT NULL,"
    "  events INTEGER NOT NULL DEFAULT 0,"
    "  rejected INTEGER NOT NULL DEFAULT 0,"
    "  version TEXT NOT NULL);"

    "CREATE TABLE sources ("
    "  id INTEGER PRIMARY KEY,"
    "  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  path TEXT NOT NULL,"
    "  format TEXT,"
    "  events INTEGER NOT NULL,"
    "  rejected INTEGER NOT NULL);"
    "CREATE INDEX sources_by_run ON sources(run);"

    /* An alert is unique by its content: detector, key, the first event's provenance and
       time. A second hunt over the same logs finds every alert already there. */
    "CREATE TABLE alerts ("
    "  id INTEGER PRIMARY KEY,"
    "  detector TEXT NOT NULL,"
    "  akey TEXT NOT NULL,"
    "  file TEXT NOT NULL,"
    "  line INTEGER NOT NULL,"
    "  record INTEGER NOT NULL,"
    "  first_ns INTEGER NOT NULL,"
    "  run INTEGER REFERENCES runs(id),"
    "  kind TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  severity INTEGER NOT NULL,"
    "  techniques TEXT,"
    "  last_ns INTEGER NOT NULL,"
    "  count INTEGER NOT NULL,"
    "  internal_ip TEXT,"
    "  internal_host TEXT,"
    "  user_name TEXT,"
    "  remote_ip TEXT,"
    "  remote_cc TEXT,"
    "  remote_asn INTEGER,"
    "  remote_name TEXT,"
    "  direction TEXT,"
    "  ioc_type TEXT,"
    "  ioc_value TEXT,"
    "  observed TEXT,"
    "  side TEXT,"
    "  source TEXT,"
    "  confidence INTEGER,"
    "  shared INTEGER NOT NULL DEFAULT 0,"
    "  suppressed TEXT,"
    "  dataset TEXT,"
    "  UNIQUE (detector, akey, file, line, record, first_ns));"

    "CREATE TABLE alert_actors ("
    "  alert INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  attack_id TEXT,"
    "  PRIMARY KEY (alert, pos)) WITHOUT ROWID;"

    "CREATE TABLE incidents ("
    "  id TEXT PRIMARY KEY,"
    "  first_ns INTEGER NOT NULL,"
    "  last_ns INTEGER NOT NULL,"
    "  severity INTEGER NOT NULL,"
    "  summary TEXT,"
    "  created_run INTEGER REFERENCES runs(id),"
    "  updated_run INTEGER REFERENCES runs(id));"
    "CREATE INDEX incidents_by_last ON incidents(last_ns);"

    "CREATE TABLE incident_alerts ("
    "  incident TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  alert INTEGER NOT NULL REFERENCES alerts(id),"
    "  PRIMARY KEY (incident, alert)) WITHOUT ROWID;"

    /* Which runs wrote which incidents: a run's report shows what it found even after a
       later run updated the same incident. */
    "CREATE TABLE run_incidents ("
    "  run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  incident TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (run, incident)) WITHOUT ROWID;"

    "CREATE TABLE entities ("
    "  incident TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('host', 'user', 'ip', 'domain')),"
    "  value TEXT NOT NULL,"
    "  PRIMARY KEY (incident, kind, value)) WITHOUT ROWID;"

    "CREATE TABLE hypotheses ("
    "  id INTEGER PRIMARY KEY,"
    "  incident TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  run INTEGER REFERENCES runs(id),"
    "  rank INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  attack_id TEXT,"
    "  probability REAL NOT NULL,"
    "  wording TEXT,"
    "  score REAL NOT NULL,"
    "  UNIQUE (incident, rank));"

    "CREATE TABLE contributions ("
    "  hypothesis INTEGER NOT NULL REFERENCES hypotheses(id) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  what TEXT NOT NULL,"
    "  weight REAL NOT NULL,"
    "  alert INTEGER REFERENCES alerts(id),"
    "  PRIMARY KEY (hypothesis, pos)) WITHOUT ROWID;"

    /* Feed files as loaded, zlib-compressed, once per content. */
    "CREATE TABLE feeds ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL UNIQUE,"
    "  size INTEGER NOT NULL,"
    "  data BLOB NOT NULL,"
    "  loaded_ns INTEGER NOT NULL);",

    /* 2: what detectors learned (baselines, counters), one blob per detector, so the
       next run continues where the last stopped. */
    "CREATE TABLE detector_state ("
    "  detector TEXT PRIMARY KEY,"
    "  data BLOB NOT NULL,"
    "  saved_ns INTEGER NOT NULL,"
    "  run INTEGER REFERENCES runs(id));",

    /* 3: the events behind each alert (at most TS_ALERT_HITS each), for the timeline and
       the report: where each is, when, and the fields an analyst reads first. */
    "CREATE TABLE alert_hits ("
    "  alert INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,"
    "  ts_ns INTEGER NOT NULL,"
    "  file TEXT NOT NULL DEFAULT '',"
    "  line INTEGER NOT NULL DEFAULT 0,"
    "  record INTEGER NOT NULL DEFAULT 0,"
    "  host TEXT, user_name TEXT, process TEXT, command_line TEXT, parent TEXT,"
    "  uid TEXT, community_id TEXT, flow_id TEXT,"
    "  PRIMARY KEY (alert, ts_ns, file, line, record)) WITHOUT ROWID;",

    /* 4: the analyst's feedback. A suppression is a set of conditions (NULL: any; at least
       one given) with a reason and an optional expiry; an alert it matched keeps its id and
       what it said, so removing the suppression leaves the alert's history readable. An
       incident can be closed as benign or malicious, with a note; the severity it had then
       decides whether later alerts reopen it (docs/store.md). */
    "CREATE TABLE suppressions ("
    "  id INTEGER PRIMARY KEY,"
    "  detector TEXT,"
    "  rule TEXT,"
    "  host TEXT,"
    "  user_name TEXT,"
    "  ip TEXT,"
    "  indicator TEXT,"
    "  field TEXT,"
    "  value TEXT,"
    "  reason TEXT NOT NULL,"
    "  created_ns INTEGER NOT NULL,"
    "  expires_ns INTEGER,"
    "  CHECK (coalesce(detector, rule, host, user_name, ip, indicator, field) IS NOT NULL),"
    "  CHECK ((field IS NULL) = (value IS NULL)));"
    "ALTER TABLE alerts ADD COLUMN suppression INTEGER;"
    "ALTER TABLE alerts ADD COLUMN suppression_note TEXT;"
    "ALTER TABLE incidents ADD COLUMN status TEXT NOT NULL DEFAULT 'open'"
    "  CHECK (status IN ('open', 'closed'));"
    "ALTER TABLE incidents ADD COLUMN disposition TEXT CHECK (disposition IN ('benign', 'malicious'));"
    "ALTER TABLE incidents ADD COLUMN note TEXT;"
    "ALTER TABLE incidents ADD COLUMN closed_ns INTEGER;"
    "ALTER TABLE incidents ADD COLUMN closed_severity INTEGER;"
    "ALTER TABLE incidents ADD COLUMN reopened TEXT;",

    /* 5: why alerts of different hosts or recipients are one incident ("same sender domain
       x; same outside address y"), as the correlator joined them; NULL: nothing outside. */
    "ALTER TABLE incidents ADD COLUMN joined TEXT;",

    /* 6: where `tocsin watch` stopped in each file it follows, written in the transaction
       of the alerts those bytes produced. A file is known by device and inode (a rename
       keeps them); the hash of its first head_len bytes tells a reused inode from the same
       file. lines is the number of lines before offset, so events keep their line numbers. */
    "CREATE TABLE watch_positions ("
    "  dev INTEGER NOT NULL,"
    "  ino INTEGER NOT NULL,"
    "  path TEXT NOT NULL,"
    "  offset INTEGER NOT NULL,"
    "  lines INTEGER NOT NULL,"
    "  head_len INTEGER NOT NULL,"
    "  head_hash INTEGER NOT NULL,"
    "  updated_ns INTEGER NOT NULL,"
    "  PRIMARY KEY (dev, ino));",

    /* 7: why an incident stands apart from the others of its run ("same account x as other
       alerts, but more than 7 days apart; host y is ... a hub, joins nothing"). */
    "ALTER TABLE incidents ADD COLUMN apart TEXT;",

    /* 8: when each alert was last stored new or changed, in the order of the commits (every
       write transaction holds the store's write lock, so the next number is taken after the
       last commit): the incidents' owner of a stream reads only the alerts changed since
       its last round. */
    ("ALTER TABLE alerts ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;"
     "CREATE INDEX alerts_by_change ON alerts(change_seq);"),
};

/* PostgreSQL's steps, step for step the same tables: 64-bit integers, identity ids, bytea
 * for blobs, and every text column compared and sorted bytewise (COLLATE "C") as SQLite
 * does, so both stores list and order alike whatever the database's locale. */
#define T "TEXT COLLATE \"C\""
#define ID "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
static const char *const pg_migrations[] = {
    /* 1 */
    "CREATE TABLE runs ("
    "  id " ID ","
    "  started_ns BIGINT NOT NULL,"
    "  ended_ns BIGINT,"
    "  command " T " NOT NULL,"
    "  events BIGINT NOT NULL DEFAULT 0,"
    "  rejected BIGINT NOT NULL DEFAULT 0,"
    "  version " T " NOT NULL);"

    "CREATE TABLE sources ("
    "  id " ID ","
    "  run BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  path " T " NOT NULL,"
    "  format " T ","
    "  events BIGINT NOT NULL,"
    "  rejected BIGINT NOT NULL);"
    "CREATE INDEX sources_by_run ON sources(run);"

    "CREATE TABLE alerts ("
    "  id " ID ","
    "  detector " T " NOT NULL,"
    "  akey " T " NOT NULL,"
    "  file " T " NOT NULL,"
    "  line BIGINT NOT NULL,"
    "  record BIGINT NOT NULL,"
    "  first_ns BIGINT NOT NULL,"
    "  run BIGINT REFERENCES runs(id),"
    "  kind " T " NOT NULL,"
    "  title " T " NOT NULL,"
    "  severity BIGINT NOT NULL,"
    "  techniques " T ","
    "  last_ns BIGINT NOT NULL,"
    "  count BIGINT NOT NULL,"
    "  internal_ip " T ","
    "  internal_host " T ","
    "  user_name " T ","
    "  remote_ip " T ","
    "  remote_cc " T ","
    "  remote_asn BIGINT,"
    "  remote_name " T ","
    "  direction " T ","
    "  ioc_type " T ","
    "  ioc_value " T ","
    "  observed " T ","
    "  side " T ","
    "  source " T ","
    "  confidence BIGINT,"
    "  shared BIGINT NOT NULL DEFAULT 0,"
    "  suppressed " T ","
    "  dataset " T ","
    "  UNIQUE (detector, akey, file, line, record, first_ns));"

    "CREATE TABLE alert_actors ("
    "  alert BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,"
    "  pos BIGINT NOT NULL,"
    "  name " T " NOT NULL,"
    "  attack_id " T ","
    "  PRIMARY KEY (alert, pos));"

    "CREATE TABLE incidents ("
    "  id " T " PRIMARY KEY,"
    "  first_ns BIGINT NOT NULL,"
    "  last_ns BIGINT NOT NULL,"
    "  severity BIGINT NOT NULL,"
    "  summary " T ","
    "  created_run BIGINT REFERENCES runs(id),"
    "  updated_run BIGINT REFERENCES runs(id));"
    "CREATE INDEX incidents_by_last ON incidents(last_ns);"

    "CREATE TABLE incident_alerts ("
    "  incident " T " NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  alert BIGINT NOT NULL REFERENCES alerts(id),"
    "  PRIMARY KEY (incident, alert));"

    "CREATE TABLE run_incidents ("
    "  run BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  incident " T " NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (run, incident));"

    "CREATE TABLE entities ("
    "  incident " T " NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  kind " T " NOT NULL CHECK (kind IN ('host', 'user', 'ip', 'domain')),"
    "  value " T " NOT NULL,"
    "  PRIMARY KEY (incident, kind, value));"

    "CREATE TABLE hypotheses ("
    "  id " ID ","
    "  incident " T " NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,"
    "  run BIGINT REFERENCES runs(id),"
    "  rank BIGINT NOT NULL,"
    "  actor " T " NOT NULL,"
    "  attack_id " T ","
    "  probability DOUBLE PRECISION NOT NULL,"
    "  wording " T ","
    "  score DOUBLE PRECISION NOT NULL,"
    "  UNIQUE (incident, rank));"

    "CREATE TABLE contributions ("
    "  hypothesis BIGINT NOT NULL REFERENCES hypotheses(id) ON DELETE CASCADE,"
    "  pos BIGINT NOT NULL,"
    "  what " T " NOT NULL,"
    "  weight DOUBLE PRECISION NOT NULL,"
    "  alert BIGINT REFERENCES alerts(id),"
    "  PRIMARY KEY (hypothesis, pos));"

    "CREATE TABLE feeds ("
    "  id " ID ","
    "  kind " T " NOT NULL,"
    "  name " T " NOT NULL,"
    "  sha256 " T " NOT NULL UNIQUE,"
    "  size BIGINT NOT NULL,"
    "  data BYTEA NOT NULL,"
    "  loaded_ns BIGINT NOT NULL);",

    /* 2 */
    "CREATE TABLE detector_state ("
    "  detector " T " PRIMARY KEY,"
    "  data BYTEA NOT NULL,"
    "  saved_ns BIGINT NOT NULL,"
    "  run BIGINT REFERENCES runs(id));",

    /* 3 */
    "CREATE TABLE alert_hits ("
    "  alert BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,"
    "  ts_ns BIGINT NOT NULL,"
    "  file " T " NOT NULL DEFAULT '',"
    "  line BIGINT NOT NULL DEFAULT 0,"
    "  record BIGINT NOT NULL DEFAULT 0,"
    "  host " T ", user_name " T ", process " T ", command_line " T ", parent " T ","
    "  uid " T ", community_id " T ", flow_id " T ","
    "  PRIMARY KEY (alert, ts_ns, file, line, record));",

    /* 4 */
    "CREATE TABLE suppressions ("
    "  id " ID ","
    "  detector " T ","
    "  rule " T ","
    "  host " T ","
    "  user_name " T ","
    "  ip " T ","
    "  indicator " T ","
    "  field " T ","
    "  value " T ","
    "  reason " T " NOT NULL,"
    "  created_ns BIGINT NOT NULL,"
    "  expires_ns BIGINT,"
    "  CHECK (coalesce(detector, rule, host, user_name, ip, indicator, field) IS NOT NULL),"
    "  CHECK ((field IS NULL) = (value IS NULL)));"
    "ALTER TABLE alerts ADD COLUMN suppression BIGINT;"
    "ALTER TABLE alerts ADD COLUMN suppression_note " T ";"
    "ALTER TABLE incidents ADD COLUMN status " T " NOT NULL DEFAULT 'open'"
    "  CHECK (status IN ('open', 'closed'));"
    "ALTER TABLE incidents ADD COLUMN disposition " T " CHECK (disposition IN ('benign', 'malicious'));"
    "ALTER TABLE incidents ADD COLUMN note " T ";"
    "ALTER TABLE incidents ADD COLUMN closed_ns BIGINT;"
    "ALTER TABLE incidents ADD COLUMN closed_severity BIGINT;"
    "ALTER TABLE incidents ADD COLUMN reopened " T ";",

    /* 5 */
    "ALTER TABLE incidents ADD COLUMN joined " T ";",

    /* 6: "offset" is quoted, a reserved word in PostgreSQL */
    "CREATE TABLE watch_positions ("
    "  dev BIGINT NOT NULL,"
    "  ino BIGINT NOT NULL,"
    "  path " T " NOT NULL,"
    "  \"offset\" BIGINT NOT NULL,"
    "  lines BIGINT NOT NULL,"
    "  head_len BIGINT NOT NULL,"
    "  head_hash BIGINT NOT NULL,"
    "  updated_ns BIGINT NOT NULL,"
    "  PRIMARY KEY (dev, ino));",

    /* 7 */
    "ALTER TABLE incidents ADD COLUMN apart " T ";",

    /* 8 */
    ("ALTER TABLE alerts ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;"
     "CREATE INDEX alerts_by_change ON alerts(change_seq);"),
};
#undef T
#undef ID

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))
_Static_assert(sizeof pg_migrations / sizeof pg_migrations[0] == sizeof migrations / sizeof migrations[0],
               "every schema step has its PostgreSQL form");

int ts_store_schema_version(void)
{
    return N_MIGRATIONS;
}

/* The first read of the file: where a file that is no database shows itself. */
static tocsin_code version_failed(ts_store *s)
{
    int not_db = s->db && sqlite3_errcode(s->db) == SQLITE_NOTADB;
    return st_fail(s, not_db ? "not a tocsin store" : "reading the schema version");
}

/* SQLite's user_version, or the row of PostgreSQL's tocsin_schema (0 without the table). */
static tocsin_code user_version(ts_store *s, int *v)
{
    st_stmt *st;
    *v = 0;
    /* PostgreSQL: the catalogue is read with a query, not to_regclass(), whose cache is not
       refreshed by waiting for the write lock: two hunts creating a store at once, the second
       then saw no version table beside the tables the first had just made. */
    const char *sql =
        !s->pg ? "PRAGMA user_version"
               : "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_class WHERE relname = 'tocsin_schema'"
                 " AND relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()))"
                 " THEN -1 ELSE 0 END";
    if (st_prepare(s, sql, &st, "reading the schema version") != TOCSIN_OK)
        return version_failed(s);
    int rc = st_step(st);
    if (rc == STEP_ROW)
        *v = st_col_int(st, 0);
    st_finalize(st);
    if (rc != STEP_ROW)
        return version_failed(s);
    if (*v != -1)
        return TOCSIN_OK;
    /* the table exists: now it can be named in a query */
    if (st_prepare(s, "SELECT coalesce(max(version), 0) FROM tocsin_schema", &st,
                   "reading the schema version") != TOCSIN_OK)
        return version_failed(s);
    rc = st_step(st);
    if (rc == STEP_ROW)
        *v = st_col_int(st, 0);
    st_finalize(st);
    return rc == STEP_ROW ? TOCSIN_OK : version_failed(s);
}

/* Refuses a database another program made, before anything is written to it: one at
 * version 0 that already holds objects, or one at a version without tocsin's tables. Its
 * schema is not quoted: a line that names one of its tables is enough to recognise it. */
static tocsin_code check_ours(ts_store *s, int version)
{
    st_stmt *st = st_get(s, ST_SCHEMA_OBJECTS);
    char first[72] = "";
    if (!st)
        return TOCSIN_E_DB;
    if (st_step(st) != STEP_ROW) {
        tocsin_code rc = st_fail(s, "reading the schema");
        st_reset(st);
        return rc;
    }
    int64_t objects = st_col_int64(st, 0), core = st_col_int64(st, 1);
    const char *name = st_col_text(st, 2);
    snprintf(first, sizeof first, "%s", name ? name : "");
    st_reset(st);
    if (version == 0 ? objects == 0 : core == 3)
        return TOCSIN_OK;
    if (s->pg)
        snprintf(
            s->err, sizeof s->err,
            "%s: not a tocsin store: the schema holds another program's tables%s%s%s; name a database of its "
            "own, or a schema of its own (options=-csearch_path=NAME)",
            s->path, *first ? " (a table '" : "", first, *first ? "')" : "");
    else
        snprintf(
            s->err, sizeof s->err,
            "%s: not a tocsin store but another program's SQLite database%s%s%s; name a new file with --db",
            s->path, *first ? " (it holds a table '" : "", first, *first ? "')" : "");
    return TOCSIN_E_DB;
}

static tocsin_code too_new(ts_store *s, int v)
{
    snprintf(s->err, sizeof s->err, "%s: the store's schema version %d is newer than this tocsin knows (%d)",
             s->path, v, N_MIGRATIONS);
    return TOCSIN_E_DB;
}

/* The statement that records version v, after its step ran. */
static void version_bump(const ts_store *s, int v, char *buf, size_t len)
{
    if (!s->pg)
        snprintf(buf, len, "PRAGMA user_version = %d", v); /* a constant, not data */
    else if (v == 1)
        snprintf(
            buf, len,
            "CREATE TABLE tocsin_schema (version INTEGER NOT NULL); INSERT INTO tocsin_schema VALUES (1)");
    else
        snprintf(buf, len, "UPDATE tocsin_schema SET version = %d", v);
}

/* Runs the steps from the version found under the write lock up to the newest, each
 * with its version bump in one transaction, so a crash leaves the store at a version,
 * never between. Re-reading the version under the lock lets two processes open a new
 * store at once (on PostgreSQL the write lock is an advisory lock, and DDL is
 * transactional as well). */
static tocsin_code upgrade(ts_store *s)
{
    for (;;) {
        char bump[128], what[48];
        int v;
        tocsin_code rc = st_begin_write(s, "taking the write lock to create the schema");
        if (rc != TOCSIN_OK)
            return rc;
        if ((rc = user_version(s, &v)) != TOCSIN_OK ||
            ((v == 0 || s->pg) && (rc = check_ours(s, v)) != TOCSIN_OK) ||
            (v > N_MIGRATIONS && (rc = too_new(s, v)) != TOCSIN_OK)) {
            st_rollback(s, "ROLLBACK");
            return rc;
        }
        if (v >= N_MIGRATIONS)
            return st_exec(s, "COMMIT", "committing the schema");
        version_bump(s, v + 1, bump, sizeof bump);
        snprintf(what, sizeof what, "upgrading the schema to version %d", v + 1);
        if ((rc = st_exec(s, s->pg ? pg_migrations[v] : migrations[v], what)) != TOCSIN_OK ||
            (rc = st_exec(s, bump, what)) != TOCSIN_OK || (rc = st_exec(s, "COMMIT", what)) != TOCSIN_OK) {
            st_rollback(s, "ROLLBACK");
            return rc;
        }
    }
}

tocsin_code ts_store_migrate(ts_store *s)
{
    int v;
    /* The version and the schema's objects are read in one snapshot: read apart, another
       process creating the store in between made it look like version 0 with tables, that
       is, another program's database (seen with two hunts starting on a new store at once).
       No write lock: a reader opening a current store never waits for a hunt's commit. */
    tocsin_code rc = st_exec(s, s->pg ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY" : "BEGIN",
                             "starting to read the schema");
    if (rc != TOCSIN_OK)
        return rc;
    rc = user_version(s, &v);
    if (rc == TOCSIN_OK)
        rc = check_ours(s, v);
    st_exec(s, rc == TOCSIN_OK ? "COMMIT" : "ROLLBACK", "ending the read of the schema");
    if (rc != TOCSIN_OK)
        return rc;
    if (v > N_MIGRATIONS || v < 0)
        return too_new(s, v);
    /* A current store needs no write lock, so a read-only one still opens for reading. */
    return v == N_MIGRATIONS ? TOCSIN_OK : upgrade(s);
}
