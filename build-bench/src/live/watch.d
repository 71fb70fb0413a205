build-bench/src/live/watch.o: src/live/watch.c src/api/session.h \
 src/enrich/enrich.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/core/str.h include/tocsin.h src/intel/intel.h src/store/store.h \
 src/correlate/correlate.h src/detect/detect.h src/correlate/suppress.h \
 src/attribute/attribute.h src/core/esc.h src/core/jsonw.h \
 src/live/live.h src/ingest/ingest.h src/core/input.h src/core/json.h
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
src/attribute/attribute.h:
src/core/esc.h:
src/core/jsonw.h:
src/live/live.h:
src/ingest/ingest.h:
src/core/input.h:
src/core/json.h:
