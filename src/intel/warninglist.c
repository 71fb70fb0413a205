/* warninglist.c: MISP warninglists (known-benign addresses and names). Their "cidr",
 * "hostname" and "string" entries become allow indicators (TS_IOC_ALLOW) whose note is
 * "warninglist: <name>", so a detector can suppress a hit and say why. "substring" and
 * "regex" lists are reported, not loaded: tocsin matches no patterns here.
 *
 * A "string" entry is matched as the indicator type it looks like; for a domain that
 * means its subdomains too, a little wider than MISP's exact string match. */
#include <jansson.h>
#include <string.h>

#include "intel/linefeed.h"
#include "intel/loaders.h"

static int warninglist_sniff(const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    if (i >= len || data[i] != '{')
        return 0;
    bool list = memmem(data, len, "\"list\"", 6) != NULL;
    bool attrs = memmem(data, len, "\"matching_attributes\"", 21) != NULL;
    bool name = memmem(data, len, "\"name\"", 6) != NULL;
    return list && attrs && name ? 90 : 0;
}

/* Adds one entry of a list of type kind; returns false when it is malformed. */
static bool add_entry(ts_lf *f, const char *kind, const char *s, uint32_t meta, bool *unsupported)
{
    ts_str v = ts_str_trim(ts_str_c(s));
    *unsupported = false;
    if (strcmp(kind, "cidr") == 0) {
        ts_ip ip;
        uint8_t prefix;
        return ts_cidr_parse(v, &ip, &prefix) && ts_intel_add_ip_id(f->ti, &ip, prefix, meta) == TOCSIN_OK;
    }
    if (strcmp(kind, "hostname") == 0) {
        while (v.n && (v.p[0] == '.' || v.p[0] == '*'))
            v = ts_str_make(v.p + 1, v.n - 1);
        return ts_intel_add_id(f->ti, TS_IOC_DOMAIN, v, meta) == TOCSIN_OK;
    }
    ts_ioc_type t = ts_ioc_type_guess(v);
    if (t == TS_IOC_NONE) {
        *unsupported = true;
        return false;
    }
    return ts_intel_add_id(f->ti, t, v, meta) == TOCSIN_OK;
}

static tocsin_code warninglist_load(ts_intel *ti, const char *name, const char *data, size_t len,
                                    const ts_feed_opts *o)
{
    ts_lf f;
    json_error_t jerr;
    ts_lf_init(&f, ti, name, o);
    json_t *root = json_loadb(data, len, 0, &jerr);
    if (!root || !json_is_object(root)) {
        ts_lf_diag(&f, root ? 0 : (uint64_t)jerr.line, true, "not a warninglist: %s",
                   root ? "the top level is no object" : jerr.text);
        json_decref(root);
        ts_lf_finish(&f);
        return TOCSIN_E_PARSE;
    }
    const char *wname = json_string_value(json_object_get(root, "name"));
    const char *kind = json_string_value(json_object_get(root, "type"));
    json_t *list = json_object_get(root, "list");
    if (!kind)
        kind = "string"; /* MISP's default */
    if (!wname || !json_is_array(list)) {
        ts_lf_diag(&f, 0, true, "a warninglist needs a \"name\" and a \"list\" array");
        json_decref(root);
        ts_lf_finish(&f);
        return TOCSIN_E_PARSE;
    }
    if (strcmp(kind, "cidr") && strcmp(kind, "hostname") && strcmp(kind, "string")) {
        char k[64];
        ts_lf_diag(&f, 0, false, "warninglist type \"%s\" is not supported: %zu entries not loaded",
                   ts_lf_clean(kind, strlen(kind), k, sizeof k), json_array_size(list));
        json_decref(root);
        return ts_lf_finish(&f);
    }
    char note[300];
    snprintf(note, sizeof note, "warninglist: %s", wname);
    ts_ioc_meta m = {.source = ts_intel_source(ti, ts_lf_base(name)),
                     .note = ts_intel_string(ti, ts_lf_clean(note, strlen(note), note, sizeof note)),
                     .confidence = ts_lf_confidence(&f),
                     .flags = TS_IOC_ALLOW};
    uint32_t meta = ts_intel_meta_intern(ti, &m);
    size_t i, unsupported = 0;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *s = json_string_value(e);
        bool unsup;
        char msg[96];
        if (!s) {
            ts_lf_diag(&f, i + 1, true, "entry %zu is not a string", i + 1);
        } else if (add_entry(&f, kind, s, meta, &unsup)) {
            f.loaded++;
        } else if (unsup) {
            unsupported++;
        } else {
            ts_lf_diag(&f, i + 1, true, "not a valid %s entry: \"%s\"", kind,
                       ts_lf_clean(s, strlen(s), msg, 64));
        }
    }
    if (unsupported)
        ts_lf_diag(&f, 0, false, "%zu entries match no indicator type and were not loaded", unsupported);
    json_decref(root);
    return ts_lf_finish(&f);
}

const ts_loader ts_loader_warninglist = {
    .name = "warninglist",
    .sniff = warninglist_sniff,
    .load = warninglist_load,
};
