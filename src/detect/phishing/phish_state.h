/* phish_state.h: the phishing detector's state and the functions its files share. */
#ifndef TS_PHISH_STATE_H
#define TS_PHISH_STATE_H

#include "detect/alert_util.h"
#include "detect/detect.h"
#include "detect/phishing/phish_int.h"
#include "detect/phishing/phish_lists.h"

#define MAX_DOMAINS 32
#define MAX_BRANDS 64
#define SEEN_CAP (1u << 16)
#define STAFF_CAP (1u << 13)
#define USERS_CAP (1u << 13)
#define PENDING_CAP 1024
#define ACCESS_SLOTS (1u << 13)
#define ACCESS_PER 4
#define RDOM_CAP 64
#define CAND_CAP 256
#define MAX_REASONS 24
#define NOT_BRANDLIKE_CAP 4096
#define NS 1000000000LL

typedef struct dom_list {
    char v[MAX_DOMAINS][PHISH_NAME_MAX / 4];
    size_t n;
} dom_list;

/* A set of 64-bit hashes (0 is empty), open addressing, filled at most to 3/4. */
typedef struct hset {
    uint64_t *v;
    size_t cap, n;
    uint64_t refused; /* new hashes turned away because the set was full */
} hset;

#define USER_IPS 4
typedef struct user_ent {
    uint64_t user, host; /* hashes of the account and its host's short name */
    ts_ip ip[USER_IPS];  /* the addresses it last worked from */
    uint8_t next;
} user_ent;

/* A link host of a flagged message, watched for clicks. */
typedef struct pending {
    uint64_t host;
    int64_t at;
    uint64_t rcpt[TS_MAX_RCPT];
    uint8_t n_rcpt;
    char *rcpt0, *url, *sender, *reasons;
    char *file; /* the message's, for the alert's provenance */
    uint64_t line;
} pending;

typedef struct access {
    int64_t at;
    ts_ip ip;
    uint64_t user, hosth; /* hashes of the account and the host name */
    char host[40];
    char user_name[40];
} access;

typedef struct access_slot {
    uint64_t host;
    uint8_t n;
    access a[ACCESS_PER];
} access_slot;

/* A click whose clicker is not known yet: decided at the end. */
typedef struct cand {
    pending p; /* owned copies */
    access a;
} cand;

typedef struct rdom {
    char name[64];
    uint32_t count;
} rdom;

typedef struct phish_state {
    const ts_intel *intel;
    phish_lists *lists; /* data/phishing/: brands, services, lure phrases */
    dom_list org_conf, partners, inside;
    char brands[MAX_BRANDS][32]; /* extra brand words from detect.conf */
    size_t n_brands;
    double alert_score;
    int trait_cap, lure_cap, min_substance;
    uint64_t not_brandlike[NOT_BRANDLIKE_CAP]; /* hashes of names that imitate no brand */
    int64_t window_ns;
    uint32_t learn_rcpt;

    hset seen, staff;
    user_ent *users;
    size_t n_users;
    uint64_t users_refused; /* accounts not learned because the table was full */
    rdom rdoms[RDOM_CAP];
    size_t n_rdoms;
    uint64_t rcpt_total;

    pending pend[PENDING_CAP];
    size_t n_pend, next_pend;
    uint64_t pend_bits[64]; /* a bit per watched host hash (mod 4096): most accesses skip the scan */
    access_slot *acc;
    cand cands[CAND_CAP];
    size_t n_cands;
} phish_state;

bool hset_has(const hset *s, uint64_t h);
bool hset_add(hset *s, uint64_t h);
bool dom_in(const dom_list *l, ts_str reg);
void dom_add(dom_list *l, ts_str d);
bool phish_is_org(const phish_state *st, ts_str reg);
size_t phish_org_list(const phish_state *st, const char **out, size_t cap);
uint64_t phish_user_hash(ts_str u);
uint64_t phish_name_hash(ts_str name);
ts_str phish_addr_domain(ts_str a);
ts_str phish_url_host(ts_str url);
uint64_t phish_host_hash(ts_str host);
/* A machine's short name hashed ("WS-0002" and "ws-0002.corp.example.com" agree). */
uint64_t phish_machine_hash(ts_str host);
void phish_learn_rcpt_domain(phish_state *st, ts_str addr);
void pending_free(pending *p);

typedef struct reason {
    int w;
    bool trait;
    char text[200];
} reason;

/* Reasons are of three kinds. A deception (a look-alike domain, a brand named by a
 * stranger, a failed check, a risky attachment) counts in full; lure wording counts up to
 * lure_cap together; a trait of mass mail (free-mail sender, tracking links, random
 * tokens, no authentication) counts only up to trait_cap together, a third of that in a
 * mailing list's mail (List-Id, List-Post, Precedence: list). Newsletters carry every
 * trait and no deception: a message is flagged when the sum reaches alert_score and its
 * deceptions and lure wording alone weigh min_substance. */
typedef struct reasons {
    reason r[MAX_REASONS];
    size_t n;
    int score;         /* deceptions and lures */
    int traits;        /* the traits' sum before the cap */
    int lure;          /* lure wording's sum before lure_cap */
    bool attach, link; /* a reason concerns an attachment, a link */
} reasons;

/* The message's sender, parsed once. */
typedef struct sender {
    ts_str addr, name, host;
    char reg[PHISH_NAME_MAX];
    size_t reg_n;
    bool ours;      /* its registrable domain is the organisation's */
    bool internal;  /* it came from an internal address */
    bool bulk;      /* mailing-list headers: legitimate bulk mail */
    bool authentic; /* DKIM aligned with From or DMARC pass: the domain is really the sender */
    int brand;      /* the brand whose domain the sender's is (phish_lists), -1 */
    int named;      /* the brand the display name (or raw From) invokes, -1 */
} sender;

/* Adds a reason of weight w (once per text) to rs. */
void phish_reason(reasons *rs, int w, bool attach, bool link, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Adds a trait of mass mail (weight w, counted up to the cap). */
void phish_trait(reasons *rs, int w, bool link, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Adds lure wording of weight w (counted up to lure_cap). */
void phish_lure(reasons *rs, int w, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* phish_body.c: the body read as an analyst reads it: lure wording per language,
 * callback numbers, a password for an attachment, forms, invisible characters. */
void phish_body_checks(phish_state *st, const ts_event *ev, const sender *s, reasons *rs);
/* phish_brand.c: brands named by strangers, look-alikes of brand domains, malformed
 * senders. */
void phish_brand_checks(phish_state *st, const ts_event *ev, const sender *s, reasons *rs);
/* The brand the sender's display name (or the raw From) invokes (index), -1. */
int phish_brand_named(const phish_state *st, const ts_event *ev, const sender *s);
/* The brand whose whole domain stands in front of another registrable name in host
 * ("paypal.com.secure-login.net"; *dom is that domain), -1. */
int phish_brand_in_subdomain(const phish_state *st, ts_str host, ts_str reg, const char **dom);

/* phish_lure.c: the traits of mass and fraud mail (free-mail senders, hidden link
 * targets, hosted pages, the recipient's address in a link, lure wording, random tokens,
 * styled Unicode, names showing domains, hidden recipients). */
bool phish_freemail(const phish_state *st, ts_str reg);
void phish_lure_checks(phish_state *st, const ts_event *ev, const sender *s, reasons *rs);

/* phish_mail.c: scores one "email.message" event, alerts, and watches its links. */
void phish_mail(phish_state *st, const ts_event *ev, const ts_alert_sink *out);

/* phish_click.c */
/* Learns which account uses which host from logons and attributed events. */
void phish_learn_user(phish_state *st, const ts_event *ev);
/* A DNS query, HTTP request, TLS SNI or proxy request: remembered, and matched against
 * the watched links. */
void phish_access(phish_state *st, const ts_event *ev, const ts_alert_sink *out);
/* Watches host for clicks after p->at (takes ownership of p's strings) and checks the
 * accesses already seen. */
void phish_watch(phish_state *st, pending *p, const ts_alert_sink *out);
/* End of input: decides the clicks whose clicker was unknown. */
void phish_click_finish(phish_state *st, const ts_alert_sink *out);

#endif
