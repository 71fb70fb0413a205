build-bench/src/intel/load.o: src/intel/load.c src/intel/loaders.h \
 src/intel/intel.h src/core/ip.h src/core/str.h include/tocsin.h
src/intel/loaders.h:
src/intel/intel.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
