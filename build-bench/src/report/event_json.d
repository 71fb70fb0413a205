build-bench/src/report/event_json.o: src/report/event_json.c \
 src/report/event_json.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/core/str.h src/core/jsonw.h
src/report/event_json.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/core/jsonw.h:
