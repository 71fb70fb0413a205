/* events.c: tocsin_events, the event dumper: logs in, normalised events out as NDJSON, with
 * no store, intelligence or detectors, so a reader's output can be read and held to a golden file. */
#include <stdio.h>

#include "core/input.h"
#include "ingest/ingest.h"
#include "report/event_json.h"
#include "tocsin.h"

typedef struct dump {
    FILE *out;
    tocsin_diag_fn diag;
    void *diag_ud;
    ts_scratch scratch;
    const char *reader; /* the name of the reader of the file being read */
    size_t rejected;
} dump;

static void on_event(void *ud, ts_event *ev)
{
    dump *d = ud;
    ts_event_json(d->out, ev, d->reader);
}

static void on_error(void *ud, const ts_diag *g)
{
    dump *d = ud;
    d->rejected++;
    if (d->diag)
        d->diag(d->diag_ud, g);
}

static void on_warn(void *ud, const ts_diag *g)
{
    dump *d = ud;
    if (d->diag)
        d->diag(d->diag_ud, g);
}

static int dump_file(void *ud, const char *file)
{
    dump *d = ud;
    ts_input *in;
    char err[512];
    const char *head;
    tocsin_code rc = ts_input_open(file, &in, err, sizeof err);
    if (rc != TOCSIN_OK) {
        ts_diag_say(on_error, d, file, 0, 0, rc, err);
        return 0;
    }
    file = ts_input_path(in);
    size_t n = ts_input_peek(in, &head);
    const ts_reader *r = n ? ts_reader_detect(head, n) : NULL;
    ts_sink sink = {on_event, on_error, d, on_warn};
    if (r) {
        d->reader = r->name;
        r->read(in, &d->scratch, &sink);
    } else if (n)
        ts_diag_say(on_error, d, file, 0, 0, TOCSIN_E_FORMAT, "not a log format tocsin reads");
    ts_input_close(in);
    return 0;
}

tocsin_code tocsin_events(const char *const *paths, size_t npaths, FILE *out, tocsin_diag_fn diag,
                          void *diag_ud)
{
    dump d = {.out = out ? out : stdout, .diag = diag, .diag_ud = diag_ud};
    if (ts_scratch_init(&d.scratch) != TOCSIN_OK)
        return TOCSIN_E_NOMEM;
    for (size_t i = 0; i < npaths; i++)
        ts_walk(paths[i], dump_file, on_error, &d);
    ts_scratch_free(&d.scratch);
    if (fflush(d.out) != 0 || ferror(d.out))
        return TOCSIN_E_IO;
    return d.rejected ? TOCSIN_E_PARTIAL : TOCSIN_OK;
}
