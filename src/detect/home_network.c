/* home_network.c: detector "home-network": connections to or from a watched country or autonomous system. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert_util.h"
#include "detect/detect.h"

/*
 * A state actor's operators sometimes reach a victim straight from their home address
 * space: in the Sony Pictures intrusion of 2014 the FBI cited connections from IP
 * addresses "exclusively used" by North Korea. Traffic from such networks is rare
 * enough in most organisations that every contact is worth an analyst's look. The watch
 * list ("KP,AS131279") names countries by ISO 3166 code and networks by AS number; the
 * enrich stage has put both on the event's addresses before this runs. Two letters are
 * always a country: "AS" alone is American Samoa, an AS number needs its digits.
 */

#define MAX_COUNTRIES 64
#define MAX_ASNS 256

typedef struct home_state {
    char cc[MAX_COUNTRIES][2];
    size_t n_cc;
    uint32_t asn[MAX_ASNS];
    size_t n_asn;
} home_state;

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
static char upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Adds one watch item ("KP", "kp", "AS131279", "as131279"); false if it is neither. */
static bool add_item(home_state *st, ts_str it)
{
    if (it.n == 2 && is_alpha(it.p[0]) && is_alpha(it.p[1])) {
        if (st->n_cc == MAX_COUNTRIES)
            return false;
        st->cc[st->n_cc][0] = upper(it.p[0]);
        st->cc[st->n_cc][1] = upper(it.p[1]);
        st->n_cc++;
        return true;
    }
    uint64_t n;
    if (it.n > 2 && ts_str_istarts(it, "AS") && ts_parse_u64(ts_str_make(it.p + 2, it.n - 2), &n) && n &&
        n <= UINT32_MAX && st->n_asn < MAX_ASNS) {
        st->asn[st->n_asn++] = (uint32_t)n;
        return true;
    }
    return false;
}

/* Parses the watch list; an empty or absent list watches nothing. */
static tocsin_code home_init(void *state, const ts_detect_ctx *ctx)
{
    home_state *st = state;
    ts_str it;
    for (const char *p = ctx->watch; ts_str_next_item(&p, &it);)
        if (it.n && !add_item(st, it))
            return TOCSIN_E_ARG;
    return TOCSIN_OK;
}

/* The watch entry an address falls in, written to label ("AS131279" before "KP": the
 * narrower match); false if none. Internal and unenriched addresses never match. */
static bool watched(const home_state *st, const ts_geo *g, char *label, size_t cap, ts_ioc_type *type)
{
    if (!(g->flags & TS_NET_KNOWN) || (g->flags & TS_NET_INTERNAL))
        return false;
    for (size_t i = 0; g->asn && i < st->n_asn; i++)
        if (st->asn[i] == g->asn) {
            snprintf(label, cap, "AS%u", (unsigned)g->asn);
            *type = TS_IOC_ASN;
            return true;
        }
    for (size_t i = 0; g->cc[0] && i < st->n_cc; i++)
        if (st->cc[i][0] == g->cc[0] && st->cc[i][1] == g->cc[1]) {
            snprintf(label, cap, "%.2s", g->cc);
            *type = TS_IOC_NONE;
            return true;
        }
    return false;
}

/* A logon from the watched network is the worst case; a failed one is a connection that
 * tried credentials; a connection in is worse than one out (which a user's browsing can
 * explain). */
static uint8_t severity(const ts_event *ev, const ts_alert *a)
{
    if (a->direction == TS_DIR_INBOUND && (ev->category & TS_CAT_AUTH))
        return ev->outcome == TS_OUTCOME_SUCCESS ? 90 : 70;
    if (a->direction == TS_DIR_INBOUND)
        return 65;
    if (a->direction == TS_DIR_OUTBOUND)
        return 60;
    return 50;
}

static char *title(const ts_event *ev, const ts_alert *a, const char *where)
{
    char ebuf[TS_IP_STRLEN];
    const char *us = ts_alert_internal_entity(a, ebuf);
    if (a->side == TS_SIDE_SRC && (ev->category & TS_CAT_AUTH) && ev->outcome != TS_OUTCOME_UNKNOWN)
        return ts_fmt_alloc("%s (%s) %s %s%s%s: watched home network", a->observed, where,
                            ev->outcome == TS_OUTCOME_SUCCESS ? "logged on to" : "failed to log on to",
                            a->internal_host ? a->internal_host : us, a->user ? " as " : "",
                            a->user ? a->user : "");
    if (a->side == TS_SIDE_SRC)
        return ts_fmt_alloc("%s (%s) connected to %s: watched home network", a->observed, where, us);
    return ts_fmt_alloc("%s connected to %s (%s): watched home network", us, a->observed, where);
}

static void emit_side(const ts_event *ev, ts_side side, const char *label, ts_ioc_type type,
                      const ts_alert_sink *out)
{
    ts_alert *a = calloc(1, sizeof *a);
    if (!a)
        return;
    a->detector = "home-network";
    a->kind = TS_EV_HOME_NETWORK;
    ts_alert_from_event(a, ev);
    ts_alert_orient(a, ev, side);
    a->side = side;
    a->ioc_type = type;
    a->ioc_value = strdup(label);
    char ip[TS_IP_STRLEN], where[32], ebuf[TS_IP_STRLEN];
    a->observed = strdup(ts_ip_format(&a->remote_ip, ip));
    const ts_geo *g = &a->remote_geo;
    if (g->cc[0] && g->asn)
        snprintf(where, sizeof where, "%.2s, AS%u", g->cc, (unsigned)g->asn);
    else if (g->asn)
        snprintf(where, sizeof where, "AS%u", (unsigned)g->asn);
    else
        snprintf(where, sizeof where, "%.2s", g->cc);
    a->severity = severity(ev, a);
    a->key = ts_fmt_alloc("home|%s|%s|%s%s", label, ts_alert_internal_entity(a, ebuf),
                          ts_direction_name(a->direction), side == TS_SIDE_SRC ? ts_auth_key_suffix(ev) : "");
    a->title = a->observed ? title(ev, a, where) : NULL;
    if (!a->key || !a->title || !a->ioc_value) {
        ts_alert_free(a);
        return;
    }
    out->emit(out->ud, a);
}

static void home_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    const home_state *st = state;
    char label[16];
    ts_ioc_type type;
    if (ev->src_ip.v && watched(st, &ev->src_geo, label, sizeof label, &type))
        emit_side(ev, TS_SIDE_SRC, label, type, out);
    if (ev->dst_ip.v && watched(st, &ev->dst_geo, label, sizeof label, &type))
        emit_side(ev, TS_SIDE_DST, label, type, out);
}

const ts_detector ts_detector_home_network = {
    .name = "home-network",
    .summary = "connections to or from a watched country or autonomous system (a state actor's home network)",
    .state_size = sizeof(home_state),
    .init = home_init,
    .event = home_event,
};
