build-bench/src/simulate/normal.o: src/simulate/normal.c \
 src/simulate/sim.h include/tocsin.h
src/simulate/sim.h:
include/tocsin.h:
