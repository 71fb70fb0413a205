build-bench/src/ingest/winlogbeat.o: src/ingest/winlogbeat.c \
 src/ingest/rd.h src/ingest/ingest.h src/core/arena.h src/core/event.h \
 src/core/ip.h src/core/str.h src/core/input.h include/tocsin.h \
 src/core/json.h
src/ingest/rd.h:
src/ingest/ingest.h:
src/core/arena.h:
src/core/event.h:
src/core/ip.h:
src/core/str.h:
src/core/input.h:
include/tocsin.h:
src/core/json.h:
