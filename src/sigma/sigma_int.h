/* sigma_int.h: the Sigma engine's internal types, shared by the files of src/sigma/. */
#ifndef TS_SIGMA_INT_H
#define TS_SIGMA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/ip.h"
#include "sigma/sigma.h"

/* ---- a string -> uint32 hash map (sgmap.c) ---- */
typedef struct sg_map {
    char **keys;
    size_t *lens;
    uint32_t *vals;
    size_t cap, n;
} sg_map;

uint64_t sg_hash(const char *p, size_t n);
/* The value of key, or UINT32_MAX. */
uint32_t sg_map_get(const sg_map *m, const char *key, size_t n);
/* The same with the key's sg_hash already known. */
uint32_t sg_map_get_h(const sg_map *m, const char *key, size_t n, uint64_t h);
/* Sets key (copied) to val; false on allocation failure. */
bool sg_map_put(sg_map *m, const char *key, size_t n, uint32_t val);
void sg_map_free(sg_map *m);

/* A growable vector of uint32. */
typedef struct sg_u32v {
    uint32_t *v;
    size_t n, cap;
} sg_u32v;
bool sg_u32v_push(sg_u32v *v, uint32_t x);

/* ---- YAML documents as a small tree (yaml.c) ---- */
typedef enum sy_kind { SY_SCALAR, SY_SEQ, SY_MAP } sy_kind;

typedef struct sy_node {
    sy_kind kind;
    uint32_t line; /* 1-based */
    bool is_null;  /* a plain null, ~ or empty scalar */
    const char *s; /* scalar text, NUL-terminated */
    size_t n;
    struct sy_node **kids; /* a map holds key, value, key, value ... */
    size_t nkids;
} sy_node;

/* Parses every document of text into a (allocated in a). Returns false with a message
 * and the line of the problem. */
bool sy_parse(ts_arena *a, const char *text, size_t n, sy_node ***docs, size_t *ndocs, char *err, size_t cap,
              uint32_t *errline);
/* The value of key in a map, or NULL. */
const sy_node *sy_get(const sy_node *map, const char *key);

/* ---- conditions (cond.c) ---- */
typedef enum sc_op { SC_AND, SC_OR, SC_NOT, SC_ID, SC_ONE_OF, SC_ALL_OF } sc_op;

typedef struct sc_node {
    sc_op op;
    const char *name; /* SC_ID, SC_*_OF: an identifier or pattern; "them" for them */
    size_t nlen;
    struct sc_node *a, *b;
} sc_node;

/* Parses a condition. Returns NULL with a message in err on a syntax error. */
sc_node *sc_parse(ts_arena *a, const char *text, size_t n, char *err, size_t cap);
/* Glob match of Sigma identifier patterns ('*' only). */
bool sc_glob(const char *pat, size_t pn, const char *s, size_t sn);

/* ---- compiled rules ---- */
enum { SG_ANY_FIELD = UINT32_MAX };

typedef enum sg_kind {
    AT_STR,  /* literal or regex over a field value */
    AT_NUM,  /* numeric comparison */
    AT_TIME, /* a part of a time value, compared */
    AT_CIDR,
    AT_EXISTS, /* the field is present */
    AT_NULL,   /* absent or empty */
    AT_FREF,   /* compared with another field */
} sg_kind;

enum { CMP_EQ, CMP_LT, CMP_LTE, CMP_GT, CMP_GTE, CMP_NEQ };
enum { ANC_START = 1, ANC_END = 2 };
enum { RX_CASELESS = 1, RX_MULTILINE = 2, RX_DOTALL = 4 };
enum { BK_HS, BK_LIT, BK_PCRE, BK_DIRECT };
enum { TP_MINUTE, TP_HOUR, TP_DAY, TP_WEEK, TP_MONTH, TP_YEAR };

typedef struct sg_atom {
    uint8_t kind, backend;
    uint8_t anchors; /* AT_STR literals, AT_FREF: ANC_* */
    uint8_t rxflags; /* RX_* */
    bool is_regex;   /* AT_STR: pat is a regex, else literal bytes */
    uint8_t cmp, tpart, prefix;
    uint32_t group, field, field2;
    char *pat; /* literal (lower-cased when caseless) or regex */
    size_t plen;
    double num;
    ts_ip ip;
    void *re; /* pcre2_code for BK_PCRE */
} sg_atom;

enum { N_ATOM, N_AND, N_OR, N_NOT, N_TRUE, N_FALSE };

typedef struct sg_node {
    uint8_t op;
    uint32_t a; /* N_ATOM: atom; N_AND/N_OR: first kid in kids; N_NOT: the node */
    uint32_t n; /* kids */
} sg_node;

typedef struct sg_rule {
    ts_sigma_rule_info info;
    char *id, *name, *title, *level, *techniques, *file;
    uint32_t group;
    uint32_t root; /* node */
    bool quiet;    /* only feeds correlations (their generate is false) */
} sg_rule;

typedef struct sg_rename {
    char *from, *to;
} sg_rename;

/* One line of the log source mapping: how to recognise events of it. */
typedef struct sg_source {
    char *product, *category, *service; /* "" when not given */
    char *channel, *provider, *dataset; /* lower case; NULL: any */
    uint32_t *eids;
    size_t neids;
    sg_rename *ren;
    size_t nren;
    sg_u32v groups; /* groups fed by this source */
} sg_source;

typedef struct sg_group {
    char *product, *category, *service;
    sg_u32v sources;
    sg_map fields; /* field name -> id */
    char **field_names;
    size_t nfields, cap_fields;
    uint32_t fbase; /* offset of its fields in a scratch */
    sg_u32v rules;
    sg_u32v always;  /* rules without triggers: evaluated on every event of the group */
    void **db;       /* per field: the matcher of its string atoms, or NULL */
    void **db_short; /* per field: the matcher of its short literals, run on demand */
    void *db_any;    /* keywords */
} sg_group;

enum {
    CT_EVENT_COUNT,
    CT_VALUE_COUNT,
    CT_TEMPORAL,
    CT_TEMPORAL_ORDERED,
    CT_VALUE_SUM,
    CT_VALUE_AVG,
    CT_VALUE_PERCENTILE
};

#define SG_CORR_MAX_RULES 16
#define SG_CORR_MAX_GROUP 8
#define SG_CORR_MAX_ALIASES 16
/* How many correlations may be stacked on one another (a -> b -> c is 3). */
#define SG_CORR_MAX_CHAIN 8
/* Hits kept per group (count and value types): a condition needing more is refused. */
#define SG_CORR_MAX_ENTRIES 4096
/* An input of a correlation that is another correlation: this bit | its index. */
#define SG_CORR_INPUT_CORR 0x80000000u

/* One field name alias: the field it stands for in the events of each named rule. */
typedef struct sg_alias {
    char *name;
    char *rule[SG_CORR_MAX_RULES]; /* rule (or correlation) names or ids, as written */
    char *field[SG_CORR_MAX_RULES];
    size_t n;
} sg_alias;

/* A correlation rule: counts or orders the hits of other rules (or correlations) per group
 * of field values within a timespan (corr_build.c builds it, correlation.c runs it). */
typedef struct sg_corr {
    ts_sigma_rule_info info;
    char *id, *name, *title, *level, *techniques, *file;
    uint8_t type;
    uint8_t ncond; /* 1 or 2 bounds, both must hold */
    uint8_t cmp[2];
    double threshold[2];
    int64_t span_ns;
    char *refs[SG_CORR_MAX_RULES];      /* rule or correlation ids or names, as written */
    uint32_t inputs[SG_CORR_MAX_RULES]; /* resolved at compile: a rule, or SG_CORR_INPUT_CORR | correlation */
    size_t nrules;
    char *group_by[SG_CORR_MAX_GROUP];
    size_t ngroup;
    char *value_fields[SG_CORR_MAX_GROUP]; /* the condition's field(s): value_ types */
    size_t nvalue;
    sg_alias *aliases;
    size_t naliases;
    /* per input: the event field of each group-by and value field, aliases applied */
    const char *gfield[SG_CORR_MAX_RULES][SG_CORR_MAX_GROUP];
    const char *vfield[SG_CORR_MAX_RULES][SG_CORR_MAX_GROUP];
    bool active;    /* every input resolved, no cycle: it runs */
    bool generate;  /* the rules it names also alert on their own */
    bool quiet;     /* only feeds other correlations (none of them has generate) */
    char idle[160]; /* why it is not active */
} sg_corr;

struct ts_sigma {
    ts_arena arena;
    sg_source *src;
    size_t nsrc;
    sg_map chan_index;  /* lower-cased channel -> first source in chan_next chain */
    sg_map ds_index;    /* dataset -> first source */
    uint32_t *src_next; /* next source with the same key */
    sg_u32v any_src;    /* sources matched by neither channel nor dataset */
    sg_group *groups;
    size_t ngroups, cap_groups;
    sg_atom *atoms;
    size_t natoms, cap_atoms;
    sg_map atom_index;
    sg_node *nodes;
    size_t nnodes, cap_nodes;
    sg_u32v kids;
    sg_rule *rules;
    size_t nrules, cap_rules;
    sg_u32v *triggers; /* per atom: rules it may trigger */
    uint8_t *atom_hs;  /* per atom: 1 when a matcher decides it (compact, for eval) */
    size_t nfields_total;
    sg_corr *corrs;
    size_t ncorrs, cap_corrs;
    sg_u32v *rule_corrs;     /* per rule: the correlations it feeds */
    sg_u32v *corr_corrs;     /* per correlation: the correlations it feeds */
    const sy_node **filters; /* filter documents, applied at compile */
    size_t nfilters, cap_filters;
    size_t filters_failed; /* filter applications that could not be built */
    sg_map placeholders;   /* name -> index in ph */
    struct sg_placeholder {
        char **v; /* its values */
        size_t n;
    } * ph;
    size_t nph_names, cap_ph;
    bool compiled;
    ts_diag_fn diag; /* while compiling: where its problems go (sg_fail) */
    void *diag_ud;
    tocsin_code failed; /* the first problem's code, TOCSIN_OK while none */
    unsigned threads;   /* that read and parse rule files at once (ts_sigma_set_threads) */
};

/* load.c: says a problem of the set (no file) to s->diag; returns false. On a thread that
 * builds matchers beside others (engine.c), the thread's first problem is held in
 * *sg_fail_held instead, so the same problem is said whatever the threads. */
typedef struct sg_fail_hold {
    tocsin_code code; /* TOCSIN_OK while none */
    char msg[512];
} sg_fail_hold;
extern _Thread_local sg_fail_hold *sg_fail_held;
bool sg_fail(ts_sigma *s, tocsin_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* logsource.c */
/* Reads the mapping at path; false after saying why (with the line) to diag. */
bool sg_sources_load(ts_sigma *s, const char *path, ts_diag_fn diag, void *ud);
/* The group for a rule's log source, created when needed; UINT32_MAX if no source
 * matches (the reason is written to why). */
uint32_t sg_group_for(ts_sigma *s, const char *product, const char *category, const char *service, char *why,
                      size_t cap);
uint32_t sg_group_field(ts_sigma *s, uint32_t g, const char *name, size_t n);

/* rule.c: builds one rule from a YAML document; false with a reason when refused. */
bool sg_rule_build(ts_sigma *s, const sy_node *doc, const char *file, char *why, size_t cap,
                   const char **id_out, const char **title_out);

/* corr_build.c: correlation rules from YAML, and their resolution at compile. */
bool sg_corr_build(ts_sigma *s, const sy_node *doc, const char *file, char *why, size_t cap);
/* Resolves inputs (rules or correlations, by id or name), aliases and chains; a correlation
 * that cannot run stays idle with its reason in idle. False only when out of memory. */
bool sg_corr_compile(ts_sigma *s);
void sg_corr_free(ts_sigma *s);

/* correlation.c: the state of running correlations (one per scratch). */
typedef struct sg_corr_state sg_corr_state;
sg_corr_state *sg_corr_state_new(const ts_sigma *s);
void sg_corr_state_free(sg_corr_state *cs);
/* The groups held (at most *max), the hits dropped because no group could be made for
 * them, and the memory held and at most (the groups' key text left out of the bound). */
void sg_corr_usage(const sg_corr_state *cs, uint64_t *groups, uint64_t *max, uint64_t *dropped,
                   uint64_t *bytes, uint64_t *bound);
/* A hit of rule r on ev (an event of source src): updates the correlations r feeds, and the
 * ones those feed when they fire, calling fn for each that fires and is not quiet. */
void sg_corr_feed(const ts_sigma *s, sg_corr_state *cs, uint32_t r, const sg_source *src, const ts_event *ev,
                  ts_sigma_hit_fn fn, void *ud);

/* engine.c: routing shared with coverage.c */
bool sg_source_matches(const sg_source *src, const ts_event *ev);
/* The name the rules use for an event's field under src (renames, spaces dropped). */
ts_str sg_field_name(const sg_source *src, ts_str k, char *buf, size_t cap);
/* Calls fn for every source ev belongs to. */
void sg_route(const ts_sigma *s, const ts_event *ev, void (*fn)(void *ud, uint32_t src), void *ud);

/* rule.c: metadata helpers shared with correlation.c */
const char *sg_scalar(const sy_node *map, const char *key); /* "" when absent */
char *sg_techniques(ts_arena *a, const sy_node *tags);      /* "T1059.001,T1027" */
char *sg_lower_dup(ts_arena *a, const char *p);

/* rule.c: filter rules; stored at load, applied to the rules they name at compile. */
bool sg_filter_add(ts_sigma *s, const sy_node *doc, char *why, size_t cap);
bool sg_filters_apply(ts_sigma *s, size_t *failed);

/* build helpers (rule.c) */
uint32_t sg_add_node(ts_sigma *s, uint8_t op, uint32_t a, uint32_t n);
uint32_t sg_add_atom(ts_sigma *s, const sg_atom *at);
/* An AND or OR node over ids (the one id itself when n is 1; TRUE/FALSE when 0). */
uint32_t sg_add_list(ts_sigma *s, uint8_t op, const uint32_t *ids, size_t n);

/* value.c: turns one Sigma value with its modifiers into atoms under a node. */
typedef struct sg_mods {
    bool contains, startswith, endswith, all, cased, neq, windash, re, re_i, re_m, re_s;
    bool base64, base64offset, utf16le, utf16be, utf16bom, expand, fieldref, cidr, exists;
    int cmp;   /* CMP_EQ unless lt/lte/gt/gte */
    int tpart; /* -1 unless a time modifier */
} sg_mods;

bool sg_parse_mods(const char *spec, size_t n, sg_mods *m, char *why, size_t cap);
/* The node for one value of a field (field is SG_ANY_FIELD for keywords); UINT32_MAX
 * with a reason when the value cannot be used. */
uint32_t sg_value_node(ts_sigma *s, uint32_t group, uint32_t field, const sg_mods *m, const sy_node *v,
                       char *why, size_t cap);

/* matcher.c: string atoms of one field grouped into one multi-pattern matcher. */
typedef void (*sg_match_fn)(void *ud, uint32_t atom);
void *sg_matcher_build(ts_sigma *s, const uint32_t *atoms, size_t n);
void sg_matcher_free(void *m);
/* Scratch space for scanning; grown to fit every matcher built so far. */
bool sg_matcher_scratch(void *m, void **scratch);
void sg_matcher_scratch_free(void *scratch);
void sg_matcher_scan(const void *m, void *scratch, const char *p, size_t n, sg_match_fn fn, void *ud);
/* The same for keywords, which may rule out all of an event's values in one scan
 * (sg_matcher_may_match). */
void *sg_matcher_build_any(ts_sigma *s, const uint32_t *atoms, size_t n);
/* False when none of m's atoms can hold in any of an event's values, given them joined
 * into joined[0..n); true when one may, or when m cannot tell. */
bool sg_matcher_may_match(const void *m, void *scratch, const char *joined, size_t n);
/* Whether m scans (a Hyperscan database) rather than only looks values up. */
bool sg_matcher_scans(const void *m);
/* What an atom's test on a value gives: it holds, it does not, or it could not be decided
 * (a PCRE2 regex went over its budget). */
enum { SG_NO = 0, SG_YES = 1, SG_GAVE_UP = 2 };

/* The limits of one PCRE2 match (pcre2_set_match_limit, _depth_limit, _heap_limit). */
typedef struct sg_regex_budget {
    uint32_t steps, depth, heap_kib;
} sg_regex_budget;

/* Evaluates one string atom the matcher does not hold (BK_LIT, BK_PCRE): SG_YES, SG_NO or,
 * for a regex over budget, SG_GAVE_UP. md is from sg_match_data_new, reused from call to
 * call. */
int sg_atom_test_str(const sg_atom *at, const char *p, size_t n, void *md);
void *sg_match_data_new(const sg_regex_budget *b);
void sg_match_data_free(void *md);
/* Compiles a PCRE2 fallback for a regex atom; false after sg_fail. */
bool sg_atom_pcre(ts_sigma *s, sg_atom *at);
void sg_atom_pcre_free(sg_atom *at);

#endif
