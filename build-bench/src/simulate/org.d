build-bench/src/simulate/org.o: src/simulate/org.c src/simulate/sim.h \
 include/tocsin.h
src/simulate/sim.h:
include/tocsin.h:
