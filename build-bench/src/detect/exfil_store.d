build-bench/src/detect/exfil_store.o: src/detect/exfil_store.c \
 src/detect/exfil_int.h src/core/ip.h src/core/str.h include/tocsin.h
src/detect/exfil_int.h:
src/core/ip.h:
src/core/str.h:
include/tocsin.h:
