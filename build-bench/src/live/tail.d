build-bench/src/live/tail.o: src/live/tail.c src/live/live.h \
 src/ingest/ingest.h src/core/arena.h src/core/event.h src/core/ip.h \
 src/core/str.h src/core/input.h include/tocsin.h src/core/json.h \
 src/store/store.h src/correlate/correlate.h src/detect/detect.h \
 src/intel/intel.h src/correlate/suppress.h
src/live/live.h:
src/ingest/ingest.h:
src/core/arena.h:
src/core/event.h:
src/core/ip.h:
src/core/str.h:
src/core/input.h:
include/tocsin.h:
src/core/json.h:
src/store/store.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/intel/intel.h:
src/correlate/suppress.h:
