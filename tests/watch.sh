#!/bin/bash
# watch.sh: `tocsin watch` on growing Zeek logs made from the fixture's layout
# (tests/data/cli/logs/zeek/conn.log): an appended line alerts within the bound, rotation
# and truncation lose and repeat nothing, and a watch killed with SIGKILL and restarted
# ends with the alerts and incidents of one batch hunt over the same lines.
# usage: tests/watch.sh [path/to/tocsin]
set -u
cd "$(dirname "$0")/.."
T=$(realpath "${1:-build/tocsin}")
export TOCSIN_DATA="$PWD/data"
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
export TOCSIN_CACHE_DIR="$tmp/cache"
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAILED: $1"; }
check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then ok; else bad "$what"; fi
}

HEADER=$(grep '^#' tests/data/cli/logs/zeek/conn.log | grep -v '^#close')
# rows FROM TO: connections i = FROM..TO-1 of five hosts to the Sony 2014 C2 address, a minute apart
rows() {
    awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i < b; i++)
        printf "%d.250000\tC%04d\t10.20.0.%d\t%d\t203.131.222.102\t443\ttcp\tssl\t1.5\t%d\t4096\tSF\n",
               1416816000 + 60 * i, i, 10 + i % 5, 50000 + i, 300 + i }'
}
# Distinct alerts and their counts, from the incidents' timeline: one line per alert.
alert_counts() { "$T" timeline --db "$1" --jsonl 2>/dev/null |
    sed -n 's/.*"message":"\([^"]*\)".*"incident":"\([^"]*\)".*"alert_events":\([0-9]*\).*/\2 \1 \3/p' | sort -u; }
total_events() { alert_counts "$1" | awk '{ s += $NF } END { print s + 0 }'; }
start_watch() { # db, out, paths...
    local db=$1 out=$2; shift 2
    "$T" watch "$@" --db "$db" --interval 0.1 >"$out" 2>>"$tmp/watch.err" &
    pids+=($!)
    WPID=$!
}
wait_for() { # seconds, command...: polls until the command succeeds
    local until=$(($(date +%s%N) + $1 * 1000000000)); shift
    while ! "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -lt "$until" ] || return 1
        sleep 0.05
    done
}
stop_watch() { kill -TERM "$WPID"; wait "$WPID"; }
# The count is read again at every poll (a "$(...)" in wait_for's arguments would be read once).
events_are() { test "$(total_events "$1")" -eq "$2"; }

# 1. An appended line alerts within the bound (5 s on a loaded machine; the figure is printed).
mkdir -p "$tmp/a"
printf '%s\n' "$HEADER" >"$tmp/a/conn.log"
start_watch "$tmp/a.db" "$tmp/a.out" "$tmp/a"
sleep 1
t0=$(date +%s%N)
rows 0 1 >>"$tmp/a/conn.log"
if wait_for 5 grep -q 'ALERT INC-' "$tmp/a.out"; then
    ok
    echo "watch: alert printed $((($(date +%s%N) - t0) / 1000000)) ms after the line was written"
else
    bad "an appended line alerts within 5 s"
fi
check "the alert names its incident and file:line" grep -q "ALERT INC-[0-9a-f]\{16\} .*conn.log:9)" "$tmp/a.out"
rows 1 2 | head -c 40 >>"$tmp/a/conn.log" # half a line: it waits for its end
sleep 0.5
check "a partial line is not read" test "$(grep -c 'ALERT' "$tmp/a.out")" -eq 1
rows 1 2 | tail -c +41 >>"$tmp/a/conn.log"
check "its end completes it" wait_for 5 grep -q 'INCIDENT.*changed\|INCIDENT .* new.*10\.20\.0\.11' "$tmp/a.out"
stop_watch
check "SIGTERM ends the watch with status 0" test $? -eq 0
check "both lines were stored once" test "$(total_events "$tmp/a.db")" -eq 2

# 2. Rotation in a directory (mv, then a new file), rotation of a followed file out of the
#    paths, and truncation: every line counted once.
mkdir -p "$tmp/r" "$tmp/old"
{ printf '%s\n' "$HEADER"; rows 0 10; } >"$tmp/r/conn.log"
{ printf '%s\n' "$HEADER"; rows 100 105; } >"$tmp/single.log"
{ printf '%s\n' "$HEADER"; rows 200 210; } | gzip >"$tmp/r/conn.old.log.gz" # an archive: skipped
start_watch "$tmp/r.db" "$tmp/r.out" "$tmp/r" "$tmp/single.log"
wait_for 30 events_are "$tmp/r.db" 15
rows 10 20 >>"$tmp/r/conn.log"
mv "$tmp/r/conn.log" "$tmp/r/conn.00:00:00-01:00:00.log"
rows 20 25 >>"$tmp/r/conn.00:00:00-01:00:00.log" # the writer finishes the renamed file
{ printf '%s\n' "$HEADER"; rows 25 30; } >"$tmp/r/conn.log"
rows 105 110 >>"$tmp/single.log"
mv "$tmp/single.log" "$tmp/old/single.log.1"
rows 110 112 >>"$tmp/old/single.log.1" # written after the rename, before the writer reopens
{ printf '%s\n' "$HEADER"; rows 112 115; } >"$tmp/single.log"
check "rotation: every line read once" wait_for 30 events_are "$tmp/r.db" 45
: >"$tmp/r/conn.log" # truncated (copytruncate), then written again
sleep 0.5
{ printf '%s\n' "$HEADER"; rows 30 33; } >>"$tmp/r/conn.log"
check "truncation: the new lines read, none twice" wait_for 30 events_are "$tmp/r.db" 48
sleep 0.5
check "and nothing more" test "$(total_events "$tmp/r.db")" -eq 48
stop_watch
check "the rotation notes name no error" bash -c "! grep -qi 'cannot\|error' '$tmp/watch.err'"

# 3. SIGKILL half way, restart: the alerts and incidents of one batch hunt of the same lines.
mkdir -p "$tmp/k"
printf '%s\n' "$HEADER" >"$tmp/k/conn.log"
start_watch "$tmp/k.db" "$tmp/k1.out" "$tmp/k"
for i in $(seq 0 2 38); do rows "$i" $((i + 2)) >>"$tmp/k/conn.log"; sleep 0.05; done
{ kill -KILL "$WPID"; wait "$WPID"; } 2>/dev/null
for i in $(seq 40 2 78); do rows "$i" $((i + 2)) >>"$tmp/k/conn.log"; done
start_watch "$tmp/k.db" "$tmp/k2.out" "$tmp/k"
for i in $(seq 80 2 98); do rows "$i" $((i + 2)) >>"$tmp/k/conn.log"; sleep 0.05; done
wait_for 30 events_are "$tmp/k.db" 100
stop_watch
"$T" hunt "$tmp/k" --db "$tmp/batch.db" --no-progress >/dev/null 2>&1
check "after SIGKILL and restart: every line counted once" test "$(total_events "$tmp/k.db")" -eq 100
strip() { sed 's/"created_run":[0-9]*,"updated_run":[0-9]*//'; }
"$T" incidents --db "$tmp/batch.db" --json | strip | sort >"$tmp/batch.inc"
"$T" incidents --db "$tmp/k.db" --json | strip | sort >"$tmp/live.inc"
check "the batch hunt found incidents" test -s "$tmp/batch.inc"
check "the same incidents as a batch hunt" diff "$tmp/batch.inc" "$tmp/live.inc"
"$T" timeline --db "$tmp/batch.db" --jsonl | sort >"$tmp/batch.tl"
"$T" timeline --db "$tmp/k.db" --jsonl | sort >"$tmp/live.tl"
check "the same timeline as a batch hunt" diff "$tmp/batch.tl" "$tmp/live.tl"
check "no alert printed twice across the restart" bash -c \
    "cat '$tmp/k1.out' '$tmp/k2.out' | grep ALERT | sort | uniq -d | wc -l | grep -qx 0"

# 4. A file read later with earlier events for the same hosts: their incidents take new ids
#    (their earliest alert's), and the ones printed before are replaced, as in a batch hunt.
mkdir -p "$tmp/m"
{ printf '%s\n' "$HEADER"; rows 10 20; } >"$tmp/m/x.log"
start_watch "$tmp/m.db" "$tmp/m.out" "$tmp/m"
wait_for 30 events_are "$tmp/m.db" 10
{ printf '%s\n' "$HEADER"; rows 0 5; } >"$tmp/m/y.log"
wait_for 30 events_are "$tmp/m.db" 15
stop_watch
"$T" hunt "$tmp/m" --db "$tmp/mbatch.db" --no-progress >/dev/null 2>&1
check "merged: every line counted once" test "$(total_events "$tmp/m.db")" -eq 15
"$T" incidents --db "$tmp/mbatch.db" --json | strip | sort >"$tmp/mbatch.inc"
"$T" incidents --db "$tmp/m.db" --json | strip | sort >"$tmp/mlive.inc"
check "merged: the same incidents as a batch hunt" diff "$tmp/mbatch.inc" "$tmp/mlive.inc"
"$T" timeline --db "$tmp/mbatch.db" --jsonl | sort >"$tmp/mbatch.tl"
"$T" timeline --db "$tmp/m.db" --jsonl | sort >"$tmp/mlive.tl"
check "merged: the same timeline as a batch hunt" diff "$tmp/mbatch.tl" "$tmp/mlive.tl"
check "merged: the replaced incidents were said" grep -q 'merged into another' "$tmp/m.out"

# 5. Beacon state across a SIGKILL: a host calls 198.51.100.77 every 30 s from 08:30; the first
#    watch sees 44 calls (to 08:52) and is killed after its checkpoint (the intel alert of one
#    Sony C2 row shows it was written); the second sees 26 more (to 09:05). Neither alone has
#    the 30 calls a fast run needs; the restarted watch, with the saved pair, raises it.
beacon_rows() { # FROM TO: calls i = FROM..TO-1
    awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i < b; i++)
        printf "%d.%06d\tB%04d\t10.20.0.50\t%d\t198.51.100.77\t443\ttcp\tssl\t0.4\t310\t1200\tSF\n",
               1416817800 + 30 * i, (i * 7919) % 1000000, i, 40000 + i }'
}
mkdir -p "$tmp/b"
{ printf '%s\n' "$HEADER"; rows 0 1; beacon_rows 0 44; } >"$tmp/b/conn.log"
start_watch "$tmp/b.db" "$tmp/b1.out" "$tmp/b"
wait_for 30 events_are "$tmp/b.db" 1
{ kill -KILL "$WPID"; wait "$WPID"; } 2>/dev/null
beacon_rows 44 70 >>"$tmp/b/conn.log"
start_watch "$tmp/b.db" "$tmp/b2.out" "$tmp/b"
wait_for 30 grep -q 'beacons to 198.51.100.77' "$tmp/b2.out"
stop_watch
check "beacon: the restarted watch raises the pair it was following" grep -q 'beacons to 198.51.100.77' "$tmp/b2.out"

check "no sanitizer report from any watch" bash -c "! grep -q 'Sanitizer\|runtime error' '$tmp/watch.err'"

echo "watch.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
