build-bench/src/detect/beacon_stats.o: src/detect/beacon_stats.c \
 src/detect/beacon_stats.h
src/detect/beacon_stats.h:
