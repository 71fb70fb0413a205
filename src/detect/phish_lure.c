/* phish_lure.c: the phishing detector's weaker reasons, the traits of mass and fraud mail
 * that add up: free-mail senders, links hiding or hosting their target, the recipient's
 * address in a link, lure wording, random tokens, styled Unicode and hidden recipients. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "detect/phish_state.h"

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

static bool in_list(ts_str reg, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (ts_str_ieq(reg, list[i]))
            return true;
    return false;
}

bool phish_freemail(ts_str reg)
{
    static const char *const free[] = {"gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "ymail.com",
                                       "hotmail.com", "hotmail.fr", "outlook.com", "live.com", "msn.com",
                                       "icloud.com", "me.com", "aol.com", "gmx.com", "gmx.de", "gmx.net",
                                       "web.de", "mail.ru", "yandex.ru", "yandex.com", "proton.me",
                                       "protonmail.com", "zoho.com", "mail.com", "qq.com", "163.com", NULL};
    return in_list(reg, free);
}

/* Services that shorten or redirect links, hiding where they go. */
static bool shortener(ts_str host)
{
    static const char *const s[] = {"bit.ly", "t.co", "tinyurl.com", "goo.gl", "ow.ly", "is.gd", "buff.ly",
                                    "rebrand.ly", "cutt.ly", "lnkd.in", "t.ly", "shorturl.at", "rb.gy",
                                    "tiny.cc", "s.id", "bl.ink", "soo.gd", "v.gd", "qrco.de", "dsgo.to", NULL};
    return in_list(host, s);
}

/* Free hosting, file-sharing and form services phishing pages live on, and chat invites. */
static const char *hosting(ts_str host)
{
    static const char *const h[] = {"docs.google.com", "forms.gle", "sites.google.com", "storage.googleapis.com",
                                    "firebasestorage.googleapis.com", "drive.google.com", "1drv.ms",
                                    "onedrive.live.com", "dropbox.com", "www.dropbox.com", "wetransfer.com",
                                    "ipfs.io", "t.me", "wa.me", "chat.whatsapp.com", "discord.gg", NULL};
    static const char *const suffix[] = {".web.app", ".firebaseapp.com", ".blogspot.com", ".weebly.com",
                                         ".wixsite.com", ".glitch.me", ".pages.dev", ".r2.dev", ".netlify.app",
                                         ".vercel.app", ".github.io", ".ngrok.io", ".ngrok-free.app", NULL};
    for (size_t i = 0; h[i]; i++)
        if (ts_str_ieq(host, h[i]))
            return h[i];
    for (size_t i = 0; suffix[i]; i++)
        if (ts_str_iends(host, suffix[i]))
            return suffix[i] + 1;
    return NULL;
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

static void subject_lures(const ts_event *ev, reasons *rs)
{
    static const char *const words[] = {"giveaway", "winner", "you won", "prize", "reward", "belohnung", "gift card",
                                        "congratulations", "glückwunsch", "parabéns", "claim", "refund", "bonus",
                                        "gratis", "free ", "transaction", "transact", "withdraw", "blocked",
                                        "bitcoin", "crypto", "wallet", " eth", "order confirmation",
                                        "orderconfirmation", "delivery", "package", "liberação", "liberado",
                                        "saldo", "subscription", "abonnement", "confirm the", NULL};
    char low[512];
    ts_str s = ev->mail_subject;
    size_t n = s.n ? ts_lower(s.n < sizeof low ? s : ts_str_make(s.p, sizeof low - 1), low, sizeof low) : 0;
    for (size_t i = 0; n && words[i]; i++)
        if (memmem(low, n, words[i], strlen(words[i]))) {
            phish_reason(rs, 15, false, false, "lure wording in the subject (\"%s\")", words[i]);
            return;
        }
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
        if (shortener(host) || redirects(url))
            phish_reason(rs, 25, false, true, "link hides its destination behind %.*s", (int)host.n, host.p);
        const char *hs = hosting(host);
        /* An online form asks for data: credentials, most often. */
        if (hs && (ts_str_ieq(host, "forms.gle") || icontains(url, ts_str_c("/forms/"))))
            phish_reason(rs, 30, false, true, "link to an online form on %s", hs);
        else if (hs)
            phish_reason(rs, 20, false, true, "link to a page on %s", hs);
        if (carries_rcpt(ev, url))
            phish_reason(rs, 25, false, true, "link carries the recipient's address");
        bool same = rn && s->reg_n == rn && memcmp(reg, s->reg, rn) == 0;
        bool ours = rn && (phish_is_org(st, ts_str_make(reg, rn)) || dom_in(&st->partners, ts_str_make(reg, rn)));
        if (!same && !ours) {
            away++;
            if (!away_dom[0] && rn)
                memcpy(away_dom, reg, rn + 1);
        } else {
            away = (size_t)-1 / 2; /* one link home is enough to look like the sender's own */
        }
    }
    if (links && away == links && away_dom[0] && s->reg_n && !s->ours)
        phish_reason(rs, 15, false, true, "every link leads away from the sender's %.*s (to %s)", (int)s->reg_n,
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
            phish_reason(rs, 30, false, false, "display name shows the domain %s", reg);
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
            phish_reason(rs, 30, false, false, "display name invokes %s, a linked domain, but the mail comes from %.*s",
                         reg, (int)s->reg_n, s->reg);
            return;
        }
    }
}

void phish_lure_checks(phish_state *st, const ts_event *ev, const sender *s, reasons *rs)
{
    if (s->ours && s->internal)
        return;
    if (s->reg_n && phish_freemail(ts_str_make(s->reg, s->reg_n)))
        phish_reason(rs, 15, false, false, "sent from a free-mail account (%.*s)", (int)s->reg_n, s->reg);
    ts_str rp = ts_event_field(ev, "Return-Path");
    char reg[PHISH_NAME_MAX];
    size_t rn = phish_registrable(phish_addr_domain(rp), reg);
    if (rn && !(rn == s->reg_n && memcmp(reg, s->reg, rn) == 0))
        phish_reason(rs, 10, false, false, "envelope sender at another domain, %s", reg);
    else if (rn && s->addr.n && phish_freemail(ts_str_make(reg, rn)) && !ts_str_ieq(rp, "") &&
             !(rp.n == s->addr.n && strncasecmp(rp.p, s->addr.p, rp.n) == 0))
        phish_reason(rs, 10, false, false, "envelope sender is another free-mail account, %.*s", (int)rp.n, rp.p);
    ts_str spf = ts_event_field(ev, "auth.spf"), dkim = ts_event_field(ev, "auth.dkim"),
           dmarc = ts_event_field(ev, "auth.dmarc");
    if (ts_str_eq(spf, "none") && ts_str_eq(dkim, "none") && ts_str_eq(dmarc, "none"))
        phish_reason(rs, 15, false, false, "no SPF, DKIM or DMARC at all");
    if (!ev->n_mail_to)
        phish_reason(rs, 15, false, false, "sent to undisclosed recipients");
    for (size_t i = 0; i < ev->n_mail_to; i++)
        if (ev->mail_to[i].n >= 5 && icontains(ev->mail_subject, ev->mail_to[i])) {
            phish_reason(rs, 15, false, false, "the subject addresses the recipient by mail address");
            break;
        }
    const char *at = phish_chr(s->addr, '@');
    if (random_token(ev->mail_subject) || (at && random_token(ts_str_make(s->addr.p, (size_t)(at - s->addr.p)))))
        phish_reason(rs, 15, false, false, "random-looking tokens in the subject or sender");
    if (styled(ev->mail_subject) || styled(s->name))
        phish_reason(rs, 25, false, false, "subject or name in styled Unicode letters");
    if (s->name.n > 40)
        phish_reason(rs, 20, false, false, "display name reads as a message");
    name_domain(s, rs);
    name_links(ev, s, rs);
    subject_lures(ev, rs);
    link_lures(st, ev, s, rs);
}
