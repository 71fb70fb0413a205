/* phish_lists.h: the word lists the phishing detector reads from data/phishing/ (brands
 * and their domains, mail services, lure phrases per language), the text folding that
 * makes wording comparable, and the phrase scan. Lists live in data, never in C. */
#ifndef TS_PHISH_LISTS_H
#define TS_PHISH_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/str.h"

/* Kinds of mail service a host may belong to (services.txt sections). */
typedef enum phish_svc {
    PHISH_SVC_FREEMAIL,  /* anyone can have an address there */
    PHISH_SVC_SHORTENER, /* hides where a link goes */
    PHISH_SVC_TRACKER,   /* the click-tracking redirect of a mail or newsletter service */
    PHISH_SVC_HOSTING,   /* free hosting and form services phishing pages live on */
    PHISH_SVC_SHARING,   /* file sharing: abused, and also what colleagues send every day */
    PHISH_SVC_N
} phish_svc;

/* Lure categories (the sections of phrases/LANG.txt); weights are the scoring's. */
typedef enum phish_cat {
    PHISH_CAT_CREDENTIAL, /* verify your account, confirm your password */
    PHISH_CAT_ACCOUNT,    /* account suspended, blocked, unusual sign-in */
    PHISH_CAT_PAYMENT,    /* invoice, payment failed, refund */
    PHISH_CAT_DELIVERY,   /* parcel held, customs fee */
    PHISH_CAT_PRIZE,      /* you have won, gift card, reward */
    PHISH_CAT_CALLBACK,   /* call us to cancel the charge */
    PHISH_CAT_MONEY,      /* inheritance, beneficiary, transfer of funds (advance-fee) */
    PHISH_CAT_CRYPTO,     /* wallet, seed phrase, airdrop */
    PHISH_CAT_URGENCY,    /* within 24 hours, final notice */
    PHISH_CAT_PASSWORD,   /* the password given for an attachment */
    PHISH_CAT_N
} phish_cat;

const char *phish_cat_name(phish_cat c);

typedef struct phish_lists phish_lists;

/* Loads DIR/brands.txt, DIR/services.txt and every .txt file of DIR/phrases. A missing file or
 * a bad line is reported through diag (core/diag.h; may be NULL) and skipped. NULL only when
 * memory runs out. */
phish_lists *phish_lists_load(const char *dir, ts_diag_fn diag, void *ud);
void phish_lists_free(phish_lists *l);

/* Parses one list file's text into l (name is for messages). Exposed for the fuzzer and
 * the tests. kind: 0 brands, 1 services, 2 phrases. Returns the bad lines found. */
size_t phish_lists_parse(phish_lists *l, int kind, const char *name, const char *text, size_t n,
                         ts_diag_fn diag, void *ud);
phish_lists *phish_lists_new(void);
/* Sorts what was parsed for lookups; call after the last phish_lists_parse. */
void phish_lists_ready(phish_lists *l);

/* Whether host (or its registrable name reg) belongs to a service of kind k. */
bool phish_lists_service(const phish_lists *l, phish_svc k, ts_str host, ts_str reg);

/* The brand whose domain reg is (an index), or -1. */
int phish_lists_brand_of(const phish_lists *l, ts_str reg);
/* The brand a folded text names as a whole word (an index), or -1; *name is the name. */
int phish_lists_brand_named(const phish_lists *l, ts_str folded, const char **name);
/* The brand whose name (6 letters or more, of letters and spaces) hides in a run of
 * letters with the spaces and symbols taken out ("C o i n b a s e", "Metamask_Team",
 * "AlbertHeijn"), or -1. */
int phish_lists_brand_in_letters(const phish_lists *l, ts_str letters, const char **name);
/* The brand's first name and domains. */
const char *phish_lists_brand_name(const phish_lists *l, int brand);
size_t phish_lists_brand_domains(const phish_lists *l, int brand, const char **out, size_t cap);
size_t phish_lists_n_brands(const phish_lists *l);

/* The phrases of the folded text: a bit per category found, and the first phrase of each
 * (views into the lists) in first[PHISH_CAT_N]. */
unsigned phish_lists_scan(const phish_lists *l, ts_str folded, ts_str first[PHISH_CAT_N]);

/* Folds text for comparison: lower case, accents and look-alike letters of other scripts
 * mapped to Latin, invisible characters dropped (counted in *hidden when they sit inside
 * a word), other symbols to spaces, white space squeezed. Returns the length written to
 * out (at most cap - 1; NUL-terminated). */
size_t phish_fold(ts_str text, char *out, size_t cap, size_t *hidden);

#endif
