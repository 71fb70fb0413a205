build-bench/src/eval/eval.o: src/eval/eval.c src/api/session.h \
 src/enrich/enrich.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/core/str.h include/tocsin.h src/intel/intel.h src/store/store.h \
 src/correlate/correlate.h src/detect/detect.h src/correlate/suppress.h \
 src/eval/eval.h src/store/store_read.h
src/api/session.h:
src/enrich/enrich.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
src/intel/intel.h:
src/store/store.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/correlate/suppress.h:
src/eval/eval.h:
src/store/store_read.h:
