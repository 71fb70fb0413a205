/* zeek_json.c: reader for Zeek logs written as JSON, one object per line. */
#include <string.h>

#include "ingest/rd.h"
#include "ingest/zeek_map.h"

typedef struct zj_state {
    rd_ctx *c;
    ts_str path; /* "_path", when the writer added it */
} zj_state;

/* Zeek's JSON is flat ("id.orig_h" is one key), so walked paths are Zeek's field names. */
static int zj_leaf(void *ud, const char *path, size_t plen, ts_json_type type, const char *val,
                   size_t vlen)
{
    zj_state *st = ud;
    if (type == TS_JSON_NULL)
        return 0; /* as an unset TSV column: absent */
    ts_str k = ts_str_make(path, plen), v = ts_str_make(val, vlen);
    if (RD_EQ(k, "_path"))
        st->path = v;
    rd_field(st->c, k, v);
    return 0;
}

static void zj_begin(void *ud) { ((zj_state *)ud)->path = TS_STR_NULL; }

static void zj_done(void *ud)
{
    zj_state *st = ud;
    ts_scratch *s = st->c->s;
    ts_event *ev = &s->ev;
    ev->fields = s->fields.v;
    ev->n_fields = s->fields.n;
    zk_log log = st->path.n ? zk_log_from_path(st->path) : zk_log_infer(ev->fields, ev->n_fields);
    zk_map(ev, log, zk_dataset(log, st->path, &s->arena), &s->arena);
    rd_emit(st->c);
}

static int zj_sniff(const char *head, size_t len)
{
    ts_str l = rd_first_line(head, len);
    if (!l.n || l.p[0] != '{' || rd_find(l.p, l.n, "\"event_type\""))
        return 0;
    if (rd_find(l.p, l.n, "\"_path\":"))
        return 90;
    if (rd_find(l.p, l.n, "\"id.orig_h\"") && (rd_find(l.p, l.n, "\"uid\"") || rd_find(l.p, l.n, "\"ts\"")))
        return 80;
    return 0;
}

static tocsin_code zj_read(ts_input *in, ts_scratch *scratch, const ts_sink *sink)
{
    rd_ctx c = rd_make(in, scratch, sink);
    zj_state st = {&c, TS_STR_NULL};
    static const rd_json_ops ops = {zj_begin, zj_leaf, zj_done};
    return rd_json_records(&c, &ops, &st);
}

const ts_reader ts_reader_zeek_json = {
    .name = "zeek-json",
    .summary = "Zeek logs in JSON, one object per line (conn, dns, http, ssl, smtp, files, ...)",
    .sniff = zj_sniff,
    .read = zj_read,
};
