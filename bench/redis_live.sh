#!/bin/bash
# redis_live.sh: figures for the Redis stream workers (docs/live.md), against a redis-server
# started on a free loopback port in a temporary directory (append-only file, fsync every
# second, as a production server would run):
#   1. events per second of one worker, and of two workers together (the speed-up), over
#      N made-up Zeek conn records shipped to P partitions beforehand;
#   2. time from XADD to the alert being stored (its entry on the alert stream, written
#      right after the commit), p50 and p99, at a fixed offered load of RATE records/s
#      through `tocsin ship`, one record in 50 alerting (each on a host of its own).
# usage: bench/redis_live.sh [path/to/tocsin] [N=200000] [P=4] [RATE=1000] [SECONDS=20]
set -u
cd "$(dirname "$0")/.."
command -v redis-server >/dev/null || { echo "redis_live.sh: redis-server is not installed"; exit 1; }
T=$(realpath "${1:-build/tocsin}")
N=${2:-200000} P=${3:-4} RATE=${4:-1000} SECS=${5:-20}
export TOCSIN_DATA="$PWD/data"
tmp=$(mktemp -d)
export TOCSIN_CACHE_DIR="$tmp/cache"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    wait 2>/dev/null # no "Killed" notes for the helpers
    if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="redis://127.0.0.1:$PORT"
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$tmp" --save '' --appendonly yes --appendfsync everysec \
    --logfile "$tmp/redis.log" &
pids+=($!)
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.1; done
now() { date +%s.%N; }

# Made-up Zeek conn records: 5,000 internal hosts talking to public addresses, every 50th
# record to the Sony 2014 C2 address from a host of its own (so each makes a new alert).
gen() { # first count [rate]: rate 0 writes at once
    python3 - "$1" "$2" "${3:-0}" <<'EOF'
import random, sys, time
first, count, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rnd = random.Random(first)
print("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
      "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\n"
      "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring", flush=True)
start = time.time()
for i in range(first, first + count):
    if i % 50 == 0:
        src, dst = "10.200.%d.%d" % (i // 50 // 250 % 250, i // 50 % 250 + 1), "203.131.222.102"
    else:
        h = rnd.randrange(5000)
        src, dst = "10.1.%d.%d" % (h // 250, h % 250 + 1), "%d.%d.%d.%d" % (rnd.randrange(1, 220), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255))
    print("%d.%06d\tC%08d\t%s\t%d\t%s\t443\ttcp\tssl\t0.5\t%d\t%d\tSF" % (
        1416816000 + i // 10, i % 10 * 100000, i, src, 40000 + i % 20000, dst, 300 + i % 700, 2000 + i % 5000))
    if rate and i % 10 == 9:
        sys.stdout.flush()
        lag = start + (i - first + 1) / rate - time.time()
        if lag > 0:
            time.sleep(lag)
EOF
}

echo "redis_live: $N records, $P partitions; $(nproc) cores, shared (the machine was loaded: quote ratios)"
mkdir -p "$tmp/logs"
gen 0 "$N" >"$tmp/logs/conn.log"
t0=$(now)
"$T" hunt "$tmp/logs" --db "$tmp/batch.db" --no-progress >/dev/null 2>&1
t1=$(now)
echo "batch hunt of the same file (the yardstick): $(echo "$N / ($t1 - $t0)" | bc) events/s"
t0=$(now)
"$T" ship "$tmp/logs" --redis "$URL" --stream ev --partitions "$P" --once 2>/dev/null
t1=$(now)
echo "ship: $N records in $(echo "$t1 - $t0" | bc -l | cut -c1-6) s = $(echo "$N / ($t1 - $t0)" | bc) records/s"

# Both groups exist before either reads: a worker trims below what every group has
# acknowledged, so a group made later would find the stream trimmed.
for p in $(seq 0 $((P - 1))); do
    for g in one two; do redis-cli -p "$PORT" XGROUP CREATE "ev:p$p" $g 0 >/dev/null; done
done
t0=$(now)
"$T" watch --redis "$URL" --stream ev --group one --consumer w1 --db "$tmp/one.db" --drain >/dev/null 2>"$tmp/one.err" ||
    { echo "redis_live: the worker failed:"; cat "$tmp/one.err"; exit 1; }
t1=$(now)
one=$(echo "$t1 - $t0" | bc -l)
echo "one worker: $(echo "$one" | cut -c1-6) s = $(echo "$N / $one" | bc) events/s"

t0=$(now)
"$T" watch --redis "$URL" --stream ev --group two --consumer w1 --db "$tmp/two.db" --drain >/dev/null 2>&1 &
a=$!
"$T" watch --redis "$URL" --stream ev --group two --consumer w2 --db "$tmp/two.db" --drain >/dev/null 2>&1 &
b=$!
wait $a || { echo "redis_live: a worker failed"; exit 1; }
wait $b || { echo "redis_live: a worker failed"; exit 1; }
t1=$(now)
two=$(echo "$t1 - $t0" | bc -l)
echo "two workers: $(echo "$two" | cut -c1-6) s = $(echo "$N / $two" | bc) events/s together," \
    "$(echo "$N / $two / 2" | bc) per worker; speed-up $(echo "$one / $two" | bc -l | cut -c1-4)x"
for db in one two; do
    echo "  $db: $(sqlite3 "$tmp/$db.db" 'SELECT count(*), sum(count) FROM alerts' | tr '|' ' ') (alerts, events in them)"
done

# Latency at a fixed offered load: a growing file, the shipper, one worker.
mkdir -p "$tmp/live"
for p in $(seq 0 $((P - 1))); do # a group that never reads keeps every entry (and its XADD time)
    redis-cli -p "$PORT" XGROUP CREATE "lat:p$p" keep 0 MKSTREAM >/dev/null
done
"$T" ship "$tmp/live" --redis "$URL" --stream lat --partitions "$P" --interval 0.05 2>/dev/null &
pids+=($!)
ship=$!
"$T" watch --redis "$URL" --stream lat --group g --consumer w1 --db "$tmp/lat.db" --alerts-to "$URL/alerts" \
    >/dev/null 2>&1 &
pids+=($!)
worker=$!
sleep 3 # the worker opens its partitions' pipelines
count=$(echo "$RATE * $SECS" | bc)
gen 1000000 "$count" "$RATE" >"$tmp/live/conn.log"
sleep 3
kill -TERM $ship $worker
wait $ship $worker 2>/dev/null
for p in $(seq 0 $((P - 1))); do redis-cli -p "$PORT" XRANGE "lat:p$p" - +; done >"$tmp/in.txt"
redis-cli -p "$PORT" XRANGE alerts - + >"$tmp/out.txt"
python3 - "$tmp/in.txt" "$tmp/out.txt" "$RATE" <<'EOF'
import json, re, sys
idre = re.compile(r"^(\d+)-\d+$")
def entries(path):
    toks = open(path, encoding="utf-8", errors="replace").read().split("\n")
    out, i = [], 0
    while i < len(toks):
        m = idre.match(toks[i])
        if m and i + 1 < len(toks) and toks[i + 1] in ("file", "id"):
            j, f = i + 1, {}
            while j + 1 < len(toks) and not (idre.match(toks[j]) and toks[j + 1] in ("file", "id")):
                f[toks[j]] = toks[j + 1]
                j += 2
            out.append((int(m.group(1)), f))
            i = j
        else:
            i += 1
    return out
added = {int(f["line"]): ms for ms, f in entries(sys.argv[1]) if "line" in f}
lat = []
for ms, f in entries(sys.argv[2]):
    a = json.loads(f.get("alert", "{}"))
    if a.get("line") in added:
        lat.append(ms - added[a["line"]])
lat.sort()
if not lat:
    print("latency: no alert matched"); sys.exit(1)
pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print("latency at %s records/s offered: %d alerts, XADD to stored alert p50 %d ms, p99 %d ms, max %d ms" %
      (sys.argv[3], len(lat), pick(0.5), pick(0.99), lat[-1]))
EOF
