build-bench/src/api/events.o: src/api/events.c src/core/esc.h \
 src/core/input.h include/tocsin.h src/ingest/ingest.h src/core/arena.h \
 src/core/event.h src/core/ip.h src/core/str.h src/core/json.h \
 src/report/event_json.h src/core/jsonw.h
src/core/esc.h:
src/core/input.h:
include/tocsin.h:
src/ingest/ingest.h:
src/core/arena.h:
src/core/event.h:
src/core/ip.h:
src/core/str.h:
src/core/json.h:
src/report/event_json.h:
src/core/jsonw.h:
