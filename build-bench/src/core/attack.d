build-bench/src/core/attack.o: src/core/attack.c src/core/attack.h \
 src/core/str.h include/tocsin.h
src/core/attack.h:
src/core/str.h:
include/tocsin.h:
