/* state.c: detectors' learned state, one blob per detector, kept between runs. */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

tocsin_code ts_store_state_put(ts_store *s, const char *detector, int64_t run_id, const void *data,
                               size_t len)
{
    st_stmt *st = st_get(s, ST_STATE_PUT);
    if (!st)
        return TOCSIN_E_DB;
    st_text(st, 1, detector);
    st_blob(st, 2, data, len);
    st_int(st, 3, st_now_ns());
    if (run_id > 0)
        st_int(st, 4, run_id);
    else
        st_null(st, 4);
    return st_done(s, st, "saving a detector's state");
}

tocsin_code ts_store_state_get(ts_store *s, const char *detector, void **data, size_t *len)
{
    st_stmt *st = st_get(s, ST_STATE_GET);
    tocsin_code rc = TOCSIN_OK;
    *data = NULL;
    *len = 0;
    if (!st)
        return TOCSIN_E_DB;
    st_text(st, 1, detector);
    int step = st_step(st);
    if (step == STEP_ROW) {
        size_t n = 0;
        const void *p = st_col_blob(st, 0, &n);
        *data = malloc(n ? n : 1);
        if (!*data)
            rc = TOCSIN_E_NOMEM;
        else {
            if (n)
                memcpy(*data, p, n);
            *len = n;
        }
    } else if (step != STEP_DONE) {
        rc = st_fail(s, "reading a detector's state");
    }
    st_reset(st); /* ends the read, so a later write of this process need not wait on it */
    return rc;
}
