/* mail_mbox.c: reader for mbox files (RFC 4155 "From " separator lines, mboxo and mboxrd
 * quoting), streamed message by message: only the current message is held in memory. */
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"
#include "ingest/mail/mail_int.h"

/* The message being gathered. */
typedef struct mbox_msg {
    char *buf;
    size_t len, cap;
    uint64_t line; /* of its "From " line */
    bool over;     /* it grew past MAIL_MAX_MESSAGE: the rest is dropped */
    bool any;      /* a "From " line started it */
} mbox_msg;

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "From sender@example.org Mon Sep  1 08:00:00 2014": the separator names a time, which
 * tells it from a body line that happens to start with "From ". */
static bool from_line(const char *l, size_t n)
{
    if (n < 7 || memcmp(l, "From ", 5) != 0)
        return false;
    for (size_t i = 6; i + 2 < n; i++)
        if (digit(l[i - 1]) && l[i] == ':' && digit(l[i + 1]))
            return true;
    return false;
}

static int mbox_sniff(const char *head, size_t len)
{
    const char *nl = memchr(head, '\n', len);
    if (!nl || !from_line(head, (size_t)(nl - head)))
        return 0;
    size_t skip = (size_t)(nl - head) + 1;
    return mail_sniff_headers(head + skip, len - skip) ? 85 : 30;
}

static bool append(mbox_msg *m, const char *p, size_t n)
{
    if (m->over)
        return true;
    if (m->len + n + 1 > MAIL_MAX_MESSAGE) {
        m->over = true;
        return true;
    }
    if (!ts_vec_grow(m->buf, m->cap, m->len + n + 1, TS_VEC_NOCAP))
        return false;
    memcpy(m->buf + m->len, p, n);
    m->buf[m->len + n] = '\n';
    m->len += n + 1;
    return true;
}

static void flush(rd_ctx *c, mbox_msg *m)
{
    if (m->any) {
        if (m->over)
            rd_error(c, m->line, 0, TOCSIN_E_TOOLONG, "message over the %u MiB limit: skipped",
                     MAIL_MAX_MESSAGE >> 20);
        else if (m->len)
            mail_parse_message(c, m->buf, m->len, m->line); /* where the message starts: its "From " line */
    }
    m->len = 0;
    m->over = false;
    m->any = false;
    /* A huge message must not pin its buffer for the rest of the file. */
    if (m->cap > (4u << 20)) {
        free(m->buf);
        m->buf = NULL;
        m->cap = 0;
    }
}

static tocsin_code mbox_read(ts_input *in, ts_scratch *s, const ts_sink *sink)
{
    rd_ctx c = rd_make(in, s, sink);
    mbox_msg m = {0};
    tocsin_code rc = TOCSIN_OK;
    for (;;) {
        const char *l;
        size_t n;
        tocsin_code r = ts_input_line(in, &l, &n);
        if (r != TOCSIN_OK) {
            if ((rc = rd_input_error(&c, r)) != TOCSIN_OK)
                break;
            continue;
        }
        if (!l)
            break;
        if (from_line(l, n)) {
            flush(&c, &m);
            m.any = true;
            m.line = ts_input_lineno(in);
            continue;
        }
        if (!m.any) /* text before the first separator is no message */
            continue;
        /* mboxrd and mboxo quote body lines starting "From " as ">From ". */
        if (n > 5 && l[0] == '>') {
            size_t k = 0;
            while (k < n && l[k] == '>')
                k++;
            if (n - k >= 5 && memcmp(l + k, "From ", 5) == 0) {
                l++;
                n--;
            }
        }
        if (!append(&m, l, n)) {
            rc = TOCSIN_E_NOMEM;
            break;
        }
    }
    if (rc == TOCSIN_OK)
        flush(&c, &m);
    free(m.buf);
    return rc;
}

const ts_reader ts_reader_mail_mbox = {
    .name = "mail-mbox",
    .summary = "mbox mailboxes (RFC 4155), message by message, parsed with GMime",
    .sniff = mbox_sniff,
    .read = mbox_read,
};
