build-bench/src/core/json_simd_haswell.o: src/core/json_simd_haswell.cpp \
 src/core/json_simd_impl.h src/core/json.h include/tocsin.h \
 src/core/json_variant.h
src/core/json_simd_impl.h:
src/core/json.h:
include/tocsin.h:
src/core/json_variant.h:
