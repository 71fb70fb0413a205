/* attribute.h: ranks the actors that best explain an incident's evidence, with the
 * contribution of each piece, in ICD 203 words. The model: docs/attribution.md. */
#ifndef TS_ATTRIBUTE_H
#define TS_ATTRIBUTE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/incident.h"
#include "intel/intel.h"

#define TS_ATTR_MAX_NAMED 8

/* One piece of evidence, as the model consumes it. */
typedef enum ts_attr_kind {
    TS_AE_INDICATOR = 1, /* actorset: the actors the indicator is tied to */
    TS_AE_HOME_NETWORK,  /* country (and asn): a connection with that address space */
    TS_AE_TECHNIQUE,     /* technique: an ATT&CK technique seen */
    TS_AE_SOFTWARE,      /* software: a tool or malware seen */
    TS_AE_ACTOR_CLAIM,   /* actorset: a name the evidence itself carries (a signature naming an actor) */
    TS_AE_INSIDER,       /* behaviour that fits an insider (internal-only activity) */
    TS_AE_TIMEZONE,      /* country, hours_in of hours, chance: hands-on hours in its working time */
} ts_attr_kind;

typedef struct ts_attr_evidence {
    ts_attr_kind kind;
    const char *label; /* how to name it in the report ("ip 203.131.222.102 (dst) in sony-2014") */
    uint32_t actorset;
    uint32_t technique;
    uint32_t software;
    char country[3];
    uint32_t asn;
    uint8_t confidence; /* 0..100: how much the source is trusted */
    uint8_t shared;     /* shared infrastructure: weighs nothing */
    uint8_t suppressed; /* warninglisted: weighs nothing */
    uint8_t inbound;    /* the actor side connected to us (direct connection), not us to it */
    uint8_t cheap;      /* an indicator cheap to fake or reuse: a public file's hash, a mail sender */
    /* Shared infrastructure of a known class (sharing.h: CDN, cloud, VPN, dynamic DNS...):
       the indicator's weight is multiplied by share_factor, and share_why says why. */
    const char *share_class, *share_why;
    double share_factor;
    /* Indicators of one cluster (one source's judgement tying them to the same actors: one
       report, one feed event) are one piece of evidence: the strongest counts, the others
       are listed at no weight. 0: a cluster of its own. */
    uint64_t cluster;
    uint32_t hours_in, hours; /* TS_AE_TIMEZONE: active hours in the country's working time, of all */
    double chance;            /* TS_AE_TIMEZONE: the share of the week that is working time there */
    size_t alert;             /* index of the alert in its incident, or SIZE_MAX */
    /* The actors named directly when actorset is 0 (a claim resolved by name), so that a
       read-only ts_intel need not intern a new set. */
    uint32_t actors[TS_ATTR_MAX_NAMED];
    size_t n_actors;
} ts_attr_evidence;

/* What the model returns (ts_attribution, its hypotheses and ACH table, ts_attribution_free)
 * is in core/attribution.h: it is part of the incident. */

/* Runs the model over the evidence (n pieces, read only; labels are copied). Returns the
 * attribution, owned by the caller (ts_attribution_free), or NULL on allocation failure or
 * a NULL ti. The model: docs/attribution.md. */
ts_attribution *ts_attribute(const ts_intel *ti, const ts_attr_evidence *ev, size_t n);
/* The model's free parameters (docs/attribution.md, fitted by bench/attr_calibrate), and a
 * hold-out for leave-one-out measurement: techniques and software hidden from one actor's
 * profile. */
typedef struct ts_attr_params {
    double tech_smooth; /* share of the background in an actor's technique distribution */
    double tech_pseudo; /* a profile of n items keeps n / (n + tech_pseudo) of its own weight */
    double tech_family; /* credit for a technique of the same family as a profiled one */
    double tech_soft;   /* credit for a technique the actor's software does (ATT&CK), unlisted itself */
    double tech_temp;   /* the technique channel's log-likelihoods are divided by it */
    double tech_dep;    /* and by (n / TS_TECH_N0)^tech_dep more for n > TS_TECH_N0 techniques */
    double tech_few;    /* and by (TS_TECH_N0 / n)^tech_few more for fewer: a few techniques prove little */
    double tech_span;   /* a profile of n techniques spreads its mass as over n^tech_span (1: multinomial) */
    double soft_smooth, soft_temp, soft_span; /* the same for software */
    double prior_unattributed;
    /* Logs whose only link to a named actor is public techniques and software (no
       indicator, no claim, no home network): no such actor above this probability, the rest
       to "unattributed". 0: no cap (`tocsin attribute`, where an analyst chose the evidence). */
    double public_only_cap;
    uint32_t holdout_actor;  /* 0: none */
    const uint32_t *holdout; /* technique ids hidden from its profile */
    size_t n_holdout;
    const uint32_t *holdout_soft; /* software ids hidden from its profile */
    size_t n_holdout_soft;
} ts_attr_params;
void ts_attr_params_default(ts_attr_params *p);
/* ts_attribute with explicit parameters. */
ts_attribution *ts_attribute_with(const ts_intel *ti, const ts_attr_evidence *ev, size_t n,
                                  const ts_attr_params *p);
/* Builds the evidence from the incident's alerts and sets inc->attribution. */
tocsin_code ts_attribute_incident(const ts_intel *ti, ts_incident *inc);
/* The same, with the time evidence of tz (timezone.h; NULL: none). */
struct ts_tz_table;
tocsin_code ts_attribute_incident_tz(const ts_intel *ti, const struct ts_tz_table *tz, ts_incident *inc);
/* And with the classes of shared infrastructure of share (sharing.h; NULL: none). */
struct ts_share_table;
tocsin_code ts_attribute_incident_with(const ts_intel *ti, const struct ts_tz_table *tz,
                                       const struct ts_share_table *share, ts_incident *inc);
/* Whether an indicator of this type is cheap to fake or reuse: a file's hash (public tools
 * and leaked samples can be copied) or a mail sender (typed by the sender). */
bool ts_attr_ioc_cheap(ts_ioc_type type);
/* Reads evidence an analyst types or pipes, one item per line: ATT&CK technique ids
 * ("T1566.001"), "software NAME" or a bare software name, indicators ("ip 1.2.3.4",
 * "domain x", "sha256 ..", or a bare value whose type is recognisable), "country KP
 * [outbound]", "asn 131279 [KP]", "actor NAME", "insider [note]", comments from "#" and
 * blank lines. A line it cannot use goes to diag (core/diag.h; may be NULL) with name (the
 * input's name, may be NULL) and its 1-based number, and is skipped. On TOCSIN_OK, *out is
 * the attribution (free it with ts_attribution_free); otherwise *out is NULL: TOCSIN_E_IO
 * on a read error, TOCSIN_E_NOMEM, TOCSIN_E_ARG. */
tocsin_code ts_attribute_read(const ts_intel *ti, FILE *in, const char *name, ts_attribution **out,
                              ts_diag_fn diag, void *ud);
/* The same, weighing indicators by the classes of shared infrastructure of share (NULL:
 * none, as ts_attribute_read). */
tocsin_code ts_attribute_read_with(const ts_intel *ti, const struct ts_share_table *share, FILE *in,
                                   const char *name, ts_attribution **out, ts_diag_fn diag, void *ud);
/* The ICD 203 expression of likelihood for p in [0,1] ("almost no chance" .. "almost certainly"). */
const char *ts_icd203(double p);

#endif
