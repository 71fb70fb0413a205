build-bench/src/sigma/matcher.o: src/sigma/matcher.c /usr/include/hs/hs.h \
 /usr/include/hs/hs_compile.h /usr/include/hs/hs_common.h \
 /usr/include/hs/hs_runtime.h src/sigma/hs_cache.h src/sigma/sigma_int.h \
 src/core/arena.h src/core/ip.h src/core/str.h src/sigma/sigma.h \
 src/core/event.h include/tocsin.h
/usr/include/hs/hs.h:
/usr/include/hs/hs_compile.h:
/usr/include/hs/hs_common.h:
/usr/include/hs/hs_runtime.h:
src/sigma/hs_cache.h:
src/sigma/sigma_int.h:
src/core/arena.h:
src/core/ip.h:
src/core/str.h:
src/sigma/sigma.h:
src/core/event.h:
include/tocsin.h:
