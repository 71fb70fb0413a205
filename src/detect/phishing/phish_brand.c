/* phish_brand.c: the phishing detector's brand checks: a brand (data/phishing/brands.txt,
 * or the configured extra words) named by a sender that is not that brand, a brand's
 * domain claimed by mail that fails to prove it, and senders whose From header does not
 * parse or names no real domain. */
#include <stdio.h>
#include <string.h>

#include "detect/phishing/phish_state.h"

static bool letter(char c)
{
    return c >= 'a' && c <= 'z';
}

/* A brand named inside a sender's address ("sec-ledger.pt", "infocorreios974555@x",
 * "correios-rastreio.com"): a brand domain's first label set apart from other letters
 * (by '-', '_' or digits) or, 7 letters or more, ending a label part; not a whole label.
 * The brand's own domains do not count. */
static int brand_in_host(const phish_state *st, ts_str host, const char **name)
{
    char low[PHISH_NAME_MAX];
    size_t n = host.n && host.n < sizeof low ? ts_lower(host, low, sizeof low) : 0;
    size_t nb = phish_lists_n_brands(st->lists);
    for (size_t b = 0; b < nb && n; b++) {
        const char *doms[32];
        size_t nd = phish_lists_brand_domains(st->lists, (int)b, doms, 32);
        for (size_t d = 0; d < nd; d++) {
            ts_str l = phish_label(ts_str_c(doms[d]));
            if (l.n < 4)
                continue;
            for (const char *p = memmem(low, n, l.p, l.n); p;) {
                bool start = p == low || !letter(p[-1]);
                bool end = p + l.n == low + n || !letter(p[l.n]);
                bool ends_part = p + l.n == low + n || p[l.n] == '.' || p[l.n] == '-' || p[l.n] == '@';
                /* A whole label ("delta.example.edu", "orange@") is a server's or a
                   person's name; a brand with words stuck to it is dressed up. */
                bool whole = (p == low || p[-1] == '.' || p[-1] == '@') &&
                             (p + l.n == low + n || p[l.n] == '.' || p[l.n] == '@');
                /* In the local part only long names count ("infocorreios974555"):
                   "delta407" is a person's handle. */
                const char *at = memchr(low, '@', n);
                bool local = at && p < at;
                if (!whole && (!local || l.n >= 7) &&
                    ((start && end) || (l.n >= 7 && ends_part && n > l.n))) {
                    *name = phish_lists_brand_name(st->lists, (int)b);
                    return (int)b;
                }
                size_t rest = (size_t)(low + n - p - 1);
                p = rest >= l.n ? memmem(p + 1, rest, l.p, l.n) : NULL;
            }
        }
    }
    return -1;
}

/* The brand a display name (or a From header's raw text) invokes: brands.txt names, then
 * the configured extra words. */
static int brand_in_name(const phish_state *st, ts_str name, const char **brand)
{
    char f[512];
    size_t fn = phish_fold(name, f, sizeof f, NULL);
    int b = phish_lists_brand_named(st->lists, ts_str_make(f, fn), brand);
    if (b >= 0)
        return b;
    /* Names also hide as "C o i n b a s e" or "Metamask_Team": letters only. */
    char letters[512];
    size_t ln = 0;
    for (size_t i = 0; i < fn; i++)
        if ((f[i] >= 'a' && f[i] <= 'z'))
            letters[ln++] = f[i];
    b = ln ? phish_lists_brand_in_letters(st->lists, ts_str_make(letters, ln), brand) : -1;
    if (b >= 0)
        return b;
    for (size_t i = 0; i < st->n_brands; i++) {
        const char *w = st->brands[i];
        if (ln && strlen(w) >= 5 && memmem(letters, ln, w, strlen(w))) {
            *brand = w;
            return (int)(phish_lists_n_brands(st->lists) + i);
        }
    }
    return -1;
}

/* Whether the sender's domain is one of the brand's (extra words have no domains). */
static bool senders_brand(const phish_state *st, const sender *s, int b)
{
    /* The raw lookup: a "Yahoo" sender at yahoo.com is what it says, free mail or not. */
    return (size_t)b < phish_lists_n_brands(st->lists) &&
           phish_lists_brand_of(st->lists, ts_str_make(s->reg, s->reg_n)) == b;
}

int phish_brand_in_subdomain(const phish_state *st, ts_str host, ts_str reg, const char **dom)
{
    char low[PHISH_NAME_MAX];
    size_t n = host.n && host.n < sizeof low ? ts_lower(host, low, sizeof low) : 0;
    if (!n || host.n <= reg.n || phish_lists_brand_of(st->lists, reg) >= 0)
        return -1;
    size_t left = n - reg.n; /* the labels in front of the registrable name */
    for (size_t b = 0; b < phish_lists_n_brands(st->lists); b++) {
        const char *doms[32];
        size_t nd = phish_lists_brand_domains(st->lists, (int)b, doms, 32);
        for (size_t d = 0; d < nd; d++) {
            size_t dl = strlen(doms[d]);
            for (size_t i = 0; i + dl < left; i++)
                if ((i == 0 || low[i - 1] == '.' || low[i - 1] == '-') && low[i + dl] == '.' &&
                    memcmp(low + i, doms[d], dl) == 0) {
                    *dom = doms[d];
                    return (int)b;
                }
        }
    }
    return -1;
}

int phish_brand_named(const phish_state *st, const ts_event *ev, const sender *s)
{
    const char *name;
    ts_str raw = ts_event_field(ev, "From.raw");
    return brand_in_name(st, s->name.n ? s->name : raw, &name);
}

void phish_brand_checks(phish_state *st, const ts_event *ev, const sender *s, reasons *rs)
{
    if (s->ours)
        return;
    ts_str raw = ts_event_field(ev, "From.raw");
    bool malformed = ts_event_field(ev, "From.malformed").n > 0;
    const char *bname = NULL;

    /* The From header itself. */
    if (!s->addr.n && !raw.n)
        phish_reason(rs, 25, false, false, "no sender address at all");
    else if (malformed)
        phish_reason(rs, 30, false, false, "the From header does not parse: %.*s", TS_STR_CUT(raw, 100));
    if (s->addr.n && !s->reg_n && s->host.n)
        phish_reason(rs, 35, false, false, "the sender %.*s names no real domain", (int)s->addr.n, s->addr.p);

    /* A brand named by a stranger: in the display name (or the raw From), in the host. */
    int b = s->named;
    if (b >= 0)
        brand_in_name(st, s->name.n ? s->name : raw, &bname);
    if (b >= 0 && !senders_brand(st, s, b)) {
        /* A name no domain belongs to ("IT Helpdesk", a configured word) is less sure. */
        const char *d0;
        bool has_domains =
            (size_t)b < phish_lists_n_brands(st->lists) && phish_lists_brand_domains(st->lists, b, &d0, 1);
        phish_reason(rs, has_domains ? 35 : 25, false, false,
                     "the sender's name invokes %s but the mail comes from %.*s", bname,
                     (int)(s->reg_n ? s->reg_n : s->addr.n), s->reg_n ? s->reg : s->addr.p);
    } else if (phish_lists_brand_of(st->lists, ts_str_make(s->reg, s->reg_n)) < 0 &&
               (b = brand_in_host(st, s->addr, &bname)) >= 0) {
        phish_reason(rs, 35, false, false, "the sender's address %.*s names %s but is none of its domains",
                     (int)s->addr.n, s->addr.p, bname);
    }

    /* "paypal.com.secure-login.net": a brand's whole domain in front of another. */
    const char *dom;
    int sb = phish_brand_in_subdomain(st, s->host, ts_str_make(s->reg, s->reg_n), &dom);
    if (sb >= 0)
        phish_reason(rs, 45, false, false, "the sender's host %.*s puts %s (%s) in front of %.*s",
                     (int)s->host.n, s->host.p, dom, phish_lists_brand_name(st->lists, sb), (int)s->reg_n,
                     s->reg);

    /* A brand's own domain in From, not proven: spoofed. */
    if (s->brand >= 0 && !s->authentic) {
        ts_str spf = ts_event_field(ev, "auth.spf"), dmarc = ts_event_field(ev, "auth.dmarc"),
               comp = ts_event_field(ev, "auth.compauth");
        const char *why = malformed                    ? "its From header does not parse"
                          : ts_str_eq(dmarc, "fail")   ? "fails DMARC"
                          : ts_str_eq(comp, "fail")    ? "fails composite authentication"
                          : ts_str_eq(spf, "fail")     ? "fails SPF"
                          : ts_str_eq(spf, "softfail") ? "soft-fails SPF"
                                                       : NULL;
        if (why)
            phish_reason(rs, 45, false, false, "claims to come from %s (%.*s) but %s",
                         phish_lists_brand_name(st->lists, s->brand), (int)s->reg_n, s->reg, why);
    }
}
