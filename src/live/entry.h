/* entry.h: one entry of a Redis stream as `tocsin watch --redis` reads it: its fields, and
 * whether it can be read (which reader) or why not (the dead-letter reason). */
#ifndef TS_ENTRY_H
#define TS_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "ingest/ingest.h"

typedef struct ts_entry {
    const char *data; /* the record: tocsin ship's `data`, or Suricata's `eve` */
    size_t dlen;
    bool eve;                                  /* data is Suricata's own (stream mode), not tocsin ship's */
    const char *file, *line, *layout, *header; /* tocsin ship's fields, or NULL */
    size_t bytes;                              /* every key and value */
} ts_entry;

/* Notes one field of an entry. Values are borrowed and end with a NUL at v[vlen] (as
 * hiredis gives them); a later field of the same name wins. */
void ts_entry_field(ts_entry *e, const char *k, size_t klen, const char *v, size_t vlen);
/* The line number a tocsin ship entry carries (0: none or not a number). */
uint64_t ts_entry_line(const ts_entry *e);
/* The reader e is read with; NULL when it cannot be read, with why saying so (the
 * dead-letter reason): over max_entry bytes, no data, no line number, an unknown layout,
 * not JSON for a JSON layout (checked with json), more than one line. */
const ts_reader *ts_entry_check(const ts_entry *e, ts_json *json, size_t max_entry, char *why, size_t cap);

#endif
