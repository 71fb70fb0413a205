/* test_exfil.c: the exfiltration detector: new-destination volume against baselines, archive tools,
 * save/load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "detector_run.h"
#include "core/config.h"
#include "detect/detect.h"

/* ---- traffic ---- */

#define DAY0 19700LL /* days since the epoch: 2023-12-09 */
#define SEC 1000000000LL
#define DAYNS (86400 * SEC)

static uint64_t rng = 2463534242ULL;
static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void flow(run *r, const char *src, const char *dst, uint16_t port, int64_t ts, uint64_t bytes)
{
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = ts;
    ev.dataset = ts_str_c("zeek.conn");
    ev.category = TS_CAT_NETWORK | TS_CAT_SESSION;
    ev.type = TS_TYPE_CONNECTION | TS_TYPE_END;
    ts_ip_parse(ts_str_c(src), &ev.src_ip);
    ts_ip_parse(ts_str_c(dst), &ev.dst_ip);
    /* as enrichment marks them: only 10/8 is ours */
    ev.src_geo.flags = TS_NET_KNOWN | (strncmp(src, "10.", 3) == 0 ? TS_NET_INTERNAL : 0);
    ev.dst_geo.flags = TS_NET_KNOWN | (strncmp(dst, "10.", 3) == 0 ? TS_NET_INTERNAL : 0);
    ev.dst_port = port;
    ev.bytes_out = bytes;
    ev.bytes_in = bytes / 10;
    run_event(r, &ev);
}

/* One ordinary day d: 20 workstations each send 20-60 MB in 40 flows to their 5 usual
 * sites and a 200 kB request to a site new that day; the backup server sends 50 GB at
 * 02:00 to its usual target. */
static void ordinary_day(run *r, int d)
{
    char src[32], dst[32];
    int64_t t0 = (DAY0 + d) * DAYNS;
    for (int w = 1; w <= 20; w++) {
        snprintf(src, sizeof src, "10.0.1.%d", w);
        double mb = 20 + 40 * urand();
        for (int i = 0; i < 40; i++) {
            snprintf(dst, sizeof dst, "198.51.100.%d", w * 5 + i % 5);
            flow(r, src, dst, 443, t0 + (8 * 3600 + i * 600) * SEC, (uint64_t)(mb * 1e6 / 40));
        }
        snprintf(dst, sizeof dst, "100.64.%d.%d", d, w); /* a site new today */
        flow(r, src, dst, 443, t0 + 15 * 3600 * SEC, 200000);
    }
    flow(r, "10.0.2.1", "203.0.113.50", 22, t0 + 2 * 3600 * SEC, 50000000000ULL);
}

/* The day of the incident: a workstation sends 3 GB to a new address in 30 flows; the
 * backup server, besides its usual run, copies 50 GB to a second, new target. */
static void incident_day(run *r, int d)
{
    ordinary_day(r, d);
    int64_t t0 = (DAY0 + d) * DAYNS;
    for (int i = 0; i < 30; i++)
        flow(r, "10.0.1.5", "192.0.2.99", 443, t0 + (20 * 3600 + i * 60) * SEC, 100000000);
    flow(r, "10.0.2.1", "203.0.113.51", 22, t0 + 4 * 3600 * SEC, 50000000000ULL);
}

static void check_incident(const got *g, bool young)
{
    const ts_alert *a = find_alert(g, "exfil|10.0.1.5|192.0.2.99");
    CHECK(a != NULL);
    if (a) {
        printf("  %s\n", a->title);
        CHECK(strstr(a->title, "10.0.1.5 sent ") != NULL);
        CHECK(strstr(a->title, "most to 192.0.2.99:443") != NULL);
        CHECK((strstr(a->title, "baseline young") != NULL) == young);
        CHECK_STR(a->techniques, "T1041,T1567");
        CHECK_INT(a->direction, TS_DIR_OUTBOUND);
        CHECK_INT(a->severity, young ? 50 : 65);
        CHECK_INT(a->kind, TS_EV_BEHAVIOUR);
    }
    /* the backup server is no alarm, even to its new second target */
    CHECK(find_alert(g, "exfil|10.0.2.1|203.0.113.50") == NULL);
    CHECK(find_alert(g, "exfil|10.0.2.1|203.0.113.51") == NULL);
}

/* Ten ordinary days, then the incident, in one run. */
static void test_baseline(void)
{
    run r;
    CHECK(run_start(&r, "exfil", NULL));
    if (!r.state)
        return;
    for (int d = 0; d < 10; d++)
        ordinary_day(&r, d);
    CHECK_INT(r.out.n, 0); /* day 0 learns; the backup's target is then known */
    for (size_t i = 0; i < r.out.n; i++)
        fprintf(stderr, "  unexpected: %s\n", r.out.a[i]->title);
    got_free(&r.out);
    incident_day(&r, 10);
    check_incident(&r.out, false);
    CHECK_INT(r.out.n, 1);
    /* the same host the same day is reported once */
    flow(&r, "10.0.1.5", "192.0.2.98", 443, (DAY0 + 10) * DAYNS + 23 * 3600 * SEC, 2000000000);
    CHECK_INT(r.out.n, 1);
    run_stop(&r);
    got_free(&r.out);
}

/* The organisation's first week is learning: 3 GB to a new address on day 2 is held, and
 * raised once seven more days of its host have closed (it stands out of them). Later a host first seen two
 * days before (young) sending 3 GB to a new address is reported and says so; a host seen for the first time
 * that day is not judged; a 100 MB upload is not reported. */
static void test_young(void)
{
    run r;
    CHECK(run_start(&r, "exfil", NULL));
    if (!r.state)
        return;
    rng = 2463534242ULL;
    for (int d = 0; d < 10; d++) {
        ordinary_day(&r, d);
        if (d == 2)
            for (int i = 0; i < 30; i++)
                flow(&r, "10.0.1.5", "192.0.2.90", 443, (DAY0 + 2) * DAYNS + (21 * 3600 + i * 60) * SEC,
                     100000000);
        if (d >= 8) /* a new laptop: two days of ordinary browsing */
            for (int i = 0; i < 40; i++)
                flow(&r, "10.0.1.60", "198.51.100.200", 443, (DAY0 + d) * DAYNS + (9 * 3600 + i * 600) * SEC,
                     1000000);
    }
    CHECK_INT(r.out.n, 0);
    int64_t t0 = (DAY0 + 10) * DAYNS;
    ordinary_day(&r, 10);
    flow(&r, "10.0.1.6", "192.0.2.10", 8443, t0 + 100 * SEC, 100000000);
    ordinary_day(&r, 11); /* a day later: the host's days 3-10 have closed */
    const ts_alert *held = find_alert(&r.out, "exfil|10.0.1.5|192.0.2.90");
    CHECK(held && strstr(held->title, "raised when learning ended") && held->severity == 50 &&
          held->first_ns >= (DAY0 + 2) * DAYNS && held->first_ns < (DAY0 + 3) * DAYNS);
    if (held)
        printf("  %s\n", held->title);
    CHECK_INT(r.out.n, 1);
    got_free(&r.out);
    t0 = (DAY0 + 11) * DAYNS;
    for (int i = 0; i < 30; i++) {
        flow(&r, "10.0.1.60", "192.0.2.99", 443, t0 + (20 * 3600 + i * 60) * SEC, 100000000);
        flow(&r, "10.0.1.61", "192.0.2.77", 443, t0 + (20 * 3600 + i * 60) * SEC, 100000000);
    }
    const ts_alert *a = find_alert(&r.out, "exfil|10.0.1.60|192.0.2.99");
    CHECK(a != NULL);
    if (a) {
        printf("  %s\n", a->title);
        CHECK(strstr(a->title, "(baseline young: 2 of 7 days)") != NULL);
        CHECK(strstr(a->title, "usual outbound 40.0 MB/day") != NULL);
        CHECK_INT(a->severity, 50);
    }
    CHECK(find_alert(&r.out, "exfil|10.0.1.61|192.0.2.77") == NULL);
    CHECK_INT(r.out.n, 1);
    run_stop(&r);
    got_free(&r.out);
}

/* A hunt shorter than the learning week: what is held is judged once when the data ends.
 * Five days with 3 GB to a new address on day 2: raised at the end against the host's
 * other days, lower than a judged alert and saying so; the backup server's 50 GB on day 0
 * (new then) is its every day, and is not. One day of a single host: 6 GB to a new address
 * stands with nothing to compare (severity 35), 1 GB does not. */
static void test_short_hunt(void)
{
    run r;
    CHECK(run_start(&r, "exfil", NULL));
    if (!r.state)
        return;
    rng = 2463534242ULL;
    for (int d = 0; d < 5; d++) {
        ordinary_day(&r, d);
        if (d == 2)
            for (int i = 0; i < 30; i++)
                flow(&r, "10.0.1.5", "192.0.2.90", 443, (DAY0 + 2) * DAYNS + (21 * 3600 + i * 60) * SEC,
                     100000000);
    }
    CHECK_INT(r.out.n, 0); /* held */
    run_stop(&r);
    const ts_alert *a = find_alert(&r.out, "exfil|10.0.1.5|192.0.2.90");
    CHECK(a && strstr(a->title, "the data ended after 5 of 7 learning days") &&
          strstr(a->title, "its host's other days and its peers'") && a->severity == 40);
    if (a)
        printf("  %s\n", a->title);
    CHECK(find_alert(&r.out, "exfil|10.0.2.1|203.0.113.50") == NULL);
    CHECK_INT(r.out.n, 1);
    got_free(&r.out);

    CHECK(run_start(&r, "exfil", NULL));
    if (!r.state)
        return;
    int64_t t0 = DAY0 * DAYNS + 9 * 3600 * SEC;
    for (int i = 0; i < 60; i++) {
        flow(&r, "10.0.3.7", "192.0.2.91", 443, t0 + i * 60 * SEC, 100000000);
        flow(&r, "10.0.3.8", "192.0.2.92", 443, t0 + i * 10 * SEC, 16000000);
    }
    run_stop(&r);
    a = find_alert(&r.out, "exfil|10.0.3.7|192.0.2.91");
    CHECK(a && strstr(a->title, "against nothing") && a->severity == 35);
    if (a)
        printf("  %s\n", a->title);
    CHECK(find_alert(&r.out, "exfil|10.0.3.8|192.0.2.92") == NULL);
    CHECK_INT(r.out.n, 1);
    got_free(&r.out);
}

/* A file server that never talks out (its days come from the SMB sessions it serves)
 * sends a terabyte over a week to a new address: reported from the first day. */
static void test_silent_server(void)
{
    run r;
    CHECK(run_start(&r, "exfil", NULL));
    if (!r.state)
        return;
    rng = 7;
    char src[32];
    for (int d = 0; d < 20; d++) {
        ordinary_day(&r, d);
        for (int w = 1; w <= 20; w++) {
            snprintf(src, sizeof src, "10.0.1.%d", w);
            flow(&r, src, "10.0.3.12", 445, (DAY0 + d) * DAYNS + (10 * 3600 + w) * SEC, 5000000);
        }
    }
    CHECK_INT(r.out.n, 0);
    for (int i = 0; i < 4; i++)
        flow(&r, "10.0.3.12", "58.185.154.99", 443, (DAY0 + 20) * DAYNS + (5 + i) * 3600 * SEC,
             40000000000ULL);
    const ts_alert *a = find_alert(&r.out, "exfil|10.0.3.12|58.185.154.99");
    CHECK(a != NULL);
    if (a)
        printf("  %s\n", a->title);
    CHECK_INT(r.out.n, 1);
    run_stop(&r);
    got_free(&r.out);
}

/* A weekly backup to a cloud store whose address changes every week: the first falls in
 * the organisation's learning week, the later ones are no more than it sent before. */
static void test_weekly_backup(void)
{
    run r;
    CHECK(run_start(&r, "exfil", NULL));
    if (!r.state)
        return;
    rng = 99;
    for (int d = 0; d < 22; d++) {
        ordinary_day(&r, d);
        /* the backup server collects from the workstations every night */
        flow(&r, "10.0.1.3", "10.10.1.17", 445, (DAY0 + d) * DAYNS + 1800 * SEC, 2000000000ULL);
        if (d % 7 == 6) {
            char dst[32];
            snprintf(dst, sizeof dst, "54.160.%d.%d", 19 + d / 7, 100 + d);
            static const uint64_t gb[] = {1155, 865, 1460}; /* as the simulator's: it varies */
            flow(&r, "10.10.1.17", dst, 443, (DAY0 + d) * DAYNS + 3600 * SEC, gb[d / 7] * 1000000000ULL);
        }
    }
    CHECK_INT(r.out.n, 0);
    for (size_t i = 0; i < r.out.n; i++)
        fprintf(stderr, "  unexpected: %s\n", r.out.a[i]->title);
    run_stop(&r);
    got_free(&r.out);
}

/* Ten days in one run, saved; the incident day in a second run loaded from the blob
 * finds the same as one long run. Damaged blobs are refused. */
static void test_save_load(void)
{
    run r;
    CHECK(run_start(&r, "exfil", NULL));
    if (!r.state)
        return;
    rng = 2463534242ULL;
    for (int d = 0; d < 10; d++)
        ordinary_day(&r, d);
    void *blob = NULL;
    size_t len = 0;
    CHECK_INT(r.d->save(r.state, &blob, &len), TOCSIN_OK);
    run_stop(&r);
    got_free(&r.out);
    CHECK(blob != NULL && len > 1000);
    if (!blob)
        return;

    run r2;
    CHECK(run_start(&r2, "exfil", NULL));
    CHECK_INT(r2.d->load(r2.state, blob, len), TOCSIN_OK);
    incident_day(&r2, 10);
    check_incident(&r2.out, false);
    CHECK_INT(r2.out.n, 1);
    /* saving again keeps every host */
    void *blob2 = NULL;
    size_t len2 = 0;
    CHECK_INT(r2.d->save(r2.state, &blob2, &len2), TOCSIN_OK);
    CHECK_INT(len2, len + 21 * 4); /* the same 21 hosts, a host-day more each in the pool */
    free(blob2);
    run_stop(&r2);
    got_free(&r2.out);

    /* damaged blobs: cut short, bad magic, a count past the end, a NaN in history */
    unsigned char *bad = malloc(len);
    run r3;
    CHECK(run_start(&r3, "exfil", NULL));
    CHECK_INT(r3.d->load(r3.state, blob, len - 1), TOCSIN_E_PARSE);
    CHECK_INT(r3.d->load(r3.state, blob, 10), TOCSIN_E_PARSE);
    CHECK_INT(r3.d->load(r3.state, NULL, 0), TOCSIN_E_PARSE);
    memcpy(bad, blob, len);
    bad[0] = 'X';
    CHECK_INT(r3.d->load(r3.state, bad, len), TOCSIN_E_PARSE);
    memcpy(bad, blob, len);
    uint32_t huge = 0x7fffffff;
    memcpy(bad + 4 + 4 * 4, &huge, 4); /* host count */
    CHECK_INT(r3.d->load(r3.state, bad, len), TOCSIN_E_PARSE);
    run_stop(&r3);
    free(bad);
    free(blob);
}

/* ---- archive tools ---- */

static void proc(run *r, const char *host, const char *image, const char *cmd, uint32_t code)
{
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = DAY0 * DAYNS;
    ev.dataset = ts_str_c(code == 1 ? "windows.sysmon" : "windows.security");
    ev.category = TS_CAT_PROCESS;
    ev.action = ts_str_c("process-created");
    ev.code = code;
    ev.has_code = true;
    ev.host = ts_str_c(host);
    ev.user = ts_str_c("svc_admin");
    ev.process = ts_str_c(image);
    ev.command_line = ts_str_c(cmd);
    run_event(r, &ev);
}

static void test_archive(void)
{
    run r;
    CHECK(run_start(&r, "exfil", NULL));
    if (!r.state)
        return;
    proc(&r, "FS01.corp.example", "C:\\Program Files\\7-Zip\\7z.exe",
         "7z a -pS3cret -mhe=on d.7z D:\\Shares\\Finance", 1);
    proc(&r, "SRV-SQL-02", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
         "powershell -c Compress-Archive -Path E:\\backup -DestinationPath C:\\Temp\\x.zip", 4688);
    proc(&r, "dc1", "C:\\Windows\\System32\\makecab.exe", "makecab ntds.dit c:\\temp\\n.cab", 4688);
    proc(&r, "WS-JDOE-07", "C:\\Program Files\\7-Zip\\7z.exe", "7z a holiday.zip C:\\Users\\jdoe\\Pictures",
         1);
    proc(&r, "WS-JDOE-07", "C:\\Program Files\\WinRAR\\WinRAR.exe",
         "WinRAR a -hpX q.rar C:\\Users\\jdoe\\Docs", 1);
    proc(&r, "fs-01.corp.example", "C:\\Windows\\Temp\\iissvr.exe",
         "C:\\Windows\\Temp\\iissvr.exe a -r -hpP@ssw0rd0 -v2g C:\\Windows\\Temp\\~DFC010.tmp "
         "\\\\fs-01\\Finance\\*",
         1);
    proc(&r, "FS01", "C:\\Program Files\\Git\\cmd\\git.exe", "git add -p src", 1);
    proc(&r, "FS01", "C:\\Tools\\sync.exe", "sync.exe a b c", 1);
    proc(&r, "FS01", "C:\\Windows\\System32\\notepad.exe", "notepad zip.txt", 1);
    proc(&r, "FS01", "C:\\Windows\\System32\\cmd.exe", "", 1);
    CHECK_INT(r.out.n, 5);
    const ts_alert *a = find_alert(&r.out, "exfil|archive|fs-01.corp.example|iissvr.exe");
    CHECK(a != NULL);
    if (a) {
        CHECK_INT(a->severity, 80);
        CHECK(strstr(a->title, "iissvr.exe (a renamed archiver) (password-protected) run on server") != NULL);
    }
    a = find_alert(&r.out, "exfil|archive|FS01.corp.example|7z.exe");
    CHECK(a != NULL);
    if (a) {
        CHECK_INT(a->severity, 70);
        CHECK_STR(a->techniques, "T1560.001");
        CHECK(strstr(a->title, "7z.exe (password-protected) run on server FS01.corp.example by svc_admin") !=
              NULL);
    }
    a = find_alert(&r.out, "exfil|archive|SRV-SQL-02|Compress-Archive");
    CHECK(a != NULL && a->severity == 60);
    a = find_alert(&r.out, "exfil|archive|dc1|makecab.exe");
    CHECK(a != NULL && a->severity == 60);
    /* a workstation: the plain zip is nothing, the password-protected rar is low */
    a = find_alert(&r.out, "exfil|archive|WS-JDOE-07|winrar.exe");
    CHECK(a != NULL && a->severity == 35);
    CHECK(find_alert(&r.out, "exfil|archive|WS-JDOE-07|7z.exe") == NULL);
    run_stop(&r);
    got_free(&r.out);
}

static void test_config(void)
{
    char dir[] = "/tmp/test_exfil.XXXXXX";
    if (!mkdtemp(dir))
        return;
    static const char *const confs[] = {
        "[exfil]\nmin_bytes = 0\n",          "[exfil]\nmin_days = 0\n", "[exfil]\nz_own = -1\n",
        "[exfil]\nservers = ,,\n", /* empty tokens are skipped: valid */
        "[exfil]\nservers = jump,bastion\n",
    };
    static const bool ok[] = {false, false, false, true, true};
    for (size_t i = 0; i < sizeof confs / sizeof *confs; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/c%zu.conf", dir, i);
        FILE *f = fopen(path, "w");
        if (!f)
            continue;
        fputs(confs[i], f);
        fclose(f);
        ts_config *cfg = NULL;
        CHECK_INT(ts_config_load(path, &cfg, NULL, NULL), TOCSIN_OK);
        run r;
        bool started = run_start(&r, "exfil", cfg);
        CHECK(started == ok[i]);
        if (started && i == 4) {
            /* configured tokens replace the defaults */
            proc(&r, "bastion-3", "/usr/bin/tar", "tar czf /tmp/h.tgz /home", 1);
            proc(&r, "FS01", "C:\\Program Files\\7-Zip\\7z.exe", "7z a x.7z D:\\", 1);
            CHECK_INT(r.out.n, 1);
            CHECK(find_alert(&r.out, "exfil|archive|bastion-3|tar") != NULL);
        }
        if (started) {
            run_stop(&r);
            got_free(&r.out);
        }
        ts_config_free(cfg);
        unlink(path);
    }
    rmdir(dir);
}

int main(void)
{
    test_baseline();
    test_young();
    test_short_hunt();
    test_weekly_backup();
    test_silent_server();
    test_save_load();
    test_archive();
    test_config();
    return check_done("test_exfil");
}
