/* exfil_int.h: the exfiltration detector's state, shared by exfil.c and exfil_store.c (internal to
 * src/detect/). */
#ifndef TS_EXFIL_INT_H
#define TS_EXFIL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ip.h"
#include "tocsin.h"

#define XF_BLOOM_WORDS 32 /* 2048 bits per filter */
#define XF_HIST 28        /* days of history per host */
#define XF_POOL 4096      /* host-days in the peers' pool */
#define XF_TOP 4          /* new destinations named per host-day */
#define XF_HELD 64        /* volumes held while the organisation's baseline is young */
#define XF_MAX_SERVER_TOKENS 32

typedef struct xf_dest {
    ts_ip ip;
    uint64_t bytes;
    uint16_t port;
} xf_dest;

/* One internal host. What every flow touches sits in three cache lines, fetched
 * together: the first 64 bytes, and one 64-byte block of each filter. */
typedef struct xf_host {
    _Alignas(64) ts_ip ip;
    uint8_t hist_n, hist_head;
    uint16_t ndays;                /* closed days so far (saturating) */
    int32_t day;                   /* the open day (days since the epoch, UTC), -1 before any */
    int32_t alerted_day;           /* the last day a volume alert was raised, -1 none */
    uint64_t out_today, new_today; /* outbound bytes of the open day: all, to new destinations */
    int64_t first_new_ns, last_new_ns;
    _Alignas(64) uint64_t known[XF_BLOOM_WORDS]; /* destinations of closed days */
    uint64_t fresh[XF_BLOOM_WORDS];              /* destinations first seen in the open day */
    float hist[XF_HIST];                         /* log10(1 + outbound bytes) of the last closed days */
    double own_med, own_mad, own_max;            /* of hist, refreshed when a day closes */
    xf_dest top[XF_TOP];                         /* the largest new destinations of the open day */
} xf_host;

typedef struct exfil_state {
    /* tunables */
    double min_bytes, z_own, z_peer, max_factor;
    uint32_t min_days, min_peers, max_hosts;
    char *servers[XF_MAX_SERVER_TOKENS];
    size_t n_servers;
    /* hosts, in the order they came (dense, so that few pages hold them), found through
     * an open-addressing index of (hash tag << 32 | position), XF_EMPTY when free */
    xf_host *hosts;
    size_t n_hosts, cap_hosts;
    uint64_t *index;
    size_t mask;
    uint64_t evicted; /* hosts forgotten to stay within max_hosts */
    /* peers: log10 daily outbound of recent host-days, a ring */
    float pool[XF_POOL];
    uint32_t pool_n, pool_head;
    bool pool_dirty;
    double pool_med, pool_mad;
    /* the span of days seen at all: the organisation's learning period */
    int32_t first_day, last_day;
    /* Volumes that reached min_bytes in the organisation's first min_days days, each
     * judged once min_days more days of its host have closed (not saved: a run that ends
     * before hands the next one only what it learnt). */
    struct xf_held {
        struct ts_alert *a;
        ts_ip ip;
        double x;    /* log10(1 + bytes to new destinations) that day */
        int32_t day; /* that day */
    } held[XF_HELD];
    size_t n_held;
} exfil_state;

#define XF_EMPTY UINT64_MAX
/* The host for ip, created when create is set (when max_hosts are kept, the eighth seen
 * least recently is forgotten first); NULL when absent or out of memory. Creating a host
 * may move every host. */
xf_host *xf_host_get(exfil_state *st, const ts_ip *ip, bool create);
/* Refreshes h's own_med / own_mad from its history. */
void xf_host_stats(xf_host *h);

/* The detector's save and load hooks (see ts_detector). */
tocsin_code xf_save(void *state, void **blob, size_t *len);
tocsin_code xf_load(void *state, const void *blob, size_t len);

#endif
