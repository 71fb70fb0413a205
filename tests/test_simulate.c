/* test_simulate.c: the simulator: same seed same bytes, every labelled event present,
 * every output well-formed (JSON lines, Zeek headers, mbox), bad options and bad
 * playbooks rejected. Small runs (a dozen people, a week) so it takes seconds. */
#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "core/input.h"
#include "ingest/ingest.h"
#include "intel/intel.h"
#include "simulate/campaign.h"
#include "tocsin.h"

static char base[256];

static const char *const files[] = {"windows/security.jsonl",
                                    "windows/sysmon.jsonl",
                                    "windows/system.jsonl",
                                    "suricata/eve.json",
                                    "mail/mail.mbox",
                                    "linux/auth.log",
                                    "truth.jsonl",
                                    "intel/bundle.json",
                                    "zeek/conn.log",
                                    "zeek/dns.log",
                                    "zeek/http.log",
                                    "zeek/ssl.log",
                                    "zeek/smtp.log",
                                    "zeek/files.log",
                                    "zeek/kerberos.log",
                                    "zeek/ntlm.log",
                                    "zeek/smb_mapping.log",
                                    "zeek/rdp.log",
                                    "zeek-json/conn.json",
                                    "zeek-json/dns.json",
                                    "zeek-json/http.json",
                                    "zeek-json/ssl.json",
                                    "zeek-json/smtp.json",
                                    "zeek-json/files.json",
                                    "zeek-json/kerberos.json",
                                    "zeek-json/ntlm.json",
                                    "zeek-json/smb_mapping.json",
                                    "zeek-json/rdp.json"};
#define NFILES (sizeof files / sizeof files[0])

static char *slurp(const char *dir, const char *rel, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = 0;
        *len = (size_t)n;
    }
    return b;
}

static uint64_t fnv(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)p[i]) * 1099511628211ULL;
    return h;
}

/* hash of every output file, in a fixed order; 0 when one is missing */
static uint64_t tree_hash(const char *dir, uint64_t *per_file)
{
    uint64_t h = 0;
    for (size_t i = 0; i < NFILES; i++) {
        size_t n;
        char *b = slurp(dir, files[i], &n);
        if (!b)
            return 0;
        per_file[i] = fnv(b, n);
        h = h * 31 + per_file[i];
        free(b);
    }
    return h;
}

/* The last problem the simulator told, and how many it told. */
static struct {
    char file[256], msg[256];
    uint64_t line;
    tocsin_code code;
    int n;
} told;

static void keep_diag(void *ud, const tocsin_diag *d)
{
    (void)ud;
    snprintf(told.file, sizeof told.file, "%s", d->file ? d->file : "");
    snprintf(told.msg, sizeof told.msg, "%s", d->msg ? d->msg : "");
    told.line = d->line;
    told.code = d->code;
    told.n++;
}

static tocsin_code sim(const char *scenario, const char *sub, uint64_t seed, uint32_t users, uint32_t days)
{
    char dir[400];
    snprintf(dir, sizeof dir, "%s/%s", base, sub);
    tocsin_sim_options o = {.scenario = scenario,
                            .out_dir = dir,
                            .data_dir = "data",
                            .users = users,
                            .days = days,
                            .seed = seed,
                            .progress = 0,
                            .diag = keep_diag};
    tocsin_code rc = tocsin_simulate(&o);
    if (rc != TOCSIN_OK)
        fprintf(stderr, "simulate %s: %s: %s\n", scenario, told.file, told.msg);
    return rc;
}

/* ---------------------------------------------------------------- well-formedness */

static void check_json_lines(const char *dir, const char *rel)
{
    size_t n;
    char *b = slurp(dir, rel, &n);
    CHECK(b != NULL);
    if (!b)
        return;
    size_t lines = 0, bad = 0;
    for (char *p = b; p < b + n;) {
        char *e = memchr(p, '\n', (size_t)(b + n - p));
        if (!e)
            break;
        json_error_t je;
        json_t *j = json_loadb(p, (size_t)(e - p), 0, &je);
        if (!j || !json_is_object(j)) {
            if (bad++ < 3)
                fprintf(stderr, "%s:%zu: %s\n", rel, lines + 1, je.text);
        }
        json_decref(j);
        lines++;
        p = e + 1;
    }
    CHECK_INT(bad, 0);
    CHECK(n == 0 || b[n - 1] == '\n');
    free(b);
}

static size_t count_tabs(const char *p, const char *e)
{
    size_t t = 0;
    for (; p < e; p++)
        t += *p == '\t';
    return t;
}

static void check_zeek_tsv(const char *dir, const char *rel)
{
    size_t n;
    char *b = slurp(dir, rel, &n);
    CHECK(b != NULL);
    if (!b)
        return;
    static const char head[] =
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t";
    CHECK(strncmp(b, head, sizeof head - 1) == 0);
    size_t nf = 0, nt = 0, bad = 0, data = 0;
    const char *last = NULL;
    for (char *p = b; p < b + n;) {
        char *e = memchr(p, '\n', (size_t)(b + n - p));
        if (!e)
            break;
        if (strncmp(p, "#fields\t", 8) == 0)
            nf = count_tabs(p, e);
        else if (strncmp(p, "#types\t", 7) == 0)
            nt = count_tabs(p, e);
        else if (*p != '#') {
            data++;
            if (count_tabs(p, e) + 1 != nf)
                bad++;
        }
        last = p;
        p = e + 1;
    }
    CHECK(nf > 5);
    CHECK_INT(nt, nf);
    CHECK_INT(bad, 0);
    CHECK(last && strncmp(last, "#close\t", 7) == 0);
    free(b);
}

static void check_mbox(const char *dir)
{
    size_t n;
    char *b = slurp(dir, "mail/mail.mbox", &n);
    CHECK(b != NULL);
    if (!b)
        return;
    CHECK(strncmp(b, "From ", 5) == 0);
    size_t msgs = 0, ids = 0, auth = 0;
    for (char *p = b; p && p < b + n; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, "From ", 5) == 0)
            msgs++;
        if (strncmp(p, "Message-ID: <", 13) == 0)
            ids++;
        if (strncmp(p, "Authentication-Results: ", 24) == 0)
            auth++;
    }
    CHECK(msgs > 10);
    CHECK_INT(ids, msgs);
    CHECK(auth > 0 && auth < msgs); /* inbound mail has it, internal and outbound do not */
    free(b);
}

/* ---------------------------------------------------------------- ground truth */

typedef struct lines {
    char *buf;
    size_t n, nl;
    size_t *off;
} lines;

static bool lines_load(lines *l, const char *dir, const char *rel)
{
    memset(l, 0, sizeof *l);
    l->buf = slurp(dir, rel, &l->n);
    if (!l->buf)
        return false;
    size_t cap = 1024;
    l->off = malloc(cap * sizeof *l->off);
    l->off[l->nl++] = 0;
    for (size_t i = 0; i < l->n; i++)
        if (l->buf[i] == '\n') {
            l->buf[i] = 0;
            if (l->nl == cap)
                l->off = realloc(l->off, (cap *= 2) * sizeof *l->off);
            l->off[l->nl++] = i + 1;
        }
    return true;
}

static const char *line_at(const lines *l, size_t line)
{
    return line >= 1 && line <= l->nl ? l->buf + l->off[line - 1] : NULL;
}

static size_t truth_benign; /* benign (look-alike) lines the last check_truth saw */

/* Every event the truth names exists where it says, with its identifier (and so does every
 * record of a routine look-alike). Returns the number of steps that produced at least one
 * event. */
static int check_truth(const char *dir, int *nsteps, size_t *nevents)
{
    lines cache[F_N];
    char names[F_N][48];
    int ncache = 0, steps_with = 0;
    size_t n;
    char *b = slurp(dir, "truth.jsonl", &n);
    CHECK(b != NULL);
    *nsteps = 0;
    *nevents = 0;
    truth_benign = 0;
    if (!b)
        return 0;
    size_t bad = 0;
    for (char *p = b; p < b + n;) {
        char *e = memchr(p, '\n', (size_t)(b + n - p));
        json_t *j = json_loadb(p, (size_t)(e - p), 0, NULL);
        p = e + 1;
        const char *type = json_string_value(json_object_get(j, "type"));
        if (type && strcmp(type, "step") == 0) {
            (*nsteps)++;
            steps_with += json_integer_value(json_object_get(j, "events")) > 0;
            CHECK(json_array_size(json_object_get(j, "techniques")) >= 1);
        } else if (type && (strcmp(type, "event") == 0 || strcmp(type, "benign") == 0)) {
            if (type[0] == 'e')
                (*nevents)++;
            else
                truth_benign++;
            const char *f = json_string_value(json_object_get(j, "file"));
            const char *id = json_string_value(json_object_get(j, "id"));
            json_int_t ln = json_integer_value(json_object_get(j, "line"));
            int c = 0;
            while (c < ncache && strcmp(names[c], f) != 0)
                c++;
            if (c == ncache && ncache < F_N) {
                snprintf(names[ncache], sizeof names[0], "%s", f);
                CHECK(lines_load(&cache[ncache], dir, f));
                ncache++;
            }
            const char *line = c < ncache ? line_at(&cache[c], (size_t)ln) : NULL;
            bool ok = line != NULL;
            if (ok && strncmp(f, "windows/", 8) == 0) {
                const char *hash = strchr(id, '#');
                char rec[40];
                snprintf(rec, sizeof rec, "\"EventRecordID\":%s,", hash ? hash + 1 : "?");
                ok = hash && strstr(line, rec) && strstr(line, "\"Computer\":\"") &&
                     strncmp(strstr(line, "\"Computer\":\"") + 12, id, (size_t)(hash - id)) == 0;
            } else if (ok && strcmp(f, "mail/mail.mbox") == 0) {
                ok = strncmp(line, "From ", 5) == 0;
                bool found = false; /* the Message-ID within the message's headers */
                for (int k = 1; k < 40 && ok && !found; k++) {
                    const char *h = line_at(&cache[c], (size_t)ln + (size_t)k);
                    found = h && strncmp(h, "Message-ID: ", 12) == 0 && strcmp(h + 12, id) == 0;
                }
                ok = ok && found;
            } else if (ok && strcmp(f, "linux/auth.log") == 0) {
                char host[40];
                snprintf(host, sizeof host, " %.*s ", (int)strcspn(id, ":"), id);
                ok = strstr(line, host) != NULL;
            } else if (ok) {
                ok = strstr(line, id) != NULL;
            }
            if (!ok && bad++ < 3)
                fprintf(stderr, "truth: %s:%lld does not hold %s\n", f, (long long)ln, id);
        } else if (type && strcmp(type, "lookalike") == 0) {
            CHECK(json_integer_value(json_object_get(j, "events")) > 0);
        } else {
            CHECK(type && strcmp(type, "scenario") == 0);
        }
        json_decref(j);
    }
    CHECK_INT(bad, 0);
    for (int c = 0; c < ncache; c++) {
        free(cache[c].buf);
        free(cache[c].off);
    }
    free(b);
    return steps_with;
}

static bool file_has(const char *dir, const char *rel, const char *needle)
{
    size_t n;
    char *b = slurp(dir, rel, &n);
    bool r = b && strstr(b, needle);
    free(b);
    return r;
}

/* ---------------------------------------------------------------- read back by tocsin */

typedef struct counts {
    uint64_t events, errors, with_time, in_period, with_code;
    int64_t lo, hi;
    uint8_t *seen; /* lines that produced an event */
    size_t nseen;
} counts;

static void on_event(void *ud, ts_event *ev)
{
    counts *c = ud;
    c->events++;
    c->with_time += ev->ts_ns != 0;
    c->with_code += ev->has_code;
    if (ev->line < c->nseen)
        c->seen[ev->line] = 1;
    c->in_period += ev->ts_ns >= c->lo && ev->ts_ns < c->hi;
}

static void on_error(void *ud, const ts_diag *dg)
{
    counts *c = ud;
    if (c->errors++ < 3)
        fprintf(stderr, "ingest: %s:%llu (%llu): %s: %s\n", dg->file, (unsigned long long)dg->line,
                (unsigned long long)dg->record, tocsin_strerror(dg->code), dg->msg);
}

/* Every log file goes through tocsin's own readers, detected from content, without errors,
 * and its events carry times inside the simulated period. */
static void test_ingest(void)
{
    static const struct {
        const char *prefix, *reader;
    } want[] = {{"windows/", "winevent-json"},
                {"zeek/", "zeek-tsv"},
                {"zeek-json/", "zeek-json"},
                {"suricata/", "suricata-eve"},
                {"linux/", "linux-auth"}};
    ts_scratch sc;
    CHECK_INT(ts_scratch_init(&sc), TOCSIN_OK);
    for (size_t i = 0; i < NFILES; i++) {
        const char *expect = NULL;
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
            if (strncmp(files[i], want[k].prefix, strlen(want[k].prefix)) == 0)
                expect = want[k].reader;
        if (!expect) /* the mbox, the truth and the intelligence are not logs */
            continue;
        char path[512], err[256];
        snprintf(path, sizeof path, "%s/a/%s", base, files[i]);
        ts_input *in = NULL;
        CHECK_INT(ts_input_open(path, &in, err, sizeof err), TOCSIN_OK);
        if (!in)
            continue;
        const char *head;
        size_t hn = ts_input_peek(in, &head);
        const ts_reader *r = ts_reader_detect(head, hn);
        if (!r)
            fprintf(stderr, "%s: no reader recognises it\n", files[i]);
        CHECK(r != NULL);
        if (r && strcmp(r->name, expect) != 0)
            fprintf(stderr, "%s read as %s, want %s\n", files[i], r->name, expect);
        CHECK(r && strcmp(r->name, expect) == 0);
        counts c = {0};
        c.lo = sim_days_of(2014, 9, 1) * 86400LL * 1000000000LL;
        c.hi = c.lo + 8 * 86400LL * 1000000000LL; /* six days, and flows that end later */
        ts_sink sink = {on_event, on_error, &c};
        c.nseen = 1u << 20;
        c.seen = calloc(c.nseen, 1);
        if (r)
            CHECK_INT(r->read(in, &sc, &sink), TOCSIN_OK);
        /* every line the truth labels is an event tocsin reads, on the same line */
        char tdir[400];
        snprintf(tdir, sizeof tdir, "%s/a", base);
        size_t tn, labelled = 0, missing = 0;
        char *tb = slurp(tdir, "truth.jsonl", &tn);
        char key[80];
        snprintf(key, sizeof key, "\"file\":\"%s\",\"line\":", files[i]);
        for (char *q = tb ? strstr(tb, key) : NULL; q; q = strstr(q + 1, key)) {
            unsigned long ln = strtoul(q + strlen(key), NULL, 10);
            labelled++;
            missing += ln >= c.nseen || !c.seen[ln];
        }
        CHECK_INT(missing, 0);
        if (strcmp(files[i], "windows/security.jsonl") == 0 || strcmp(files[i], "zeek/conn.log") == 0)
            CHECK(labelled > 10);
        free(tb);
        free(c.seen);
        CHECK(c.events > 0);
        CHECK_INT(c.errors, 0);
        CHECK_INT(c.with_time, c.events);
        CHECK_INT(c.in_period, c.events);
        if (strncmp(files[i], "windows/", 8) == 0) /* EventID read, with or without Qualifiers */
            CHECK_INT(c.with_code, c.events);
        ts_input_close(in);
    }
    ts_scratch_free(&sc);
}

static void on_feed_diag(void *ud, const ts_diag *d)
{
    int *n = ud;
    if ((*n)++ < 3)
        fprintf(stderr, "intel: %s:%llu: %s\n", d->file, (unsigned long long)d->line, d->msg);
}

/* The defender's bundle loads into tocsin's intelligence and names the actor's servers. */
static void test_intel_bundle(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/a/intel/bundle.json", base);
    ts_intel *ti = ts_intel_new();
    CHECK(ti != NULL);
    if (!ti)
        return;
    int diags = 0;
    ts_feed_opts fo = {.diag = on_feed_diag, .ud = &diags};
    CHECK_INT(ts_intel_load_path(ti, path, &fo), TOCSIN_OK);
    CHECK_INT(diags, 0);
    ts_intel_finalise(ti);
    ts_ip ip;
    ts_ioc_hit hits[4];
    CHECK(ts_ip_parse(ts_str_c("203.131.222.102"), &ip));
    CHECK(ts_intel_match_ip(ti, &ip, hits, 4) >= 1);
    CHECK(ts_ip_parse(ts_str_c("10.10.1.10"), &ip));
    CHECK_INT(ts_intel_match_ip(ti, &ip, hits, 4), 0);
    ts_intel_free(ti);
}

/* ---------------------------------------------------------------- the tests */

static void test_determinism(void)
{
    uint64_t a[NFILES], b[NFILES], c[NFILES];
    char da[400], db[400], dc[400];
    CHECK_INT(sim("sony-2014", "a", 7, 12, 6), TOCSIN_OK);
    CHECK_INT(sim("sony-2014", "b", 7, 12, 6), TOCSIN_OK);
    CHECK_INT(sim("sony-2014", "c", 8, 12, 6), TOCSIN_OK);
    snprintf(da, sizeof da, "%s/a", base);
    snprintf(db, sizeof db, "%s/b", base);
    snprintf(dc, sizeof dc, "%s/c", base);
    uint64_t ha = tree_hash(da, a), hb = tree_hash(db, b), hc = tree_hash(dc, c);
    CHECK(ha != 0);
    CHECK(ha == hb);
    for (size_t i = 0; i < NFILES; i++)
        if (a[i] != b[i])
            fprintf(stderr, "differs between identical runs: %s\n", files[i]);
    CHECK(hc != 0 && hc != ha);
    CHECK(a[0] != c[0]); /* a different seed, different security log */

    /* a subset of the formats holds the same records as the full run */
    char dw[400];
    snprintf(dw, sizeof dw, "%s/w", base);
    tocsin_sim_options o = {.scenario = "sony-2014",
                            .out_dir = dw,
                            .data_dir = "data",
                            .users = 12,
                            .days = 6,
                            .seed = 7,
                            .formats = TOCSIN_SIM_WINDOWS | TOCSIN_SIM_ZEEK_TSV};
    CHECK_INT(tocsin_simulate(&o), TOCSIN_OK);
    for (size_t i = 0; i < NFILES; i++) {
        size_t n;
        char *fb = slurp(dw, files[i], &n);
        bool want = strncmp(files[i], "windows/", 8) == 0 || strncmp(files[i], "zeek/", 5) == 0 ||
                    strcmp(files[i], "truth.jsonl") == 0;
        CHECK(want == (fb != NULL));
        if (fb && strcmp(files[i], "truth.jsonl") != 0)
            CHECK(fnv(fb, n) == a[i]);
        free(fb);
    }
}

static void test_formats(void)
{
    char d[400];
    snprintf(d, sizeof d, "%s/a", base);
    for (size_t i = 0; i < NFILES; i++) {
        if (strstr(files[i], ".jsonl") || strstr(files[i], "zeek-json/") || strstr(files[i], "eve.json"))
            check_json_lines(d, files[i]);
        else if (strncmp(files[i], "zeek/", 5) == 0)
            check_zeek_tsv(d, files[i]);
    }
    json_error_t je;
    char path[500];
    snprintf(path, sizeof path, "%s/intel/bundle.json", d);
    json_t *bundle = json_load_file(path, 0, &je);
    CHECK(bundle && strcmp(json_string_value(json_object_get(bundle, "type")), "bundle") == 0);
    CHECK(json_array_size(json_object_get(bundle, "objects")) > 30);
    json_decref(bundle);
    check_mbox(d);
    /* the facts of the playbook reach the logs */
    CHECK(file_has(d, "zeek/conn.log", "\t443\ttcp\t-\t")); /* beacons: port 443 with no protocol */
    CHECK(file_has(d, "windows/sysmon.jsonl", "760C35A80D758F032D02CF4DB12D3E55"));
    CHECK(file_has(d, "windows/sysmon.jsonl", "elrawdsk.sys"));
    CHECK(file_has(d, "windows/system.jsonl", "\"#text\":1074"));
    CHECK(file_has(d, "mail/mail.mbox", "spf=softfail"));
    CHECK(file_has(d, "intel/bundle.json", "[ipv4-addr:value = '203.131.222.102']"));
    CHECK(file_has(d, "linux/auth.log", "Failed password for"));
}

static void test_truth(void)
{
    char d[400];
    int nsteps;
    size_t nev;
    snprintf(d, sizeof d, "%s/a", base);
    int with = check_truth(d, &nsteps, &nev);
    CHECK_INT(nsteps, 18);
    CHECK(with >= 16); /* a six-day run squeezes the story; a step may find nobody yet */
    CHECK(nev > 500);
}

static void test_scenarios(void)
{
    char d[400];
    int nsteps;
    size_t nev;
    CHECK_INT(sim("insider", "insider", 3, 10, 6), TOCSIN_OK);
    snprintf(d, sizeof d, "%s/insider", base);
    CHECK_INT(check_truth(d, &nsteps, &nev), 4);
    CHECK(file_has(d, "truth.jsonl", "\"actor\":\"insider\""));
    CHECK(file_has(d, "windows/security.jsonl", "\"EventID\":6416"));
    CHECK(!file_has(d, "zeek/conn.log", "203.131.222.102"));

    CHECK_INT(sim("none", "none", 3, 10, 3), TOCSIN_OK);
    snprintf(d, sizeof d, "%s/none", base);
    CHECK_INT(check_truth(d, &nsteps, &nev), 0);
    CHECK_INT(nsteps, 0);
    CHECK_INT(nev, 0);

    CHECK_INT(sim("false-flag", "ff", 3, 10, 8), TOCSIN_OK);
    snprintf(d, sizeof d, "%s/ff", base);
    check_truth(d, &nsteps, &nev);
    CHECK_INT(nsteps, 9);
    CHECK(file_has(d, "truth.jsonl", "\"actor\":\"Sandworm Team\""));
    CHECK(file_has(d, "zeek/conn.log", "208.105.226.235")); /* the leaked Lazarus server */
    CHECK(!file_has(d, "mail/mail.mbox", "[175.45.17"));    /* never from North Korea */
}

/* A step of truth.jsonl (by name): its techniques hold tech, and it wrote events. */
static bool step_has(const char *dir, const char *step, const char *tech)
{
    size_t n;
    char *b = slurp(dir, "truth.jsonl", &n);
    char key[96];
    snprintf(key, sizeof key, "{\"type\":\"step\",\"step\":\"%s\"", step);
    char *p = b ? strstr(b, key) : NULL, *e = p ? strchr(p, '\n') : NULL;
    bool ok = false;
    if (p && e) {
        *e = 0;
        char *tq = strstr(p, "\"techniques\":["), *ev = strstr(p, "\"events\":");
        char *te = tq ? strchr(tq, ']') : NULL;
        ok = tq && te && ev && strtoul(ev + 9, NULL, 10) > 0;
        if (ok) {
            *te = 0;
            ok = strstr(tq, tech) != NULL;
        }
    }
    free(b);
    return ok;
}

/* The espionage and ransomware campaigns: every step in the truth with its techniques and
 * events, and the records the public reports describe in the files the truth names. The
 * small size of the acceptance runs (30 people, 20 days). */
static void test_intrusions(void)
{
    char d[400];
    int nsteps;
    size_t nev;
    CHECK_INT(sim("dream-job", "dj", 5, 30, 20), TOCSIN_OK);
    snprintf(d, sizeof d, "%s/dj", base);
    CHECK_INT(check_truth(d, &nsteps, &nev), 13);
    CHECK_INT(nsteps, 13);
    CHECK(step_has(d, "recruiter-lure", "T1566.001"));
    CHECK(step_has(d, "image-opened", "T1553.005"));
    CHECK(step_has(d, "dll-sideload", "T1574.002"));
    CHECK(step_has(d, "lsass-read", "T1003.001"));
    CHECK(step_has(d, "tunnelled-rdp", "T1572"));
    CHECK(step_has(d, "cloud-upload", "T1567.002"));
    CHECK(step_has(d, "clear-logs", "T1070.001"));
    CHECK(file_has(d, "mail/mail.mbox", "filename=\"amazon_assessment.iso\""));
    CHECK(file_has(d, "zeek/files.log", "application/x-iso9660-image"));
    CHECK(file_has(d, "windows/sysmon.jsonl",
                   "\"ImageLoaded\":\"C:\\\\ProgramData\\\\PackageColor\\\\colorui.dll\""));
    CHECK(file_has(d, "windows/sysmon.jsonl", "\"Signed\":\"false\""));
    CHECK(file_has(d, "windows/sysmon.jsonl", "\"TargetImage\":\"C:\\\\Windows\\\\system32\\\\lsass.exe\""));
    CHECK(file_has(d, "windows/sysmon.jsonl", "-R 127.0.0.1:"));
    CHECK(file_has(d, "zeek/ssl.log", "content.dropboxapi.com"));
    CHECK(file_has(d, "windows/security.jsonl", "\"EventID\":1102"));
    CHECK(file_has(d, "windows/system.jsonl", "\"LogFileCleared\""));
    CHECK(!file_has(d, "intel/bundle.json", "dropboxapi")); /* no indicator of it is handed out */

    CHECK_INT(sim("ransomware", "rw", 5, 30, 20), TOCSIN_OK);
    snprintf(d, sizeof d, "%s/rw", base);
    CHECK_INT(check_truth(d, &nsteps, &nev), 12);
    CHECK_INT(nsteps, 12);
    CHECK(step_has(d, "discovery", "T1482"));
    CHECK(step_has(d, "psexec", "T1569.002"));
    CHECK(step_has(d, "shadow-delete", "T1490"));
    CHECK(step_has(d, "stop-backups", "T1489"));
    CHECK(step_has(d, "encryption", "T1486"));
    CHECK(file_has(d, "windows/sysmon.jsonl", "AdFind.exe -f"));
    CHECK(file_has(d, "windows/sysmon.jsonl", "vssadmin.exe delete shadows /all /quiet"));
    CHECK(file_has(d, "windows/system.jsonl", "\"ServiceName\":\"PSEXESVC\""));
    CHECK(file_has(d, "windows/system.jsonl", "\"param2\":\"stopped\""));
    CHECK(file_has(d, "windows/sysmon.jsonl", ".basta\""));
    CHECK(file_has(d, "windows/sysmon.jsonl", "\\\\readme.txt\""));
    CHECK(file_has(d, "zeek/dns.log", "g.api.mega.co.nz"));
}

/* The routine look-alikes of attacks are in every scenario's normal activity, marked
 * benign in the truth where the record is; and the rates turn them off. */
static void test_lookalikes(void)
{
    char d[400];
    int nsteps;
    size_t nev;
    CHECK_INT(sim("none", "la", 4, 20, 10), TOCSIN_OK);
    snprintf(d, sizeof d, "%s/la", base);
    check_truth(d, &nsteps, &nev);
    CHECK(truth_benign > 1000);
    static const char *const kinds[] = {"vuln-scan",    "deploy-push",  "vpn-rdp",  "newsletter",
                                        "mailing-list", "admin-script", "it-recon", "archive"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char k[80];
        snprintf(k, sizeof k, "{\"type\":\"lookalike\",\"lookalike\":\"%s\"", kinds[i]);
        if (!file_has(d, "truth.jsonl", k))
            fprintf(stderr, "no look-alike %s in the truth\n", kinds[i]);
        CHECK(file_has(d, "truth.jsonl", k));
    }
    CHECK(file_has(d, "mail/mail.mbox", "\nList-Id: "));
    CHECK(file_has(d, "mail/mail.mbox", "\nList-Unsubscribe: "));
    CHECK(file_has(d, "mail/mail.mbox", "dkim=fail (body hash did not verify)"));
    CHECK(file_has(d, "mail/mail.mbox", "/ls/click?upn="));
    CHECK(file_has(d, "windows/sysmon.jsonl", "-EncodedCommand "));
    CHECK(file_has(d, "windows/sysmon.jsonl", "7z.exe\\\" a -t"));
    CHECK(file_has(d, "windows/security.jsonl", "\"WorkstationName\":\"VSCAN-01\""));
    CHECK(file_has(d, "zeek/conn.log", "\tREJ\t"));

    /* with every look-alike's rate at 0, none is written */
    char conf[500], dir[400];
    snprintf(conf, sizeof conf, "%s/quiet.conf", base);
    FILE *f = fopen(conf, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("vuln_scan_per_week = 0\nvpn_rdp_share = 0\nnewsletter_share = 0\nlist_share = 0\n"
          "admin_script_per_day = 0\nit_recon_per_day = 0\narchive_per_day = 0\ndeploy_per_week = 0\n",
          f);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/quiet", base);
    tocsin_sim_options o = {.scenario = "none",
                            .out_dir = dir,
                            .data_dir = "data",
                            .users = 20,
                            .days = 10,
                            .seed = 4,
                            .conf = conf};
    CHECK_INT(tocsin_simulate(&o), TOCSIN_OK);
    check_truth(dir, &nsteps, &nev);
    CHECK_INT(truth_benign, 0);
    CHECK(!file_has(dir, "truth.jsonl", "\"type\":\"lookalike\""));
}

static void test_bad_options(void)
{
    tocsin_sim_options o = {.scenario = "sony-2014", .out_dir = NULL, .data_dir = "data", .diag = keep_diag};
    CHECK_INT(tocsin_simulate(&o), TOCSIN_E_ARG);
    CHECK_INT(tocsin_simulate(NULL), TOCSIN_E_ARG);
    char d[400];
    snprintf(d, sizeof d, "%s/bad", base);
    o.out_dir = d;
    o.scenario = "no-such-scenario";
    CHECK_INT(tocsin_simulate(&o), TOCSIN_E_NOTFOUND);
    o.scenario = "Bad Name!";
    CHECK_INT(tocsin_simulate(&o), TOCSIN_E_ARG);
    o.scenario = "tests/no-such.playbook"; /* a path: read as given */
    CHECK_INT(tocsin_simulate(&o), TOCSIN_E_IO);
    o.scenario = "none";
    o.start = "2014-02-30";
    CHECK_INT(tocsin_simulate(&o), TOCSIN_E_ARG);
    o.start = "14-09-01";
    CHECK_INT(tocsin_simulate(&o), TOCSIN_E_ARG);
    o.start = NULL;
    o.users = 100001;
    CHECK_INT(tocsin_simulate(&o), TOCSIN_E_ARG);
    o.users = 0;
    o.conf = "tests/no-such.conf";
    told.n = 0;
    CHECK_INT(tocsin_simulate(&o), TOCSIN_E_IO);
    CHECK_INT(told.n, 1); /* the failure is told once, naming the file */
    CHECK_STR(told.file, "tests/no-such.conf");
    CHECK_INT(told.code, TOCSIN_E_IO);
}

/* A rates file may ask for almost no mail (1e-300 messages a day, a UBSan float-cast
 * overflow of the gap between messages before it was capped): the run still works. */
static void test_tiny_rates(void)
{
    char conf[400], d[400];
    snprintf(conf, sizeof conf, "%s/tiny.conf", base);
    FILE *f = fopen(conf, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("mail_in_per_user = 0.", f);
    for (int i = 0; i < 299; i++)
        fputc('0', f);
    fputs("1\nmail_out_per_user = 0\n", f);
    fclose(f);
    snprintf(d, sizeof d, "%s/tiny", base);
    tocsin_sim_options o = {.scenario = "none",
                            .out_dir = d,
                            .data_dir = "data",
                            .conf = conf,
                            .users = 20,
                            .days = 2,
                            .seed = 7,
                            .diag = keep_diag};
    CHECK_INT(tocsin_simulate(&o), TOCSIN_OK);
    size_t n = 0;
    char *b = slurp(d, "mail/mail.mbox", &n);
    CHECK_INT(n, 0); /* no mail in two days */
    free(b);
}

static void test_conf_parser(void)
{
    sim_conf c;
    sim_conf_defaults(&c);
    const char *good =
        "# rates\nbrowse_per_day = 12.5\n\n  remote_share=0.2 # trailing\nlongtail_pool = 100\n";
    CHECK_INT(sim_conf_parse(&c, good, strlen(good), "t.conf", keep_diag, NULL), TOCSIN_OK);
    CHECK(c.browse_per_day == 12.5 && c.remote_share == 0.2 && c.longtail_pool == 100);
    const char *bad[] = {"nosuchkey = 1\n",        "browse_per_day = -1\n",
                         "browse_per_day = 1e3\n", "browse_per_day\n",
                         "remote_share = 2\n",     "remote_share = 0.6\ntravel_share = 0.6\n",
                         "longtail_pool = 0\n",    "browse_per_day = \n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sim_conf_defaults(&c);
        told.n = 0;
        CHECK_INT(sim_conf_parse(&c, bad[i], strlen(bad[i]), "t.conf", keep_diag, NULL), TOCSIN_E_PARSE);
        CHECK_INT(told.n, 1);
        CHECK_STR(told.file, "t.conf");
        CHECK_INT(told.code, TOCSIN_E_PARSE);
    }
    /* the line is the diagnostic's, not a prefix of its message */
    const char *third = "# rates\nbrowse_per_day = 1\nnosuchkey = 1\n";
    CHECK_INT(sim_conf_parse(&c, third, strlen(third), "t.conf", keep_diag, NULL), TOCSIN_E_PARSE);
    CHECK_INT(told.line, 3);
    CHECK_STR(told.msg, "unknown key \"nosuchkey\"");
    sim_conf_defaults(&c);
    CHECK_INT(sim_conf_load(&c, "data/simulate/normal.conf", keep_diag, NULL), TOCSIN_OK);
}

static void test_playbook_parser(void)
{
    sim_ctx x = {0};
    const char *good =
        "scenario t\nactor Some Actor\nc2 1.2.3.4 443 US\nc2 gen:2 8080 NL leaked\n"
        "tool implant a.exe 0123456789abcdef0123456789ABCDEF\n"
        "step s1 beacon days=1-5 every=60\nabout beacons\nstep s2 phish days=2 count=3 tech=T1566.001\n";
    CHECK_INT(sim_campaign_parse(&x, good, strlen(good), "t", keep_diag, NULL), TOCSIN_OK);
    if (x.camp) {
        CHECK_INT(x.camp->nsteps, 2);
        CHECK_STR(x.camp->actor, "Some Actor");
        CHECK_INT(x.camp->c2[0].ip, 0x01020304);
        CHECK(x.camp->c2[1].leaked);
        CHECK_STR(x.camp->steps[0].about, "beacons");
        CHECK_STR(x.camp->steps[0].tech, "T1095,T1573"); /* the action's default */
        CHECK_STR(x.camp->steps[1].tech, "T1566.001");
        sim_campaign_free(&x);
    }
    const char *bad[] = {
        "actor x\n",                               /* no scenario line */
        "scenario t\nstep s1 teleport days=1-2\n", /* unknown action */
        "scenario t\nstep s1 beacon\n",            /* no days */
        "scenario t\nstep s1 beacon days=5-2\n",   /* backwards */
        "scenario t\nc2 1.2.3 443 US\n",           /* bad address */
        "scenario t\nc2 1.2.3.400 443 US\n",
        "scenario t\nc2 1.2.3.4 70000 US\n",
        "scenario t\ntool implant a.exe 1234\n", /* bad md5 */
        "scenario t\nhome-net 175.45.176.0/99 AS1\n",
        /* numbers past what the plan can hold (fuzz_playbook: a float-cast overflow) */
        "scenario t\nhome-net 175.45.176.0/22 AS99999999999\n",
        "scenario t\nhome-net 175.45.176.0/22 AS1.5\n",
        "scenario t\nstep s1 beacon days=1-99999999999\n",
        "scenario t\nstep s1 beacon days=99999999999\n",
        "scenario t\nabout orphan text\n", /* about before any step */
        "scenario t\nstep s1 beacon days=1-2 count=0\n",
        "scenario t\nstep s1 beacon days=1-2 colour=red\n",
        "scenario t\nfrobnicate\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        told.n = 0;
        CHECK_INT(sim_campaign_parse(&x, bad[i], strlen(bad[i]), "t", keep_diag, NULL), TOCSIN_E_PARSE);
        CHECK(x.camp == NULL);
        CHECK_INT(told.n, 1);
        CHECK_STR(told.file, "t");
        /* every bad line but the missing scenario names its line: the last of the text */
        CHECK_INT(told.line, i == 0 ? 0 : 2);
    }
    const char *edge = "scenario t\nhome-net 175.45.176.0/22 AS4294967295\nstep s1 beacon days=3649-3650\n";
    CHECK_INT(sim_campaign_parse(&x, edge, strlen(edge), "t", keep_diag, NULL), TOCSIN_OK);
    if (x.camp) {
        CHECK(x.camp->home_asn == 4294967295u);
        sim_campaign_free(&x);
    }
}

static void test_formatters(void)
{
    char buf[64];
    sim_out o = {.fd = -1, .buf = buf, .cap = sizeof buf};
    int64_t t = sim_days_of(2014, 11, 24) * SIM_DAY + 8 * SIM_HOUR + 12 * SIM_MIN + 123456;
    sim_put_iso(&o, t);
    CHECK(o.n == 27 && memcmp(buf, "2014-11-24T08:12:00.123456Z", 27) == 0);
    o.n = 0;
    sim_put_rfc5322(&o, t, -480);
    CHECK(o.n == 31 && memcmp(buf, "Mon, 24 Nov 2014 00:12:00 -0800", 31) == 0);
    o.n = 0;
    sim_put_epoch(&o, t);
    CHECK(o.n == 17 && memcmp(buf, "1416816720.123456", 17) == 0);
    o.n = 0;
    sim_put_jstr(&o, "a\"b\\c\n\x01");
    CHECK(o.n == 17 && memcmp(buf, "\"a\\\"b\\\\c\\n\\u0001\"", 17) == 0);
    int64_t d;
    CHECK(sim_parse_date("2014-09-01", &d) && d == sim_days_of(2014, 9, 1) * SIM_DAY);
    CHECK(!sim_parse_date("2014-9-01", &d));
    /* US daylight saving: Pacific is UTC-7 in September, UTC-8 after the first Sunday of November */
    CHECK_INT(sim_site_offset(0, sim_days_of(2014, 9, 15) * SIM_DAY), -420);
    CHECK_INT(sim_site_offset(0, sim_days_of(2014, 11, 10) * SIM_DAY), -480);
    CHECK(sim_site_dayoff(0, sim_days_of(2014, 9, 1) * SIM_DAY)); /* Labor Day */
    CHECK(!sim_site_dayoff(0, sim_days_of(2014, 9, 2) * SIM_DAY));
    CHECK(sim_site_dayoff(0, sim_days_of(2014, 11, 27) * SIM_DAY)); /* Thanksgiving */
}

int main(void)
{
    snprintf(base, sizeof base, "/tmp/test_simulate.%d", (int)getpid());
    test_formatters();
    test_conf_parser();
    test_playbook_parser();
    test_bad_options();
    test_determinism();
    test_formats();
    test_truth();
    test_ingest();
    test_intel_bundle();
    test_scenarios();
    test_intrusions();
    test_lookalikes();
    test_tiny_rates(); /* after the runs that made base */
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", base);
    return check_done("test_simulate");
}
