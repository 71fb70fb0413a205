build-bench/src/simulate/campaign.o: src/simulate/campaign.c \
 src/simulate/campaign.h src/simulate/sim.h include/tocsin.h
src/simulate/campaign.h:
src/simulate/sim.h:
include/tocsin.h:
