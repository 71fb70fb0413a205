build-bench/src/intel/stix.o: src/intel/stix.c src/core/arena.h \
 src/intel/feedkit.h src/intel/intel.h src/core/ip.h src/core/str.h \
 include/tocsin.h src/intel/loaders.h src/intel/stix_pattern.h
src/core/arena.h:
src/intel/feedkit.h:
src/intel/intel.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
src/intel/loaders.h:
src/intel/stix_pattern.h:
