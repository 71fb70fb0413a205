/* binding.h: which internal address a host name used, and when, learned from events that show both
 * (internal to src/correlate/). */
#ifndef TS_BINDING_H
#define TS_BINDING_H

#include <stddef.h>
#include <stdint.h>

#include "core/event.h"

/* A bounded table from internal address to the host names seen using it, with when: at
 * most TS_BINDINGS_MAX addresses unless limited, the ones seen longest ago (in event time)
 * forgotten first. */
typedef struct ts_bindings ts_bindings;
#define TS_BINDINGS_MAX 65536

ts_bindings *ts_bindings_new(void);
void ts_bindings_free(ts_bindings *b);
/* Keeps at most max addresses (at least 16). */
void ts_bindings_limit(ts_bindings *b, size_t max);
/* The table's figures for the run's summary. */
struct ts_state_use;
void ts_bindings_usage(const ts_bindings *b, struct ts_state_use *u);

/* Learns from ev if it shows a machine's name together with its own internal address:
 * a logon's workstation name and source address (4624/4625, Zeek ntlm), or the machine
 * that logged a Sysmon network connection and the address on its side. */
void ts_bindings_observe(ts_bindings *b, const ts_event *ev);

/* Notes that the host called name used ip at ts (for tests, and for observe). */
void ts_bindings_note(ts_bindings *b, const ts_ip *ip, ts_str name, int64_t ts);

/* The entity key of the one host that used ip around ts (within a day of when it was seen
 * with it) into buf; 0 when none, or when the address passed between hosts then. */
size_t ts_bindings_host_key(const ts_bindings *b, const ts_ip *ip, int64_t ts, char *buf, size_t cap);

#endif
