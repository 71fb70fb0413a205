build-bench/src/simulate/actions.o: src/simulate/actions.c \
 src/simulate/campaign.h src/simulate/sim.h include/tocsin.h
src/simulate/campaign.h:
src/simulate/sim.h:
include/tocsin.h:
