/* input.c: buffered reading of one input file (plain or gzip, detected by magic bytes)
 * as lines, JSON array elements or raw bytes, plus the directory walk. Everything is read
 * front to back with read(2), never seeked, so pipes and standard input read as files do. */
#include "core/input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/json.h"
#include "core/vec.h"

#define RAW_CAP (256u << 10)  /* compressed bytes read per read(2) */
#define BUF_INIT (512u << 10) /* first size of the content buffer */
#define PEEK_MAX (64u << 10)
/* A record may be TS_MAX_RECORD bytes plus its line end; the buffer never grows past this. */
#define BUF_MAX (TS_MAX_RECORD + PEEK_MAX)

/* Where the JSON array scanner is between calls. */
typedef struct jscan {
    bool opened; /* the '[' was consumed */
    bool done;   /* the ']' was consumed */
    uint64_t index;
} jscan;

struct ts_input {
    char *path;
    int fd;
    bool eof;      /* no more content will come */
    bool gz;       /* content is gzip */
    bool z_live;   /* inflate is initialised */
    bool z_member; /* inside a gzip member (not yet at its end) */
    z_stream z;
    unsigned char *raw; /* compressed bytes */
    size_t raw_cap;     /* raw's size: RAW_CAP, less for a small file */
    size_t raw_len;     /* bytes of raw not yet given to inflate start at z.next_in */
    bool raw_eof;
    bool utf16; /* plain content in UTF-16LE (after an FF FE mark), given out as UTF-8 */
    bool u16_eof;
    size_t u16_len;
    unsigned char u16[16384]; /* UTF-16 bytes not yet converted */

    char *buf; /* content, with TS_JSON_PAD spare bytes after cap */
    size_t cap, start, end;
    uint64_t lineno;  /* lines fully consumed (or the line last returned) */
    uint64_t last;    /* number reported by ts_input_lineno */
    bool skipping;    /* dropping the rest of an over-long line */
    bool bom_checked; /* a leading UTF-8 byte order mark has been looked for */
    jscan js;
    const char *mem; /* ts_input_open_mem: the borrowed bytes read instead of fd */
    size_t mem_len, mem_pos;
    char err[256];
};

static tocsin_code fail(ts_input *in, tocsin_code c, const char *fmt, const char *detail)
{
    snprintf(in->err, sizeof in->err, fmt, detail);
    return c;
}

/* Sizes the buffers for an input of len bytes (known: a regular file or memory) and
 * allocates the content buffer. A small input gets small buffers, which grow as any do:
 * BUF_INIT and RAW_CAP for each of a fuzz target's many small inputs (fuzz_readers opens
 * every reader's) were memory mapped and unmapped each time, most of its run. */
static bool size_buffers(ts_input *in, bool known, uint64_t len)
{
    bool small = known && len < BUF_INIT;
    in->cap = small ? PEEK_MAX : BUF_INIT;
    in->raw_cap = small && len < RAW_CAP ? PEEK_MAX : RAW_CAP;
    in->buf = malloc(in->cap + TS_JSON_PAD);
    return in->buf != NULL;
}

tocsin_code ts_input_open(const char *path, ts_input **out, char *err, size_t errlen)
{
    *out = NULL;
    ts_input *in = calloc(1, sizeof *in);
    if (!in || !(in->path = strdup(path))) {
        free(in);
        snprintf(err, errlen, "out of memory opening %s", path);
        return TOCSIN_E_NOMEM;
    }
    if (strcmp(path, TS_INPUT_STDIN) == 0) {
        /* a copy, so closing the input leaves the process's own descriptor alone */
        char *name = strdup(TS_INPUT_STDIN_NAME);
        in->fd = name ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0) : -1;
        if (in->fd >= 0) {
            free(in->path);
            in->path = name;
        } else {
            free(name);
        }
    } else {
        in->fd = open(path, O_RDONLY | O_CLOEXEC);
        /* Events name the file by its canonical path, so the same file hunted as
           "logs/conn.log" and as "/var/log/zeek/conn.log" gives the same alerts and
           incidents. A path realpath cannot resolve (a pipe's /proc name) stays as given. */
        char *canon = in->fd >= 0 ? realpath(path, NULL) : NULL;
        if (canon && strncmp(canon, "/proc/", 6) != 0 && strncmp(canon, "/dev/", 5) != 0) {
            free(in->path);
            in->path = canon;
        } else {
            free(canon);
        }
    }
    if (in->fd < 0) {
        int why = errno;
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(why));
        free(in->path);
        free(in);
        errno = why;
        return TOCSIN_E_IO;
    }
    struct stat st;
    bool known = fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode); /* a growing log grows its buffers */
    if (!size_buffers(in, known, known ? (uint64_t)st.st_size : 0)) {
        close(in->fd);
        free(in->path);
        free(in);
        snprintf(err, errlen, "out of memory opening %s", path);
        return TOCSIN_E_NOMEM;
    }
    *out = in;
    return TOCSIN_OK;
}

tocsin_code ts_input_open_mem(const char *name, const char *data, size_t len, uint64_t lines_before,
                              ts_input **out)
{
    *out = NULL;
    ts_input *in = calloc(1, sizeof *in);
    if (!in || !(in->path = strdup(name)) || !size_buffers(in, true, len)) {
        if (in)
            free(in->path);
        free(in);
        return TOCSIN_E_NOMEM;
    }
    in->fd = -1;
    in->mem = len ? data : "";
    in->mem_len = len;
    in->lineno = lines_before;
    *out = in;
    return TOCSIN_OK;
}

void ts_input_close(ts_input *in)
{
    if (!in)
        return;
    if (in->z_live)
        inflateEnd(&in->z);
    if (in->fd >= 0)
        close(in->fd);
    free(in->raw);
    free(in->buf);
    free(in->path);
    free(in);
}

const char *ts_input_path(const ts_input *in)
{
    return in->path;
}
const char *ts_input_error(const ts_input *in)
{
    return in->err;
}
uint64_t ts_input_lineno(const ts_input *in)
{
    return in->last;
}

/* Reads up to n bytes of the file itself into p; *got 0 at its end. */
static tocsin_code read_fd(ts_input *in, void *p, size_t n, size_t *got)
{
    if (in->mem) {
        size_t k = in->mem_len - in->mem_pos < n ? in->mem_len - in->mem_pos : n;
        memcpy(p, in->mem + in->mem_pos, k);
        in->mem_pos += k;
        *got = k;
        return TOCSIN_OK;
    }
    for (;;) {
        ssize_t r = read(in->fd, p, n);
        if (r >= 0) {
            *got = (size_t)r;
            return TOCSIN_OK;
        }
        if (errno != EINTR)
            return fail(in, TOCSIN_E_IO, "read error: %s", strerror(errno));
    }
}

/* Tops up the compressed buffer so inflate has input; sets raw_eof at the file's end. */
static tocsin_code raw_fill(ts_input *in)
{
    if (in->raw_len && in->z.next_in != in->raw)
        memmove(in->raw, in->z.next_in, in->raw_len);
    in->z.next_in = in->raw;
    size_t got = 0;
    tocsin_code c = read_fd(in, in->raw + in->raw_len, in->raw_cap - in->raw_len, &got);
    if (c)
        return c;
    if (got == 0)
        in->raw_eof = true;
    in->raw_len += got;
    return TOCSIN_OK;
}

/* Decides between gzip and plain from the first two bytes of the file. */
static tocsin_code detect(ts_input *in)
{
    in->raw = malloc(in->raw_cap);
    if (!in->raw)
        return fail(in, TOCSIN_E_NOMEM, "%s", "out of memory");
    in->z.next_in = in->raw;
    while (in->raw_len < 2 && !in->raw_eof) {
        tocsin_code c = raw_fill(in);
        if (c)
            return c;
    }
    in->gz = in->raw_len >= 2 && in->raw[0] == 0x1f && in->raw[1] == 0x8b;
    if (in->gz) {
        if (inflateInit2(&in->z, 15 + 16) != Z_OK)
            return fail(in, TOCSIN_E_NOMEM, "%s", "cannot start zlib");
        in->z_live = in->z_member = true;
    } else if (in->raw_len >= 2 && in->raw[0] == 0xff && in->raw[1] == 0xfe) {
        /* PowerShell 5 redirects text as UTF-16LE with this mark. */
        in->utf16 = true;
        in->z.next_in += 2;
        in->raw_len -= 2;
    }
    return TOCSIN_OK;
}

/* Decompresses into dst[0..n); *got 0 only at the end of the content. */
static tocsin_code inflate_some(ts_input *in, unsigned char *dst, size_t n, size_t *got)
{
    *got = 0;
    while (*got == 0) {
        if (!in->z_member) {
            /* Between members: another member follows only if its magic does. */
            while (in->raw_len < 2 && !in->raw_eof) {
                tocsin_code c = raw_fill(in);
                if (c)
                    return c;
            }
            if (in->raw_len < 2 || in->z.next_in[0] != 0x1f || in->z.next_in[1] != 0x8b)
                return TOCSIN_OK; /* the end (trailing bytes that are no member are ignored, as gzip does) */
            inflateReset(&in->z);
            in->z_member = true;
        }
        if (in->raw_len == 0) {
            if (in->raw_eof)
                return fail(in, TOCSIN_E_TRUNCATED, "%s",
                            "the gzip data ends early (truncated file): the last record is incomplete");
            tocsin_code c = raw_fill(in);
            if (c)
                return c;
            continue;
        }
        in->z.avail_in = (uInt)in->raw_len;
        in->z.next_out = dst;
        in->z.avail_out = (uInt)n;
        int zr = inflate(&in->z, Z_NO_FLUSH);
        in->raw_len = in->z.avail_in;
        *got = n - in->z.avail_out;
        if (zr == Z_STREAM_END)
            in->z_member = false;
        else if (zr == Z_BUF_ERROR && in->raw_eof && in->raw_len == 0)
            continue; /* reported above as truncated */
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            return fail(in, TOCSIN_E_IO, "corrupt gzip data: %s", in->z.msg ? in->z.msg : "unknown error");
        else if (zr == Z_BUF_ERROR && in->raw_len) /* no progress with input left: impossible */
            return fail(in, TOCSIN_E_IO, "corrupt gzip data: %s", "no progress");
    }
    return TOCSIN_OK;
}

/* The file's bytes, decompressed when gzip; *got 0 at the end. */
static tocsin_code source_read(ts_input *in, void *dst, size_t n, size_t *got)
{
    *got = 0;
    if (!in->gz) {
        if (in->raw_len) { /* bytes read while detecting */
            size_t k = in->raw_len < n ? in->raw_len : n;
            memcpy(dst, in->z.next_in, k);
            in->z.next_in += k;
            in->raw_len -= k;
            *got = k;
            return TOCSIN_OK;
        }
        return read_fd(in, dst, n, got);
    }
    return inflate_some(in, dst, n, got);
}

/* Writes code point c as UTF-8 at o; returns the length. */
static size_t put_utf8(unsigned char *o, unsigned c)
{
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xc0 | c >> 6);
        o[1] = (unsigned char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xe0 | c >> 12);
        o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
        o[2] = (unsigned char)(0x80 | (c & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | c >> 18);
    o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
    o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
    o[3] = (unsigned char)(0x80 | (c & 0x3f));
    return 4;
}

/* Converts the buffered UTF-16LE into dst (n >= 4); unpaired surrogates become U+FFFD.
 * Returns the bytes written and drops the units used. */
static size_t utf16_convert(ts_input *in, unsigned char *dst, size_t n)
{
    const unsigned char *u = in->u16;
    size_t i = 0, o = 0;
    while (i + 1 < in->u16_len && o + 4 <= n) {
        unsigned c = u[i] | (unsigned)u[i + 1] << 8;
        if (c >= 0xd800 && c < 0xdc00) {
            if (i + 3 >= in->u16_len && !in->u16_eof)
                break; /* its pair comes with the next read */
            unsigned d = i + 3 < in->u16_len ? (u[i + 2] | (unsigned)u[i + 3] << 8) : 0;
            if (d >= 0xdc00 && d < 0xe000) {
                c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
                i += 2;
            } else {
                c = 0xfffd;
            }
        } else if (c >= 0xdc00 && c < 0xe000) {
            c = 0xfffd;
        }
        i += 2;
        o += put_utf8(dst + o, c);
    }
    memmove(in->u16, in->u16 + i, in->u16_len - i);
    in->u16_len -= i;
    return o;
}

static tocsin_code utf16_read(ts_input *in, unsigned char *dst, size_t n, size_t *got)
{
    *got = 0;
    while (*got == 0 && n >= 4) {
        if (!in->u16_eof && in->u16_len < sizeof in->u16) {
            size_t g = 0;
            tocsin_code c = source_read(in, in->u16 + in->u16_len, sizeof in->u16 - in->u16_len, &g);
            if (c)
                return c;
            in->u16_eof = g == 0;
            in->u16_len += g;
        }
        *got = utf16_convert(in, dst, n);
        if (*got == 0 && in->u16_eof)
            return TOCSIN_OK; /* a lone trailing byte is dropped */
    }
    return TOCSIN_OK;
}

/* Content bytes (decompressed and converted to UTF-8 as needed) into dst; *got 0 at the end. */
static tocsin_code content_read(ts_input *in, void *dst, size_t n, size_t *got)
{
    *got = 0;
    if (!in->raw) {
        tocsin_code c = detect(in);
        if (c)
            return c;
    }
    return in->utf16 ? utf16_read(in, dst, n, got) : source_read(in, dst, n, got);
}

/* Makes room for at least `want` more bytes after end: compacts, then grows up to BUF_MAX. */
static tocsin_code make_room(ts_input *in, size_t want)
{
    if (in->start) {
        memmove(in->buf, in->buf + in->start, in->end - in->start);
        in->end -= in->start;
        in->start = 0;
    }
    if (in->cap - in->end >= want)
        return TOCSIN_OK;
    size_t ncap = in->cap;
    while (ncap - in->end < want && ncap < BUF_MAX)
        ncap = ncap * 2 > BUF_MAX ? BUF_MAX : ncap * 2;
    if (ncap == in->cap)
        return TOCSIN_OK; /* full at the limit: the caller sees no room */
    char *nb = realloc(in->buf, ncap + TS_JSON_PAD);
    if (!nb)
        return fail(in, TOCSIN_E_NOMEM, "%s", "out of memory");
    in->buf = nb;
    in->cap = ncap;
    return TOCSIN_OK;
}

/* Windows tools often start text with a UTF-8 byte order mark: it is not content. */
static void skip_bom(ts_input *in)
{
    if (in->bom_checked || (in->end < 3 && !in->eof))
        return;
    in->bom_checked = true;
    if (in->end - in->start >= 3 && memcmp(in->buf + in->start, "\xef\xbb\xbf", 3) == 0)
        in->start += 3;
}

/* Appends more content after end; sets eof when none is left. Keeps the padding zeroed
 * so a parser reading past a record sees no stale bytes that look like more JSON. */
static tocsin_code fill(ts_input *in)
{
    if (in->eof)
        return TOCSIN_OK;
    if (in->cap - in->end < in->cap / 4) {
        tocsin_code c = make_room(in, in->cap / 4);
        if (c)
            return c;
        if (in->end == in->cap)
            return TOCSIN_OK; /* full at the limit: the caller sees no progress */
    }
    size_t got = 0;
    tocsin_code c = content_read(in, in->buf + in->end, in->cap - in->end, &got);
    if (c)
        return c;
    if (got == 0)
        in->eof = true;
    in->end += got;
    memset(in->buf + in->end, 0, TS_JSON_PAD);
    skip_bom(in);
    return TOCSIN_OK;
}

size_t ts_input_peek(ts_input *in, const char **head)
{
    while (in->end - in->start < PEEK_MAX && !in->eof) {
        if (in->cap - in->end < PEEK_MAX && make_room(in, PEEK_MAX) != TOCSIN_OK)
            break;
        size_t before = in->end;
        if (fill(in) != TOCSIN_OK || (in->end == before && !in->eof))
            break;
    }
    *head = in->buf + in->start;
    size_t n = in->end - in->start;
    return n < PEEK_MAX ? n : PEEK_MAX;
}

/* Drops content up to and including the next newline; false when more must be read. */
static bool skip_line(ts_input *in)
{
    char *nl = memchr(in->buf + in->start, '\n', in->end - in->start);
    if (!nl) {
        in->start = in->end;
        return false;
    }
    in->start = (size_t)(nl - in->buf) + 1;
    return true;
}

tocsin_code ts_input_line(ts_input *in, const char **line, size_t *len)
{
    *line = NULL;
    *len = 0;
    size_t scan = in->start; /* bytes before scan hold no newline */
    for (;;) {
        if (in->skipping) {
            if (skip_line(in)) {
                in->skipping = false;
                scan = in->start;
            } else if (in->eof) {
                in->skipping = false;
                return TOCSIN_OK;
            } else {
                tocsin_code c = fill(in);
                if (c)
                    return c;
                scan = in->start;
                continue;
            }
        }
        char *p = in->buf + in->start;
        char *nl = memchr(in->buf + scan, '\n', in->end - scan);
        if (nl || (in->eof && in->end > in->start)) {
            size_t n = nl ? (size_t)(nl - p) : in->end - in->start;
            in->start += n + (nl != NULL);
            in->last = ++in->lineno;
            if (n > TS_MAX_RECORD) {
                snprintf(in->err, sizeof in->err, "line is longer than the %u-byte limit; skipped",
                         TS_MAX_RECORD);
                return TOCSIN_E_TOOLONG;
            }
            if (n && p[n - 1] == '\r')
                n--;
            *line = p;
            *len = n;
            return TOCSIN_OK;
        }
        if (in->eof)
            return TOCSIN_OK;
        if (in->end - in->start > TS_MAX_RECORD) {
            in->last = ++in->lineno;
            in->skipping = true;
            in->start = in->end;
            snprintf(in->err, sizeof in->err, "line is longer than the %u-byte limit; skipped",
                     TS_MAX_RECORD);
            return TOCSIN_E_TOOLONG;
        }
        size_t off = in->end - in->start;
        tocsin_code c = fill(in);
        if (c)
            return c;
        scan = in->start + off;
    }
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Gets the next content byte at or after in->start + *at without consuming; -1 at the end. */
static int byte_at(ts_input *in, size_t *at, tocsin_code *c)
{
    while (in->start + *at >= in->end) {
        if (in->eof)
            return -1;
        size_t before = in->end - in->start;
        *c = fill(in);
        if (*c)
            return -1;
        if (in->end - in->start == before && !in->eof)
            return -1; /* no room: the caller limits sizes before this */
    }
    return (unsigned char)in->buf[in->start + *at];
}

/* Skips white space (counting lines) and, between elements, one comma. */
static int skip_ws(ts_input *in, tocsin_code *c)
{
    for (;;) {
        size_t at = 0;
        int b = byte_at(in, &at, c);
        if (b < 0 || !is_ws((char)b))
            return b;
        if (b == '\n')
            in->lineno++;
        in->start++;
    }
}

/* Scans one element starting at in->start; sets *n to its length. Elements over the limit
 * are consumed and dropped (TOCSIN_E_TOOLONG). */
static tocsin_code scan_element(ts_input *in, size_t *n)
{
    int depth = 0;
    bool str = false, esc = false, dropped = false;
    size_t at = 0;
    uint64_t nls = 0;
    tocsin_code c = TOCSIN_OK;
    for (;; at++) {
        if (at > TS_MAX_RECORD) { /* drop what was scanned, keep the scanner's state */
            in->start += at;
            at = 0;
            dropped = true;
        }
        int b = byte_at(in, &at, &c);
        if (b < 0) {
            if (c)
                return c;
            return fail(in, TOCSIN_E_PARSE, "%s", "the JSON array ends inside an element");
        }
        if (b == '\n')
            nls++;
        if (str) {
            if (esc)
                esc = false;
            else if (b == '\\')
                esc = true;
            else if (b == '"')
                str = false;
            continue;
        }
        if (b == '"')
            str = true;
        else if (b == '{' || b == '[')
            depth++;
        else if (b == '}' || b == ']') {
            if (depth == 0) /* the array's own end closes a scalar element */
                break;
            if (--depth == 0) {
                at++;
                break;
            }
        } else if (depth == 0 && (b == ',' || is_ws((char)b)))
            break;
    }
    in->lineno += nls;
    if (at == 0 && !dropped) { /* a stray '}' or ']' where an element should start */
        in->start++;
        return fail(in, TOCSIN_E_PARSE, "%s", "unexpected closing bracket in the JSON array");
    }
    if (dropped) {
        in->start += at;
        return fail(in, TOCSIN_E_TOOLONG, "JSON array element is longer than the %s limit; skipped", "4 MiB");
    }
    *n = at;
    return TOCSIN_OK;
}

tocsin_code ts_input_json_element(ts_input *in, const char **elem, size_t *len)
{
    *elem = NULL;
    *len = 0;
    tocsin_code c = TOCSIN_OK;
    if (in->js.done)
        return TOCSIN_OK;
    int b = skip_ws(in, &c);
    if (c)
        return c;
    if (!in->js.opened) {
        if (b != '[')
            return fail(in, TOCSIN_E_PARSE, "%s", "the content is not a JSON array");
        in->js.opened = true;
        in->start++;
        b = skip_ws(in, &c);
        if (c)
            return c;
        if (b == ']') {
            in->start++;
            in->js.done = true;
            return TOCSIN_OK;
        }
    } else if (b == ',') {
        in->start++;
        b = skip_ws(in, &c);
        if (c)
            return c;
    } else if (b == ']') {
        in->start++;
        in->js.done = true;
        return TOCSIN_OK;
    }
    if (b < 0) {
        in->js.done = true;
        return fail(in, TOCSIN_E_PARSE, "%s", "the JSON array is not closed");
    }
    if (b == ']' || b == ',') {
        in->js.done = b == ']';
        in->start++;
        return fail(in, TOCSIN_E_PARSE, "%s", "empty element in the JSON array");
    }
    in->last = in->lineno + 1;
    size_t n = 0;
    c = scan_element(in, &n);
    if (c) {
        if (c != TOCSIN_E_TOOLONG)
            in->js.done = true;
        return c;
    }
    *elem = in->buf + in->start;
    *len = n;
    in->start += n;
    /* The element is read in place: the padding after it is the following content. */
    if (in->end - in->start < TS_JSON_PAD)
        memset(in->buf + in->end, 0, TS_JSON_PAD);
    in->js.index++;
    return TOCSIN_OK;
}

tocsin_code ts_input_read(ts_input *in, void *buf, size_t n, size_t *got)
{
    *got = 0;
    if (in->end > in->start) {
        size_t k = in->end - in->start < n ? in->end - in->start : n;
        memcpy(buf, in->buf + in->start, k);
        in->start += k;
        *got = k;
        return TOCSIN_OK;
    }
    if (in->eof)
        return TOCSIN_OK;
    tocsin_code c = content_read(in, buf, n, got);
    if (c == TOCSIN_OK && *got == 0)
        in->eof = true;
    return c;
}

tocsin_code ts_input_slurp(ts_input *in, size_t max, char **out, size_t *len)
{
    /* cap never passes max + 1: one byte past max is enough to know the content is too long */
    size_t cap = max < (1u << 16) ? max + 1 : 1u << 16, n = 0;
    char *buf = malloc(cap + 1);
    *out = NULL;
    *len = 0;
    for (;;) {
        if (!buf)
            return TOCSIN_E_NOMEM;
        if (n == cap) {
            if (cap > max) {
                free(buf);
                return TOCSIN_E_TOOLONG;
            }
            size_t grow = cap > max / 2 ? max + 1 : cap * 2;
            char *nb = realloc(buf, grow + 1);
            if (!nb)
                free(buf);
            buf = nb;
            cap = grow;
            continue;
        }
        size_t got = 0;
        tocsin_code rc = ts_input_read(in, buf + n, cap - n, &got);
        if (rc != TOCSIN_OK) {
            free(buf);
            return rc;
        }
        if (!got)
            break;
        n += got;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return TOCSIN_OK;
}

tocsin_code ts_input_slurp_path(const char *path, size_t max, char **out, size_t *len)
{
    ts_input *in;
    char err[256];
    tocsin_code rc = ts_input_open(path, &in, err, sizeof err);
    if (rc != TOCSIN_OK)
        return rc == TOCSIN_E_IO && errno == ENOENT ? TOCSIN_E_NOTFOUND : rc;
    rc = ts_input_slurp(in, max, out, len);
    ts_input_close(in);
    return rc;
}

/* ---- directory walk ---- */

/* The directories on the current path, to refuse symlink loops. */
typedef struct walk_stack {
    dev_t dev;
    ino_t ino;
    const struct walk_stack *up;
} walk_stack;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What every level of a walk passes on. */
typedef struct walk_to {
    ts_walk_fn each;
    ts_diag_fn diag;
    void *ud;
} walk_to;

static void walk_problem(const walk_to *to, const char *path, tocsin_code code, const char *what, int err)
{
    char msg[512];
    if (err)
        snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
    else
        snprintf(msg, sizeof msg, "%s", what);
    ts_diag_say(to->diag, to->ud, path, 0, 0, code, msg);
}

static int walk_dir(const char *path, const struct stat *st, const walk_stack *up, const walk_to *to);

static int walk_path(const char *path, const walk_stack *up, const walk_to *to)
{
    struct stat st;
    if (!up && strcmp(path, TS_INPUT_STDIN) == 0)
        return to->each(to->ud, path);
    if (stat(path, &st) != 0) {
        int e = errno;
        walk_problem(to, path, e == ENOENT ? TOCSIN_E_NOTFOUND : TOCSIN_E_IO, "cannot open it", e);
        return 0;
    }
    if (S_ISREG(st.st_mode))
        return to->each(to->ud, path);
    /* A pipe, FIFO or device named by the user (/dev/stdin, <(zcat ...)) is read as a
     * stream; met inside a directory it is passed over, as opening a FIFO with no writer
     * would wait for ever. */
    if (!S_ISDIR(st.st_mode))
        return up ? 0 : to->each(to->ud, path);
    for (const walk_stack *w = up; w; w = w->up)
        if (w->dev == st.st_dev && w->ino == st.st_ino)
            return 0; /* a symlink back to an ancestor: already being walked */
    return walk_dir(path, &st, up, to);
}

/* Reads the visible names of a directory into a sorted malloc'ed array. */
static char **list_dir(DIR *d, size_t *count)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (!ts_vec_grow(names, cap, n + 1, TS_VEC_NOCAP))
            break;
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    *count = n;
    return names;
}

static int walk_dir(const char *path, const struct stat *st, const walk_stack *up, const walk_to *to)
{
    DIR *d = opendir(path);
    if (!d) {
        walk_problem(to, path, TOCSIN_E_IO, "cannot open the directory", errno);
        return 0;
    }
    size_t n = 0;
    char **names = list_dir(d, &n);
    closedir(d);
    walk_stack me = {st->st_dev, st->st_ino, up};
    int rc = 0;
    size_t plen = strlen(path);
    bool slash = plen && path[plen - 1] == '/';
    for (size_t i = 0; i < n; i++) {
        if (!rc) {
            size_t len = plen + 1 + strlen(names[i]) + 1;
            char *child = malloc(len);
            if (!child) {
                walk_problem(to, path, TOCSIN_E_NOMEM, "out of memory walking the directory", 0);
            } else {
                snprintf(child, len, "%s%s%s", path, slash ? "" : "/", names[i]);
                rc = walk_path(child, &me, to);
                free(child);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int ts_walk(const char *path, ts_walk_fn each, ts_diag_fn diag, void *ud)
{
    walk_to to = {each, diag, ud};
    return walk_path(path, NULL, &to);
}
