/* phish_body.c: the phishing detector reads the body (subject, text and HTML, decoded by
 * the mail reader into body.text) as an analyst does: lure wording from the per-language
 * lists, a number to call back, a password given for an attached archive, forms, and
 * characters hidden inside words to slip past filters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/phishing/phish_state.h"

/* Text folded per message: the reader keeps at most 64 KiB of body. */
#define FOLD_MAX (72u << 10)

/* What each lure category weighs (counted together up to lure_cap): wording asking for
 * credentials or threatening the account weighs most; a parcel, a bill or urgency alone
 * are in ordinary mail too. The password category only feeds the attachment check. */
static const int cat_weight[PHISH_CAT_N] = {
    [PHISH_CAT_CREDENTIAL] = 25, [PHISH_CAT_ACCOUNT] = 25, [PHISH_CAT_PAYMENT] = 10,
    [PHISH_CAT_DELIVERY] = 15,   [PHISH_CAT_PRIZE] = 20,   [PHISH_CAT_CALLBACK] = 10,
    [PHISH_CAT_MONEY] = 25,      [PHISH_CAT_CRYPTO] = 15,  [PHISH_CAT_URGENCY] = 10,
    [PHISH_CAT_PASSWORD] = 0,
};

/* A telephone number as callback scams print it: 10 to 15 digits in groups joined by
 * spaces, dots, hyphens or parentheses, maybe after '+' ("+1 (808) 555-0199",
 * "1-888-555-0123", "0800 123 4567"). Writes the first into out. */
static bool phone_number(ts_str t, char *out, size_t cap)
{
    for (size_t i = 0; i < t.n; i++) {
        char c = t.p[i];
        if (!((c >= '0' && c <= '9') || c == '+' || c == '('))
            continue;
        if (i && ((t.p[i - 1] >= '0' && t.p[i - 1] <= '9') ||
                  ((t.p[i - 1] | 0x20) >= 'a' && (t.p[i - 1] | 0x20) <= 'z')))
            continue;
        size_t e = i, digits = 0, groups = 0, seps = 0, run = 0, longest = 0;
        bool in_group = false;
        while (e < t.n && e - i < 24) {
            char d = t.p[e];
            if (d >= '0' && d <= '9') {
                digits++;
                groups += !in_group;
                run = in_group ? run + 1 : 1;
                longest = run > longest ? run : longest;
                in_group = true;
            } else if ((d == ' ' || d == '-' || d == '.' || d == '(' || d == ')' || (d == '+' && e == i)) &&
                       seps < 6) {
                seps += d != '+';
                in_group = false;
            } else {
                break;
            }
            e++;
        }
        while (e > i && !(t.p[e - 1] >= '0' && t.p[e - 1] <= '9'))
            e--;
        bool next_alnum = e < t.n && (((t.p[e] | 0x20) >= 'a' && (t.p[e] | 0x20) <= 'z') || t.p[e] == '/');
        /* Dates, amounts and order numbers are one group, carry no separators or hold a
           long run ("20020909-89588"); phone groups are short. */
        if (digits >= 10 && digits <= 15 && groups >= 2 && groups <= 5 && longest <= 6 && !next_alnum) {
            snprintf(out, cap, "%.*s", (int)(e - i), t.p + i);
            return true;
        }
        i = e > i ? e : i;
    }
    return false;
}

static bool has_field(const ts_event *ev, const char *key, const char *val)
{
    for (size_t i = 0; i < ev->n_fields; i++)
        if (ts_str_eq(ev->fields[i].key, key) && (!val || ts_str_eq(ev->fields[i].val, val)))
            return true;
    return false;
}

void phish_body_checks(phish_state *st, const ts_event *ev, const sender *s, reasons *rs)
{
    if (s->ours && s->internal)
        return;
    ts_str body = ts_event_field(ev, "body.text");
    char *f = malloc(FOLD_MAX);
    if (!f)
        return;
    size_t hid_subject = 0, hid_body = 0, hid_name = 0;
    size_t n = phish_fold(ev->mail_subject, f, FOLD_MAX / 8, &hid_subject);
    f[n++] = ' ';
    f[n++] = '|';
    f[n++] = ' ';
    n += phish_fold(body, f + n, FOLD_MAX - n, &hid_body);
    char nbuf[256];
    phish_fold(s->name, nbuf, sizeof nbuf, &hid_name);

    ts_str first[PHISH_CAT_N];
    unsigned cats = phish_lists_scan(st->lists, ts_str_make(f, n), first);
    for (size_t c = 0; c < PHISH_CAT_N; c++)
        if ((cats & (1u << c)) && cat_weight[c])
            phish_lure(rs, cat_weight[c], "%s wording (\"%.*s\")", phish_cat_name((phish_cat)c),
                       (int)first[c].n, first[c].p);

    /* Money offered by a stranger with a private mailbox, or to a hidden list of
       recipients: the advance-fee pattern. */
    ts_str rt = ts_event_field(ev, "Reply-To");
    char rbuf[PHISH_NAME_MAX];
    size_t rn = phish_registrable(phish_addr_domain(rt), rbuf);
    bool private = (s->reg_n && phish_freemail(st, ts_str_make(s->reg, s->reg_n))) ||
                   (rn && phish_freemail(st, ts_str_make(rbuf, rn))) || !ev->n_mail_to;
    if ((cats & (1u << PHISH_CAT_MONEY)) && private)
        phish_reason(rs, 20, false, false, "money offered from a private mailbox or to hidden recipients");

    size_t hidden = hid_subject + hid_body + hid_name;
    if (hidden >= 3)
        phish_reason(rs, 30, false, false, "%zu invisible characters hidden inside words", hidden);

    /* Callback scams carry no link: the victim phones. */
    char phone[40];
    if ((cats & (1u << PHISH_CAT_CALLBACK)) &&
        phone_number(body.n ? body : ev->mail_subject, phone, sizeof phone))
        phish_reason(rs, 25, false, false, "asks the reader to call %s", phone);

    /* A password for an attached archive or document: the lock keeps scanners out. */
    bool encrypted = has_field(ev, "attach.encrypted", "1");
    bool lockable = has_field(ev, "attach.kind", "archive") || has_field(ev, "attach.kind", "document");
    if (encrypted)
        phish_reason(rs, 30, true, false, "an attached archive is encrypted");
    if ((cats & (1u << PHISH_CAT_PASSWORD)) && (encrypted || lockable))
        phish_reason(rs, 35, true, false, "the message gives the password for its attachment (\"%.*s\")",
                     (int)first[PHISH_CAT_PASSWORD].n, first[PHISH_CAT_PASSWORD].p);

    /* A form in the message itself posts what is typed to its action. */
    for (size_t i = 0; i < ev->n_fields; i++) {
        if (!ts_str_eq(ev->fields[i].key, "body.form"))
            continue;
        ts_str act = ev->fields[i].val;
        /* Newsletters carry search boxes; a password field is another matter. */
        if (has_field(ev, "body.password_input", "1"))
            phish_reason(rs, 50, false, true,
                         "the message holds a form asking for a password, posting to %.*s",
                         TS_STR_CUT(act, 100));
        else
            phish_trait(rs, 15, true, "the message holds a form posting to %.*s", TS_STR_CUT(act, 100));
        break;
    }
    free(f);
}
