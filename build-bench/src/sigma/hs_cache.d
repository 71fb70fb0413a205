build-bench/src/sigma/hs_cache.o: src/sigma/hs_cache.c \
 src/sigma/hs_cache.h /usr/include/hs/hs.h /usr/include/hs/hs_compile.h \
 /usr/include/hs/hs_common.h /usr/include/hs/hs_runtime.h \
 src/core/cachedir.h src/core/sha256.h include/tocsin.h
src/sigma/hs_cache.h:
/usr/include/hs/hs.h:
/usr/include/hs/hs_compile.h:
/usr/include/hs/hs_common.h:
/usr/include/hs/hs_runtime.h:
src/core/cachedir.h:
src/core/sha256.h:
include/tocsin.h:
