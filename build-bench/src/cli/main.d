build-bench/src/cli/main.o: src/cli/main.c src/cli/cli.h include/tocsin.h
src/cli/cli.h:
include/tocsin.h:
