build-bench/src/ingest/winevent_fields.o: src/ingest/winevent_fields.c \
 src/ingest/ingest.h src/core/arena.h src/core/event.h src/core/ip.h \
 src/core/str.h src/core/input.h include/tocsin.h src/core/json.h \
 src/ingest/rd.h
src/ingest/ingest.h:
src/core/arena.h:
src/core/event.h:
src/core/ip.h:
src/core/str.h:
src/core/input.h:
include/tocsin.h:
src/core/json.h:
src/ingest/rd.h:
