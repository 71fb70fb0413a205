build-bench/src/ingest/evtx_tmpl.o: src/ingest/evtx_tmpl.c \
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
