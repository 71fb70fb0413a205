build-bench/src/enrich/enrich.o: src/enrich/enrich.c src/enrich/enrich.h \
 src/core/event.h src/core/arena.h src/core/ip.h src/core/str.h \
 include/tocsin.h src/enrich/enrich_priv.h src/enrich/geo4.h
src/enrich/enrich.h:
src/core/event.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
src/enrich/enrich_priv.h:
src/enrich/geo4.h:
