build-bench/src/simulate/out.o: src/simulate/out.c src/simulate/sim.h \
 include/tocsin.h
src/simulate/sim.h:
include/tocsin.h:
