build-bench/src/core/event.o: src/core/event.c src/core/event.h \
 src/core/arena.h src/core/ip.h src/core/str.h
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
