/* report_util.c: layout helpers of the text reports: colour, times, counts, wrapping. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/esc.h"
#include "core/str.h"
#include "report/report_int.h"

void rpt_init(rpt *r, FILE *out)
{
    const char *nc = getenv("NO_COLOR");
    int fd = fileno(out);
    r->out = out;
    /* no-color.org: any non-empty NO_COLOR turns colour off. */
    bool tty = fd >= 0 && isatty(fd);
    r->colour = tty && !(nc && *nc);
    r->width = RPT_WIDTH;
    if (!tty)
        return;
    const char *cols = getenv("COLUMNS");
    struct winsize ws;
    uint64_t c;
    if (cols && *cols) {
        if (ts_parse_u64(ts_str_c(cols), &c) && c >= 40 && c <= 1000)
            r->width = (int)c;
    } else if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) {
        r->width = ws.ws_col;
    }
}

const char *rpt_sgr(const rpt *r, enum rpt_style s)
{
    static const char *const codes[] = {
        [RS_BOLD] = "\x1b[1m",   [RS_DIM] = "\x1b[2m",   [RS_RED] = "\x1b[1;31m", [RS_YELLOW] = "\x1b[33m",
        [RS_GREEN] = "\x1b[32m", [RS_CYAN] = "\x1b[36m", [RS_RESET] = "\x1b[0m",
    };
    return r->colour ? codes[s] : "";
}

const char *rpt_severity_name(int severity)
{
    return severity >= 90 ? "critical" : severity >= 70 ? "high" : severity >= 40 ? "medium" : "low";
}

enum rpt_style rpt_severity_style(int severity)
{
    return severity >= 70 ? RS_RED : severity >= 40 ? RS_YELLOW : RS_GREEN;
}

void rpt_jw_time(ts_jw *w, const char *key, int64_t ns)
{
    char t[40];
    ts_jw_key(w, key);
    if (ns)
        ts_jw_str(w, rpt_time(ns, false, t, sizeof t));
    else
        ts_jw_null(w);
}

char *rpt_time(int64_t ns, bool seconds, char *buf, size_t len)
{
    if (ns == 0) {
        snprintf(buf, len, "(time unknown)");
        return buf;
    }
    if (seconds) {
        int64_t r = ns % 1000000000;
        ns -= r < 0 ? r + 1000000000 : r; /* floor, also before 1970 */
    }
    return ts_format_time(ns, buf, len);
}

char *rpt_duration(int64_t ns, char *buf, size_t len)
{
    int64_t s = ns / 1000000000;
    if (s < 0)
        s = 0;
    if (s < 60)
        snprintf(buf, len, "%llds", (long long)s);
    else if (s < 3600)
        snprintf(buf, len, "%lldm%llds", (long long)(s / 60), (long long)(s % 60));
    else if (s < 86400)
        snprintf(buf, len, "%lldh%lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else
        snprintf(buf, len, "%lldd%lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
    return buf;
}

char *rpt_count(uint64_t n, char *buf, size_t len)
{
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
    size_t o = 0;
    for (int i = 0; i < nd && o + 2 < len; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = 0;
    return buf;
}

/* Columns a piece of escaped (hence printable) text takes: one per code point. */
static int columns(const char *p, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xC0) != 0x80;
    return c;
}

/* The escaped form of text, malloc'ed (an escape takes at most 4 bytes per byte). */
static char *escaped(const char *text)
{
    size_t cap = (text ? strlen(text) : 1) * 4 + 1;
    char *buf = malloc(cap);
    if (buf)
        ts_esc_term(text, buf, cap);
    return buf;
}

int rpt_wrap(const rpt *r, const char *text, int col, int indent)
{
    char *e = escaped(text);
    if (!e) {
        ts_fputs_term(text, r->out); /* unwrapped, but still escaped */
        return col;
    }
    const char *p = e;
    bool first = true;
    while (*p) {
        size_t wl = strcspn(p, " ");
        int w = columns(p, wl);
        if (!first && col + 1 + w > RPT_WIDTH && col > indent) {
            fprintf(r->out, "\n%*s", indent, "");
            col = indent;
        } else if (!first) {
            fputc(' ', r->out);
            col++;
        }
        fwrite(p, 1, wl, r->out);
        col += w;
        first = false;
        p += wl;
        while (*p == ' ')
            p++;
    }
    free(e);
    return col;
}

void rpt_cut(const rpt *r, const char *text, int max)
{
    char buf[RPT_WIDTH * 4 + 1];
    if (max <= 0)
        return;
    if (max > RPT_WIDTH * 4)
        max = RPT_WIDTH * 4;
    fputs(ts_esc_term(text, buf, (size_t)max + 1), r->out);
}

void rpt_uuid5(const unsigned char ns[16], const char *name, char out[37])
{
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA1);
    guint8 d[20];
    gsize dl = sizeof d;
    g_checksum_update(c, ns, 16);
    g_checksum_update(c, (const guchar *)name, (gssize)strlen(name));
    g_checksum_get_digest(c, d, &dl);
    g_checksum_free(c);
    d[6] = (guint8)((d[6] & 0x0f) | 0x50); /* version 5 */
    d[8] = (guint8)((d[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0], d[1],
             d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
}
