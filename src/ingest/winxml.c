/* winxml.c: a Windows event rendered as XML to raw fields. The event schema is small
 * (System, EventData, UserData; elements, attributes and text, no mixed content), so this
 * is a bounded scanner for that shape, not a general XML parser: comments, processing
 * instructions and sections it has no use for (RenderingInfo, ProcessingErrorData) are
 * skipped. */
#include "ingest/winxml.h"

#include <string.h>

#define MAX_DEPTH 32

enum section { SEC_NONE, SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA };

typedef struct xml {
    rd_ctx *c;
    const char *p, *end;
    ts_str stack[MAX_DEPTH];
    int depth; /* elements open, Event included */
    enum section sec;
    /* The element opened last, while nothing else has been opened or closed since: if its
     * end tag comes next, the text between is its value. */
    bool leaf_open;
    const char *text;
    ts_str leaf_key;
} xml;

size_t ts_winxml_find(const char *p, size_t n)
{
    for (const char *q = p; (q = rd_find(q, (size_t)(p + n - q), "<Event")) != NULL; q += 6) {
        size_t at = (size_t)(q - p);
        if (at + 6 >= n)
            return n;
        char c = q[6];
        if (c == ' ' || c == '>' || c == '/' || c == '\t' || c == '\r' || c == '\n')
            return at;
    }
    return n;
}

bool ts_winxml_linux_sysmon(const ts_event *ev)
{
    return ts_str_eq(ts_event_field(ev, "Provider_Name"), "Linux-Sysmon");
}

static void put_utf8(char **o, uint32_t cp)
{
    char *q = *o;
    if (cp < 0x80) {
        *q++ = (char)cp;
    } else if (cp < 0x800) {
        *q++ = (char)(0xc0 | (cp >> 6));
        *q++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *q++ = (char)(0xe0 | (cp >> 12));
        *q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *q++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *q++ = (char)(0xf0 | (cp >> 18));
        *q++ = (char)(0x80 | ((cp >> 12) & 0x3f));
        *q++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *q++ = (char)(0x80 | (cp & 0x3f));
    }
    *o = q;
}

/* A character reference's code point ("#65", "#x41"); false if not one or not allowed. */
static bool char_ref(ts_str r, uint32_t *cp)
{
    uint32_t v = 0;
    bool hex = r.n > 1 && (r.p[1] == 'x' || r.p[1] == 'X');
    size_t i = hex ? 2 : 1;
    if (r.n <= i || r.n - i > 8)
        return false;
    for (; i < r.n; i++) {
        char ch = r.p[i];
        int d = ch >= '0' && ch <= '9'          ? ch - '0'
                : hex && ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : hex && ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                                : -1;
        if (d < 0)
            return false;
        v = v * (hex ? 16 : 10) + (uint32_t)d;
    }
    if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return false;
    *cp = v;
    return true;
}

/* The text with its entities replaced, in the arena (the text itself when it has none). */
static ts_str unescape(ts_arena *a, ts_str s)
{
    if (!s.n || !memchr(s.p, '&', s.n))
        return s;
    char *out = ts_arena_alloc(a, s.n + 1); /* a reference is never shorter than its UTF-8 */
    if (!out)
        return s;
    char *o = out;
    for (size_t i = 0; i < s.n;) {
        const char *semi = s.p[i] == '&' ? memchr(s.p + i, ';', s.n - i < 12 ? s.n - i : 12) : NULL;
        if (!semi) {
            *o++ = s.p[i++];
            continue;
        }
        ts_str r = ts_str_make(s.p + i + 1, (size_t)(semi - s.p - i - 1));
        uint32_t cp = 0;
        if (RD_EQ(r, "lt"))
            *o++ = '<';
        else if (RD_EQ(r, "gt"))
            *o++ = '>';
        else if (RD_EQ(r, "amp"))
            *o++ = '&';
        else if (RD_EQ(r, "quot"))
            *o++ = '"';
        else if (RD_EQ(r, "apos"))
            *o++ = '\'';
        else if (r.n && r.p[0] == '#' && char_ref(r, &cp))
            put_utf8(&o, cp);
        else {
            *o++ = s.p[i++]; /* not a reference: kept as written */
            continue;
        }
        i = (size_t)(semi - s.p) + 1;
    }
    *o = '\0';
    return ts_str_make(out, (size_t)(o - out));
}

static ts_str system_attr_key(ts_arena *a, ts_str elem, ts_str attr)
{
    static const char *const known[] = {
        "Provider_Name",          "Provider_Guid",       "Provider_EventSourceName",
        "TimeCreated_SystemTime", "Execution_ProcessID", "Execution_ThreadID",
        "Security_UserID",        "EventID_Qualifiers",  "Correlation_ActivityID"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        size_t kn = strlen(known[i]);
        if (elem.n + 1 + attr.n == kn && memcmp(known[i], elem.p, elem.n) == 0 && known[i][elem.n] == '_' &&
            memcmp(known[i] + elem.n + 1, attr.p, attr.n) == 0)
            return ts_str_make(known[i], kn);
    }
    return rd_cat(a, elem, TS_STR_LIT("_"), attr);
}

static bool name_char(char ch)
{
    return ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n' && ch != '/' && ch != '>' && ch != '=';
}

static void skip_space(xml *x)
{
    while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\r' || *x->p == '\n'))
        x->p++;
}

/* Skips past the terminator of a comment, processing instruction or declaration. */
static const char *skip_to(xml *x, const char *term)
{
    const char *t = rd_find(x->p, (size_t)(x->end - x->p), term);
    if (!t)
        return "a comment or declaration is not closed";
    x->p = t + strlen(term);
    return NULL;
}

/* One attribute of the start tag at x->p: name="v" or name='v'. */
static const char *attribute(xml *x, ts_str *name, ts_str *val)
{
    const char *s = x->p;
    while (x->p < x->end && name_char(*x->p))
        x->p++;
    *name = ts_str_make(s, (size_t)(x->p - s));
    skip_space(x);
    if (!name->n || x->p >= x->end || *x->p != '=')
        return "an attribute without a value";
    x->p++;
    skip_space(x);
    if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
        return "an attribute value without quotes";
    char q = *x->p++;
    const char *e = memchr(x->p, q, (size_t)(x->end - x->p));
    if (!e)
        return "an attribute value is not closed";
    *val = ts_str_make(x->p, (size_t)(e - x->p));
    x->p = e + 1;
    return NULL;
}

static enum section section_of(ts_str name)
{
    if (RD_EQ(name, "System"))
        return SEC_SYSTEM;
    if (RD_EQ(name, "EventData"))
        return SEC_EVENTDATA;
    if (RD_EQ(name, "UserData"))
        return SEC_USERDATA;
    return SEC_NONE;
}

/* The start tag at x->p (just past '<'). */
static const char *start_tag(xml *x)
{
    const char *s = x->p;
    while (x->p < x->end && name_char(*x->p))
        x->p++;
    ts_str name = ts_str_make(s, (size_t)(x->p - s));
    if (!name.n)
        return "an element without a name";
    if (x->depth == 0 && !RD_EQ(name, "Event"))
        return "not an <Event> element";
    if (x->depth >= MAX_DEPTH)
        return "elements nested too deeply";
    int d = x->depth; /* this element's depth: 0 Event, 1 section, 2 its children */
    if (d == 1)
        x->sec = section_of(name);
    ts_str key = TS_STR_NULL, data_name = TS_STR_NULL;
    bool has_name = false;
    ts_arena *a = &x->c->s->arena;
    for (;;) {
        skip_space(x);
        if (x->p >= x->end)
            return "a start tag is not closed";
        if (*x->p == '>' || *x->p == '/')
            break;
        ts_str an, av;
        const char *err = attribute(x, &an, &av);
        if (err)
            return err;
        if (x->sec == SEC_SYSTEM && d == 2 && !ts_str_istarts(an, "xmlns"))
            rd_field(x->c, system_attr_key(a, name, an), unescape(a, av));
        else if (x->sec == SEC_EVENTDATA && d == 2 && RD_EQ(an, "Name"))
            data_name = av, has_name = true;
    }
    bool empty = *x->p == '/';
    if (empty && (x->p + 1 >= x->end || x->p[1] != '>'))
        return "a start tag is not closed";
    x->p += empty ? 2 : 1;
    if (x->sec == SEC_SYSTEM && d == 2)
        key = name;
    else if (x->sec == SEC_EVENTDATA && d == 2)
        key = has_name ? data_name : name;
    else if (x->sec == SEC_USERDATA && d >= 3)
        key = name;
    if (empty) {
        /* <Data Name="X"/>: X is present and empty, as Windows renders an empty string. */
        if (x->sec == SEC_EVENTDATA && d == 2 && key.n)
            rd_field(x->c, key, TS_STR_LIT(""));
        if (d == 0)
            return "an empty <Event/>";
        x->leaf_open = false;
        return NULL;
    }
    x->stack[x->depth++] = name;
    x->leaf_open = key.n != 0;
    x->leaf_key = key;
    x->text = x->p;
    return NULL;
}

/* The end tag at x->p (just past "</"); *done when it closes Event. */
static const char *end_tag(xml *x, const char *lt, bool *done)
{
    const char *gt = memchr(x->p, '>', (size_t)(x->end - x->p));
    if (!gt)
        return "an end tag is not closed";
    ts_str name = ts_str_trim(ts_str_make(x->p, (size_t)(gt - x->p)));
    if (!x->depth || name.n != x->stack[x->depth - 1].n ||
        memcmp(name.p, x->stack[x->depth - 1].p, name.n) != 0)
        return "an end tag does not match its start tag";
    if (x->leaf_open) {
        ts_str text = ts_str_make(x->text, (size_t)(lt - x->text));
        rd_field(x->c, x->leaf_key, unescape(&x->c->s->arena, text));
    }
    x->leaf_open = false;
    x->p = gt + 1;
    if (--x->depth == 1)
        x->sec = SEC_NONE;
    *done = x->depth == 0;
    return NULL;
}

/* A CDATA section inside a leaf: its content is the value, taken as it is. */
static const char *cdata(xml *x)
{
    const char *e = rd_find(x->p, (size_t)(x->end - x->p), "]]>");
    if (!e)
        return "a CDATA section is not closed";
    if (x->leaf_open) {
        rd_field(x->c, x->leaf_key, ts_str_make(x->p, (size_t)(e - x->p)));
        x->leaf_open = false;
    }
    x->p = e + 3;
    return NULL;
}

const char *ts_winxml_fields(rd_ctx *c, const char *p, size_t n)
{
    xml x = {.c = c, .p = p, .end = p + n};
    for (;;) {
        const char *lt = x.p < x.end ? memchr(x.p, '<', (size_t)(x.end - x.p)) : NULL;
        if (!lt)
            return x.depth ? "the event ends before </Event>" : "no <Event> element";
        x.p = lt + 1;
        const char *err;
        bool done = false;
        if (x.p < x.end && *x.p == '/') {
            x.p++;
            err = end_tag(&x, lt, &done);
        } else if (x.p < x.end && *x.p == '?') {
            err = skip_to(&x, "?>");
        } else if ((size_t)(x.end - x.p) >= 8 && memcmp(x.p, "![CDATA[", 8) == 0) {
            x.p += 8;
            err = cdata(&x);
        } else if ((size_t)(x.end - x.p) >= 3 && memcmp(x.p, "!--", 3) == 0) {
            err = skip_to(&x, "-->");
        } else if (x.p < x.end && *x.p == '!') {
            err = skip_to(&x, ">");
        } else {
            err = start_tag(&x);
        }
        if (err)
            return err;
        if (done)
            return NULL;
    }
}
