build-bench/src/detect/destruction.o: src/detect/destruction.c \
 src/detect/alert_util.h src/detect/detect.h src/core/event.h \
 src/core/arena.h src/core/ip.h src/core/str.h src/intel/intel.h \
 include/tocsin.h src/detect/baseline.h src/core/config.h
src/detect/alert_util.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
src/detect/baseline.h:
src/core/config.h:
