/* esc.h: makes untrusted strings safe for a terminal (control bytes and escape
 * sequences shown as \xNN) and for HTML. */
#ifndef TS_ESC_H
#define TS_ESC_H

#include <stddef.h>
#include <stdio.h>

/* Writes s to f with every C0/C1 control byte, DEL and invalid UTF-8 as \xNN. NULL writes "-". */
void ts_fputs_term(const char *s, FILE *f);
/* The same into buf (cap > 0; truncated with "..." when too long); returns buf. */
char *ts_esc_term(const char *s, char *buf, size_t cap);
/* Writes s HTML-escaped (& < > " '). */
void ts_fputs_html(const char *s, FILE *f);

#endif
