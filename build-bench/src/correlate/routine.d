build-bench/src/correlate/routine.o: src/correlate/routine.c \
 src/correlate/routine.h src/core/config.h include/tocsin.h \
 src/correlate/correlate.h src/detect/detect.h src/core/event.h \
 src/core/arena.h src/core/ip.h src/core/str.h src/intel/intel.h
src/correlate/routine.h:
src/core/config.h:
include/tocsin.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
