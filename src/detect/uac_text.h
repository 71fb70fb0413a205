/* uac_text.h: the texts of the message ids Windows writes in the UserAccountControl field of
 * Security events 4720/4738 ("%%2089" is "'Don't Expire Password' - Enabled"), read from
 * data/detect/uac_messages.tsv, so alert titles say what an analyst reads in Event Viewer
 * (internal to src/detect/). */
#ifndef TS_UAC_TEXT_H
#define TS_UAC_TEXT_H

#include "core/str.h"
#include "tocsin.h"

#define UAC_MAX_ROWS 64

typedef struct uac_table {
    struct uac_row {
        uint32_t id; /* the number after "%%" */
        char *text;  /* owned */
    } rows[UAC_MAX_ROWS];
    size_t n;
} uac_table;

/* Reads "%%ID<TAB>flag<TAB>text" lines ('#' comments) from path into t (zeroed first).
 * TOCSIN_E_IO when the file cannot be opened, TOCSIN_E_PARSE at a malformed line (*line is
 * its number; the rows before it are kept), TOCSIN_E_NOMEM. */
tocsin_code uac_table_load(uac_table *t, const char *path, size_t *line);

void uac_table_free(uac_table *t);

/* Writes the field's items into buf (cap >= 8 bytes, NUL-terminated) for a title: the ids in
 * t by their text, other words as they stand, the record's line breaks and tabs collapsed
 * into ", " between items. Bytes that are not UTF-8 become U+FFFD, and what does not fit is
 * cut on a character boundary and ends in "...": buf is always valid UTF-8. Returns buf. */
const char *uac_describe(const uac_table *t, ts_str field, char *buf, size_t cap);

#endif
