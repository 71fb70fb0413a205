build-bench/src/correlate/correlate.o: src/correlate/correlate.c \
 src/correlate/correlate.h src/detect/detect.h src/core/event.h \
 src/core/arena.h src/core/ip.h src/core/str.h src/intel/intel.h \
 include/tocsin.h src/attribute/attribute.h src/correlate/binding.h \
 src/correlate/entity.h
src/correlate/correlate.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
src/attribute/attribute.h:
src/correlate/binding.h:
src/correlate/entity.h:
