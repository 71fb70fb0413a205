/* partitions.c: which worker owns which partition of the detector state: PostgreSQL session
 * advisory locks, so a dead worker's partitions are free the moment its connection is gone. */
#include <stdio.h>
#include <stdlib.h>

#include "store/store_int.h"
#include "core/vec.h"

static size_t find(const ts_store *s, uint32_t id)
{
    for (size_t i = 0; i < s->n_parts; i++)
        if (s->parts[i] == id)
            return i;
    return SIZE_MAX;
}

bool ts_store_owns_partition(const ts_store *s, uint32_t id)
{
    return s && find(s, id) != SIZE_MAX;
}

/* Asks the server for the lock: *got 1 if this connection holds it now. */
static tocsin_code try_lock(ts_store *s, uint32_t id, int *got)
{
    st_stmt *st;
    char sql[96];
    /* The class is a constant; the partition goes as the int4 its bits make. */
    snprintf(sql, sizeof sql, "SELECT pg_try_advisory_lock(%d, CAST(?1 AS integer))", PG_LOCK_PARTITION);
    tocsin_code rc = st_prepare(s, sql, &st, "taking a partition");
    if (rc != TOCSIN_OK)
        return rc;
    st_int(st, 1, (int32_t)id);
    int step = st_step(st);
    if (step == STEP_ROW) {
        const char *t = st_col_text(st, 0);
        *got = t && t[0] == 't';
    } else {
        rc = st_fail(s, "taking a partition");
    }
    st_finalize(st);
    return rc;
}

tocsin_code ts_store_lock_partition(ts_store *s, uint32_t id, int *got)
{
    *got = 0;
    if (find(s, id) != SIZE_MAX) {
        *got = 1;
        return TOCSIN_OK;
    }
    if (!ts_vec_grow(s->parts, s->cap_parts, s->n_parts + 1, TS_VEC_NOCAP))
        return TOCSIN_E_NOMEM;
    tocsin_code rc = TOCSIN_OK;
    if (s->pg)
        rc = try_lock(s, id, got);
    else
        *got = 1; /* SQLite: one machine, one worker (store.h) */
    if (rc == TOCSIN_OK && *got)
        s->parts[s->n_parts++] = id;
    return rc;
}

tocsin_code ts_store_unlock_partition(ts_store *s, uint32_t id)
{
    size_t i = find(s, id);
    if (i == SIZE_MAX)
        return TOCSIN_OK;
    s->parts[i] = s->parts[--s->n_parts];
    if (!s->pg)
        return TOCSIN_OK;
    st_stmt *st;
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_unlock(%d, CAST(?1 AS integer))", PG_LOCK_PARTITION);
    tocsin_code rc = st_prepare(s, sql, &st, "giving up a partition");
    if (rc != TOCSIN_OK)
        return rc;
    st_int(st, 1, (int32_t)id);
    rc = st_done(s, st, "giving up a partition");
    st_finalize(st);
    return rc;
}

void pg_retake_partitions(ts_store *s)
{
    for (size_t i = 0; i < s->n_parts;) {
        int got = 0;
        if (try_lock(s, s->parts[i], &got) == TOCSIN_OK && got)
            i++;
        else
            s->parts[i] = s->parts[--s->n_parts]; /* another worker has it now */
    }
}
