build-bench/src/eval/score.o: src/eval/score.c src/eval/eval.h \
 src/store/store_read.h src/store/store.h src/correlate/correlate.h \
 src/detect/detect.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/core/str.h src/intel/intel.h include/tocsin.h \
 src/correlate/suppress.h
src/eval/eval.h:
src/store/store_read.h:
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
