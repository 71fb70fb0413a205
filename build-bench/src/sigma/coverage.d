build-bench/src/sigma/coverage.o: src/sigma/coverage.c \
 src/sigma/sigma_int.h src/core/arena.h src/core/ip.h src/core/str.h \
 src/sigma/sigma.h src/core/event.h include/tocsin.h
src/sigma/sigma_int.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/sigma/sigma.h:
src/core/event.h:
include/tocsin.h:
