/* simdjson_baseline.h: plain simdjson over an NDJSON buffer (with SIMDJSON_PADDING readable
 * bytes after it), the yardstick of bench_ingest_json. Both return a checksum of every key
 * and value visited and set *records to the objects walked. */
#ifndef TS_BENCH_SIMDJSON_BASELINE_H
#define TS_BENCH_SIMDJSON_BASELINE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One On-Demand iterate() per line, as the readers do. */
size_t simd_baseline_lines(const char *buf, size_t len, size_t *records);
/* simdjson's iterate_many over the whole buffer, its fastest NDJSON mode. */
size_t simd_baseline_many(const char *buf, size_t len, size_t *records);

/* One of the two over a file, read as simdjson reads files (padded_string::load): 0 and
 * *records 0 when it cannot be read. */
size_t simd_baseline_file(const char *path, int many, size_t *records);

#ifdef __cplusplus
}
#endif
#endif
