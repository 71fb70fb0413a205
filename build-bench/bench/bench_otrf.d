build-bench/bench/bench_otrf: bench/bench_otrf.c src/core/attack.h \
 src/core/str.h include/tocsin.h src/core/config.h src/core/input.h \
 src/detect/detect.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/intel/intel.h src/enrich/enrich.h src/ingest/ingest.h \
 src/core/json.h
src/core/attack.h:
src/core/str.h:
include/tocsin.h:
src/core/config.h:
src/core/input.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/intel/intel.h:
src/enrich/enrich.h:
src/ingest/ingest.h:
src/core/json.h:
