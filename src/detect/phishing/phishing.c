/* phishing.c: detector "phishing": spear-phishing mail and the click that follows it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config.h"
#include "core/saved.h"
#include "detect/alert_util.h"
#include "detect/detect.h"
#include "detect/phishing/phish_state.h"

/*
 * Rationale. Spear-phishing opened the Sony Pictures intrusion (2014) and most others: a
 * message made to look as if it came from a colleague, a partner or the IT department,
 * with a link to a look-alike site or a document that runs code. No single trait proves
 * it, so each message is scored on stated reasons and flagged when the score reaches
 * `alert_score`; the alert lists every reason with its weight. Reasons are of three kinds
 * (phish_state.h): deceptions count in full, lure wording up to `lure_cap`, traits of mass
 * mail up to `trait_cap` (a third of it for mailing-list mail: List-Id, List-Post,
 * Precedence: list), and
 * deceptions plus lure wording must reach `min_substance`: newsletters carry every trait of
 * mass mail and no deception. Deceptions (weights in brackets):
 *   - the sender's, Reply-To's or a link's domain imitates one of the organisation's or
 *     its partners' domains: Damerau-Levenshtein <= 2 on the registrable name (<= 1 for
 *     names of 5 letters or fewer), homoglyphs and IDN confusables (punycode decoded,
 *     Cyrillic/Greek/accented look-alikes, rn->m, vv->w, 0->o, 1->l), the name with added
 *     words set apart ("example-security.com"), or the same name under another suffix
 *     [60, 50, 55]; or a brand's domain (data/phishing/brands.txt): homoglyphs, one edit
 *     from a name of 6 letters or more, added words set apart or with the brand named in
 *     the display name [50];
 *   - a brand named by a stranger: in the display name or a From that does not parse
 *     [35], set apart in the sender's address ("sec-ledger.pt") [35]; a brand's own domain
 *     in From that fails DMARC, compauth or SPF, or sits in a From that does not parse [45];
 *   - a From header that does not parse [30] (its raw text still names the address), a
 *     sender without a real domain ("@correios") [35], no sender at all [25];
 *   - mail claiming our own domain that fails DMARC or SPF [60]; the display name of a
 *     colleague on an outside address [55] (a trait on mailing lists); a display name
 *     showing a brand's or our address [40];
 *   - SPF/DKIM/DMARC failures in Authentication-Results (DMARC fail 45, SPF fail 35, DKIM
 *     fail 20: lists and forwarders break body hashes, softfail 25, errors 10), compauth
 *     fail [35], and an unproven From: checked mail with no DKIM signature of the From
 *     domain and the envelope elsewhere [25];
 *   - links whose text shows a brand's domain and whose target is another [50], links to
 *     an address literal [25], to look-alikes [55, 50], to free hosting [20] or online
 *     forms [30], link domains in threat intelligence [70];
 *   - risky attachments: executables, scripts, shortcuts, disk images, HTML applications,
 *     .mobileconfig profiles, macro documents (by name or an embedded VBA project) [50],
 *     archives holding them [55], HTML pages [35], PDFs with forms or JavaScript [30],
 *     encrypted archives [30], the password for an attachment given in the body [35],
 *     attachment hashes in threat intelligence [80];
 *   - the body (phish_body.c): a form asking for a password [50], invisible characters
 *     inside words [30], a number to call back in callback wording [25], money offered
 *     from a private mailbox or to hidden recipients [20], company mail answered at a
 *     free-mail box [25], styled Unicode letters [25], sent from free hosting [25].
 * Lure wording: the categories of data/phishing/phrases/LANG.txt found in subject and body
 * (credential 25, account 25, money 25, prize 20, delivery 15, crypto 15, payment 10,
 * callback 10, urgency 10). Traits: free-mail senders, envelope elsewhere, replies
 * elsewhere, no authentication, hidden recipients, random tokens (not VERP addresses),
 * tracking redirects and the recipient's address in links, link text showing another
 * domain through a non-tracker, new link domains, every link leading away, search forms,
 * links to file sharing (SharePoint, OneDrive, Dropbox: abused, and ordinary at work).
 * The organisation's domains are configured (`org_domains`) and learned: the most common
 * recipient domain, and domains whose mail comes only from internal addresses. Partners
 * are configured (`partner_domains`). Staff display names and the link domains seen are
 * learned and kept between runs (save/load).
 *
 * The click: every link host of a flagged message is watched for `click_window` after
 * delivery. A DNS query, HTTP request, TLS SNI or proxy request for that host from a
 * recipient's host raises a second alert (T1204.001) naming recipient, host and URL. The
 * clicker is the event's account, else the owner of its address or host name as learned
 * from logons; a click by someone known to be another person raises nothing, one from an
 * unattributed host is reported at the end with lower severity. Accesses are remembered
 * in a bounded cache too, so a proxy log read before the mailbox still links up.
 *
 * ATT&CK: T1566.001 (attachment), T1566.002 (link), T1598 (phishing for information:
 * neither link nor attachment), T1204.001 (user execution: malicious link, the click).
 *
 * Tunables ([phishing] in data/detect.conf): org_domains, partner_domains, brands (extra
 * brand words for display names), lists (the list directory, default data/phishing),
 * alert_score (40), min_substance (30), trait_cap (30), lure_cap (35), click_window
 * (72h), learn_rcpt (5: recipient addresses before the most common recipient domain
 * counts as ours). Registrable domains come from the Public Suffix List (libpsl).
 *
 * Bounds: 64k link domains, 8k staff names, 8k account-host pairs, 1024 watched links
 * (oldest evicted), an 8k-slot access cache, 256 unattributed clicks.
 */

/* ---------------------------------------------------------------- small sets */

static bool hset_init(hset *s, size_t cap)
{
    s->v = calloc(cap, sizeof *s->v);
    s->cap = cap;
    s->n = 0;
    return s->v != NULL;
}

bool hset_has(const hset *s, uint64_t h)
{
    h = h ? h : 1;
    for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->v[i] == h)
            return true;
        if (!s->v[i])
            return false;
    }
}

/* Adds h; false when the set is full (it then stops learning). */
bool hset_add(hset *s, uint64_t h)
{
    h = h ? h : 1;
    if (s->n >= s->cap / 4 * 3) {
        s->refused += !hset_has(s, h);
        return false;
    }
    for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->v[i] == h)
            return true;
        if (!s->v[i]) {
            s->v[i] = h;
            s->n++;
            return true;
        }
    }
}

bool dom_in(const dom_list *l, ts_str reg)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == reg.n && strncasecmp(l->v[i], reg.p, reg.n) == 0)
            return true;
    return false;
}

void dom_add(dom_list *l, ts_str d)
{
    char reg[PHISH_NAME_MAX];
    size_t n = phish_registrable(d, reg);
    if (!n || n >= sizeof l->v[0] || l->n == MAX_DOMAINS || dom_in(l, ts_str_make(reg, n)))
        return;
    memcpy(l->v[l->n++], reg, n + 1);
}

/* Calls add for each comma- or space-separated item of a configured list. */
static void each_item(const char *s, void (*add)(phish_state *, ts_str), phish_state *st)
{
    while (s && *s) {
        size_t n = strcspn(s, ", \t");
        if (n)
            add(st, ts_str_make(s, n));
        s += n;
        s += strspn(s, ", \t");
    }
}

static void add_org(phish_state *st, ts_str d)
{
    dom_add(&st->org_conf, d);
}
static void add_partner(phish_state *st, ts_str d)
{
    dom_add(&st->partners, d);
}
static void add_brand(phish_state *st, ts_str b)
{
    if (st->n_brands < MAX_BRANDS && b.n >= 4 && b.n < sizeof st->brands[0])
        ts_lower(b, st->brands[st->n_brands++], sizeof st->brands[0]);
}

/* ---------------------------------------------------------------- names */

/* "CORP\\alice", "alice@corp.example" and "Alice" are the same account. */
uint64_t phish_user_hash(ts_str u)
{
    const char *bs = phish_rchr(u, '\\');
    if (bs)
        u = ts_str_make(bs + 1, (size_t)(u.p + u.n - bs - 1));
    const char *at = phish_chr(u, '@');
    if (at)
        u.n = (size_t)(at - u.p);
    u = ts_str_trim(u);
    /* Machine accounts and the system act for nobody in particular. */
    if (!u.n || u.p[u.n - 1] == '$' || ts_str_ieq(u, "SYSTEM") || ts_str_ieq(u, "-"))
        return 0;
    return phish_hash(u);
}

/* A display name reduced to lower-case letters and single spaces; 0 when too short to
 * tell a person ("IT", "Admin"). */
uint64_t phish_name_hash(ts_str name)
{
    char buf[128];
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < name.n && o < sizeof buf - 1; i++) {
        char c = name.p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (unsigned char)c >= 0x80) {
            if (space && o)
                buf[o++] = ' ';
            space = false;
            buf[o++] = c;
        } else {
            space = true;
        }
    }
    if (o < 5 || !memchr(buf, ' ', o))
        return 0;
    return phish_hash(ts_str_make(buf, o));
}

ts_str phish_addr_domain(ts_str a)
{
    const char *at = phish_rchr(a, '@');
    return at ? ts_str_make(at + 1, (size_t)(a.p + a.n - at - 1)) : TS_STR_NULL;
}

/* The host of a URL ("https://u@Host:443/x" -> "Host"; "www.x.com/y" -> "www.x.com"). */
ts_str phish_url_host(ts_str url)
{
    if (!url.n)
        return TS_STR_NULL;
    const char *p = url.p, *end = url.p + url.n;
    const char *s = memmem(p, url.n, "//", 2);
    if (s)
        p = s + 2;
    const char *h = p;
    while (p < end && *p != '/' && *p != '?' && *p != '#' && *p != '\\') {
        if (*p == '@')
            h = p + 1;
        p++;
    }
    const char *e = h;
    if (e < p && *e == '[') {
        const char *close = memchr(e, ']', (size_t)(p - e));
        return close ? ts_str_make(e + 1, (size_t)(close - e - 1)) : TS_STR_NULL;
    }
    while (e < p && *e != ':')
        e++;
    return ts_str_make(h, (size_t)(e - h));
}

uint64_t phish_machine_hash(ts_str host)
{
    const char *dot = phish_chr(host, '.');
    ts_ip ip;
    if (ts_ip_parse(host, &ip)) /* an address is not a name */
        return 0;
    return phish_host_hash(dot ? ts_str_make(host.p, (size_t)(dot - host.p)) : host);
}

uint64_t phish_host_hash(ts_str host)
{
    while (host.n && host.p[host.n - 1] == '.')
        host.n--;
    return host.n ? phish_hash(host) : 0;
}

/* ---------------------------------------------------------------- init and state */

/* Tunables: the [phishing] section of data/detect.conf. */
typedef struct phish_settings {
    double alert_score, trait_cap, lure_cap, min_substance, click_window, learn_rcpt;
    const char *org_domains, *partner_domains, *brands, *lists;
} phish_settings;

static const ts_tunable phish_tunables[] = {
    TS_TUNE_STR(phish_settings, org_domains, NULL),
    TS_TUNE_STR(phish_settings, partner_domains, NULL),
    TS_TUNE_STR(phish_settings, brands, NULL),
    TS_TUNE_STR(phish_settings, lists, NULL),
    TS_TUNE(phish_settings, alert_score, TS_TUNE_NUM, 40, 1, 1000),
    TS_TUNE(phish_settings, trait_cap, TS_TUNE_COUNT, 30, 0, 100),
    TS_TUNE(phish_settings, lure_cap, TS_TUNE_COUNT, 35, 0, 100),
    TS_TUNE(phish_settings, min_substance, TS_TUNE_COUNT, 30, 0, 100),
    TS_TUNE(phish_settings, click_window, TS_TUNE_SECONDS, 3 * 86400, 1, 365 * 86400.0),
    TS_TUNE(phish_settings, learn_rcpt, TS_TUNE_COUNT, 5, 1, 1e6),
    {0},
};

static tocsin_code phish_init(void *state, const ts_detect_ctx *ctx)
{
    phish_state *st = state;
    st->intel = ctx->intel;
    const ts_config *c = ctx->config;
    phish_settings tune;
    if (!ts_tune_read(c, "phishing", phish_tunables, &tune))
        return TOCSIN_E_ARG;
    each_item(tune.org_domains, add_org, st);
    each_item(tune.partner_domains, add_partner, st);
    each_item(tune.brands, add_brand, st);
    char dir[4096];
    const char *lists = tune.lists;
    if (lists && *lists)
        snprintf(dir, sizeof dir, "%s", lists);
    else
        snprintf(dir, sizeof dir, "%s/phishing", ctx->data_dir ? ctx->data_dir : TOCSIN_DATA_DIR);
    st->lists = phish_lists_load(dir, ctx->diag, ctx->diag_ud);
    if (!st->lists)
        return TOCSIN_E_NOMEM;
    st->alert_score = tune.alert_score;
    st->trait_cap = (int)tune.trait_cap;
    st->lure_cap = (int)tune.lure_cap;
    st->min_substance = (int)tune.min_substance;
    st->window_ns = (int64_t)(tune.click_window * NS);
    double lr = tune.learn_rcpt;
    st->learn_rcpt = lr < 1 ? 1 : (uint32_t)lr;
    if (st->alert_score <= 0 || st->window_ns <= 0 || st->trait_cap < 0 || st->lure_cap < 0)
        return TOCSIN_E_ARG;
    st->users = calloc(USERS_CAP, sizeof *st->users);
    st->acc = calloc(ACCESS_SLOTS, sizeof *st->acc);
    if (!st->users || !st->acc || !hset_init(&st->seen, SEEN_CAP) || !hset_init(&st->staff, STAFF_CAP))
        return TOCSIN_E_NOMEM;
    return TOCSIN_OK;
}

void pending_free(pending *p)
{
    free(p->rcpt0);
    free(p->url);
    free(p->sender);
    free(p->reasons);
    free(p->file);
    memset(p, 0, sizeof *p);
}

static void phish_fini(void *state)
{
    phish_state *st = state;
    for (size_t i = 0; i < PENDING_CAP; i++)
        pending_free(&st->pend[i]);
    for (size_t i = 0; i < st->n_cands; i++)
        pending_free(&st->cands[i].p);
    phish_lists_free(st->lists);
    free(st->users);
    free(st->acc); /* seen and staff went with the saved table */
}

/* Our domains now: configured, learned from internal senders, and the most common
 * recipient domain once enough recipients were seen. */
bool phish_is_org(const phish_state *st, ts_str reg)
{
    if (dom_in(&st->org_conf, reg) || dom_in(&st->inside, reg))
        return true;
    if (st->rcpt_total < st->learn_rcpt || !st->n_rdoms)
        return false;
    size_t best = 0;
    for (size_t i = 1; i < st->n_rdoms; i++)
        if (st->rdoms[i].count > st->rdoms[best].count)
            best = i;
    return strlen(st->rdoms[best].name) == reg.n && strncasecmp(st->rdoms[best].name, reg.p, reg.n) == 0;
}

/* Every organisation domain (configured, learned) into out; returns the count. */
size_t phish_org_list(const phish_state *st, const char **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < st->org_conf.n && n < cap; i++)
        out[n++] = st->org_conf.v[i];
    for (size_t i = 0; i < st->inside.n && n < cap; i++)
        out[n++] = st->inside.v[i];
    if (st->rcpt_total >= st->learn_rcpt && st->n_rdoms && n < cap) {
        size_t best = 0;
        for (size_t i = 1; i < st->n_rdoms; i++)
            if (st->rdoms[i].count > st->rdoms[best].count)
                best = i;
        bool dup = false;
        for (size_t i = 0; i < n; i++)
            dup |= strcmp(out[i], st->rdoms[best].name) == 0;
        if (!dup)
            out[n++] = st->rdoms[best].name;
    }
    return n;
}

void phish_learn_rcpt_domain(phish_state *st, ts_str addr)
{
    char reg[PHISH_NAME_MAX];
    size_t n = phish_registrable(phish_addr_domain(addr), reg);
    if (!n || n >= sizeof st->rdoms[0].name)
        return;
    st->rcpt_total++;
    for (size_t i = 0; i < st->n_rdoms; i++)
        if (strcmp(st->rdoms[i].name, reg) == 0) {
            st->rdoms[i].count++;
            return;
        }
    if (st->n_rdoms < RDOM_CAP) {
        memcpy(st->rdoms[st->n_rdoms].name, reg, n + 1);
        st->rdoms[st->n_rdoms++].count = 1;
    }
}

/* ---------------------------------------------------------------- events */

static void phish_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    phish_state *st = state;
    if (ev->category & TS_CAT_EMAIL) {
        /* The reader's per-link and per-attachment events repeat the message's content. */
        if ((ev->mail_from.n || ts_event_field(ev, "From.malformed").n || ts_str_eq(ev->action, "message")) &&
            !ts_str_eq(ev->action, "message-link") && !ts_str_eq(ev->action, "message-attachment"))
            phish_mail(st, ev, out);
        return;
    }
    if (ev->user.n)
        phish_learn_user(st, ev);
    if (ev->domain.n || ev->url.n)
        phish_access(st, ev, out);
}

static void phish_finish(void *state, const ts_alert_sink *out)
{
    phish_click_finish(state, out);
}

/* ---------------------------------------------------------------- save and load */

/* What it learns, kept between runs: link domains and staff names seen (hashes), the
 * recipients' domains with their counts, and the inside domains. */

static void set_put(ts_blob_w *b, const void *field)
{
    const hset *s = field;
    uint32_t n = (uint32_t)s->n;
    ts_blob_put(b, &n, 4);
    for (size_t i = 0; i < s->cap; i++)
        if (s->v[i])
            ts_blob_put(b, &s->v[i], 8);
}

static void set_get(ts_blob_r *r, void *field)
{
    uint32_t n;
    ts_blob_get(r, &n, 4);
    if (!r->fail && n > (r->n - r->off) / 8)
        ts_blob_fail(r, "more hashes than bytes left");
    for (uint32_t i = 0; i < n && !r->fail; i++) {
        uint64_t h = ts_blob_get_u64(r);
        if (!r->fail)
            hset_add(field, h); /* a full set stops learning, as it does in a run */
    }
}

static void set_clear(void *field)
{
    hset *s = field;
    memset(s->v, 0, s->cap * sizeof *s->v);
    s->n = 0;
}

static void set_fini(void *field)
{
    hset *s = field;
    free(s->v);
    s->v = NULL, s->n = s->cap = 0;
}

static const ts_saved_codec set_codec = {set_put, set_get, set_clear, set_fini};

/* The recipients' domains: their number, all recipients counted, then each name and count. */
static void rdoms_put(ts_blob_w *b, const void *field)
{
    const phish_state *st = field;
    uint32_t k = (uint32_t)st->n_rdoms;
    ts_blob_put(b, &k, 4);
    ts_blob_put(b, &st->rcpt_total, 8);
    for (size_t i = 0; i < st->n_rdoms; i++) {
        ts_blob_put(b, st->rdoms[i].name, sizeof st->rdoms[i].name);
        ts_blob_put(b, &st->rdoms[i].count, 4);
    }
}

static void rdoms_get(ts_blob_r *r, void *field)
{
    phish_state *st = field;
    uint32_t k;
    ts_blob_get(r, &k, 4);
    ts_blob_get(r, &st->rcpt_total, 8);
    for (uint32_t i = 0; i < k && !r->fail; i++) {
        rdom d;
        ts_blob_get(r, d.name, sizeof d.name);
        ts_blob_get(r, &d.count, 4);
        d.name[sizeof d.name - 1] = 0;
        if (!r->fail && st->n_rdoms < RDOM_CAP)
            st->rdoms[st->n_rdoms++] = d;
    }
}

static void rdoms_clear(void *field)
{
    phish_state *st = field;
    st->n_rdoms = 0;
    st->rcpt_total = 0;
}

static const ts_saved_codec rdoms_codec = {rdoms_put, rdoms_get, rdoms_clear};

static void doms_put(ts_blob_w *b, const void *field)
{
    const dom_list *l = field;
    uint32_t k = (uint32_t)l->n;
    ts_blob_put(b, &k, 4);
    for (size_t i = 0; i < l->n; i++)
        ts_blob_put(b, l->v[i], sizeof l->v[0]);
}

static void doms_get(ts_blob_r *r, void *field)
{
    dom_list *l = field;
    uint32_t k;
    ts_blob_get(r, &k, 4);
    for (uint32_t i = 0; i < k && !r->fail; i++) {
        char d[sizeof l->v[0]];
        ts_blob_get(r, d, sizeof d);
        d[sizeof d - 1] = 0;
        if (!r->fail)
            dom_add(l, ts_str_c(d));
    }
}

static void doms_clear(void *field)
{
    ((dom_list *)field)->n = 0;
}

static const ts_saved_codec doms_codec = {doms_put, doms_get, doms_clear};

static const ts_saved_field phish_saved_fields[] = {
    TS_SAVED_WITH(phish_state, seen, set_codec, 0),    TS_SAVED_WITH(phish_state, staff, set_codec, 0),
    {"rdoms", 0, TS_SAVED_NESTED, 0, &rdoms_codec, 0}, /* with rcpt_total: the whole state's */
    TS_SAVED_WITH(phish_state, inside, doms_codec, 0), {0},
};
/* "PHS1" (the first 4 bytes) on the little-endian machines the store keeps it on. */
static const ts_saved phish_saved = {"phishing", 0x31534850u, phish_saved_fields, 4};

/* Fixed tables, allocated whole at the start: they stop learning when full (the refusals
 * are counted); the access cache overwrites its oldest entries. */
static size_t phish_usage(void *state, ts_state_use *out, size_t n)
{
    const phish_state *st = state;
    size_t ub = USERS_CAP * sizeof *st->users + ACCESS_SLOTS * sizeof *st->acc;
    ts_state_use u[] = {
        {"accounts and their hosts", st->n_users, USERS_CAP / 4 * 3, st->users_refused, ub, ub, true},
        {"link domains", st->seen.n, st->seen.cap / 4 * 3, st->seen.refused, st->seen.cap * 8,
         st->seen.cap * 8, true},
        {"staff names", st->staff.n, st->staff.cap / 4 * 3, st->staff.refused, st->staff.cap * 8,
         st->staff.cap * 8, true},
    };
    for (size_t i = 0; i < 3 && i < n; i++)
        out[i] = u[i];
    return 3;
}

const ts_detector ts_detector_phishing = {
    .name = "phishing",
    .tunables = phish_tunables,
    .summary =
        "spear-phishing mail (look-alike senders, spoofed names, failed authentication, deceptive links, "
        "risky attachments) and the clicks that follow",
    .state_size = sizeof(phish_state),
    .init = phish_init,
    .event = phish_event,
    .finish = phish_finish,
    .fini = phish_fini,
    .saved = &phish_saved,
    .usage = phish_usage,
};
