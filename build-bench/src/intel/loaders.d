build-bench/src/intel/loaders.o: src/intel/loaders.c src/intel/loaders.h \
 src/intel/intel.h src/core/ip.h src/core/str.h include/tocsin.h
src/intel/loaders.h:
src/intel/intel.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
