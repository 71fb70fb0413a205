/* event.h: the one normalised event every reader emits and every later stage consumes. */
#ifndef TS_EVENT_H
#define TS_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/ip.h"
#include "core/str.h"

/* What the enrich stage learns about an address. */
typedef struct ts_geo {
    char cc[3];     /* ISO 3166 country, "" when unknown */
    uint32_t asn;   /* 0 when unknown */
    uint16_t flags; /* TS_NET_* */
} ts_geo;

enum {
    TS_NET_INTERNAL = 1 << 0,   /* RFC 1918, ULA, host/link-local, or configured as internal */
    TS_NET_ANON_PROXY = 1 << 1, /* libloc: anonymous proxy */
    TS_NET_SATELLITE = 1 << 2,  /* libloc: satellite provider */
    TS_NET_ANYCAST = 1 << 3,    /* libloc: anycast */
    TS_NET_DROP = 1 << 4,       /* libloc: on a hostile-network drop list */
    TS_NET_KNOWN = 1 << 15,     /* enrichment ran on this address */
};

/* event.category, as a bit set (ECS values). */
enum {
    TS_CAT_NETWORK = 1 << 0,
    TS_CAT_DNS = 1 << 1, /* ECS puts DNS under network; kept apart to route cheaply */
    TS_CAT_WEB = 1 << 2,
    TS_CAT_TLS = 1 << 3,
    TS_CAT_EMAIL = 1 << 4,
    TS_CAT_AUTH = 1 << 5, /* authentication */
    TS_CAT_PROCESS = 1 << 6,
    TS_CAT_FILE = 1 << 7,
    TS_CAT_ALERT = 1 << 8, /* an alert from another sensor (Suricata, Zeek notice) */
    TS_CAT_SESSION = 1 << 9,
    TS_CAT_HOST = 1 << 10, /* services, drivers, configuration */
};

/* event.type, as a bit set (ECS values): what happened within the category. Detectors test
 * category, type and action, never which product wrote the record. */
enum {
    TS_TYPE_CONNECTION = 1 << 0, /* a network connection (with START: opened; END: a summary) */
    TS_TYPE_START = 1 << 1,
    TS_TYPE_END = 1 << 2,
    TS_TYPE_CREATION = 1 << 3,
    TS_TYPE_DELETION = 1 << 4,
    TS_TYPE_CHANGE = 1 << 5,
    TS_TYPE_ACCESS = 1 << 6,
    TS_TYPE_INSTALLATION = 1 << 7,
    TS_TYPE_ALLOWED = 1 << 8,
    TS_TYPE_DENIED = 1 << 9,
};

typedef enum ts_outcome { TS_OUTCOME_UNKNOWN = 0, TS_OUTCOME_SUCCESS, TS_OUTCOME_FAILURE } ts_outcome;

/* One key and value of the raw record, both borrowed (see ts_event). For nested JSON
 * the key is the dotted path ("id.orig_h"); for Windows events it is the EventData or
 * System name as Sigma uses it ("CommandLine", "EventID"). A key may repeat. */
typedef struct ts_field {
    ts_str key;
    ts_str val;
} ts_field;

#define TS_MAX_RCPT 8

/* Field names follow the Elastic Common Schema (in the comments). Every ts_str borrows
 * from the reader's buffers and is valid only during the sink callback that receives
 * the event: a stage that keeps a value copies it. Unknown fields are empty views. */
typedef struct ts_event {
    int64_t ts_ns;      /* @timestamp, ns since the epoch, 0 when unknown */
    ts_str dataset;     /* event.dataset: "zeek.conn", "suricata.alert", "windows.security",
                           "windows.sysmon", "linux.auth", ... */
    uint32_t category;  /* event.category, TS_CAT_* */
    uint32_t type;      /* event.type, TS_TYPE_* */
    ts_str action;      /* event.action: "logon", "dns-query", "accepted-password" ... */
    ts_outcome outcome; /* event.outcome */
    uint32_t code;      /* event.code (Windows EventID); has_code says if set */
    bool has_code;
    ts_str channel;  /* winlog.channel */
    ts_str provider; /* event.provider / winlog.provider_name */

    ts_ip src_ip, dst_ip;        /* source.ip, destination.ip */
    uint16_t src_port, dst_port; /* source.port, destination.port */
    ts_geo src_geo, dst_geo;     /* filled by the enrich stage */
    ts_str transport;            /* network.transport: "tcp", "udp" */
    ts_str protocol;             /* network.protocol: "http", "dns", "smb" ... */
    uint64_t bytes_out;          /* source.bytes: sent by the source */
    uint64_t bytes_in;           /* destination.bytes: sent by the destination */

    ts_str host;        /* host.name: the machine that logged the event */
    ts_str src_host;    /* source.domain: the client's host name (WorkstationName) */
    ts_str user;        /* user.name: the account acting or logging on */
    ts_str user_domain; /* user.domain */
    int logon_type;     /* winlog.logon.type, 0 when not a logon */

    ts_str domain;            /* destination.domain: DNS query, HTTP Host, TLS SNI */
    ts_str url;               /* url.original */
    ts_str user_agent;        /* user_agent.original */
    ts_str file_path;         /* file.path or file.name */
    ts_str md5, sha1, sha256; /* file.hash.* (hex) */

    ts_str mail_from;            /* email.from.address */
    ts_str mail_to[TS_MAX_RCPT]; /* email.to.address */
    uint8_t n_mail_to;
    ts_str mail_subject; /* email.subject */
    ts_str mail_msgid;   /* email.message_id */

    ts_str process;        /* process.executable */
    ts_str command_line;   /* process.command_line */
    ts_str parent_process; /* process.parent.executable */
    ts_str rule_name;      /* rule.name: a Suricata signature, a Zeek notice */

    const ts_field *fields; /* the raw record, for rules */
    size_t n_fields;

    /* Where the event came from, so an analyst can open the original. */
    const char *file; /* the path as given on the command line, walked */
    uint64_t line;    /* 1-based line of the record's start, 0 for binary formats */
    uint64_t record;  /* EVTX record number, JSON-array element index; 0 if none */
} ts_event;

/* Resets every field to empty, keeping nothing. */
void ts_event_clear(ts_event *ev);

/* A growable array of fields that keeps its storage across records. */
typedef struct ts_fieldbuf {
    ts_field *v;
    size_t n, cap;
} ts_fieldbuf;

/* Appends; returns false on allocation failure (the field is dropped). */
bool ts_fieldbuf_add(ts_fieldbuf *fb, ts_str key, ts_str val);
static inline void ts_fieldbuf_reset(ts_fieldbuf *fb)
{
    fb->n = 0;
}
void ts_fieldbuf_free(ts_fieldbuf *fb);

/* The first value of key in ev's raw fields (exact, case-sensitive), or an empty view. */
ts_str ts_event_field(const ts_event *ev, const char *key);

#endif
