build-bench/src/api/session.o: src/api/session.c src/api/session.h \
 src/enrich/enrich.h src/core/event.h src/core/arena.h src/core/ip.h \
 src/core/str.h include/tocsin.h src/intel/intel.h src/store/store.h \
 src/correlate/correlate.h src/detect/detect.h src/correlate/suppress.h \
 src/attribute/attribute.h src/attribute/timezone.h src/attribute/evbuf.h \
 src/core/config.h src/core/esc.h src/report/report.h \
 src/store/store_read.h
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
src/attribute/attribute.h:
src/attribute/timezone.h:
src/attribute/evbuf.h:
src/core/config.h:
src/core/esc.h:
src/report/report.h:
src/store/store_read.h:
