build-bench/src/ingest/mail_mbox.o: src/ingest/mail_mbox.c \
 src/ingest/mail_int.h src/ingest/rd.h src/ingest/ingest.h \
 src/core/arena.h src/core/event.h src/core/ip.h src/core/str.h \
 src/core/input.h include/tocsin.h src/core/json.h
src/ingest/mail_int.h:
src/ingest/rd.h:
src/ingest/ingest.h:
src/core/arena.h:
src/core/event.h:
src/core/ip.h:
src/core/str.h:
src/core/input.h:
include/tocsin.h:
src/core/json.h:
