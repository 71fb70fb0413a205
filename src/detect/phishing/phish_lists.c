/* phish_lists.c: loading and querying the phishing detector's lists (data/phishing/). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/utf8dec.h"
#include "core/vec.h"
#include "detect/phishing/phish_int.h"
#include "detect/phishing/phish_lists.h"

/*
 * Files (UTF-8; '#' starts a comment line; blank lines ignored):
 *   brands.txt    "name, other name: domain domain ..."  a brand's names as mail writes
 *                 them (any language) and the registrable domains that really are its;
 *   services.txt  [freemail] [shortener] [tracker] [hosting] [sharing] sections of hosts; a
 *                 leading '.' means "any host under this suffix";
 *   phrases/LANG.txt one file per language, sections named after the lure categories
 *                 ([credential], [account] ... see phish_cat), one phrase per line. A
 *                 phrase matches folded text at a word start and ends at a word end,
 *                 unless it ends with '*' (a stem: "verifi*").
 */

#define PHRASE_BUCKETS 4096
#define NAME_MAX_LEN 64

typedef struct phrase {
    char *p;
    uint16_t n;
    uint8_t cat;
    bool stem;
    int32_t next; /* bucket chain */
} phrase;

typedef struct bname {
    char *p; /* folded */
    uint16_t n;
    int32_t brand;
} bname;

typedef struct bdom {
    char *p;
    int32_t brand;
} bdom;

struct phish_lists {
    char **svc[PHISH_SVC_N];
    size_t n_svc[PHISH_SVC_N], cap_svc[PHISH_SVC_N];
    bname *names;
    size_t n_names, cap_names;
    bdom *doms;
    size_t n_doms, cap_doms;
    /* doms' indices grouped by brand (brand b's are by_brand[brand_at[b] .. brand_at[b+1]),
       in doms' order), made by phish_lists_ready; NULL: scan doms */
    uint32_t *by_brand, *brand_at;
    char **brand; /* first name of each brand, as written */
    size_t n_brands, cap_brands;
    phrase *ph;
    size_t n_ph, cap_ph;
    int32_t heads[PHRASE_BUCKETS];
};

static const char *const cat_names[PHISH_CAT_N] = {"credential", "account",  "payment", "delivery",
                                                   "prize",      "callback", "money",   "crypto",
                                                   "urgency",    "password"};
static const char *const svc_names[PHISH_SVC_N] = {"freemail", "shortener", "tracker", "hosting", "sharing"};

const char *phish_cat_name(phish_cat c)
{
    return c < PHISH_CAT_N ? cat_names[c] : "?";
}

/* ---------------------------------------------------------------- folding */

static bool invisible(uint32_t c)
{
    return c == 0xad || c == 0x34f || c == 0x61c || c == 0x180e || (c >= 0x200b && c <= 0x200f) ||
           (c >= 0x2060 && c <= 0x2064) || c == 0xfeff || (c >= 0xfe00 && c <= 0xfe0f) ||
           (c >= 0xe0000 && c <= 0xe01ef);
}

size_t phish_fold(ts_str text, char *out, size_t cap, size_t *hidden)
{
    size_t o = 0, hid = 0;
    bool space = false, pending_hidden = false;
    const unsigned char *s = (const unsigned char *)text.p;
    if (!cap)
        return 0;
    for (size_t i = 0; i < text.n && o + 2 < cap;) {
        uint32_t cp;
        size_t len = ts_utf8_decode(s + i, text.n - i, &cp);
        if (!len) {
            cp = 0xfffd;
            len = 1;
        }
        i += len;
        if (invisible(cp)) {
            pending_hidden = o > 0 && !space;
            continue;
        }
        char c;
        if (cp < 0x80) {
            c = (char)cp;
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
        } else if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7) {
            c = phish_confusable(cp + 0x20); /* upper-case Latin-1 letters */
        } else if (cp == 0xdf) {
            c = 's';
        } else {
            c = phish_confusable(cp);
        }
        bool letter = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (pending_hidden && letter)
            hid++;
        pending_hidden = false;
        if (!c || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = c;
    }
    out[o] = 0;
    if (hidden)
        *hidden = hid;
    return o;
}

/* ---------------------------------------------------------------- building */

static char *dup_lower(ts_str s)
{
    char *p = malloc(s.n + 1);
    if (!p)
        return NULL;
    for (size_t i = 0; i < s.n; i++)
        p[i] = (s.p[i] >= 'A' && s.p[i] <= 'Z') ? (char)(s.p[i] - 'A' + 'a') : s.p[i];
    p[s.n] = 0;
    return p;
}

static char *dup_folded(ts_str s, size_t *n)
{
    char buf[256];
    *n = phish_fold(s, buf, sizeof buf, NULL);
    return *n ? strndup(buf, *n) : NULL;
}

phish_lists *phish_lists_new(void)
{
    phish_lists *l = calloc(1, sizeof *l);
    if (l)
        for (size_t i = 0; i < PHRASE_BUCKETS; i++)
            l->heads[i] = -1;
    return l;
}

void phish_lists_free(phish_lists *l)
{
    if (!l)
        return;
    for (size_t k = 0; k < PHISH_SVC_N; k++) {
        for (size_t i = 0; i < l->n_svc[k]; i++)
            free(l->svc[k][i]);
        free(l->svc[k]);
    }
    for (size_t i = 0; i < l->n_names; i++)
        free(l->names[i].p);
    for (size_t i = 0; i < l->n_doms; i++)
        free(l->doms[i].p);
    for (size_t i = 0; i < l->n_brands; i++)
        free(l->brand[i]);
    for (size_t i = 0; i < l->n_ph; i++)
        free(l->ph[i].p);
    free(l->names);
    free(l->doms);
    free(l->by_brand);
    free(l->brand_at);
    free(l->brand);
    free(l->ph);
    free(l);
}

static unsigned bucket(const char *p)
{
    return ((unsigned char)p[0] * 31u + (unsigned char)p[1]) % PHRASE_BUCKETS;
}

static bool is_host(ts_str s)
{
    if (!s.n || s.n >= PHISH_NAME_MAX)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        char c = (char)(s.p[i] | 0x20);
        if (!((c >= 'a' && c <= 'z') || (s.p[i] >= '0' && s.p[i] <= '9') || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* "name, name: dom dom" */
static const char *add_brand(phish_lists *l, ts_str line)
{
    const char *colon = memchr(line.p, ':', line.n);
    if (!colon)
        return "a brand line is \"name, other name: domain ...\"";
    ts_str names = ts_str_make(line.p, (size_t)(colon - line.p));
    ts_str doms = ts_str_make(colon + 1, (size_t)(line.p + line.n - colon - 1));
    if (!ts_vec_grow(l->brand, l->cap_brands, l->n_brands + 1, TS_VEC_NOCAP))
        return "out of memory";
    int32_t b = (int32_t)l->n_brands;
    bool any = false;
    for (size_t i = 0; i < names.n;) {
        size_t e = i;
        while (e < names.n && names.p[e] != ',')
            e++;
        ts_str nm = ts_str_trim(ts_str_make(names.p + i, e - i));
        i = e + 1;
        if (!nm.n || nm.n > NAME_MAX_LEN)
            continue;
        size_t fn;
        char *f = dup_folded(nm, &fn);
        if (!f || fn < 3) { /* "hp", "ee": every text holds them */
            free(f);
            continue;
        }
        if (!ts_vec_grow(l->names, l->cap_names, l->n_names + 1, TS_VEC_NOCAP)) {
            free(f);
            return "out of memory";
        }
        l->names[l->n_names++] = (bname){f, (uint16_t)fn, b};
        if (!any) {
            l->brand[l->n_brands] = strndup(nm.p, nm.n);
            if (!l->brand[l->n_brands])
                return "out of memory";
        }
        any = true;
    }
    if (!any)
        return "a brand needs a name of 3 letters or more";
    l->n_brands++;
    for (size_t i = 0; i < doms.n;) {
        while (i < doms.n && (doms.p[i] == ' ' || doms.p[i] == '\t' || doms.p[i] == ','))
            i++;
        size_t e = i;
        while (e < doms.n && doms.p[e] != ' ' && doms.p[e] != '\t' && doms.p[e] != ',')
            e++;
        ts_str d = ts_str_make(doms.p + i, e - i);
        i = e;
        if (!d.n)
            continue;
        if (!is_host(d))
            return "a brand's domain holds a character no host name has";
        if (!ts_vec_grow(l->doms, l->cap_doms, l->n_doms + 1, TS_VEC_NOCAP))
            return "out of memory";
        char *p = dup_lower(d);
        if (!p)
            return "out of memory";
        l->doms[l->n_doms++] = (bdom){p, b};
    }
    return NULL;
}

static const char *add_service(phish_lists *l, int sect, ts_str line)
{
    if (sect < 0)
        return "a host before any [section]";
    ts_str h = ts_str_make(line.p + (line.p[0] == '.'), line.n - (line.p[0] == '.'));
    if (!is_host(h))
        return "not a host name";
    if (!ts_vec_grow(l->svc[sect], l->cap_svc[sect], l->n_svc[sect] + 1, TS_VEC_NOCAP))
        return "out of memory";
    char *p = dup_lower(line);
    if (!p)
        return "out of memory";
    l->svc[sect][l->n_svc[sect]++] = p;
    return NULL;
}

static const char *add_phrase(phish_lists *l, int sect, ts_str line)
{
    if (sect < 0)
        return "a phrase before any [category]";
    bool stem = line.p[line.n - 1] == '*';
    if (stem)
        line.n--;
    size_t fn;
    char *f = dup_folded(line, &fn);
    if (!f || fn < 3) {
        free(f);
        return "a phrase needs 3 letters or more";
    }
    if (!ts_vec_grow(l->ph, l->cap_ph, l->n_ph + 1, TS_VEC_NOCAP)) {
        free(f);
        return "out of memory";
    }
    unsigned b = bucket(f);
    l->ph[l->n_ph] = (phrase){f, (uint16_t)fn, (uint8_t)sect, stem, l->heads[b]};
    l->heads[b] = (int32_t)l->n_ph++;
    return NULL;
}

size_t phish_lists_parse(phish_lists *l, int kind, const char *name, const char *text, size_t n,
                         ts_diag_fn diag, void *ud)
{
    int sect = -1;
    size_t bad = 0;
    uint64_t lineno = 0;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(text + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - text) : n;
        ts_str line = ts_str_trim(ts_str_make(text + i, e - i));
        i = e + 1;
        lineno++;
        if (!line.n || line.p[0] == '#')
            continue;
        const char *err = NULL;
        if (line.p[0] == '[') {
            const char *const *names = kind == 1 ? svc_names : cat_names;
            size_t count = kind == 1 ? PHISH_SVC_N : PHISH_CAT_N;
            sect = -1;
            for (size_t k = 0; k < count && kind; k++)
                if (line.n == strlen(names[k]) + 2 && line.p[line.n - 1] == ']' &&
                    strncasecmp(line.p + 1, names[k], line.n - 2) == 0)
                    sect = (int)k;
            if (sect < 0)
                err = "unknown [section]";
        } else if (line.n > 2000) {
            err = "line over 2000 bytes";
        } else {
            err = kind == 0   ? add_brand(l, line)
                  : kind == 1 ? add_service(l, sect, line)
                              : add_phrase(l, sect, line);
        }
        if (err) {
            bad++;
            ts_diag_say(diag, ud, name, lineno, 0, TOCSIN_E_PARSE, err);
        }
    }
    return bad;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}
static int cmp_dom(const void *a, const void *b)
{
    return strcmp(((const bdom *)a)->p, ((const bdom *)b)->p);
}

void phish_lists_ready(phish_lists *l)
{
    for (size_t k = 0; k < PHISH_SVC_N; k++)
        if (l->n_svc[k])
            qsort(l->svc[k], l->n_svc[k], sizeof(char *), cmp_str);
    if (l->n_doms)
        qsort(l->doms, l->n_doms, sizeof *l->doms, cmp_dom);
    /* The brand checks ask every brand for its domains, per message: a scan of all domains
       for each brand was most of fuzz_mail's time (n_brands x n_doms per sender). */
    free(l->by_brand), free(l->brand_at);
    l->by_brand = malloc((l->n_doms ? l->n_doms : 1) * sizeof *l->by_brand);
    l->brand_at = calloc(l->n_brands + 1, sizeof *l->brand_at);
    if (!l->by_brand || !l->brand_at || l->n_doms > UINT32_MAX) {
        free(l->by_brand), free(l->brand_at);
        l->by_brand = l->brand_at = NULL;
        return;
    }
    for (size_t i = 0; i < l->n_doms; i++)
        l->brand_at[l->doms[i].brand + 1]++;
    for (size_t b = 0; b < l->n_brands; b++)
        l->brand_at[b + 1] += l->brand_at[b];
    for (size_t i = 0; i < l->n_doms; i++) /* in doms' order: brand_at[b] moves to b's end */
        l->by_brand[l->brand_at[l->doms[i].brand]++] = (uint32_t)i;
    for (size_t b = l->n_brands; b > 0; b--) /* back to each brand's start */
        l->brand_at[b] = l->brand_at[b - 1];
    l->brand_at[0] = 0;
}

static void load_file(phish_lists *l, int kind, const char *path, ts_diag_fn diag, void *ud)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ts_diag_say(diag, ud, path, 0, 0, TOCSIN_E_IO,
                    "cannot read this list: the phishing detector runs without it");
        return;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (!ts_vec_grow(buf, cap, n + 4097, TS_VEC_NOCAP)) {
            fclose(f);
            free(buf);
            ts_diag_say(diag, ud, path, 0, 0, TOCSIN_E_NOMEM, "out of memory reading this list");
            return;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (!got)
            break;
        n += got;
        if (n > (16u << 20))
            break; /* no list is that long; the rest is ignored */
    }
    fclose(f);
    phish_lists_parse(l, kind, path, buf, n, diag, ud);
    free(buf);
}

phish_lists *phish_lists_load(const char *dir, ts_diag_fn diag, void *ud)
{
    phish_lists *l = phish_lists_new();
    if (!l)
        return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/brands.txt", dir);
    load_file(l, 0, path, diag, ud);
    snprintf(path, sizeof path, "%s/services.txt", dir);
    load_file(l, 1, path, diag, ud);
    snprintf(path, sizeof path, "%s/phrases", dir);
    DIR *d = opendir(path);
    if (!d) {
        ts_diag_say(diag, ud, path, 0, 0, TOCSIN_E_IO,
                    "no lure phrases: the phishing detector does not read message bodies");
    } else {
        char *files[64];
        size_t nf = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL && nf < 64) {
            size_t len = strlen(de->d_name);
            if (len > 4 && strcmp(de->d_name + len - 4, ".txt") == 0)
                files[nf++] = strdup(de->d_name);
        }
        closedir(d);
        qsort(files, nf, sizeof *files, cmp_str); /* the same order on every machine */
        for (size_t i = 0; i < nf; i++) {
            if (files[i]) {
                snprintf(path, sizeof path, "%s/phrases/%s", dir, files[i]);
                load_file(l, 2, path, diag, ud);
            }
            free(files[i]);
        }
    }
    phish_lists_ready(l);
    return l;
}

/* ---------------------------------------------------------------- queries */

static bool in_sorted(char *const *v, size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(v[mid], key);
        if (!c)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool phish_lists_service(const phish_lists *l, phish_svc k, ts_str host, ts_str reg)
{
    if (!l || k >= PHISH_SVC_N || !l->n_svc[k])
        return false;
    char low[PHISH_NAME_MAX + 1];
    while (host.n && host.p[host.n - 1] == '.')
        host.n--;
    size_t n = host.n && host.n < PHISH_NAME_MAX ? ts_lower(host, low + 1, PHISH_NAME_MAX) : 0;
    if (!n)
        return false;
    low[0] = '.';
    low[n + 1] = 0;
    /* The host itself, then each suffix ".b.c", ".c" as a '.'-entry; the registrable
       name counts as an entry without a dot too ("sendgrid.net" covers its hosts). */
    if (in_sorted(l->svc[k], l->n_svc[k], low + 1))
        return true;
    for (size_t i = 1; i <= n; i++)
        if (low[i] == '.' && in_sorted(l->svc[k], l->n_svc[k], low + i))
            return true;
    if (in_sorted(l->svc[k], l->n_svc[k], low))
        return true;
    char r[PHISH_NAME_MAX];
    size_t rn = reg.n && reg.n < sizeof r ? ts_lower(reg, r, sizeof r) : 0;
    if (rn && rn < n) {
        r[rn] = 0;
        return in_sorted(l->svc[k], l->n_svc[k], r);
    }
    return false;
}

int phish_lists_brand_of(const phish_lists *l, ts_str reg)
{
    if (!l || !reg.n || reg.n >= PHISH_NAME_MAX)
        return -1;
    char low[PHISH_NAME_MAX];
    size_t n = ts_lower(reg, low, sizeof low);
    if (!n)
        return -1;
    low[n] = 0;
    size_t lo = 0, hi = l->n_doms;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(l->doms[mid].p, low);
        if (!c)
            return l->doms[mid].brand;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static bool word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int phish_lists_brand_named(const phish_lists *l, ts_str f, const char **name)
{
    if (!l)
        return -1;
    for (size_t i = 0; i < l->n_names; i++) {
        const bname *b = &l->names[i];
        for (const char *p = f.n >= b->n ? memmem(f.p, f.n, b->p, b->n) : NULL; p;
             p = (size_t)(f.p + f.n - p) > b->n ? memmem(p + 1, (size_t)(f.p + f.n - p - 1), b->p, b->n)
                                                : NULL) {
            bool start = p == f.p || !word(p[-1]);
            bool end = p + b->n == f.p + f.n || !word(p[b->n]);
            if (start && end) {
                if (name)
                    *name = l->brand[b->brand];
                return b->brand;
            }
        }
    }
    return -1;
}

int phish_lists_brand_in_letters(const phish_lists *l, ts_str letters, const char **name)
{
    for (size_t i = 0; l && i < l->n_names; i++) {
        const bname *b = &l->names[i];
        /* The name's letters alone ("albertheijn" of "Albert Heijn"). */
        char w[NAME_MAX_LEN + 1];
        size_t wn = 0;
        bool other = false;
        for (size_t k = 0; k < b->n && wn < NAME_MAX_LEN; k++) {
            if (b->p[k] >= 'a' && b->p[k] <= 'z')
                w[wn++] = b->p[k];
            else
                other |= b->p[k] != ' ';
        }
        if (other || wn < 6 || wn > letters.n || !memmem(letters.p, letters.n, w, wn))
            continue;
        if (name)
            *name = l->brand[b->brand];
        return b->brand;
    }
    return -1;
}

const char *phish_lists_brand_name(const phish_lists *l, int b)
{
    return l && b >= 0 && (size_t)b < l->n_brands ? l->brand[b] : "";
}

size_t phish_lists_n_brands(const phish_lists *l)
{
    return l ? l->n_brands : 0;
}

size_t phish_lists_brand_domains(const phish_lists *l, int b, const char **out, size_t cap)
{
    size_t n = 0;
    if (l && l->by_brand && b >= 0 && (size_t)b < l->n_brands) {
        for (uint32_t k = l->brand_at[b]; k < l->brand_at[b + 1] && n < cap; k++)
            out[n++] = l->doms[l->by_brand[k]].p;
        return n;
    }
    for (size_t i = 0; l && !l->by_brand && i < l->n_doms && n < cap; i++)
        if (l->doms[i].brand == b)
            out[n++] = l->doms[i].p;
    return n;
}

unsigned phish_lists_scan(const phish_lists *l, ts_str f, ts_str first[PHISH_CAT_N])
{
    unsigned found = 0;
    for (size_t k = 0; k < PHISH_CAT_N; k++)
        first[k] = TS_STR_NULL;
    if (!l || !l->n_ph)
        return 0;
    for (size_t i = 0; i + 2 < f.n; i++) {
        if (i && word(f.p[i - 1]))
            continue; /* phrases start at a word */
        for (int32_t j = l->heads[bucket(f.p + i)]; j >= 0; j = l->ph[j].next) {
            const phrase *ph = &l->ph[j];
            if (found & (1u << ph->cat) || ph->n > f.n - i || memcmp(f.p + i, ph->p, ph->n) != 0)
                continue;
            if (!ph->stem && i + ph->n < f.n && word(f.p[i + ph->n]) && word(ph->p[ph->n - 1]))
                continue;
            found |= 1u << ph->cat;
            first[ph->cat] = ts_str_make(ph->p, ph->n);
        }
    }
    return found;
}
