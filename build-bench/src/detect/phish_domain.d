build-bench/src/detect/phish_domain.o: src/detect/phish_domain.c \
 src/detect/phish_int.h src/core/str.h
src/detect/phish_int.h:
src/core/str.h:
