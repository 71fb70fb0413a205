/* event_json.h: one normalised event as a JSON object, for `tocsin events` and the readers' golden files. */
#ifndef TS_EVENT_JSON_H
#define TS_EVENT_JSON_H

#include "core/event.h"
#include "core/jsonw.h"

/* Writes ev's typed fields (each only when set, in a fixed order), its provenance (with
 * the name of the reader that read it, when not NULL) and its raw fields as one NDJSON
 * line on f. Every string goes through the escaping writer. */
void ts_event_json(FILE *f, const ts_event *ev, const char *reader);

#endif
