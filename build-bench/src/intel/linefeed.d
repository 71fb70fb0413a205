build-bench/src/intel/linefeed.o: src/intel/linefeed.c \
 src/intel/linefeed.h src/intel/intel_int.h src/intel/intel.h \
 src/core/ip.h src/core/str.h include/tocsin.h
src/intel/linefeed.h:
src/intel/intel_int.h:
src/intel/intel.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
