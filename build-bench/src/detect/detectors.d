build-bench/src/detect/detectors.o: src/detect/detectors.c \
 src/detect/detect.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/core/str.h src/intel/intel.h include/tocsin.h
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
