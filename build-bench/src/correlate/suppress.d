build-bench/src/correlate/suppress.o: src/correlate/suppress.c \
 src/correlate/suppress.h src/correlate/correlate.h src/detect/detect.h \
 src/core/event.h src/core/arena.h src/core/ip.h src/core/str.h \
 src/intel/intel.h include/tocsin.h
src/correlate/suppress.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
