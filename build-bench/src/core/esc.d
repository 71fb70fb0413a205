build-bench/src/core/esc.o: src/core/esc.c src/core/esc.h \
 src/core/utf8dec.h
src/core/esc.h:
src/core/utf8dec.h:
