#!/bin/bash
# run.sh: runs every test program (normal and sanitizer builds), the CLI tests and each fuzz
# target briefly; prints one closing line "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0 broken=()
FUZZ_SECONDS=${FUZZ_SECONDS:-10}

tally() { # name, output file, exit status
    local line p f s # local: the callers' variables (script's s) must survive a tally
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

run() { # name, then the command: its output tallied
    local name=$1; shift
    "$@" >"$log" 2>&1
    tally "$name" "$log" $?
}

# A script of tests/ against the tocsin of each build named (none: the script takes no
# tocsin); skipped when absent.
script() { # script, builds...
    local s=tests/$1; shift
    [ -x "$s" ] || return 0
    [ $# -gt 0 ] || { run "$s" "$s"; return; }
    for b in "$@"; do
        if [ "$b" = build-san ]; then run "$s (sanitizers)" "$s" build-san/tocsin; else run "$s" "$s" build/tocsin; fi
    done
}

for build in build build-san; do
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        ASAN_OPTIONS=detect_leaks=1 run "$t" "$t"
    done
done

# The readers again over simdjson's portable kernel, which processors without AVX2 run.
[ -x build/tests/test_ingest ] &&
    TOCSIN_JSON_PORTABLE=1 run "build/tests/test_ingest (portable JSON)" build/tests/test_ingest

script cli.sh build build-san
# --jobs: the same findings for any number of threads.
script jobs.sh build build-san
# Routine sources end to end (a weekly scanner, an attacker, a named source).
script routine.sh build build-san
# No stage includes a later stage's header (the include cycles issue 16 removed).
script layers.sh
# Every C file as .clang-format writes it.
script format.sh
# The readers against their golden files (tests/golden/READER/FIXTURE.expected.ndjson).
script golden.sh build build-san
# The HTML report in headless Chromium (skipped, saying so, without chromium).
script html.sh build build-san
# Kills a hunt at each of its store commits (strace): about a minute, so the normal build only.
script store_kill.sh build
# Live watch: latency, rotation, truncation, SIGKILL and restart against a batch hunt.
script watch.sh build build-san
# The store on PostgreSQL against SQLite (a server of its own, started and stopped; skipped
# without PostgreSQL).
script pg.sh build
# Redis Streams: shipper and workers against a real redis-server (skips without one).
script redis.sh build build-san
script eval.sh build

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
