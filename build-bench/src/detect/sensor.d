build-bench/src/detect/sensor.o: src/detect/sensor.c src/core/config.h \
 include/tocsin.h src/detect/alert_util.h src/detect/detect.h \
 src/core/event.h src/core/arena.h src/core/ip.h src/core/str.h \
 src/intel/intel.h
src/core/config.h:
include/tocsin.h:
src/detect/alert_util.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
