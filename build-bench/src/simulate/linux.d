build-bench/src/simulate/linux.o: src/simulate/linux.c src/simulate/sim.h \
 include/tocsin.h
src/simulate/sim.h:
include/tocsin.h:
