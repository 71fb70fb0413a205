build-bench/src/core/json_simd.o: src/core/json_simd.cpp \
 src/core/json_simd_impl.h src/core/json.h include/tocsin.h \
 src/core/json_variant.h
src/core/json_simd_impl.h:
src/core/json.h:
include/tocsin.h:
src/core/json_variant.h:
