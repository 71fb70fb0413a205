build-bench/src/api/hunt.o: src/api/hunt.c src/api/merge.h \
 src/ingest/ingest.h src/core/arena.h src/core/event.h src/core/ip.h \
 src/core/str.h src/core/input.h include/tocsin.h src/core/json.h \
 src/api/session.h src/enrich/enrich.h src/intel/intel.h \
 src/store/store.h src/correlate/correlate.h src/detect/detect.h \
 src/correlate/suppress.h src/core/esc.h src/attribute/attribute.h \
 src/core/config.h src/correlate/routine.h src/report/report.h \
 src/report/report_int.h src/core/jsonw.h src/store/store_read.h
src/api/merge.h:
src/ingest/ingest.h:
src/core/arena.h:
src/core/event.h:
src/core/ip.h:
src/core/str.h:
src/core/input.h:
include/tocsin.h:
src/core/json.h:
src/api/session.h:
src/enrich/enrich.h:
src/intel/intel.h:
src/store/store.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/correlate/suppress.h:
src/core/esc.h:
src/attribute/attribute.h:
src/core/config.h:
src/correlate/routine.h:
src/report/report.h:
src/report/report_int.h:
src/core/jsonw.h:
src/store/store_read.h:
