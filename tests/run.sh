#!/bin/bash
# run.sh: runs every test program (normal and sanitizer builds), the CLI tests and each fuzz
# target briefly; prints one closing line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0 broken=()
FUZZ_SECONDS=${FUZZ_SECONDS:-10}

tally() { # name, output file, exit status
    local line
    line=$(grep -E '^[A-Za-z0-9_./-]+: [0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
    if [ -z "$line" ]; then
        failed=$((failed + 1)); broken+=("$1 (no result line, status $3)")
        tail -n 20 "$2"
        return
    fi
    read -r p f s <<<"$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/' <<<"$line")"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
    if [ "$3" -ne 0 ] || [ "$f" -ne 0 ]; then
        broken+=("$1"); grep -v -E ': [0-9]+ passed' "$2" | tail -n 30
    fi
    echo "$line"
}

log=$(mktemp)
# Compiled rules and tables go to a cache of the suite's own, never the user's.
TOCSIN_CACHE_DIR=$(mktemp -d)
export TOCSIN_CACHE_DIR
for build in build build-san; do
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        ASAN_OPTIONS=detect_leaks=1 "$t" >"$log" 2>&1; st=$?
        tally "$t" "$log" "$st"
    done
done

# The readers again over simdjson's portable kernel, which processors without AVX2 run.
if [ -x build/tests/test_ingest ]; then
    TOCSIN_JSON_PORTABLE=1 build/tests/test_ingest >"$log" 2>&1; st=$?
    tally "build/tests/test_ingest (portable JSON)" "$log" "$st"
fi

if [ -x tests/cli.sh ]; then
    tests/cli.sh build/tocsin >"$log" 2>&1; st=$?
    tally tests/cli.sh "$log" "$st"
    tests/cli.sh build-san/tocsin >"$log" 2>&1; st=$?
    tally "tests/cli.sh (sanitizers)" "$log" "$st"
fi

# --jobs: the same findings for any number of threads.
if [ -x tests/jobs.sh ]; then
    for b in build build-san; do
        tests/jobs.sh $b/tocsin >"$log" 2>&1; st=$?
        tally "tests/jobs.sh ($b)" "$log" "$st"
    done
fi

# Routine sources end to end (a weekly scanner, an attacker, a named source).
if [ -x tests/routine.sh ]; then
    for b in build build-san; do
        tests/routine.sh $b/tocsin >"$log" 2>&1; st=$?
        tally "tests/routine.sh ($b)" "$log" "$st"
    done
fi

# No stage includes a later stage's header (the include cycles issue 16 removed).
if [ -x tests/layers.sh ]; then
    tests/layers.sh >"$log" 2>&1; st=$?
    tally tests/layers.sh "$log" "$st"
fi

# The readers against their golden files (tests/golden/READER/FIXTURE.expected.ndjson).
# Every C file as .clang-format writes it.
if [ -x tests/format.sh ]; then
    tests/format.sh >"$log" 2>&1; st=$?
    tally tests/format.sh "$log" "$st"
fi

if [ -x tests/golden.sh ]; then
    tests/golden.sh build/tocsin >"$log" 2>&1; st=$?
    tally tests/golden.sh "$log" "$st"
    tests/golden.sh build-san/tocsin >"$log" 2>&1; st=$?
    tally "tests/golden.sh (sanitizers)" "$log" "$st"
fi

# The HTML report in headless Chromium (skipped, saying so, without chromium).
if [ -x tests/html.sh ]; then
    tests/html.sh build/tocsin >"$log" 2>&1; st=$?
    tally tests/html.sh "$log" "$st"
    tests/html.sh build-san/tocsin >"$log" 2>&1; st=$?
    tally "tests/html.sh (sanitizers)" "$log" "$st"
fi

# Kills a hunt at each of its store commits (strace): about a minute, so the normal build only.
if [ -x tests/store_kill.sh ]; then
    tests/store_kill.sh build/tocsin >"$log" 2>&1; st=$?
    tally tests/store_kill.sh "$log" "$st"
fi

# Live watch: latency, rotation, truncation, SIGKILL and restart against a batch hunt.
if [ -x tests/watch.sh ]; then
    tests/watch.sh build/tocsin >"$log" 2>&1; st=$?
    tally tests/watch.sh "$log" "$st"
    tests/watch.sh build-san/tocsin >"$log" 2>&1; st=$?
    tally "tests/watch.sh (sanitizers)" "$log" "$st"
fi

# The store on PostgreSQL against SQLite (a server of its own, started and stopped; skipped
# without PostgreSQL).
if [ -x tests/pg.sh ]; then
    tests/pg.sh build/tocsin >"$log" 2>&1; st=$?
    tally tests/pg.sh "$log" "$st"
fi

# Redis Streams: shipper and workers against a real redis-server (skips without one).
if [ -x tests/redis.sh ]; then
    tests/redis.sh build/tocsin >"$log" 2>&1; st=$?
    tally tests/redis.sh "$log" "$st"
    tests/redis.sh build-san/tocsin >"$log" 2>&1; st=$?
    tally "tests/redis.sh (sanitizers)" "$log" "$st"
fi

if [ -x tests/eval.sh ]; then
    tests/eval.sh build/tocsin >"$log" 2>&1; st=$?
    tally tests/eval.sh "$log" "$st"
fi

for f in build-fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f"); corpus=fuzz/corpus/${name#fuzz_}
    work=$(mktemp -d)
    [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
    # UBSan only prints by default: a finding must fail the run like ASan's do. Inputs up to
    # 128 KiB reach the depth and size limits (1,025 nested JSON levels, a whole EVTX chunk).
    if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$f" -max_total_time="$FUZZ_SECONDS" -max_len=131072 -rss_limit_mb=2048 -timeout=10 "$work" >"$log" 2>&1; then
        passed=$((passed + 1)); echo "$name: fuzzed ${FUZZ_SECONDS}s, no crash"
    else
        failed=$((failed + 1)); broken+=("$name"); tail -n 40 "$log"
    fi
    rm -rf "$work"
done
rm -f "$log"
rm -rf "$TOCSIN_CACHE_DIR"

for b in "${broken[@]+"${broken[@]}"}"; do echo "FAILED: $b"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
