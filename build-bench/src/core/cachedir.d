build-bench/src/core/cachedir.o: src/core/cachedir.c src/core/cachedir.h
src/core/cachedir.h:
