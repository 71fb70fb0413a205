/* mail.c: e-mail as the mail server keeps it (an mbox of RFC 5322 messages with Received,
 * Authentication-Results, DKIM, MIME parts, links and base64 attachments) and as Zeek sees
 * it cross the perimeter (smtp.log, files.log, conn.log). */
#include <stdio.h>
#include <stdlib.h>

#include "simulate/sim.h"

#define MAIL_CAP (512 * 1024)

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The start of the first Received header: "Received: from HELO (HELO [IP])\n\tby ". */
static void received_from(sim_out *b, const sim_mail *m)
{
    SIM_PUTL(b, "Received: from ");
    sim_puts(b, m->helo);
    SIM_PUTL(b, " (");
    sim_puts(b, m->helo);
    SIM_PUTL(b, " [");
    sim_put_ip4(b, m->src_ip);
    SIM_PUTL(b, "])\n\tby ");
}

/* base64 of n pseudo-random bytes that start like the named file type, in 76-column lines */
static void put_attachment(sim_out *o, const char *name, size_t n, uint64_t key)
{
    const char *magic = strstr(name, ".pdf")   ? "%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
                        : strstr(name, ".zip") ? "PK\x03\x04\x14\x00\x00\x00"
                                               : "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
    size_t ml = strlen(magic), col = 0;
    uint64_t r = key, bits = 0;
    int left_bits = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint8_t b[3];
        for (int k = 0; k < 3; k++) {
            size_t j = i + (size_t)k;
            if (j < ml) {
                b[k] = (uint8_t)magic[j];
                continue;
            }
            if (!left_bits) { /* eight bytes per PRNG step */
                r = sim_mix(r);
                bits = r;
                left_bits = 64;
            }
            b[k] = (uint8_t)bits;
            bits >>= 8;
            left_bits -= 8;
        }
        size_t left = n - i;
        char q[4] = {b64[b[0] >> 2], b64[(b[0] & 3) << 4 | b[1] >> 4],
                     left > 1 ? b64[(b[1] & 15) << 2 | b[2] >> 6] : '=', left > 2 ? b64[b[2] & 63] : '='};
        sim_put(o, q, 4);
        col += 4;
        if (col == 76) {
            sim_putc(o, '\n');
            col = 0;
        }
    }
    if (col)
        sim_putc(o, '\n');
}

static const char *dom_of(const char *addr)
{
    const char *at = strchr(addr, '@');
    return at ? at + 1 : addr;
}

static void put_hdr(sim_out *o, const char *name, const char *v)
{
    sim_puts(o, name);
    SIM_PUTL(o, ": ");
    sim_puts(o, v);
    sim_putc(o, '\n');
}

static void build(sim_ctx *x, sim_out *b, const sim_mail *m, const char *msgid, uint64_t key)
{
    const sim_org *org = &x->org;
    const sim_host *mx = &org->hosts[org->mail];
    const char *fd = dom_of(m->from_addr);
    char qid[16];
    for (int i = 0; i < 12; i++)
        qid[i] = b64[(key >> (i * 5)) % 62];
    qid[12] = 0;
    int off = sim_site_offset(0, m->ts);

    SIM_PUTL(b, "From ");
    sim_puts(b, m->from_addr);
    sim_putc(b, ' ');
    sim_put_asctime(b, m->ts + 2 * SIM_US);
    SIM_PUTL(b, "\nReturn-Path: <");
    sim_puts(b, m->return_path ? m->return_path : m->from_addr);
    SIM_PUTL(b, ">\n");
    if (m->internal) {
        received_from(b, m);
        sim_puts(b, mx->fqdn);
        SIM_PUTL(b, " (Postfix) with ESMTPSA id ");
        sim_puts(b, qid);
        SIM_PUTL(b, "; ");
        sim_put_rfc5322(b, m->ts + SIM_US, off);
        sim_putc(b, '\n');
    } else if (m->inbound) {
        received_from(b, m);
        SIM_PUTL(b, "mx-01.");
        sim_puts(b, org->domain);
        SIM_PUTL(b, " (Postfix) with ESMTP id ");
        sim_puts(b, qid);
        SIM_PUTL(b, "\n\tfor <");
        sim_puts(b, m->to_addr);
        SIM_PUTL(b, ">; ");
        sim_put_rfc5322(b, m->ts + SIM_US, off);
        SIM_PUTL(b, "\nAuthentication-Results: mx-01.");
        sim_puts(b, org->domain);
        SIM_PUTL(b, ";\n\tspf=");
        sim_puts(b, m->spf);
        SIM_PUTL(b, " smtp.mailfrom=");
        sim_puts(b, m->from_addr);
        SIM_PUTL(b, ";\n\tdkim=");
        sim_puts(b, m->dkim);
        if (m->dkim_reason) {
            SIM_PUTL(b, " (");
            sim_puts(b, m->dkim_reason);
            sim_putc(b, ')');
        }
        SIM_PUTL(b, " header.d=");
        sim_puts(b, fd);
        SIM_PUTL(b, ";\n\tdmarc=");
        sim_puts(b, m->dmarc);
        SIM_PUTL(b, " header.from=");
        sim_puts(b, fd);
        sim_putc(b, '\n');
    } else { /* outbound: our server is the first hop */
        received_from(b, m);
        SIM_PUTL(b, "mx-01.");
        sim_puts(b, org->domain);
        SIM_PUTL(b, " (Postfix) with ESMTPSA id ");
        sim_puts(b, qid);
        SIM_PUTL(b, "; ");
        sim_put_rfc5322(b, m->ts + SIM_US, off);
        sim_putc(b, '\n');
    }
    if (strcmp(m->dkim, "none") != 0) {
        SIM_PUTL(b, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=");
        sim_puts(b, fd);
        SIM_PUTL(b, "; s=s1;\n\th=from:to:subject:date:message-id; bh=");
        for (int i = 0; i < 43; i++)
            sim_putc(b, b64[sim_mix(key + (uint64_t)i) % 64]);
        SIM_PUTL(b, "=;\n\tb=");
        for (int i = 0; i < 64; i++)
            sim_putc(b, b64[sim_mix(key ^ (uint64_t)(i + 99)) % 64]);
        sim_putc(b, '\n');
    }
    SIM_PUTL(b, "From: \"");
    sim_puts(b, m->from_name);
    SIM_PUTL(b, "\" <");
    sim_puts(b, m->from_addr);
    SIM_PUTL(b, ">\nTo: <");
    sim_puts(b, m->to_addr);
    SIM_PUTL(b, ">\n");
    put_hdr(b, "Subject", m->subject);
    SIM_PUTL(b, "Date: ");
    sim_put_rfc5322(b, m->ts, m->inbound && !m->internal ? 0 : off);
    sim_putc(b, '\n');
    put_hdr(b, "Message-ID", msgid);
    SIM_PUTL(b, "MIME-Version: 1.0\n");
    if (m->xmailer)
        put_hdr(b, "X-Mailer", m->xmailer);
    if (m->sender)
        put_hdr(b, "Sender", m->sender);
    if (m->reply_to)
        put_hdr(b, "Reply-To", m->reply_to);
    if (m->list_id)
        put_hdr(b, "List-Id", m->list_id);
    if (m->list_unsub) {
        put_hdr(b, "List-Unsubscribe", m->list_unsub);
        if (strstr(m->list_unsub, "https:"))
            put_hdr(b, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    }
    if (m->precedence)
        put_hdr(b, "Precedence", m->precedence);
    const char *bnd = "----=_Part_";
    if (m->attach_name) {
        SIM_PUTL(b, "Content-Type: multipart/mixed; boundary=\"");
        sim_puts(b, bnd);
        sim_puts(b, qid);
        SIM_PUTL(b, "_m\"\n\nThis is a multi-part message in MIME format.\n\n--");
        sim_puts(b, bnd);
        sim_puts(b, qid);
        SIM_PUTL(b, "_m\n");
    }
    SIM_PUTL(b, "Content-Type: multipart/alternative; boundary=\"");
    sim_puts(b, bnd);
    sim_puts(b, qid);
    SIM_PUTL(b, "_a\"\n\n--");
    sim_puts(b, bnd);
    sim_puts(b, qid);
    SIM_PUTL(b, "_a\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 7bit\n\n");
    sim_puts(b, m->text);
    SIM_PUTL(b, "\n\n");
    if (m->link) {
        sim_puts(b, m->link);
        SIM_PUTL(b, "\n\n");
    }
    SIM_PUTL(b, "--\n");
    sim_puts(b, m->from_name);
    SIM_PUTL(b, "\n\n--");
    sim_puts(b, bnd);
    sim_puts(b, qid);
    SIM_PUTL(b, "_a\nContent-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: 7bit\n\n"
                "<html><body><p>");
    sim_puts(b, m->text);
    SIM_PUTL(b, "</p>");
    if (m->link) {
        SIM_PUTL(b, "<p><a href=\"");
        sim_puts(b, m->link);
        SIM_PUTL(b, "\">");
        sim_puts(b, m->link_text ? m->link_text : strncmp(m->link, "http", 4) == 0 ? "Click here" : m->link);
        SIM_PUTL(b, "</a></p>");
    }
    SIM_PUTL(b, "<p>--<br>");
    sim_puts(b, m->from_name);
    SIM_PUTL(b, "</p></body></html>\n\n--");
    sim_puts(b, bnd);
    sim_puts(b, qid);
    SIM_PUTL(b, "_a--\n");
    if (m->attach_name) {
        SIM_PUTL(b, "\n--");
        sim_puts(b, bnd);
        sim_puts(b, qid);
        SIM_PUTL(b, "_m\nContent-Type: application/octet-stream; name=\"");
        sim_puts(b, m->attach_name);
        SIM_PUTL(b, "\"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"");
        sim_puts(b, m->attach_name);
        SIM_PUTL(b, "\"\n\n");
        put_attachment(b, m->attach_name, m->attach_len, key);
        SIM_PUTL(b, "\n--");
        sim_puts(b, bnd);
        sim_puts(b, qid);
        SIM_PUTL(b, "_m--\n");
    }
    sim_putc(b, '\n'); /* the blank line that ends an mbox message */
}

static void zeek_side(sim_ctx *x, const sim_mail *m, const char *msgid)
{
    const sim_org *org = &x->org;
    uint32_t mxip = org->hosts[org->mail].ip;
    uint32_t src = m->inbound ? m->src_ip : mxip;
    uint32_t dst = m->inbound ? mxip : m->src_ip; /* outbound: src_ip names the peer */
    bool tls = m->tls;
    sim_conn c = {m->ts,
                  800000 + (int64_t)m->attach_len * 8,
                  src,
                  dst,
                  (uint16_t)(40000 + sim_below(&x->rng, 20000)),
                  25,
                  "tcp",
                  tls ? "smtp,ssl" : "smtp",
                  3000 + m->attach_len * 4 / 3,
                  700,
                  "SF",
                  0};
    char uid[20], fuid[20], from[160], to[80], path[40], date[64];
    sim_net_conn(x, &c, uid);
    snprintf(from, sizeof from, "\"%s\" <%s>", m->from_name, m->from_addr);
    snprintf(to, sizeof to, "<%s>", m->to_addr);
    size_t pn = sim_fmt_ip4(path, dst);
    path[pn++] = ',';
    sim_fmt_ip4(path + pn, src);
    sim_out db = {.fd = -1, .buf = date, .cap = sizeof date};
    sim_put_rfc5322(&db, m->ts, m->inbound ? 0 : sim_site_offset(0, m->ts));
    date[db.n] = 0;
    sim_uid(x, fuid, 'F');
    char reply[64] = "250 2.0.0 Ok: queued as ";
    memcpy(reply + 24, uid + 3, 10);
    reply[34] = 0;
    if (tls) { /* after STARTTLS Zeek sees only the greeting */
        sim_zv v[27] = {ZTIME(m->ts + 300000),
                        ZSTR(uid),
                        ZADDR(src),
                        ZCOUNT(c.sport),
                        ZADDR(dst),
                        ZCOUNT(25),
                        ZCOUNT(1),
                        ZSTR(m->helo),
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZSTR("220 2.0.0 Ready to start TLS"),
                        ZSET(path),
                        ZUNSET,
                        ZBOOL(1),
                        ZEMPTY,
                        ZBOOL(0)};
        sim_zeek(x, Z_SMTP, v, uid);
        return;
    }
    sim_zv v[27] = {ZTIME(m->ts + 300000),
                    ZSTR(uid),
                    ZADDR(src),
                    ZCOUNT(c.sport),
                    ZADDR(dst),
                    ZCOUNT(25),
                    ZCOUNT(1),
                    ZSTR(m->helo),
                    ZSTR(m->from_addr),
                    ZSET(m->to_addr),
                    ZSTR(date),
                    ZSTR(from),
                    ZSET(to),
                    ZUNSET,
                    ZUNSET,
                    ZSTR(msgid),
                    ZUNSET,
                    ZSTR(m->subject),
                    ZUNSET,
                    ZUNSET,
                    ZUNSET,
                    ZSTR(reply),
                    ZSET(path),
                    m->xmailer ? ZSTR(m->xmailer) : ZUNSET,
                    ZBOOL(0),
                    m->attach_name ? ZSET(fuid) : ZEMPTY,
                    ZBOOL(0)};
    sim_zeek(x, Z_SMTP, v, uid);
    if (m->attach_name) {
        const char *mime = strstr(m->attach_name, ".pdf")   ? "application/pdf"
                           : strstr(m->attach_name, ".zip") ? "application/zip"
                           : strstr(m->attach_name, ".iso") || strstr(m->attach_name, ".img")
                               ? "application/x-iso9660-image"
                           : strstr(m->attach_name, ".7z") ? "application/x-7z-compressed"
                                                           : "application/msword";
        sim_zv f[27] = {ZTIME(m->ts + 400000),
                        ZSTR(fuid),
                        ZSTR(uid),
                        ZADDR(src),
                        ZCOUNT(c.sport),
                        ZADDR(dst),
                        ZCOUNT(25),
                        ZSTR("SMTP"),
                        ZCOUNT(3),
                        ZSET("MD5,SHA1"),
                        ZSTR(mime),
                        ZSTR(m->attach_name),
                        ZIVAL(0),
                        ZBOOL(!m->inbound),
                        ZBOOL(1),
                        ZCOUNT(m->attach_len),
                        ZUNSET,
                        ZCOUNT(0),
                        ZCOUNT(0),
                        ZBOOL(0),
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET,
                        ZUNSET};
        sim_zeek(x, Z_FILES, f, fuid);
    }
}

void sim_mail_write(sim_ctx *x, const sim_mail *m, char *msgid)
{
    uint64_t key = sim_mix(++x->msg_ctr ^ x->seed);
    char id[40];
    size_t n = 0;
    for (int i = 0; i < 16; i++)
        id[n++] = "0123456789ABCDEF"[(key >> (4 * i)) & 15];
    id[n] = 0;
    snprintf(msgid, 96, "<%s.%llu@%.48s>", id, (unsigned long long)(m->ts / SIM_US),
             m->internal || !m->inbound ? x->org.ad : dom_of(m->from_addr));
    if (x->on[F_MBOX]) {
        if (!x->mbuf) {
            x->mbuf = malloc(MAIL_CAP);
            x->mcap = x->mbuf ? MAIL_CAP : 0;
        }
        if (x->mbuf) {
            sim_out b = {.fd = -1, .buf = x->mbuf, .cap = x->mcap};
            build(x, &b, m, msgid, key);
            sim_out *o = &x->out[F_MBOX];
            uint64_t first = o->line + 1;
            sim_put(o, b.buf, b.n);
            for (size_t i = 0; i < b.n; i++)
                o->line += b.buf[i] == '\n';
            if (x->cur)
                sim_mark(x, F_MBOX, first, m->ts, msgid);
            else if (x->benign)
                sim_mark_benign(x, F_MBOX, first, m->ts, msgid);
        }
    }
    if (!m->internal)
        zeek_side(x, m, msgid);
}
