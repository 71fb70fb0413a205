/* alert.h: what a detector raises and every later stage reads (correlate, attribute, store,
 * report, the library's caller): the alert, the events behind it, and its life. */
#ifndef TS_ALERT_H
#define TS_ALERT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/event.h"
#include "core/ioc.h"
#include "core/ip.h"

/* What kind of evidence an alert is; the attribution model weighs each differently. */
typedef enum ts_evidence_kind {
    TS_EV_INDICATOR = 1, /* a value matched a threat-intelligence indicator */
    TS_EV_HOME_NETWORK,  /* a connection to or from a watched home network */
    TS_EV_RULE,          /* a detection rule (Sigma, Suricata signature) fired */
    TS_EV_BEHAVIOUR,     /* a behavioural detector (beaconing, lateral movement ...) */
} ts_evidence_kind;

/* Which side of the event held the matched value. An actor's address as the source of a
 * logon is not the same evidence as an internal host reaching an actor's server. */
typedef enum ts_side {
    TS_SIDE_NONE = 0,
    TS_SIDE_SRC,  /* source.ip, the mail sender */
    TS_SIDE_DST,  /* destination.ip, queried domain, requested URL, recipient */
    TS_SIDE_FILE, /* a file hash */
} ts_side;

typedef enum ts_direction {
    TS_DIR_UNKNOWN = 0,
    TS_DIR_INBOUND,  /* from outside to an internal host */
    TS_DIR_OUTBOUND, /* from an internal host to outside */
    TS_DIR_INTERNAL, /* between internal hosts */
} ts_direction;

/* One event behind an alert, for the timeline: where it is in the input, when, and the
 * fields an analyst reads first. Every string is owned (NULL when the event had none). */
typedef struct ts_alert_hit {
    int64_t ts_ns;
    char *file;
    uint64_t line, record;
    char *host, *user;
    char *process, *command_line, *parent; /* process.executable, .command_line, .parent.executable */
    char *uid, *community_id, *flow_id;    /* Zeek uid, Community ID, Suricata flow_id */
} ts_alert_hit;

/* Events kept per alert: the earliest ones (by time, then place in the input); the
 * alert's count says how many there were in all. Sixteen events of ~200 bytes keep an
 * alert under 4 KB however often it repeats. */
#define TS_ALERT_HITS 16

/* One alert. Every string is malloc'ed and owned by the alert (ts_alert_free frees it).
 * An alert is keyed (detector + key) so that repeats aggregate into one with a count. */
typedef struct ts_alert {
    const char *detector; /* static: the detector's name */
    char *key;            /* what makes two events the same alert, e.g. "ip|203.0.113.7|10.0.0.5" */
    char *title;          /* one line for people */
    ts_evidence_kind kind;
    uint8_t severity; /* 0..100 */
    char *techniques; /* ATT&CK ids, comma-separated, or NULL */
    int64_t first_ns, last_ns;
    uint64_t count; /* events aggregated into this alert */

    /* entities */
    ts_ip internal_ip;   /* the organisation's host involved, if known */
    char *internal_host; /* its name, if known */
    char *user;          /* the account involved, if any */
    ts_ip remote_ip;     /* the outside address involved, if any */
    ts_geo remote_geo;
    char *remote_name; /* the outside domain, URL, mail address, or NULL */
    ts_direction direction;

    /* evidence, for TS_EV_INDICATOR (and the country/ASN for TS_EV_HOME_NETWORK) */
    ts_ioc_type ioc_type;
    char *ioc_value; /* the indicator as stored ("175.45.176.0/22", "evil.com") */
    char *observed;  /* the value in the event ("a.b.evil.com") */
    ts_side side;
    uint32_t actorset;  /* in the session's ts_intel; 0: none */
    uint32_t source;    /* the feed, in the session's ts_intel */
    uint8_t confidence; /* of the indicator, 0..100 */
    uint8_t shared;     /* the indicator is known shared infrastructure */
    char *suppressed;   /* warninglist reason when a hit was suppressed, or "routine: REASON"
                           (correlate/routine.h) when a routine source's usual doing; else NULL */
    uint8_t routine;    /* set with suppressed by the routine stage: no attribution weight */
    /* The analyst's suppression that matched (its id in the store's suppressions) and what
       it said ("host = scan-01: weekly scan"), set at the end of a hunt; 0 and NULL: none. */
    int64_t suppression;
    char *suppression_note;

    /* provenance of the first event */
    char *dataset;
    char *file;
    uint64_t line, record;
    ts_alert_hit *hits; /* the events behind it, at most TS_ALERT_HITS, oldest first */
    uint32_t n_hits;
} ts_alert;

void ts_alert_free(ts_alert *a);
/* A deep copy; NULL on allocation failure. */
ts_alert *ts_alert_dup(const ts_alert *a);
/* Fills the provenance and time fields of a from ev (and its first hit), and its entities
 * from ev's addresses (the internal side becomes internal_ip, the other remote_ip). */
void ts_alert_from_event(ts_alert *a, const ts_event *ev);
/* Moves r's hits into k's (r keeps none), keeping the earliest TS_ALERT_HITS. False when
 * out of memory (k's hits are then unchanged and r's freed). */
bool ts_alert_merge_hits(ts_alert *k, ts_alert *r);
/* Sets a's remote entity to the given side of ev (TS_SIDE_SRC or TS_SIDE_DST) and its
 * internal entity to the other side: internal_ip, internal_host (replacing any) and the
 * direction. Used when the detector knows which side is the outside party, such as the
 * side that matched an indicator. A remote side that is itself internal gives
 * TS_DIR_INTERNAL (both internal) or TS_DIR_UNKNOWN; so does a remote side without an
 * address, or an event naming nobody of ours (no other address, no host.name). */
void ts_alert_orient(ts_alert *a, const ts_event *ev, ts_side remote);

#endif
