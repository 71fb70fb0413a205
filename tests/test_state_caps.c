/* test_state_caps.c: every detector's state and the correlator's address bindings stay within their
 * stated caps, forget the least recently seen first, and count what they forget. */
#include <stdio.h>
#include <unistd.h>

#include "behaviour.h"
#include "correlate/binding.h"
#include "detect/baseline.h"

/* ---- the shared bounded map ---------------------------------------------------------------- */

/* How many of keys 1..n the map holds. Equal to m->n only if every key it holds is found. */
static size_t found(const bl_map *m, uint64_t n)
{
    size_t k = 0;
    for (uint64_t key = 1; key <= n; key++)
        k += bl_map_get(m, key * 0x9E3779B97F4A7C15ULL) != NULL;
    return k;
}

static void test_map_lru(void)
{
    bl_map m;
    bl_map_init(&m, sizeof(uint64_t), 100);
    /* 1000 keys, each touched at its own time: the map keeps the newest, drops the rest */
    for (uint64_t key = 1; key <= 1000; key++) {
        uint64_t *v = bl_map_put(&m, key * 0x9E3779B97F4A7C15ULL, (int64_t)key, NULL);
        CHECK(v != NULL);
        if (v)
            *v = key;
        CHECK(m.n <= 100);
    }
    CHECK_INT(m.n + m.evicted, 1000);
    CHECK(m.evicted >= 900);
    CHECK_INT(found(&m, 1000), m.n); /* nothing held is lost to the in-place re-placing */
    /* the newest 75 are surely held (an eviction leaves three quarters), the oldest are gone */
    for (uint64_t key = 926; key <= 1000; key++) {
        const uint64_t *v = bl_map_get(&m, key * 0x9E3779B97F4A7C15ULL);
        CHECK(v && *v == key);
    }
    CHECK(bl_map_get(&m, 1 * 0x9E3779B97F4A7C15ULL) == NULL);
    CHECK(bl_map_get(&m, 900 * 0x9E3779B97F4A7C15ULL) == NULL);
    CHECK(m.cap * m.ssize <= bl_map_bound(100, sizeof(uint64_t)));
    bl_map_free(&m);
}

static void test_map_touch_keeps(void)
{
    /* a key touched again stays while newcomers push out the ones that went quiet */
    bl_map m;
    bl_map_init(&m, 0, 16);
    uint64_t busy = 0xabcdefULL;
    for (int64_t t = 1; t <= 500; t++) {
        bl_set_add(&m, busy, t);
        bl_set_add(&m, (uint64_t)t * 0x9E3779B97F4A7C15ULL, t);
        CHECK(m.n <= 16);
    }
    CHECK(bl_map_get(&m, busy) != NULL);
    CHECK_INT(m.n + m.evicted, 501);
    bl_map_free(&m);
}

static void test_map_ties(void)
{
    /* every key at the same time: exactly a quarter goes each time, never the whole map */
    bl_map m;
    bl_map_init(&m, 8, 64);
    for (uint64_t key = 1; key <= 1000; key++) {
        CHECK(bl_map_put(&m, key * 0x9E3779B97F4A7C15ULL, 42, NULL) != NULL);
        CHECK(m.n >= 48 || key < 48);
        CHECK(m.n <= 64);
    }
    CHECK_INT(m.n + m.evicted, 1000);
    CHECK_INT(found(&m, 1000), m.n);
    bl_map_free(&m);
}

static void test_map_saved(void)
{
    /* evictions leave a map that saves and loads as before (the blob has no new field) */
    bl_map m, back;
    bl_map_init(&m, sizeof(uint32_t), 32);
    for (uint64_t key = 1; key <= 200; key++) {
        uint32_t *v = bl_map_put(&m, key * 0x9E3779B97F4A7C15ULL, (int64_t)key, NULL);
        if (v)
            *v = (uint32_t)key;
    }
    ts_blob_w b = {0};
    bl_put_map(&b, &m);
    CHECK_INT(b.n, 16 + m.n * (16 + 4));
    bl_map_init(&back, sizeof(uint32_t), 32);
    ts_blob_r r = {b.p, b.n, 0, false, NULL};
    bl_get_map(&r, &back);
    CHECK(!r.fail);
    CHECK_INT(back.n, m.n);
    CHECK_INT(back.evicted, 0);
    const uint32_t *v = bl_map_get(&back, 200 * 0x9E3779B97F4A7C15ULL);
    CHECK(v && *v == 200);
    /* a smaller cap on reload keeps the newest and counts the rest as forgotten */
    bl_map small;
    bl_map_init(&small, sizeof(uint32_t), 16);
    ts_blob_r r2 = {b.p, b.n, 0, false, NULL};
    bl_get_map(&r2, &small);
    CHECK(!r2.fail);
    CHECK(small.n <= 16);
    CHECK_INT(small.n + small.evicted, m.n);
    free(b.p);
    bl_map_free(&m);
    bl_map_free(&back);
    bl_map_free(&small);
}

/* ---- detectors ------------------------------------------------------------------------------- */

static ts_config *config_of(const char *conf)
{
    char path[] = "/tmp/test_state_caps_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    bool ok = write(fd, conf, strlen(conf)) == (ssize_t)strlen(conf);
    close(fd);
    ts_config *c = NULL;
    if (ok)
        ts_config_load(path, &c, NULL, NULL);
    unlink(path);
    return c;
}

/* The named table of x's usage; every table within its cap. */
static ts_state_use table_of(const det *x, const char *table)
{
    ts_state_use u[16], none = {0};
    size_t n = ts_detector_usage(x->d, x->st, u, 16);
    CHECK(n <= 16);
    for (size_t i = 0; i < n && i < 16; i++)
        CHECK(u[i].kept <= u[i].cap);
    for (size_t i = 0; i < n && i < 16; i++)
        if (strcmp(u[i].table, table) == 0)
            return u[i];
    fprintf(stderr, "%s has no table \"%s\"\n", x->d->name, table);
    CHECK(0);
    return none;
}

/* Checks that feeding n distinct entities to a table capped at cap keeps it there and counts
 * every one forgotten. */
static void check_capped(const det *x, const char *table, uint64_t cap, uint64_t n)
{
    ts_state_use u = table_of(x, table);
    CHECK_INT(u.cap, cap);
    CHECK(u.kept <= cap);
    CHECK(u.kept >= cap * 3 / 4);
    CHECK_INT(u.kept + u.evicted, n);
    CHECK(u.bytes <= u.bound);
    CHECK(!u.refuses);
}

/* A 4624 network logon of account u<i> from its own workstation and address. */
static void logon_of(ts_event *ev, int i, int64_t ts)
{
    static char user[32], src[32], ws[32];
    snprintf(user, sizeof user, "u%d", i);
    snprintf(src, sizeof src, "10.1.%d.%d", i / 250, i % 250 + 1);
    snprintf(ws, sizeof ws, "WS%d", i);
    logon(ev, 4624, user, "srv1", src, ws, 3, ts);
}

/* A Zeek conn from inside host i to an outside address of its own. */
static void conn_of(ts_event *ev, int i, int64_t ts)
{
    static char src[32], dst[32];
    snprintf(src, sizeof src, "10.2.%d.%d", i / 250, i % 250 + 1);
    snprintf(dst, sizeof dst, "198.51.%d.%d", i / 250, i % 250 + 1);
    ts_event_clear(ev);
    ev->ts_ns = ts;
    ev->dataset = ts_str_c("zeek.conn");
    ev->category = TS_CAT_NETWORK | TS_CAT_SESSION;
    ev->type = TS_TYPE_CONNECTION | TS_TYPE_END; /* a finished connection, as Zeek conn is */
    ev->src_ip = ip_of(src);
    ev->dst_ip = ip_of(dst);
    ev->src_geo = geo("", 0, TS_NET_INTERNAL);
    ev->dst_geo = geo("US", 64500, 0);
    ev->dst_port = 443;
    ev->bytes_out = 2000;
    ev->bytes_in = 5000;
    ev->file = "conn.log";
}

#define N 200

static void test_credential(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "credential", cfg));
    ts_event ev;
    for (int i = 0; i < N; i++) {
        logon_of(&ev, i, T0 + i * MIN);
        feed(&x, &ev);
    }
    check_capped(&x, "accounts", 16, N);
    /* the newest account is still known: its next logon from the same place is its routine */
    CHECK_INT(n_got, 0);
    drop_all();
    det_close(&x);
}

static void test_lateral(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "lateral", cfg));
    ts_event ev;
    for (int i = 0; i < N; i++) {
        logon_of(&ev, i, T0 + i * MIN);
        feed(&x, &ev);
    }
    check_capped(&x, "account-source logons", 160, N);   /* max_pairs / 2 */
    check_capped(&x, "sources", 32, N);                  /* max_pairs / 10 */
    check_capped(&x, "desks and addresses", 160, N + 1); /* max_pairs / 2: the addresses, srv1 as ours */
    drop_all();
    det_close(&x);
}

static void test_collection(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "collection", cfg));
    ts_event ev;
    for (int i = 0; i < N; i++) {
        char user[32], host[32], share[48];
        snprintf(user, sizeof user, "s%d", i);
        snprintf(host, sizeof host, "FS%d", i);
        snprintf(share, sizeof share, "\\\\*\\Share%d", i);
        win(&ev, "windows.security", 5140, host, T0 + i * MIN);
        ev.user = ts_str_c(user);
        set_fields(&ev, (const char *const[]){"ShareName", share, NULL});
        feed(&x, &ev);
    }
    check_capped(&x, "accounts", 16, N);
    check_capped(&x, "account-share pairs", 16, N);
    drop_all();
    det_close(&x);
}

static void test_destruction(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "destruction", cfg));
    ts_event ev;
    for (int i = 0; i < N; i++) {
        char host[32];
        snprintf(host, sizeof host, "SRV%d", i);
        win(&ev, "windows.system", 7036, host, T0 + i * MIN);
        set_fields(&ev, (const char *const[]){"param1", "Spooler", "param2", "stopped", NULL});
        feed(&x, &ev);
    }
    check_capped(&x, "hosts stopping services", 16, N);
    drop_all();
    det_close(&x);
}

static void test_exfil(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "exfil", cfg));
    ts_event ev;
    /* host 0 talks every day; 200 others appear once each, a day later than it first did */
    for (int i = 1; i <= N; i++) {
        conn_of(&ev, 0, T0 + i * HOUR);
        feed(&x, &ev);
        conn_of(&ev, i, T0 + i * HOUR);
        feed(&x, &ev);
    }
    check_capped(&x, "hosts", 16, N + 1);
    drop_all();
    /* the host seen all along is still tracked: its history went on */
    void *blob = NULL;
    size_t len = 0;
    CHECK(ts_detector_save(x.d, x.st, &blob, &len) == TOCSIN_OK);
    ts_ip kept = ip_of("10.2.0.1"), gone = ip_of("10.2.0.2"); /* host 1, seen once at the start */
    CHECK(memmem(blob, len, kept.b, sizeof kept.b) != NULL);
    CHECK(memmem(blob, len, gone.b, sizeof gone.b) == NULL);
    free(blob);
    det_close(&x);
}

static void test_beacon(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "beacon", cfg));
    ts_event ev;
    for (int i = 0; i < N; i++) {
        conn_of(&ev, i, T0 + i * MIN);
        feed(&x, &ev);
    }
    x.d->finish(x.st, &sink); /* connections wait in a batch until then */
    check_capped(&x, "pairs", 16, N);
    drop_all();
    det_close(&x);
}

static void test_beacon_rings(void)
{
    /* two pairs of 3,000 connections each, rings capped at 2,048 connections in all: the
       first grows to 2,048 (16 + 32 + ... within the cap), the second stays at its first
       16 and keeps its newest; every connection a ring could not keep is counted */
    ts_config *cfg = config_of("[beacon]\nmax_samples = 4096\nmax_connections = 2048\n");
    det x;
    CHECK(det_open(&x, "beacon", cfg));
    ts_event ev;
    for (int i = 0; i < 3000; i++) {
        conn_of(&ev, 0, T0 + i * MIN);
        feed(&x, &ev);
    }
    for (int i = 0; i < 3000; i++) {
        conn_of(&ev, 1, T0 + (3000 + i) * MIN);
        feed(&x, &ev);
    }
    x.d->finish(x.st, &sink);
    ts_state_use u = table_of(&x, "connections");
    CHECK_INT(u.cap, 2048 + 16 * 100000); /* and a first ring for each of max_pairs */
    CHECK_INT(u.kept, 2048 + 16);
    CHECK_INT(u.evicted, (3000 - 2048) + (3000 - 16));
    CHECK(u.bytes <= u.bound);
    drop_all();
    det_close(&x);
    ts_config_free(cfg);
}

static void test_phishing(void)
{
    /* fixed tables: full, they refuse newcomers, and count each one refused */
    det x;
    CHECK(det_open(&x, "phishing", NULL));
    ts_event ev;
    for (int i = 0; i < 7000; i++) {
        logon_of(&ev, i, T0 + i * MIN);
        feed(&x, &ev);
    }
    ts_state_use u = table_of(&x, "accounts and their hosts");
    CHECK_INT(u.kept, u.cap);
    CHECK_INT(u.kept + u.evicted, 7000);
    CHECK(u.refuses);
    drop_all();
    det_close(&x);
}

static void test_bindings(void)
{
    ts_bindings *b = ts_bindings_new();
    ts_bindings_limit(b, 16);
    for (int i = 0; i < N; i++) {
        char src[32], ws[32];
        snprintf(src, sizeof src, "10.3.%d.%d", i / 250, i % 250 + 1);
        snprintf(ws, sizeof ws, "ws-%d", i);
        ts_ip ip = ip_of(src);
        ts_bindings_note(b, &ip, ts_str_c(ws), T0 + i * MIN);
    }
    ts_state_use u;
    ts_bindings_usage(b, &u);
    CHECK_INT(u.cap, 16);
    CHECK(u.kept <= 16);
    CHECK_INT(u.kept + u.evicted, N);
    char key[64];
    ts_ip newest = ip_of("10.3.0.200"), oldest = ip_of("10.3.0.1");
    CHECK(ts_bindings_host_key(b, &newest, T0 + 199 * MIN, key, sizeof key) > 0);
    CHECK_STR(key, "h:ws-199");
    CHECK_INT(ts_bindings_host_key(b, &oldest, T0, key, sizeof key), 0);
    ts_bindings_free(b);
}

int main(void)
{
    test_map_lru();
    test_map_touch_keeps();
    test_map_ties();
    test_map_saved();
    ts_config *cfg = config_of("[credential]\nmax_accounts = 16\n"
                               "[lateral]\nmax_pairs = 320\n"
                               "[collection]\nmax_accounts = 16\nmax_shares = 16\nmax_hosts = 16\n"
                               "[destruction]\nmax_hosts = 16\n"
                               "[beacon]\nmax_pairs = 16\nmin_connections = 4\nmax_samples = 16\n"
                               "[exfil]\nmax_hosts = 16\n");
    CHECK(cfg != NULL);
    test_credential(cfg);
    test_lateral(cfg);
    test_collection(cfg);
    test_destruction(cfg);
    test_exfil(cfg);
    test_beacon(cfg);
    test_beacon_rings();
    test_phishing();
    test_bindings();
    ts_config_free(cfg);
    return check_done("test_state_caps");
}
