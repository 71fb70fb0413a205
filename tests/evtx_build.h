/* evtx_build.h: builds small EVTX files of the project's own (file header, one chunk,
 * BinXML records with a template), for tests/test_evtx.c and the fuzz target's seeds. */
#ifndef TS_EVTX_BUILD_H
#define TS_EVTX_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define EB_FILE 4096u
#define EB_CHUNK 65536u

typedef struct eb_name {
    const char *s;
    uint32_t off;
} eb_name;

/* One file of one chunk being written; c points into b at the chunk. */
typedef struct eb {
    uint8_t b[EB_FILE + EB_CHUNK];
    uint8_t *c;
    uint32_t pos;     /* write position in the chunk */
    bool in_template; /* elements carry a dependency id inside template bodies */
    eb_name names[64];
    int n_names;
    uint64_t first_id, last_id;
    uint32_t last_rec;
} eb;

static inline void eb_u8(eb *e, uint8_t v)
{
    e->c[e->pos++] = v;
}
static inline void eb_u16(eb *e, uint16_t v)
{
    eb_u8(e, (uint8_t)v);
    eb_u8(e, (uint8_t)(v >> 8));
}
static inline void eb_u32(eb *e, uint32_t v)
{
    eb_u16(e, (uint16_t)v);
    eb_u16(e, (uint16_t)(v >> 16));
}
static inline void eb_u64(eb *e, uint64_t v)
{
    eb_u32(e, (uint32_t)v);
    eb_u32(e, (uint32_t)(v >> 32));
}
static inline void eb_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void eb_put64(uint8_t *p, uint64_t v)
{
    eb_put32(p, (uint32_t)v);
    eb_put32(p + 4, (uint32_t)(v >> 32));
}
static inline void eb_utf16(eb *e, const char *s)
{
    for (; *s; s++)
        eb_u16(e, (uint8_t)*s);
}

static inline void eb_init(eb *e)
{
    memset(e, 0, sizeof *e);
    e->c = e->b + EB_FILE;
    e->pos = 512;
}

/* A name reference: the offset of an earlier copy, or the name defined right here. */
static inline void eb_name_ref(eb *e, const char *s)
{
    for (int i = 0; i < e->n_names; i++)
        if (strcmp(e->names[i].s, s) == 0) {
            eb_u32(e, e->names[i].off);
            return;
        }
    uint32_t off = e->pos + 4;
    if (e->n_names < 64)
        e->names[e->n_names++] = (eb_name){s, off};
    eb_u32(e, off);
    eb_u32(e, 0);
    eb_u16(e, 0); /* hash: not checked by readers */
    eb_u16(e, (uint16_t)strlen(s));
    eb_utf16(e, s);
    eb_u16(e, 0);
}

static inline void eb_open(eb *e, const char *name, bool attrs)
{
    eb_u8(e, attrs ? 0x41 : 0x01);
    if (e->in_template)
        eb_u16(e, 0xffff);
    eb_u32(e, 0); /* element size: not needed to read */
    eb_name_ref(e, name);
    if (attrs)
        eb_u32(e, 0);
}
static inline void eb_attr(eb *e, const char *name)
{
    eb_u8(e, 0x06);
    eb_name_ref(e, name);
}
static inline void eb_text(eb *e, const char *s)
{
    eb_u8(e, 0x05);
    eb_u8(e, 0x01);
    eb_u16(e, (uint16_t)strlen(s));
    eb_utf16(e, s);
}
static inline void eb_sub(eb *e, uint16_t id, uint8_t type, bool optional)
{
    eb_u8(e, optional ? 0x0e : 0x0d);
    eb_u16(e, id);
    eb_u8(e, type);
}
static inline void eb_close_start(eb *e)
{
    eb_u8(e, 0x02);
}
static inline void eb_close_empty(eb *e)
{
    eb_u8(e, 0x03);
}
static inline void eb_end(eb *e)
{
    eb_u8(e, 0x04);
}
static inline void eb_fragment(eb *e)
{
    eb_u8(e, 0x0f);
    eb_u8(e, 1);
    eb_u8(e, 1);
    eb_u8(e, 0);
}

/* <name>%id</name> with a normal substitution. */
static inline void eb_leaf_sub(eb *e, const char *name, uint16_t id, uint8_t type)
{
    eb_open(e, name, false);
    eb_close_start(e);
    eb_sub(e, id, type, false);
    eb_end(e);
}
/* <Data Name="key">%id</Data> */
static inline void eb_data_sub(eb *e, const char *key, uint16_t id, uint8_t type)
{
    eb_open(e, "Data", true);
    eb_attr(e, "Name");
    eb_text(e, key);
    eb_close_start(e);
    eb_sub(e, id, type, false);
    eb_end(e);
}

/* Starts a record; returns its offset for eb_record_end. */
static inline uint32_t eb_record_begin(eb *e, uint64_t id, uint64_t filetime)
{
    uint32_t at = e->pos;
    eb_u32(e, 0x00002a2a);
    eb_u32(e, 0);
    eb_u64(e, id);
    eb_u64(e, filetime);
    if (!e->first_id)
        e->first_id = id;
    e->last_id = id;
    e->last_rec = at;
    return at;
}
static inline void eb_record_end(eb *e, uint32_t at)
{
    uint32_t size = e->pos + 4 - at;
    eb_u32(e, size);
    eb_put32(e->c + at + 4, size);
}

/* Fills the chunk and file headers and their checksums; returns the file size. */
static inline size_t eb_finish(eb *e)
{
    uint8_t *c = e->c, *f = e->b;
    memcpy(c, "ElfChnk", 8);
    eb_put64(c + 8, e->first_id);
    eb_put64(c + 16, e->last_id);
    eb_put64(c + 24, e->first_id);
    eb_put64(c + 32, e->last_id);
    eb_put32(c + 40, 128);
    eb_put32(c + 44, e->last_rec);
    eb_put32(c + 48, e->pos);
    eb_put32(c + 52, (uint32_t)crc32(0, c + 512, e->pos - 512));
    uLong crc = crc32(0, c, 120);
    eb_put32(c + 124, (uint32_t)crc32(crc, c + 128, 384));
    memcpy(f, "ElfFile", 8);
    eb_put64(f + 24, e->last_id + 1);
    eb_put32(f + 32, 128);
    f[36] = 1;
    f[38] = 3;
    f[41] = 0x10; /* header block size 4096 */
    f[42] = 1;    /* one chunk */
    eb_put32(f + 124, (uint32_t)crc32(0, f, 120));
    return EB_FILE + EB_CHUNK;
}

/* One substitution value. */
typedef struct eb_val {
    uint8_t type;
    const void *p;
    uint16_t n;
} eb_val;

static inline void eb_values(eb *e, const eb_val *v, uint32_t n)
{
    eb_u32(e, n);
    for (uint32_t i = 0; i < n; i++) {
        eb_u16(e, v[i].n);
        eb_u8(e, v[i].type);
        eb_u8(e, 0);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (v[i].n)
            memcpy(e->c + e->pos, v[i].p, v[i].n);
        e->pos += v[i].n;
    }
}

/* The sample template's body: an Event with System fields and EventData. */
static inline void eb_sample_body(eb *e)
{
    eb_fragment(e);
    eb_open(e, "Event", true);
    eb_attr(e, "xmlns");
    eb_text(e, "http://schemas.microsoft.com/win/2004/08/events/event");
    eb_close_start(e);
    eb_open(e, "System", false);
    eb_close_start(e);
    eb_open(e, "Provider", true);
    eb_attr(e, "Name");
    eb_sub(e, 0, 0x01, false);
    eb_attr(e, "Guid");
    eb_sub(e, 1, 0x0f, false);
    eb_close_empty(e);
    eb_leaf_sub(e, "EventID", 2, 0x06);
    eb_leaf_sub(e, "Level", 3, 0x04);
    eb_leaf_sub(e, "Keywords", 4, 0x15);
    eb_open(e, "TimeCreated", true);
    eb_attr(e, "SystemTime");
    eb_sub(e, 5, 0x11, false);
    eb_close_empty(e);
    eb_leaf_sub(e, "EventRecordID", 6, 0x0a);
    eb_open(e, "Correlation", true);
    eb_attr(e, "ActivityID");
    eb_sub(e, 7, 0x0f, true);
    eb_close_empty(e);
    eb_open(e, "Execution", true);
    eb_attr(e, "ProcessID");
    eb_sub(e, 8, 0x08, false);
    eb_attr(e, "ThreadID");
    eb_sub(e, 9, 0x08, false);
    eb_close_empty(e);
    eb_open(e, "Channel", false);
    eb_close_start(e);
    eb_text(e, "Security");
    eb_end(e);
    eb_leaf_sub(e, "Computer", 10, 0x01);
    eb_open(e, "Security", true);
    eb_attr(e, "UserID");
    eb_sub(e, 11, 0x13, false);
    eb_close_empty(e);
    eb_end(e); /* System */
    eb_open(e, "EventData", false);
    eb_close_start(e);
    eb_data_sub(e, "CommandLine", 12, 0x01);
    eb_data_sub(e, "LogonId", 13, 0x15);
    eb_data_sub(e, "Hash", 14, 0x0e);
    eb_data_sub(e, "Flag", 15, 0x0d);
    eb_data_sub(e, "Neg", 16, 0x07);
    eb_data_sub(e, "When", 17, 0x12);
    eb_data_sub(e, "Names", 18, 0x81);
    eb_open(e, "Data", false); /* unnamed, with entity and character references */
    eb_close_start(e);
    eb_text(e, "a");
    eb_u8(e, 0x49);
    eb_name_ref(e, "amp");
    eb_u8(e, 0x48);
    eb_u16(e, 0xe9); /* e acute */
    eb_u8(e, 0x47);
    eb_u16(e, 2);
    eb_utf16(e, "<>");
    eb_end(e);
    eb_end(e); /* EventData */
    eb_end(e); /* Event */
    eb_u8(e, 0x00);
}

/* A template instance whose definition is written here, or referenced at def. */
static inline uint32_t eb_instance(eb *e, uint32_t def)
{
    eb_u8(e, 0x0c);
    eb_u8(e, 0x01);
    eb_u32(e, 0x1234);
    if (def) {
        eb_u32(e, def);
        return def;
    }
    def = e->pos + 4;
    eb_u32(e, def);
    eb_u32(e, 0); /* next template */
    for (int i = 0; i < 16; i++)
        eb_u8(e, (uint8_t)(0xa0 + i));
    uint32_t size_at = e->pos;
    eb_u32(e, 0);
    e->in_template = true;
    eb_sample_body(e);
    e->in_template = false;
    eb_put32(e->c + size_at, e->pos - size_at - 4);
    return def;
}

/* The sample's substitution values; n limits how many an instance gives. */
static inline void eb_sample_values(eb *e, uint32_t n, uint64_t record_id, const char *cmd)
{
    static uint8_t prov[128], comp[32], cmdb[512], names[32];
    static const uint8_t guid[16] = {0x5f, 0x38, 0x70, 0x57, 0x2a, 0xc2, 0x0e, 0x43,
                                     0xbf, 0x4c, 0x06, 0xf5, 0x69, 0x8f, 0xfb, 0xd9};
    static const uint8_t sid[12] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    static const uint8_t hash[3] = {0xde, 0xad, 0x01};
    static const uint8_t systime[16] = {0xe9, 0x07, 3, 0, 1, 0, 2, 0, 4, 0, 5, 0, 6, 0, 7, 0};
    uint16_t eid = 4688;
    uint8_t level = 4;
    uint64_t kw = 0x8020000000000000ull, ft = 133500000000000000ull, rid = record_id;
    uint64_t logon = 0x58c3c;
    uint32_t pid = 3544, tid = 4272, flag = 1;
    int32_t neg = -7;
    size_t i, k = 0;
    const char *pn = "Microsoft-Windows-Security-Auditing", *cn = "host1";
    for (i = 0; pn[i]; i++)
        prov[2 * i] = (uint8_t)pn[i];
    for (i = 0; cn[i]; i++)
        comp[2 * i] = (uint8_t)cn[i];
    for (i = 0; cmd[i] && i < 255; i++)
        cmdb[2 * i] = (uint8_t)cmd[i];
    const char *nm = "ab\0cd\0";
    for (k = 0; k < 6; k++)
        names[2 * k] = (uint8_t)nm[k];
    eb_val v[19] = {
        {0x01, prov, (uint16_t)(2 * strlen(pn))},
        {0x0f, guid, 16},
        {0x06, &eid, 2},
        {0x04, &level, 1},
        {0x15, &kw, 8},
        {0x11, &ft, 8},
        {0x0a, &rid, 8},
        {0x00, NULL, 0},
        {0x08, &pid, 4},
        {0x08, &tid, 4},
        {0x01, comp, (uint16_t)(2 * strlen(cn))},
        {0x13, sid, 12},
        {0x01, cmdb, (uint16_t)(2 * i)},
        {0x15, &logon, 8},
        {0x0e, hash, 3},
        {0x0d, &flag, 4},
        {0x07, &neg, 4},
        {0x12, systime, 16},
        {0x81, names, 12},
    };
    eb_values(e, v, n);
}

/* A template header at the instance; the body is written by body() when def is 0. */
static inline uint32_t eb_template(eb *e, uint32_t def, void (*body)(eb *))
{
    eb_u8(e, 0x0c);
    eb_u8(e, 0x01);
    eb_u32(e, 0x5678);
    if (def) {
        eb_u32(e, def);
        return def;
    }
    def = e->pos + 4;
    eb_u32(e, def);
    eb_u32(e, 0);
    for (int i = 0; i < 16; i++)
        eb_u8(e, (uint8_t)i);
    uint32_t size_at = e->pos;
    eb_u32(e, 0);
    e->in_template = true;
    body(e);
    e->in_template = false;
    eb_put32(e->c + size_at, e->pos - size_at - 4);
    return def;
}

/* <Event><System><EventID>%0</EventID></System>%1</Event> */
static inline void eb_outer_body(eb *e)
{
    eb_fragment(e);
    eb_open(e, "Event", false);
    eb_close_start(e);
    eb_open(e, "System", false);
    eb_close_start(e);
    eb_leaf_sub(e, "EventID", 0, 0x06);
    eb_end(e);
    eb_sub(e, 1, 0x21, false);
    eb_end(e);
    eb_u8(e, 0);
}

/* <EventData><Data Name="TargetUserName">%0</Data></EventData> */
static inline void eb_inner_body(eb *e)
{
    eb_fragment(e);
    eb_open(e, "EventData", false);
    eb_close_start(e);
    eb_data_sub(e, "TargetUserName", 0, 0x01);
    eb_end(e);
    eb_u8(e, 0);
}

static inline uint32_t eb_nested_outer(eb *e, uint32_t def)
{
    return eb_template(e, def, eb_outer_body);
}
static inline uint32_t eb_nested_inner(eb *e, uint32_t def)
{
    return eb_template(e, def, eb_inner_body);
}

/* A file of one chunk: records 101 and 102 from one template (inline, then by
 * offset), 103 damaged (too few values), 104 without a template, 105 and 106 with
 * EventData in a nested template. */
static inline size_t eb_build_sample(eb *e)
{
    eb_init(e);
    uint64_t ft = 133500000000000000ull;
    uint32_t at = eb_record_begin(e, 101, ft);
    eb_fragment(e);
    uint32_t def = eb_instance(e, 0);
    eb_sample_values(e, 19, 101, "cmd.exe /c whoami");
    eb_u8(e, 0);
    eb_record_end(e, at);

    at = eb_record_begin(e, 102, ft + 10000000);
    eb_fragment(e);
    eb_instance(e, def);
    eb_sample_values(e, 19, 102, "C:\\Windows\\System32\\net.exe user");
    eb_u8(e, 0);
    eb_record_end(e, at);

    at = eb_record_begin(e, 103, ft + 20000000);
    eb_fragment(e);
    eb_instance(e, def);
    eb_sample_values(e, 5, 103, "x");
    eb_u8(e, 0);
    eb_record_end(e, at);

    at = eb_record_begin(e, 104, ft + 30000000);
    eb_fragment(e);
    eb_open(e, "Event", false);
    eb_close_start(e);
    eb_open(e, "System", false);
    eb_close_start(e);
    eb_open(e, "EventID", false);
    eb_close_start(e);
    eb_text(e, "7045");
    eb_end(e);
    eb_end(e);
    eb_open(e, "UserData", false);
    eb_close_start(e);
    eb_open(e, "Wrap", false);
    eb_close_start(e);
    eb_open(e, "ServiceName", false);
    eb_close_start(e);
    eb_text(e, "evil");
    eb_end(e);
    eb_end(e);
    eb_end(e);
    eb_end(e);
    eb_u8(e, 0);
    eb_record_end(e, at);

    /* 105: EventData arrives as a BinXML value holding its own template instance, as
     * Security logs write it; twice, so the second uses both compiled templates. */
    uint32_t outer = 0, inner = 0;
    for (uint64_t id = 105; id <= 106; id++) {
        at = eb_record_begin(e, id, ft + 40000000);
        eb_fragment(e);
        outer = eb_nested_outer(e, outer);
        uint16_t eid = 4624;
        uint32_t vat = e->pos; /* values: EventID, then the BinXML, sized afterwards */
        eb_u32(e, 2);
        eb_u16(e, 2);
        eb_u8(e, 0x06);
        eb_u8(e, 0);
        uint32_t size_at = e->pos;
        eb_u16(e, 0);
        eb_u8(e, 0x21);
        eb_u8(e, 0);
        memcpy(e->c + e->pos, &eid, 2);
        e->pos += 2;
        uint32_t x0 = e->pos;
        eb_fragment(e);
        inner = eb_nested_inner(e, inner);
        static uint8_t user[16];
        const char *u = id == 105 ? "alice" : "bob";
        for (size_t i = 0; u[i]; i++)
            user[2 * i] = (uint8_t)u[i];
        eb_val v = {0x01, user, (uint16_t)(2 * strlen(u))};
        eb_values(e, &v, 1);
        eb_u8(e, 0);
        e->c[size_at] = (uint8_t)(e->pos - x0);
        e->c[size_at + 1] = (uint8_t)((e->pos - x0) >> 8);
        (void)vat;
        eb_u8(e, 0);
        eb_record_end(e, at);
    }
    return eb_finish(e);
}

#endif
