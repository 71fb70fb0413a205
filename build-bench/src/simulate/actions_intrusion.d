build-bench/src/simulate/actions_intrusion.o: \
 src/simulate/actions_intrusion.c src/simulate/campaign.h \
 src/simulate/sim.h include/tocsin.h
src/simulate/campaign.h:
src/simulate/sim.h:
include/tocsin.h:
