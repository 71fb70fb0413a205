build-bench/src/simulate/mail.o: src/simulate/mail.c src/simulate/sim.h \
 include/tocsin.h
src/simulate/sim.h:
include/tocsin.h:
