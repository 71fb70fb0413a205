build-bench/src/simulate/zeek.o: src/simulate/zeek.c src/simulate/sim.h \
 include/tocsin.h
src/simulate/sim.h:
include/tocsin.h:
