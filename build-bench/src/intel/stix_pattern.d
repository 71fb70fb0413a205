build-bench/src/intel/stix_pattern.o: src/intel/stix_pattern.c \
 src/intel/stix_pattern.h src/intel/intel.h src/core/ip.h src/core/str.h \
 include/tocsin.h
src/intel/stix_pattern.h:
src/intel/intel.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
