build-bench/src/detect/intel_match.o: src/detect/intel_match.c \
 src/core/config.h include/tocsin.h src/detect/alert_util.h \
 src/detect/detect.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/core/str.h src/intel/intel.h
src/core/config.h:
include/tocsin.h:
src/detect/alert_util.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
