build-bench/src/store/incident_write.o: src/store/incident_write.c \
 src/attribute/attribute.h src/correlate/correlate.h src/detect/detect.h \
 src/core/event.h src/core/arena.h src/core/ip.h src/core/str.h \
 src/intel/intel.h include/tocsin.h src/store/store_int.h \
 src/store/store.h src/correlate/suppress.h
src/attribute/attribute.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
src/store/store_int.h:
src/store/store.h:
src/correlate/suppress.h:
