build-bench/src/detect/exfil.o: src/detect/exfil.c src/core/config.h \
 include/tocsin.h src/detect/alert_util.h src/detect/detect.h \
 src/core/event.h src/core/arena.h src/core/ip.h src/core/str.h \
 src/intel/intel.h src/detect/baseline.h src/detect/behave_util.h \
 src/detect/exfil_int.h
src/core/config.h:
include/tocsin.h:
src/detect/alert_util.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
src/detect/baseline.h:
src/detect/behave_util.h:
src/detect/exfil_int.h:
