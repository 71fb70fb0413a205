/* zeek_json.c: reader for Zeek logs written as JSON, one object per line: Zeek's own JSON
 * writer ("_path" when several logs share a stream), and what pipelines such as Security
 * Onion, RockNSM or a Kafka writer make of it: the log named by "@stream" or "@path", the
 * id record's fields joined with "_" ("id_orig_h") instead of ".", ts as epoch seconds or
 * ISO 8601 text. */
#include <string.h>

#include "ingest/rd.h"
#include "ingest/zeek/zeek_map.h"

typedef struct zj_state {
    rd_ctx *c;
    ts_str path; /* the log's name, when the writer added it */
} zj_state;

/* The conn id's four fields under the "_" scope separator (Zeek's Log::default_scope_sep
 * set to "_", as RockNSM and others do), to the names the TSV header and Sigma use. */
static ts_str id_key(ts_str k)
{
    static const char *const dotted[] = {"id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"};
    if (k.n != 9 || memcmp(k.p, "id_", 3) != 0)
        return k;
    for (size_t i = 0; i < 4; i++)
        if (memcmp(k.p + 3, dotted[i] + 3, 6) == 0)
            return ts_str_make(dotted[i], 9);
    return k;
}

/* Zeek's JSON is flat ("id.orig_h" is one key), so walked paths are Zeek's field names. */
static int zj_leaf(void *ud, const char *path, size_t plen, ts_json_type type, const char *val, size_t vlen)
{
    zj_state *st = ud;
    if (type == TS_JSON_NULL)
        return 0; /* as an unset TSV column: absent */
    ts_str k = ts_str_make(path, plen), v = ts_str_make(val, vlen);
    if (plen && (path[0] == '_' || path[0] == '@')) {
        if (RD_EQ(k, "_path") || RD_EQ(k, "@stream") || RD_EQ(k, "@path"))
            st->path = v;
    } else if (plen == 9 && path[2] == '_') {
        k = id_key(k);
    }
    rd_field(st->c, k, v);
    return 0;
}

static void zj_begin(void *ud)
{
    ((zj_state *)ud)->path = TS_STR_NULL;
}

static void zj_done(void *ud)
{
    zj_state *st = ud;
    ts_scratch *s = st->c->s;
    ts_event *ev = &s->ev;
    ev->fields = s->fields.v;
    ev->n_fields = s->fields.n;
    zk_log log = st->path.n ? zk_log_from_path(st->path) : zk_log_infer(ev->fields, ev->n_fields);
    zk_warn(st->c, ev, zk_map(ev, log, zk_dataset(log, st->path, &s->arena), &s->arena));
    rd_emit(st->c);
}

static int zj_sniff(const char *head, size_t len)
{
    ts_str l = rd_first_line(head, len);
    if (!l.n || l.p[0] != '{' || rd_find(l.p, l.n, "\"event_type\""))
        return 0;
    if (rd_find(l.p, l.n, "\"_path\":"))
        return 90;
    bool ts = rd_find(l.p, l.n, "\"ts\"") != NULL;
    if ((rd_find(l.p, l.n, "\"@stream\":") || rd_find(l.p, l.n, "\"@path\":")) && ts)
        return 90;
    if ((rd_find(l.p, l.n, "\"id.orig_h\"") || rd_find(l.p, l.n, "\"id_orig_h\"")) &&
        (rd_find(l.p, l.n, "\"uid\"") || ts))
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
