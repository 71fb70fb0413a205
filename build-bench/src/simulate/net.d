build-bench/src/simulate/net.o: src/simulate/net.c src/simulate/sim.h \
 include/tocsin.h
src/simulate/sim.h:
include/tocsin.h:
