build-bench/src/enrich/geo4.o: src/enrich/geo4.c src/enrich/geo4.h \
 src/core/event.h src/core/arena.h src/core/ip.h src/core/str.h \
 src/core/cachedir.h
src/enrich/geo4.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/core/cachedir.h:
