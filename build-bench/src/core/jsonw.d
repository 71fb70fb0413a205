build-bench/src/core/jsonw.o: src/core/jsonw.c src/core/jsonw.h \
 src/core/utf8dec.h
src/core/jsonw.h:
src/core/utf8dec.h:
