/* phish_mail.c: the phishing detector's scoring of one mail message on stated reasons. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/phishing/phish_state.h"

/* 0 full, 1 trait, 2 lure */
static void add(reasons *rs, int kind, int w, bool attach, bool link, const char *fmt, va_list ap)
{
    if (rs->n == MAX_REASONS)
        return;
    reason *r = &rs->r[rs->n];
    vsnprintf(r->text, sizeof r->text, fmt, ap);
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->r[i].text, r->text) == 0)
            return;
    r->w = w;
    r->trait = kind == 1;
    rs->n++;
    if (kind == 1)
        rs->traits += w;
    else if (kind == 2)
        rs->lure += w;
    else
        rs->score += w;
    rs->attach |= attach;
    rs->link |= link;
}

void phish_reason(reasons *rs, int w, bool attach, bool link, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(rs, 0, w, attach, link, fmt, ap);
    va_end(ap);
}

void phish_trait(reasons *rs, int w, bool link, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(rs, 1, w, false, link, fmt, ap);
    va_end(ap);
}

void phish_lure(reasons *rs, int w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(rs, 2, w, false, false, fmt, ap);
    va_end(ap);
}

/* Link domains the detector must know before "new to us" means much. */
#define YOUNG_DOMAINS 200

static bool known(const phish_state *st, ts_str reg)
{
    return phish_is_org(st, reg) || dom_in(&st->partners, reg);
}

/* Whether reg imitates one of our or our partners' domains (why written). */
static bool lookalike(const phish_state *st, ts_str reg, char *why, size_t cap)
{
    if (!reg.n || known(st, reg))
        return false;
    const char *orgs[MAX_DOMAINS + 1];
    size_t n = phish_org_list(st, orgs, MAX_DOMAINS + 1);
    for (size_t i = 0; i < n; i++)
        if (phish_imitates(reg, ts_str_c(orgs[i]), why, cap))
            return true;
    for (size_t i = 0; i < st->partners.n; i++)
        if (phish_imitates(reg, ts_str_c(st->partners.v[i]), why, cap))
            return true;
    return false;
}

/* Whether the label l appears in the name bounded on both sides by a label edge, '-',
 * '_' or a digit ("sec-ledger", "paypal2", but not "techtarget" or "shagmail"). */
static bool bounded_in(ts_str name, ts_str l)
{
    for (size_t i = 0; l.n && i + l.n <= name.n; i++) {
        if (strncasecmp(name.p + i, l.p, l.n) != 0)
            continue;
        char b = i ? name.p[i - 1] : '.', a = i + l.n < name.n ? name.p[i + l.n] : '.';
        if (!(((b | 0x20) >= 'a' && (b | 0x20) <= 'z')) && !(((a | 0x20) >= 'a' && (a | 0x20) <= 'z')))
            return true;
    }
    return false;
}

/* Whether reg imitates a brand's domain (data/phishing/brands.txt) without being one:
 * homoglyphs of it, one edit from a name of 6 letters or more, or the brand's name with
 * added words when the words are set apart ("sec-ledger") or the message names the brand
 * elsewhere (named_brand, from the display name; -1 when none). Brand names are often
 * ordinary words ("target", "orange"), so a looser test would flag half the web. */
static bool brand_lookalike_scan(const phish_state *st, ts_str reg, int named_brand, char *why, size_t cap,
                                 bool *holds_brand);

/* Most names are judged again and again (a newsletter's link domains): names that imitate
 * no brand and hold no brand's name (so no display name can change the verdict) are
 * remembered. */
static bool brand_lookalike(phish_state *st, ts_str reg, int named_brand, char *why, size_t cap)
{
    if (!reg.n || phish_lists_brand_of(st->lists, reg) >= 0 || known(st, reg))
        return false;
    uint64_t h = phish_hash(reg);
    uint64_t *slot = &st->not_brandlike[h & (NOT_BRANDLIKE_CAP - 1)];
    if (*slot == h)
        return false;
    bool holds = false;
    if (brand_lookalike_scan(st, reg, named_brand, why, cap, &holds))
        return true;
    if (!holds)
        *slot = h;
    return false;
}

static bool brand_lookalike_scan(const phish_state *st, ts_str reg, int named_brand, char *why, size_t cap,
                                 bool *holds_brand)
{
    ts_str cl = phish_label(reg);
    char cs[PHISH_NAME_MAX];
    bool cm;
    size_t csn = phish_skeleton(cl, cs, &cm);
    for (size_t b = 0; b < phish_lists_n_brands(st->lists); b++) {
        const char *doms[32];
        size_t n = phish_lists_brand_domains(st->lists, (int)b, doms, 32);
        for (size_t i = 0; i < n; i++) {
            ts_str tl = phish_label(ts_str_c(doms[i]));
            if (tl.n < 4 || (cl.n == tl.n && strncasecmp(cl.p, tl.p, tl.n) == 0))
                continue;
            char ts[PHISH_NAME_MAX];
            bool tm;
            size_t tsn = phish_skeleton(tl, ts, &tm);
            const char *how = NULL;
            if (cm && csn == tsn && memcmp(cs, ts, csn) == 0)
                how = "homoglyphs of";
            else if (tl.n >= 6 && phish_distance(ts_str_make(cs, csn), ts_str_make(ts, tsn), 1) <= 1)
                how = "one edit from";
            else if (tl.n >= 4 && memmem(cs, csn, ts, tsn)) {
                *holds_brand = true;
                if ((tl.n >= 5 && bounded_in(cl, tl)) || named_brand == (int)b)
                    how = "added words to";
            }
            if (!how)
                continue;
            snprintf(why, cap, "%s %.60s (%.30s)", how, doms[i], phish_lists_brand_name(st->lists, (int)b));
            return true;
        }
    }
    return false;
}

/* "example.com.evil.net": one of our names as a label left of a foreign registrable. */
static bool org_in_subdomain(const phish_state *st, ts_str host, ts_str reg, char *why, size_t cap)
{
    if (host.n <= reg.n)
        return false;
    ts_str left = ts_str_make(host.p, host.n - reg.n);
    const char *orgs[MAX_DOMAINS + 1];
    size_t n = phish_org_list(st, orgs, MAX_DOMAINS + 1);
    for (size_t i = 0; i < n; i++) {
        ts_str l = phish_label(ts_str_c(orgs[i]));
        for (size_t p = 0; l.n >= 4 && p + l.n <= left.n; p++)
            if ((p == 0 || left.p[p - 1] == '.') && p + l.n < left.n && left.p[p + l.n] == '.' &&
                strncasecmp(left.p + p, l.p, l.n) == 0) {
                snprintf(why, cap, "names %s in a subdomain", orgs[i]);
                return true;
            }
    }
    return false;
}

static bool same(ts_str a, const char *b, size_t bn)
{
    return a.n == bn && memcmp(a.p, b, bn) == 0;
}

static ts_str reg_of(ts_str host, char *buf)
{
    size_t n = phish_registrable(host, buf);
    return ts_str_make(buf, n);
}

/* "Name <a@b>" or "a@b" as Zeek and some readers give it: the address and the name. */
static void split_from(ts_str from, ts_str *addr, ts_str *name)
{
    const char *lt = phish_chr(from, '<');
    const char *gt = lt ? memchr(lt, '>', (size_t)(from.p + from.n - lt)) : NULL;
    if (!gt) {
        *addr = ts_str_trim(from);
        return;
    }
    *addr = ts_str_make(lt + 1, (size_t)(gt - lt - 1));
    if (!name->n) {
        ts_str nm = ts_str_trim(ts_str_make(from.p, (size_t)(lt - from.p)));
        if (nm.n >= 2 && nm.p[0] == '"' && nm.p[nm.n - 1] == '"')
            nm = ts_str_make(nm.p + 1, nm.n - 2);
        *name = nm;
    }
}

static void sender_checks(phish_state *st, const ts_event *ev, sender *s, reasons *rs)
{
    char why[160];
    ts_str reg = ts_str_make(s->reg, s->reg_n);
    ts_str spf = ts_event_field(ev, "auth.spf"), dmarc = ts_event_field(ev, "auth.dmarc");
    if (s->ours) {
        bool fail = ts_str_eq(dmarc, "fail") || ts_str_eq(spf, "fail") || ts_str_eq(spf, "softfail");
        if (fail && !s->internal)
            phish_reason(rs, 60, false, false, "claims our domain %.*s but fails %s", (int)reg.n, reg.p,
                         ts_str_eq(dmarc, "fail") ? "DMARC" : "SPF");
        return;
    }
    if (lookalike(st, reg, why, sizeof why))
        phish_reason(rs, 60, false, false, "sender domain %.*s: %s", (int)reg.n, reg.p, why);
    else if (org_in_subdomain(st, s->host, reg, why, sizeof why))
        phish_reason(rs, 50, false, false, "sender domain %.*s %s", (int)s->host.n, s->host.p, why);
    else if (brand_lookalike(st, reg, s->named, why, sizeof why))
        phish_reason(rs, 50, false, false, "sender domain %.*s imitates a brand: %s", (int)reg.n, reg.p, why);
    static const char *const other[] = {"Reply-To", "Return-Path"};
    for (size_t i = 0; i < 2; i++) {
        ts_str a = ts_event_field(ev, other[i]);
        char buf[PHISH_NAME_MAX];
        ts_str r = reg_of(phish_addr_domain(a), buf);
        if (!r.n || (r.n == reg.n && memcmp(r.p, reg.p, r.n) == 0))
            continue;
        if (lookalike(st, r, why, sizeof why))
            phish_reason(rs, 50, false, false, "%s domain %.*s: %s", other[i], (int)r.n, r.p, why);
        else if (i == 0 && !known(st, r) && s->brand >= 0 && phish_freemail(st, r))
            phish_reason(rs, 40, false, false,
                         "mail from %s's domain, but replies go to a free-mail account, %.*s",
                         phish_lists_brand_name(st->lists, s->brand), (int)r.n, r.p);
        else if (i == 0 && !known(st, r) && phish_freemail(st, r) && !phish_freemail(st, reg))
            /* A company's mail whose answers go to a private mailbox: the fraudster's. */
            phish_reason(rs, 25, false, false, "mail from %.*s, but replies go to a free-mail account, %.*s",
                         (int)reg.n, reg.p, (int)r.n, r.p);
        else if (i == 0 && !known(st, r))
            phish_trait(rs, phish_freemail(st, r) ? 25 : 15, false, "replies go to %s, %.*s",
                        phish_freemail(st, r) ? "a free-mail account" : "another domain", (int)r.n, r.p);
    }
}

/* A colleague's name on an outside address, or a display name showing another address.
 * (Brands a display name invokes are phish_brand.c's.) */
static void name_checks(phish_state *st, sender *s, reasons *rs)
{
    if (s->ours || !s->name.n)
        return;
    uint64_t nh = phish_name_hash(s->name);
    if (nh && hset_has(&st->staff, nh)) {
        /* On a mailing list colleagues write from their own addresses. */
        if (s->bulk)
            phish_trait(rs, 15, false, "display name \"%.*s\" of a colleague on the outside address %.*s",
                        (int)s->name.n, s->name.p, (int)s->addr.n, s->addr.p);
        else
            phish_reason(rs, 55, false, false,
                         "display name \"%.*s\" of a colleague on the outside address %.*s", (int)s->name.n,
                         s->name.p, (int)s->addr.n, s->addr.p);
        return;
    }
    const char *at = phish_chr(s->name, '@');
    if (at) {
        /* The address the name shows: letters, digits and dots around the '@'. */
        const char *b = at, *e = at + 1, *end = s->name.p + s->name.n;
        while (b > s->name.p &&
               (b[-1] == '.' || b[-1] == '-' || b[-1] == '_' || (b[-1] >= '0' && b[-1] <= '9') ||
                ((b[-1] | 0x20) >= 'a' && (b[-1] | 0x20) <= 'z')))
            b--;
        while (e < end && (*e == '.' || *e == '-' || (*e >= '0' && *e <= '9') ||
                           ((*e | 0x20) >= 'a' && (*e | 0x20) <= 'z')))
            e++;
        char buf[PHISH_NAME_MAX];
        ts_str r = reg_of(ts_str_make(at + 1, (size_t)(e - at - 1)), buf);
        /* A brand's or our address shown over another sender deceives; any other is how
           forwarding and anonymising services name the original sender. */
        int shown = phish_lists_brand_of(st->lists, r);
        const char *dom;
        if (shown < 0)
            shown = phish_brand_in_subdomain(st, ts_str_make(at + 1, (size_t)(e - at - 1)), r, &dom);
        if (r.n && !(r.n == s->reg_n && memcmp(r.p, s->reg, r.n) == 0)) {
            if ((shown >= 0 && !phish_freemail(st, r)) || known(st, r))
                phish_reason(rs, 40, false, false, "display name shows the address %.*s (%s)", (int)(e - b),
                             b, shown >= 0 ? phish_lists_brand_name(st->lists, shown) : "ours");
            else
                phish_trait(rs, 20, false, "display name shows the address %.*s", (int)(e - b), b);
        }
    }
}

/* A forwarder or list that breaks SPF and DKIM vouches for what it received with an ARC
 * seal; with ARC passing, those failures are the forwarder's doing (traits only). */
static void auth_checks(const ts_event *ev, reasons *rs)
{
    bool arc = ts_str_eq(ts_event_field(ev, "auth.arc"), "pass");
    static const struct {
        const char *key, *label;
        int fail;
    } m[] = {{"auth.dmarc", "DMARC", 45}, {"auth.spf", "SPF", 35}, {"auth.dkim", "DKIM", 20}};
    for (size_t i = 0; i < sizeof m / sizeof *m; i++) {
        ts_str v = ts_event_field(ev, m[i].key);
        bool forwarded = arc && i > 0; /* DMARC's own verdict stands */
        if ((ts_str_eq(v, "fail") || ts_str_eq(v, "hardfail")) && forwarded)
            phish_trait(rs, 10, false, "%s fail (ARC pass: forwarded)", m[i].label);
        else if (ts_str_eq(v, "fail") || ts_str_eq(v, "hardfail"))
            phish_reason(rs, m[i].fail, false, false, "%s fail", m[i].label);
        else if (ts_str_eq(v, "softfail") && forwarded)
            phish_trait(rs, 10, false, "%s softfail (ARC pass: forwarded)", m[i].label);
        else if (ts_str_eq(v, "softfail"))
            phish_reason(rs, 25, false, false, "%s softfail", m[i].label);
        else if (ts_str_eq(v, "temperror") || ts_str_eq(v, "permerror"))
            phish_reason(rs, 10, false, false, "%s %.*s", m[i].label, (int)v.n, v.p);
    }
    /* Microsoft's composite authentication judges the From domain as DMARC would, also for
       domains that publish no DMARC policy: a failure means the From is not proven. */
    ts_str comp = ts_event_field(ev, "auth.compauth"), dmarc = ts_event_field(ev, "auth.dmarc");
    if (ts_str_eq(comp, "fail") && !ts_str_eq(dmarc, "fail"))
        phish_reason(rs, 35, false, false, "composite authentication (compauth) fail");
}

/* The receiving server checked (Authentication-Results are there) and nothing ties the
 * From domain to the mail: no DKIM signature of it passed, no DMARC pass, and the envelope
 * sender (what SPF checked) is another domain. Legitimate senders, bulk ones included,
 * sign for their From domain today; a DMARC policy would reject this mail. Not counted
 * twice when DMARC or compauth already failed. */
static void unproven_from(const ts_event *ev, const sender *s, reasons *rs)
{
    ts_str dmarc = ts_event_field(ev, "auth.dmarc"), comp = ts_event_field(ev, "auth.compauth");
    if (!s->reg_n || s->authentic || s->bulk || !ts_event_field(ev, "auth.spf").n ||
        ts_str_eq(dmarc, "fail") || ts_str_eq(comp, "fail") || s->ours)
        return; /* a mailing list sends its members' mail under its own envelope */
    char buf[PHISH_NAME_MAX];
    ts_str rp = reg_of(phish_addr_domain(ts_event_field(ev, "Return-Path")), buf);
    if (!rp.n || same(rp, s->reg, s->reg_n))
        return;
    phish_reason(rs, 25, false, false,
                 "nothing proves the From domain %.*s (not signed by it; envelope sender %.*s)",
                 (int)s->reg_n, s->reg, (int)rp.n, rp.p);
}

/* The first domain-like token of a link's text ("www.bank.com", "https://bank.com/x"). */
static ts_str text_domain(ts_str t)
{
    for (size_t i = 0; i < t.n; i++) {
        bool start =
            i == 0 || t.p[i - 1] == ' ' || t.p[i - 1] == '/' || t.p[i - 1] == '(' || t.p[i - 1] == '@';
        if (!start)
            continue;
        size_t e = i, dots = 0, last_dot = 0;
        while (e < t.n && (t.p[e] == '.' || t.p[e] == '-' || (t.p[e] >= '0' && t.p[e] <= '9') ||
                           ((t.p[e] | 0x20) >= 'a' && (t.p[e] | 0x20) <= 'z'))) {
            if (t.p[e] == '.') {
                dots++;
                last_dot = e;
            }
            e++;
        }
        while (e > i && t.p[e - 1] == '.')
            e--;
        if (!dots || last_dot + 2 >= e)
            continue;
        bool alpha_tld = true;
        for (size_t k = last_dot + 1; k < e; k++)
            alpha_tld &= ((t.p[k] | 0x20) >= 'a' && (t.p[k] | 0x20) <= 'z');
        if (alpha_tld)
            return ts_str_make(t.p + i, e - i);
        i = e;
    }
    return TS_STR_NULL;
}

static bool in_intel(const phish_state *st, ts_ioc_type type, ts_str v, char *label, size_t cap)
{
    if (!st->intel || !v.n)
        return false;
    ts_ioc_hit hits[8];
    size_t n = ts_intel_match(st->intel, type, v, hits, 8);
    bool allowed = false;
    for (size_t i = 0; i < n; i++)
        allowed |= (hits[i].meta->flags & TS_IOC_ALLOW) != 0;
    if (allowed || !n)
        return false;
    const char *src = ts_intel_source_name(st->intel, hits[0].meta->source);
    snprintf(label, cap, "%s", src ? src : "threat intelligence");
    return true;
}

/* A link whose text shows one domain and whose target is another. A brand's domain shown
 * over a link elsewhere deceives; a newsletter's click tracking (a mail service's
 * redirector, or the sender's own domain on either side) only counts clicks. */
static void text_mismatch(phish_state *st, const sender *s, ts_str text, ts_str host, ts_str reg, reasons *rs)
{
    char tbuf[PHISH_NAME_MAX];
    ts_str thost = text_domain(text);
    ts_str treg = reg_of(thost, tbuf);
    if (!treg.n || (treg.n == reg.n && memcmp(treg.p, reg.p, reg.n) == 0))
        return;
    int tb = phish_lists_brand_of(st->lists, treg);
    if (tb >= 0 && tb != phish_lists_brand_of(st->lists, reg) && tb != s->brand) {
        /* A shop's own newsletter links its own site under a partner's name. */
        if (same(reg, s->reg, s->reg_n))
            phish_trait(rs, 25, true, "link text shows %.*s (%s) but goes to the sender's %.*s", (int)treg.n,
                        treg.p, phish_lists_brand_name(st->lists, tb), (int)reg.n, reg.p);
        else
            phish_reason(rs, 50, false, true, "link text shows %.*s (%s) but goes to %.*s", (int)treg.n,
                         treg.p, phish_lists_brand_name(st->lists, tb), (int)reg.n, reg.p);
        return;
    }
    if (phish_lists_service(st->lists, PHISH_SVC_TRACKER, host, reg) || same(reg, s->reg, s->reg_n) ||
        same(treg, s->reg, s->reg_n) || known(st, reg))
        return;
    phish_trait(rs, 25, true, "link text shows %.*s but goes to %.*s", (int)treg.n, treg.p, (int)reg.n,
                reg.p);
}

static void link_checks(phish_state *st, const ts_event *ev, const sender *s, reasons *rs)
{
    char news[160] = "";
    size_t n_new = 0, bare = 0;
    for (size_t i = 0; i < ev->n_fields; i++) {
        if (!ts_str_eq(ev->fields[i].key, "link.url"))
            continue;
        ts_str url = ev->fields[i].val;
        ts_str text = i + 1 < ev->n_fields && ts_str_eq(ev->fields[i + 1].key, "link.text")
                          ? ev->fields[i + 1].val
                          : TS_STR_NULL;
        ts_str host = phish_url_host(url);
        char buf[PHISH_NAME_MAX], why[160], label[128];
        ts_str reg = reg_of(host, buf);
        ts_ip ip;
        if (host.n && ts_ip_parse(host, &ip) && !bare++)
            phish_reason(rs, 25, false, true, "link to the bare address %.*s", (int)host.n, host.p);
        if (in_intel(st, TS_IOC_URL, url, label, sizeof label) ||
            in_intel(st, TS_IOC_DOMAIN, host, label, sizeof label))
            phish_reason(rs, 70, false, true, "link to %.*s, listed in %s", (int)host.n, host.p, label);
        if (!reg.n)
            continue;
        if (lookalike(st, reg, why, sizeof why))
            phish_reason(rs, 55, false, true, "link to look-alike %.*s: %s", (int)reg.n, reg.p, why);
        else if (!known(st, reg) && org_in_subdomain(st, host, reg, why, sizeof why))
            phish_reason(rs, 50, false, true, "link to %.*s, which %s", (int)host.n, host.p, why);
        else if (brand_lookalike(st, reg, s->named, why, sizeof why))
            phish_reason(rs, 50, false, true, "link to %.*s, which imitates a brand: %s", (int)reg.n, reg.p,
                         why);
        const char *bdom;
        int hb = phish_brand_in_subdomain(st, host, reg, &bdom);
        if (hb >= 0)
            phish_reason(rs, 45, false, true, "link to %.*s, which puts %s (%s) in front of %.*s",
                         (int)host.n, host.p, bdom, phish_lists_brand_name(st->lists, hb), (int)reg.n, reg.p);
        text_mismatch(st, s, text, host, reg, rs);
        if (!known(st, reg) && !hset_has(&st->seen, phish_hash(reg)) && !strstr(news, buf)) {
            if (n_new < 3)
                snprintf(news + strlen(news), sizeof news - strlen(news), "%s%.*s", n_new ? ", " : "",
                         (int)reg.n, reg.p);
            n_new++;
        }
    }
    /* A young baseline says so: every domain is new to a detector that has seen little. */
    char young[64] = "";
    if (st->seen.n < YOUNG_DOMAINS)
        snprintf(young, sizeof young, " (still learning: %zu link domains known)", st->seen.n);
    if (n_new)
        phish_trait(rs, 10, true, "link domain%s new to us: %s%s%s", n_new > 1 ? "s" : "", news,
                    n_new > 3 ? ", ..." : "", young);
}

static bool risky_kind(ts_str k)
{
    return ts_str_eq(k, "executable") || ts_str_eq(k, "script") || ts_str_eq(k, "shortcut") ||
           ts_str_eq(k, "disk-image") || ts_str_eq(k, "html-app") || ts_str_eq(k, "macro-document") ||
           ts_str_eq(k, "config-profile");
}

static void attach_checks(phish_state *st, const ts_event *ev, reasons *rs)
{
    ts_str name = TS_STR_NULL, member = TS_STR_NULL;
    for (size_t i = 0; i < ev->n_fields; i++) {
        ts_str k = ev->fields[i].key, v = ev->fields[i].val;
        char label[128];
        if (ts_str_eq(k, "attach.name")) {
            name = v;
        } else if (ts_str_eq(k, "attach.kind") && risky_kind(v)) {
            phish_reason(rs, 50, true, false, "attachment %.*s is a%s %.*s", (int)name.n, name.p,
                         v.p[0] == 'e' || v.p[0] == 'h' ? "n" : "", (int)v.n, v.p);
        } else if (ts_str_eq(k, "attach.kind") && ts_str_eq(v, "html")) {
            /* A local page needs no link a filter could check: a login form, most often. */
            phish_reason(rs, 35, true, false, "attachment %.*s is an HTML page", (int)name.n, name.p);
        } else if (ts_str_eq(k, "attach.pdf") &&
                   (ts_str_eq(v, "form") || ts_str_eq(v, "javascript") || ts_str_eq(v, "launch"))) {
            phish_reason(rs, 30, true, false, "PDF %.*s carries %s", (int)name.n, name.p,
                         ts_str_eq(v, "form")     ? "a form"
                         : ts_str_eq(v, "launch") ? "a launch action"
                                                  : "JavaScript");
        } else if (ts_str_eq(k, "attach.pdf") && ts_str_eq(v, "links")) {
            phish_trait(rs, 15, true, "PDF %.*s carries links", (int)name.n, name.p);
        } else if (ts_str_eq(k, "attach.macro")) {
            phish_reason(rs, 50, true, false, "attachment %.*s holds a VBA macro project", (int)name.n,
                         name.p);
        } else if (ts_str_eq(k, "attach.member")) {
            member = v;
        } else if (ts_str_eq(k, "attach.member.kind") && risky_kind(v)) {
            phish_reason(rs, 55, true, false, "archive %.*s holds %.*s (%.*s)", (int)name.n, name.p,
                         (int)member.n, member.p, (int)v.n, v.p);
        } else if ((ts_str_eq(k, "attach.md5") && in_intel(st, TS_IOC_MD5, v, label, sizeof label)) ||
                   (ts_str_eq(k, "attach.sha1") && in_intel(st, TS_IOC_SHA1, v, label, sizeof label)) ||
                   (ts_str_eq(k, "attach.sha256") && in_intel(st, TS_IOC_SHA256, v, label, sizeof label))) {
            phish_reason(rs, 80, true, false, "attachment %.*s has a hash listed in %s", (int)name.n, name.p,
                         label);
        }
    }
}

/* The reasons with their weights ("[60]"; a trait's "[~15]", which counts only up to
 * trait_cap together), so an analyst sees what tipped the message. */
static char *joined(const reasons *rs)
{
    size_t len = 1;
    for (size_t i = 0; i < rs->n; i++)
        len += strlen(rs->r[i].text) + 2 + 8;
    char *s = malloc(len);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < rs->n; i++)
        o += (size_t)snprintf(s + o, len - o, "%s%s [%s%d]", i ? "; " : "", rs->r[i].text,
                              rs->r[i].trait ? "~" : "", rs->r[i].w);
    s[o] = 0;
    return s;
}

static const char *techniques(const reasons *rs, const ts_event *ev)
{
    bool links = rs->link || ts_event_field(ev, "link.url").n || ev->url.n;
    bool att = rs->attach || ts_event_field(ev, "attach.name").n;
    if (att && links)
        return "T1566.001,T1566.002";
    return att ? "T1566.001" : links ? "T1566.002" : "T1598";
}

static void emit(const ts_event *ev, const sender *s, const reasons *rs, char *list, const ts_alert_sink *out)
{
    ts_alert *a = calloc(1, sizeof *a);
    if (!a) {
        free(list);
        return;
    }
    a->detector = "phishing";
    a->kind = TS_EV_BEHAVIOUR;
    ts_alert_from_event(a, ev);
    a->direction = TS_DIR_INBOUND;
    a->side = TS_SIDE_SRC;
    int sev = 20 + rs->score * 6 / 10;
    a->severity = (uint8_t)(sev > 90 ? 90 : sev);
    a->techniques = strdup(techniques(rs, ev));
    free(a->user); /* the event's user, when a reader set one: the recipient is who matters */
    a->user = ev->n_mail_to ? ts_strndup(ev->mail_to[0]) : NULL;
    a->remote_name = ts_strndup(s->addr);
    a->observed = list;
    /* Zeek keeps the angle brackets GMime drops: the same message either way. */
    ts_str id = ts_str_trim(ev->mail_msgid);
    if (id.n >= 2 && id.p[0] == '<' && id.p[id.n - 1] == '>')
        id = ts_str_make(id.p + 1, id.n - 2);
    a->key = id.n ? ts_fmt_alloc("phish|%.*s", (int)id.n, id.p)
                  : ts_fmt_alloc("phish|%.*s|%.*s|%lld", (int)s->addr.n, s->addr.p, (int)ev->mail_subject.n,
                                 ev->mail_subject.p, (long long)ev->ts_ns);
    a->title = ts_fmt_alloc("phishing mail from %.*s to %s (\"%.*s\"): %s", (int)s->addr.n, s->addr.p,
                            a->user ? a->user : "?", TS_STR_CUT(ev->mail_subject, 120), list ? list : "");
    if (!a->key || !a->title || !a->observed || !a->techniques) {
        ts_alert_free(a);
        return;
    }
    out->emit(out->ud, a);
}

/* Watches every outside link host of a flagged message for the click. */
static void watch_links(phish_state *st, const ts_event *ev, const sender *s, const char *list,
                        const ts_alert_sink *out)
{
    size_t watched = 0;
    for (size_t i = 0; i < ev->n_fields && watched < 16; i++) {
        if (!ts_str_eq(ev->fields[i].key, "link.url"))
            continue;
        ts_str url = ev->fields[i].val, host = phish_url_host(url);
        char buf[PHISH_NAME_MAX];
        ts_str reg = reg_of(host, buf);
        if (!host.n || (reg.n && known(st, reg)))
            continue;
        pending p = {.host = phish_host_hash(host), .at = ev->ts_ns};
        for (size_t r = 0; r < ev->n_mail_to; r++) {
            const char *at = phish_chr(ev->mail_to[r], '@');
            ts_str local =
                at ? ts_str_make(ev->mail_to[r].p, (size_t)(at - ev->mail_to[r].p)) : ev->mail_to[r];
            p.rcpt[p.n_rcpt++] = phish_user_hash(local);
        }
        p.rcpt0 = ev->n_mail_to ? ts_strndup(ev->mail_to[0]) : strdup("?");
        p.url = ts_strndup(url);
        p.sender = ts_strndup(s->addr);
        p.reasons = strdup(list);
        p.file = ev->file ? strdup(ev->file) : NULL;
        p.line = ev->line;
        if (!p.rcpt0 || !p.url || !p.sender || !p.reasons) {
            pending_free(&p);
            return;
        }
        phish_watch(st, &p, out);
        watched++;
    }
}

/* After scoring: link domains become known; names and domains of internal senders are
 * learned. */
static void learn(phish_state *st, const ts_event *ev, const sender *s)
{
    for (size_t i = 0; i < ev->n_fields; i++)
        if (ts_str_eq(ev->fields[i].key, "link.url")) {
            char buf[PHISH_NAME_MAX];
            ts_str reg = reg_of(phish_url_host(ev->fields[i].val), buf);
            if (reg.n)
                hset_add(&st->seen, phish_hash(reg));
        }
    if (!s->internal || !s->reg_n)
        return;
    ts_str spf = ts_event_field(ev, "auth.spf"), dmarc = ts_event_field(ev, "auth.dmarc");
    if (ts_str_eq(spf, "fail") || ts_str_eq(spf, "softfail") || ts_str_eq(dmarc, "fail"))
        return;
    /* Mail between colleagues from an internal host names our domain. */
    bool all_same = ev->n_mail_to > 0;
    for (size_t i = 0; i < ev->n_mail_to; i++) {
        char buf[PHISH_NAME_MAX];
        ts_str r = reg_of(phish_addr_domain(ev->mail_to[i]), buf);
        all_same &= r.n == s->reg_n && memcmp(r.p, s->reg, r.n) == 0;
    }
    if (all_same)
        dom_add(&st->inside, ts_str_make(s->reg, s->reg_n));
    uint64_t nh = phish_name_hash(s->name);
    if (nh && phish_is_org(st, ts_str_make(s->reg, s->reg_n)))
        hset_add(&st->staff, nh);
}

/* The From domain is proven: a DKIM signature of its registrable domain passed, or DMARC
 * passed. */
static bool authentic(const phish_state *st, const ts_event *ev, const sender *s)
{
    if (!s->reg_n || phish_freemail(st, ts_str_make(s->reg, s->reg_n)))
        return false; /* anyone can prove to be some free-mail user */
    /* compauth=pass is not enough: Microsoft also passes mail on its own reputation
       heuristics when nothing ties it to the From domain. */
    if (ts_str_eq(ts_event_field(ev, "auth.dmarc"), "pass"))
        return true;
    for (size_t i = 0; i < ev->n_fields && s->reg_n; i++)
        if (ts_str_eq(ev->fields[i].key, "auth.dkim.pass")) {
            char buf[PHISH_NAME_MAX];
            ts_str r = reg_of(ev->fields[i].val, buf);
            if (same(r, s->reg, s->reg_n))
                return true;
        }
    return false;
}

void phish_mail(phish_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    for (size_t i = 0; i < ev->n_mail_to; i++)
        phish_learn_rcpt_domain(st, ev->mail_to[i]);
    sender s = {.name = ts_event_field(ev, "From.name")};
    split_from(ev->mail_from, &s.addr, &s.name);
    s.host = phish_addr_domain(s.addr);
    s.reg_n = phish_registrable(s.host, s.reg);
    s.ours = s.reg_n && phish_is_org(st, ts_str_make(s.reg, s.reg_n));
    s.internal =
        ev->src_ip.v && ((ev->src_geo.flags & TS_NET_KNOWN) ? (ev->src_geo.flags & TS_NET_INTERNAL) != 0
                                                            : ts_ip_is_internal_default(&ev->src_ip));

    /* A free-mail address is its user's, not the provider's brand. */
    s.brand = s.reg_n && !phish_freemail(st, ts_str_make(s.reg, s.reg_n))
                  ? phish_lists_brand_of(st->lists, ts_str_make(s.reg, s.reg_n))
                  : -1;
    s.named = phish_brand_named(st, ev, &s);
    s.bulk = ts_event_field(ev, "list.id").n || ts_event_field(ev, "list.post").n ||
             ts_str_ieq(ts_event_field(ev, "Precedence"), "list");
    s.authentic = authentic(st, ev, &s);

    reasons rs = {0};
    sender_checks(st, ev, &s, &rs);
    name_checks(st, &s, &rs);
    auth_checks(ev, &rs);
    unproven_from(ev, &s, &rs);
    link_checks(st, ev, &s, &rs);
    attach_checks(st, ev, &rs);
    phish_brand_checks(st, ev, &s, &rs);
    phish_body_checks(st, ev, &s, &rs);
    phish_lure_checks(st, ev, &s, &rs);
    /* A mailing list's mail carries every trait of mass mail by nature. */
    int cap = s.bulk ? st->trait_cap / 3 : st->trait_cap;
    int traits = rs.traits < cap ? rs.traits : cap;
    int substance = rs.score + (rs.lure < st->lure_cap ? rs.lure : st->lure_cap);
    rs.score = substance + traits;
    if (rs.n && rs.score >= st->alert_score && substance >= st->min_substance) {
        char *list = joined(&rs);
        if (list) {
            watch_links(st, ev, &s, list, out);
            emit(ev, &s, &rs, list, out);
        }
    }
    learn(st, ev, &s);
}
