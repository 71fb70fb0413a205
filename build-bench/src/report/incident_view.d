build-bench/src/report/incident_view.o: src/report/incident_view.c \
 src/core/esc.h src/report/report.h src/detect/detect.h src/core/event.h \
 src/core/arena.h src/core/ip.h src/core/str.h src/intel/intel.h \
 include/tocsin.h src/enrich/enrich.h src/store/store.h \
 src/correlate/correlate.h src/correlate/suppress.h \
 src/report/report_int.h src/core/jsonw.h src/store/store_read.h
src/core/esc.h:
src/report/report.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
src/enrich/enrich.h:
src/store/store.h:
src/correlate/correlate.h:
src/correlate/suppress.h:
src/report/report_int.h:
src/core/jsonw.h:
src/store/store_read.h:
