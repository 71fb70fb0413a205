build-bench/src/core/ip.o: src/core/ip.c src/core/ip.h src/core/str.h
src/core/ip.h:
src/core/str.h:
