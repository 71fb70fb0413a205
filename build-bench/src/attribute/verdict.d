build-bench/src/attribute/verdict.o: src/attribute/verdict.c \
 src/attribute/model.h src/attribute/model_int.h \
 src/attribute/attribute.h src/correlate/correlate.h src/detect/detect.h \
 src/core/event.h src/core/arena.h src/core/ip.h src/core/str.h \
 src/intel/intel.h include/tocsin.h
src/attribute/model.h:
src/attribute/model_int.h:
src/attribute/attribute.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
