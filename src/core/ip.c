/* ip.c: parsing, formatting and classifying IPv4/IPv6 addresses. */
#include "core/ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <pthread.h>
#include <string.h>

/* The hot path: dotted quads are parsed by hand; IPv6 goes through inet_pton. */
static bool parse_v4(const char *p, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9') {
            v = v * 10 + (unsigned)(p[i++] - '0');
            if (++digits > 3 || v > 255)
                return false;
        }
        if (!digits)
            return false;
        out[part] = (uint8_t)v;
        if (part < 3) {
            if (i >= n || p[i] != '.')
                return false;
            i++;
        }
    }
    return i == n;
}

bool ts_ip_parse(ts_str s, ts_ip *out)
{
    char buf[64];
    const char *p = s.p;
    size_t n = s.n;
    memset(out, 0, sizeof *out);
    if (n == 0 || !p)
        return false;
    if (parse_v4(p, n, out->b)) {
        out->v = 4;
        return true;
    }
    if (p[0] == '[' && n > 2 && p[n - 1] == ']')
        p++, n -= 2;
    const char *zone = memchr(p, '%', n);
    if (zone)
        n = (size_t)(zone - p);
    if (n == 0 || n >= sizeof buf || !memchr(p, ':', n))
        return false;
    memcpy(buf, p, n);
    buf[n] = 0;
    if (inet_pton(AF_INET6, buf, out->b) != 1) {
        memset(out, 0, sizeof *out);
        return false;
    }
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(out->b, mapped, 12) == 0) {
        memmove(out->b, out->b + 12, 4);
        memset(out->b + 4, 0, 12);
        out->v = 4;
    } else {
        out->v = 6;
    }
    return true;
}

bool ts_cidr_parse(ts_str s, ts_ip *out, uint8_t *prefix)
{
    const char *slash = memchr(s.p, '/', s.n);
    uint64_t len;
    if (!ts_ip_parse(ts_str_make(s.p, slash ? (size_t)(slash - s.p) : s.n), out))
        return false;
    unsigned max = out->v == 4 ? 32 : 128;
    if (!slash) {
        *prefix = (uint8_t)max;
        return true;
    }
    if (!ts_parse_u64(ts_str_make(slash + 1, s.n - (size_t)(slash + 1 - s.p)), &len) || len > max) {
        memset(out, 0, sizeof *out);
        return false;
    }
    *prefix = (uint8_t)len;
    for (unsigned bit = (unsigned)len; bit < max; bit++)
        out->b[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    return true;
}

char *ts_ip_format(const ts_ip *ip, char *buf)
{
    buf[0] = 0;
    if (ip->v == 4)
        snprintf(buf, TS_IP_STRLEN, "%u.%u.%u.%u", ip->b[0], ip->b[1], ip->b[2], ip->b[3]);
    else if (ip->v == 6)
        inet_ntop(AF_INET6, ip->b, buf, TS_IP_STRLEN);
    return buf;
}

bool ts_ip_eq(const ts_ip *a, const ts_ip *b)
{
    return a->v == b->v && memcmp(a->b, b->b, 16) == 0;
}

typedef struct special_net {
    uint8_t b[16];
    uint8_t prefix;
} special_net;

/* RFC 6890 and successors: IPv6 ranges that are not globally routable unicast. */
static const special_net special6[] = {
    {{0}, 127},                     /* :: and ::1 */
    {{0x01, 0x00}, 64},             /* discard-only */
    {{0x20, 0x01, 0x0d, 0xb8}, 32}, /* documentation */
    {{0xfc}, 7},                    /* unique local */
    {{0xfe, 0x80}, 10},             /* link local */
    {{0xff}, 8},                    /* multicast */
};

static bool in_net(const uint8_t *a, const special_net *n)
{
    unsigned full = n->prefix / 8, rest = n->prefix % 8;
    if (memcmp(a, n->b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (a[full] & mask) == (n->b[full] & mask);
}

/* RFC 6890 and successors: IPv4 ranges that are not globally routable unicast, as
 * network and mask. Every event's addresses pass here, several times: most first octets
 * settle the answer alone (by_octet), and only six need the table. */
static const struct {
    uint32_t net, mask;
} special4[] = {
    {0x00000000u, 0xff000000u}, /* 0/8 this network */
    {0x0a000000u, 0xff000000u}, /* 10/8 private */
    {0x64400000u, 0xffc00000u}, /* 100.64/10 shared address space (CGNAT) */
    {0x7f000000u, 0xff000000u}, /* 127/8 loopback */
    {0xa9fe0000u, 0xffff0000u}, /* 169.254/16 link local */
    {0xac100000u, 0xfff00000u}, /* 172.16/12 private */
    {0xc0000000u, 0xffffff00u}, /* 192.0.0/24 IETF protocol assignments */
    {0xc0000200u, 0xffffff00u}, /* 192.0.2/24 TEST-NET-1 */
    {0xc0a80000u, 0xffff0000u}, /* 192.168/16 private */
    {0xc6120000u, 0xfffe0000u}, /* 198.18/15 benchmarking */
    {0xc6336400u, 0xffffff00u}, /* 198.51.100/24 TEST-NET-2 */
    {0xcb007100u, 0xffffff00u}, /* 203.0.113/24 TEST-NET-3 */
    {0xe0000000u, 0xf0000000u}, /* 224/4 multicast */
    {0xf0000000u, 0xf0000000u}, /* 240/4 reserved, broadcast */
};

enum { OCTET_PUBLIC = 0, OCTET_SPECIAL, OCTET_CHECK };

/* What the first octet says: the table above, read per octet (built once, on first use). */
static uint8_t by_octet[256];
static pthread_once_t by_octet_once = PTHREAD_ONCE_INIT;

static void fill_by_octet(void)
{
    for (unsigned o = 0; o < 256; o++) {
        uint8_t kind = OCTET_PUBLIC;
        for (size_t i = 0; i < sizeof special4 / sizeof *special4; i++) {
            if ((special4[i].net >> 24) != (o & (special4[i].mask >> 24)))
                continue;
            kind = (special4[i].mask >> 24) == 0xff && (special4[i].mask & 0xffffff) == 0 ? OCTET_SPECIAL
                   : (special4[i].mask >> 24) != 0xff                                     ? OCTET_SPECIAL
                                                                                          : OCTET_CHECK;
            if (kind == OCTET_SPECIAL)
                break;
        }
        by_octet[o] = kind;
    }
}

static bool special_v4(uint32_t a)
{
    pthread_once(&by_octet_once, fill_by_octet);
    uint8_t kind = by_octet[a >> 24];
    if (kind != OCTET_CHECK)
        return kind == OCTET_SPECIAL;
    bool hit = false;
    for (size_t i = 0; i < sizeof special4 / sizeof *special4; i++)
        hit |= (a & special4[i].mask) == special4[i].net;
    return hit;
}

bool ts_ip_is_special(const ts_ip *ip)
{
    if (ip->v == 4)
        return special_v4(ts_ip4_u32(ip));
    if (ip->v != 6)
        return false;
    for (size_t i = 0; i < sizeof special6 / sizeof *special6; i++)
        if (in_net(ip->b, &special6[i]))
            return true;
    return false;
}

bool ts_ip_is_internal_default(const ts_ip *ip)
{
    if (ip->v == 4) {
        uint32_t a = ts_ip4_u32(ip);
        switch (a >> 24) {
        case 0:   /* this network */
        case 10:  /* private */
        case 127: /* loopback */
            return true;
        case 169:
            return (a & 0xffff0000u) == 0xa9fe0000u; /* 169.254/16 link local */
        case 172:
            return (a & 0xfff00000u) == 0xac100000u; /* 172.16/12 private */
        case 192:
            return (a & 0xffff0000u) == 0xc0a80000u; /* 192.168/16 private */
        default:
            /* 224/4 multicast, and the limited broadcast address */
            return (a & 0xf0000000u) == 0xe0000000u || a == 0xffffffffu;
        }
    }
    if (ip->v != 6)
        return false;
    static const special_net local6[] = {
        {{0}, 127},         /* :: and ::1 */
        {{0xfc}, 7},        /* unique local */
        {{0xfe, 0x80}, 10}, /* link local */
        {{0xff}, 8},        /* multicast */
    };
    for (size_t i = 0; i < sizeof local6 / sizeof *local6; i++)
        if (in_net(ip->b, &local6[i]))
            return true;
    return false;
}
