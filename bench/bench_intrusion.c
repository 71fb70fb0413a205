/* bench_intrusion.c: ns per event through the credential, lateral and destruction detectors over a synthetic
 * enterprise day mix, and the size of what they save. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/detect.h"

/*
 * The mix, per 100 events: 30 Windows logons (4624 types 3 and 10, a quarter of them by
 * admins followed by 4672), 2 failed logons, 30 Zeek connections between internal hosts
 * (a third to 445), 20 Sysmon process starts with command lines, 10 Sysmon file
 * deletions, 5 service state changes, 3 sshd lines. 5,000 users (one in 50 an admin),
 * 3,000 workstations, 300 servers, spread over 30 days.
 */

#define EVENTS 2000000
#define USERS 5000
#define WKS 3000
#define SRV 300

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void drop(void *ud, ts_alert *a)
{
    (*(size_t *)ud)++;
    ts_alert_free(a);
}

/* Every name the events borrow, made once so that building an event costs no formatting. */
#define LIDS 4096
static char users[USERS][16], hosts[SRV][16], wks[WKS][16], lids[LIDS][16];
static ts_field fields[4];
static const char *const cmds[] = {
    "cmd.exe /c copy \\\\fs01\\share\\report.xlsx C:\\Users\\Public\\",
    "\"C:\\Program Files\\App\\app.exe\" --update --channel stable --quiet",
};

static void make_names(void)
{
    for (unsigned i = 0; i < USERS; i++)
        snprintf(users[i], sizeof users[i], i % 50 == 0 ? "adm-%u" : "user%u", i);
    for (unsigned i = 0; i < SRV; i++)
        snprintf(hosts[i], sizeof hosts[i], "SRV%u", i);
    for (unsigned i = 0; i < WKS; i++)
        snprintf(wks[i], sizeof wks[i], "WKS%u", i);
    for (unsigned i = 0; i < LIDS; i++)
        snprintf(lids[i], sizeof lids[i], "0x%x", i);
}

/* Users work from their own workstation (one in ten from another) against a few servers
 * of their department, so baselines settle as they would. */
static void make_event(ts_event *ev, size_t i)
{
    uint32_t r = next_rand(), kind = r % 100;
    uint32_t u = next_rand() % USERS;
    uint32_t w = r % 1000 < 100 ? next_rand() % WKS : u % WKS;
    uint32_t s = (u / 20 + next_rand() % 4) % SRV;
    ts_event_clear(ev);
    ev->ts_ns = 1410000000000000000LL + (int64_t)i * (30LL * 86400 * 1000000000 / EVENTS);
    ev->has_code = true;
    ev->category = TS_CAT_HOST;
    ev->user = ts_str_c(users[u]);
    ev->host = ts_str_c(hosts[s]);
    ev->fields = fields;
    if (kind < 32) {
        ev->dataset = ts_str_c("windows.security");
        ev->category = TS_CAT_AUTH;
        ev->code = kind < 30 ? 4624 : 4625;
        ev->outcome = kind < 30 ? TS_OUTCOME_SUCCESS : TS_OUTCOME_FAILURE;
        ev->logon_type = kind % 10 == 0 ? 10 : 3;
        ev->src_host = ts_str_c(wks[w]);
        ev->src_ip = (ts_ip){.v = 4, .b = {10, 1, (uint8_t)(w >> 8), (uint8_t)w}};
        fields[0] = (ts_field){ts_str_c("TargetLogonId"), ts_str_c(lids[i % LIDS])};
        ev->n_fields = 1;
    } else if (kind < 62) {
        ev->has_code = false;
        ev->dataset = ts_str_c("zeek.conn");
        ev->category = TS_CAT_NETWORK | TS_CAT_SESSION;
        ev->type = TS_TYPE_CONNECTION | TS_TYPE_END;
        ev->src_ip = (ts_ip){.v = 4, .b = {10, 1, (uint8_t)(w >> 8), (uint8_t)w}};
        ev->dst_ip = (ts_ip){.v = 4, .b = {10, 2, 0, (uint8_t)s}};
        ev->dst_port = kind % 3 == 0 ? 445 : 443;
    } else if (kind < 82) {
        ev->dataset = ts_str_c("windows.sysmon");
        ev->category = TS_CAT_PROCESS;
        ev->type = TS_TYPE_START;
        ev->action = ts_str_c("process-created");
        ev->code = 1;
        ev->process =
            ts_str_c(kind % 4 ? "C:\\Program Files\\App\\app.exe" : "C:\\Windows\\System32\\cmd.exe");
        ev->command_line = ts_str_c(cmds[kind % 4 ? 1 : 0]);
        ev->parent_process = ts_str_c("C:\\Windows\\explorer.exe");
    } else if (kind < 92) {
        ev->dataset = ts_str_c("windows.sysmon");
        ev->category = TS_CAT_FILE;
        ev->type = TS_TYPE_DELETION;
        ev->action = ts_str_c("file-deleted");
        ev->code = 23;
    } else if (kind < 97) {
        ev->dataset = ts_str_c("windows.system");
        ev->action = ts_str_c("service-state-changed");
        ev->code = 7036;
        fields[0] = (ts_field){ts_str_c("param1"), ts_str_c(kind % 2 ? "BITS" : "wuauserv")};
        fields[1] = (ts_field){ts_str_c("param2"), ts_str_c(kind % 3 ? "running" : "stopped")};
        ev->n_fields = 2;
    } else {
        ev->has_code = false;
        ev->dataset = ts_str_c("linux.auth");
        ev->category = TS_CAT_AUTH;
        ev->protocol = ts_str_c("ssh");
        ev->action = ts_str_c(kind == 99 ? "failed-password" : "accepted-publickey");
        ev->outcome = kind == 99 ? TS_OUTCOME_FAILURE : TS_OUTCOME_SUCCESS;
        ev->src_ip = (ts_ip){.v = 4, .b = {10, 1, (uint8_t)(w >> 8), (uint8_t)w}};
    }
}

int main(void)
{
    static const char *const names[] = {"credential", "lateral", "destruction"};
    ts_event *evs = malloc(sizeof(ts_event)); /* one at a time: generation is timed apart */
    make_names();
    double gen_start = now_ns();
    for (size_t i = 0; i < EVENTS; i++)
        make_event(evs, i);
    double gen_ns = (now_ns() - gen_start) / EVENTS;
    printf("bench_intrusion: %d events, generating one costs %.0f ns (subtracted below)\n", EVENTS, gen_ns);
    double total = 0;
    for (size_t k = 0; k < 3; k++) {
        const ts_detector *d = NULL;
        for (size_t i = 0; ts_detectors[i]; i++)
            if (strcmp(ts_detectors[i]->name, names[k]) == 0)
                d = ts_detectors[i];
        if (!d)
            return 1;
        void *st = calloc(1, d->state_size);
        ts_detect_ctx ctx = {NULL, NULL, NULL};
        if (d->init(st, &ctx) != TOCSIN_OK)
            return 1;
        size_t alerts = 0;
        ts_alert_sink sink = {drop, &alerts};
        rng = 0x9E3779B97F4A7C15ull;
        double t0 = now_ns();
        for (size_t i = 0; i < EVENTS; i++) {
            make_event(evs, i);
            d->event(st, evs, &sink);
        }
        double ns = (now_ns() - t0) / EVENTS - gen_ns;
        total += ns;
        void *blob = NULL;
        size_t len = 0;
        double s0 = now_ns();
        d->save(st, &blob, &len);
        double save_ms = (now_ns() - s0) / 1e6;
        printf("  %-12s %6.0f ns/event  %8zu alerts  saved state %8.1f KiB in %.1f ms\n", names[k], ns,
               alerts, (double)len / 1024, save_ms);
        free(blob);
        ts_detector_fini(d, st);
        free(st);
    }
    printf("  all three    %6.0f ns/event (%.1f M events/s)\n", total, 1e3 / (total > 0 ? total : 1));
    free(evs);
    return 0;
}
