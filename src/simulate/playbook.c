/* playbook.c: reads a scenario's playbook (data/scenarios/NAME.playbook), the line-based
 * file that states the actor, its infrastructure and tools, and the steps of its campaign.
 * The format is documented in docs/simulate.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "simulate/campaign.h"

typedef struct tok {
    const char *p;
    size_t n;
} tok;

static bool sp(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* splits [p, e) on blanks into at most max tokens; returns the count */
static size_t split(const char *p, const char *e, tok *t, size_t max)
{
    size_t n = 0;
    while (p < e && n < max) {
        while (p < e && sp(*p))
            p++;
        if (p == e)
            break;
        const char *s = p;
        while (p < e && !sp(*p))
            p++;
        t[n++] = (tok){s, (size_t)(p - s)};
    }
    return n;
}

static bool teq(tok t, const char *s)
{
    return t.n == strlen(s) && memcmp(t.p, s, t.n) == 0;
}

static bool tcopy(char *dst, size_t cap, tok t)
{
    if (t.n >= cap)
        return false;
    memcpy(dst, t.p, t.n);
    dst[t.n] = 0;
    return true;
}

static bool tnum(tok t, double *out)
{
    double v = 0, sc = 0;
    bool any = false;
    for (size_t i = 0; i < t.n; i++) {
        char c = t.p[i];
        if (c >= '0' && c <= '9') {
            any = true;
            if (sc == 0)
                v = v * 10 + (c - '0');
            else {
                v += (c - '0') * sc;
                sc /= 10;
            }
        } else if (c == '.' && sc == 0) {
            sc = 0.1;
        } else {
            return false;
        }
    }
    *out = v;
    return any && v < 1e12;
}

/* "a.b.c.d" */
static bool tip(tok t, uint32_t *out)
{
    uint32_t ip = 0, oct = 0, dots = 0;
    int digits = 0;
    for (size_t i = 0; i < t.n; i++) {
        char c = t.p[i];
        if (c >= '0' && c <= '9') {
            oct = oct * 10 + (uint32_t)(c - '0');
            if (++digits > 3 || oct > 255)
                return false;
        } else if (c == '.' && digits && dots < 3) {
            ip = ip << 8 | oct;
            oct = 0;
            digits = 0;
            dots++;
        } else {
            return false;
        }
    }
    if (dots != 3 || !digits)
        return false;
    *out = ip << 8 | oct;
    return true;
}

static bool thex32(tok t)
{
    if (t.n != 32)
        return false;
    for (size_t i = 0; i < 32; i++) {
        char c = t.p[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

/* The longest span, in days; a step's days lie within it (past it, the times the plan
 * computes from them would not fit in 64 bits of microseconds). */
#define MAX_SPAN_DAYS 3650

/* "A-B" days of the span, "A" alone meaning [A, A+1) */
static bool tdays(tok t, double *a, double *b)
{
    const char *dash = memchr(t.p, '-', t.n);
    if (!dash) {
        if (!tnum(t, a))
            return false;
        *b = *a + 1;
        return *b <= MAX_SPAN_DAYS;
    }
    tok l = {t.p, (size_t)(dash - t.p)}, r = {dash + 1, t.n - (size_t)(dash - t.p) - 1};
    return tnum(l, a) && tnum(r, b) && *b > *a && *b <= MAX_SPAN_DAYS;
}

static bool list_add(tok t, char (*list)[48], uint32_t *n, size_t cap)
{
    if (*n >= CAMP_MAX_LIST || t.n >= cap)
        return false;
    memcpy(list[*n], t.p, t.n);
    list[*n][t.n] = 0;
    (*n)++;
    return true;
}

static const char *parse_step(sim_campaign *c, tok *t, size_t n)
{
    if (n < 3)
        return "step wants a name and an action";
    if (c->nsteps >= CAMP_MAX_STEPS)
        return "too many steps";
    sim_step *s = &c->steps[c->nsteps];
    memset(s, 0, sizeof *s);
    if (!tcopy(s->name, sizeof s->name, t[1]))
        return "step name too long";
    s->action = camp_action_find(t[2].p, t[2].n);
    if (!s->action)
        return "unknown action";
    s->count = 1;
    bool have_days = false;
    for (size_t i = 3; i < n; i++) {
        const char *eq = memchr(t[i].p, '=', t[i].n);
        if (!eq)
            return "step options are key=value";
        tok k = {t[i].p, (size_t)(eq - t[i].p)}, v = {eq + 1, t[i].n - k.n - 1};
        double d;
        if (teq(k, "days")) {
            if (!tdays(v, &s->d0, &s->d1))
                return "days wants A-B (at most 3650)";
            have_days = true;
        } else if (teq(k, "count")) {
            if (!tnum(v, &d) || d < 1 || d > 1000000)
                return "count wants 1..1000000";
            s->count = (uint32_t)d;
        } else if (teq(k, "every")) {
            if (!tnum(v, &d) || d < 1)
                return "every wants minutes >= 1";
            s->every_min = d;
        } else if (teq(k, "bytes")) {
            if (!tnum(v, &d) || d > 1000000)
                return "bytes wants GB";
            s->gb = d;
        } else if (teq(k, "share")) {
            if (!tnum(v, &d) || d > 1)
                return "share wants 0..1";
            s->share = d;
        } else if (teq(k, "tech")) {
            if (!tcopy(s->tech, sizeof s->tech, v))
                return "tech list too long";
        } else {
            return "unknown step option";
        }
    }
    if (!have_days)
        return "step wants days=A-B";
    if (!s->tech[0])
        snprintf(s->tech, sizeof s->tech, "%s", s->action->techniques);
    c->nsteps++;
    return NULL;
}

/* one line; returns an error message or NULL */
static const char *parse_line(sim_campaign *c, const char *p, const char *e)
{
    tok t[24];
    size_t n = split(p, e, t, 24);
    if (!n)
        return NULL;
    double d;
    if (teq(t[0], "scenario") && n == 2) {
        return tcopy(c->scenario, sizeof c->scenario, t[1]) ? NULL : "scenario name too long";
    } else if (teq(t[0], "actor") || teq(t[0], "aliases") || teq(t[0], "about") || teq(t[0], "sender-name")) {
        /* the rest of the line, verbatim */
        const char *r = t[1 < n ? 1 : 0].p;
        size_t rn = n > 1 ? (size_t)(t[n - 1].p + t[n - 1].n - r) : 0;
        char *dst = teq(t[0], "actor")         ? c->actor
                    : teq(t[0], "aliases")     ? c->aliases
                    : teq(t[0], "sender-name") ? c->sender_name
                    : c->nsteps                ? c->steps[c->nsteps - 1].about
                                               : NULL;
        size_t cap = teq(t[0], "actor")         ? sizeof c->actor
                     : teq(t[0], "aliases")     ? sizeof c->aliases
                     : teq(t[0], "sender-name") ? sizeof c->sender_name
                                                : sizeof c->steps[0].about;
        if (!dst || !rn || rn >= cap)
            return "actor, aliases, sender-name and about want text (about after a step)";
        memcpy(dst, r, rn);
        dst[rn] = 0;
        return NULL;
    } else if (teq(t[0], "span") && n == 2) {
        return tnum(t[1], &d) && d >= 1 && d <= MAX_SPAN_DAYS ? (c->span = d, NULL) : "span wants days";
    } else if (teq(t[0], "hours") && n == 3) {
        double a, b;
        if (!tnum(t[1], &a) || !tnum(t[2], &b) || a >= b || b > 24)
            return "hours wants FROM TO (UTC, FROM < TO <= 24)";
        c->hour0 = (int)a;
        c->hour1 = (int)b;
        return NULL;
    } else if (teq(t[0], "c2") && (n == 4 || n == 5)) {
        if (c->nc2 >= CAMP_MAX_C2)
            return "too many c2 servers";
        camp_c2 *s = &c->c2[c->nc2];
        memset(s, 0, sizeof *s);
        if (!tnum(t[2], &d) || d < 1 || d > 65535 || t[3].n != 2)
            return "c2 wants ADDRESS PORT CC [leaked]";
        s->port = (uint16_t)d;
        memcpy(s->cc, t[3].p, 2);
        if (t[1].n > 4 && memcmp(t[1].p, "gen:", 4) == 0) {
            double k;
            if (!tnum((tok){t[1].p + 4, t[1].n - 4}, &k) || k > 255)
                return "c2 gen:K wants a small number";
            s->ip = 0xffffff00u | (uint32_t)k; /* resolved with the seed when the run starts */
        } else if (!tip(t[1], &s->ip)) {
            return "c2 wants an IPv4 address or gen:K";
        }
        if (n == 5 && !teq(t[4], "leaked"))
            return "c2's fifth word can only be \"leaked\"";
        s->leaked = n == 5;
        c->nc2++;
        return NULL;
    } else if (teq(t[0], "home-net") && n == 3) {
        const char *sl = memchr(t[1].p, '/', t[1].n);
        uint32_t ip;
        if (!sl || !tip((tok){t[1].p, (size_t)(sl - t[1].p)}, &ip) ||
            !tnum((tok){sl + 1, t[1].n - (size_t)(sl - t[1].p) - 1}, &d) || d < 8 || d > 32)
            return "home-net wants A.B.C.D/N ASN";
        c->home_size = 1u << (32 - (int)d);
        c->home_base = ip & ~(c->home_size - 1);
        /* an AS number is 32 bits: a bigger one cannot be cast, nor be real */
        if (t[2].n < 3 || memcmp(t[2].p, "AS", 2) != 0 || !tnum((tok){t[2].p + 2, t[2].n - 2}, &d) ||
            d > UINT32_MAX || d != floor(d))
            return "home-net wants ASnnn (a whole number below 2^32)";
        c->home_asn = (uint32_t)d;
        return NULL;
    } else if (teq(t[0], "tool") && n == 4) {
        if (c->ntools >= CAMP_MAX_TOOLS)
            return "too many tools";
        camp_tool *tl = &c->tools[c->ntools];
        if (!tcopy(tl->role, sizeof tl->role, t[1]) || !tcopy(tl->name, sizeof tl->name, t[2]) ||
            !thex32(t[3]))
            return "tool wants ROLE FILE MD5";
        tcopy(tl->md5, sizeof tl->md5, t[3]);
        c->ntools++;
        return NULL;
    } else if (teq(t[0], "lookalike") && n >= 2) {
        for (size_t i = 1; i < n; i++)
            if (!list_add(t[i], c->lookalike_pat, &c->nlookalike, 48))
                return "too many or too long lookalike patterns";
        return NULL;
    } else if (teq(t[0], "sender-domains") && n >= 2) {
        for (size_t i = 1; i < n; i++) {
            if (c->nsender >= CAMP_MAX_LIST || !tcopy(c->sender_dom[c->nsender], 40, t[i]))
                return "too many or too long sender domains";
            c->nsender++;
        }
        return NULL;
    } else if (teq(t[0], "vpn-from") && n >= 2) {
        for (size_t i = 1; i < n; i++) {
            if (c->nvpn_cc >= CAMP_MAX_LIST || t[i].n != 2 || !tcopy(c->vpn_cc[c->nvpn_cc], 3, t[i]))
                return "vpn-from wants country codes";
            c->nvpn_cc++;
        }
        return NULL;
    } else if (teq(t[0], "ransom-ext") && n == 2) {
        return t[1].n > 1 && t[1].p[0] == '.' && tcopy(c->ransom_ext, sizeof c->ransom_ext, t[1])
                   ? NULL
                   : "ransom-ext wants .EXT (under 16 characters)";
    } else if (teq(t[0], "cloud") && n == 2) {
        return tcopy(c->cloud, sizeof c->cloud, t[1]) ? NULL : "cloud host too long";
    } else if (teq(t[0], "step")) {
        return parse_step(c, t, n);
    }
    return "unknown line";
}

tocsin_code sim_campaign_parse(sim_ctx *x, const char *buf, size_t len, const char *name, ts_diag_fn diag,
                               void *ud)
{
    sim_campaign *c = calloc(1, sizeof *c);
    if (!c) {
        ts_diag_say(diag, ud, name, 0, 0, TOCSIN_E_NOMEM, "out of memory");
        return TOCSIN_E_NOMEM;
    }
    c->span = 90;
    c->hour0 = 0;
    c->hour1 = 24;
    snprintf(c->actor, sizeof c->actor, "none");
    const char *p = buf, *end = buf + len;
    for (unsigned line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        /* An about line is free text to its end ("Hacked By #GOP"); elsewhere '#' starts a comment. */
        int about = (size_t)(le - p) > 6 && memcmp(p, "about ", 6) == 0;
        const char *hash = about ? NULL : memchr(p, '#', (size_t)(le - p));
        const char *msg = parse_line(c, p, hash ? hash : le);
        if (msg) {
            ts_diag_say(diag, ud, name, line, 0, TOCSIN_E_PARSE, msg);
            free(c);
            return TOCSIN_E_PARSE;
        }
        p = nl ? nl + 1 : end;
    }
    if (!c->scenario[0]) {
        ts_diag_say(diag, ud, name, 0, 0, TOCSIN_E_PARSE, "no \"scenario\" line");
        free(c);
        return TOCSIN_E_PARSE;
    }
    x->camp = c;
    return TOCSIN_OK;
}

tocsin_code sim_campaign_load(sim_ctx *x, const char *path, ts_diag_fn diag, void *ud)
{
    char *b;
    size_t n;
    tocsin_code rc = sim_read_file(path, 1 << 20, &b, &n, diag, ud);
    if (rc != TOCSIN_OK)
        return rc;
    rc = sim_campaign_parse(x, b, n, path, diag, ud);
    free(b);
    return rc;
}

void sim_campaign_free(sim_ctx *x)
{
    free(x->camp);
    x->camp = NULL;
}
