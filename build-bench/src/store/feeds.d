build-bench/src/store/feeds.o: src/store/feeds.c src/core/sha256.h \
 src/store/store_int.h src/store/store.h src/correlate/correlate.h \
 src/detect/detect.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/core/str.h src/intel/intel.h include/tocsin.h \
 src/correlate/suppress.h
src/core/sha256.h:
src/store/store_int.h:
src/store/store.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
src/correlate/suppress.h:
