build-bench/src/sigma/rule.o: src/sigma/rule.c src/core/attack.h \
 src/core/str.h include/tocsin.h src/sigma/sigma_int.h src/core/arena.h \
 src/core/ip.h src/sigma/sigma.h src/core/event.h
src/core/attack.h:
src/core/str.h:
include/tocsin.h:
src/sigma/sigma_int.h:
src/core/arena.h:
src/core/ip.h:
src/sigma/sigma.h:
src/core/event.h:
