/* analyst_input.c: reads the evidence an analyst types or pipes into `tocsin attribute`. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "attribute/attribute.h"
#include "attribute/evbuf.h"
#include "attribute/sharing.h"

#define LINE_MAX_BYTES 4096
#define MAX_HITS 16

typedef struct reader {
    const ts_intel *ti;
    const ts_share_table *share; /* classes of shared infrastructure, or NULL */
    ts_evbuf ev;
    const char *name; /* the input's name in diagnostics, or NULL */
    ts_diag_fn diag;
    void *ud;
    uint64_t line;
} reader;

static void say(reader *r, const char *msg)
{
    ts_diag_say(r->diag, r->ud, r->name, r->line, 0, TOCSIN_E_PARSE, msg);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Trims s in place; returns the new start. */
static char *trim(char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n && is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Cuts a comment: "#" at the start or after white space (a URL's "#fragment" stays). */
static void cut_comment(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '#' && (p == s || is_space(p[-1]))) {
            *p = '\0';
            return;
        }
}

/* "T1566" or "T1566.001" (case-insensitive). */
static bool is_technique_id(const char *s)
{
    if ((s[0] != 'T' && s[0] != 't'))
        return false;
    for (int i = 1; i <= 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    if (s[5] == '\0')
        return true;
    return s[5] == '.' && s[6] >= '0' && s[6] <= '9' && s[7] >= '0' && s[7] <= '9' && s[8] >= '0' &&
           s[8] <= '9' && s[9] == '\0';
}

static void add_technique(reader *r, const char *tid)
{
    char up[16];
    size_t n = strlen(tid);
    if (n >= sizeof up) {
        say(r, "not an ATT&CK technique id");
        return;
    }
    for (size_t i = 0; i <= n; i++)
        up[i] = tid[i] == 't' ? 'T' : tid[i];
    ts_attr_evidence e = {.kind = TS_AE_TECHNIQUE,
                          .technique = ts_intel_technique_find(r->ti, up),
                          .confidence = 100,
                          .alert = SIZE_MAX};
    ts_evbuf_add(&r->ev, &e, "%s", up);
}

/* Adds every catalogued software called name; false when there is none. */
static bool add_software(reader *r, const char *name)
{
    uint32_t ids[8];
    size_t n = ts_intel_software_resolve(r->ti, name, ids, 8);
    for (size_t i = 0; i < n && i < 8; i++) {
        ts_attr_evidence e = {
            .kind = TS_AE_SOFTWARE, .software = ids[i], .confidence = 100, .alert = SIZE_MAX};
        ts_evbuf_add(&r->ev, &e, "%s", name);
    }
    return n > 0;
}

static void add_actor(reader *r, const char *name)
{
    ts_attr_evidence e = {.kind = TS_AE_ACTOR_CLAIM, .confidence = 60, .alert = SIZE_MAX};
    size_t n = ts_intel_actor_resolve(r->ti, name, e.actors, TS_ATTR_MAX_NAMED);
    if (!n) {
        say(r, "no catalogued actor has that name or alias");
        return;
    }
    e.n_actors = n < TS_ATTR_MAX_NAMED ? n : TS_ATTR_MAX_NAMED;
    ts_evbuf_add(&r->ev, &e, "\"%s\" (named by the analyst)", name);
}

/* Looks an indicator up and adds each hit; a value no feed knows is kept (it names no actor). */
static void add_indicator(reader *r, ts_ioc_type type, const char *value)
{
    ts_ioc_hit hits[MAX_HITS];
    size_t n;
    if (type == TS_IOC_IP) {
        ts_ip ip;
        uint8_t prefix;
        if (!ts_ip_parse(ts_str_c(value), &ip) && !ts_cidr_parse(ts_str_c(value), &ip, &prefix)) {
            say(r, "not an IP address");
            return;
        }
        n = ts_intel_match_ip(r->ti, &ip, hits, MAX_HITS);
    } else {
        n = ts_intel_match(r->ti, type, ts_str_c(value), hits, MAX_HITS);
    }
    const char *allow = NULL;
    bool allowed = false;
    for (size_t i = 0; i < n; i++)
        if (hits[i].meta->flags & TS_IOC_ALLOW) {
            allowed = true;
            allow = ts_intel_string_get(r->ti, hits[i].meta->note);
        }
    const char *tn = ts_ioc_type_name(type);
    size_t added = 0;
    for (size_t i = 0; i < n; i++) {
        const ts_ioc_meta *m = hits[i].meta;
        if (m->flags & TS_IOC_ALLOW)
            continue;
        const char *src = ts_intel_source_name(r->ti, m->source);
        ts_attr_evidence e = {.kind = TS_AE_INDICATOR,
                              .actorset = m->actors,
                              .confidence = m->confidence,
                              .shared = (m->flags & TS_IOC_SHARED) != 0,
                              .suppressed = allowed,
                              .alert = SIZE_MAX,
                              .cheap = ts_attr_ioc_cheap(type)};
        /* a warninglist of a known sharing class (or a dynamic DNS domain) weighs by its class */
        const ts_share_class *sc = ts_share_classify(r->share, allowed ? (allow ? allow : "") : NULL, value);
        if (sc) {
            e.share_class = sc->name;
            e.share_why = sc->why;
            e.share_factor = sc->factor;
            e.suppressed = 0;
        }
        if (m->actors) /* one source's indicators for the same actors: one judgement */
            e.cluster = (uint64_t)m->source << 32 | m->actors;
        ts_evbuf_add(&r->ev, &e, "%s %s in %s%s%s%s", tn, value, src ? src : "an unnamed feed",
                     allowed ? " [warninglist: " : "", allowed ? (allow ? allow : "listed") : "",
                     allowed ? "]" : "");
        added++;
    }
    if (!added) {
        ts_attr_evidence e = {
            .kind = TS_AE_INDICATOR, .confidence = 100, .suppressed = allowed, .alert = SIZE_MAX};
        ts_evbuf_add(&r->ev, &e, "%s %s (%s)", tn, value,
                     allowed ? "warninglisted only" : "no match in the loaded intelligence");
    }
}

/* "KP" or "kp [inbound|outbound]" */
static void add_country(reader *r, char *rest)
{
    char *dir = rest;
    while (*dir && !is_space(*dir))
        dir++;
    bool outbound = false;
    if (*dir) {
        *dir++ = '\0';
        dir = trim(dir);
        if (strcasecmp(dir, "outbound") == 0)
            outbound = true;
        else if (strcasecmp(dir, "inbound") != 0) {
            say(r, "country: expected \"inbound\" or \"outbound\" after the country code");
            return;
        }
    }
    bool letters = strlen(rest) == 2;
    for (int i = 0; letters && i < 2; i++)
        letters = (rest[i] | 0x20) >= 'a' && (rest[i] | 0x20) <= 'z';
    if (!letters) {
        say(r, "country: expected a two-letter ISO 3166 code such as KP");
        return;
    }
    ts_attr_evidence e = {
        .kind = TS_AE_HOME_NETWORK, .confidence = 100, .inbound = !outbound, .alert = SIZE_MAX};
    e.country[0] = (char)(rest[0] & ~0x20);
    e.country[1] = (char)(rest[1] & ~0x20);
    ts_evbuf_add(&r->ev, &e, "%s %s (as stated by the analyst)", outbound ? "outbound to" : "inbound from",
                 e.country);
}

/* "131279", "AS131279", optionally followed by its country. */
static void add_asn(reader *r, char *rest)
{
    char *cc = rest;
    while (*cc && !is_space(*cc))
        cc++;
    if (*cc) {
        *cc++ = '\0';
        cc = trim(cc);
    }
    const char *num = rest;
    if ((num[0] | 0x20) == 'a' && (num[1] | 0x20) == 's')
        num += 2;
    uint64_t asn;
    if (!ts_parse_u64(ts_str_c(num), &asn) || asn == 0 || asn > UINT32_MAX) {
        say(r, "asn: expected an AS number such as 131279 or AS131279");
        return;
    }
    char as[24];
    snprintf(as, sizeof as, "AS%u", (unsigned)asn);
    ts_ioc_hit hits[MAX_HITS];
    if (ts_intel_match(r->ti, TS_IOC_ASN, ts_str_c(as), hits, MAX_HITS))
        add_indicator(r, TS_IOC_ASN, as);
    if (*cc && strlen(cc) != 2) {
        say(r, "asn: expected a two-letter country code after the number");
        return;
    }
    ts_attr_evidence e = {
        .kind = TS_AE_HOME_NETWORK, .asn = (uint32_t)asn, .confidence = 100, .inbound = 1, .alert = SIZE_MAX};
    if (*cc) {
        e.country[0] = (char)(cc[0] & ~0x20);
        e.country[1] = (char)(cc[1] & ~0x20);
    }
    ts_evbuf_add(&r->ev, &e, "inbound from %s%s%s", as, *cc ? " in " : "", e.country);
}

/* Splits "keyword rest"; the keyword is lower-cased into kw. */
static char *split_keyword(char *s, char *kw, size_t cap)
{
    size_t n = 0;
    while (s[n] && !is_space(s[n]))
        n++;
    if (n >= cap || !s[n]) {
        kw[0] = '\0';
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        kw[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    kw[n] = '\0';
    return trim(s + n);
}

static bool keyword_line(reader *r, const char *kw, char *rest)
{
    ts_ioc_type t;
    if (!strcmp(kw, "technique") || !strcmp(kw, "ttp")) {
        if (is_technique_id(rest))
            add_technique(r, rest);
        else
            say(r, "technique: expected an ATT&CK id such as T1566.001");
    } else if (!strcmp(kw, "software") || !strcmp(kw, "tool") || !strcmp(kw, "malware")) {
        if (!add_software(r, rest))
            say(r, "no catalogued software has that name or alias");
    } else if (!strcmp(kw, "actor") || !strcmp(kw, "claim")) {
        add_actor(r, rest);
    } else if (!strcmp(kw, "country")) {
        add_country(r, rest);
    } else if (!strcmp(kw, "asn")) {
        add_asn(r, rest);
    } else if (!strcmp(kw, "insider")) {
        ts_attr_evidence e = {.kind = TS_AE_INSIDER, .confidence = 100, .alert = SIZE_MAX};
        ts_evbuf_add(&r->ev, &e, "analyst: %s", rest);
    } else if (!strcmp(kw, "hash") || !strcmp(kw, "ioc") || !strcmp(kw, "indicator")) {
        t = ts_ioc_type_guess(ts_str_c(rest));
        if (t == TS_IOC_NONE)
            say(r, "indicator: the value's type is not recognisable");
        else
            add_indicator(r, t, rest);
    } else if ((t = ts_ioc_type_parse(kw)) != TS_IOC_NONE) {
        add_indicator(r, t, rest);
    } else {
        return false;
    }
    return true;
}

static void one_line(reader *r, char *s)
{
    cut_comment(s);
    s = trim(s);
    if (!*s)
        return;
    if (!strcasecmp(s, "insider")) {
        ts_attr_evidence e = {.kind = TS_AE_INSIDER, .confidence = 100, .alert = SIZE_MAX};
        ts_evbuf_add(&r->ev, &e, "analyst: internal activity by valid accounts");
        return;
    }
    char kw[16];
    char *rest = split_keyword(s, kw, sizeof kw);
    if (rest && *rest && keyword_line(r, kw, rest))
        return;
    if (is_technique_id(s)) {
        add_technique(r, s);
        return;
    }
    if (add_software(r, s))
        return;
    ts_ioc_type t = ts_ioc_type_guess(ts_str_c(s));
    if (t != TS_IOC_NONE && !rest) { /* a bare value is one word */
        add_indicator(r, t, s);
        return;
    }
    say(r, "not understood: expected a technique id, software, an indicator, or a line starting with "
           "software, actor, country, asn, ip, domain, url, email, md5, sha1, sha256");
}

/* Reads one line (without its newline) into buf; false at the end of input. *status is
 * 0, or 1 when the line was longer than buf (the rest is consumed), or 2 when it held a
 * NUL byte (not text). */
static bool read_line(FILE *in, char *buf, size_t cap, int *status)
{
    size_t n = 0;
    int c;
    *status = 0;
    while ((c = getc(in)) != EOF && c != '\n') {
        if (c == '\0')
            *status = 2;
        else if (n + 1 < cap)
            buf[n++] = (char)c;
        else if (!*status)
            *status = 1;
    }
    buf[n] = '\0';
    return c != EOF || n > 0 || *status;
}

tocsin_code ts_attribute_read(const ts_intel *ti, FILE *in, const char *name, ts_attribution **out,
                              ts_diag_fn diag, void *ud)
{
    return ts_attribute_read_with(ti, NULL, in, name, out, diag, ud);
}

tocsin_code ts_attribute_read_with(const ts_intel *ti, const ts_share_table *share, FILE *in,
                                   const char *name, ts_attribution **out, ts_diag_fn diag, void *ud)
{
    if (!out)
        return TOCSIN_E_ARG;
    *out = NULL;
    if (!ti || !in)
        return TOCSIN_E_ARG;
    reader r = {.ti = ti, .share = share, .name = name, .diag = diag, .ud = ud};
    char buf[LINE_MAX_BYTES];
    int status;
    while (read_line(in, buf, sizeof buf, &status)) {
        r.line++;
        if (status == 1)
            say(&r, "line too long, skipped");
        else if (status == 2)
            say(&r, "line holds a NUL byte, skipped");
        else
            one_line(&r, buf);
    }
    tocsin_code rc = ferror(in) ? TOCSIN_E_IO : TOCSIN_OK;
    if (rc == TOCSIN_OK && r.ev.nomem)
        rc = TOCSIN_E_NOMEM;
    if (rc == TOCSIN_OK) {
        *out = ts_attribute(ti, r.ev.v, r.ev.n);
        if (!*out)
            rc = TOCSIN_E_NOMEM;
    }
    ts_evbuf_free(&r.ev);
    return rc;
}
