build-bench/src/detect/phish_body.o: src/detect/phish_body.c \
 src/detect/phish_state.h src/detect/alert_util.h src/detect/detect.h \
 src/core/event.h src/core/arena.h src/core/ip.h src/core/str.h \
 src/intel/intel.h include/tocsin.h src/detect/phish_int.h \
 src/detect/phish_lists.h
src/detect/phish_state.h:
src/detect/alert_util.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
src/detect/phish_int.h:
src/detect/phish_lists.h:
