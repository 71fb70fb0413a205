build-bench/src/intel/misp.o: src/intel/misp.c src/intel/feedkit.h \
 src/intel/intel.h src/core/ip.h src/core/str.h include/tocsin.h \
 src/intel/loaders.h
src/intel/feedkit.h:
src/intel/intel.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
src/intel/loaders.h:
