build-bench/src/simulate/simulate.o: src/simulate/simulate.c \
 src/simulate/campaign.h src/simulate/sim.h include/tocsin.h
src/simulate/campaign.h:
src/simulate/sim.h:
include/tocsin.h:
