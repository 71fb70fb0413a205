/* enrich.h: country, ASN and network flags for addresses (libloc), behind a cache. */
#ifndef TS_ENRICH_H
#define TS_ENRICH_H

#include "core/event.h"
#include "tocsin.h"

typedef struct ts_enrich ts_enrich;

/* Opens the libloc database at db_path (NULL: Debian's libloc-database default). extra_internal:
 * comma-separated CIDRs also treated as internal (may be NULL). Without a database it still
 * marks the default internal ranges (ts_ip_is_internal_default) internal, and returns TOCSIN_E_ENRICH with a
 * message in err. */
tocsin_code ts_enrich_open(const char *db_path, const char *extra_internal, ts_enrich **out, char *err,
                           size_t errlen);
void ts_enrich_free(ts_enrich *e);

/* Fills geo for ip (flags has TS_NET_KNOWN afterwards). The default internal ranges
 * (RFC 1918, ULA, loopback, link-local, multicast) and configured ones get TS_NET_INTERNAL
 * and no country; documentation and other reserved blocks are outside. */
void ts_enrich_ip(ts_enrich *e, const ts_ip *ip, ts_geo *geo);
/* Enriches the event's source and destination addresses. */
void ts_enrich_event(ts_enrich *e, ts_event *ev);
/* The registered name of an AS ("Star Joint Venture Co. Ltd."), or NULL; valid until the next call. */
const char *ts_enrich_as_name(ts_enrich *e, uint32_t asn);

#endif
