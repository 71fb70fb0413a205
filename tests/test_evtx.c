/* test_evtx.c: the native EVTX reader on built files (every value type, templates,
 * damage), on the public parser samples (record counts), on Sigma's regression evtx files
 * (fields equal their JSON twins) and against libevtx as an oracle. */
#include <ftw.h>
#include <jansson.h>
/* Debian's libevtx-dev declares its bfio functions without shipping libbfio's header;
 * this test uses none of them. */
#include <libevtx/features.h>
#undef LIBEVTX_HAVE_BFIO
#include <libevtx.h>

#include "check.h"
#include "evtx_build.h"
#include "ingest/evtx/evtx_int.h"

/* ---- collecting what the reader sends ---- */

typedef struct rec {
    uint64_t id;
    int64_t ts;
    size_t nf;
    char **k, **v;
} rec;

typedef struct coll {
    rec *r;
    size_t n, cap;
    size_t nerr, nerr_norecord;
    size_t named_twice; /* messages that repeat the record number the sink is given */
    char first_err[300];
    uint64_t err_ids[64];
    size_t n_err_ids;
} coll;

static void on_event(void *ud, ts_event *ev)
{
    coll *c = ud;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->r = realloc(c->r, c->cap * sizeof *c->r);
    }
    rec *r = &c->r[c->n++];
    r->id = ev->record;
    r->ts = ev->ts_ns;
    r->nf = ev->n_fields;
    r->k = malloc((r->nf + 1) * sizeof *r->k);
    r->v = malloc((r->nf + 1) * sizeof *r->v);
    for (size_t i = 0; i < r->nf; i++) {
        r->k[i] = strndup(ev->fields[i].key.p, ev->fields[i].key.n);
        r->v[i] = strndup(ev->fields[i].val.p ? ev->fields[i].val.p : "", ev->fields[i].val.n);
    }
}

static void on_error(void *ud, const ts_diag *dg)
{
    coll *c = ud;
    c->nerr++;
    c->named_twice += dg->record && strncmp(dg->msg, "record ", 7) == 0;
    if (dg->record == 0)
        c->nerr_norecord++;
    else if (c->n_err_ids < 64)
        c->err_ids[c->n_err_ids++] = dg->record;
    if (!c->first_err[0])
        snprintf(c->first_err, sizeof c->first_err, "%s: record %llu: %s", dg->file ? dg->file : "?",
                 (unsigned long long)dg->record, dg->msg);
}

static void coll_free(coll *c)
{
    for (size_t i = 0; i < c->n; i++) {
        for (size_t j = 0; j < c->r[i].nf; j++) {
            free(c->r[i].k[j]);
            free(c->r[i].v[j]);
        }
        free(c->r[i].k);
        free(c->r[i].v);
    }
    free(c->r);
    memset(c, 0, sizeof *c);
}

static const char *rec_get(const rec *r, const char *key)
{
    for (size_t i = 0; i < r->nf; i++)
        if (strcmp(r->k[i], key) == 0)
            return r->v[i];
    return NULL;
}

static const rec *coll_find(const coll *c, uint64_t id)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->r[i].id == id)
            return &c->r[i];
    return NULL;
}

/* ---- reading from memory and from files ---- */

typedef struct mem {
    const uint8_t *p;
    size_t n, at, step; /* step: at most this many bytes per read, to test short reads */
} mem;

static tocsin_code mem_read(void *ud, void *buf, size_t n, size_t *got)
{
    mem *m = ud;
    size_t k = m->n - m->at;
    if (k > n)
        k = n;
    if (m->step && k > m->step)
        k = m->step;
    memcpy(buf, m->p + m->at, k);
    m->at += k;
    *got = k;
    return TOCSIN_OK;
}

static tocsin_code file_read(void *ud, void *buf, size_t n, size_t *got)
{
    *got = fread(buf, 1, n, ud);
    return ferror((FILE *)ud) ? TOCSIN_E_IO : TOCSIN_OK;
}

static ts_scratch scratch;

static tocsin_code read_mem(const uint8_t *p, size_t n, size_t step, coll *c)
{
    mem m = {p, n, 0, step};
    ts_sink sink = {on_event, on_error, c};
    return evtx_read_stream(mem_read, &m, "built.evtx", &scratch, &sink, NULL, 0);
}

static tocsin_code read_path_flags(const char *path, coll *c, unsigned flags)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return TOCSIN_E_IO;
    ts_sink sink = {on_event, on_error, c};
    tocsin_code rc = evtx_read_stream(file_read, f, path, &scratch, &sink, NULL, flags);
    fclose(f);
    return rc;
}

static tocsin_code read_path(const char *path, coll *c)
{
    return read_path_flags(path, c, 0);
}

/* ---- built files ---- */

static eb built;

static void test_built(void)
{
    size_t n = eb_build_sample(&built);
    coll c = {0};
    CHECK_INT(read_mem(built.b, n, 0, &c), TOCSIN_OK);
    CHECK_INT(c.n, 5);
    CHECK_INT(c.nerr, 1);
    CHECK_INT(c.n_err_ids ? c.err_ids[0] : 0, 103);
    CHECK(strstr(c.first_err, "record 103") != NULL);
    const rec *r = coll_find(&c, 101);
    CHECK(r != NULL);
    if (r) {
        CHECK_STR(rec_get(r, "Provider_Name"), "Microsoft-Windows-Security-Auditing");
        CHECK_STR(rec_get(r, "Provider_Guid"), "5770385F-C22A-430E-BF4C-06F5698FFBD9");
        CHECK_STR(rec_get(r, "EventID"), "4688");
        CHECK_STR(rec_get(r, "Level"), "4");
        CHECK_STR(rec_get(r, "Keywords"), "0x8020000000000000");
        CHECK_STR(rec_get(r, "TimeCreated_SystemTime"), "2024-01-17T21:20:00.000000Z");
        CHECK_STR(rec_get(r, "EventRecordID"), "101");
        CHECK(rec_get(r, "Correlation_ActivityID") == NULL); /* optional substitution of null */
        CHECK_STR(rec_get(r, "Execution_ProcessID"), "3544");
        CHECK_STR(rec_get(r, "Execution_ThreadID"), "4272");
        CHECK_STR(rec_get(r, "Channel"), "Security");
        CHECK_STR(rec_get(r, "Computer"), "host1");
        CHECK_STR(rec_get(r, "Security_UserID"), "S-1-5-18");
        CHECK_STR(rec_get(r, "CommandLine"), "cmd.exe /c whoami");
        CHECK_STR(rec_get(r, "LogonId"), "0x58c3c");
        CHECK_STR(rec_get(r, "Hash"), "DEAD01");
        CHECK_STR(rec_get(r, "Flag"), "true");
        CHECK_STR(rec_get(r, "Neg"), "-7");
        CHECK_STR(rec_get(r, "When"), "2025-03-02T04:05:06.007000Z");
        CHECK_STR(rec_get(r, "Names"), "ab,cd");
        CHECK_STR(rec_get(r, "Data"), "a&\xc3\xa9<>");
        CHECK(rec_get(r, "xmlns") == NULL);
        CHECK_INT(r->ts, (int64_t)(133500000000000000ll - 116444736000000000ll) * 100);
    }
    r = coll_find(&c, 102); /* the template by offset, from the cache */
    CHECK(r && rec_get(r, "CommandLine") &&
          strcmp(rec_get(r, "CommandLine"), "C:\\Windows\\System32\\net.exe user") == 0);
    CHECK(r && rec_get(r, "EventRecordID") && strcmp(rec_get(r, "EventRecordID"), "102") == 0);
    r = coll_find(&c, 104); /* no template; UserData leaves */
    CHECK(r && rec_get(r, "EventID") && strcmp(rec_get(r, "EventID"), "7045") == 0);
    CHECK(r && rec_get(r, "ServiceName") && strcmp(rec_get(r, "ServiceName"), "evil") == 0);
    for (uint64_t id = 105; id <= 106; id++) { /* EventData from a nested template */
        r = coll_find(&c, id);
        CHECK(r && r->nf == 2);
        CHECK(r && rec_get(r, "EventID") && strcmp(rec_get(r, "EventID"), "4624") == 0);
        CHECK(r && rec_get(r, "TargetUserName") &&
              strcmp(rec_get(r, "TargetUserName"), id == 105 ? "alice" : "bob") == 0);
    }
    coll_free(&c);

    /* Short reads give the same answer. */
    CHECK_INT(read_mem(built.b, n, 1000, &c), TOCSIN_OK);
    CHECK_INT(c.n, 5);
    coll_free(&c);
}

/* Damage of every layer: reported with the record number where there is one, never a
 * crash, and the good records still read. */
static void test_damage(void)
{
    static uint8_t f[EB_FILE + EB_CHUNK];
    size_t n = eb_build_sample(&built);
    coll c = {0};

    CHECK_INT(read_mem(built.b, 100, 0, &c), TOCSIN_E_TRUNCATED); /* header cut short */
    CHECK_INT(c.n, 0);
    CHECK_INT(c.nerr_norecord, 1);
    CHECK(strstr(c.first_err, "ends inside its 4096-byte header") != NULL);
    coll_free(&c);

    /* The header alone, listing one chunk: cut, and said so (it was read as an empty log). */
    CHECK_INT(read_mem(built.b, EB_FILE, 0, &c), TOCSIN_OK);
    CHECK_INT(c.n, 0);
    CHECK_INT(c.nerr_norecord, 1);
    CHECK(strstr(c.first_err, "lists 1 chunks but the file holds 0") != NULL);
    coll_free(&c);

    /* A header claiming 65,535 chunks before the one there is: its records, and the cut. */
    memcpy(f, built.b, n);
    f[42] = 0xff, f[43] = 0xff;
    CHECK_INT(read_mem(f, n, 0, &c), TOCSIN_OK);
    CHECK_INT(c.n, 5);
    CHECK_INT(c.nerr_norecord, 1);
    coll_free(&c);

    memcpy(f, built.b, n);
    memcpy(f, "ElfFilx", 8);
    CHECK_INT(read_mem(f, n, 0, &c), TOCSIN_E_FORMAT);
    coll_free(&c);

    memcpy(f, built.b, n);
    f[EB_FILE + 2] = 'X'; /* chunk signature */
    CHECK_INT(read_mem(f, n, 0, &c), TOCSIN_OK);
    CHECK_INT(c.n, 0);
    CHECK_INT(c.nerr, 1);
    coll_free(&c);

    memcpy(f, built.b, n);
    f[EB_FILE + 700] ^= 0x01; /* a byte of record 101's template: checksum and maybe more */
    CHECK_INT(read_mem(f, n, 0, &c), TOCSIN_OK);
    CHECK(c.nerr >= 1);
    CHECK(coll_find(&c, 104) != NULL);
    coll_free(&c);

    memcpy(f, built.b, n);
    eb_put32(f + EB_FILE + 512 + 4, 70000); /* record 101's size past the chunk */
    CHECK_INT(read_mem(f, n, 0, &c), TOCSIN_OK);
    CHECK(coll_find(&c, 101) != NULL); /* its size copy before record 102 agrees */
    CHECK_INT(c.nerr, 2);              /* the chunk's checksum, and 103, damaged on purpose */
    CHECK_INT(c.named_twice, 0);       /* "record 103: record 103: ..." once */
    coll_free(&c);
    uint32_t size101 = evtx_u32(built.c + 512 + 4);
    eb_put32(f + EB_FILE + 512 + size101 - 4, 5); /* and its size copy */
    CHECK_INT(read_mem(f, n, 0, &c), TOCSIN_OK);
    CHECK(coll_find(&c, 101) == NULL);
    CHECK(c.n_err_ids > 0 && c.err_ids[0] == 101);
    CHECK_INT(c.named_twice, 0);
    CHECK(coll_find(&c, 102) != NULL); /* resynchronised on the next record */
    coll_free(&c);

    /* File cut inside the chunk: the records before the cut are read. */
    CHECK_INT(read_mem(built.b, EB_FILE + built.last_rec + 30, 0, &c), TOCSIN_OK);
    CHECK(coll_find(&c, 105) != NULL);
    CHECK(coll_find(&c, 106) == NULL);
    CHECK(c.nerr >= 1);
    coll_free(&c);

    /* Every single-byte corruption of the first record region: no crash (run under SAN). */
    for (uint32_t off = 0; off < built.last_rec + 64 && off < EB_CHUNK; off += 3) {
        memcpy(f, built.b, n);
        f[EB_FILE + off] ^= 0xa5;
        read_mem(f, n, 0, &c);
        coll_free(&c);
    }
    CHECK(1);
}

/* A record whose elements nest past the limit is rejected by number, with the file; the
 * records around it are read. */
static void test_deep_elements(void)
{
    static eb e;
    coll c = {0};
    uint64_t ft = 133500000000000000ull;
    eb_init(&e);
    for (uint64_t id = 1; id <= 3; id++) {
        int deep = id == 2 ? 200 : 4; /* the limit is EVTX_MAX_DEPTH, 64 */
        uint32_t at = eb_record_begin(&e, id, ft);
        eb_fragment(&e);
        eb_open(&e, "Event", false);
        eb_close_start(&e);
        eb_open(&e, "System", false);
        eb_close_start(&e);
        eb_open(&e, "EventID", false);
        eb_close_start(&e);
        eb_text(&e, "7045");
        eb_end(&e);
        eb_end(&e);
        for (int i = 0; i < deep; i++) {
            eb_open(&e, "UserData", false);
            eb_close_start(&e);
        }
        eb_text(&e, "x");
        for (int i = 0; i <= deep; i++)
            eb_end(&e);
        eb_u8(&e, 0);
        eb_record_end(&e, at);
    }
    size_t n = eb_finish(&e);
    CHECK_INT(read_mem(e.b, n, 0, &c), TOCSIN_OK);
    CHECK(coll_find(&c, 1) != NULL);
    CHECK(coll_find(&c, 2) == NULL);
    CHECK(coll_find(&c, 3) != NULL);
    CHECK_INT(c.nerr, 1);
    CHECK(c.n_err_ids == 1 && c.err_ids[0] == 2);
    CHECK(strstr(c.first_err, "built.evtx: record 2: elements nested too deep") != NULL);
    coll_free(&c);
}

/* ---- the public parser samples ---- */

static void test_samples(const char *data)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/evtx-parser-samples/expected_record_counts.tsv", data);
    FILE *t = fopen(path, "r");
    CHECK(t != NULL);
    if (!t)
        return;
    char line[1024];
    int files = 0;
    while (fgets(line, sizeof line, t)) {
        if (line[0] == '#' || strncmp(line, "file\t", 5) == 0)
            continue;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        long want = strtol(tab + 1, NULL, 10);
        snprintf(path, sizeof path, "%s/evtx-parser-samples/%s", data, line);
        struct stat st;
        if (stat(path, &st) != 0)
            continue; /* the table lists a few files the store does not hold */
        coll c = {0};
        CHECK_INT(read_path(path, &c), TOCSIN_OK);
        if ((long)c.n < want)
            fprintf(stderr, "%s: %zu records, want at least %ld\n", line, c.n, want);
        CHECK((long)c.n >= want);
        printf("  %-90s %6zu records (want >= %ld), %zu errors%s%s\n", line, c.n, want, c.nerr,
               c.nerr ? ", first: " : "", c.first_err);
        files++;
        coll_free(&c);
    }
    fclose(t);
    CHECK(files >= 10);
}

/* ---- the regression twins ---- */

#define MAX_FILES 4096
static char *files[MAX_FILES];
static size_t n_files;
static const char *suffix;

static int collect(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    size_t n = strlen(p), k = strlen(suffix);
    if (flag == FTW_F && n > k && strcmp(p + n - k, suffix) == 0 && n_files < MAX_FILES)
        files[n_files++] = strdup(p);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_files(const char *dir, const char *suf)
{
    for (size_t i = 0; i < n_files; i++)
        free(files[i]);
    n_files = 0;
    suffix = suf;
    nftw(dir, collect, 16, FTW_PHYS);
    qsort(files, n_files, sizeof *files, cmp_str);
}

/* A JSON scalar as the reader prints it. */
static void json_text(json_t *v, char *buf, size_t len)
{
    if (json_is_string(v))
        snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%.17g", json_real_value(v));
    else if (json_is_true(v))
        snprintf(buf, len, "true");
    else if (json_is_false(v))
        snprintf(buf, len, "false");
    else
        buf[0] = 0;
}

static int mismatches, compared, known;

/* Twins that disagree with their own evtx file (libevtx reads the file as we do): this
 * one was written by another exporter (nine fraction digits) from an edited event. */
static const struct {
    const char *file, *key;
} known_diffs[] = {
    {"ad691d92-15f2-4181-9aa4-723c74f9ddc3", "TimeCreated_SystemTime"}, /* .751156500Z */
    {"ad691d92-15f2-4181-9aa4-723c74f9ddc3", "ParentCommandLine"},      /* Explorer.exe: file has .EXE */
};

static bool is_known(const char *file, const char *key)
{
    for (size_t i = 0; i < sizeof known_diffs / sizeof known_diffs[0]; i++)
        if (strstr(file, known_diffs[i].file) && strcmp(key, known_diffs[i].key) == 0)
            return true;
    return false;
}

static void expect(const char *file, const rec *r, const char *key, json_t *v)
{
    static char want[65536];
    if (!v || json_is_object(v) || json_is_array(v))
        return;
    json_text(v, want, sizeof want);
    const char *got = rec_get(r, key);
    compared++;
    if (!got || strcmp(got, want) != 0) {
        if (is_known(file, key)) {
            known++;
            return;
        }
        mismatches++;
        if (mismatches <= 30)
            fprintf(stderr, "%s: record %llu: %s is \"%.200s\", twin says \"%.200s\"\n", file,
                    (unsigned long long)r->id, key, got ? got : "(absent)", want);
    }
}

static json_t *attr(json_t *sys, const char *elem, const char *name)
{
    return json_object_get(json_object_get(json_object_get(sys, elem), "#attributes"), name);
}

/* UserData: every leaf element under the wrapper, by its own name. */
static void expect_leaves(const char *file, const rec *r, json_t *obj)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (k[0] == '#')
            continue;
        if (json_is_object(v))
            expect_leaves(file, r, v);
        else
            expect(file, r, k, v);
    }
}

static size_t count_leaves(json_t *obj)
{
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (k[0] != '#')
            n += json_is_object(v) ? count_leaves(v) : 1;
    }
    return n;
}

static void compare_event(const char *file, const coll *c, json_t *doc)
{
    json_t *ev = json_object_get(doc, "Event"), *sys = json_object_get(ev, "System");
    json_t *rid = json_object_get(sys, "EventRecordID");
    CHECK(json_is_integer(rid));
    /* Exported files renumber the record headers but keep EventRecordID. */
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)json_integer_value(rid));
    const rec *r = NULL;
    for (size_t i = 0; i < c->n && !r; i++)
        if (rec_get(&c->r[i], "EventRecordID") && strcmp(rec_get(&c->r[i], "EventRecordID"), want) == 0)
            r = &c->r[i];
    if (!r) {
        mismatches++;
        fprintf(stderr, "%s: record %lld of the twin was not read\n", file,
                (long long)json_integer_value(rid));
        return;
    }
    static const char *const plain[] = {"EventID",  "Version",       "Level",   "Task",    "Opcode",
                                        "Keywords", "EventRecordID", "Channel", "Computer"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        expect(file, r, plain[i], json_object_get(sys, plain[i]));
    json_t *eid = json_object_get(sys, "EventID");
    if (json_is_object(eid))
        expect(file, r, "EventID", json_object_get(eid, "#text"));
    expect(file, r, "Provider_Name", attr(sys, "Provider", "Name"));
    expect(file, r, "Provider_Guid", attr(sys, "Provider", "Guid"));
    expect(file, r, "TimeCreated_SystemTime", attr(sys, "TimeCreated", "SystemTime"));
    expect(file, r, "Execution_ProcessID", attr(sys, "Execution", "ProcessID"));
    expect(file, r, "Execution_ThreadID", attr(sys, "Execution", "ThreadID"));
    expect(file, r, "Security_UserID", attr(sys, "Security", "UserID"));
    expect(file, r, "Correlation_ActivityID", attr(sys, "Correlation", "ActivityID"));
    json_t *ed = json_object_get(ev, "EventData");
    const char *k;
    json_t *v;
    if (json_is_object(ed))
        json_object_foreach(ed, k, v) if (k[0] != '#') expect(file, r, k, v);
    json_t *ud = json_object_get(ev, "UserData");
    if (json_is_object(ud))
        expect_leaves(file, r, ud);

    /* Nothing beyond what the twin holds: count its values the way the reader names them. */
    size_t nwant = 0;
    json_object_foreach(sys, k, v)
    {
        if (json_is_object(v)) {
            nwant += json_object_get(v, "#text") != NULL;
            nwant += json_object_size(json_object_get(v, "#attributes"));
        } else {
            nwant += !json_is_null(v);
        }
    }
    if (json_is_object(ed))
        json_object_foreach(ed, k, v) nwant += k[0] != '#';
    nwant += count_leaves(ud);
    if (r->nf != nwant) {
        mismatches++;
        fprintf(stderr, "%s: record %llu: %zu fields, the twin has %zu values\n", file,
                (unsigned long long)r->id, r->nf, nwant);
    }
}

static void test_twins(const char *data)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/sigma/regression_data", data);
    list_files(dir, ".evtx");
    CHECK_INT(n_files, 202);
    size_t events = 0, twins = 0;
    for (size_t i = 0; i < n_files; i++) {
        coll c = {0};
        CHECK_INT(read_path(files[i], &c), TOCSIN_OK);
        if (c.nerr)
            fprintf(stderr, "%s\n", c.first_err);
        CHECK_INT(c.nerr, 0);
        events += c.n;
        char twin[1200];
        snprintf(twin, sizeof twin, "%.*s.json", (int)(strlen(files[i]) - 5), files[i]);
        FILE *f = fopen(twin, "rb");
        CHECK(f != NULL);
        if (f) {
            static char buf[1 << 22];
            size_t n = fread(buf, 1, sizeof buf, f), at = 0;
            fclose(f);
            while (at < n) { /* one or more concatenated objects */
                while (at < n && (buf[at] == ' ' || buf[at] == '\n' || buf[at] == '\r'))
                    at++;
                if (at >= n)
                    break;
                json_error_t err;
                json_t *doc = json_loadb(buf + at, n - at, JSON_DISABLE_EOF_CHECK, &err);
                CHECK(doc != NULL);
                if (!doc)
                    break;
                compare_event(files[i], &c, doc);
                twins++;
                json_decref(doc);
                at += err.position;
            }
        }
        coll_free(&c);
    }
    printf("  regression data: %zu files, %zu events, %zu twin events, %d values compared, "
           "%d mismatches, %d known differences of twins from their files\n",
           n_files, events, twins, compared, mismatches, known);
    CHECK_INT(mismatches, 0);
    CHECK_INT(known, 2);
    CHECK(twins >= 202);
}

/* ---- compiled templates against the token walker ---- */

/* Every record of every file gives the same fields, in the same order, whether its
 * templates are compiled or walked token by token. */
static void test_paths(const char *data)
{
    static const char *const dirs[] = {"evtx-parser-samples/samples", "sigma/regression_data"};
    size_t recs = 0, diffs = 0;
    for (size_t d = 0; d < 2; d++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", data, dirs[d]);
        list_files(dir, ".evtx");
        for (size_t i = 0; i < n_files; i++) {
            coll a = {0}, b = {0};
            read_path_flags(files[i], &a, 0);
            read_path_flags(files[i], &b, EVTX_WALK_ONLY);
            if (a.n != b.n || a.nerr != b.nerr) {
                diffs++;
                fprintf(stderr, "%s: compiled %zu records %zu errors, walked %zu records %zu errors\n",
                        files[i], a.n, a.nerr, b.n, b.nerr);
            }
            for (size_t r = 0; r < a.n && r < b.n; r++) {
                bool same = a.r[r].id == b.r[r].id && a.r[r].nf == b.r[r].nf;
                for (size_t k = 0; same && k < a.r[r].nf; k++)
                    same = strcmp(a.r[r].k[k], b.r[r].k[k]) == 0 && strcmp(a.r[r].v[k], b.r[r].v[k]) == 0;
                if (!same && diffs++ < 10)
                    fprintf(stderr, "%s: record %llu: compiled and walked fields differ\n", files[i],
                            (unsigned long long)a.r[r].id);
                recs++;
            }
            coll_free(&a);
            coll_free(&b);
        }
    }
    printf("  compiled vs walked: %zu records compared, %zu differ\n", recs, diffs);
    CHECK_INT(diffs, 0);
    CHECK(recs > 18000);
}

/* ---- the registered reader, through ts_input and normalisation ---- */

typedef struct norm_seen {
    size_t events, errors, with_code, with_host, with_cmd;
    uint32_t first_code;
    char first_channel[64], first_provider[64];
} norm_seen;

static void norm_event(void *ud, ts_event *ev)
{
    norm_seen *n = ud;
    if (n->events++ == 0) {
        n->first_code = ev->code;
        snprintf(n->first_channel, sizeof n->first_channel, "%.*s", (int)ev->channel.n,
                 ev->channel.p ? ev->channel.p : "");
        snprintf(n->first_provider, sizeof n->first_provider, "%.*s", (int)ev->provider.n,
                 ev->provider.p ? ev->provider.p : "");
    }
    n->with_code += ev->has_code;
    n->with_host += ev->host.n > 0;
    n->with_cmd += ev->command_line.n > 0;
    CHECK(ev->file != NULL && ev->record > 0 && ev->line == 0);
}

static void norm_error(void *ud, const ts_diag *dg)
{
    (void)dg;
    ((norm_seen *)ud)->errors++;
}

static norm_seen read_reader(const char *path)
{
    norm_seen n = {0};
    ts_input *in = NULL;
    char err[256];
    CHECK_INT(ts_input_open(path, &in, err, sizeof err), TOCSIN_OK);
    if (!in)
        return n;
    const char *head;
    size_t len = ts_input_peek(in, &head);
    const ts_reader *r = ts_reader_detect(head, len);
    CHECK(r != NULL && strcmp(r->name, "evtx") == 0);
    ts_scratch s;
    CHECK_INT(ts_scratch_init(&s), TOCSIN_OK);
    ts_sink sink = {norm_event, norm_error, &n};
    if (r)
        CHECK_INT(r->read(in, &s, &sink), TOCSIN_OK);
    ts_scratch_free(&s);
    ts_input_close(in);
    return n;
}

static void test_reader(const char *data)
{
    CHECK(ts_reader_find("evtx") != NULL);
    CHECK(ts_reader_detect("ElfFile\0", 8) == ts_reader_find("evtx"));
    CHECK(ts_reader_detect("ElfFilx\0", 8) != ts_reader_find("evtx"));

    char path[1024];
    snprintf(path, sizeof path, "%s/evtx-parser-samples/samples/security.evtx", data);
    norm_seen n = read_reader(path);
    CHECK_INT(n.events, 2261);
    CHECK_INT(n.errors, 0);
    CHECK_INT(n.with_code, n.events);
    CHECK_INT(n.with_host, n.events);
    CHECK_STR(n.first_channel, "Security");
    CHECK_STR(n.first_provider, "Microsoft-Windows-Security-Auditing");

    snprintf(path, sizeof path, "%s/evtx-parser-samples/samples/sysmon.evtx", data);
    n = read_reader(path);
    CHECK(n.events >= 358);
    CHECK(n.with_cmd > 0); /* Sysmon process creations carry their command line */

    /* A gzip-compressed copy reads the same (ts_input decompresses by content). */
    snprintf(path, sizeof path, "%s/evtx-parser-samples/samples/security.evtx", data);
    char gz[] = "/tmp/test_evtx_XXXXXX";
    int fd = mkstemp(gz);
    FILE *src = fopen(path, "rb");
    gzFile out = fd >= 0 ? gzdopen(fd, "wb") : NULL;
    CHECK(src && out);
    if (src && out) {
        static char buf[1 << 16];
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, src)) > 0)
            gzwrite(out, buf, (unsigned)k);
    }
    if (out)
        gzclose(out);
    if (src)
        fclose(src);
    n = read_reader(gz);
    CHECK_INT(n.events, 2261);
    CHECK_INT(n.errors, 0);
    remove(gz);
    printf("  registered reader: security.evtx (plain and gzip) and sysmon.evtx through ts_input\n");
}

/* ---- libevtx as an oracle ---- */

static void oracle_file(const char *path, int *files_ok, long *fields_cmp)
{
    libevtx_file_t *lf = NULL;
    libevtx_error_t *err = NULL;
    if (libevtx_file_initialize(&lf, &err) != 1 ||
        libevtx_file_open(lf, path, LIBEVTX_OPEN_READ, &err) != 1) {
        libevtx_error_free(&err);
        libevtx_file_free(&lf, NULL);
        return; /* libevtx cannot open it: nothing to compare */
    }
    coll c = {0};
    read_path(path, &c);
    int n = 0, missing = 0, diff = 0;
    libevtx_file_get_number_of_records(lf, &n, NULL);
    for (int i = 0; i < n; i++) {
        libevtx_record_t *lr = NULL;
        if (libevtx_file_get_record_by_index(lf, i, &lr, NULL) != 1)
            continue;
        uint64_t id = 0, ft = 0;
        uint32_t eid = 0;
        uint8_t level = 0;
        libevtx_record_get_identifier(lr, &id, NULL);
        const rec *r = coll_find(&c, id);
        if (!r) {
            missing++;
        } else {
            char buf[512];
            /* A zero record time is left to normalisation: compare set times only. */
            if (libevtx_record_get_written_time(lr, &ft, NULL) == 1 && ft > 116444736000000000ull &&
                r->ts != (int64_t)(ft - 116444736000000000ull) * 100)
                diff++;
            if (libevtx_record_get_event_identifier(lr, &eid, NULL) == 1) {
                snprintf(buf, sizeof buf, "%u", eid);
                const char *got = rec_get(r, "EventID");
                diff += !got || strcmp(got, buf) != 0;
            }
            if (libevtx_record_get_event_level(lr, &level, NULL) == 1) {
                snprintf(buf, sizeof buf, "%u", level);
                const char *got = rec_get(r, "Level");
                diff += !got || strcmp(got, buf) != 0;
            }
            if (libevtx_record_get_utf8_computer_name(lr, (uint8_t *)buf, sizeof buf, NULL) == 1) {
                const char *got = rec_get(r, "Computer");
                diff += !got || strcmp(got, buf) != 0;
            }
            if (libevtx_record_get_utf8_user_security_identifier(lr, (uint8_t *)buf, sizeof buf, NULL) == 1) {
                const char *got = rec_get(r, "Security_UserID");
                diff += !got || strcmp(got, buf) != 0;
            }
            *fields_cmp += 5;
        }
        libevtx_record_free(&lr, NULL);
    }
    if (missing || diff)
        fprintf(stderr, "%s: libevtx read %d records; %d of them we did not, %d fields differ\n", path, n,
                missing, diff);
    CHECK_INT(missing, 0);
    CHECK_INT(diff, 0);
    *files_ok += !missing && !diff;
    libevtx_file_close(lf, NULL);
    libevtx_file_free(&lf, NULL);
    coll_free(&c);
}

static void test_oracle(const char *data)
{
    char dir[1024];
    int ok = 0;
    long cmp = 0;
    snprintf(dir, sizeof dir, "%s/evtx-parser-samples/samples", data);
    list_files(dir, ".evtx");
    size_t total = n_files;
    for (size_t i = 0; i < n_files; i++)
        oracle_file(files[i], &ok, &cmp);
    snprintf(dir, sizeof dir, "%s/sigma/regression_data", data);
    list_files(dir, ".evtx");
    total += n_files;
    for (size_t i = 0; i < n_files; i++)
        oracle_file(files[i], &ok, &cmp);
    printf("  libevtx oracle: %d of %zu files agree, %ld record fields compared\n", ok, total, cmp);
}

/* Writes the fuzz target's seeds: the built chunk, whole and with its template damaged. */
static int write_corpus(const char *dir)
{
    eb_build_sample(&built);
    char path[1024];
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/built_chunk_%d", dir, i);
        FILE *f = fopen(path, "wb");
        if (!f)
            return 1;
        static uint8_t c[EB_CHUNK];
        memcpy(c, built.c, built.pos);
        if (i == 1)
            c[700] ^= 0x40; /* inside record 101's template */
        fwrite(c, 1, built.pos, f);
        fclose(f);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
        return write_corpus(argv[2]);
    memset(&scratch, 0, sizeof scratch);
    test_built();
    test_damage();
    test_deep_elements();
    const char *data = shared_data("EVTX samples and Sigma regression data");
    if (data) {
        test_samples(data);
        test_twins(data);
        test_paths(data);
        test_reader(data);
        test_oracle(data);
    }
    list_files("/nonexistent", ".none");
    ts_fieldbuf_free(&scratch.fields);
    ts_arena_free(&scratch.arena);
    return check_done("test_evtx");
}
