/* behave_util.h: small helpers the behavioural detectors share (internal to src/detect/). */
#ifndef TS_BEHAVE_UTIL_H
#define TS_BEHAVE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/event.h"
#include "core/hash.h"

/* The core hash (core/hash.h) under the names the behavioural detectors use. */
#define BH_SEED TS_HASH_SEED
static inline uint64_t bh_hash(uint64_t h, const void *p, size_t n)
{
    return ts_hash(h, p, n);
}

/* A final mix so that the low bits of a hash serve as a table index. */
static inline uint64_t bh_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* The hash of an address (version and bytes). */
static inline uint64_t bh_ip(uint64_t h, const ts_ip *ip)
{
    h = bh_hash(h, &ip->v, 1);
    return bh_hash(h, ip->b, ip->v == 4 ? 4 : 16);
}

/* Whether an address is the organisation's: the enrich stage's verdict when it ran, else
 * the default internal ranges (events that skipped enrichment, as in unit tests). */
static inline bool bh_internal(const ts_ip *ip, const ts_geo *geo)
{
    if (!ip->v)
        return false;
    if (geo->flags & TS_NET_KNOWN)
        return (geo->flags & TS_NET_INTERNAL) != 0;
    return ts_ip_is_internal_default(ip);
}

/* The record's own connection id: Zeek's uid, Suricata's flow_id; empty if none. */
static inline ts_str bh_conn_id(const ts_event *ev)
{
    ts_str u = ts_event_field(ev, "uid");
    return u.n ? u : ts_event_field(ev, "flow_id");
}

/* Whether the event is a connection summary written when it ended (Zeek conn, Suricata
 * flow / netflow, any reader that says so), as opposed to a connection opened (Sysmon 3). */
static inline bool bh_is_flow(const ts_event *ev)
{
    return (ev->type & (TS_TYPE_CONNECTION | TS_TYPE_END)) == (TS_TYPE_CONNECTION | TS_TYPE_END);
}

/* Whether the event says a connection happened at all: a summary or an opening. */
static inline bool bh_is_connection(const ts_event *ev)
{
    return (ev->type & TS_TYPE_CONNECTION) != 0;
}

/* The share a share-access event names: Windows' ShareName, else the path a network
 * sensor saw mapped (Zeek smb_mapping). */
static inline ts_str bh_share(const ts_event *ev)
{
    ts_str s = ts_event_field(ev, "ShareName");
    return s.n ? s : ev->file_path;
}

#endif
