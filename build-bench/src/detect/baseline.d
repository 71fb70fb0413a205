build-bench/src/detect/baseline.o: src/detect/baseline.c \
 src/detect/baseline.h src/core/config.h include/tocsin.h src/core/str.h \
 src/detect/detect.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/intel/intel.h
src/detect/baseline.h:
src/core/config.h:
include/tocsin.h:
src/core/str.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/intel/intel.h:
