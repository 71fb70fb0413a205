/* input.h: one input file as a stream of bytes, lines or JSON array elements, with gzip
 * decompressed transparently (detected by content) and line numbers tracked. */
#ifndef TS_INPUT_H
#define TS_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "tocsin.h"

/* Longest line or record accepted; longer ones are reported and skipped. */
#define TS_MAX_RECORD (4u << 20)

typedef struct ts_input ts_input;

/* The path that names standard input, and the name its input then goes by. */
#define TS_INPUT_STDIN "-"
#define TS_INPUT_STDIN_NAME "(standard input)"

/* Opens path ("-": standard input; pipes and devices are read as streams). On failure
 * returns the code and writes a message into err; when open(2) failed, errno is its. */
tocsin_code ts_input_open(const char *path, ts_input **out, char *err, size_t errlen);
/* An input over len borrowed bytes (valid until ts_input_close) named name, whose first
 * line is numbered lines_before + 1: how `tocsin watch` reads what was appended to a file. */
tocsin_code ts_input_open_mem(const char *name, const char *data, size_t len, uint64_t lines_before,
                              ts_input **out);
void ts_input_close(ts_input *in);
/* The name events carry: the canonical path of a file, the name given to a pipe or
 * device, "(standard input)" for "-". Owned by in. */
const char *ts_input_path(const ts_input *in);

/* The first bytes of the (decompressed) content, up to 64 KiB, without consuming them. */
size_t ts_input_peek(ts_input *in, const char **head);

/* The next line, without its "\n" or "\r\n". The bytes stay valid until the next call and
 * are followed by at least TS_JSON_PAD readable bytes. Returns TOCSIN_OK with *line set,
 * TOCSIN_OK with *line NULL at the end, or an error (TOCSIN_E_TOOLONG: the line was
 * skipped and reading may go on; TOCSIN_E_TRUNCATED or TOCSIN_E_IO: stop). */
tocsin_code ts_input_line(ts_input *in, const char **line, size_t *len);

/* The 1-based number of the line last returned (or of the start of the last element). */
uint64_t ts_input_lineno(const ts_input *in);

/* For a file holding one top-level JSON array: the next element's bytes (padded as for
 * lines). Returns as ts_input_line; TOCSIN_E_PARSE when the content is not an array. */
tocsin_code ts_input_json_element(ts_input *in, const char **elem, size_t *len);

/* Raw reads for binary formats: up to n bytes into buf; *got is 0 at the end. */
tocsin_code ts_input_read(ts_input *in, void *buf, size_t n, size_t *got);

/* What is left of in, read whole into one malloc'ed buffer (*out, NUL-terminated, *len
 * bytes before the NUL): for formats parsed in one piece. More than max bytes gives
 * TOCSIN_E_TOOLONG; other failures are ts_input_read's (message in ts_input_error). */
tocsin_code ts_input_slurp(ts_input *in, size_t max, char **out, size_t *len);
/* Opens path as ts_input_open does and reads it whole as ts_input_slurp does; a missing
 * file gives TOCSIN_E_NOTFOUND. */
tocsin_code ts_input_slurp_path(const char *path, size_t max, char **out, size_t *len);

/* A message for the last error of in ("" when none). */
const char *ts_input_error(const ts_input *in);

/* Calls each for every regular file under path (directories walked recursively in name
 * order, hidden entries skipped). path itself is passed on when it is a file, "-", or a
 * pipe, FIFO or device (read as a stream); such non-regular files inside directories are
 * skipped. each returns nonzero to stop; ts_walk then returns that. A path that cannot be
 * opened or listed goes to diag (may be NULL), named as file, with TOCSIN_E_NOTFOUND,
 * TOCSIN_E_IO or TOCSIN_E_NOMEM and the reason, and the walk goes on. */
typedef int (*ts_walk_fn)(void *ud, const char *file);
int ts_walk(const char *path, ts_walk_fn each, ts_diag_fn diag, void *ud);

#endif
