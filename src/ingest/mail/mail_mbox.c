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

/* One line of a mailbox, m the message being gathered. */
static tocsin_code mbox_line(rd_ctx *c, void *msg, const char *l, size_t n, uint64_t line)
{
    mbox_msg *m = msg;
    if (from_line(l, n)) {
        flush(c, m);
        m->any = true;
        m->line = line;
        return TOCSIN_OK;
    }
    if (!m->any) /* text before the first separator is no message */
        return TOCSIN_OK;
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
    return append(m, l, n) ? TOCSIN_OK : TOCSIN_E_NOMEM;
}

/* The last message, or what was read of it when reading stopped, is read too. */
static void mbox_end(rd_ctx *c, void *msg, tocsin_code rc)
{
    (void)rc;
    flush(c, msg);
}

static tocsin_code mbox_read(ts_input *in, ts_scratch *s, const ts_sink *sink)
{
    static const rd_line_ops ops = {.line = mbox_line, .end = mbox_end};
    rd_ctx c = rd_make(in, s, sink);
    mbox_msg m = {0};
    tocsin_code rc = rd_lines(&c, &ops, &m);
    free(m.buf);
    return rc;
}

const ts_reader ts_reader_mail_mbox = {
    .name = "mail-mbox",
    .summary = "mbox mailboxes (RFC 4155), message by message, parsed with GMime",
    .sniff = mbox_sniff,
    .read = mbox_read,
};
