/* json_simd.cpp: the JSON walk for any x86-64 (simdjson's portable On-Demand kernel). */
#define TS_JSON_VARIANT generic
#include "core/json_simd_impl.h"
