build-bench/src/core/input.o: src/core/input.c src/core/input.h \
 include/tocsin.h src/core/json.h
src/core/input.h:
include/tocsin.h:
src/core/json.h:
