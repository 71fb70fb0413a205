#!/bin/bash
# jobs.sh: a hunt finds the same for any --jobs: the same --json report (but its times), the
# same incidents and the same timeline in the store, over several files merged by time and
# over one file, with Sigma rules (their matching runs in the workers) and every detector.
# usage: tests/jobs.sh [path/to/tocsin]
set -u
cd "$(dirname "$0")/.."
T=$(realpath "${1:-build/tocsin}")
export TOCSIN_DATA="$PWD/data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TOCSIN_CACHE_DIR="$tmp/cache"
passed=0 failed=0

check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $what"; fi
}

# name jobs logs-and-options...: the hunt's report without its times, then the store's
# incidents and timeline, in $tmp/name-jobs.out
hunt() {
    local name=$1 jobs=$2; shift 2
    local db="$tmp/$name-$jobs.db"
    "$T" hunt "$@" --jobs "$jobs" --db "$db" --json --no-progress 2>/dev/null |
        sed -E 's/"(started|ended|seconds|events_per_second)":[^,]*,//g' >"$tmp/$name-$jobs.out"
    "$T" incidents --json --db "$db" >>"$tmp/$name-$jobs.out"
    "$T" timeline --jsonl --db "$db" >>"$tmp/$name-$jobs.out"
}
same() { # name jobs...: each output is the first one's, and it has incidents
    local name=$1 first=$2; shift 2
    grep -q 'INC-' "$tmp/$name-$first.out" || return 1
    for j in "$@"; do cmp -s "$tmp/$name-$first.out" "$tmp/$name-$j.out" || return 1; done
}

rules=tests/data/sigma/rules
"$T" simulate --scenario sony-2014 --seed 5 --users 20 --days 10 --formats zeek,windows,mail,linux --out "$tmp/sim" \
    >/dev/null 2>&1
for j in 1 2 3; do hunt sim "$j" "$tmp/sim" --rules "$rules"; done
check "a hunt of simulated logs finds the same with --jobs 1, 2 and 3" same sim 1 2 3
win=$(find "$tmp/sim/windows" -type f | head -1)
for j in 1 2; do hunt one "$j" "$win" "$tmp/sim/zeek/conn.log" --rules "$rules"; done
check "two files, --jobs 1 and 2: the same" same one 1 2
for j in 1 2; do hunt single "$j" "$tmp/sim/zeek/conn.log" --rules "$rules"; done
check "a single file (read in a thread of its own with --jobs 2): the same" same single 1 2
# Files that cannot be read among those that can (an empty one, one in no format, a path
# that is not there): the same messages, in the same order, whatever the threads that
# look at the files' heads.
mkdir -p "$tmp/mixed"
cp "$win" "$tmp/sim/zeek/conn.log" "$tmp/mixed/"
: >"$tmp/mixed/empty.log"
echo "no format at all" >"$tmp/mixed/garbage.txt"
for j in 1 2 4; do
    "$T" hunt "$tmp/mixed" "$tmp/absent" --rules "$rules" --jobs "$j" --db "$tmp/mixed-$j.db" --no-progress \
        >/dev/null 2>"$tmp/mixed-$j.err"
done
check "unreadable files: the same messages with --jobs 1, 2 and 4" bash -c \
    "grep -q garbage.txt '$tmp/mixed-1.err' && grep -q absent '$tmp/mixed-1.err' &&
     cmp -s '$tmp/mixed-1.err' '$tmp/mixed-2.err' && cmp -s '$tmp/mixed-1.err' '$tmp/mixed-4.err'"
check "--jobs 0 is refused" bash -c "'$T' hunt '$win' --jobs 0 --db '$tmp/x.db'; test \$? -eq 2"
check "--jobs two is refused" bash -c "'$T' hunt '$win' --jobs two --db '$tmp/x.db'; test \$? -eq 2"

# Real recordings with SigmaHQ's rules, when ../shared/data has them.
otrf=../shared/data/otrf-atomic/lateral_movement sigma=../shared/data/sigma/rules/windows
if [ -d "$otrf" ] && [ -d "$sigma" ]; then
    for j in 1 2 4; do
        hunt otrf "$j" "$otrf" --rules "$sigma/process_creation" --rules "$sigma/builtin/security"
    done
    check "OTRF recordings with SigmaHQ rules: the same with --jobs 1, 2 and 4" same otrf 1 2 4
else
    echo "jobs: SKIP the OTRF recordings with SigmaHQ rules ($otrf or $sigma absent)"
fi

echo "jobs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
