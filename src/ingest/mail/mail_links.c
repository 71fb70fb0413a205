/* mail_links.c: bounded scanners the mail parser uses: links in HTML and plain text, the
 * member names of zip archives, and what kind of file an attachment is. */
#include <string.h>
#include <strings.h>

#include "ingest/mail/mail_int.h"

/* Anchor texts longer than this are cut: the point is the domain they show. */
#define TEXT_MAX 512
/* Longer link targets are cut (the host and path are what count). */
#define URL_MAX 4096

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

static bool ieq_at(const char *p, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(end - p) >= n && strncasecmp(p, lit, n) == 0;
}

/* A link worth recording: an absolute web or FTP address, or a bare "www." name. */
static bool linkish(ts_str u)
{
    return ts_str_istarts(u, "http://") || ts_str_istarts(u, "https://") || ts_str_istarts(u, "ftp://") ||
           ts_str_istarts(u, "www.") || ts_str_istarts(u, "//");
}

/* Decodes the entity at s[0..n) (s[0] == '&') into UTF-8 at out (4 bytes room);
 * returns the bytes consumed (0: not an entity) and sets *on to the bytes written.
 * Numeric ones (&#46; &#x2e;) matter: senders write link hosts with them to slip past
 * filters, so a decoder that drops them loses the link. */
static size_t entity(const char *s, size_t n, char *out, size_t *on)
{
    static const struct {
        const char *ent;
        const char *utf8;
    } named[] = {{"&amp;", "&"},
                 {"&lt;", "<"},
                 {"&gt;", ">"},
                 {"&quot;", "\""},
                 {"&apos;", "'"},
                 {"&nbsp;", " "},
                 {"&shy;", ""},
                 {"&zwnj;", ""},
                 {"&zwj;", ""},
                 {"&period;", "."},
                 {"&sol;", "/"},
                 {"&colon;", ":"},
                 {"&commat;", "@"},
                 {"&euro;", "\xe2\x82\xac"},
                 /* the letters lure wording is written with in German, French, Portuguese, Spanish
                    (matched without case: "&Auml;" gives "ä", the phishing detector folds case) */
                 {"&auml;", "\xc3\xa4"},
                 {"&ouml;", "\xc3\xb6"},
                 {"&uuml;", "\xc3\xbc"},
                 {"&szlig;", "\xc3\x9f"},
                 {"&eacute;", "\xc3\xa9"},
                 {"&egrave;", "\xc3\xa8"},
                 {"&ecirc;", "\xc3\xaa"},
                 {"&agrave;", "\xc3\xa0"},
                 {"&aacute;", "\xc3\xa1"},
                 {"&acirc;", "\xc3\xa2"},
                 {"&atilde;", "\xc3\xa3"},
                 {"&ccedil;", "\xc3\xa7"},
                 {"&iacute;", "\xc3\xad"},
                 {"&oacute;", "\xc3\xb3"},
                 {"&ocirc;", "\xc3\xb4"},
                 {"&otilde;", "\xc3\xb5"},
                 {"&uacute;", "\xc3\xba"},
                 {"&ntilde;", "\xc3\xb1"},
                 {"&ndash;", "-"},
                 {"&mdash;", "-"},
                 {"&rsquo;", "'"},
                 {"&lsquo;", "'"},
                 {"&ldquo;", "\""},
                 {"&rdquo;", "\""},
                 {"&hellip;", "..."}};
    for (size_t k = 0; k < sizeof named / sizeof *named; k++)
        if (ieq_at(s, s + n, named[k].ent)) {
            *on = strlen(named[k].utf8);
            memcpy(out, named[k].utf8, *on);
            return strlen(named[k].ent);
        }
    if (n < 4 || s[1] != '#')
        return 0;
    size_t i = 2;
    bool hex = s[i] == 'x' || s[i] == 'X';
    i += hex;
    uint32_t cp = 0;
    size_t digits = 0;
    for (; i < n && digits < 8; i++, digits++) {
        char c = s[i];
        int v = c >= '0' && c <= '9'                            ? c - '0'
                : hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                                : -1;
        if (v < 0)
            break;
        cp = cp * (hex ? 16 : 10) + (uint32_t)v;
    }
    if (!digits || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    if (i < n && s[i] == ';')
        i++;
    if (cp == 0 || cp == 0xad || cp == 0x200b || cp == 0x200c || cp == 0x200d || cp == 0xfeff ||
        cp == 0x34f) {
        *on = 0; /* invisible: a soft hyphen or zero-width character between letters */
    } else if (cp < 0x80) {
        out[0] = (char)cp;
        *on = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        *on = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        *on = 3;
    } else {
        out[0] = (char)(0xf0 | cp >> 18);
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        *on = 4;
    }
    return i;
}

/* Copies s into the arena (at most cap bytes out) with entities decoded, tags dropped
 * (when strip_tags; <script> and <style> with their content) and white space squeezed
 * to single spaces (dropped from link targets, which mail folds across lines). */
static ts_str clean(ts_arena *a, const char *s, size_t n, bool strip_tags, size_t cap)
{
    char *out = ts_arena_alloc(a, (n < cap ? n : cap) + 1);
    if (!out)
        return TS_STR_NULL;
    size_t o = 0, lim = n < cap ? n : cap;
    bool space = false;
    for (size_t i = 0; i < n && o < lim;) {
        char c = s[i];
        if (strip_tags && c == '<') {
            const char *skip_to = NULL;
            if (ieq_at(s + i, s + n, "<script"))
                skip_to = "</script";
            else if (ieq_at(s + i, s + n, "<style"))
                skip_to = "</style";
            else if (ieq_at(s + i, s + n, "<!--"))
                skip_to = "-->";
            if (skip_to) {
                const char *e = NULL;
                for (size_t k = i + 1; k + strlen(skip_to) <= n && !e; k++)
                    if (ieq_at(s + k, s + n, skip_to))
                        e = s + k;
                i = e ? (size_t)(e - s) + strlen(skip_to) : n;
                if (skip_to[0] == '-')
                    continue;
            }
            const char *gt = i < n ? memchr(s + i, '>', n - i) : NULL;
            i = gt ? (size_t)(gt - s) + 1 : n;
            space = o > 0;
            continue;
        }
        char ent[4];
        size_t en = 0, used = c == '&' ? entity(s + i, n - i, ent, &en) : 0;
        if (used) {
            i += used;
            if (en == 1 && is_space(ent[0])) {
                space = o > 0 && strip_tags;
                continue;
            }
            if (en && space && o < lim)
                out[o++] = ' ';
            space = space && !en;
            for (size_t k = 0; k < en && o < lim; k++)
                out[o++] = ent[k];
            continue;
        }
        i++;
        if (is_space(c)) {
            space = o > 0 && strip_tags; /* a link target loses its folded white space */
            continue;
        }
        if (space && o < lim)
            out[o++] = ' ';
        space = false;
        if (o < lim)
            out[o++] = c;
    }
    /* A cut must not leave half a character. */
    while (o && o == lim && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
        o--;
    if (o && o == lim && (unsigned char)out[o - 1] >= 0xc0)
        o--;
    out[o] = 0;
    return ts_str_make(out, o);
}

/* The value of attribute name inside the tag text t[0..n), or an empty view. */
static ts_str attr(const char *t, size_t n, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i + nl < n; i++) {
        if (strncasecmp(t + i, name, nl) != 0 || (i && !is_space(t[i - 1])))
            continue;
        size_t j = i + nl;
        while (j < n && is_space(t[j]))
            j++;
        if (j >= n || t[j] != '=')
            continue;
        j++;
        while (j < n && is_space(t[j]))
            j++;
        if (j >= n)
            return TS_STR_NULL;
        if (t[j] == '"' || t[j] == '\'') {
            const char *q = memchr(t + j + 1, t[j], n - j - 1);
            size_t e = q ? (size_t)(q - t) : n;
            return ts_str_make(t + j + 1, e - j - 1);
        }
        size_t e = j;
        while (e < n && !is_space(t[e]) && t[e] != '>')
            e++;
        return ts_str_make(t + j, e - j);
    }
    return TS_STR_NULL;
}

void mail_html_links(ts_arena *a, const char *html, size_t n, mail_link_fn fn, void *ud)
{
    const char *p = html, *end = html + n;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt)
            return;
        p = lt + 1;
        bool anchor =
            ieq_at(p, end, "a ") || ieq_at(p, end, "a\t") || ieq_at(p, end, "a\n") || ieq_at(p, end, "a\r");
        if (!anchor && !ieq_at(p, end, "area "))
            continue;
        const char *gt = memchr(p, '>', (size_t)(end - p));
        if (!gt)
            return;
        ts_str href = ts_str_trim(attr(p, (size_t)(gt - p), "href"));
        p = gt + 1;
        if (!href.n)
            continue;
        ts_str url = clean(a, href.p, href.n, false, URL_MAX);
        if (!linkish(url))
            continue;
        ts_str text = TS_STR_LIT("");
        if (anchor) {
            /* The anchor text runs to the closing tag (or the next anchor, for bad HTML). */
            const char *q = p;
            while (q < end) {
                const char *l2 = memchr(q, '<', (size_t)(end - q));
                if (!l2) {
                    q = end;
                    break;
                }
                if (ieq_at(l2, end, "</a") || ieq_at(l2, end, "<a ")) {
                    q = l2;
                    break;
                }
                q = l2 + 1;
            }
            size_t tn = (size_t)(q - p);
            text = clean(a, p, tn > 8 * TEXT_MAX ? 8 * TEXT_MAX : tn, true, TEXT_MAX);
            p = q;
        }
        fn(ud, url, text);
    }
}

static bool url_char(char c)
{
    return (unsigned char)c > ' ' && c != '<' && c != '>' && c != '"' && c != '\'' && c != '`' && c != '{' &&
           c != '}' && c != '|' && c != '\\' && c != '^' && (unsigned char)c < 0x7f;
}

void mail_text_links(const char *text, size_t n, mail_link_fn fn, void *ud)
{
    const char *p = text, *end = text + n;
    while (p < end) {
        const char *s = p;
        bool found = false;
        for (; s < end; s++) {
            if ((*s == 'h' || *s == 'H' || *s == 'w' || *s == 'W') &&
                (s == text || !url_char(s[-1]) || s[-1] == '(')) {
                if (ieq_at(s, end, "http://") || ieq_at(s, end, "https://") || ieq_at(s, end, "www.")) {
                    found = true;
                    break;
                }
            }
        }
        if (!found)
            return;
        const char *e = s;
        while (e < end && url_char(*e) && *e != ')')
            e++;
        /* Sentence punctuation after a link is not part of it. */
        while (e > s &&
               (e[-1] == '.' || e[-1] == ',' || e[-1] == ';' || e[-1] == ':' || e[-1] == '!' || e[-1] == '?'))
            e--;
        ts_str u = ts_str_make(s, (size_t)(e - s));
        if (u.n > 8)
            fn(ud, u, TS_STR_LIT(""));
        p = e > s ? e : s + 1;
    }
}

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static uint32_t le32(const uint8_t *p)
{
    return le16(p) | le16(p + 2) << 16;
}

int mail_zip_members(const uint8_t *d, size_t n, mail_member_fn fn, void *ud)
{
    if (n < 22)
        return -1;
    /* The end record sits in the last 22 + 65535 (comment) bytes. */
    size_t lo = n > 22 + 65535 ? n - 22 - 65535 : 0;
    size_t eocd = (size_t)-1;
    for (size_t i = n - 22 + 1; i-- > lo;)
        if (d[i] == 'P' && d[i + 1] == 'K' && d[i + 2] == 5 && d[i + 3] == 6) {
            eocd = i;
            break;
        }
    if (eocd == (size_t)-1)
        return -1;
    uint32_t count = le16(d + eocd + 10), size = le32(d + eocd + 12), off = le32(d + eocd + 16);
    if (off > n || size > n - off)
        return -1;
    int listed = 0;
    size_t p = off, end = (size_t)off + size;
    for (uint32_t i = 0; i < count && listed < MAIL_MAX_MEMBERS; i++) {
        if (end - p < 46 || le32(d + p) != 0x02014b50)
            break;
        size_t nl = le16(d + p + 28), xl = le16(d + p + 30), cl = le16(d + p + 32);
        if (end - p - 46 < nl + xl + cl)
            break;
        /* General-purpose flag bit 0: the member is encrypted (a password archive). */
        fn(ud, ts_str_make((const char *)d + p + 46, nl), (le16(d + p + 8) & 1) != 0);
        listed++;
        p += 46 + nl + xl + cl;
    }
    return listed;
}

/* RAR5's variable-length integer at d[*o]; false when it runs past n or over 10 bytes. */
static bool vint(const uint8_t *d, size_t n, size_t *o, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; *o < n && shift < 70; shift += 7) {
        uint8_t b = d[(*o)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

bool mail_archive_encrypted(const uint8_t *d, size_t n)
{
    static const uint8_t rar4[7] = {'R', 'a', 'r', '!', 0x1a, 0x07, 0x00};
    static const uint8_t rar5[8] = {'R', 'a', 'r', '!', 0x1a, 0x07, 0x01, 0x00};
    static const uint8_t sz[6] = {'7', 'z', 0xbc, 0xaf, 0x27, 0x1c};
    if (n >= 8 && memcmp(d, rar5, 8) == 0) {
        /* The first header after the signature: type 4 is the archive encryption header
           (file names and data locked), written when headers are encrypted. */
        size_t o = 8 + 4;
        uint64_t size, type;
        return vint(d, n, &o, &size) && vint(d, n, &o, &type) && type == 4;
    }
    if (n >= 7 && memcmp(d, rar4, 7) == 0) {
        /* Blocks: CRC(2) type(1) flags(2) size(2) [+ added size(4)]. The main header's flag
           0x0080 locks the headers; a file header's flag 0x0004 locks its data. */
        for (size_t o = 7, blocks = 0; o + 7 <= n && blocks < 4096; blocks++) {
            uint8_t type = d[o + 2];
            uint32_t flags = le16(d + o + 3), size = le16(d + o + 5);
            if ((type == 0x73 && (flags & 0x0080)) || (type == 0x74 && (flags & 0x0004)))
                return true;
            uint64_t next = (uint64_t)o + size;
            if ((flags & 0x8000) && o + 11 <= n)
                next += le32(d + o + 7);
            if (size < 7 || next <= o || next > n)
                break;
            o = (size_t)next;
        }
        return false;
    }
    /* 7-Zip names its AES-256 coder (06 F1 07 01) in the header of an encrypted archive. */
    if (n >= 6 && memcmp(d, sz, 6) == 0)
        return memmem(d, n, "\x06\xf1\x07\x01", 4) != NULL;
    return false;
}

bool mail_has_vba(const uint8_t *d, size_t n)
{
    static const char ole[8] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
    /* OLE2 directory entries are UTF-16LE names: "_VBA_PROJECT" storage or stream. */
    static const char vba16[] = "_\0V\0B\0A\0_\0P\0R\0O\0J\0E\0C\0T";
    if (n >= 8 && memcmp(d, ole, 8) == 0)
        return memmem(d, n, vba16, sizeof vba16 - 1) != NULL;
    /* OOXML: the zip names "word/vbaProject.bin" in clear text in its directory. */
    if (n >= 4 && d[0] == 'P' && d[1] == 'K')
        return memmem(d, n, "vbaProject.bin", 14) != NULL;
    return false;
}

static bool ext_in(ts_str name, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (ts_str_iends(name, list[i]))
            return true;
    return false;
}

const char *mail_file_kind(ts_str name, const uint8_t *d, size_t n)
{
    static const char *const exe[] = {".exe", ".scr", ".com",  ".pif",  ".dll",          ".cpl",
                                      ".msi", ".msp", ".sys",  ".jar",  ".apk",          ".app",
                                      ".elf", ".bin", ".appx", ".msix", ".appinstaller", NULL};
    static const char *const script[] = {".js",  ".jse", ".vbs", ".vbe", ".wsf", ".wsh", ".ps1", ".psm1",
                                         ".bat", ".cmd", ".sh",  ".py",  ".reg", ".scf", ".sct", NULL};
    static const char *const macro[] = {".docm", ".dotm", ".xlsm", ".xltm", ".xlam",
                                        ".pptm", ".potm", ".ppsm", ".xlsb", NULL};
    static const char *const img[] = {".iso", ".img", ".vhd", ".vhdx", ".dmg", ".udf", NULL};
    static const char *const arch[] = {".zip", ".rar", ".7z", ".gz",  ".tgz", ".tar", ".cab",
                                       ".ace", ".arj", ".xz", ".bz2", ".lzh", NULL};
    static const char *const doc[] = {".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".pdf",
                                      ".rtf", ".odt",  ".ods", ".one",  ".txt", ".csv",  NULL};
    static const char *const html[] = {".htm", ".html", ".shtml", ".svg", NULL};
    static const char *const image[] = {".png",  ".jpg", ".jpeg", ".gif", ".bmp",
                                        ".webp", ".tif", ".ico",  NULL};
    bool mz = n >= 2 && d[0] == 'M' && d[1] == 'Z';
    bool elf = n >= 4 && memcmp(d,
                                "\x7f"
                                "ELF",
                                4) == 0;
    if (ext_in(name, exe) || mz || elf)
        return "executable";
    if (ext_in(name, script))
        return "script";
    if (ts_str_iends(name, ".lnk") || ts_str_iends(name, ".url") || (n >= 4 && le32(d) == 0x4c))
        return "shortcut";
    if (ts_str_iends(name, ".hta"))
        return "html-app";
    /* An Apple configuration profile installs certificates, VPNs and mail accounts. */
    if (ts_str_iends(name, ".mobileconfig"))
        return "config-profile";
    if (ext_in(name, img) || (n > 0x8006 && memcmp(d + 0x8001, "CD001", 5) == 0))
        return "disk-image";
    if (ext_in(name, macro) || (d && mail_has_vba(d, n)))
        return "macro-document";
    if (ext_in(name, doc))
        return "document";
    if (ext_in(name, arch) || (n >= 4 && d[0] == 'P' && d[1] == 'K' && d[2] == 3 && d[3] == 4))
        return "archive";
    if (ext_in(name, html))
        return "html";
    if (ext_in(name, image))
        return "image";
    return "other";
}

ts_str mail_html_text(ts_arena *a, const char *html, size_t n, size_t cap)
{
    return clean(a, html, n, true, cap);
}

void mail_html_forms(ts_arena *a, const char *html, size_t n, mail_form_fn fn, void *ud)
{
    const char *p = html, *end = html + n;
    bool password = false;
    ts_str action = TS_STR_NULL;
    int forms = 0;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt)
            break;
        p = lt + 1;
        bool form = ieq_at(p, end, "form") && p + 4 < end && (is_space(p[4]) || p[4] == '>');
        bool input = ieq_at(p, end, "input") && p + 5 < end && is_space(p[5]);
        if (!form && !input)
            continue;
        const char *gt = memchr(p, '>', (size_t)(end - p));
        size_t tn = gt ? (size_t)(gt - p) : (size_t)(end - p);
        if (form) {
            if (forms++)
                fn(ud, action, password);
            ts_str act = ts_str_trim(attr(p, tn, "action"));
            action = act.n ? clean(a, act.p, act.n, false, URL_MAX) : TS_STR_LIT("");
            password = false;
        } else if (ts_str_ieq(ts_str_trim(attr(p, tn, "type")), "password")) {
            password = true;
        }
        p = gt ? gt + 1 : end;
    }
    if (forms)
        fn(ud, action, password);
}

/* PDF names are case-sensitive; a /URI action's target is a (literal) string. */
unsigned mail_pdf_traits(const uint8_t *d, size_t n, mail_link_fn fn, void *ud)
{
    if (n < 5 || memcmp(d, "%PDF-", 5) != 0)
        return 0;
    unsigned t = 0;
    const char *s = (const char *)d, *end = s + n;
    if (memmem(s, n, "/AcroForm", 9))
        t |= MAIL_PDF_FORM;
    if (memmem(s, n, "/JavaScript", 11) || memmem(s, n, "/JS", 3))
        t |= MAIL_PDF_SCRIPT;
    if (memmem(s, n, "/Launch", 7))
        t |= MAIL_PDF_LAUNCH;
    int found = 0;
    for (const char *p = s; p < end && found < 16;) {
        const char *u = memmem(p, (size_t)(end - p), "/URI", 4);
        if (!u)
            break;
        p = u + 4;
        while (p < end && (*p == ' ' || *p == '\r' || *p == '\n'))
            p++;
        if (p >= end || *p != '(')
            continue;
        const char *close = memchr(p, ')', (size_t)(end - p) < URL_MAX ? (size_t)(end - p) : URL_MAX);
        if (!close)
            continue;
        ts_str url = ts_str_make(p + 1, (size_t)(close - p - 1));
        if (linkish(url)) {
            t |= MAIL_PDF_LINKS;
            fn(ud, url, TS_STR_LIT(""));
            found++;
        }
        p = close + 1;
    }
    return t;
}
