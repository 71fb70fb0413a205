/* json_simd_haswell.cpp: the JSON walk built for AVX2 (the Makefile compiles this file alone with
 * -mavx2 and friends); only called on processors that have them (json_dispatch.c).
 *
 * simdjson picks its On-Demand kernel when it is compiled, from the instruction set the
 * compiler may use: built for plain x86-64 it is the portable one, and a reader ran at
 * 462 MB/s where this build runs at 676 MB/s (bench_ingest_json, 105 MB of Zeek JSON).
 * simdjson's inline helpers outside its kernel namespaces are compiled here too; the
 * linker keeps the first copy it meets, json_simd.o's, as libtocsin.a lists it first. */
#define TS_JSON_VARIANT haswell
#include "core/json_simd_impl.h"
