build-bench/src/report/timeline.o: src/report/timeline.c src/core/jsonw.h \
 src/core/str.h src/report/report.h src/detect/detect.h src/core/event.h \
 src/core/arena.h src/core/ip.h src/intel/intel.h include/tocsin.h \
 src/enrich/enrich.h src/store/store.h src/correlate/correlate.h \
 src/correlate/suppress.h src/report/report_int.h src/store/store_read.h
src/core/jsonw.h:
src/core/str.h:
src/report/report.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/intel/intel.h:
include/tocsin.h:
src/enrich/enrich.h:
src/store/store.h:
src/correlate/correlate.h:
src/correlate/suppress.h:
src/report/report_int.h:
src/store/store_read.h:
