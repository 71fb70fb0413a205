/* state.c: detectors' learned state, one blob per detector, kept between runs. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

tocsin_code ts_store_state_put(ts_store *s, const char *detector, int64_t run_id, const void *data,
                               size_t len)
{
    sqlite3_stmt *st = st_get(s, ST_STATE_PUT);
    if (!st)
        return TOCSIN_E_DB;
    st_text(st, 1, detector);
    sqlite3_bind_blob64(st, 2, data ? data : "", len, SQLITE_STATIC);
    st_int(st, 3, st_now_ns());
    if (run_id > 0)
        st_int(st, 4, run_id);
    else
        sqlite3_bind_null(st, 4);
    tocsin_code rc = st_done(s, st, "saving a detector's state");
    sqlite3_clear_bindings(st); /* the blob is the caller's */
    return rc;
}

tocsin_code ts_store_state_get(ts_store *s, const char *detector, void **data, size_t *len)
{
    sqlite3_stmt *st = st_get(s, ST_STATE_GET);
    tocsin_code rc = TOCSIN_OK;
    *data = NULL;
    *len = 0;
    if (!st)
        return TOCSIN_E_DB;
    st_text(st, 1, detector);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        *data = malloc(n ? n : 1);
        if (!*data)
            rc = TOCSIN_E_NOMEM;
        else {
            if (n)
                memcpy(*data, p, n);
            *len = n;
        }
    } else if (step != SQLITE_DONE) {
        rc = st_fail(s, "reading a detector's state");
    }
    sqlite3_reset(st); /* ends the read, so a later write of this process need not wait on it */
    return rc;
}
