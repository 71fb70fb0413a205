build-bench/src/intel/actors.o: src/intel/actors.c src/core/attack.h \
 src/core/str.h include/tocsin.h src/intel/intel_int.h src/intel/intel.h \
 src/core/ip.h
src/core/attack.h:
src/core/str.h:
include/tocsin.h:
src/intel/intel_int.h:
src/intel/intel.h:
src/core/ip.h:
