build-bench/src/core/error.o: src/core/error.c include/tocsin.h
include/tocsin.h:
