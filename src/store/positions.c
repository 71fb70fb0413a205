/* positions.c: where `tocsin watch` stopped in each file, kept with the findings. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "core/vec.h"

static tocsin_code run(ts_store *s, const char *sql, st_stmt **st, const char *what)
{
    return st_prepare(s, sql, st, what);
}

tocsin_code ts_store_pos_get(ts_store *s, int64_t dev, int64_t ino, ts_watch_pos *out, int *found)
{
    st_stmt *st;
    *found = 0;
    tocsin_code rc = run(s,
                         "SELECT \"offset\", lines, head_len, head_hash FROM watch_positions"
                         " WHERE dev = ?1 AND ino = ?2",
                         &st, "reading a watched file's position");
    if (rc != TOCSIN_OK)
        return rc;
    st_int(st, 1, dev);
    st_int(st, 2, ino);
    int step = st_step(st);
    if (step == STEP_ROW) {
        *found = 1;
        out->dev = dev;
        out->ino = ino;
        out->offset = (uint64_t)st_col_int64(st, 0);
        out->lines = (uint64_t)st_col_int64(st, 1);
        out->head_len = (uint32_t)st_col_int64(st, 2);
        out->head_hash = (uint64_t)st_col_int64(st, 3);
    } else if (step != STEP_DONE) {
        rc = st_fail(s, "reading a watched file's position");
    }
    st_finalize(st);
    return rc;
}

tocsin_code ts_store_pos_put(ts_store *s, const char *path, const ts_watch_pos *p)
{
    st_stmt *st;
    tocsin_code rc =
        run(s,
            "INSERT INTO watch_positions (dev, ino, path, \"offset\", lines, head_len, head_hash,"
            " updated_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            " ON CONFLICT (dev, ino) DO UPDATE SET path = excluded.path,"
            " \"offset\" = excluded.\"offset\", lines = excluded.lines, head_len = excluded.head_len,"
            " head_hash = excluded.head_hash, updated_ns = excluded.updated_ns",
            &st, "saving a watched file's position");
    if (rc != TOCSIN_OK)
        return rc;
    st_int(st, 1, p->dev);
    st_int(st, 2, p->ino);
    st_text(st, 3, path);
    st_int(st, 4, (int64_t)p->offset);
    st_int(st, 5, (int64_t)p->lines);
    st_int(st, 6, (int64_t)p->head_len);
    st_int(st, 7, (int64_t)p->head_hash);
    st_int(st, 8, st_now_ns());
    rc = st_done(s, st, "saving a watched file's position");
    st_finalize(st);
    return rc;
}

tocsin_code ts_store_pos_delete(ts_store *s, int64_t dev, int64_t ino)
{
    st_stmt *st;
    tocsin_code rc = run(s, "DELETE FROM watch_positions WHERE dev = ?1 AND ino = ?2", &st,
                         "forgetting a watched file's position");
    if (rc != TOCSIN_OK)
        return rc;
    st_int(st, 1, dev);
    st_int(st, 2, ino);
    rc = st_done(s, st, "forgetting a watched file's position");
    st_finalize(st);
    return rc;
}

/* The incident ids sql lists, its ?1 bound to command or else to run. */
static tocsin_code incident_ids(ts_store *s, const char *sql, const char *command, int64_t run_id,
                                char ***ids, size_t *n)
{
    st_stmt *st;
    *ids = NULL;
    *n = 0;
    tocsin_code rc = run(s, sql, &st, "listing the incidents of earlier runs");
    if (rc != TOCSIN_OK)
        return rc;
    if (command)
        st_text(st, 1, command);
    else
        st_int(st, 1, run_id);
    size_t cap = 0;
    int step;
    while ((step = st_step(st)) == STEP_ROW) {
        const char *id = st_col_text(st, 0);
        if (!ts_vec_grow(*ids, cap, *n + 1, TS_VEC_NOCAP)) {
            rc = TOCSIN_E_NOMEM;
            break;
        }
        if (!((*ids)[*n] = strdup(id ? id : ""))) {
            rc = TOCSIN_E_NOMEM;
            break;
        }
        (*n)++;
    }
    if (rc == TOCSIN_OK && step != STEP_DONE)
        rc = st_fail(s, "listing the incidents of earlier runs");
    st_finalize(st);
    return rc;
}

tocsin_code ts_store_run_incidents(ts_store *s, const char *command, char ***ids, size_t *n)
{
    return incident_ids(s,
                        "SELECT DISTINCT ri.incident FROM run_incidents ri JOIN runs r ON r.id = ri.run"
                        " WHERE r.command = ?1 ORDER BY ri.incident",
                        command, 0, ids, n);
}

tocsin_code ts_store_rerun_incidents(ts_store *s, int64_t run_id, char ***ids, size_t *n)
{
    return incident_ids(s,
                        "SELECT DISTINCT ia.incident FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert"
                        " WHERE a.file IN (SELECT path FROM sources WHERE run = ?1) ORDER BY ia.incident",
                        NULL, run_id, ids, n);
}

tocsin_code ts_store_read_before(ts_store *s, const char *path, bool *yes)
{
    st_stmt *st;
    size_t len = strlen(path);
    *yes = false;
    while (len > 1 && path[len - 1] == '/') /* "logs/" holds "logs/conn.log" */
        len--;
    tocsin_code rc =
        run(s,
            "SELECT 1 FROM sources WHERE path = ?1 OR substr(path, 1, length(?1) + 1) = ?1 || '/'"
            " LIMIT 1",
            &st, "looking for the logs earlier runs read");
    if (rc != TOCSIN_OK)
        return rc;
    st_text_n(st, 1, path, len);
    int step = st_step(st);
    *yes = step == STEP_ROW;
    rc = step == STEP_ROW || step == STEP_DONE ? TOCSIN_OK
                                               : st_fail(s, "looking for the logs earlier runs read");
    st_finalize(st);
    return rc;
}

tocsin_code ts_store_incident_forget(ts_store *s, const char *id)
{
    st_stmt *st;
    tocsin_code rc = run(s, "DELETE FROM incidents WHERE id = ?1", &st, "removing a merged incident");
    if (rc != TOCSIN_OK)
        return rc;
    st_text(st, 1, id);
    rc = st_done(s, st, "removing a merged incident");
    st_finalize(st);
    if (rc == TOCSIN_OK && st_is_pg(s))
        rc = st_notify(s, id, "removed", 0);
    return rc;
}
