/* simulate.c: tocsin_simulate(): sets up a run (options, rates, playbook, organisation,
 * output files) and drives every actor from one time-ordered queue, so that logs come out
 * in time order while memory stays the same however many days are simulated. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/vec.h"
#include "simulate/campaign.h"

#ifndef TOCSIN_DATA_DIR
#define TOCSIN_DATA_DIR "data"
#endif

#define OUT_BUF (512 * 1024)

/* ---------------------------------------------------------------- the queue */

typedef struct task {
    int64_t t;
    uint32_t kind, idx;
} task;

typedef struct sched {
    task *v;
    size_t n, cap;
    bool oom;
} sched;

static bool before(const task *a, const task *b)
{
    if (a->t != b->t)
        return a->t < b->t;
    if (a->kind != b->kind)
        return a->kind < b->kind;
    return a->idx < b->idx;
}

static void push(sched *s, task k)
{
    if (!ts_vec_grow(s->v, s->cap, s->n + 1, TS_VEC_NOCAP)) {
        s->oom = true;
        return;
    }
    size_t i = s->n++;
    while (i && before(&k, &s->v[(i - 1) / 2])) {
        s->v[i] = s->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->v[i] = k;
}

static task pop(sched *s)
{
    task top = s->v[0], last = s->v[--s->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->n)
            break;
        if (c + 1 < s->n && before(&s->v[c + 1], &s->v[c]))
            c++;
        if (!before(&s->v[c], &last))
            break;
        s->v[i] = s->v[c];
        i = c;
    }
    if (s->n)
        s->v[i] = last;
    return top;
}

static void add_task(void *ud, int64_t t, int kind, uint32_t idx)
{
    push(ud, (task){t, (uint32_t)kind, idx});
}

/* ---------------------------------------------------------------- setup */

static const char *const zeek_names[Z_N] = {"conn",  "dns",      "http", "ssl",         "smtp",
                                            "files", "kerberos", "ntlm", "smb_mapping", "rdp"};

static void enable_outputs(sim_ctx *x, unsigned f)
{
    if (!f)
        f = ~0u;
    for (int i = 0; i < F_N; i++)
        x->on[i] = false;
    x->on[F_SEC] = x->on[F_SYSMON] = x->on[F_SYSTEM] = f & TOCSIN_SIM_WINDOWS;
    for (int z = 0; z < Z_N; z++) {
        x->on[F_ZTSV + z] = f & TOCSIN_SIM_ZEEK_TSV;
        x->on[F_ZJSON + z] = f & TOCSIN_SIM_ZEEK_JSON;
    }
    x->on[F_EVE] = f & TOCSIN_SIM_SURICATA;
    x->on[F_MBOX] = f & TOCSIN_SIM_MAIL;
    x->on[F_AUTH] = f & TOCSIN_SIM_LINUX;
    x->on[F_TRUTH] = true;
}

static tocsin_code open_outputs(sim_ctx *x, const char *dir, ts_diag_fn diag, void *ud)
{
    char rel[48], path[4200];
    for (int i = 0; i < F_N; i++) {
        x->out[i].fd = -1;
        if (i >= F_ZTSV && i < F_ZTSV + Z_N)
            snprintf(rel, sizeof rel, "zeek/%s.log", zeek_names[i - F_ZTSV]);
        else if (i >= F_ZJSON && i < F_ZJSON + Z_N)
            snprintf(rel, sizeof rel, "zeek-json/%s.json", zeek_names[i - F_ZJSON]);
        else
            snprintf(rel, sizeof rel, "%s",
                     i == F_SEC      ? "windows/security.jsonl"
                     : i == F_SYSMON ? "windows/sysmon.jsonl"
                     : i == F_SYSTEM ? "windows/system.jsonl"
                     : i == F_EVE    ? "suricata/eve.json"
                     : i == F_MBOX   ? "mail/mail.mbox"
                     : i == F_AUTH   ? "linux/auth.log"
                                     : "truth.jsonl");
        if (!x->on[i]) {
            if (!sim_out_discard(&x->out[i], rel)) {
                ts_diag_say(diag, ud, NULL, 0, 0, TOCSIN_E_NOMEM, "out of memory");
                return TOCSIN_E_NOMEM;
            }
            continue;
        }
        if (!sim_out_open(&x->out[i], dir, rel, OUT_BUF)) {
            snprintf(path, sizeof path, "%s/%s", dir, rel);
            ts_diag_say(diag, ud, path, 0, 0, TOCSIN_E_IO, "cannot create");
            return TOCSIN_E_IO;
        }
    }
    return TOCSIN_OK;
}

static tocsin_code close_outputs(sim_ctx *x, const char *dir, ts_diag_fn diag, void *ud)
{
    tocsin_code rc = TOCSIN_OK;
    for (int i = 0; i < F_N; i++) {
        if (x->on[i]) /* a discarded format wrote nothing */
            x->total_bytes += x->out[i].bytes + x->out[i].n;
        if (!sim_out_close(&x->out[i]) && rc == TOCSIN_OK) {
            char path[4200], msg[200];
            snprintf(path, sizeof path, "%s/%s", dir, x->out[i].rel);
            snprintf(msg, sizeof msg, "write failed: %s", strerror(x->out[i].failed));
            ts_diag_say(diag, ud, path, 0, 0, TOCSIN_E_IO, msg);
            rc = TOCSIN_E_IO;
        }
    }
    return rc;
}

static tocsin_code load_inputs(sim_ctx *x, const tocsin_sim_options *o)
{
    const char *data = o->data_dir ? o->data_dir : getenv("TOCSIN_DATA");
    char path[4096];
    if (!data)
        data = TOCSIN_DATA_DIR;
    sim_conf_defaults(&x->conf);
    if (o->conf) {
        tocsin_code rc = sim_conf_load(&x->conf, o->conf, o->diag, o->diag_ud);
        if (rc != TOCSIN_OK)
            return rc;
    } else {
        snprintf(path, sizeof path, "%s/simulate/normal.conf", data);
        if (access(path, R_OK) == 0) {
            tocsin_code rc = sim_conf_load(&x->conf, path, o->diag, o->diag_ud);
            if (rc != TOCSIN_OK)
                return rc;
        }
    }
    const char *sc = o->scenario;
    size_t n = strlen(sc);
    if (strchr(sc, '/') || (n > 9 && strcmp(sc + n - 9, ".playbook") == 0)) {
        snprintf(path, sizeof path, "%s", sc);
    } else {
        for (size_t i = 0; i < n; i++)
            if (!((sc[i] >= 'a' && sc[i] <= 'z') || (sc[i] >= '0' && sc[i] <= '9') || sc[i] == '-' ||
                  sc[i] == '_')) {
                char msg[120];
                snprintf(msg, sizeof msg, "scenario names are lower-case words: \"%.40s\"", sc);
                ts_diag_say(o->diag, o->diag_ud, NULL, 0, 0, TOCSIN_E_ARG, msg);
                return TOCSIN_E_ARG;
            }
        snprintf(path, sizeof path, "%s/scenarios/%s.playbook", data, sc);
        if (access(path, R_OK) != 0) {
            char msg[300];
            snprintf(msg, sizeof msg, "no scenario \"%.40s\" (looked for %.200s)", sc, path);
            ts_diag_say(o->diag, o->diag_ud, NULL, 0, 0, TOCSIN_E_NOTFOUND, msg);
            return TOCSIN_E_NOTFOUND;
        }
    }
    return sim_campaign_load(x, path, o->diag, o->diag_ud);
}

static void write_truth_header(sim_ctx *x, const tocsin_sim_options *o)
{
    sim_out *t = &x->out[F_TRUTH];
    SIM_PUTL(t, "{\"type\":\"scenario\",\"scenario\":");
    sim_put_jstr(t, x->camp->scenario);
    SIM_PUTL(t, ",\"actor\":");
    sim_put_jstr(t, x->camp->actor);
    SIM_PUTL(t, ",\"aliases\":");
    sim_put_jstr(t, x->camp->aliases);
    SIM_PUTL(t, ",\"seed\":");
    sim_put_u64(t, o->seed);
    SIM_PUTL(t, ",\"start\":\"");
    sim_put_iso(t, x->start);
    SIM_PUTL(t, "\",\"end\":\"");
    sim_put_iso(t, x->end);
    SIM_PUTL(t, "\",\"days\":");
    sim_put_u64(t, x->days);
    SIM_PUTL(t, ",\"users\":");
    sim_put_u64(t, x->org.nhuman);
    SIM_PUTL(t, ",\"organisation\":");
    sim_put_jstr(t, x->org.name);
    SIM_PUTL(t, ",\"mail_domain\":");
    sim_put_jstr(t, x->org.domain);
    SIM_PUTL(t, ",\"ad_domain\":");
    sim_put_jstr(t, x->org.ad);
    SIM_PUTL(t, ",\"public_net\":\"");
    sim_put_ip4(t, x->org.pub_base);
    SIM_PUTL(t, "/24\",\"internal_nets\":[\"10.0.0.0/8\"]}\n");
    t->line++;
}

/* ---------------------------------------------------------------- the run */

static void progress(sim_ctx *x, const tocsin_sim_options *o, int64_t t, bool tty)
{
    uint64_t bytes = 0;
    for (int i = 0; i < F_N; i++)
        bytes += x->out[i].bytes + x->out[i].n;
    double done = (double)(t - x->start) / (double)(x->end - x->start);
    if (done > 1)
        done = 1;
    if (o->progress_fn)
        o->progress_fn(o->progress_ud, done, bytes);
    else if (tty)
        fprintf(stderr, "\rsimulate: %5.1f%%  %8.1f MB", done * 100, (double)bytes / 1e6);
}

static tocsin_code run(sim_ctx *x, const tocsin_sim_options *o)
{
    sched s = {0};
    bool tty = o->progress == 1 || (o->progress < 0 && isatty(2));
    sim_normal_init(x, add_task, &s);
    sim_campaign_plan(x, add_task, &s);
    if (!x->normal || s.oom) {
        free(s.v);
        return TOCSIN_E_NOMEM;
    }
    uint64_t iter = 0;
    while (s.n) {
        task k = pop(&s);
        if (k.t >= x->end)
            break;
        int64_t next =
            k.kind == TK_STEP ? sim_campaign_run(x, k.idx, k.t) : sim_normal_run(x, (int)k.kind, k.idx, k.t);
        if (next < x->end)
            push(&s, (task){next, k.kind, k.idx});
        if ((++iter & 0xffff) == 0 && (o->progress_fn || tty))
            progress(x, o, k.t, tty);
        if (s.oom)
            break;
    }
    if (o->progress_fn || tty) {
        progress(x, o, x->end, tty);
        if (tty && !o->progress_fn)
            fputc('\n', stderr);
    }
    bool oom = s.oom;
    free(s.v);
    return oom ? TOCSIN_E_NOMEM : TOCSIN_OK;
}

/* Tells the caller's diag about a problem with no file. */
static tocsin_code fail(const tocsin_sim_options *o, tocsin_code rc, const char *msg)
{
    if (o)
        ts_diag_say(o->diag, o->diag_ud, NULL, 0, 0, rc, msg);
    return rc;
}

tocsin_code tocsin_simulate(const tocsin_sim_options *o)
{
    if (!o || !o->out_dir || !o->out_dir[0] || !o->scenario || !o->scenario[0])
        return fail(o, TOCSIN_E_ARG, "simulate needs a scenario and an output directory");
    sim_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return fail(o, TOCSIN_E_NOMEM, "out of memory");
    x->opt = o;
    x->seed = o->seed;
    sim_rng_seed(&x->rng, sim_mix(o->seed) ^ 0x6e6f726d616cULL);
    sim_rng_seed(&x->crng, sim_mix(o->seed) ^ 0x63616d706169ULL);
    x->days = o->days ? o->days : 90;
    tocsin_code rc = TOCSIN_OK;
    if (x->days > 36500 || (o->users && o->users > 100000)) {
        rc = fail(o, TOCSIN_E_ARG, "days wants 1..36500 and users 1..100000");
    } else if (!sim_parse_date(o->start ? o->start : "2014-09-01", &x->start)) {
        char msg[100];
        snprintf(msg, sizeof msg, "start wants a date YYYY-MM-DD, not \"%.40s\"", o->start);
        rc = fail(o, TOCSIN_E_ARG, msg);
    }
    x->end = x->start + (int64_t)x->days * SIM_DAY;
    for (int i = 0; i < F_N; i++)
        x->out[i].fd = -1;
    if (rc == TOCSIN_OK)
        rc = load_inputs(x, o);
    if (rc == TOCSIN_OK)
        rc = sim_org_build(x, o->diag, o->diag_ud);
    if (rc == TOCSIN_OK) {
        enable_outputs(x, o->formats);
        rc = open_outputs(x, o->out_dir, o->diag, o->diag_ud);
    }
    if (rc == TOCSIN_OK) {
        sim_zeek_headers(x);
        write_truth_header(x, o);
        rc = run(x, o);
        if (rc == TOCSIN_E_NOMEM)
            fail(o, rc, "out of memory");
        sim_zeek_footers(x);
        sim_campaign_truth(x);
        sim_benign_truth(x);
    }
    /* After an earlier failure a write error is a consequence: not told again. */
    tocsin_code rc2 = close_outputs(x, o->out_dir, rc == TOCSIN_OK ? o->diag : NULL, o->diag_ud);
    if (rc == TOCSIN_OK)
        rc = rc2;
    if (rc == TOCSIN_OK && (!o->formats || (o->formats & TOCSIN_SIM_INTEL)))
        rc = sim_intel_write(x, o->out_dir, o->diag, o->diag_ud);
    free(x->mbuf);
    sim_normal_free(x);
    sim_campaign_free(x);
    sim_org_free(&x->org);
    free(x);
    return rc;
}
