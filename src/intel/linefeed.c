/* linefeed.c: helpers shared by the list, CSV and warninglist loaders. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "intel/linefeed.h"

void ts_lf_init(ts_lf *f, ts_intel *ti, const char *name, const ts_feed_opts *o)
{
    memset(f, 0, sizeof *f);
    f->ti = ti;
    f->name = name ? name : "(feed)";
    f->o = o;
}

void ts_lf_diag(ts_lf *f, uint64_t line, bool error, const char *fmt, ...)
{
    if (error)
        f->errors++;
    if (f->reported >= TS_LF_MAX_DIAGS) {
        f->suppressed++;
        return;
    }
    f->reported++;
    if (!f->o || !f->o->diag)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ts_diag_say(f->o->diag, f->o->ud, f->name, line, 0, TOCSIN_E_PARSE, msg);
}

tocsin_code ts_lf_finish(ts_lf *f)
{
    if (f->suppressed && f->o && f->o->diag) {
        char msg[128];
        snprintf(msg, sizeof msg, "%zu more problems not shown", f->suppressed);
        ts_diag_say(f->o->diag, f->o->ud, f->name, 0, 0, TOCSIN_E_PARSE, msg);
    }
    return f->errors ? TOCSIN_E_PARTIAL : TOCSIN_OK;
}

const char *ts_lf_base(const char *name)
{
    const char *s = name ? strrchr(name, '/') : NULL;
    return s ? s + 1 : name ? name : "";
}

char *ts_lf_clean(const char *p, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)p[i];
        buf[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    if (cap)
        buf[o] = '\0';
    return buf;
}

uint8_t ts_lf_confidence(const ts_lf *f)
{
    return f->o && f->o->confidence ? (f->o->confidence > 100 ? 100 : f->o->confidence) : 50;
}

uint32_t ts_lf_declared(ts_lf *f)
{
    return f->o && f->o->actor && *f->o->actor ? ts_intel_actorset_for(f->ti, f->o->actor, NULL, 0) : 0;
}

int64_t ts_lf_time(ts_str s)
{
    int64_t ns;
    uint64_t secs;
    s = ts_str_trim(s);
    if (ts_parse_iso8601_ns(s, &ns))
        return ns / 1000000000;
    if (ts_parse_u64(s, &secs) && secs < (1ull << 40))
        return (int64_t)secs;
    return 0;
}

bool ts_lf_next_line(const char *data, size_t len, size_t *pos, ts_str *line)
{
    if (*pos >= len)
        return false;
    const char *p = data + *pos;
    const char *nl = memchr(p, '\n', len - *pos);
    size_t n = nl ? (size_t)(nl - p) : len - *pos;
    *pos += n + (nl ? 1 : 0);
    if (n && p[n - 1] == '\r')
        n--;
    *line = ts_str_make(p, n);
    return true;
}
