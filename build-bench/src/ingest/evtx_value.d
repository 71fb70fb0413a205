build-bench/src/ingest/evtx_value.o: src/ingest/evtx_value.c \
 src/ingest/evtx_int.h src/core/arena.h src/ingest/ingest.h \
 src/core/event.h src/core/ip.h src/core/str.h src/core/input.h \
 include/tocsin.h src/core/json.h
src/ingest/evtx_int.h:
src/core/arena.h:
src/ingest/ingest.h:
src/core/event.h:
src/core/ip.h:
src/core/str.h:
src/core/input.h:
include/tocsin.h:
src/core/json.h:
