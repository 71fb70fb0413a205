/* correlate.h: alerts that share an internal host or user within a time window become one
 * incident with a timeline, and so do alerts that share an outside address, domain, mail
 * sender domain or actor indicator (unless it is common infrastructure); repeats of one
 * alert aggregate. */
#ifndef TS_CORRELATE_H
#define TS_CORRELATE_H

#include "core/incident.h"
#include "detect/detect.h"

/* The largest value of the [correlate] caps hub_users, outside_max_places and
 * senders_per_domain. */
#define TS_CORRELATE_CAP_MAX 1024

typedef struct ts_correlator ts_correlator;

/* window_ns: how far apart two alerts on one entity may be and still join (0: 7 days). */
ts_correlator *ts_correlator_new(int64_t window_ns);
void ts_correlator_free(ts_correlator *c);
/* The [correlate] tunables (core/config.h): max_addresses, the internal addresses bound to
 * host names (see observe; the ones seen longest ago forgotten first), and the caps past
 * which a host or an outside address, domain or sender domain joins nothing (hub_users,
 * outside_max_places, senders_per_domain). configure takes them from cfg (NULL: the
 * defaults). */
extern const ts_tunable ts_correlate_tunables[];
void ts_correlator_configure(ts_correlator *c, const ts_config *cfg);
/* The bounded tables it keeps while the run lasts (the address bindings): fills at most n
 * of out, returns how many there are. The aggregated alerts are not among them: they are
 * the run's output, one per detector and key, and are never dropped. */
size_t ts_correlator_usage(const ts_correlator *c, ts_state_use *out, size_t n);
/* Learns from an enriched event which internal address a host name used, when it shows
 * both: an alert known only by that address then joins the host's alerts. */
void ts_correlator_observe(ts_correlator *c, const ts_event *ev);
/* Takes ownership of a. Alerts may arrive in any time order. */
void ts_correlator_add(ts_correlator *c, ts_alert *a);
/* An alert an earlier run stored from the input this run reads again (takes a): it joins
 * at finish, and where this run raised it again from the same events the two are one
 * alert counted once (the larger count), not a repeat. */
void ts_correlator_add_stored(ts_correlator *c, ts_alert *a);
/* How many distinct alerts (after aggregation) it holds. */
size_t ts_correlator_alert_count(const ts_correlator *c);
/* The aggregated alerts it holds (n of them), for marking before finish: an alert marked
 * routine or suppressed still joins the incident of the host or account it happened on,
 * but its outside side (address, domain, sender) ties no places together, and it adds
 * nothing to an incident's severity. The correlator keeps ownership. */
ts_alert **ts_correlator_alerts(ts_correlator *c, size_t *n);
/* Builds the incidents from every alert added, oldest first. The caller owns the array
 * and the incidents (ts_incident_free each, then free the array). The correlator is
 * empty afterwards. */
size_t ts_correlator_finish(ts_correlator *c, ts_incident ***out);

#endif
