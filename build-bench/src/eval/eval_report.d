build-bench/src/eval/eval_report.o: src/eval/eval_report.c src/core/esc.h \
 src/core/jsonw.h src/core/str.h src/eval/eval.h src/store/store_read.h \
 src/store/store.h src/correlate/correlate.h src/detect/detect.h \
 src/core/event.h src/core/arena.h src/core/ip.h src/intel/intel.h \
 include/tocsin.h src/correlate/suppress.h
src/core/esc.h:
src/core/jsonw.h:
src/core/str.h:
src/eval/eval.h:
src/store/store_read.h:
src/store/store.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/intel/intel.h:
include/tocsin.h:
src/correlate/suppress.h:
