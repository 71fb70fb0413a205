build-bench/src/correlate/entity.o: src/correlate/entity.c \
 src/correlate/entity.h src/core/ip.h src/core/str.h
src/correlate/entity.h:
src/core/ip.h:
src/core/str.h:
