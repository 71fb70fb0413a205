build-bench/src/ingest/winxml.o: src/ingest/winxml.c src/ingest/winxml.h \
 src/ingest/rd.h src/ingest/ingest.h src/core/arena.h src/core/event.h \
 src/core/ip.h src/core/str.h src/core/input.h include/tocsin.h \
 src/core/json.h
src/ingest/winxml.h:
src/ingest/rd.h:
src/ingest/ingest.h:
src/core/arena.h:
src/core/event.h:
src/core/ip.h:
src/core/str.h:
src/core/input.h:
include/tocsin.h:
src/core/json.h:
