build-bench/src/report/attribution_view.o: src/report/attribution_view.c \
 src/attribute/attribute.h src/correlate/correlate.h src/detect/detect.h \
 src/core/event.h src/core/arena.h src/core/ip.h src/core/str.h \
 src/intel/intel.h include/tocsin.h src/core/esc.h src/core/jsonw.h \
 src/report/report.h src/enrich/enrich.h src/store/store.h \
 src/correlate/suppress.h
src/attribute/attribute.h:
src/correlate/correlate.h:
src/detect/detect.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/intel/intel.h:
include/tocsin.h:
src/core/esc.h:
src/core/jsonw.h:
src/report/report.h:
src/enrich/enrich.h:
src/store/store.h:
src/correlate/suppress.h:
