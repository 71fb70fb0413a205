/* mail_int.h: shared by the mail readers (mail_eml.c, mail_mbox.c): one RFC 5322 message
 * in memory to events, and the helpers the parser uses (links, zip listings, file kinds). */
#ifndef TS_INGEST_MAIL_INT_H
#define TS_INGEST_MAIL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest/rd.h"

/* Largest message parsed; a larger one is reported and skipped (memory stays bounded). */
#define MAIL_MAX_MESSAGE (50u << 20)
/* Links and attachments recorded per message; more are counted in "link.dropped". */
#define MAIL_MAX_LINKS 256
#define MAIL_MAX_DEPTH 64 /* multipart levels read; a message nested deeper is reported */
#define MAIL_MAX_ATTACH 64
/* Member names listed per zip attachment. */
#define MAIL_MAX_MEMBERS 256

/* Parses the message msg[0..len) (which starts at line `line` of the input, 1 for a
 * file holding one message) and emits its events through c: one "email.message" event,
 * then one "email.link" event per further link and one "email.attachment" event per
 * further attachment, so the intel detector checks every URL and hash. Malformed mail
 * is parsed as far as GMime can; nothing here exits or crashes on bad input. */
void mail_parse_message(rd_ctx *c, const char *msg, size_t len, uint64_t line);

/* How sure (0..100) we are that head starts an RFC 5322 message: counts the header
 * names mail carries (Received:, From:, Return-Path:, Delivered-To:, MIME-Version: ...)
 * in the leading header block, which must look like "Name: value" lines. */
int mail_sniff_headers(const char *head, size_t len);

/* One link found in a body: the target and the anchor text ("" for plain-text links). */
typedef struct mail_link {
    ts_str url, text;
} mail_link;

typedef void (*mail_link_fn)(void *ud, ts_str url, ts_str text);
/* Calls fn for every <a href> / <area href> target with an http(s)/ftp scheme (or
 * "www."), with its anchor text stripped of tags and entities and squeezed; the views
 * point into arena copies. */
void mail_html_links(ts_arena *a, const char *html, size_t n, mail_link_fn fn, void *ud);
/* The text of an HTML body: tags, scripts, styles and comments dropped, entities (named
 * and numeric) decoded, white space squeezed; at most cap bytes, cut on a character
 * boundary, in the arena. */
ts_str mail_html_text(ts_arena *a, const char *html, size_t n, size_t cap);

/* Calls fn once per <form> of an HTML body with its action (decoded; "" when it has
 * none) and whether the form asks for a password (<input type=password>). */
typedef void (*mail_form_fn)(void *ud, ts_str action, bool password);
void mail_html_forms(ts_arena *a, const char *html, size_t n, mail_form_fn fn, void *ud);

/* What a PDF carries that a phishing PDF uses (bits), calling fn for each web link of a
 * /URI action (at most 16; views into data); 0 when data is no PDF. */
#define MAIL_PDF_LINKS 1u
#define MAIL_PDF_FORM 2u
#define MAIL_PDF_SCRIPT 4u
#define MAIL_PDF_LAUNCH 8u
unsigned mail_pdf_traits(const uint8_t *data, size_t n, mail_link_fn fn, void *ud);

/* The address a From (or other address) header names, found in its raw text when it
 * does not parse: `Name,(<a@b.de>)`, `<x@<a@b.nl>`, `Name <a@host>`, `@host`. Prefers
 * the candidate whose domain has a dot; returns false when the text names none. */
bool mail_addr_scan(ts_str raw, ts_str *addr);
/* Whether addr is a well-formed address: local part, '@', a dotted host of letters,
 * digits and hyphens. */
bool mail_addr_ok(ts_str addr);

/* Calls fn for every http://, https:// and www. token in plain text (text ""). */
void mail_text_links(const char *text, size_t n, mail_link_fn fn, void *ud);

/* Calls fn with each member name of the zip archive data[0..n) (read from its central
 * directory, bounded to MAIL_MAX_MEMBERS) and whether it is encrypted; returns the members listed, -1 if data
 * holds no readable central directory. */
typedef void (*mail_member_fn)(void *ud, ts_str name, bool encrypted);
int mail_zip_members(const uint8_t *data, size_t n, mail_member_fn fn, void *ud);

/* What a file is, judged from its name and first bytes, for the "attach.kind" field:
 * "executable", "script", "shortcut", "disk-image", "html-app", "config-profile"
 * (.mobileconfig), "macro-document", "document", "archive", "html", "image", "other". */
const char *mail_file_kind(ts_str name, const uint8_t *data, size_t n);
/* True when data is a RAR (4 or 5) or 7-Zip archive locked with a password (zip members
 * say so through mail_zip_members). */
bool mail_archive_encrypted(const uint8_t *data, size_t n);
/* True when data (an OLE2 compound file or an OOXML zip) holds a VBA project. */
bool mail_has_vba(const uint8_t *data, size_t n);

#endif
