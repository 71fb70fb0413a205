build-bench/src/core/json_dispatch.o: src/core/json_dispatch.c \
 src/core/json.h include/tocsin.h src/core/json_variant.h
src/core/json.h:
include/tocsin.h:
src/core/json_variant.h:
