build-bench/src/correlate/binding.o: src/correlate/binding.c \
 src/correlate/binding.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/core/str.h src/correlate/entity.h src/detect/baseline.h \
 src/core/config.h include/tocsin.h src/detect/detect.h src/intel/intel.h
src/correlate/binding.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/correlate/entity.h:
src/detect/baseline.h:
src/core/config.h:
include/tocsin.h:
src/detect/detect.h:
src/intel/intel.h:
