build-bench/src/cli/args.o: src/cli/args.c src/cli/cli.h include/tocsin.h
src/cli/cli.h:
include/tocsin.h:
