build-bench/src/simulate/conf.o: src/simulate/conf.c src/core/esc.h \
 src/simulate/sim.h include/tocsin.h
src/core/esc.h:
src/simulate/sim.h:
include/tocsin.h:
