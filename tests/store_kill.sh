#!/bin/bash
# store_kill.sh: a hunt killed just before any one of its store commits, and run again,
# ends with exactly the alerts and incidents of a hunt never interrupted; two hunts on one
# store at once both succeed with the same findings.
#
# The kill comes from outside, with no hook in tocsin: strace traces only the writes to
# the store's WAL file, and a write that begins a commit frame (the 24-byte frame header
# whose "database size" field is set) marks one commit. The hunt is then run again under
# strace, which sends SIGKILL at that write, for every commit of the hunt in turn.
# Needs strace and sqlite3 (scripts/setup installs both); says it skips without them.
# usage: tests/store_kill.sh [path/to/tocsin]
set -u
cd "$(dirname "$0")/.."
T=$(realpath "${1:-build/tocsin}")
export TOCSIN_DATA="$PWD/data"
passed=0 failed=0 skipped=0

check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $what"; fi
}

if ! command -v strace >/dev/null || ! command -v sqlite3 >/dev/null; then
    echo "store_kill: skipped: needs strace and sqlite3 (scripts/setup installs them)"
    echo "store_kill: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
# strace needs ptrace; a container may forbid it.
if ! strace -f -o /dev/null true 2>/dev/null; then
    echo "store_kill: skipped: strace cannot trace here (ptrace not permitted)"
    echo "store_kill: 0 passed, 0 failed, 1 skipped"
    exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A campaign over 12 people and 6 days: every detector that keeps state between runs fires.
"$T" simulate --scenario sony-2014 --out "$tmp/sim" --users 12 --days 6 --seed 1 >/dev/null 2>&1
logs=("$tmp/sim/zeek" "$tmp/sim/windows" "$tmp/sim/linux" "$tmp/sim/mail" "$tmp/sim/suricata")
hunt() { # db, then extra arguments
    local db=$1; shift
    "$@" "$T" hunt "${logs[@]}" --intel "$tmp/sim/intel/bundle.json" --db "$db" --no-progress
}
# An empty store, so that every commit of the hunt goes through the WAL.
fresh() { rm -f "$1" "$1-wal" "$1-shm"; "$T" incidents --db "$1" >/dev/null; }

# Everything a hunt stores about what it found, with the row ids and run numbers (which
# differ from store to store) replaced by what they point to.
findings() {
    sqlite3 -readonly "$1" "
SELECT 'alert', detector, akey, file, line, record, first_ns, last_ns, count, kind, title, severity,
       techniques, internal_ip, internal_host, user_name, remote_ip, remote_cc, remote_asn, remote_name,
       direction, ioc_type, ioc_value, observed, side, source, confidence, shared, suppressed, dataset
  FROM alerts;
SELECT 'actor', a.detector, a.akey, a.file, a.line, a.record, a.first_ns, x.pos, x.name, x.attack_id
  FROM alert_actors x JOIN alerts a ON a.id = x.alert;
SELECT 'incident', id, first_ns, last_ns, severity, summary FROM incidents;
SELECT 'member', m.incident, a.detector, a.akey, a.file, a.line, a.record, a.first_ns
  FROM incident_alerts m JOIN alerts a ON a.id = m.alert;
SELECT 'entity', incident, kind, value FROM entities;
SELECT 'hypothesis', incident, rank, actor, attack_id, probability, wording, score FROM hypotheses;
SELECT 'evidence', h.incident, h.rank, c.pos, c.what, c.weight, a.detector, a.akey, a.file, a.line
  FROM contributions c JOIN hypotheses h ON h.id = c.hypothesis LEFT JOIN alerts a ON a.id = c.alert;
SELECT 'state', detector, hex(data) FROM detector_state;" | sort
}
alerts() { sqlite3 -readonly "$1" 'SELECT count(*) FROM alerts'; }

fresh "$tmp/ref.db"
hunt "$tmp/ref.db" >/dev/null 2>&1
check "the uninterrupted hunt exits 0" test $? -eq 0
findings "$tmp/ref.db" >"$tmp/ref.txt"
ref_alerts=$(alerts "$tmp/ref.db")
check "the uninterrupted hunt stores alerts of the detectors that keep state" \
    bash -c "grep -q '^state|' '$tmp/ref.txt' && test '$ref_alerts' -gt 50"

# The commits of a hunt, as the numbers of its writes to the WAL that begin one.
fresh "$tmp/count.db"
hunt "$tmp/count.db" strace -f -xx -o "$tmp/writes" -e trace=pwrite64 -P "$tmp/count.db-wal" >/dev/null 2>&1
mapfile -t commits < <(awk '/pwrite64\(/ { n++; if ($0 ~ /, 24, [0-9]+\) = 24$/) { split($0, q, "\"");
    if (substr(q[2], 17, 16) != "\\x00\\x00\\x00\\x00") print n } }' "$tmp/writes")
check "the hunt makes several commits to the store (${#commits[@]})" test "${#commits[@]}" -ge 5

# Each kill: the killed hunt dies of SIGKILL, and the hunt run again repairs the store.
wrong=() not_killed=()
for n in "${commits[@]}"; do
    db="$tmp/k$n.db"
    fresh "$db"
    hunt "$db" strace -f -o /dev/null -e trace=pwrite64 -e inject=pwrite64:signal=SIGKILL:when="$n" \
        -P "$db-wal" >/dev/null 2>&1
    [ $? -eq 137 ] || not_killed+=("$n")
    hunt "$db" >/dev/null 2>&1
    findings "$db" | cmp -s - "$tmp/ref.txt" || wrong+=("$n:$(alerts "$db")")
    rm -f "$db" "$db-wal" "$db-shm"
done
echo "store_kill: killed the hunt at each of its ${#commits[@]} commits (WAL writes ${commits[*]})"
check "every kill at a commit kills the hunt (not killed at writes: ${not_killed[*]-})" test ${#not_killed[@]} -eq 0
check "a hunt killed before any of its commits and run again stores exactly what one uninterrupted hunt does
    (differing after a kill at write:alerts, of $ref_alerts: ${wrong[*]-})" test ${#wrong[@]} -eq 0

# A full disk at the commit of the findings: the hunt fails naming the store and SQLite's
# reason, keeps none of them, and the same hunt run again stores them all.
db="$tmp/full.db"
fresh "$db"
hunt "$db" strace -f -o /dev/null -e trace=pwrite64 -e inject=pwrite64:error=ENOSPC:when="${commits[-1]}" \
    -P "$db-wal" >/dev/null 2>"$tmp/full.err"
check "a hunt whose findings cannot be written exits 1" test $? -eq 1
check "its message names the store and SQLite's reason" grep -q "^tocsin: $db: .*database or disk is full" "$tmp/full.err"
check "the failed hunt stored no alert" test "$(alerts "$db")" -eq 0
hunt "$db" >/dev/null 2>&1
findings "$db" >"$tmp/full.txt"
check "the same hunt run again stores exactly what one uninterrupted hunt does" cmp -s "$tmp/full.txt" "$tmp/ref.txt"

# Two hunts on one new store at once: the second waits for the first's write lock (which is
# held only while the findings are written) and both succeed.
hunt "$tmp/two.db" >"$tmp/one.out" 2>&1 &
first=$!
hunt "$tmp/two.db" >"$tmp/two.out" 2>&1
second=$?
wait "$first"
check "the first of two hunts on one store at once succeeds" test $? -eq 0
check "the second of two hunts on one store at once succeeds" test "$second" -eq 0
# (The detectors' state is left out: a hunt that started after the other's commit would
# have learned from it.)
findings "$tmp/two.db" | grep -v '^state|' >"$tmp/two.txt"
check "two hunts at once store the alerts and incidents of one hunt" \
    bash -c "grep -v '^state|' '$tmp/ref.txt' | cmp -s - '$tmp/two.txt'"

echo "store_kill: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
