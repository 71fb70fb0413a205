build-bench/src/core/config.o: src/core/config.c src/core/config.h \
 include/tocsin.h src/core/str.h
src/core/config.h:
include/tocsin.h:
src/core/str.h:
