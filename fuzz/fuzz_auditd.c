/* fuzz_auditd.c: libFuzzer target for the Linux audit log reader: arbitrary bytes as an
 * audit.log (raw, enriched or ausearch -i), every byte of every event touched. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/input.h"
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
    size_t sum = touch(ev->dataset) + touch(ev->action) + touch(ev->user) + touch(ev->process) +
                 touch(ev->command_line) + touch(ev->parent_process) + touch(ev->host) + touch(ev->provider) +
                 touch(ev->file_path) + touch(ev->src_host) + ev->code;
    for (size_t i = 0; i < ev->n_fields; i++)
        sum += touch(ev->fields[i].key) + touch(ev->fields[i].val);
    sink_bytes += sum;
}

static void on_error(void *ud, const ts_diag *dg)
{
    (void)ud;
    sink_bytes += strlen(dg->file) + strlen(dg->msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ts_scratch scratch;
    static const ts_reader *reader;
    if (!reader) {
        reader = ts_reader_find("linux-auditd");
        if (!reader || ts_scratch_init(&scratch) != TOCSIN_OK)
            abort();
    }
    int fd = memfd_create("fuzz_auditd", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ts_input *in;
    char err[256];
    if (ts_input_open(path, &in, err, sizeof err) == TOCSIN_OK) {
        const char *head;
        size_t n = ts_input_peek(in, &head);
        sink_bytes += (size_t)reader->sniff(head, n);
        ts_sink sink = {on_event, on_error, NULL};
        reader->read(in, &scratch, &sink);
        ts_input_close(in);
    }
    close(fd);
    return 0;
}
