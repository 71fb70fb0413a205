build-bench/src/ingest/zeek_json.o: src/ingest/zeek_json.c \
 src/ingest/rd.h src/ingest/ingest.h src/core/arena.h src/core/event.h \
 src/core/ip.h src/core/str.h src/core/input.h include/tocsin.h \
 src/core/json.h src/ingest/zeek_map.h
src/ingest/rd.h:
src/ingest/ingest.h:
src/core/arena.h:
src/core/event.h:
src/core/ip.h:
src/core/str.h:
src/core/input.h:
include/tocsin.h:
src/core/json.h:
src/ingest/zeek_map.h:
