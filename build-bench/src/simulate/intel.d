build-bench/src/simulate/intel.o: src/simulate/intel.c \
 src/simulate/campaign.h src/simulate/sim.h include/tocsin.h
src/simulate/campaign.h:
src/simulate/sim.h:
include/tocsin.h:
