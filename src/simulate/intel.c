/* intel.c: the threat intelligence a defender would have held before the period: one STIX
 * 2.1 bundle naming the actors' servers and tools, with noise (another actor's indicators),
 * a decoy (a busy CDN address wrongly listed) and an expired entry. */
#include <stdio.h>

#include "simulate/campaign.h"

/* The Sony 2014 wiper's published command servers and files (FBI flash of December 2014,
 * US-CERT TA14-353A and vendor reports; the same facts as data/scenarios/sony-2014.playbook). */
static const char *const lazarus_ips[] = {"203.131.222.102", "208.105.226.235", "217.96.33.164",
                                          "88.53.215.64",    "200.87.126.116",  "58.185.154.99",
                                          "212.31.102.100"};
static const char *const lazarus_md5[][2] = {{"d1c27ee7ce18675974edf42d4eea25c6", "diskpartmg16.exe"},
                                             {"760c35a80d758f032d02cf4db12d3e55", "igfxtrayex.exe"},
                                             {"6aeac618e29980b69721158044c2e544", "elrawdsk.sys"},
                                             {"e1864a55d5ccb76af4bf7a0ae16279ba", "iissvr.exe"},
                                             {"612ae17dcac2248503d3b935f70a6838", "walls.bmp"}};
/* the countries of the false-flag actor's own servers (data/scenarios/false-flag.playbook gen:K) */
static const char *const sandworm_cc[] = {"NL", "DE", "RU", "FR"};

typedef struct bw {
    sim_ctx *x;
    sim_out *o;
    bool first;
    uint64_t n;
    char created[32];
} bw;

static void uuid(bw *b, char *buf)
{
    uint64_t a = sim_mix(b->x->seed ^ 0x696e74656cULL ^ ++b->n), c = sim_mix(a);
    static const char hx[] = "0123456789abcdef";
    int k = 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            buf[i] = '-';
            continue;
        }
        uint64_t src = k < 16 ? a >> (4 * k) : c >> (4 * (k - 16));
        buf[i] = i == 14 ? '4' : i == 19 ? hx[8 + (src & 3)] : hx[src & 15];
        k++;
    }
    buf[36] = 0;
}

static void obj_begin(bw *b, const char *type, char *id_out)
{
    char u[40];
    uuid(b, u);
    snprintf(id_out, 96, "%s--%s", type, u);
    sim_puts(b->o, b->first ? "\n    " : ",\n    ");
    b->first = false;
    SIM_PUTL(b->o, "{\"type\":");
    sim_put_jstr(b->o, type);
    SIM_PUTL(b->o, ",\"spec_version\":\"2.1\",\"id\":");
    sim_put_jstr(b->o, id_out);
    SIM_PUTL(b->o, ",\"created\":\"");
    sim_puts(b->o, b->created);
    SIM_PUTL(b->o, "\",\"modified\":\"");
    sim_puts(b->o, b->created);
    sim_putc(b->o, '"');
}

static void kv(bw *b, const char *k, const char *v)
{
    SIM_PUTL(b->o, ",\"");
    sim_puts(b->o, k);
    SIM_PUTL(b->o, "\":");
    sim_put_jstr(b->o, v);
}

static void intrusion_set(bw *b, char *id, const char *name, const char *const *aliases, size_t n,
                          const char *mitre)
{
    obj_begin(b, "intrusion-set", id);
    kv(b, "name", name);
    SIM_PUTL(b->o, ",\"aliases\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            sim_putc(b->o, ',');
        sim_put_jstr(b->o, aliases[i]);
    }
    SIM_PUTL(b->o, "],\"external_references\":[{\"source_name\":\"mitre-attack\",\"external_id\":");
    sim_put_jstr(b->o, mitre);
    SIM_PUTL(b->o, "}]}");
}

/* an indicator and its "indicates" relationship to target */
static void indicator(bw *b, const char *target, const char *name, const char *pattern, int confidence,
                      const char *valid_until, const char *desc)
{
    char id[96], rid[96];
    obj_begin(b, "indicator", id);
    kv(b, "name", name);
    if (desc)
        kv(b, "description", desc);
    SIM_PUTL(b->o, ",\"indicator_types\":[\"malicious-activity\"]");
    kv(b, "pattern", pattern);
    kv(b, "pattern_type", "stix");
    kv(b, "valid_from", b->created);
    if (valid_until)
        kv(b, "valid_until", valid_until);
    SIM_PUTL(b->o, ",\"confidence\":");
    sim_put_u64(b->o, (uint64_t)confidence);
    SIM_PUTL(b->o, "}");
    obj_begin(b, "relationship", rid);
    kv(b, "relationship_type", "indicates");
    kv(b, "source_ref", id);
    kv(b, "target_ref", target);
    SIM_PUTL(b->o, "}");
}

static void ip_indicator(bw *b, const char *target, const char *ip, int conf, const char *until,
                         const char *desc)
{
    char pat[80];
    snprintf(pat, sizeof pat, "[ipv4-addr:value = '%s']", ip);
    indicator(b, target, ip, pat, conf, until, desc);
}

tocsin_code sim_intel_write(sim_ctx *x, const char *dir, ts_diag_fn diag, void *ud)
{
    sim_out o;
    char path[4200];
    snprintf(path, sizeof path, "%s/intel/bundle.json", dir);
    if (!sim_out_open(&o, dir, "intel/bundle.json", 256 * 1024)) {
        ts_diag_say(diag, ud, path, 0, 0, TOCSIN_E_IO, "cannot create");
        return TOCSIN_E_IO;
    }
    bw b = {x, &o, true, 0, ""};
    sim_out tb = {.fd = -1, .buf = b.created, .cap = sizeof b.created};
    sim_put_iso(&tb, x->start - 30 * SIM_DAY);
    b.created[tb.n] = 0;
    char bundle[40], laz[96], sw[96], apt28[96], ident[96];
    uuid(&b, bundle);
    SIM_PUTL(&o, "{\"type\":\"bundle\",\"id\":\"bundle--");
    sim_puts(&o, bundle);
    SIM_PUTL(&o, "\",\"objects\":[");
    obj_begin(&b, "identity", ident);
    kv(&b, "name", "Media Sector Threat Sharing Group");
    kv(&b, "identity_class", "organization");
    SIM_PUTL(&o, "}");

    static const char *const laz_alias[] = {"Lazarus Group", "HIDDEN COBRA",       "Guardians of Peace",
                                            "ZINC",          "Whois Hacking Team", "Labyrinth Chollima"};
    static const char *const sw_alias[] = {"Sandworm Team", "ELECTRUM", "Telebots", "IRON VIKING",
                                           "Voodoo Bear"};
    static const char *const apt28_alias[] = {"APT28", "Sofacy", "Fancy Bear", "STRONTIUM", "Pawn Storm"};
    intrusion_set(&b, laz, "Lazarus Group", laz_alias, 6, "G0032");
    intrusion_set(&b, sw, "Sandworm Team", sw_alias, 5, "G0034");
    intrusion_set(&b, apt28, "APT28", apt28_alias, 5, "G0007");

    for (size_t i = 0; i < sizeof lazarus_ips / sizeof lazarus_ips[0]; i++)
        ip_indicator(&b, laz, lazarus_ips[i], 85, NULL, "Destover command server (FBI flash, TA14-353A)");
    for (size_t i = 0; i < sizeof lazarus_md5 / sizeof lazarus_md5[0]; i++) {
        char pat[96];
        snprintf(pat, sizeof pat, "[file:hashes.MD5 = '%s']", lazarus_md5[i][0]);
        indicator(&b, laz, lazarus_md5[i][1], pat, 90, NULL, "Destover component");
    }
    /* the decoy: a content-delivery address that half the Internet shares, listed by mistake */
    char ip[16];
    sim_fmt_ip4(ip, sim_popular_ip(x, "variety.com"));
    ip_indicator(&b, laz, ip, 30, NULL, "seen hosting a phishing kit (shared CDN address)");
    /* an expired entry: a server that changed hands long ago */
    char until[32];
    sim_out ub = {.fd = -1, .buf = until, .cap = sizeof until};
    sim_put_iso(&ub, x->start - 400 * SIM_DAY);
    until[ub.n] = 0;
    sim_fmt_ip4(ip, sim_gen_server(x->seed, 200, "US"));
    ip_indicator(&b, laz, ip, 50, until, "former staging server (expired)");

    for (uint32_t k = 0; k < 4; k++) {
        sim_fmt_ip4(ip, sim_gen_server(x->seed, k, sandworm_cc[k]));
        ip_indicator(&b, sw, ip, 70, NULL, "command server");
    }
    sim_rng r;
    sim_rng_seed(&r, x->seed ^ 0x6170743238ULL);
    for (int k = 0; k < 6; k++) {
        sim_fmt_ip4(ip, sim_hosting_addr(&r, k % 2 ? "DE" : "RU"));
        ip_indicator(&b, apt28, ip, 60, NULL, "X-Agent command server");
    }
    char dom[64], pat[128];
    sim_gen_domain(sim_mix(x->seed ^ 0x61707432ULL), dom);
    snprintf(pat, sizeof pat, "[domain-name:value = '%s']", dom);
    indicator(&b, apt28, dom, pat, 60, NULL, "credential phishing domain");
    SIM_PUTL(&o, "\n]}\n");
    if (!sim_out_close(&o)) {
        ts_diag_say(diag, ud, path, 0, 0, TOCSIN_E_IO, "write failed");
        return TOCSIN_E_IO;
    }
    x->total_bytes += o.bytes;
    return TOCSIN_OK;
}
