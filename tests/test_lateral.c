/* test_lateral.c: the lateral-movement detector: new admin-level pairs, fan-out against its own history,
 * learning, saved state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "behaviour.h"

#define LEARNT (8 * DAY) /* past the default learning period of 7 days */

/* A config file with the given text; the caller frees the result. */
static ts_config *config(const char *text)
{
    char path[] = "/tmp/tocsin-lat-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    ts_config *c = NULL;
    ts_config_load(path, &c, NULL, NULL);
    unlink(path);
    return c;
}

/* An admin's network logon (4624 type 3, then 4672 for the same logon id). */
static void admin_logon(det *x, const char *user, const char *src, const char *srcname, const char *dst,
                        int64_t ts)
{
    static unsigned id;
    char lid[32];
    snprintf(lid, sizeof lid, "0x%x", ++id);
    ts_event ev;
    logon(&ev, 4624, user, dst, src, srcname, 3, ts);
    const char *kv[] = {"TargetLogonId", lid, NULL};
    set_fields(&ev, kv);
    feed(x, &ev);
    win(&ev, "windows.security", 4672, dst, ts);
    ev.category = TS_CAT_AUTH;
    ev.user = ts_str_c(user);
    const char *kv2[] = {"SubjectLogonId", lid, NULL};
    set_fields(&ev, kv2);
    feed(x, &ev);
}

/* A connection seen by Zeek. */
static void zconn(det *x, const char *src, const char *dst, uint16_t port, int64_t ts)
{
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = ts;
    ev.dataset = ts_str_c("zeek.conn");
    ev.category = TS_CAT_NETWORK | TS_CAT_SESSION;
    ev.type = TS_TYPE_CONNECTION | TS_TYPE_END;
    ev.src_ip = ip_of(src);
    ev.dst_ip = ip_of(dst);
    ev.dst_port = port;
    ev.src_geo = geo("", 0, TS_NET_INTERNAL);
    ev.dst_geo = geo("", 0, TS_NET_INTERNAL);
    feed(x, &ev);
}

static void test_admin_pairs(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    char srv[16];
    /* Eight days of the admin managing five servers from the jump host. */
    for (int d = 0; d < 8; d++)
        for (int s = 1; s <= 5; s++) {
            snprintf(srv, sizeof srv, "SRV%d", s);
            admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", srv, T0 + d * DAY + s * MIN);
        }
    CHECK_INT(n_got, 0);
    /* Day nine: the usual. */
    admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", "SRV3", T0 + LEARNT);
    CHECK_INT(n_got, 0);
    /* The same account from a workstation to a server: never before. */
    admin_logon(&x, "adm-mike", "10.0.3.7", "WKS7", "SRV1", T0 + LEARNT + HOUR);
    const ts_alert *a = find_key("lateral|admin-logon|WKS7|SRV1|");
    CHECK(a != NULL);
    if (a) {
        CHECK_STR(a->detector, "lateral");
        CHECK_STR(a->techniques, "T1021.002");
        CHECK_STR(a->user, "adm-mike");
        CHECK(strstr(a->title, "new admin network logon from WKS7 to SRV1 as adm-mike: never seen before") !=
              NULL);
        CHECK(a->severity >= 50);
    }
    CHECK_INT(n_got, 1);
    drop_all();
    /* Once seen, the pair is known: no repeat alert. */
    admin_logon(&x, "adm-mike", "10.0.3.7", "WKS7", "SRV1", T0 + LEARNT + 2 * HOUR);
    CHECK_INT(n_got, 0);
    /* Host names are compared by their first label, case-blind. */
    admin_logon(&x, "adm-mike", "10.0.0.5", "jump01.corp.local", "srv2.CORP.LOCAL", T0 + LEARNT + 3 * HOUR);
    CHECK_INT(n_got, 0);
    /* An ordinary user's network logon without special privileges is not admin-level. */
    ts_event ev;
    logon(&ev, 4624, "jdoe", "SRV4", "10.0.3.8", "WKS8", 3, T0 + LEARNT + 4 * HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    /* Remote desktop to a new host. */
    logon(&ev, 4624, "jdoe", "SRV4", "10.0.3.8", "WKS8", 10, T0 + LEARNT + 5 * HOUR);
    feed(&x, &ev);
    a = find_key("lateral|rdp|WKS8|SRV4|");
    CHECK(a && strcmp(a->techniques, "T1021.001") == 0);
    drop_all();
    det_close(&x);
}

/* Within the learning period new pairs are remembered silently; PsExec still speaks. */
static void test_learning(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    ts_event ev;
    logon(&ev, 4624, "kate", "WKS7", "127.0.0.1", "WKS7", 2, T0); /* WKS7 is a desk */
    feed(&x, &ev);
    admin_logon(&x, "adm-mike", "10.0.3.7", "WKS7", "SRV1", T0);
    CHECK_INT(n_got, 0);
    win(&ev, "windows.system", 7045, "SRV1", T0 + MIN);
    const char *kv[] = {"ServiceName", "PSEXESVC", "ImagePath", "%SystemRoot%\\PSEXESVC.exe", NULL};
    set_fields(&ev, kv);
    feed(&x, &ev);
    const ts_alert *a = find_key("lateral|service|?|SRV1|PSEXESVC");
    CHECK(a && strstr(a->title, "(baseline young)") && strcmp(a->techniques, "T1569.002,T1021.002") == 0);
    drop_all();
    feed(&x, &ev); /* the same service on the same host again */
    CHECK_INT(n_got, 0);
    /* A service whose binary sits on an admin share. */
    win(&ev, "windows.system", 7045, "SRV2", T0 + 2 * MIN);
    const char *kv2[] = {"ServiceName", "updsvc", "ImagePath", "\\\\10.0.3.7\\ADMIN$\\upd.exe", NULL};
    set_fields(&ev, kv2);
    feed(&x, &ev);
    CHECK(find_key("lateral|service|?|SRV2|updsvc") != NULL);
    drop_all();
    /* An ordinary service install is none of this detector's business. */
    win(&ev, "windows.system", 7045, "SRV2", T0 + 3 * MIN);
    const char *kv3[] = {"ServiceName", "Spooler2", "ImagePath", "C:\\Windows\\System32\\spoolsv.exe", NULL};
    set_fields(&ev, kv3);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    /* When learning ends, its one new admin pair (WKS7 made no other, and never again)
       is raised once, looking back; the pair itself is known from then on. */
    admin_logon(&x, "adm-mike", "10.0.3.7", "WKS7", "SRV1", T0 + LEARNT);
    CHECK_INT(n_got, 1);
    a = find_key("lateral|admin-logon|WKS7|SRV1|");
    CHECK(a && strstr(a->title, "raised when learning ended") && a->first_ns < T0 + LEARNT &&
          a->severity < 55);
    drop_all();
    admin_logon(&x, "adm-mike", "10.0.3.7", "WKS7", "SRV1", T0 + LEARNT + MIN);
    CHECK_INT(n_got, 0);
    admin_logon(&x, "adm-mike", "10.0.3.7", "WKS7", "SRV2", T0 + LEARNT);
    CHECK_INT(count_key("lateral|admin-logon|WKS7|SRV2|"), 1);
    drop_all();
    det_close(&x);
}

/* One night of the deployment server reaching 200 hosts over SMB. */
static void deploy_night(det *x, int d)
{
    char dst[32];
    for (int h = 0; h < 200; h++) {
        snprintf(dst, sizeof dst, "10.0.%d.%d", 10 + h / 100, h % 100 + 1);
        zconn(x, "10.0.0.10", dst, 445, T0 + d * DAY + h * 10 * 1000000000LL);
    }
}

static void test_fanout(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    /* Five days: the deployment server fans out nightly, the workstation reaches its two
       file servers. */
    for (int d = 0; d < 5; d++) {
        deploy_night(&x, d);
        zconn(&x, "10.0.3.7", "10.0.1.1", 445, T0 + d * DAY + 8 * HOUR);
        zconn(&x, "10.0.3.7", "10.0.1.2", 445, T0 + d * DAY + 9 * HOUR);
    }
    /* The first night had no history to be judged against; the others have the first. */
    CHECK_INT(n_got, 0); /* the deployment server always fans out: normal */
    deploy_night(&x, 5);
    CHECK_INT(n_got, 0);
    /* The workstation reaches 12 hosts on admin ports within the hour. */
    char dst[32];
    for (int h = 0; h < 12; h++) {
        snprintf(dst, sizeof dst, "10.0.20.%d", h + 1);
        zconn(&x, "10.0.3.7", dst, h % 2 ? 445 : 135, T0 + 5 * DAY + 10 * HOUR + h * MIN);
    }
    const ts_alert *a = find_key("lateral|fanout|host 10.0.3.7");
    CHECK(a != NULL);
    if (a) {
        CHECK(strstr(a->title,
                     "host 10.0.3.7 reached 10 internal hosts within 60 min (its most before: 2)") != NULL);
        CHECK(a->severity >= 60);
        CHECK_STR(a->techniques, "T1021");
    }
    CHECK_INT(n_got, 1); /* one alert per window */
    drop_all();
    /* Web browsing and outside addresses are not fan-out. */
    for (int h = 0; h < 30; h++) {
        snprintf(dst, sizeof dst, "10.0.30.%d", h + 1);
        zconn(&x, "10.0.3.9", dst, 443, T0 + 6 * DAY + h * MIN);
    }
    CHECK_INT(n_got, 0);

    /* The history survives a restart: the deployment server stays quiet. */
    CHECK_INT(det_reload(&x, NULL), TOCSIN_OK);
    deploy_night(&x, 7);
    CHECK_INT(n_got, 0);
    det_close(&x);
}

static void test_fixtures(void)
{
    ts_config *cfg = config("[lateral]\nlearn = 0s\n");
    CHECK(cfg != NULL);
    det x;
    CHECK(det_open(&x, "lateral", cfg));
    CHECK_INT(feed_file(&x, "tests/data/behaviour/win_lateral.json"), 8);
    const ts_alert *a = find_key("lateral|admin-logon|WKS7|FS01.corp.local|");
    CHECK(a && strstr(a->title, "as adm-mike"));
    a = find_key("lateral|admin-share|WKS7|FS01.corp.local|");
    CHECK(a == NULL); /* 5140 names no workstation: the share is reached from its address */
    a = find_key("lateral|admin-share|10.0.3.7|FS01.corp.local|");
    CHECK(a && strcmp(a->techniques, "T1021.002") == 0);
    CHECK(find_key("lateral|service|?|FS01.corp.local|PSEXESVC") != NULL);
    a = find_key("lateral|wmi|?|SRV9.corp.local|cmd.exe");
    CHECK(a && strcmp(a->techniques, "T1047") == 0);
    /* Without learning every service is new to the estate, but PSEXESVC is judged as PsExec
       and a driver under System32\drivers is where drivers belong. */
    CHECK(find_key("lateral|new-service|") == NULL);
    CHECK_INT(n_got, 4); /* not jdoe, not the audio driver, not unsecapp */
    drop_all();
    det_close(&x);

    CHECK(det_open(&x, "lateral", cfg));
    CHECK_INT(feed_file(&x, "tests/data/behaviour/zeek_lateral.json"), 3);
    CHECK(find_key("lateral|admin-share|10.0.3.7|10.0.5.20|") != NULL);
    CHECK(find_key("lateral|rdp|10.0.3.7|10.0.5.22|") != NULL);
    CHECK_INT(n_got, 2); /* the Public share is not an admin share */
    drop_all();
    det_close(&x);
    ts_config_free(cfg);

    cfg = config("[lateral]\nmin_fanout = 1\n");
    CHECK(!det_open(&x, "lateral", cfg));
    ts_config_free(cfg);
}

static void test_save_load(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", "SRV1", T0);
    CHECK_INT(det_reload(&x, NULL), TOCSIN_OK);
    /* Learning continues from the first run's start: four days on it is over. */
    admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", "SRV1", T0 + LEARNT);
    CHECK_INT(n_got, 0);
    /* The account is known privileged: its network logon alone is admin-level. */
    ts_event ev;
    logon(&ev, 4624, "adm-mike", "SRV5", "10.0.3.7", "WKS7", 3, T0 + LEARNT + MIN);
    feed(&x, &ev);
    CHECK(find_key("lateral|admin-logon|WKS7|SRV5|") != NULL);
    drop_all();
    void *blob;
    size_t len;
    CHECK_INT(ts_detector_save(x.d, x.st, &blob, &len), TOCSIN_OK);
    det y;
    CHECK(det_open(&y, "lateral", NULL));
    CHECK_INT(ts_detector_load(y.d, y.st, blob, len - 3, NULL, 0), TOCSIN_E_FORMAT);
    CHECK_INT(ts_detector_load(y.d, y.st, blob, 8, NULL, 0), TOCSIN_E_FORMAT);
    free(blob);
    det_close(&y);
    det_close(&x);
}

/* A young workstation's second fan-out window is judged, and says the baseline is young. */
static void test_fanout_young(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    zconn(&x, "10.0.3.7", "10.0.1.1", 445, T0);
    char dst[32];
    for (int h = 0; h < 10; h++) {
        snprintf(dst, sizeof dst, "10.0.20.%d", h + 1);
        zconn(&x, "10.0.3.7", dst, 445, T0 + 2 * HOUR + h * MIN);
    }
    const ts_alert *a = find_key("lateral|fanout|host 10.0.3.7");
    CHECK(a && strstr(a->title, "(baseline young: 1 earlier windows)") && a->severity < 50);
    drop_all();
    det_close(&x);
}

/* A source that already made several new admin pairs is an established admin source. */
static void test_established(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", "SRV1", T0);
    char srv[16];
    for (int s = 2; s <= 6; s++) {
        snprintf(srv, sizeof srv, "SRV%d", s);
        admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", srv, T0 + LEARNT + s * HOUR);
    }
    /* SRV1 (learnt) counts: SRV2 and SRV3 alert, from SRV4 on the jump host is established.
       SRV1, its only new pair while learning, is raised looking back when learning ends. */
    CHECK_INT(count_key("lateral|admin-logon|JUMP01|"), 3);
    CHECK(find_key("lateral|admin-logon|JUMP01|SRV1|") != NULL);
    CHECK(find_key("lateral|admin-logon|JUMP01|SRV3|") != NULL);
    CHECK(find_key("lateral|admin-logon|JUMP01|SRV4|") == NULL);
    drop_all();
    /* A VPN pool: five people log on from its addresses; an admin's first hop from it is quiet. */
    ts_event ev;
    static const char *const staff[] = {"amy", "ben", "cat", "dan", "eve"};
    for (int i = 0; i < 5; i++) {
        logon(&ev, 4624, staff[i], "FS01", i % 2 ? "10.0.200.17" : "10.0.200.42", NULL, 3, T0 + LEARNT);
        feed(&x, &ev);
    }
    admin_logon(&x, "adm-mike", "10.0.200.99", NULL, "SRV1", T0 + LEARNT + HOUR);
    CHECK_INT(n_got, 0);
    /* Another method from the same source starts its own count. */
    logon(&ev, 4624, "adm-mike", "SRV7", "10.0.0.5", "JUMP01", 10, T0 + LEARNT + 9 * HOUR);
    feed(&x, &ev);
    CHECK(find_key("lateral|rdp|JUMP01|SRV7|") != NULL);
    drop_all();
    det_close(&x);
}

/* The jump host administers SRV1..SRV3 over network logons that name it by address alone
 * while learning, and opens a remote desktop (which names it JUMP01) to SRV3 once. The same
 * admin relation by another way is no new pair: that desktop is not raised when learning
 * ends, nor is a first desktop to SRV2 after learning. A desktop to a server it never
 * administered alerts, and so does one to SRV2 from another machine. */
static void test_admin_elsewise(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    char srv[16];
    for (int s = 1; s <= 3; s++) {
        snprintf(srv, sizeof srv, "SRV%d", s);
        admin_logon(&x, "adm-mike", "10.0.0.5", NULL, srv, T0 + s * HOUR);
    }
    ts_event ev;
    logon(&ev, 4624, "adm-mike", "SRV3", "10.0.0.5", "JUMP01", 10, T0 + 4 * HOUR);
    feed(&x, &ev);
    admin_logon(&x, "adm-mike", "10.0.0.5", NULL, "SRV1", T0 + LEARNT); /* learning ends */
    CHECK(find_key("lateral|rdp|JUMP01|SRV3|") == NULL);
    drop_all(); /* (the network logons' own pairs, raised looking back: not the point) */
    logon(&ev, 4624, "adm-mike", "SRV2", "10.0.0.5", "JUMP01", 10, T0 + LEARNT + HOUR);
    feed(&x, &ev);
    CHECK_INT(n_got, 0);
    logon(&ev, 4624, "adm-mike", "SRV8", "10.0.0.5", "JUMP01", 10, T0 + LEARNT + 2 * HOUR);
    feed(&x, &ev);
    CHECK(find_key("lateral|rdp|JUMP01|SRV8|") != NULL);
    logon(&ev, 4624, "adm-mike", "SRV2", "10.0.0.6", "JUMP02", 10, T0 + LEARNT + 3 * HOUR);
    feed(&x, &ev);
    CHECK(find_key("lateral|rdp|JUMP02|SRV2|") != NULL);
    drop_all();
    det_close(&x);
}

static void service(det *x, const char *host, const char *name, const char *image, int64_t ts)
{
    ts_event ev;
    win(&ev, "windows.system", 7045, host, ts);
    const char *kv[] = {"ServiceName", name, "ImagePath", image, "ServiceType", "user mode service", NULL};
    set_fields(&ev, kv);
    feed(x, &ev);
}

/* A service the estate never installed, landing on host after host after learning. */
static void test_new_service(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    /* The deployment agent, installed during learning and every week since. */
    service(&x, "WKS1", "PDQDeployRunner-1", "C:\\Windows\\AdminArsenal\\PDQDeployRunner-1.exe", T0);
    service(&x, "WKS2", "PDQDeployRunner-1", "C:\\Windows\\AdminArsenal\\PDQDeployRunner-1.exe", T0 + LEARNT);
    CHECK_INT(n_got, 0);
    /* The implant as a service on three hosts. */
    service(&x, "WKS3", "WinsSchMgmt", "%SystemRoot%\\igfxtrayex.exe -k netsvcs", T0 + LEARNT + HOUR);
    service(&x, "SRV1", "WinsSchMgmt", "%SystemRoot%\\igfxtrayex.exe -k netsvcs", T0 + LEARNT + 2 * HOUR);
    service(&x, "SRV2", "WinsSchMgmt", "%SystemRoot%\\igfxtrayex.exe -k netsvcs", T0 + LEARNT + 3 * HOUR);
    CHECK_INT(count_key("lateral|new-service|WinsSchMgmt|igfxtrayex.exe -k netsvcs"), 3);
    const ts_alert *a = find_key("lateral|new-service|WinsSchMgmt|");
    CHECK(a && strstr(a->title,
                      "service WinsSchMgmt (%SystemRoot%\\igfxtrayex.exe -k netsvcs) installed on WKS3"));
    CHECK(a && strcmp(a->techniques, "T1543.003,T1569.002") == 0);
    drop_all();
    /* The same name with another binary is another service. */
    service(&x, "SRV3", "WinsSchMgmt", "C:\\Windows\\system32\\diskpartmg16.exe -w", T0 + 20 * DAY);
    CHECK_INT(count_key("lateral|new-service|WinsSchMgmt|diskpartmg16.exe -w"), 1);
    drop_all();
    /* What installers write under Program Files or a vendor's own folder is not judged. */
    service(&x, "SRV3", "NewAgent", "\"C:\\Program Files\\Agent\\agent.exe\"", T0 + 20 * DAY);
    service(&x, "SRV3", "PDQDeployRunner-2", "C:\\Windows\\AdminArsenal\\PDQDeployRunner\\service-2\\r.exe",
            T0 + 20 * DAY);
    CHECK_INT(n_got, 0);
    /* A user-writable folder is judged; a binary on a share is run like PsExec. */
    service(&x, "SRV3", "upd", "C:\\ProgramData\\upd\\upd.exe", T0 + 20 * DAY);
    service(&x, "SRV3", "upd2", "\\\\10.0.0.9\\c$\\upd2.exe", T0 + 20 * DAY);
    CHECK_INT(count_key("lateral|new-service|upd|upd.exe"), 1);
    CHECK(find_key("lateral|service|?|SRV3|upd2") != NULL);
    CHECK_INT(n_got, 2);
    drop_all();
    /* PsExec: its first new host alerts, then the tool is known. */
    service(&x, "SRV5", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", T0 + 21 * DAY);
    service(&x, "SRV6", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", T0 + 22 * DAY);
    CHECK_INT(count_key("lateral|service|?|"), 1);
    CHECK(find_key("lateral|service|?|SRV5|PSEXESVC") != NULL);
    drop_all();
    /* A week after its first install it is part of the estate. */
    service(&x, "SRV4", "WinsSchMgmt", "%SystemRoot%\\igfxtrayex.exe -k netsvcs", T0 + LEARNT + 8 * DAY);
    CHECK_INT(n_got, 0);
    det_close(&x);
}

/* PsExec run by an administrator's session over a known path (the jump host, an established
 * admin source while learning) is their tool: quiet, and the tool stays unknown. A
 * foothold's PsExec, following its own new logon from a workstation, alerts, even once that
 * workstation has reached enough hosts after learning to be "established"; so does one that
 * comes longer than session_window after the admin's logon. */
static void psexec_baseline(det *x)
{
    char srv[16];
    for (int s = 0; s <= 4; s++) { /* while learning: JUMP01 established after 3 new pairs */
        snprintf(srv, sizeof srv, "SRV%d", s);
        admin_logon(x, "adm-mike", "10.0.0.5", "JUMP01", srv, T0 + s * HOUR);
    }
    admin_logon(x, "adm-mike", "10.0.0.5", "JUMP01", "SRV0", T0 + LEARNT); /* learning ends */
    drop_all();
}

static void test_psexec_session(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    psexec_baseline(&x);
    admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", "SRV5", T0 + LEARNT + DAY); /* a new server */
    service(&x, "SRV5", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", T0 + LEARNT + DAY + 2 * MIN / 60);
    admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", "SRV2", T0 + LEARNT + DAY + HOUR); /* known pair */
    service(&x, "SRV2", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", T0 + LEARNT + DAY + HOUR + MIN / 60);
    CHECK_INT(n_got, 0);
    /* too long after the admin's logon: nobody we can name ran it */
    admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", "SRV3", T0 + LEARNT + 2 * DAY);
    service(&x, "SRV3", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", T0 + LEARNT + 2 * DAY + 10 * MIN);
    CHECK(find_key("lateral|service|?|SRV3|PSEXESVC") != NULL);
    drop_all();
    /* the admin, on the jump host, logs on to it from itself: their session goes on, and
       a PsExec-like tool a little later than session_window after the first logon is theirs */
    admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", "SRV4", T0 + LEARNT + 3 * DAY);
    admin_logon(&x, "adm-mike", "10.0.0.9", "SRV4", "SRV4", T0 + LEARNT + 3 * DAY + 100 * MIN / 60);
    service(&x, "SRV4", "PAExec", "%SystemRoot%\\PAExec.exe", T0 + LEARNT + 3 * DAY + 150 * MIN / 60);
    CHECK_INT(n_got, 0); /* (a tool never seen: alone, it would alert) */
    det_close(&x);
    /* The foothold: a workstation's admin logons after learning, to four servers: the first
       three alert, the fourth is quiet (the source is established by now), and its PsExec
       follows no session of the baseline: it alerts. */
    CHECK(det_open(&x, "lateral", NULL));
    psexec_baseline(&x);
    char srv[16];
    for (int s = 1; s <= 4; s++) {
        snprintf(srv, sizeof srv, "SRV%d", s);
        admin_logon(&x, "adm-mike", "10.0.3.44", "WKS44", srv, T0 + LEARNT + DAY + s * HOUR);
    }
    CHECK_INT(count_key("lateral|admin-logon|WKS44|"), 3);
    CHECK(find_key("lateral|admin-logon|WKS44|SRV4|") == NULL);
    service(&x, "SRV4", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", T0 + LEARNT + DAY + 4 * HOUR + MIN / 60);
    CHECK(find_key("lateral|service|?|SRV4|PSEXESVC") != NULL);
    drop_all();
    det_close(&x);
    /* Sources known by address alone: the jump host's own address is a source of the
       baseline; a server in its /24 that made no admin logons while learning is not. */
    CHECK(det_open(&x, "lateral", NULL));
    for (int s = 0; s <= 4; s++) {
        snprintf(srv, sizeof srv, "SRV%d", s);
        admin_logon(&x, "adm-mike", "10.0.0.5", NULL, srv, T0 + s * HOUR);
    }
    admin_logon(&x, "adm-mike", "10.0.0.5", NULL, "SRV0", T0 + LEARNT);
    drop_all();
    admin_logon(&x, "adm-mike", "10.0.0.5", NULL, "SRV6", T0 + LEARNT + DAY);
    service(&x, "SRV6", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", T0 + LEARNT + DAY + MIN / 60);
    CHECK_INT(n_got, 0);
    admin_logon(&x, "adm-mike", "10.0.0.9", NULL, "SRV7", T0 + LEARNT + 2 * DAY);
    service(&x, "SRV7", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", T0 + LEARNT + 2 * DAY + MIN / 60);
    CHECK(find_key("lateral|service|?|SRV7|PSEXESVC") != NULL);
    drop_all();
    det_close(&x);
}

/* A remote desktop (4624 type 10) from src named srcname to dst with a logon id; and its
 * logoff (4634). */
static void desktop(det *x, const char *user, const char *src, const char *srcname, const char *dst,
                    const char *lid, int64_t ts)
{
    ts_event ev;
    logon(&ev, 4624, user, dst, src, srcname, 10, ts);
    const char *kv[] = {"TargetLogonId", lid, NULL};
    set_fields(&ev, kv);
    feed(x, &ev);
}

static void desktop_off(det *x, const char *user, const char *dst, const char *lid, int64_t ts)
{
    ts_event ev;
    logon(&ev, 4634, user, dst, NULL, NULL, 10, ts);
    const char *kv[] = {"TargetLogonId", lid, NULL};
    set_fields(&ev, kv);
    feed(x, &ev);
}

/* The admin's own way in: every day of learning, a remote desktop from their desk WKS7 to
 * the jump host (a pair of the baseline, though WKS7 reaches no other host and so is no
 * established source). After learning they connect the same way, work on the jump host for
 * a few minutes, open a desktop on the jump host from itself and run PsExec there: their
 * session goes on while its desktop is open, over a path of the baseline, and the tool is
 * theirs. Once that desktop is logged off, a self-logon minutes later carries nothing on,
 * and the PsExec after it alerts; so does one after a desktop from a machine that never
 * took that path while learning. */
static void test_psexec_desk_path(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    for (int d = 0; d <= 8; d++)
        desktop(&x, "adm-mike", "10.0.3.7", "WKS7", "JUMP01", "0x100", T0 + d * DAY + 9 * HOUR);
    drop_all();
    int64_t t = T0 + LEARNT + 2 * DAY + 10 * HOUR;
    desktop(&x, "adm-mike", "10.0.3.7", "WKS7", "JUMP01", "0x201", t);
    desktop(&x, "adm-mike", "10.0.0.5", "JUMP01", "JUMP01", "0x202", t + 5 * MIN);
    service(&x, "JUMP01", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", t + 5 * MIN + 30 * MIN / 60);
    CHECK_INT(n_got, 0);
    /* the next day: the desktop is logged off before the self-logon */
    t += DAY;
    desktop(&x, "adm-mike", "10.0.3.7", "WKS7", "JUMP01", "0x301", t);
    desktop_off(&x, "adm-mike", "JUMP01", "0x301", t + 4 * MIN);
    desktop(&x, "adm-mike", "10.0.0.5", "JUMP01", "JUMP01", "0x302", t + 5 * MIN);
    service(&x, "JUMP01", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", t + 5 * MIN + 30 * MIN / 60);
    CHECK(find_key("lateral|service|?|JUMP01|PSEXESVC") != NULL);
    det_close(&x);
    /* a desk that never took that path while learning */
    CHECK(det_open(&x, "lateral", NULL));
    for (int d = 0; d <= 8; d++)
        desktop(&x, "adm-mike", "10.0.3.7", "WKS7", "JUMP01", "0x100", T0 + d * DAY + 9 * HOUR);
    t = T0 + LEARNT + 2 * DAY + 10 * HOUR;
    desktop(&x, "adm-mike", "10.0.3.9", "WKS9", "JUMP01", "0x401", t);
    drop_all(); /* the new pair itself alerts; the PsExec after it is the point */
    desktop(&x, "adm-mike", "10.0.0.5", "JUMP01", "JUMP01", "0x402", t + 5 * MIN);
    service(&x, "JUMP01", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", t + 5 * MIN + 30 * MIN / 60);
    CHECK(find_key("lateral|service|?|JUMP01|PSEXESVC") != NULL);
    drop_all();
    det_close(&x);
}

/* While learning, a jump host's first round comes before it has reached `established`
 * hosts: its PsExec right after its session is kept, and dropped when learning ends with the
 * jump host a source of the baseline. A workstation's PsExec after its own logon, the only
 * host it reached, is raised when learning ends; one that follows no session, at once. */
static void test_psexec_learning(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", "SRV0", T0);
    service(&x, "SRV0", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", T0 + MIN / 60);
    CHECK_INT(n_got, 0);
    /* a server that reaches one host only while learning */
    admin_logon(&x, "adm-lee", "10.0.2.44", "APP44", "SRV9", T0 + HOUR);
    service(&x, "SRV9", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", T0 + HOUR + MIN / 60);
    CHECK_INT(n_got, 0);
    /* a workstation (its user logs on at its console): its PsExec alerts at once */
    ts_event ev;
    logon(&ev, 4624, "kate", "WKS7", "127.0.0.1", "WKS7", 2, T0 + 2 * HOUR);
    feed(&x, &ev);
    admin_logon(&x, "kate", "10.0.3.7", "WKS7", "SRV8", T0 + 3 * HOUR);
    service(&x, "SRV8", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", T0 + 3 * HOUR + MIN / 60);
    const ts_alert *w = find_key("lateral|service|?|SRV8|PSEXESVC");
    CHECK(w && strstr(w->title, "(baseline young)"));
    drop_all();
    char srv[16];
    for (int s = 1; s <= 4; s++) {
        snprintf(srv, sizeof srv, "SRV%d", s);
        admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", srv, T0 + DAY + s * HOUR);
    }
    CHECK_INT(n_got, 0);
    admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", "SRV1", T0 + LEARNT); /* learning ends */
    CHECK(find_key("lateral|service|?|SRV0|PSEXESVC") == NULL);
    const ts_alert *a = find_key("lateral|service|?|SRV9|PSEXESVC");
    CHECK(a && strstr(a->title, "raised when learning ended"));
    CHECK_INT(count_key("lateral|service|"), 1);
    drop_all();
    det_close(&x);
}

/* Suricata's flow, netflow and rdp records reach lateral movement as Zeek's do: the
 * detector asks what an event is (a connection, to which port), not who wrote it. */
static void test_suricata(void)
{
    ts_config *cfg = config("[lateral]\nlearn = 0s\nmin_fanout = 3\n");
    CHECK(cfg != NULL);
    det x;
    CHECK(det_open(&x, "lateral", cfg));
    CHECK_INT(feed_file(&x, "tests/data/behaviour/suricata_lateral.json"), 9);
    const ts_alert *a = find_key("lateral|fanout|host 10.0.3.7");
    CHECK(a && strstr(a->title, "reached 3 internal hosts"));
    CHECK(find_key("lateral|rdp|10.0.3.7|10.0.5.22|") != NULL);
    /* The near miss: as many hosts from 10.0.3.9, but on the web port. */
    CHECK(find_key("lateral|fanout|host 10.0.3.9") == NULL);
    CHECK_INT(n_got, 2);
    drop_all();
    det_close(&x);
    ts_config_free(cfg);
}

/* Looking back when learning ends raises a foothold's lone new hops, not routine ones. */
static void test_look_back(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    /* While learning: a jump host makes many new admin pairs (routine); a helpdesk
       workstation reaches one server every day (routine); a workstation makes one hop. */
    char srv[16];
    for (int s = 1; s <= 6; s++) {
        snprintf(srv, sizeof srv, "SRV%d", s);
        admin_logon(&x, "adm-mike", "10.0.0.5", "JUMP01", srv, T0 + s * HOUR);
    }
    for (int d = 0; d < 5; d++)
        admin_logon(&x, "adm-help", "10.0.4.4", "HELP01", "SRV1", T0 + d * DAY + 2 * HOUR);
    admin_logon(&x, "adm-kate", "10.0.3.7", "WKS7", "DC01", T0 + 3 * DAY);
    CHECK_INT(n_got, 0);
    /* The first event after learning: only WKS7's hop is raised, once. */
    zconn(&x, "10.0.9.9", "10.0.9.8", 443, T0 + LEARNT);
    CHECK_INT(n_got, 1);
    const ts_alert *a = find_key("lateral|admin-logon|WKS7|DC01|");
    CHECK(a && strstr(a->title, "raised when learning ended") && a->severity == 35);
    drop_all();
    zconn(&x, "10.0.9.9", "10.0.9.8", 443, T0 + LEARNT + HOUR);
    CHECK_INT(n_got, 0);
    det_close(&x);
}

/* Sources known by address alone (a VPN pool, DHCP): the same account reaching the same
 * server the same way on another day, from another network, makes its first-week hop
 * routine. Another account once, or named machines, are judged pair by pair. */
static void test_look_back_pool(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    admin_logon(&x, "adm-ana", "10.8.0.11", NULL, "DC01", T0 + DAY + 9 * HOUR);
    admin_logon(&x, "adm-ana", "10.8.1.23", NULL, "DC01", T0 + 3 * DAY + 10 * HOUR);
    admin_logon(&x, "adm-ana", "10.8.0.11", NULL, "DC01", T0 + 5 * DAY + 8 * HOUR);
    admin_logon(&x, "adm-bob", "10.9.0.31", NULL, "DC01", T0 + 2 * DAY + 9 * HOUR);
    admin_logon(&x, "adm-cy", "10.0.3.8", "WKS8", "DC02", T0 + DAY + 9 * HOUR);
    admin_logon(&x, "adm-cy", "10.0.3.9", "WKS9", "DC02", T0 + 3 * DAY + 9 * HOUR);
    CHECK_INT(n_got, 0);
    zconn(&x, "10.0.9.9", "10.0.9.8", 443, T0 + DAY + LEARNT);
    CHECK_INT(n_got, 3);
    CHECK(find_key("lateral|admin-logon|10.9.0.31|DC01|") != NULL);
    CHECK(find_key("lateral|admin-logon|WKS8|DC02|") != NULL &&
          find_key("lateral|admin-logon|WKS9|DC02|") != NULL);
    CHECK(find_key("lateral|admin-logon|10.8.0.11|DC01|") == NULL &&
          find_key("lateral|admin-logon|10.8.1.23|DC01|") == NULL);
    drop_all();
    det_close(&x);
}

/* The learning clock starts at the earliest event, whatever order events arrive in: a
 * hop after the learning period that arrives before the logs of the first week is raised
 * at full severity once those logs are read. */
static void test_out_of_order(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    admin_logon(&x, "adm-kate", "10.0.3.7", "WKS7", "DC01", T0 + LEARNT); /* read first */
    CHECK_INT(n_got, 0);
    zconn(&x, "10.0.9.9", "10.0.9.8", 443, T0); /* an earlier log: the data starts here */
    CHECK_INT(n_got, 0);
    zconn(&x, "10.0.9.9", "10.0.9.8", 443, T0 + LEARNT + HOUR);
    const ts_alert *a = find_key("lateral|admin-logon|WKS7|DC01|");
    CHECK(a && a->severity == 55);
    CHECK_INT(n_got, 1);
    drop_all();
    det_close(&x);
}

static void one_logon(det *x, const char *user, const char *host, const char *src, const char *srcname,
                      int type, int64_t ts)
{
    ts_event ev;
    logon(&ev, 4624, user, host, src, srcname, type, ts);
    feed(x, &ev);
}

/* An RDP session as a network sensor sees it: addresses and the cookie's user. */
static void zrdp(det *x, const char *user, const char *src, const char *dst, int64_t ts)
{
    ts_event ev;
    ts_event_clear(&ev);
    ev.ts_ns = ts;
    ev.dataset = ts_str_c("zeek.rdp");
    ev.category = TS_CAT_NETWORK | TS_CAT_AUTH;
    ev.type = TS_TYPE_CONNECTION | TS_TYPE_START;
    ev.protocol = ts_str_c("rdp");
    ev.user = ts_str_c(user);
    ev.src_ip = ip_of(src);
    ev.dst_ip = ip_of(dst);
    ev.dst_port = 3389;
    ev.src_geo = geo("", 0, TS_NET_INTERNAL);
    ev.dst_geo = geo("", 0, TS_NET_INTERNAL);
    feed(x, &ev);
}

/* Working from home: an account reaching its own desk by remote desktop from a computer
 * that is not ours, through an address it logged on from, is quiet; another address,
 * another host, another account, or one of our machines is not. */
static void test_own_desk(void)
{
    det x;
    CHECK(det_open(&x, "lateral", NULL));
    for (int d = 0; d <= 8; d++) { /* kate's desk is WS7, bob's WS3 */
        one_logon(&x, "kate", "WS7.corp.example", "127.0.0.1", "WS7", 2, T0 + d * DAY + 8 * HOUR);
        one_logon(&x, "bob", "WS3.corp.example", "127.0.0.1", "WS3", 2, T0 + d * DAY + 8 * HOUR);
        one_logon(&x, "kate", "FS01", "10.0.3.7", "WS7", 3, T0 + d * DAY + 9 * HOUR); /* WS7 is 10.0.3.7 */
    }
    int64_t t = T0 + LEARNT + 12 * HOUR;
    /* the VPN session's logon to the domain controller, then RDP from the home PC */
    one_logon(&x, "kate", "DC01", "10.9.200.15", "-", 3, t);
    one_logon(&x, "kate", "WS7.corp.example", "10.9.200.15", "DESKTOP-ABC1234", 10, t + MIN);
    CHECK_INT(n_got, 0);
    /* an address kate never logged on from */
    one_logon(&x, "kate", "WS7.corp.example", "10.9.200.77", "DESKTOP-XYZ9876", 10, t + 2 * MIN);
    CHECK_INT(n_got, 1);
    CHECK(find_key("lateral|rdp|DESKTOP-XYZ9876|WS7.corp.example|") != NULL);
    drop_all();
    /* a host that is not her desk */
    one_logon(&x, "kate", "SRV1", "10.9.200.15", "DESKTOP-ABC1234", 10, t + 3 * MIN);
    CHECK_INT(n_got, 1);
    drop_all();
    /* another account through kate's address to kate's desk */
    one_logon(&x, "bob", "WS7.corp.example", "10.9.200.15", "DESKTOP-BOB0001", 10, t + 4 * MIN);
    CHECK_INT(n_got, 1);
    drop_all();
    /* from one of our machines (WS3 logs logons), through an address kate used */
    one_logon(&x, "kate", "DC01", "10.0.3.3", "-", 3, t + 5 * MIN);
    one_logon(&x, "kate", "WS7.corp.example", "10.0.3.3", "WS3", 10, t + 6 * MIN);
    CHECK_INT(n_got, 1);
    CHECK(find_key("lateral|rdp|WS3|WS7.corp.example|") != NULL);
    drop_all();
    /* Zeek's view of the same: to the address kate's logons come from, quiet; elsewhere not */
    zrdp(&x, "kate", "10.9.200.15", "10.0.3.7", t + 7 * MIN);
    CHECK_INT(n_got, 0);
    zrdp(&x, "kate", "10.9.200.15", "10.0.5.22", t + 8 * MIN);
    CHECK_INT(n_got, 1);
    drop_all();
    det_close(&x);
}

int main(void)
{
    test_own_desk();
    test_admin_pairs();
    test_learning();
    test_fanout();
    test_fanout_young();
    test_established();
    test_admin_elsewise();
    test_new_service();
    test_psexec_session();
    test_psexec_learning();
    test_psexec_desk_path();
    test_fixtures();
    test_save_load();
    test_suricata();
    test_look_back();
    test_look_back_pool();
    test_out_of_order();
    return check_done("test_lateral");
}
