/* fuzz_readers.c: libFuzzer target feeding arbitrary bytes (plain or gzip) to the input
 * layer, the JSON walker and every registered reader. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/input.h"
#include "core/json.h"
#include "ingest/ingest.h"

static volatile size_t sink_bytes;

/* Reads every byte an event lends, so a view past its buffer shows up under ASan. */
static size_t touch(ts_str s)
{
    size_t sum = 0;
    for (size_t i = 0; i < s.n; i++)
        sum += (unsigned char)s.p[i];
    return sum;
}

static void on_event(void *ud, ts_event *ev)
{
    (void)ud;
    size_t sum = touch(ev->dataset) + touch(ev->action) + touch(ev->user) + touch(ev->domain) +
                 touch(ev->url) + touch(ev->user_agent) + touch(ev->file_path) + touch(ev->md5) +
                 touch(ev->mail_from) + touch(ev->process) + touch(ev->command_line) + touch(ev->rule_name) +
                 touch(ev->host) + touch(ev->channel) + touch(ev->provider) + touch(ev->user_domain) +
                 touch(ev->src_host) + touch(ev->transport) + touch(ev->protocol) + touch(ev->sha256) +
                 touch(ev->mail_subject);
    for (uint8_t i = 0; i < ev->n_mail_to; i++)
        sum += touch(ev->mail_to[i]);
    for (size_t i = 0; i < ev->n_fields; i++)
        sum += touch(ev->fields[i].key) + touch(ev->fields[i].val);
    sink_bytes += sum;
}

static void on_error(void *ud, const ts_diag *dg)
{
    (void)ud;
    sink_bytes += strlen(dg->file) + strlen(dg->msg);
}

static int leaf(void *ud, const char *path, size_t plen, ts_json_type t, const char *v, size_t vn)
{
    (void)ud, (void)t;
    sink_bytes += touch(ts_str_make(path, plen)) + touch(ts_str_make(v, vn));
    return 0;
}

static void walk_json(ts_json *j, const uint8_t *data, size_t size)
{
    char *buf = malloc(size + TS_JSON_PAD);
    if (!buf)
        return;
    memcpy(buf, data, size);
    memset(buf + size, 0, TS_JSON_PAD);
    ts_json_walk(j, buf, size, leaf, NULL, NULL);
    free(buf);
}

static void elements(const char *path)
{
    ts_input *in;
    char err[256];
    if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK)
        return;
    const char *e;
    size_t n;
    tocsin_code rc;
    while (((rc = ts_input_json_element(in, &e, &n)) == TOCSIN_OK && e) || rc == TOCSIN_E_TOOLONG)
        if (e)
            sink_bytes += touch(ts_str_make(e, n));
    ts_input_close(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ts_scratch scratch;
    static int ready;
    if (!ready) {
        if (ts_scratch_init(&scratch) != TOCSIN_OK)
            abort();
        ready = 1;
    }
    walk_json(scratch.json, data, size);
    int fd = memfd_create("fuzz_readers", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ts_sink sink = {on_event, on_error, NULL};
    for (size_t i = 0; ts_readers[i]; i++) {
        ts_input *in;
        char err[256];
        if (ts_input_open(path, &in, err, sizeof err) != TOCSIN_OK)
            break;
        const char *head;
        size_t n = ts_input_peek(in, &head);
        ts_reader_detect(head, n);
        ts_readers[i]->read(in, &scratch, &sink);
        ts_input_close(in);
    }
    elements(path);
    close(fd);
    return 0;
}
