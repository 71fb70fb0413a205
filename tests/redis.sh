#!/bin/bash
# redis.sh: `tocsin ship` and `tocsin watch --redis` against a real redis-server started on
# a free loopback port in a temporary directory. Checks: one worker over a replayed log
# ends with the alerts and incidents of a batch hunt; two workers over four partitions,
# one killed with SIGKILL half way and restarted, the shipper killed and restarted, and
# redis-server restarted once, process every event once (no alert lost or doubled,
# counted in the store and in the alert stream); bad entries go to the dead-letter stream
# with their reason while the worker goes on; Suricata's own stream-mode entries are read.
# usage: tests/redis.sh [path/to/tocsin]
set -u
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    echo "redis.sh: skipped: redis-server is not installed (scripts/setup installs it)"
    exit 0
fi
T=$(realpath "${1:-build/tocsin}")
export TOCSIN_DATA="$PWD/data"
tmp=$(mktemp -d)
export TOCSIN_CACHE_DIR="$tmp/cache"
pids=()
RPID=
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    [ -n "$RPID" ] && kill -KILL "$RPID" 2>/dev/null
    wait 2>/dev/null # every child is gone: no "Killed" notes
    if [ -n "${KEEP_TMP:-}" ]; then echo "redis.sh: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAILED: $1"; }
check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then ok; else bad "$what"; fi
}
wait_for() { # seconds, command...: polls until the command succeeds
    local until=$(($(date +%s%N) + $1 * 1000000000)); shift
    while ! "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -lt "$until" ] || return 1
        sleep 0.1
    done
}

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="redis://127.0.0.1:$PORT"
start_redis() { # the append-only file keeps the streams across the restart
    redis-server --port "$PORT" --bind 127.0.0.1 --dir "$tmp" --save '' --appendonly yes \
        --appendfsync always --logfile "$tmp/redis.log" &
    RPID=$!
    wait_for 10 redis-cli -p "$PORT" ping
}
stop_redis() { kill -TERM "$RPID"; wait "$RPID" 2>/dev/null; RPID=; }
R() { redis-cli -p "$PORT" "$@"; }
start_redis || { echo "FAILED: redis-server did not start"; exit 1; }

HEADER=$(grep '^#' tests/data/cli/logs/zeek/conn.log | grep -v '^#close')
# rows FROM TO: connections i = FROM..TO-1 of five hosts to the Sony 2014 C2 address, a minute apart
rows() {
    awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i < b; i++)
        printf "%d.250000\tC%04d\t10.20.0.%d\t%d\t203.131.222.102\t443\ttcp\tssl\t1.5\t%d\t4096\tSF\n",
               1416816000 + 60 * i, i, 10 + i % 5, 50000 + i, 300 + i }'
}
strip() { sed 's/"created_run":[0-9]*,"updated_run":[0-9]*//'; }
# The stored alerts, by identity and what they aggregated: one line each.
alerts_of() { sqlite3 "$1" "SELECT detector, akey, file, line, record, first_ns, last_ns, count FROM alerts ORDER BY 1, 2, 3, 4, 6"; }
events_in() { sqlite3 "$1" "SELECT coalesce(sum(count), 0) FROM alerts" 2>/dev/null; }
events_are() { test "$(events_in "$1")" -eq "$2"; }

# 1. One worker over a replayed log: the alerts and incidents of a batch hunt.
mkdir -p "$tmp/one"
{ printf '%s\n' "$HEADER"; rows 0 60; } >"$tmp/one/conn.log"
cp tests/data/cli/logs/linux/auth.log "$tmp/one/auth.log"
"$T" ship "$tmp/one" --redis "$URL" --stream one --once 2>"$tmp/ship1.err"
check "ship --once adds every record" grep -q "added to one" "$tmp/ship1.err"
"$T" watch --redis "$URL" --stream one --group g --consumer w1 --db "$tmp/one.db" --drain \
    --alerts-to "$URL/alerts1" >"$tmp/one.out" 2>"$tmp/one.err"
check "watch --redis --drain ends with status 0" test $? -eq 0
"$T" hunt "$tmp/one" --db "$tmp/one-batch.db" --no-progress >/dev/null 2>&1
check "the batch hunt found alerts" test "$(sqlite3 "$tmp/one-batch.db" 'SELECT count(*) FROM alerts')" -gt 1
check "one worker: the alerts of a batch hunt" diff <(alerts_of "$tmp/one-batch.db") <(alerts_of "$tmp/one.db")
"$T" incidents --db "$tmp/one-batch.db" --json | strip | sort >"$tmp/one-batch.inc"
"$T" incidents --db "$tmp/one.db" --json | strip | sort >"$tmp/one.inc"
check "one worker: the incidents of a batch hunt" diff "$tmp/one-batch.inc" "$tmp/one.inc"
check "the alert stream has each stored alert once" \
    test "$(R XLEN alerts1)" -eq "$(sqlite3 "$tmp/one.db" 'SELECT count(*) FROM alerts')"
check "alerts on the stream carry their incident" bash -c \
    "redis-cli -p $PORT XRANGE alerts1 - + | grep -q '\"incident\":\"INC-'"
check "each new alert was printed with its incident" grep -q 'ALERT INC-' "$tmp/one.out"
# A second run over the same stream adds nothing: the group has acknowledged it all.
"$T" watch --redis "$URL" --stream one --group g --consumer w1 --db "$tmp/one.db" --drain \
    --alerts-to "$URL/alerts1" >"$tmp/one2.out" 2>&1
check "a restarted worker reads nothing twice" diff <(alerts_of "$tmp/one-batch.db") <(alerts_of "$tmp/one.db")
check "and sends no alert twice" \
    test "$(R XLEN alerts1)" -eq "$(sqlite3 "$tmp/one.db" 'SELECT count(*) FROM alerts')"

# 2. Two workers over four partitions; a worker SIGKILLed and restarted, the shipper
#    SIGKILLed and restarted, redis-server restarted: every line counted once.
mkdir -p "$tmp/k"
printf '%s\n' "$HEADER" >"$tmp/k/conn.log"
start_shipper() {
    "$T" ship "$tmp/k" --redis "$URL" --stream ev --partitions 4 --interval 0.1 2>>"$tmp/ship.err" &
    SPID=$!
    pids+=($SPID)
}
start_worker() { # name
    "$T" watch --redis "$URL" --stream ev --group g --consumer "$1" --db "$tmp/k.db" --lease 2 --claim-idle 1 \
        --alerts-to "$URL/alerts2" >>"$tmp/$1.out" 2>>"$tmp/workers.err" &
    pids+=($!)
    eval "W_$1=$!"
}
start_shipper
start_worker a
start_worker b
for i in $(seq 0 2 38); do rows "$i" $((i + 2)) >>"$tmp/k/conn.log"; sleep 0.05; done
wait_for 30 events_are "$tmp/k.db" 40
{ kill -KILL "$W_a"; wait "$W_a"; } 2>/dev/null
{ kill -KILL "$SPID"; wait "$SPID"; } 2>/dev/null
for i in $(seq 40 2 58); do rows "$i" $((i + 2)) >>"$tmp/k/conn.log"; done
start_shipper
for i in $(seq 60 2 78); do rows "$i" $((i + 2)) >>"$tmp/k/conn.log"; sleep 0.05; done
stop_redis
for i in $(seq 80 2 88); do rows "$i" $((i + 2)) >>"$tmp/k/conn.log"; done
sleep 1 # the shipper polls every 0.1 s: it meets the gap, whatever the load
start_redis
start_worker a
for i in $(seq 90 2 98); do rows "$i" $((i + 2)) >>"$tmp/k/conn.log"; sleep 0.05; done
check "all 100 lines processed after the kills and the restart" wait_for 60 events_are "$tmp/k.db" 100
sleep 1 # anything counted twice would show by now
kill -TERM "$W_a" "$W_b" "$SPID"
wait "$W_a" "$W_b" "$SPID" 2>/dev/null
"$T" hunt "$tmp/k" --db "$tmp/k-batch.db" --no-progress >/dev/null 2>&1
check "two workers: every line counted once" test "$(events_in "$tmp/k.db")" -eq 100
check "two workers: the alerts of a batch hunt (none lost, none doubled)" \
    diff <(alerts_of "$tmp/k-batch.db") <(alerts_of "$tmp/k.db")
# The five hosts' alerts share the C2 address: a batch hunt joins them into one incident,
# though the hosts are in different partitions; the workers' incidents must be the same.
"$T" incidents --db "$tmp/k-batch.db" --json | strip | sort >"$tmp/k-batch.inc"
"$T" incidents --db "$tmp/k.db" --json | strip | sort >"$tmp/k.inc"
check "the batch hunt joins hosts of several partitions into one incident" \
    test "$(sqlite3 "$tmp/k-batch.db" "SELECT count(*) FROM entities WHERE kind = 'host'")" -eq 5 -a \
    "$(wc -l <"$tmp/k-batch.inc")" -eq 1
check "two workers over four partitions: the incidents of a batch hunt" diff "$tmp/k-batch.inc" "$tmp/k.inc"
check "two workers: each stored alert once on the alert stream" \
    test "$(R XLEN alerts2)" -eq "$(sqlite3 "$tmp/k.db" 'SELECT count(*) FROM alerts')"
check "the shipper said Redis went and came back" grep -q "is back" "$tmp/ship.err"
check "each worker stopped with its leases given back" test "$(R KEYS 'ev:lease:*' | grep -c .)" -eq 0
check "no pending entry is left" bash -c "for p in 0 1 2 3; do
    [ \"\$(redis-cli -p $PORT XPENDING ev:p\$p g | head -1)\" = 0 ] || exit 1; done"
check "no sanitizer report from the workers" bash -c "! grep -q 'Sanitizer\|runtime error' '$tmp/workers.err'"

# The incidents' lease left by a dead owner (a consumer that never comes back): a --drain
# worker waits for it to expire, then forms the incidents itself.
mkdir -p "$tmp/dead-owner"
{ printf '%s\n' "$HEADER"; rows 0 20; } >"$tmp/dead-owner/conn.log"
"$T" ship "$tmp/dead-owner" --redis "$URL" --stream kp --partitions 4 --once 2>/dev/null
R SET kp:lease:g:incidents ghost PX 3000 >/dev/null
"$T" watch --redis "$URL" --stream kp --group g --consumer w --db "$tmp/kp.db" --drain --lease 2 >/dev/null 2>&1
"$T" hunt "$tmp/dead-owner" --db "$tmp/kp-batch.db" --no-progress >/dev/null 2>&1
check "a dead owner's incidents lease is waited for: the incidents of a batch hunt" \
    diff <("$T" incidents --db "$tmp/kp-batch.db" --json | strip | sort) <("$T" incidents --db "$tmp/kp.db" --json | strip | sort)

# 3. Bad entries go to KEY:dead with the reason; the worker goes on.
R XADD bad '*' file x.json line 1 layout zeek-json data 'this is not json' >/dev/null
R XADD bad '*' file x.log line 2 layout no-such-layout data 'whatever' >/dev/null
R XADD bad '*' file x.log line 3 layout zeek-json data "{\"pad\":\"$(head -c 3000 /dev/zero | tr '\0' a)\"}" >/dev/null
R XADD bad '*' somefield 1 >/dev/null
R XADD bad '*' eve 'not json either' >/dev/null
printf '{"timestamp":"2014-11-24T08:00:00.000000+0000","flow_id":1,"event_type":"flow","src_ip":"10.20.0.30","src_port":50000,"dest_ip":"203.131.222.102","dest_port":443,"proto":"TCP","app_proto":"tls","flow":{"bytes_toserver":300,"bytes_toclient":4096,"start":"2014-11-24T08:00:00.000000+0000","end":"2014-11-24T08:00:01.500000+0000","state":"closed"}}' >"$tmp/eve.line"
R XADD bad '*' eve "$(cat "$tmp/eve.line")" >/dev/null # Suricata's own layout: read
"$T" watch --redis "$URL" --stream bad --group g --consumer w --db "$tmp/bad.db" --drain --max-entry 2000 \
    >"$tmp/bad.out" 2>"$tmp/bad.err"
check "the worker went on past bad entries" test $? -eq 0
R XRANGE bad:dead - + >"$tmp/dead.txt"
check "five bad entries in the dead-letter stream" test "$(R XLEN bad:dead)" -eq 5
check "reason: not JSON" grep -q "not JSON" "$tmp/dead.txt"
check "reason: unknown layout" grep -q "unknown layout 'no-such-layout'" "$tmp/dead.txt"
check "reason: a huge entry" grep -q "over the limit of 2000" "$tmp/dead.txt"
check "reason: no data" grep -q "no 'data' field" "$tmp/dead.txt"
check "the dead letters were said on stderr" grep -q "sent to bad:dead" "$tmp/bad.err"
check "a Suricata stream-mode entry alerts" test "$(sqlite3 "$tmp/bad.db" 'SELECT count(*) FROM alerts')" -ge 1
check "nothing left pending after dead letters" test "$(R XPENDING bad g | head -1)" -eq 0

# An entry delivered too often without a commit (a worker died on it each time) goes to
# KEY:dead too: five deliveries are made by hand to consumer w's pending list.
R XADD poison '*' file x.log line 1 layout linux-auth data 'Nov 24 08:00:00 h sshd[1]: x' >/dev/null
R XGROUP CREATE poison g 0 >/dev/null
R XREADGROUP GROUP g w STREAMS poison '>' >/dev/null
for i in 1 2 3 4; do R XREADGROUP GROUP g w STREAMS poison 0 >/dev/null; done
"$T" watch --redis "$URL" --stream poison --group g --consumer w --db "$tmp/poison.db" --drain \
    --max-deliveries 5 >/dev/null 2>&1
check "an entry delivered 5 times goes to the dead-letter stream" bash -c \
    "redis-cli -p $PORT XRANGE poison:dead - + | grep -q 'delivered 5 times'"
check "and is acknowledged" test "$(R XPENDING poison g | head -1)" -eq 0

# 4. Alert outputs of a hunt: NDJSON with the incident id, RFC 5424 syslog over UDP.
SPORT=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "ab", buffering=0) as f:
    while True: f.write(s.recv(65535) + b"\n")' "$SPORT" "$tmp/syslog.txt" &
pids+=($!)
wait_for 30 test -e "$tmp/syslog.txt.ready"
"$T" hunt "$tmp/one/conn.log" --db "$tmp/out.db" --no-progress --alerts-to "ndjson,syslog://127.0.0.1:$SPORT" \
    >"$tmp/hunt.out" 2>&1
check "hunt --alerts-to ndjson: one line per stored alert, with its incident" test \
    "$(grep -c '^{"type":"alert","id":"[0-9a-f]\{16\}","incident":"INC-' "$tmp/hunt.out")" -eq \
    "$(sqlite3 "$tmp/out.db" 'SELECT count(*) FROM alerts')"
wait_for 10 test -s "$tmp/syslog.txt"
check "hunt --alerts-to syslog: RFC 5424 with the ids in structured data" grep -q \
    '^<3[2-7]>1 [0-9T:.-]*Z [^ ]* tocsin [0-9]* alert \[tocsin@32473 id="[0-9a-f]\{16\}" incident="INC-' "$tmp/syslog.txt"
"$T" hunt "$tmp/one/conn.log" --db "$tmp/out.db" --no-progress --alerts-to "pager" >/dev/null 2>"$tmp/bad-out.err"
check "an unknown --alerts-to target is refused, named" grep -q "'pager' is not" "$tmp/bad-out.err"

# 5. Usage: watch takes files or --redis, not both; a bad URL is refused.
"$T" watch "$tmp/one" --redis "$URL" --stream x --group g --consumer c --db "$tmp/u.db" >/dev/null 2>&1
check "watch PATH --redis is a usage error" test $? -eq 2
"$T" ship "$tmp/one" --redis "http://x" --stream x --once >/dev/null 2>"$tmp/url.err"
check "a bad --redis URL is refused with the reason" grep -q "not a redis:// or unix:// URL" "$tmp/url.err"

echo "redis.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
