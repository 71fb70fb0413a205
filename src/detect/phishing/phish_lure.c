/* phish_lure.c: the phishing detector's weaker reasons, the traits of mass and fraud mail
 * that add up: free-mail senders, links hiding or hosting their target, the recipient's
 * address in a link, lure wording, random tokens, styled Unicode and hidden recipients. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "detect/phishing/phish_state.h"

/* hay holds needle, ASCII case folded. */
static bool icontains(ts_str hay, ts_str needle)
{
    if (!needle.n || needle.n > hay.n)
        return false;
    for (size_t i = 0; i + needle.n <= hay.n; i++)
        if (strncasecmp(hay.p + i, needle.p, needle.n) == 0)
            return true;
    return false;
}

bool phish_freemail(const phish_state *st, ts_str reg)
{
    return phish_lists_service(st->lists, PHISH_SVC_FREEMAIL, reg, reg);
}

/* "...?url=http://x", "...&u=https%3A%2F%2Fx": a link that forwards to another. */
static bool redirects(ts_str url)
{
    const char *q = phish_chr(url, '?');
    if (!q)
        return false;
    ts_str rest = ts_str_make(q, (size_t)(url.p + url.n - q));
    return icontains(rest, ts_str_c("=http:")) || icontains(rest, ts_str_c("=https:")) ||
           icontains(rest, ts_str_c("=https%3a")) || icontains(rest, ts_str_c("=http%3a"));
}

static bool random_token(ts_str t)
{
    /* At least 10 letters and digits with case flipping four times or more, as mass
       mailers put in subjects and sender names to defeat filters. */
    size_t run = 0, flips = 0;
    int last = 0;
    for (size_t i = 0; i <= t.n; i++) {
        char c = i < t.n ? t.p[i] : ' ';
        int cls = c >= 'a' && c <= 'z' ? 1 : c >= 'A' && c <= 'Z' ? 2 : c >= '0' && c <= '9' ? 3 : 0;
        if (cls) {
            run++;
            if (cls != 3) {
                flips += last && cls != last;
                last = cls;
            }
            continue;
        }
        if (run >= 10 && flips >= 4)
            return true;
        run = flips = 0;
        last = 0;
    }
    return false;
}

/* Letters from the Mathematical Alphanumeric Symbols, small capitals, fullwidth forms,
 * enclosed alphanumerics or combining overlays: text styled to slip past filters. */
static bool styled(ts_str s)
{
    for (size_t i = 0; i + 1 < s.n; i++) {
        const unsigned char *p = (const unsigned char *)s.p + i;
        if (p[0] == 0xf0 && i + 3 < s.n && p[1] == 0x9d && p[2] >= 0x90 && p[2] <= 0x9f)
            return true; /* U+1D400..U+1D7FF */
        if (p[0] == 0xe1 && i + 2 < s.n && p[1] == 0xb4)
            return true; /* U+1D00..U+1D3F small capitals */
        if (p[0] == 0xef && i + 2 < s.n && (p[1] == 0xbc || p[1] == 0xbd))
            return true; /* U+FF00..U+FF7F fullwidth */
        if (p[0] == 0xe2 && i + 2 < s.n && (p[1] == 0x91 || p[1] == 0x92 || p[1] == 0x93))
            return true; /* U+2460..U+24FF enclosed */
        if (p[0] == 0xcc && (p[1] == 0xb6 || p[1] == 0xb5 || p[1] == 0xb8))
            return true; /* U+0335, U+0336, U+0338 overlays */
    }
    return false;
}

/* The recipient's own address inside a link: the sender tracks which addresses bite. */
static bool carries_rcpt(const ts_event *ev, ts_str url)
{
    for (size_t i = 0; i < ev->n_mail_to; i++) {
        ts_str r = ev->mail_to[i];
        if (r.n >= 5 && icontains(url, r))
            return true;
        const char *at = phish_chr(r, '@');
        if (at && at > r.p) {
            char enc[320];
            int k = snprintf(enc, sizeof enc, "%.*s%%40", (int)(at - r.p), r.p);
            if (k > 3 && (size_t)k < sizeof enc && icontains(url, ts_str_make(enc, (size_t)k)))
                return true;
        }
    }
    return false;
}

static void link_lures(phish_state *st, const ts_event *ev, const sender *s, reasons *rs)
{
    size_t links = 0, away = 0;
    char away_dom[PHISH_NAME_MAX] = "";
    for (size_t i = 0; i < ev->n_fields; i++) {
        if (!ts_str_eq(ev->fields[i].key, "link.url"))
            continue;
        ts_str url = ev->fields[i].val, host = phish_url_host(url);
        char reg[PHISH_NAME_MAX];
        size_t rn = phish_registrable(host, reg);
        links++;
        ts_str rs_reg = ts_str_make(reg, rn);
        bool tracker = phish_lists_service(st->lists, PHISH_SVC_TRACKER, host, rs_reg);
        if (phish_lists_service(st->lists, PHISH_SVC_SHORTENER, host, rs_reg) || (!tracker && redirects(url)))
            phish_trait(rs, 25, true, "link hides its destination behind %.*s", (int)host.n, host.p);
        bool hs = phish_lists_service(st->lists, PHISH_SVC_HOSTING, host, rs_reg);
        bool shared = phish_lists_service(st->lists, PHISH_SVC_SHARING, host, rs_reg);
        /* An online form asks for data: credentials, most often. */
        if ((hs || shared) && (icontains(host, ts_str_c("forms")) || icontains(url, ts_str_c("/forms/"))))
            phish_reason(rs, 30, false, true, "link to an online form on %.*s", (int)host.n, host.p);
        else if (hs)
            phish_reason(rs, 20, false, true, "link to a page on the hosting service %.*s", (int)host.n,
                         host.p);
        else if (shared)
            phish_trait(rs, 15, true, "link to a file-sharing service, %.*s", (int)host.n, host.p);
        if (carries_rcpt(ev, url))
            phish_trait(rs, 25, true, "link carries the recipient's address");
        bool same = rn && s->reg_n == rn && memcmp(reg, s->reg, rn) == 0;
        bool ours =
            rn && (phish_is_org(st, ts_str_make(reg, rn)) || dom_in(&st->partners, ts_str_make(reg, rn)));
        if (!same && !ours) {
            away++;
            if (!away_dom[0] && rn)
                memcpy(away_dom, reg, rn + 1);
        } else {
            away = (size_t)-1 / 2; /* one link home is enough to look like the sender's own */
        }
    }
    if (links && away == links && away_dom[0] && s->reg_n && !s->ours)
        phish_trait(rs, 15, true, "every link leads away from the sender's %.*s (to %s)", (int)s->reg_n,
                    s->reg, away_dom);
}

static bool host_char(char c)
{
    return c == '-' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* A domain-like token in the display name ("Easy Canvas.com") other than the sender's. */
static void name_domain(const sender *s, reasons *rs)
{
    ts_str n = s->name;
    if (phish_chr(n, '@')) /* an address in the name is name_checks' business */
        return;
    for (size_t i = 1; i + 2 < n.n; i++) {
        if (n.p[i] != '.' || !host_char(n.p[i - 1]))
            continue;
        size_t b = i, e = i + 1;
        while (b > 0 && (host_char(n.p[b - 1]) || n.p[b - 1] == '.'))
            b--;
        while (e < n.n && (host_char(n.p[e]) || n.p[e] == '.'))
            e++;
        size_t tld = e;
        while (tld > i && n.p[tld - 1] != '.')
            tld--;
        bool alpha = e - tld >= 2 && e - tld <= 6;
        for (size_t k = tld; k < e && alpha; k++)
            alpha = (n.p[k] | 0x20) >= 'a' && (n.p[k] | 0x20) <= 'z';
        char reg[PHISH_NAME_MAX];
        size_t rn = alpha ? phish_registrable(ts_str_make(n.p + b, e - b), reg) : 0;
        if (rn && !(rn == s->reg_n && strncasecmp(reg, s->reg, rn) == 0)) {
            phish_trait(rs, 20, false, "display name shows the domain %s", reg);
            return;
        }
        i = e;
    }
}

/* The display name invokes a linked domain's name ("Finance of America" with links to
 * financeofamerica.com) while the mail comes from another domain. */
static void name_links(const ts_event *ev, const sender *s, reasons *rs)
{
    char compact[128];
    size_t cn = 0;
    for (size_t i = 0; i < s->name.n && cn < sizeof compact - 1; i++) {
        char c = (char)(s->name.p[i] | 0x20);
        if (c >= 'a' && c <= 'z')
            compact[cn++] = c;
    }
    for (size_t i = 0; i < ev->n_fields && cn >= 6; i++) {
        if (!ts_str_eq(ev->fields[i].key, "link.url"))
            continue;
        char reg[PHISH_NAME_MAX];
        size_t rn = phish_registrable(phish_url_host(ev->fields[i].val), reg);
        ts_str l = phish_label(ts_str_make(reg, rn));
        if (l.n >= 6 && memmem(compact, cn, l.p, l.n) && !(rn == s->reg_n && memcmp(reg, s->reg, rn) == 0)) {
            phish_trait(rs, 20, false,
                        "display name invokes %s, a linked domain, but the mail comes from %.*s", reg,
                        (int)s->reg_n, s->reg);
            return;
        }
    }
}

/* A sender's local part that is one random token ("xK3fQ9zLmB2w"); addresses with
 * separators are the bounce or VERP addresses of list servers ("list-bounces+user=host",
 * "2.20964.41-7D35gjBImbOc.1"), which encode a recipient or message, not randomness. */
static bool random_local(ts_str local)
{
    for (size_t i = 0; i < local.n; i++)
        if (local.p[i] && strchr(".-_+=#", local.p[i]))
            return false;
    return random_token(local);
}

void phish_lure_checks(phish_state *st, const ts_event *ev, const sender *s, reasons *rs)
{
    if (s->ours && s->internal)
        return;
    if (s->reg_n && phish_freemail(st, ts_str_make(s->reg, s->reg_n)))
        phish_trait(rs, 15, false, "sent from a free-mail account (%.*s)", (int)s->reg_n, s->reg);
    if (s->reg_n && phish_lists_service(st->lists, PHISH_SVC_HOSTING, s->host, ts_str_make(s->reg, s->reg_n)))
        phish_reason(rs, 25, false, false, "sent from a free hosting service's domain (%.*s)", (int)s->host.n,
                     s->host.p);
    ts_str rp = ts_event_field(ev, "Return-Path");
    char reg[PHISH_NAME_MAX];
    size_t rn = phish_registrable(phish_addr_domain(rp), reg);
    if (rn && !(rn == s->reg_n && memcmp(reg, s->reg, rn) == 0))
        phish_trait(rs, 10, false, "envelope sender at another domain, %s", reg);
    else if (rn && s->addr.n && phish_freemail(st, ts_str_make(reg, rn)) && !ts_str_ieq(rp, "") &&
             !(rp.n == s->addr.n && strncasecmp(rp.p, s->addr.p, rp.n) == 0))
        phish_trait(rs, 10, false, "envelope sender is another free-mail account, %.*s", (int)rp.n, rp.p);
    ts_str spf = ts_event_field(ev, "auth.spf"), dkim = ts_event_field(ev, "auth.dkim"),
           dmarc = ts_event_field(ev, "auth.dmarc");
    if (ts_str_eq(spf, "none") && ts_str_eq(dkim, "none") && ts_str_eq(dmarc, "none"))
        phish_trait(rs, 15, false, "no SPF, DKIM or DMARC at all");
    if (!ev->n_mail_to)
        phish_trait(rs, 15, false, "sent to undisclosed recipients");
    for (size_t i = 0; i < ev->n_mail_to; i++)
        if (ev->mail_to[i].n >= 5 && icontains(ev->mail_subject, ev->mail_to[i])) {
            phish_trait(rs, 15, false, "the subject addresses the recipient by mail address");
            break;
        }
    const char *at = phish_chr(s->addr, '@');
    if (random_token(ev->mail_subject) ||
        (at && random_local(ts_str_make(s->addr.p, (size_t)(at - s->addr.p)))))
        phish_trait(rs, 15, false, "random-looking tokens in the subject or sender");
    if (styled(ev->mail_subject) || styled(s->name))
        phish_reason(rs, 25, false, false, "subject or name in styled Unicode letters");
    if (s->name.n > 40)
        phish_trait(rs, 20, false, "display name reads as a message");
    name_domain(s, rs);
    name_links(ev, s, rs);
    link_lures(st, ev, s, rs);
}
