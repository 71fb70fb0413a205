/* ingest.h: log readers. Each format is one file holding one static const ts_reader,
 * registered by one line in readers.c; the format is chosen from content, never names. */
#ifndef TS_INGEST_H
#define TS_INGEST_H

#include "core/arena.h"
#include "core/diag.h"
#include "core/event.h"
#include "core/input.h"
#include "core/json.h"
#include "tocsin.h"

/* Where a reader sends what it reads. Every callback borrows its arguments. */
typedef struct ts_sink {
    /* ev is the reader's scratch event. The sink reads it, except that it
     * may fill src_geo and dst_geo (the enrich stage's fields) in place: readers clear the
     * event for each record and read nothing back from it after this call. */
    void (*event)(void *ud, ts_event *ev);
    /* One rejected record (or the whole file when line and record are 0), with d->code
     * saying why (core/diag.h). */
    ts_diag_fn error;
    void *ud;
    /* A record that was read, and sent to event, but with a field that could not be used
     * (a missing time, text where a number belongs): the record is not rejected; d->code is
     * TOCSIN_OK (tocsin.h's note). NULL sends these to error instead, so a sink that knows nothing of
     * warnings still hears them. */
    ts_diag_fn warn;
} ts_sink;

/* Buffers a reader may reuse from record to record; owned by the caller of read(). */
typedef struct ts_scratch {
    ts_json *json;  /* a simdjson parser */
    ts_arena arena; /* reset by the reader as it sees fit, typically per record */
    ts_fieldbuf fields;
    ts_event ev;
} ts_scratch;

tocsin_code ts_scratch_init(ts_scratch *s);
void ts_scratch_free(ts_scratch *s);

typedef struct ts_reader {
    const char *name;    /* "zeek-tsv": shown to users and stored with each source */
    const char *summary; /* one line for --help and docs */
    /* How sure (0 = not this format, 100 = certain) the reader is that a file whose
     * content starts with head[0..len) is its format; len may cut a line short. */
    int (*sniff)(const char *head, size_t len);
    /* Reads the whole input, sending events and per-record errors to sink. Returns
     * TOCSIN_OK, or the error that stopped it early (already reported to sink). */
    tocsin_code (*read)(ts_input *in, ts_scratch *scratch, const ts_sink *sink);
} ts_reader;

/* The registered readers, NULL-terminated. */
extern const ts_reader *const ts_readers[];

/* The reader with the highest sniff score for head (NULL if none scores above 0). */
const ts_reader *ts_reader_detect(const char *head, size_t len);
/* The reader called name, or NULL. */
const ts_reader *ts_reader_find(const char *name);

/* Shared by the Windows readers (JSON lines and EVTX), so a rule sees the same fields
 * whatever the container: fills ev's typed fields from its raw Windows fields. */
void ts_winevent_normalise(ts_event *ev);
/* Sets ev's action, category and type from its event ID, read in Sysmon's numbering or in
 * Windows' own (Security, System, PowerShell); an ID neither knows is TS_CAT_HOST, no action. */
void ts_winevent_classify(ts_event *ev, bool sysmon);

#endif
