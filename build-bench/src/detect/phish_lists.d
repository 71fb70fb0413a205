build-bench/src/detect/phish_lists.o: src/detect/phish_lists.c \
 src/core/utf8dec.h src/detect/phish_int.h src/core/str.h \
 src/detect/phish_lists.h
src/core/utf8dec.h:
src/detect/phish_int.h:
src/core/str.h:
src/detect/phish_lists.h:
