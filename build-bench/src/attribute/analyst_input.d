build-bench/src/attribute/analyst_input.o: src/attribute/analyst_input.c \
 src/attribute/attribute.h src/correlate/correlate.h src/detect/detect.h \
 src/core/event.h src/core/arena.h src/core/ip.h src/core/str.h \
 src/intel/intel.h include/tocsin.h src/attribute/evbuf.h
src/attribute/attribute.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
src/attribute/evbuf.h:
