/* mail_parse.c: one RFC 5322 message (parsed by GMime 3) to the events of the mail readers. */
#include <gmime/gmime.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ingest/mail/mail_int.h"

/*
 * Per message one "email.message" event carries everything a phishing detector weighs,
 * in typed fields (sender, recipients, subject, message id, date, first external hop as
 * source.ip, the first link as url/domain, the first risky attachment's hashes) and in raw
 * fields:
 *   From, From.name, From.raw + From.malformed (a From GMime cannot parse; From is then
 *   the address its raw text names), rcpt (every To/Cc address), Reply-To, Return-Path,
 *   Sender, list.id / list.unsubscribe / list.post / Precedence (mailing lists),
 *   auth.spf / auth.dkim / auth.dmarc / auth.compauth / auth.arc (the first result of each
 *   in Authentication-Results), auth.dkim.pass (each passing signature's domain, topmost
 *   header only), auth.dmarc.from, received.ip, X-Mailer,
 *   body.text (the text of the plain and HTML parts, decoded, at most 64 KiB), body.form
 *   (each HTML form's action) + body.password_input,
 *   link.url + link.text (pairs, in body order; the text is "" for plain-text links),
 *   attach.name, attach.type, attach.size, attach.kind, attach.md5/sha1/sha256 (one group
 *   per attachment, in that order), attach.member + attach.member.kind (zip contents),
 *   attach.macro ("vba"), attach.pdf ("links", "form", "javascript", "launch"),
 *   attach.encrypted (a zip member, or a RAR or 7-Zip archive, is encrypted), link.dropped / attach.dropped
 * (counts beyond the caps). A PDF's /URI links join the message's links. Decision (documented in mail_int.h):
 * one further event per link ("email.link", url and domain) and per attachment ("email.attachment", hashes
 * and name) beyond the ones the message event types, so the intel detector, which reads typed fields only,
 * checks every URL and every hash. They carry the message id, subject and time but no addresses, so sender
 * and recipients are matched once per message.
 */

/* The body text kept per message for the phishing detector's lure wording: the part
 * where a lure is written, without holding a huge newsletter. */
#define BODY_MAX (64u << 10)

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;
static void gmime_start(void)
{
    g_mime_init();
}

/* One attachment as recorded. */
typedef struct attach {
    ts_str name, md5, sha1, sha256;
    bool risky;
} attach;

typedef struct msg_ctx {
    rd_ctx *c;
    mail_link links[MAIL_MAX_LINKS];
    size_t n_links, dropped_links;
    attach att[MAIL_MAX_ATTACH];
    size_t n_att, dropped_att;
    unsigned seen_auth; /* a bit per method of auth_results */
    bool dkim_done;
    const char *from_raw;  /* the From header's (decoded) text, owned by GMime */
    const char *reply_raw; /* the Reply-To header's */
    char *body;            /* the body's text, plain and HTML, for lure wording */
    size_t body_n;
    unsigned forms;
    GHashTable *depth; /* part -> its multipart level, to bound how deep parts are read */
    bool too_deep;
} msg_ctx;

static ts_arena *arena(msg_ctx *m)
{
    return &m->c->s->arena;
}

static ts_str keep(msg_ctx *m, const char *s)
{
    if (!s)
        return TS_STR_NULL;
    size_t n = strlen(s);
    char *p = ts_arena_strndup(arena(m), s, n);
    return p ? ts_str_make(p, n) : TS_STR_NULL;
}

static void field(msg_ctx *m, const char *key, ts_str v)
{
    if (v.n)
        rd_field(m->c, ts_str_c(key), v);
}

static ts_str fmt_num(msg_ctx *m, uint64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    char *p = ts_arena_strndup(arena(m), buf, (size_t)n);
    return p ? ts_str_make(p, (size_t)n) : TS_STR_NULL;
}

/* ---------------------------------------------------------------- headers */

/* The first mailbox of a list (descending into groups). */
static InternetAddressMailbox *first_mailbox(InternetAddressList *l)
{
    int n = l ? internet_address_list_length(l) : 0;
    for (int i = 0; i < n; i++) {
        InternetAddress *a = internet_address_list_get_address(l, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(a))
            return INTERNET_ADDRESS_MAILBOX(a);
        if (INTERNET_ADDRESS_IS_GROUP(a)) {
            InternetAddressMailbox *mb =
                first_mailbox(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)));
            if (mb)
                return mb;
        }
    }
    return NULL;
}

static void add_rcpts(msg_ctx *m, InternetAddressList *l, int depth)
{
    ts_event *ev = &m->c->s->ev;
    int n = l ? internet_address_list_length(l) : 0;
    for (int i = 0; i < n; i++) {
        InternetAddress *a = internet_address_list_get_address(l, i);
        if (INTERNET_ADDRESS_IS_GROUP(a) && depth < 2) {
            add_rcpts(m, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), depth + 1);
            continue;
        }
        if (!INTERNET_ADDRESS_IS_MAILBOX(a))
            continue;
        ts_str s = keep(m, internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)));
        if (!s.n)
            continue;
        if (ev->n_mail_to < TS_MAX_RCPT)
            ev->mail_to[ev->n_mail_to++] = s;
        field(m, "rcpt", s);
    }
}

static bool word_char(char c)
{
    return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9');
}

/* The value of "name=" inside one result r ("header.d=example.com"), lower case, in the
 * arena; empty when absent. */
static ts_str prop(msg_ctx *m, ts_str r, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl < r.n; i++) {
        if (strncasecmp(r.p + i, name, nl) != 0 || (i && (word_char(r.p[i - 1]) || r.p[i - 1] == '.')))
            continue;
        size_t s = i + nl, e = s;
        while (e < r.n && r.p[e] != ' ' && r.p[e] != '\t' && r.p[e] != ';' && r.p[e] != '(' &&
               r.p[e] != '\r' && r.p[e] != '\n')
            e++;
        ts_str v = ts_str_make(r.p + s, e - s);
        if (v.n && v.p[0] == '@') /* header.i=@example.com */
            v = ts_str_make(v.p + 1, v.n - 1);
        char low[256];
        size_t n = v.n ? ts_lower(v, low, sizeof low) : 0;
        char *k = n ? ts_arena_strndup(arena(m), low, n) : NULL;
        return k ? ts_str_make(k, n) : TS_STR_NULL;
    }
    return TS_STR_NULL;
}

/*
 * One Authentication-Results value: "spf=pass (...) smtp.mailfrom=x; dkim=pass header.d=y;
 * dmarc=fail header.from=z; compauth=fail reason=001; arc=pass". Each method's first
 * result counts (the topmost header is the one the receiving server added) and becomes
 * auth.spf / auth.dkim / auth.dmarc / auth.compauth / auth.arc; every DKIM signature that
 * passed names its domain in auth.dkim.pass (for alignment with From), DMARC's header.from
 * goes to auth.dmarc.from.
 */
static void auth_results(msg_ctx *m, const char *v)
{
    static const char *const methods[] = {"spf", "dkim", "dmarc", "compauth", "arc"};
    static const char *const keys[] = {"auth.spf", "auth.dkim", "auth.dmarc", "auth.compauth", "auth.arc"};
    ts_str all = ts_str_c(v);
    for (size_t i = 0; i < all.n;) {
        /* A result starts at "method=" at a word start. */
        size_t k;
        for (k = 0; k < 5; k++) {
            size_t ml = strlen(methods[k]);
            if (i + ml < all.n && strncasecmp(all.p + i, methods[k], ml) == 0 && all.p[i + ml] == '=' &&
                (i == 0 || !(word_char(all.p[i - 1]) || all.p[i - 1] == '.')))
                break;
        }
        if (k == 5) {
            i++;
            continue;
        }
        size_t s = i + strlen(methods[k]) + 1, e = s;
        while (e < all.n && word_char(all.p[e]))
            e++;
        /* The result's properties run to the next ';' (or the next method). */
        size_t end = e;
        while (end < all.n && all.p[end] != ';')
            end++;
        ts_str r = ts_str_make(all.p + e, end - e);
        char low[32];
        size_t n = e > s ? ts_lower(ts_str_make(all.p + s, e - s), low, sizeof low) : 0;
        char *res = n ? ts_arena_strndup(arena(m), low, n) : NULL;
        if (res) {
            ts_str rv = ts_str_make(res, n);
            if (!(m->seen_auth & (1u << k))) {
                field(m, keys[k], rv);
                m->seen_auth |= 1u << k;
                if (k == 2)
                    field(m, "auth.dmarc.from", prop(m, r, "header.from="));
            }
            if (k == 1 && ts_str_eq(rv, "pass") && !m->dkim_done) {
                ts_str d = prop(m, r, "header.d=");
                field(m, "auth.dkim.pass", d.n ? d : prop(m, r, "header.i="));
            }
        }
        i = e;
    }
    if (m->seen_auth & 2u)
        m->dkim_done = true; /* later headers are other servers' claims */
}

/* The address in "... (sender IP is 1.2.3.4)", "client-ip=1.2.3.4" or a Received hop's
 * "[1.2.3.4]" / "(1.2.3.4)". Returns false when none parses. */
static bool ip_after(const char *v, const char *marker, ts_ip *ip)
{
    const char *p = strcasestr(v, marker);
    if (!p)
        return false;
    p += strlen(marker);
    const char *e = p;
    while ((*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'f') || (*e >= 'A' && *e <= 'F') || *e == '.' ||
           *e == ':')
        e++;
    return e > p && ts_ip_parse(ts_str_make(p, (size_t)(e - p)), ip);
}

/* The sending host's address in one Received value ("from helo (name [ip]) by ..."). */
static bool received_ip(const char *v, ts_ip *ip)
{
    const char *by = strcasestr(v, " by ");
    size_t lim = by ? (size_t)(by - v) : strlen(v);
    for (size_t i = 0; i < lim; i++) {
        if (v[i] != '[' && v[i] != '(')
            continue;
        size_t j = i + 1;
        if (v[i] == '[' || (j + 5 < lim && strncasecmp(v + j, "IPv6:", 5) == 0))
            j += (j + 5 < lim && strncasecmp(v + j, "IPv6:", 5) == 0) ? 5 : 0;
        size_t e = j;
        while (e < lim && ((v[e] >= '0' && v[e] <= '9') || (v[e] >= 'a' && v[e] <= 'f') ||
                           (v[e] >= 'A' && v[e] <= 'F') || v[e] == '.' || v[e] == ':'))
            e++;
        if (e < lim && (v[e] == ']' || v[e] == ')') && e > j && ts_ip_parse(ts_str_make(v + j, e - j), ip))
            return true;
    }
    return false;
}

/* Return-Path, Sender, the mail program and the mailing-list headers (the signs of
 * legitimate bulk mail), kept as raw fields (angle brackets dropped). X-Mailing-List and
 * Mailing-List are older lists' List-Id. */
static void copy_header(msg_ctx *m, const char *name, const char *v)
{
    static const char *const keys[] = {
        "Return-Path",  "Sender",           "X-Mailer",  "User-Agent", "List-Id", "X-Mailing-List",
        "Mailing-List", "List-Unsubscribe", "List-Post", "Precedence", NULL};
    static const char *const as[] = {"Return-Path", "Sender",  "X-Mailer",         "X-Mailer",  "list.id",
                                     "list.id",     "list.id", "list.unsubscribe", "list.post", "Precedence"};
    size_t k = 0;
    while (keys[k] && strcasecmp(name, keys[k]) != 0)
        k++;
    if (!keys[k])
        return;
    ts_str s = ts_str_trim(ts_str_c(v));
    if (s.n >= 2 && s.p[0] == '<' && s.p[s.n - 1] == '>')
        s = ts_str_make(s.p + 1, s.n - 2);
    /* Senders write these as badly as From: keep the address the text names. */
    ts_str found;
    if (k < 2 && !mail_addr_ok(s) && mail_addr_scan(s, &found))
        s = found;
    char *p = ts_arena_strndup(arena(m), s.p, s.n);
    if (p)
        field(m, as[k], ts_str_make(p, s.n));
}

/* Authentication-Results names the connecting address on some servers; otherwise the
 * first Received hop (newest first) from a public address, else the oldest hop seen. */
static void headers(msg_ctx *m, GMimeObject *obj)
{
    ts_event *ev = &m->c->s->ev;
    GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
    int n = hl ? g_mime_header_list_get_count(hl) : 0;
    ts_ip stated = {0}, pub = {0}, any = {0};
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = h ? g_mime_header_get_name(h) : NULL;
        const char *v = h ? g_mime_header_get_value(h) : NULL;
        if (!name || !v)
            continue;
        if (strcasecmp(name, "Authentication-Results") == 0) {
            auth_results(m, v);
            if (!stated.v)
                ip_after(v, "sender IP is ", &stated);
        } else if (strcasecmp(name, "From") == 0) {
            if (!m->from_raw)
                m->from_raw = v;
        } else if (strcasecmp(name, "Reply-To") == 0) {
            if (!m->reply_raw)
                m->reply_raw = v;
        } else if (strcasecmp(name, "Received-SPF") == 0 && !stated.v) {
            ip_after(v, "client-ip=", &stated);
        } else if (strcasecmp(name, "Received") == 0) {
            ts_ip ip;
            if (received_ip(v, &ip)) {
                if (!pub.v && !ts_ip_is_special(&ip))
                    pub = ip;
                any = ip;
            }
        } else {
            copy_header(m, name, v);
        }
    }
    ev->src_ip = stated.v ? stated : pub.v ? pub : any;
    if (ev->src_ip.v) {
        char buf[TS_IP_STRLEN];
        field(m, "received.ip", keep(m, ts_ip_format(&ev->src_ip, buf)));
    }
}

static void addresses(msg_ctx *m, GMimeMessage *msg)
{
    ts_event *ev = &m->c->s->ev;
    InternetAddressMailbox *from = first_mailbox(g_mime_message_get_from(msg));
    ts_str addr = from ? keep(m, internet_address_mailbox_get_addr(from)) : TS_STR_NULL;
    if (from)
        field(m, "From.name", keep(m, internet_address_get_name(INTERNET_ADDRESS(from))));
    /* A From that does not parse is itself a sign of fraud, and its raw text still names
       the domain the reader is meant to see. */
    if (!mail_addr_ok(addr) && m->from_raw) {
        ts_str raw = keep(m, m->from_raw), found;
        field(m, "From.raw", raw);
        field(m, "From.malformed", TS_STR_LIT("1"));
        if (mail_addr_scan(raw, &found))
            addr = found;
    }
    ev->mail_from = addr;
    field(m, "From", ev->mail_from);
    InternetAddressMailbox *rt = first_mailbox(g_mime_message_get_reply_to(msg));
    ts_str reply = rt ? keep(m, internet_address_mailbox_get_addr(rt)) : TS_STR_NULL, found;
    if (!mail_addr_ok(reply) && m->reply_raw && mail_addr_scan(keep(m, m->reply_raw), &found))
        reply = found;
    field(m, "Reply-To", reply);
    add_rcpts(m, g_mime_message_get_to(msg), 0);
    add_rcpts(m, g_mime_message_get_cc(msg), 0);
    ev->mail_subject = keep(m, g_mime_message_get_subject(msg));
    const char *id = g_mime_message_get_message_id(msg);
    ev->mail_msgid = keep(m, id);
    GDateTime *d = g_mime_message_get_date(msg);
    if (d) {
        gint64 s = g_date_time_to_unix(d);
        if (s > 0 && s < INT64_MAX / 1000000000)
            ev->ts_ns = s * 1000000000 + (int64_t)g_date_time_get_microsecond(d) * 1000;
    }
}

/* ---------------------------------------------------------------- bodies */

static void add_link(void *ud, ts_str url, ts_str text)
{
    msg_ctx *m = ud;
    for (size_t i = 0; i < m->n_links; i++) /* the text part repeats the HTML part's links */
        if (m->links[i].url.n == url.n && memcmp(m->links[i].url.p, url.p, url.n) == 0) {
            if (!m->links[i].text.n && text.n)
                m->links[i].text = text;
            return;
        }
    if (m->n_links == MAIL_MAX_LINKS) {
        m->dropped_links++;
        return;
    }
    char *u = ts_arena_strndup(arena(m), url.p, url.n);
    if (!u)
        return;
    m->links[m->n_links++] = (mail_link){ts_str_make(u, url.n), text};
}

static ts_str digest(msg_ctx *m, GChecksumType t, const uint8_t *d, size_t n)
{
    GChecksum *c = g_checksum_new(t);
    if (!c)
        return TS_STR_NULL;
    g_checksum_update(c, d, (gssize)n);
    ts_str s = keep(m, g_checksum_get_string(c));
    g_checksum_free(c);
    return s;
}

static void add_member(void *ud, ts_str name, bool encrypted)
{
    msg_ctx *m = ud;
    if (encrypted)
        field(m, "attach.encrypted", TS_STR_LIT("1"));
    char *p = ts_arena_strndup(arena(m), name.p, name.n);
    if (!p)
        return;
    ts_str s = ts_str_make(p, name.n);
    field(m, "attach.member", s);
    field(m, "attach.member.kind", ts_str_c(mail_file_kind(s, NULL, 0)));
}

static bool kind_risky(const char *k)
{
    return strcmp(k, "executable") == 0 || strcmp(k, "script") == 0 || strcmp(k, "shortcut") == 0 ||
           strcmp(k, "disk-image") == 0 || strcmp(k, "html-app") == 0 || strcmp(k, "macro-document") == 0;
}

static void add_attachment(msg_ctx *m, GMimeObject *part, const char *fname, const uint8_t *d, size_t n)
{
    if (m->n_att == MAIL_MAX_ATTACH) {
        m->dropped_att++;
        return;
    }
    attach *a = &m->att[m->n_att++];
    a->name = keep(m, fname ? fname : "");
    GMimeContentType *ct = g_mime_object_get_content_type(part);
    char *mt = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
    const char *kind = mail_file_kind(a->name, d, n);
    a->risky = kind_risky(kind);
    field(m, "attach.name", a->name.n ? a->name : TS_STR_LIT("(unnamed)"));
    field(m, "attach.type", keep(m, mt));
    g_free(mt);
    field(m, "attach.size", fmt_num(m, n));
    field(m, "attach.kind", ts_str_c(kind));
    a->md5 = digest(m, G_CHECKSUM_MD5, d, n);
    a->sha1 = digest(m, G_CHECKSUM_SHA1, d, n);
    a->sha256 = digest(m, G_CHECKSUM_SHA256, d, n);
    field(m, "attach.md5", a->md5);
    field(m, "attach.sha1", a->sha1);
    field(m, "attach.sha256", a->sha256);
    if (mail_has_vba(d, n))
        field(m, "attach.macro", TS_STR_LIT("vba"));
    if (n >= 4 && d[0] == 'P' && d[1] == 'K')
        mail_zip_members(d, n, add_member, m);
    else if (mail_archive_encrypted(d, n))
        field(m, "attach.encrypted", TS_STR_LIT("1"));
    /* A PDF's links are the message's links too (the intel detector checks them). */
    unsigned pdf = mail_pdf_traits(d, n, add_link, m);
    static const struct {
        unsigned bit;
        const char *what;
    } traits[] = {{MAIL_PDF_LINKS, "links"},
                  {MAIL_PDF_FORM, "form"},
                  {MAIL_PDF_SCRIPT, "javascript"},
                  {MAIL_PDF_LAUNCH, "launch"}};
    for (size_t i = 0; i < sizeof traits / sizeof *traits; i++)
        if (pdf & traits[i].bit)
            field(m, "attach.pdf", ts_str_c(traits[i].what));
}

/* Appends a body part's text to the message's body (bounded by BODY_MAX). */
static void add_body(msg_ctx *m, const char *t, size_t n)
{
    if (!m->body)
        m->body = g_malloc(BODY_MAX);
    size_t room = BODY_MAX - m->body_n;
    if (room < 2 || !n)
        return;
    if (m->body_n)
        m->body[m->body_n++] = '\n', room--;
    size_t k = n < room ? n : room;
    while (k < n && k && ((unsigned char)t[k] & 0xc0) == 0x80) /* no half characters */
        k--;
    memcpy(m->body + m->body_n, t, k);
    m->body_n += k;
}

static void add_form(void *ud, ts_str action, bool password)
{
    msg_ctx *m = ud;
    if (m->forms++ >= 8)
        return;
    field(m, "body.form", action.n ? action : TS_STR_LIT("(no action)"));
    if (password)
        field(m, "body.password_input", TS_STR_LIT("1"));
}

/* The decoded content of a leaf part (transfer encoding undone), or NULL. */
static GByteArray *decoded(GMimePart *part, GMimeStream **keep_stream)
{
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    if (!w)
        return NULL;
    GMimeStream *s = g_mime_stream_mem_new();
    if (!s)
        return NULL;
    g_mime_data_wrapper_write_to_stream(w, s);
    *keep_stream = s;
    return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
}

static void visit_part(GMimeObject *parent, GMimeObject *part, gpointer ud)
{
    msg_ctx *m = ud;
    /* Parts come parents first: a part's level is its parent's plus one (the message's is 0). */
    int level = GPOINTER_TO_INT(g_hash_table_lookup(m->depth, parent)) + 1;
    if (level > MAIL_MAX_DEPTH) {
        m->too_deep = true;
        return;
    }
    if (GMIME_IS_MULTIPART(part))
        g_hash_table_insert(m->depth, part, GINT_TO_POINTER(level));
    if (!GMIME_IS_PART(part))
        return;
    GMimeContentType *ct = g_mime_object_get_content_type(part);
    const char *fname = g_mime_part_get_filename(GMIME_PART(part));
    bool html = ct && g_mime_content_type_is_type(ct, "text", "html");
    bool text = ct && g_mime_content_type_is_type(ct, "text", "plain");
    bool body = (html || text) && !fname && !g_mime_part_is_attachment(GMIME_PART(part));
    if (body && GMIME_IS_TEXT_PART(part)) {
        char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
        if (t) {
            size_t n = strlen(t);
            if (html) {
                mail_html_links(arena(m), t, n, add_link, m);
                mail_html_forms(arena(m), t, n, add_form, m);
                ts_str words = mail_html_text(arena(m), t, n, BODY_MAX);
                add_body(m, words.p, words.n);
            } else {
                mail_text_links(t, n, add_link, m);
                add_body(m, t, n);
            }
            g_free(t);
        }
        return;
    }
    GMimeStream *s = NULL;
    GByteArray *ba = decoded(GMIME_PART(part), &s);
    if (ba)
        add_attachment(m, part, fname, ba->data, ba->len);
    if (s)
        g_object_unref(s);
}

/* ---------------------------------------------------------------- events */

static ts_str url_domain(msg_ctx *m, ts_str url)
{
    const char *p = url.p, *end = url.p + url.n;
    const char *s = memmem(p, url.n, "//", 2);
    p = s ? s + 2 : p;
    const char *h = p;
    while (p < end && *p != '/' && *p != '?' && *p != '#' && *p != '\\') {
        if (*p == '@')
            h = p + 1;
        p++;
    }
    const char *e = h;
    while (e < p && *e != ':')
        e++;
    char low[256];
    size_t n = e > h ? ts_lower(ts_str_make(h, (size_t)(e - h)), low, sizeof low) : 0;
    char *k = n ? ts_arena_strndup(arena(m), low, n) : NULL;
    return k ? ts_str_make(k, n) : TS_STR_NULL;
}

/* Starts a further event of the same message without resetting the arena that holds it. */
static void side_event(msg_ctx *m, const ts_event *msg, const char *dataset, const char *action)
{
    ts_event *ev = &m->c->s->ev;
    ts_event_clear(ev);
    ts_fieldbuf_reset(&m->c->s->fields);
    ev->dataset = ts_str_c(dataset);
    ev->category = TS_CAT_EMAIL;
    ev->action = ts_str_c(action);
    ev->ts_ns = msg->ts_ns;
    ev->mail_msgid = msg->mail_msgid;
    ev->mail_subject = msg->mail_subject;
    ev->file = msg->file;
    ev->line = msg->line;
    ev->record = msg->record;
}

static void emit_all(msg_ctx *m)
{
    ts_event *ev = &m->c->s->ev;
    if (m->body_n) {
        char *b = ts_arena_strndup(arena(m), m->body, m->body_n);
        field(m, "body.text", b ? ts_str_make(b, m->body_n) : TS_STR_NULL);
    }
    if (m->dropped_links)
        field(m, "link.dropped", fmt_num(m, m->dropped_links));
    if (m->dropped_att)
        field(m, "attach.dropped", fmt_num(m, m->dropped_att));
    for (size_t i = 0; i < m->n_links; i++) {
        field(m, "link.url", m->links[i].url);
        rd_field(m->c, TS_STR_LIT("link.text"), m->links[i].text);
    }
    if (m->n_links) {
        ev->url = m->links[0].url;
        ev->domain = url_domain(m, ev->url);
    }
    size_t typed = m->n_att;
    for (size_t i = 0; i < m->n_att && typed == m->n_att; i++)
        if (m->att[i].risky)
            typed = i;
    if (typed == m->n_att && m->n_att)
        typed = 0;
    if (typed < m->n_att) {
        ev->md5 = m->att[typed].md5;
        ev->sha1 = m->att[typed].sha1;
        ev->sha256 = m->att[typed].sha256;
        ev->file_path = m->att[typed].name;
    }
    ts_event msg = *ev;
    rd_emit(m->c);
    for (size_t i = 1; i < m->n_links; i++) {
        side_event(m, &msg, "email.link", "message-link");
        ev->url = m->links[i].url;
        ev->domain = url_domain(m, ev->url);
        rd_emit(m->c);
    }
    for (size_t i = 0; i < m->n_att; i++) {
        if (i == typed)
            continue;
        side_event(m, &msg, "email.attachment", "message-attachment");
        ev->md5 = m->att[i].md5;
        ev->sha1 = m->att[i].sha1;
        ev->sha256 = m->att[i].sha256;
        ev->file_path = m->att[i].name;
        rd_emit(m->c);
    }
}

void mail_parse_message(rd_ctx *c, const char *msg, size_t len, uint64_t line)
{
    pthread_once(&gmime_once, gmime_start);
    rd_begin(c, line, 0);
    if (len > MAIL_MAX_MESSAGE) {
        rd_error(c, line, 0, TOCSIN_E_TOOLONG, "message of %zu bytes is over the %u MiB limit: skipped", len,
                 MAIL_MAX_MESSAGE >> 20);
        return;
    }
    GMimeStream *s = g_mime_stream_mem_new_with_buffer(msg, len);
    GMimeParser *p = s ? g_mime_parser_new_with_stream(s) : NULL;
    GMimeMessage *gm = p ? g_mime_parser_construct_message(p, NULL) : NULL;
    if (!gm) {
        rd_error(c, line, 0, TOCSIN_E_PARSE, "not a parsable mail message");
    } else {
        msg_ctx *m = g_new0(msg_ctx, 1);
        m->c = c;
        ts_event *ev = &c->s->ev;
        ev->dataset = TS_STR_LIT("email.message");
        ev->category = TS_CAT_EMAIL;
        ev->action = TS_STR_LIT("message");
        headers(m, GMIME_OBJECT(gm));
        addresses(m, gm);
        m->depth = g_hash_table_new(g_direct_hash, g_direct_equal);
        g_mime_message_foreach(gm, visit_part, m);
        g_hash_table_destroy(m->depth);
        if (m->too_deep) /* the message is still given: its headers and upper parts are sound */
            rd_error(c, line, 0, TOCSIN_E_PARSE,
                     "MIME parts nested deeper than %d levels: the parts below were not read",
                     MAIL_MAX_DEPTH);
        emit_all(m);
        g_free(m->body);
        g_free(m);
        g_object_unref(gm);
    }
    if (p)
        g_object_unref(p);
    if (s)
        g_object_unref(s);
}

/* A header name: printable ASCII up to the colon, no spaces. */
static size_t header_name(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && i < 80 && p[i] > ' ' && p[i] < 0x7f && p[i] != ':')
        i++;
    return i < n && i > 0 && p[i] == ':' ? i : 0;
}

int mail_sniff_headers(const char *head, size_t len)
{
    static const char *const names[] = {"received",       "from",
                                        "return-path",    "delivered-to",
                                        "mime-version",   "message-id",
                                        "subject",        "to",
                                        "date",           "x-mailer",
                                        "dkim-signature", "authentication-results",
                                        "reply-to",       "content-type",
                                        "x-original-to",  "arc-seal",
                                        "x-received",     NULL};
    size_t i = 0, lines = 0, known = 0;
    while (i < len && lines < 64) {
        const char *p = head + i;
        const char *nl = memchr(p, '\n', len - i);
        size_t ln = nl ? (size_t)(nl - p) : len - i;
        if (ln == 0 || (ln == 1 && p[0] == '\r'))
            break; /* the end of the header block */
        if (p[0] == ' ' || p[0] == '\t') {
            if (!lines)
                return 0;
        } else {
            size_t k = header_name(p, ln);
            if (!k)
                return nl || lines == 0 ? 0 : (known >= 2 ? 60 : 0); /* cut short by the peek */
            for (size_t j = 0; names[j]; j++)
                if (strlen(names[j]) == k && strncasecmp(p, names[j], k) == 0) {
                    known++;
                    break;
                }
            lines++;
        }
        if (!nl)
            break;
        i += ln + 1;
    }
    if (known >= 3)
        return 80;
    return known >= 2 ? 60 : 0;
}
