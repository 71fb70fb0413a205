build-bench/src/intel/feedkit.o: src/intel/feedkit.c src/intel/feedkit.h \
 src/intel/intel.h src/core/ip.h src/core/str.h include/tocsin.h
src/intel/feedkit.h:
src/intel/intel.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
