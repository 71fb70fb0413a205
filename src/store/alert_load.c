/* alert_load.c: a stored alert made again as its detector made it, for the runs that
 * carry on from what earlier ones stored: a restarted watch, a stream's incidents' owner,
 * a hunt reading the same logs again. */
#include <stdlib.h>
#include <string.h>

#include "store/store_read.h"

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

static ts_evidence_kind kind_of(const char *k)
{
    if (k && strcmp(k, "home-network") == 0)
        return TS_EV_HOME_NETWORK;
    if (k && strcmp(k, "rule") == 0)
        return TS_EV_RULE;
    if (k && strcmp(k, "behaviour") == 0)
        return TS_EV_BEHAVIOUR;
    return TS_EV_INDICATOR;
}

static ts_direction direction_of(const char *d)
{
    if (!d)
        return TS_DIR_UNKNOWN;
    if (strcmp(d, "inbound") == 0)
        return TS_DIR_INBOUND;
    if (strcmp(d, "outbound") == 0)
        return TS_DIR_OUTBOUND;
    return strcmp(d, "internal") == 0 ? TS_DIR_INTERNAL : TS_DIR_UNKNOWN;
}

static ts_side side_of(const char *s)
{
    if (!s)
        return TS_SIDE_NONE;
    if (strcmp(s, "src") == 0)
        return TS_SIDE_SRC;
    if (strcmp(s, "dst") == 0)
        return TS_SIDE_DST;
    return strcmp(s, "file") == 0 ? TS_SIDE_FILE : TS_SIDE_NONE;
}

/* The actors the store names, as the session's set of ids: names, not ids, are stored. */
static uint32_t actors_of(ts_intel *ti, const ts_alert_view *v)
{
    uint32_t ids[64];
    size_t n = 0;
    for (size_t i = 0; ti && i < v->n_actors && n < 64; i++) {
        uint32_t id;
        const char *name = v->actor_ids && v->actor_ids[i] ? v->actor_ids[i] : v->actors[i];
        if (name && ts_intel_actor_resolve(ti, name, &id, 1) >= 1)
            ids[n++] = id;
    }
    return n ? ts_intel_actorset(ti, ids, n) : 0;
}

static bool copy_hits(ts_alert *a, const ts_alert_view *v)
{
    if (!v->n_hits)
        return true;
    if (!(a->hits = calloc(v->n_hits, sizeof *a->hits)))
        return false;
    for (size_t i = 0; i < v->n_hits; i++) {
        const ts_hit_view *h = &v->hits[i];
        ts_alert_hit *o = &a->hits[a->n_hits++];
        o->ts_ns = h->ts_ns, o->line = h->line, o->record = h->record;
        o->file = dup0(h->file), o->host = dup0(h->host), o->user = dup0(h->user);
        o->process = dup0(h->process), o->command_line = dup0(h->command_line), o->parent = dup0(h->parent);
        o->uid = dup0(h->uid), o->community_id = dup0(h->community_id), o->flow_id = dup0(h->flow_id);
    }
    return true;
}

ts_alert *ts_alert_from_view(ts_intel *ti, const ts_alert_view *v)
{
    const ts_detector *d = v->detector ? ts_detector_find(v->detector, strlen(v->detector)) : NULL;
    ts_alert *a = d ? calloc(1, sizeof *a) : NULL;
    if (!a)
        return NULL;
    a->detector = d->name;
    a->key = dup0(v->key), a->title = dup0(v->title), a->techniques = dup0(v->techniques);
    a->kind = kind_of(v->kind);
    a->severity = (uint8_t)v->severity;
    a->first_ns = v->first_ns, a->last_ns = v->last_ns, a->count = v->count;
    if (v->internal_ip)
        ts_ip_parse(ts_str_c(v->internal_ip), &a->internal_ip);
    if (v->remote_ip)
        ts_ip_parse(ts_str_c(v->remote_ip), &a->remote_ip);
    if (v->remote_cc)
        snprintf(a->remote_geo.cc, sizeof a->remote_geo.cc, "%s", v->remote_cc);
    a->remote_geo.asn = v->remote_asn;
    a->internal_host = dup0(v->internal_host), a->user = dup0(v->user), a->remote_name = dup0(v->remote_name);
    a->direction = direction_of(v->direction);
    a->ioc_type = v->ioc_type ? ts_ioc_type_parse(v->ioc_type) : 0;
    a->ioc_value = dup0(v->ioc_value), a->observed = dup0(v->observed);
    a->side = side_of(v->side);
    a->actorset = actors_of(ti, v);
    a->source = ti && v->source ? ts_intel_source(ti, v->source) : 0;
    a->confidence = v->confidence < 0 ? 0 : (uint8_t)v->confidence;
    a->shared = (uint8_t)v->shared;
    a->suppressed = dup0(v->suppressed);
    a->suppression = v->suppression, a->suppression_note = dup0(v->suppression_note);
    a->dataset = dup0(v->dataset), a->file = dup0(v->file);
    a->line = v->line, a->record = v->record;
    if (!a->key || !copy_hits(a, v)) {
        ts_alert_free(a);
        return NULL;
    }
    return a;
}
