build-bench/src/intel/ip_index.o: src/intel/ip_index.c \
 src/intel/intel_int.h src/intel/intel.h src/core/ip.h src/core/str.h \
 include/tocsin.h
src/intel/intel_int.h:
src/intel/intel.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
