build-bench/src/sigma/load.o: src/sigma/load.c src/core/input.h \
 include/tocsin.h src/sigma/sigma_int.h src/core/arena.h src/core/ip.h \
 src/core/str.h src/sigma/sigma.h src/core/event.h
src/core/input.h:
include/tocsin.h:
src/sigma/sigma_int.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/sigma/sigma.h:
src/core/event.h:
