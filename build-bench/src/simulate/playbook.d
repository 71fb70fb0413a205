build-bench/src/simulate/playbook.o: src/simulate/playbook.c \
 src/simulate/campaign.h src/simulate/sim.h include/tocsin.h
src/simulate/campaign.h:
src/simulate/sim.h:
include/tocsin.h:
