/* store.c: opening the store (an SQLite file or a PostgreSQL database), its statements,
 * runs and their sources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"

/* The alerts of a stream's runs (below) are all the runs' when ?3 is negative, else only
 * those of the files run ?3 read and of the incidents they are in (a hunt reading the
 * same logs again). */
#define RUN_FILES                                                                                     \
    " AND (?3 < 0 OR a.file IN (SELECT path FROM sources WHERE run = ?3) OR a.id IN (SELECT ib.alert" \
    " FROM incident_alerts ib WHERE ib.incident IN (SELECT ia.incident FROM incident_alerts ia"       \
    " JOIN alerts x ON x.id = ia.alert WHERE x.file IN (SELECT path FROM sources WHERE run = ?3))))"

/* Every statement, in one place so the SQL can be read as a whole. All data is bound. */
static const char *const sql[ST__COUNT] = {
    [ST_RUN_BEGIN] = "INSERT INTO runs (started_ns, command, version) VALUES (?1, ?2, ?3) RETURNING id",
    [ST_RUN_END] = "UPDATE runs SET ended_ns = ?2, events = ?3, rejected = ?4 WHERE id = ?1",
    [ST_SOURCE] = "INSERT INTO sources (run, path, format, events, rejected) VALUES (?1, ?2, ?3, ?4, ?5)",
    /* A repeat of a stored alert keeps the widest view of it (a log that grew since). */
    [ST_ALERT_UPSERT] =
        "INSERT INTO alerts (detector, akey, file, line, record, first_ns, run, kind, title,"
        " severity, techniques, last_ns, count, internal_ip, internal_host, user_name, remote_ip,"
        " remote_cc, remote_asn, remote_name, direction, ioc_type, ioc_value, observed, side,"
        " source, confidence, shared, suppressed, dataset, suppression, suppression_note, change_seq)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
        " ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32,"
        " (SELECT coalesce(max(change_seq), 0) + 1 FROM alerts))"
        " ON CONFLICT (detector, akey, file, line, record, first_ns) DO UPDATE SET"
        " last_ns = max(last_ns, excluded.last_ns), count = max(count, excluded.count),"
        " suppression = excluded.suppression, suppression_note = excluded.suppression_note,"
        /* the same alert written again as it was (the incidents' owner rewriting an
           incident) is no change */
        " change_seq = CASE WHEN excluded.last_ns > last_ns OR excluded.count > count"
        " OR excluded.suppression IS DISTINCT FROM suppression"
        " OR excluded.suppression_note IS DISTINCT FROM suppression_note"
        " THEN excluded.change_seq ELSE change_seq END"
        " RETURNING id",
    [ST_ALERT_ACTOR] = "INSERT INTO alert_actors (alert, pos, name, attack_id) VALUES (?1, ?2, ?3, ?4) ON "
                       "CONFLICT DO NOTHING",
    [ST_INCIDENT_UPSERT] =
        "INSERT INTO incidents (id, first_ns, last_ns, severity, summary, created_run, updated_run, joined, "
        "apart)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)"
        " ON CONFLICT (id) DO UPDATE SET first_ns = min(first_ns, excluded.first_ns),"
        " last_ns = max(last_ns, excluded.last_ns), severity = max(severity, excluded.severity),"
        " summary = coalesce(excluded.summary, summary), updated_run = excluded.updated_run,"
        " joined = coalesce(excluded.joined, joined), apart = coalesce(excluded.apart, apart)",
    [ST_INCIDENT_ALERT] =
        "INSERT INTO incident_alerts (incident, alert) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    [ST_RUN_INCIDENT] = "INSERT INTO run_incidents (run, incident) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    [ST_ENTITY] = "INSERT INTO entities (incident, kind, value) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
    [ST_HYP_DELETE] = "DELETE FROM hypotheses WHERE incident = ?1",
    [ST_HYP_INSERT] =
        "INSERT INTO hypotheses (incident, run, rank, actor, attack_id, probability, wording, score)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
    [ST_CONTRIB_INSERT] =
        "INSERT INTO contributions (hypothesis, pos, what, weight, alert) VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_FEED_FIND] = "SELECT id FROM feeds WHERE sha256 = ?1",
    [ST_FEED_INSERT] =
        "INSERT INTO feeds (kind, name, sha256, size, data, loaded_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT DO NOTHING",
    /* One row at a time, so the callback may use the store while no statement is open. */
    [ST_FEED_EACH] = "SELECT id, kind, name, size, data FROM feeds WHERE id > ?1 ORDER BY id LIMIT 1",
    [ST_RUN_GET] = "SELECT id, started_ns, ended_ns, command, events, rejected, version,"
                   " (SELECT count(*) FROM sources WHERE run = ?1) FROM runs WHERE id = ?1",
    [ST_RUN_FORMATS] = "SELECT coalesce(format, '?'), count(*), sum(events), sum(rejected) FROM sources"
                       " WHERE run = ?1 GROUP BY 1 ORDER BY 2 DESC, 1",
    [ST_RUN_INCIDENTS] =
        "SELECT i.id FROM run_incidents r JOIN incidents i ON i.id = r.incident WHERE r.run = ?1"
        " ORDER BY i.first_ns, i.id",
    [ST_RUN_ALERT_COUNT] = "SELECT count(DISTINCT ia.alert) FROM run_incidents r"
                           " JOIN incident_alerts ia ON ia.incident = r.incident WHERE r.run = ?1",
    [ST_RUN_INCIDENT_COUNT] = "SELECT count(*) FROM run_incidents WHERE run = ?1",
    [ST_INCIDENT_IDS] = "SELECT id FROM incidents ORDER BY last_ns DESC, id",
    [ST_INCIDENT_GET] =
        "SELECT id, first_ns, last_ns, severity, summary, created_run, updated_run,"
        " (SELECT count(*) FROM incident_alerts WHERE incident = ?1),"
        " status, disposition, note, closed_ns, reopened,"
        " (SELECT count(*) FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert"
        "  WHERE ia.incident = ?1 AND a.suppression IS NOT NULL), joined, apart,"
        " (SELECT count(*) FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert"
        "  WHERE ia.incident = ?1 AND (a.suppressed IS NOT NULL OR a.suppression IS NOT NULL))"
        " FROM incidents WHERE id = ?1",
    [ST_INCIDENT_ENTITIES] =
        "SELECT kind, value FROM entities WHERE incident = ?1"
        " ORDER BY CASE kind WHEN 'host' THEN 0 WHEN 'user' THEN 1 WHEN 'ip' THEN 2 ELSE 3 END, value",
    [ST_INCIDENT_ALERTS] =
        "SELECT a.id, detector, akey, file, line, record, first_ns, kind, title, severity,"
        " techniques, last_ns, count, internal_ip, internal_host, user_name, remote_ip, remote_cc,"
        " remote_asn, remote_name, direction, ioc_type, ioc_value, observed, side, source,"
        " confidence, shared, suppressed, dataset, suppression, suppression_note"
        " FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert WHERE ia.incident = ?1"
        " ORDER BY a.first_ns, a.id",
    /* The alerts first stored by runs whose command starts with ?1 (the runs of a stream's
       partitions) and stored new or changed after the change ?2; the command, for the caller
       to tell its runs from others, and the change last. */
    [ST_RUN_ALERTS] =
        "SELECT a.id, detector, akey, file, line, record, first_ns, kind, title, severity,"
        " techniques, last_ns, count, internal_ip, internal_host, user_name, remote_ip, remote_cc,"
        " remote_asn, remote_name, direction, ioc_type, ioc_value, observed, side, source,"
        " confidence, shared, suppressed, dataset, suppression, suppression_note, r.command, a.change_seq"
        " FROM alerts a JOIN runs r ON r.id = a.run WHERE a.change_seq > ?2"
        " AND substr(r.command, 1, length(?1)) = ?1" RUN_FILES " ORDER BY a.first_ns, a.id",
    /* The actors and events of the same alerts, by alert. */
    [ST_RUN_ALERT_ACTORS] =
        "SELECT aa.alert, aa.name, aa.attack_id FROM alert_actors aa JOIN alerts a ON a.id = aa.alert"
        " JOIN runs r ON r.id = a.run WHERE a.change_seq > ?2 AND substr(r.command, 1, length(?1)) = "
        "?1" RUN_FILES " ORDER BY aa.alert, aa.pos",
    [ST_RUN_ALERT_HITS] =
        "SELECT h.alert, h.ts_ns, h.file, h.line, h.record, h.host, h.user_name, h.process, h.command_line,"
        " h.parent, h.uid, h.community_id, h.flow_id FROM alert_hits h JOIN alerts a ON a.id = h.alert"
        " JOIN runs r ON r.id = a.run WHERE a.change_seq > ?2 AND substr(r.command, 1, length(?1)) = "
        "?1" RUN_FILES " ORDER BY h.alert, h.ts_ns, h.file, h.line, h.record",
    [ST_ALERT_ACTORS] = "SELECT name, attack_id FROM alert_actors WHERE alert = ?1 ORDER BY pos",
    [ST_INCIDENT_HYPS] = "SELECT id, rank, actor, attack_id, probability, wording, score FROM hypotheses"
                         " WHERE incident = ?1 ORDER BY rank",
    [ST_HYP_CONTRIBS] = "SELECT what, weight, alert FROM contributions WHERE hypothesis = ?1 ORDER BY pos",
    [ST_STATE_PUT] = "INSERT INTO detector_state (detector, data, saved_ns, run) VALUES (?1, ?2, ?3, ?4)"
                     " ON CONFLICT (detector) DO UPDATE SET data = excluded.data,"
                     " saved_ns = excluded.saved_ns, run = excluded.run",
    [ST_STATE_GET] = "SELECT data FROM detector_state WHERE detector = ?1",
    /* What the file holds besides SQLite's own objects: how many, how many of tocsin's core
       tables, and a table to name a foreign database by. */
    [ST_SCHEMA_OBJECTS] =
        "SELECT count(*), coalesce(sum(type = 'table' AND name IN ('runs', 'alerts', 'incidents')), 0),"
        " min(CASE type WHEN 'table' THEN name END)"
        " FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    /* An event seen again (a second hunt over the same logs) is kept once. */
    [ST_HIT_INSERT] =
        "INSERT INTO alert_hits (alert, ts_ns, file, line, record, host, user_name, process,"
        " command_line, parent, uid, community_id, flow_id)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT DO NOTHING",
    [ST_ALERT_HITS] =
        "SELECT ts_ns, file, line, record, host, user_name, process, command_line, parent, uid,"
        " community_id, flow_id FROM alert_hits WHERE alert = ?1 ORDER BY ts_ns, file, line, record",
    /* An incident is as grave as its gravest active alert: suppressed ones (by an analyst or
       a warninglist) do not raise it. */
    [ST_INCIDENT_SEVERITY] =
        "UPDATE incidents SET severity = coalesce((SELECT max(a.severity) FROM incident_alerts ia"
        " JOIN alerts a ON a.id = ia.alert WHERE ia.incident = ?1 AND a.suppression IS NULL"
        " AND a.suppressed IS NULL), 0) WHERE id = ?1",
    [ST_INCIDENT_CLOSURE] =
        "SELECT status, disposition, closed_severity, closed_ns FROM incidents WHERE id = ?1",
    [ST_INCIDENT_HAS_DETECTOR] = "SELECT 1 FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert"
                                 " WHERE ia.incident = ?1 AND a.detector = ?2 LIMIT 1",
    [ST_INCIDENT_REOPEN] =
        "UPDATE incidents SET status = 'open', reopened = ?2 WHERE id = ?1 AND status = 'closed'",
    [ST_INCIDENT_CLOSE] =
        "UPDATE incidents SET status = 'closed', disposition = ?2, note = ?3, closed_ns = ?4,"
        " closed_severity = severity, reopened = NULL WHERE id = ?1",
    [ST_RUN_SUPPRESSED_COUNT] =
        "SELECT count(DISTINCT ia.alert) FROM run_incidents r"
        " JOIN incident_alerts ia ON ia.incident = r.incident JOIN alerts a ON a.id = ia.alert"
        " WHERE r.run = ?1 AND a.suppression IS NOT NULL",
    /* correlate/routine.h marks a routine source's alerts "routine: REASON" */
    [ST_RUN_ROUTINE_COUNT] =
        "SELECT count(DISTINCT ia.alert) FROM run_incidents r"
        " JOIN incident_alerts ia ON ia.incident = r.incident JOIN alerts a ON a.id = ia.alert"
        " WHERE r.run = ?1 AND a.suppression IS NULL AND a.suppressed LIKE 'routine: %'",
    [ST_SUPPRESS_ADD] =
        "INSERT INTO suppressions (detector, rule, host, user_name, ip, indicator, field, value, reason,"
        " created_ns, expires_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
    /* Every suppression (?1 = 0), or those in force at ?1 (no expiry, or a later one). */
    [ST_SUPPRESS_LIST] =
        "SELECT id, detector, rule, host, user_name, ip, indicator, field, value, reason, created_ns,"
        " expires_ns FROM suppressions WHERE ?1 = 0 OR expires_ns IS NULL OR expires_ns > ?1 ORDER BY id",
    [ST_SUPPRESS_REMOVE] = "DELETE FROM suppressions WHERE id = ?1",
};

/* PostgreSQL's text where its dialect differs from SQLite's: GREATEST and LEAST for the
 * two-argument max and min, the conflicting row named by its table, its own catalogue, and
 * NOTIFY. The rest runs as written above. */
static const char *const pg_sql[ST__COUNT] = {
    [ST_ALERT_UPSERT] =
        "INSERT INTO alerts (detector, akey, file, line, record, first_ns, run, kind, title,"
        " severity, techniques, last_ns, count, internal_ip, internal_host, user_name, remote_ip,"
        " remote_cc, remote_asn, remote_name, direction, ioc_type, ioc_value, observed, side,"
        " source, confidence, shared, suppressed, dataset, suppression, suppression_note)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
        " ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)"
        " ON CONFLICT (detector, akey, file, line, record, first_ns) DO UPDATE SET"
        " last_ns = GREATEST(alerts.last_ns, excluded.last_ns), count = GREATEST(alerts.count, "
        "excluded.count),"
        " suppression = excluded.suppression, suppression_note = excluded.suppression_note"
        " RETURNING id",
    [ST_INCIDENT_UPSERT] =
        "INSERT INTO incidents (id, first_ns, last_ns, severity, summary, created_run, updated_run, joined, "
        "apart)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)"
        " ON CONFLICT (id) DO UPDATE SET first_ns = LEAST(incidents.first_ns, excluded.first_ns),"
        " last_ns = GREATEST(incidents.last_ns, excluded.last_ns),"
        " severity = GREATEST(incidents.severity, excluded.severity),"
        " summary = coalesce(excluded.summary, incidents.summary), updated_run = excluded.updated_run,"
        " joined = coalesce(excluded.joined, incidents.joined), apart = coalesce(excluded.apart, "
        "incidents.apart)",
    /* The tables of the connection's schema (the first of its search_path) but tocsin's
       version table. */
    [ST_SCHEMA_OBJECTS] =
        "SELECT count(*), count(*) FILTER (WHERE c.relname IN ('runs', 'alerts', 'incidents')),"
        " min(c.relname::text COLLATE \"C\") FROM pg_class c"
        " WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND "
        "c.relkind IN ('r', 'p', 'v', 'm', 'f')"
        " AND c.relname <> 'tocsin_schema'",
    /* docs/store.md: the channel and the payload */
    [ST_NOTIFY] = "SELECT pg_notify('tocsin_incidents', ?1)",
    [ST_INCIDENT_DIGEST] = "SELECT concat_ws('|', severity, last_ns, status, summary, reopened,"
                           " (SELECT count(*) FROM incident_alerts WHERE incident = ?1),"
                           " (SELECT sum(a.count) FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert "
                           "WHERE ia.incident = ?1))"
                           " FROM incidents WHERE id = ?1",
};

/* The statements whose callers read neither rows nor the count of rows changed: on
 * PostgreSQL, inside a transaction, they go out without waiting for their answers (pg.c). */
static const bool deferrable[ST__COUNT] = {
    [ST_ALERT_ACTOR] = true,       [ST_HIT_INSERT] = true,      [ST_ENTITY] = true,
    [ST_CONTRIB_INSERT] = true,    [ST_RUN_INCIDENT] = true,    [ST_INCIDENT_UPSERT] = true,
    [ST_INCIDENT_SEVERITY] = true, [ST_HYP_DELETE] = true,      [ST_NOTIFY] = true,
    [ST_STATE_PUT] = true,         [ST_INCIDENT_REOPEN] = true,
};

st_stmt *st_get(ts_store *s, st_id id)
{
    st_stmt *st = s->st[id];
    if (!st) {
        const char *text = s->pg && pg_sql[id] ? pg_sql[id] : sql[id];
        char name[12];
        snprintf(name, sizeof name, "t%d", (int)id);
        if (!text) {
            snprintf(s->err, sizeof s->err, "%s: statement %d has no text for this database", s->path,
                     (int)id);
            return NULL;
        }
        if ((s->st[id] = st_new(s, text, name, true)))
            s->st[id]->deferrable = deferrable[id];
        return s->st[id];
    }
    if (st->lite) {
        sqlite3_reset(st->lite);
        sqlite3_clear_bindings(st->lite);
    } else {
        pg_clear(st);
    }
    return st;
}

int64_t st_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* WAL lets a reader (tocsin show) run while a hunt writes; NORMAL sync is safe under WAL
 * (a power cut may lose the last commit, never corrupt). A writer waits for another's
 * transaction rather than fail: a hunt holds the lock only while it writes its findings,
 * but a large one, or a large feed being kept, can take seconds. */
static tocsin_code configure(ts_store *s)
{
    tocsin_code rc;
    sqlite3_busy_timeout(s->db, TS_STORE_BUSY_MS);
    if ((rc = st_exec(s, "PRAGMA foreign_keys = ON", "enabling foreign keys")) != TOCSIN_OK)
        return rc;
    if ((rc = ts_store_migrate(s)) != TOCSIN_OK)
        return rc;
    if (sqlite3_db_readonly(s->db, "main") == 1)
        return TOCSIN_OK; /* reading only: the journal mode cannot change and need not */
    /* Switching to WAL needs the other connections out of the file, and SQLite answers
       "busy" at once rather than calling the busy handler: a second hunt opening a new store
       while the first creates it waits here, up to the busy timeout. */
    for (int waited = 0;; waited += 50) {
        int c = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
        if (c == SQLITE_OK)
            break;
        if ((c != SQLITE_BUSY && c != SQLITE_LOCKED) || waited >= TS_STORE_BUSY_MS)
            return st_fail(s, "switching to the WAL journal");
        sqlite3_sleep(50);
    }
    return st_exec(s, "PRAGMA synchronous = NORMAL", "setting the sync level");
}

bool ts_store_is_url(const char *path)
{
    return path && (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

char *ts_store_shown_path(const char *path)
{
    char *d = strdup(path);
    if (!d || !ts_store_is_url(path))
        return d;
    char *auth = strstr(d, "://") + 3;
    char *at = strchr(auth, '@'), *slash = strchr(auth, '/');
    char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (at && (!slash || at < slash) && colon)
        memmove(colon, at, strlen(at) + 1);
    for (char *p = strstr(d, "password="); p; p = strstr(p + 1, "password=")) {
        char *v = p + 9, *e = v + strcspn(v, "&");
        if (e > v) {
            memmove(v + 3, e, strlen(e) + 1);
            memcpy(v, "***", 3);
        }
    }
    return d;
}

tocsin_code ts_store_open(const char *path, ts_store **out, char *err, size_t errlen)
{
    ts_store *s;
    tocsin_code rc;
    *out = NULL;
    if (err && errlen)
        err[0] = 0;
    if (!path || !*path) {
        if (err && errlen)
            snprintf(err, errlen, "no store path given");
        return TOCSIN_E_ARG;
    }
    if (!(s = calloc(1, sizeof *s)) || !(s->path = ts_store_shown_path(path))) {
        free(s);
        return TOCSIN_E_NOMEM;
    }
    if (ts_store_is_url(path)) {
        rc = pg_open(s, path);
        if (rc == TOCSIN_OK)
            rc = ts_store_migrate(s);
    } else if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        if (!s->db) {
            free(s->path);
            free(s);
            return TOCSIN_E_NOMEM;
        }
        rc = st_fail(s, "opening the store");
    } else {
        rc = configure(s);
    }
    if (rc != TOCSIN_OK) {
        if (err && errlen)
            snprintf(err, errlen, "%s", s->err[0] ? s->err : tocsin_strerror(rc));
        ts_store_close(s);
        return rc;
    }
    *out = s;
    return TOCSIN_OK;
}

void ts_store_close(ts_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST__COUNT; i++)
        st_finalize(s->st[i]);
    if (s->pg)
        pg_close(s);
    else
        sqlite3_close_v2(s->db); /* rolls back a batch left open */
    free(s->sent);
    free(s->parts);
    free(s->path);
    free(s);
}

const char *ts_store_error(const ts_store *s)
{
    return s ? s->err : "no store";
}

tocsin_code ts_store_begin(ts_store *s)
{
    tocsin_code rc;
    if (s->in_batch)
        return TOCSIN_OK;
    if ((rc = st_begin_write(s, "taking the write lock")) == TOCSIN_OK)
        s->in_batch = true;
    return rc;
}

tocsin_code ts_store_commit(ts_store *s)
{
    tocsin_code rc;
    if (!s->in_batch)
        return TOCSIN_OK;
    s->in_batch = false;
    if ((rc = st_exec(s, "COMMIT", "committing")) != TOCSIN_OK)
        st_rollback(s, "ROLLBACK");
    return rc;
}

void ts_store_rollback(ts_store *s)
{
    if (!s->in_batch)
        return;
    s->in_batch = false;
    st_rollback(s, "ROLLBACK");
}

tocsin_code ts_store_run_begin(ts_store *s, const char *command, int64_t *run_id)
{
    st_stmt *st = st_get(s, ST_RUN_BEGIN);
    if (!st)
        return TOCSIN_E_DB;
    st_int(st, 1, st_now_ns());
    st_text_nn(st, 2, command);
    st_text_nn(st, 3, TOCSIN_VERSION);
    return st_insert_id(s, st, "recording the run", run_id);
}

tocsin_code ts_store_run_end(ts_store *s, int64_t run_id, uint64_t events, uint64_t rejected)
{
    st_stmt *st = st_get(s, ST_RUN_END);
    tocsin_code rc;
    if (!st)
        return TOCSIN_E_DB;
    st_int(st, 1, run_id);
    st_int(st, 2, st_now_ns());
    st_u64(st, 3, events);
    st_u64(st, 4, rejected);
    if ((rc = st_done(s, st, "ending the run")) != TOCSIN_OK)
        return rc;
    if (st_changes(s) == 0) {
        snprintf(s->err, sizeof s->err, "no run %lld in the store", (long long)run_id);
        return TOCSIN_E_NOTFOUND;
    }
    return TOCSIN_OK;
}

tocsin_code ts_store_source(ts_store *s, int64_t run_id, const char *path, const char *format,
                            uint64_t events, uint64_t rejected)
{
    st_stmt *st = st_get(s, ST_SOURCE);
    if (!st)
        return TOCSIN_E_DB;
    st_int(st, 1, run_id);
    st_text_nn(st, 2, path);
    st_text(st, 3, format);
    st_u64(st, 4, events);
    st_u64(st, 5, rejected);
    return st_done(s, st, "recording a source file");
}
