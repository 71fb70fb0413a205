build-bench/src/live/reload.o: src/live/reload.c src/api/session.h \
 src/enrich/enrich.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/core/str.h include/tocsin.h src/intel/intel.h src/store/store.h \
 src/correlate/correlate.h src/detect/detect.h src/correlate/suppress.h \
 src/live/live.h src/ingest/ingest.h src/core/input.h src/core/json.h \
 src/store/store_read.h
src/api/session.h:
src/enrich/enrich.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
src/intel/intel.h:
src/store/store.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/correlate/suppress.h:
src/live/live.h:
src/ingest/ingest.h:
src/core/input.h:
src/core/json.h:
src/store/store_read.h:
