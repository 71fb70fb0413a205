# tocsin: libtocsin.a, the tocsin CLI, tests, benchmarks and fuzz targets.
#   make            build (build/)
#   make SAN=1      build with AddressSanitizer and UndefinedBehaviorSanitizer (build-san/)
#   make check      build and run every test (tests/run.sh)
#   make fuzz       build the libFuzzer targets with clang (build-fuzz/)

CC ?= gcc
CXX ?= g++
PKGS := sqlite3 libpq zlib libloc simdjson jansson gmime-3.0 yaml-0.1 libhs libpcre2-8 libpsl hiredis
DATA_DIR ?= $(abspath data)

ifeq ($(SAN),1)
BUILD ?= build-san
OPT := -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD ?= build
OPT := -O2
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
CPPFLAGS := -Iinclude -Isrc -D_GNU_SOURCE -DTOCSIN_DATA_DIR='"$(DATA_DIR)"' $(shell pkg-config --cflags $(PKGS))
CFLAGS := -std=c11 -g $(OPT) $(WARN) -MMD -MP
CXXFLAGS := -std=c++17 -g $(OPT) $(WARN) -MMD -MP
LDLIBS := $(shell pkg-config --libs $(PKGS)) -lstdc++ -lm -lpthread
LDFLAGS := $(OPT)

LIB_C := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
LIB_CXX := $(shell find src -name '*.cpp' | sort)
CLI_C := $(sort $(wildcard src/cli/*.c))
LIB_OBJ := $(LIB_C:%.c=$(BUILD)/%.o) $(LIB_CXX:%.cpp=$(BUILD)/%.o)
CLI_OBJ := $(CLI_C:%.c=$(BUILD)/%.o)
TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(sort $(wildcard tests/test_*.c)))
BENCHES := $(patsubst bench/%.c,$(BUILD)/bench/%,$(sort $(wildcard bench/*.c)))
FUZZERS := $(patsubst fuzz/%.c,build-fuzz/%,$(sort $(wildcard fuzz/fuzz_*.c)))

.PHONY: all tests bench fuzz check clean
all: $(BUILD)/tocsin $(TESTS)
tests: $(TESTS)
bench: $(BENCHES) $(BUILD)/tocsin

# The JSON walk's second build, for AVX2 processors (src/core/json_simd_haswell.cpp says why);
# the JSON benchmarks' simdjson yardstick gets the same instruction set, to stay the fastest.
HASWELL := -mavx2 -mbmi -mbmi2 -mpclmul -mlzcnt -mpopcnt
$(BUILD)/src/core/json_simd_haswell.o: CXXFLAGS += $(HASWELL)
build-fuzz/src/core/json_simd_haswell.o: FUZZ_CXX_EXTRA := $(HASWELL)
$(BUILD)/bench/simdjson_baseline.o: CXXFLAGS += $(HASWELL)

# The HTML report's stylesheet, script and tactic table, compiled in (scripts/embed_assets.sh).
HTML_ASSETS := HTML_CSS=src/report/html_report.css HTML_JS=src/report/html_report.js \
	HTML_TACTICS=data/report/tactics.tsv
%/gen/html_assets.h: $(foreach a,$(HTML_ASSETS),$(lastword $(subst =, ,$(a)))) scripts/embed_assets.sh
	@mkdir -p $(@D)
	scripts/embed_assets.sh $(HTML_ASSETS) >$@.tmp && mv $@.tmp $@
$(BUILD)/src/report/html_export.o: $(BUILD)/gen/html_assets.h
$(BUILD)/src/report/html_export.o: CPPFLAGS += -I$(BUILD)/gen
build-fuzz/src/report/html_export.o: build-fuzz/gen/html_assets.h
build-fuzz/src/report/html_export.o: CPPFLAGS += -Ibuild-fuzz/gen

$(BUILD)/libtocsin.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tocsin: $(CLI_OBJ) $(BUILD)/libtocsin.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/%.c tests/check.h $(BUILD)/libtocsin.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(BUILD)/libtocsin.a $(LDLIBS)

# libevtx is a test and benchmark oracle only: linked into these two programs, never into
# libtocsin or the CLI.
$(BUILD)/tests/test_evtx $(BUILD)/bench/bench_evtx: LDLIBS += $(shell pkg-config --libs libevtx)
$(BUILD)/tests/test_evtx: tests/evtx_build.h

# The JSON ingest benchmark's yardstick is plain simdjson in C++, linked into it alone.
$(BUILD)/bench/bench_ingest_json: $(BUILD)/bench/simdjson_baseline.o
$(BUILD)/bench/bench_ingest_json: LDLIBS := $(BUILD)/bench/simdjson_baseline.o $(LDLIBS)
$(BUILD)/bench/bench_hunt: $(BUILD)/bench/simdjson_baseline.o
$(BUILD)/bench/bench_hunt: LDLIBS := $(BUILD)/bench/simdjson_baseline.o $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libtocsin.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libtocsin.a $(LDLIBS)

# Fuzz targets: clang with libFuzzer, ASan and UBSan, over a library built the same way.
FUZZ_OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_LIB_OBJ := $(LIB_C:%.c=build-fuzz/%.o) $(LIB_CXX:%.cpp=build-fuzz/%.o)
fuzz: $(FUZZERS)
# Keep the instrumented objects between builds (make would delete them as intermediates).
.SECONDARY: $(FUZZ_LIB_OBJ)
build-fuzz/%.o: %.c
	@mkdir -p $(@D)
	clang $(CPPFLAGS) -std=c11 $(WARN) -MMD -MP $(FUZZ_OPT) -c -o $@ $<
build-fuzz/%.o: %.cpp
	@mkdir -p $(@D)
	clang++ $(CPPFLAGS) -std=c++17 $(WARN) -MMD -MP $(FUZZ_OPT) -fno-sanitize=vptr,function $(FUZZ_CXX_EXTRA) -c -o $@ $<
build-fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	clang $(CPPFLAGS) -std=c11 $(WARN) $(FUZZ_OPT) -c -o $@.o $<
	clang++ -O1 -g -fsanitize=fuzzer,address,undefined -o $@ $@.o $(FUZZ_LIB_OBJ) $(LDLIBS)

check: all
	tests/run.sh

clean:
	rm -rf build build-san build-fuzz

-include $(shell find build build-san build-fuzz -name '*.d' 2>/dev/null)
