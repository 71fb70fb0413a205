build-bench/src/report/report_util.o: src/report/report_util.c \
 src/core/esc.h src/core/str.h src/report/report_int.h src/core/jsonw.h \
 src/store/store_read.h src/store/store.h src/correlate/correlate.h \
 src/detect/detect.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/intel/intel.h include/tocsin.h src/correlate/suppress.h
src/core/esc.h:
src/core/str.h:
src/report/report_int.h:
src/core/jsonw.h:
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
