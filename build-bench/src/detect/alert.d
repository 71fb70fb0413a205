build-bench/src/detect/alert.o: src/detect/alert.c \
 src/detect/alert_util.h src/detect/detect.h src/core/event.h \
 src/core/arena.h src/core/ip.h src/core/str.h src/intel/intel.h \
 include/tocsin.h
src/detect/alert_util.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
