/* fuzz_mail.c: libFuzzer target for the mail path: the .eml and mbox readers (GMime, link,
 * attachment and zip scanners) on arbitrary bytes, the scanners on their own, the
 * phishing detector on what the readers emit, and its domain helpers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/input.h"
#include "detect/detect.h"
#include "detect/phishing/phish_int.h"
#include "ingest/ingest.h"
#include "ingest/mail/mail_int.h"

static volatile size_t sink_bytes;

/* Reads every byte an event lends, so a view past its buffer shows up under ASan. */
static size_t touch(ts_str s)
{
    size_t sum = 0;
    for (size_t i = 0; i < s.n; i++)
        sum += (unsigned char)s.p[i];
    return sum;
}

static const ts_detector *phishing;
static void *phish_state;

static void on_alert(void *ud, ts_alert *a)
{
    (void)ud;
    sink_bytes += strlen(a->title) + strlen(a->key);
    ts_alert_free(a);
}

static void on_event(void *ud, ts_event *ev)
{
    (void)ud;
    size_t sum = touch(ev->dataset) + touch(ev->mail_from) + touch(ev->mail_subject) + touch(ev->mail_msgid) +
                 touch(ev->url) + touch(ev->domain) + touch(ev->md5) + touch(ev->sha1) + touch(ev->sha256) +
                 touch(ev->file_path);
    for (uint8_t i = 0; i < ev->n_mail_to; i++)
        sum += touch(ev->mail_to[i]);
    for (size_t i = 0; i < ev->n_fields; i++)
        sum += touch(ev->fields[i].key) + touch(ev->fields[i].val);
    sink_bytes += sum;
    ts_alert_sink out = {on_alert, NULL};
    phishing->event(phish_state, ev, &out);
}

static void on_error(void *ud, const ts_diag *dg)
{
    (void)ud;
    sink_bytes += strlen(dg->file) + strlen(dg->msg);
}

static void on_link(void *ud, ts_str url, ts_str text)
{
    (void)ud;
    sink_bytes += touch(url) + touch(text);
}

static void on_form(void *ud, ts_str action, bool password)
{
    (void)ud;
    sink_bytes += touch(action) + password;
}

static void on_member(void *ud, ts_str name, bool encrypted)
{
    (void)ud;
    sink_bytes += touch(name) + encrypted;
}

static void helpers(const uint8_t *data, size_t size)
{
    ts_str s = ts_str_make((const char *)data, size < 300 ? size : 300);
    char buf[PHISH_NAME_MAX], why[160];
    bool mapped;
    uint32_t cp[64];
    sink_bytes += phish_registrable(s, buf);
    sink_bytes += phish_skeleton(s, buf, &mapped);
    sink_bytes += (size_t)phish_punycode(s, cp, 64);
    size_t half = s.n / 2;
    sink_bytes += phish_distance(ts_str_make(s.p, half), ts_str_make(s.p + half, s.n - half), 2);
    sink_bytes +=
        phish_imitates(ts_str_make(s.p, half), ts_str_make(s.p + half, s.n - half), why, sizeof why);
    mail_zip_members(data, size, on_member, NULL);
    mail_text_links((const char *)data, size, on_link, NULL);
    sink_bytes += strlen(mail_file_kind(s, data, size));
    sink_bytes += mail_pdf_traits(data, size, on_link, NULL);
    sink_bytes += mail_archive_encrypted(data, size);
    ts_str addr;
    if (mail_addr_scan(ts_str_make((const char *)data, size), &addr))
        sink_bytes += touch(addr) + mail_addr_ok(addr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ts_scratch scratch;
    static int ready;
    if (!ready) {
        if (ts_scratch_init(&scratch) != TOCSIN_OK)
            abort();
        for (size_t i = 0; ts_detectors[i]; i++)
            if (strcmp(ts_detectors[i]->name, "phishing") == 0)
                phishing = ts_detectors[i];
        ts_detect_ctx ctx = {0};
        phish_state = calloc(1, phishing->state_size);
        if (!phish_state || phishing->init(phish_state, &ctx) != TOCSIN_OK)
            abort();
        ready = 1;
    }
    helpers(data, size);
    ts_arena_reset(&scratch.arena);
    mail_html_links(&scratch.arena, (const char *)data, size, on_link, NULL);
    mail_html_forms(&scratch.arena, (const char *)data, size, on_form, NULL);
    sink_bytes += touch(mail_html_text(&scratch.arena, (const char *)data, size, 4096));
    int fd = memfd_create("fuzz_mail", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ts_sink sink = {on_event, on_error, NULL};
    static const char *const names[] = {"mail-eml", "mail-mbox"};
    for (size_t i = 0; i < 2; i++) {
        ts_input *in;
        char err[256];
        if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK)
            break;
        const char *head;
        size_t n = ts_input_peek(in, &head);
        sink_bytes += (size_t)mail_sniff_headers(head, n);
        ts_reader_find(names[i])->read(in, &scratch, &sink);
        ts_input_close(in);
    }
    close(fd);
    return 0;
}
