/* evtx.c: the native Windows EVTX reader (ts_reader "evtx"), sniffed by its "ElfFile\0"
 * signature; reads the file chunk by chunk through ts_input_read. */
#include <string.h>

#include "ingest/evtx/evtx_int.h"

static int evtx_sniff(const char *head, size_t len)
{
    return len >= 8 && memcmp(head, "ElfFile\0", 8) == 0 ? 100 : 0;
}

static tocsin_code input_read(void *ud, void *buf, size_t n, size_t *got)
{
    return ts_input_read(ud, buf, n, got);
}

static tocsin_code evtx_read(ts_input *in, ts_scratch *scratch, const ts_sink *sink)
{
    return evtx_read_stream(input_read, in, ts_input_path(in), scratch, sink, ts_winevent_normalise, 0);
}

const ts_reader ts_reader_evtx = {
    .name = "evtx",
    .summary = "Windows event log files (.evtx), read natively",
    .sniff = evtx_sniff,
    .read = evtx_read,
};
