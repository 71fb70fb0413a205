build-bench/src/sigma/value.o: src/sigma/value.c src/sigma/sigma_int.h \
 src/core/arena.h src/core/ip.h src/core/str.h src/sigma/sigma.h \
 src/core/event.h include/tocsin.h
src/sigma/sigma_int.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/sigma/sigma.h:
src/core/event.h:
include/tocsin.h:
