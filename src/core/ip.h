/* ip.h: IPv4 and IPv6 addresses as values, parsed from and formatted to text. */
#ifndef TS_IP_H
#define TS_IP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/str.h"

/* An address. v is 0 (none), 4 or 6. IPv4 lives in b[0..3], network order, rest zero;
 * an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is stored as IPv4. */
typedef struct ts_ip {
    uint8_t v;
    uint8_t b[16];
} ts_ip;

#define TS_IP_STRLEN 46 /* INET6_ADDRSTRLEN */

/* Parses "10.0.0.1", "2001:db8::1", "[2001:db8::1]", "fe80::1%eth0"; false if not an
 * address (out is then zeroed). */
bool ts_ip_parse(ts_str s, ts_ip *out);
/* Parses "10.0.0.0/8" or a bare address (full length); false if invalid. Host bits
 * beyond the prefix are cleared. */
bool ts_cidr_parse(ts_str s, ts_ip *out, uint8_t *prefix);
/* Formats into buf (TS_IP_STRLEN bytes); returns buf ("" for v == 0). */
char *ts_ip_format(const ts_ip *ip, char *buf);
static inline uint32_t ts_ip4_u32(const ts_ip *ip)
{
    return (uint32_t)ip->b[0] << 24 | (uint32_t)ip->b[1] << 16 | (uint32_t)ip->b[2] << 8 | ip->b[3];
}
static inline bool ts_ip_set(const ts_ip *ip)
{
    return ip->v != 0;
}
bool ts_ip_eq(const ts_ip *a, const ts_ip *b);
/* True for private, loopback, link-local, CGNAT, ULA, multicast, documentation and other
 * special-purpose ranges that never route on the public Internet (RFC 6890). */
bool ts_ip_is_special(const ts_ip *ip);
/* True for what is the organisation's own by default: RFC 1918 (10/8, 172.16/12,
 * 192.168/16) and unique local IPv6 (fc00::/7), plus addresses that name no remote party
 * and so can never be "outside": loopback, link-local, multicast, unspecified (0/8, ::)
 * and broadcast. Documentation, benchmarking, CGNAT and other reserved blocks are not:
 * a server there is outside like any other (configured ranges are added by enrich). */
bool ts_ip_is_internal_default(const ts_ip *ip);

#endif
