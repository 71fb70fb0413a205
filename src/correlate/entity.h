/* entity.h: normalised keys for the hosts and accounts that tie alerts into incidents. */
#ifndef TS_ENTITY_H
#define TS_ENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/ip.h"

#define TS_ENTITY_KEY_MAX 160

/* The key of a host name: lower-cased, trailing dot and leading "\\" dropped, and cut at
 * the first dot unless it is an address ("WS01.corp.local" and "ws01" are one machine).
 * Writes a NUL-terminated key prefixed "h:" into buf (cap bytes); returns its length, or
 * 0 for names that identify no machine ("", "-", "localhost") or do not fit. */
size_t ts_entity_host_key(const char *name, char *buf, size_t cap);
/* The key of an address: "h:" and its text form; 0 when ip is unset. */
size_t ts_entity_ip_key(const ts_ip *ip, char *buf, size_t cap);
/* The key of an account: the domain dropped ("CORP\\jsmith", "jsmith@corp.com" and
 * "JSmith" are one account), lower-cased, prefixed "u:". A machine account ("WS01$")
 * yields its host key instead. Returns 0 for names that identify no person: empty, "-",
 * and built-in accounts shared by every machine (SYSTEM, root, NETWORK SERVICE ...),
 * which would otherwise glue unrelated activity together. */
size_t ts_entity_user_key(const char *user, char *buf, size_t cap);

#endif
