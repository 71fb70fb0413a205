/* test_saved.c: state saved through a table of fields (core/saved.h): a round trip, a
 * field missing from an older blob, and damaged blobs (cut at every byte, another kind,
 * bytes left over, a nested field its codec refuses) refused whole with a message naming
 * the field; then the same through a real detector's table. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/saved.h"
#include "detect/detect.h"

/* A small counted list, as a nested field: its count, then its items; at most 8. */
typedef struct list8 {
    uint32_t n;
    uint16_t v[8];
} list8;

static void list_put(ts_blob_w *b, const void *field)
{
    const list8 *l = field;
    ts_blob_put(b, &l->n, 4);
    ts_blob_put(b, l->v, l->n * sizeof l->v[0]);
}

static void list_get(ts_blob_r *r, void *field)
{
    list8 *l = field;
    ts_blob_get(r, &l->n, 4);
    if (l->n > 8) {
        ts_blob_fail(r, "more than 8 items");
        return;
    }
    ts_blob_get(r, l->v, l->n * sizeof l->v[0]);
}

static void list_clear(void *field)
{
    memset(field, 0, sizeof(list8));
}

static const ts_saved_codec list_codec = {list_put, list_get, list_clear};

typedef struct demo {
    int64_t first_ns;
    double ratios[3];
    list8 names;
    int not_saved;
    list8 later; /* added by a later version */
} demo;

static const ts_saved_field demo_fields[] = {
    TS_SAVED_FIELD(demo, first_ns),
    TS_SAVED_FIELD(demo, ratios),
    TS_SAVED_WITH(demo, names, list_codec, 0),
    TS_SAVED_WITH(demo, later, list_codec, TS_SAVED_OPTIONAL),
    {0},
};
static const ts_saved demo_saved = {"demo", 0x314f4d44u /* "DMO1" */, demo_fields};

static demo sample(void)
{
    demo d = {.first_ns = -1234567890123LL, .ratios = {0.5, 2.25, -1}, .not_saved = 7};
    d.names.n = 3;
    d.names.v[0] = 11, d.names.v[1] = 22, d.names.v[2] = 33;
    d.later.n = 1;
    d.later.v[0] = 99;
    return d;
}

static bool cleared(const demo *d)
{
    return d->first_ns == 0 && d->ratios[1] == 0 && d->names.n == 0 && d->later.n == 0;
}

static void test_round_trip(void)
{
    demo a = sample(), b = {.not_saved = 5};
    void *blob;
    size_t len;
    char why[200] = "";
    CHECK_INT(ts_saved_save(&demo_saved, &a, &blob, &len), TOCSIN_OK);
    CHECK_INT(len, 8 + 8 + 3 * 8 + 4 + 3 * 2 + 4 + 1 * 2);
    CHECK_INT(ts_saved_load(&demo_saved, &b, blob, len, why, sizeof why), TOCSIN_OK);
    CHECK(b.first_ns == a.first_ns && b.ratios[1] == 2.25 && b.ratios[2] == -1);
    CHECK(b.names.n == 3 && b.names.v[2] == 33 && b.later.n == 1 && b.later.v[0] == 99);
    CHECK_INT(b.not_saved, 5); /* not in the table: left alone */
    CHECK_STR(why, "");

    /* a blob from before the optional field: it loads, the field stays as init left it */
    demo c = {0};
    CHECK_INT(ts_saved_load(&demo_saved, &c, blob, len - (4 + 2), why, sizeof why), TOCSIN_OK);
    CHECK(c.names.n == 3 && c.later.n == 0);
    free(blob);
}

static void test_damaged(void)
{
    demo a = sample();
    void *blob;
    size_t len;
    char why[200];
    CHECK_INT(ts_saved_save(&demo_saved, &a, &blob, &len), TOCSIN_OK);
    /* cut at every byte (but where the optional field begins): refused, nothing kept */
    size_t refused = 0;
    for (size_t cut = 0; cut < len; cut++) {
        demo d = sample();
        tocsin_code rc = ts_saved_load(&demo_saved, &d, blob, cut, why, sizeof why);
        if (cut == len - 6) {
            CHECK_INT(rc, TOCSIN_OK);
            continue;
        }
        CHECK_INT(rc, TOCSIN_E_FORMAT);
        CHECK(cleared(&d));
        CHECK(strstr(why, "demo: saved state damaged at field '") == why);
        refused++;
    }
    CHECK_INT(refused, len - 1);
    demo d = {0};
    CHECK_INT(ts_saved_load(&demo_saved, &d, blob, 20, why, sizeof why), TOCSIN_E_FORMAT);
    CHECK_STR(why, "demo: saved state damaged at field 'ratios' (byte 16 of 20): cut short");
    CHECK_INT(ts_saved_load(&demo_saved, &d, NULL, 0, why, sizeof why), TOCSIN_E_FORMAT);
    CHECK_STR(why, "demo: saved state damaged at field 'magic' (byte 0 of 0): cut short");

    /* another kind of state */
    unsigned char *bad = malloc(len + 1);
    memcpy(bad, blob, len);
    bad[0] ^= 0xff;
    CHECK_INT(ts_saved_load(&demo_saved, &d, bad, len, why, sizeof why), TOCSIN_E_FORMAT);
    CHECK(strstr(why, "field 'magic' (byte 0 of ") && strstr(why, "not a state of this kind or version"));
    /* a count its codec refuses */
    memcpy(bad, blob, len);
    bad[8 + 8 + 24] = 200;
    d = sample();
    CHECK_INT(ts_saved_load(&demo_saved, &d, bad, len, why, sizeof why), TOCSIN_E_FORMAT);
    CHECK(strstr(why, "field 'names' (byte 40 of ") && strstr(why, "more than 8 items"));
    CHECK(cleared(&d));
    /* a byte too many */
    memcpy(bad, blob, len);
    bad[len] = 0;
    CHECK_INT(ts_saved_load(&demo_saved, &d, bad, len + 1, why, sizeof why), TOCSIN_E_FORMAT);
    CHECK(strstr(why, "bytes left over after the last field") != NULL);
    /* no message asked for: still refused */
    CHECK_INT(ts_saved_load(&demo_saved, &d, bad, len + 1, NULL, 0), TOCSIN_E_FORMAT);
    free(bad);
    free(blob);
}

/* A detector's state through its table: saved, reloaded, and a damaged copy named. */
static void test_detector(void)
{
    const ts_detector *d = ts_detector_find("lateral", 7);
    CHECK(d && d->saved && ts_detector_keeps_state(d));
    if (!d)
        return;
    ts_detect_ctx ctx = {0};
    void *st = calloc(1, d->state_size), *st2 = calloc(1, d->state_size);
    CHECK_INT(d->init(st, &ctx), TOCSIN_OK);
    CHECK_INT(d->init(st2, &ctx), TOCSIN_OK);
    void *blob;
    size_t len;
    char why[200];
    CHECK_INT(ts_detector_save(d, st, &blob, &len), TOCSIN_OK);
    CHECK_INT(len, 8 + 8 + 8 * 16); /* magic, first_ns, eight empty maps */
    CHECK_INT(ts_detector_load(d, st2, blob, len, why, sizeof why), TOCSIN_OK);
    CHECK_INT(ts_detector_load(d, st2, blob, len - 3, why, sizeof why), TOCSIN_E_FORMAT);
    CHECK_STR(why, "lateral: saved state damaged at field 'ways' (byte 128 of 141): cut short");
    free(blob);
    ts_detector_fini(d, st);
    ts_detector_fini(d, st2);
    free(st);
    free(st2);
}

/* The end of a state: a codec's fini when it has one, else its clear; plain fields are
 * left alone (they hold nothing to free). */
static int finis;
static void list_fini(void *field)
{
    finis++;
    list_clear(field);
}
static const ts_saved_codec list_fini_codec = {list_put, list_get, list_clear, list_fini};
static const ts_saved_field fini_fields[] = {
    TS_SAVED_FIELD(demo, first_ns),
    TS_SAVED_WITH(demo, names, list_fini_codec, 0),
    TS_SAVED_WITH(demo, later, list_codec, 0),
    {0},
};
static const ts_saved fini_saved = {"demo", 0x314f4d44u, fini_fields};

static void test_fini(void)
{
    demo a = sample();
    ts_saved_fini(&fini_saved, &a);
    CHECK_INT(finis, 1);                   /* names: through its fini */
    CHECK_INT(a.names.n, 0);               /* (which cleared it) */
    CHECK_INT(a.later.n, 0);               /* later: no fini, so its clear */
    CHECK(a.first_ns == -1234567890123LL); /* plain: untouched */
}

int main(void)
{
    test_round_trip();
    test_fini();
    test_damaged();
    test_detector();
    return check_done("saved");
}
