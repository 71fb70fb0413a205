build-bench/src/simulate/win.o: src/simulate/win.c src/simulate/sim.h \
 include/tocsin.h
src/simulate/sim.h:
include/tocsin.h:
