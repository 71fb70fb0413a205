build-bench/src/intel/list.o: src/intel/list.c src/intel/linefeed.h \
 src/intel/intel_int.h src/intel/intel.h src/core/ip.h src/core/str.h \
 include/tocsin.h src/intel/loaders.h
src/intel/linefeed.h:
src/intel/intel_int.h:
src/intel/intel.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
src/intel/loaders.h:
