/* zeek_map.h: the mapping of Zeek log records to typed events, shared by the TSV and JSON
 * readers so both layouts of a log give the same event. */
#ifndef TS_INGEST_ZEEK_MAP_H
#define TS_INGEST_ZEEK_MAP_H

#include "core/event.h"
#include "ingest/rd.h"

typedef enum zk_log {
    ZK_GENERIC = 0, /* any other log: ts, uid, id.* only */
    ZK_CONN,
    ZK_DNS,
    ZK_HTTP,
    ZK_SSL,
    ZK_SMTP,
    ZK_FILES,
    ZK_NOTICE,
    ZK_KERBEROS,
    ZK_NTLM,
    ZK_RDP,
    ZK_SMB_MAPPING,
    ZK_PE, /* pe.log: the headers of a Windows executable seen in a transfer, by file id */
    ZK_NLOGS
} zk_log;

/* The log kind named by a "#path" / "_path" value ("conn", "dns", ...). */
zk_log zk_log_from_path(ts_str path);
/* The log kind guessed from the field names of a record without "_path". */
zk_log zk_log_infer(const ts_field *f, size_t n);

/* "zeek.<path>": static for known kinds, else built in a from path ("zeek.unknown" when
 * there is none). */
ts_str zk_dataset(zk_log log, ts_str path, ts_arena *a);

/* The first field of a record that could not be used: why is NULL when there was none,
 * else says what was wanted ("a time", "a port" ...; val is then the field's text) or
 * "missing" (val.p is NULL); key and val borrow the field. */
typedef struct zk_flaw {
    const char *why;
    ts_str key, val;
} zk_flaw;

/* Fills ev's typed fields and dataset from its raw fields (ev->fields must be set).
 * dataset: "zeek.<path>", owned by the caller and valid during the sink call. a holds the
 * built URL. Returns the record's first flaw (a value that is not what its field holds, or
 * no ts in a record about a connection), so a reader can say so. */
zk_flaw zk_map(ts_event *ev, zk_log log, ts_str dataset, ts_arena *a);

/* Says a flaw zk_map found (nothing when f.why is NULL) as a warning on ev's line. */
void zk_warn(rd_ctx *c, const ts_event *ev, zk_flaw f);

#endif
