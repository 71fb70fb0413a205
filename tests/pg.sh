#!/bin/bash
# pg.sh: the store on PostgreSQL (--db postgresql://...) against the same hunt into SQLite:
# the same incidents and alerts, a rerun adding nothing, two hunts at once, the partition
# lock excluding a second owner, NOTIFY on new and changed incidents, and a hunt after the
# server restarted. A server of its own is made in a temporary directory (initdb) and
# listens on a free loopback port and a socket there; as root it runs as the unprivileged
# user nobody, since PostgreSQL refuses to run as root. Skips, saying so, without PostgreSQL
# (scripts/setup installs it).
# usage: tests/pg.sh [path/to/tocsin]
set -u
cd "$(dirname "$0")/.."
T=$(realpath "${1:-build/tocsin}")
export TOCSIN_DATA="$PWD/data"
passed=0 failed=0 skipped=0

check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@" >/dev/null 2>"$tmp/check.err"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $what"; cat "$tmp/check.err"; fi
}
same() { # file, file: equal, or the first differences shown
    cmp -s "$1" "$2" || { diff "$1" "$2" | head -n 8 | cut -c1-300 >&2; return 1; }
}
finish() { echo "pg: $passed passed, $failed failed, $skipped skipped"; [ "$failed" -eq 0 ]; exit; }

bin=""
for d in $(command -v pg_ctl 2>/dev/null | xargs -r dirname) /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/psql" ] && { bin=$d; break; }
done
if [ -z "$bin" ]; then
    echo "pg: skipped: PostgreSQL is not installed (scripts/setup installs postgresql)"
    skipped=1
    finish
fi

tmp=$(mktemp -d)
as=()
if [ "$(id -u)" -eq 0 ]; then
    as=(runuser -u nobody --)
    chmod 755 "$tmp"
fi
mkdir "$tmp/pg"
[ ${#as[@]} -eq 0 ] || chown nobody "$tmp/pg"
pgdata=$tmp/pg/data
server() { "${as[@]}" "$bin/pg_ctl" -D "$pgdata" -l "$tmp/pg/log" -w -t 60 "$@" >/dev/null 2>&1; }
cleanup() { server stop -m immediate; rm -rf "$tmp"; }
trap cleanup EXIT

if ! "${as[@]}" "$bin/initdb" -D "$pgdata" -U tocsin --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$tmp/initdb.log" 2>&1; then
    cat "$tmp/initdb.log"
    echo "FAILED: initdb"
    failed=1
    finish
fi
# A free port: the kernel's choice of an ephemeral one, tried again if taken meanwhile.
port=""
for _ in 1 2 3 4 5; do
    p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if server start -o "-p $p -k $tmp/pg -c listen_addresses=127.0.0.1 -c fsync=off"; then port=$p; break; fi
done
if [ -z "$port" ]; then
    tail -n 20 "$tmp/pg/log"
    echo "FAILED: starting PostgreSQL"
    failed=1
    finish
fi
psql() { "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U tocsin -v ON_ERROR_STOP=1 "$@"; }
psql -d postgres -c "CREATE DATABASE hunts" -c "CREATE DATABASE foreign_app"
url="postgresql://tocsin@127.0.0.1:$port/hunts"

# A campaign over 12 people and 6 days (the logs store_kill.sh hunts).
"$T" simulate --scenario sony-2014 --out "$tmp/sim" --users 12 --days 6 --seed 1 >/dev/null 2>&1
logs=("$tmp/sim/zeek" "$tmp/sim/windows" "$tmp/sim/linux" "$tmp/sim/mail" "$tmp/sim/suricata")
hunt() { # db, then extra arguments
    local db=$1; shift
    "$T" hunt "${logs[@]}" --intel "$tmp/sim/intel/bundle.json" --db "$db" --no-progress "$@"
}
# What the store holds, through tocsin's own readers: every incident with its alerts,
# entities and hypotheses, and every event behind them.
stored() { # db, output file
    "$T" incidents --db "$1" --json >"$2.list" &&
        for id in $(grep -o '"id":"INC-[0-9a-f]*"' "$2.list" | cut -d'"' -f4 | sort); do
            "$T" show "$id" --db "$1" --json || return 1
        done >"$2" &&
        "$T" timeline --db "$1" --jsonl >>"$2"
}

# The run line's clock readings differ from run to run.
untimed() { sed -E 's/"(started|ended)":"[^"]*",//g; s/"(seconds|events_per_second)":[0-9.e+-]*,?//g'; }
s0=$(date +%s.%N)
hunt "$tmp/lite.db" --json | untimed >"$tmp/lite.hunt"
s1=$(date +%s.%N)
hunt "$url" --json | untimed >"$tmp/pg.hunt"
s2=$(date +%s.%N)
awk -v a="$s0" -v b="$s1" -v c="$s2" 'BEGIN { printf "pg: hunt into SQLite %.2f s, into PostgreSQL %.2f s\n", b - a, c - b }'
check "the hunt into PostgreSQL prints what the hunt into SQLite prints" same "$tmp/lite.hunt" "$tmp/pg.hunt"
check "the hunt found incidents" grep -q '"INC-' "$tmp/lite.hunt"
stored "$tmp/lite.db" "$tmp/lite.stored"
stored "$url" "$tmp/pg.stored"
check "PostgreSQL holds the incidents, alerts and events SQLite holds" same "$tmp/lite.stored" "$tmp/pg.stored"
check "and they are not nothing" grep -q '"alerts"' "$tmp/pg.stored"
# the readers over several incidents: an actor's history, the exports
for db in "$tmp/lite.db" "$url"; do
    n=$([ "$db" = "$url" ] && echo pg || echo lite)
    "$T" actor "Lazarus Group" --db "$db" --json >"$tmp/$n.actor"
    "$T" report --db "$db" --stix "$tmp/$n.stix" --misp "$tmp/$n.misp"
done
check "actor reads the same history from both" same "$tmp/lite.actor" "$tmp/pg.actor"
check "which names incidents" grep -q '"INC-' "$tmp/pg.actor"
check "report --stix writes the same bundle from both" same "$tmp/lite.stix" "$tmp/pg.stix"
check "report --misp writes the same events from both" same "$tmp/lite.misp" "$tmp/pg.misp"
# Feeds kept in the store (bytea on PostgreSQL) and read back by a later session.
psql -d postgres -c "CREATE DATABASE feeds"
for db in "$tmp/feeds.db" "postgresql://tocsin@127.0.0.1:$port/feeds"; do
    n=$(case $db in postgresql*) echo pg ;; *) echo lite ;; esac)
    "$T" intel load "$tmp/sim/intel/bundle.json" tests/data/feeds/stix/* --db "$db" >/dev/null 2>&1
    "$T" intel stats --db "$db" --json >"$tmp/$n.intel"
done
check "feeds loaded into PostgreSQL are read back as from SQLite" same "$tmp/lite.intel" "$tmp/pg.intel"
check "and hold indicators" grep -q '"indicators":[1-9]' "$tmp/pg.intel"
count() { psql -d hunts -At -c "SELECT (SELECT count(*) FROM alerts) || ' ' || (SELECT count(*) FROM incidents) || ' ' || (SELECT count(*) FROM alert_hits) || ' ' || (SELECT count(*) FROM entities)"; }
before=$(count)

# Readers never wait for a writer's turn (the advisory lock a hunt holds while it commits).
psql -d hunts -c "BEGIN" -c "SELECT pg_advisory_xact_lock(1952674679, 0)" -c "SELECT pg_sleep(6)" -c "COMMIT" >/dev/null &
hold=$!
sleep 1
check "incidents reads while a writer holds the write lock" timeout 4 "$T" incidents --db "$url"
wait "$hold"

# Idempotence: the same logs again add no alert, incident, event or entity.
hunt "$url" >/dev/null 2>&1
check "a rerun adds nothing ($before)" test "$(count)" = "$before"

# NOTIFY: a listener hears of new incidents. psql prints what it heard after its next command.
psql -d postgres -c "CREATE DATABASE heard"
listen() { # database: listens until $tmp/heard.done appears
    rm -f "$tmp/heard.done"
    { echo "LISTEN tocsin_incidents;"; while [ ! -e "$tmp/heard.done" ]; do sleep 0.2; done; echo "SELECT 1;"; } |
        psql -d "$1" >"$tmp/heard" 2>&1
}
heard="postgresql://tocsin@127.0.0.1:$port/heard"
listen heard &
lpid=$!
sleep 1
hunt "$heard" >/dev/null 2>&1
touch "$tmp/heard.done"
wait "$lpid"
new=$(grep -c '"change":"new"' "$tmp/heard")
check "NOTIFY tells of each new incident ($new heard)" test "$new" -ge 1 -a "$new" -eq "$(grep -o 'INC-[0-9a-f]*' "$tmp/lite.hunt" | sort -u | wc -l)"
listen heard &
lpid=$!
sleep 1
hunt "$heard" >/dev/null 2>&1
inc=$(grep -o '"id":"INC-[0-9a-f]*"' "$tmp/pg.hunt" | head -n 1 | cut -d'"' -f4)
"$T" close "$inc" --benign --note "test" --db "$heard" >/dev/null
touch "$tmp/heard.done"
wait "$lpid"
check "a rerun is silent, a closed incident is told" test "$(grep -c 'tocsin_incidents' "$tmp/heard")" -eq 1 -a \
    "$(grep -c "\"incident\":\"$inc\",\"change\":\"closed\"" "$tmp/heard")" -eq 1

# A store made by another process while this one waited for the write lock to make it is
# seen as made (not as another program's tables): the other process is played by psql,
# which holds the lock, creates a current store's version table and core tables, commits.
psql -d postgres -c "CREATE DATABASE race"
psql -d race -c "BEGIN" -c "SELECT pg_advisory_xact_lock(1952674679, 0)" -c "SELECT pg_sleep(2)" \
    -c "CREATE TABLE tocsin_schema (version int); INSERT INTO tocsin_schema VALUES (6)" \
    -c "CREATE TABLE runs (id int); CREATE TABLE alerts (id int); CREATE TABLE incidents (id text, last_ns bigint)" \
    -c "CREATE TABLE feeds (id bigint, kind text, name text, size bigint, data bytea)" -c "COMMIT" >/dev/null &
hold=$!
sleep 1
check "a store created while waiting for the write lock opens" "$T" incidents --db "postgresql://tocsin@127.0.0.1:$port/race"
wait "$hold"

# Two hunts at once on one new store both succeed with the findings of one.
psql -d postgres -c "CREATE DATABASE twice"
two="postgresql://tocsin@127.0.0.1:$port/twice"
hunt "$two" >/dev/null 2>"$tmp/two.a" &
a=$!
hunt "$two" >/dev/null 2>"$tmp/two.b" &
b=$!
wait "$a"; sa=$?
wait "$b"; sb=$?
check "two hunts at once both succeed ($sa, $sb)" test "$sa" -eq 0 -a "$sb" -eq 0 ||
    grep -hv 'out of time order' "$tmp/two.a" "$tmp/two.b"
stored "$two" "$tmp/two.stored"
# which of the two runs created or last updated an incident is theirs to race for
unrun() { sed -E 's/"(created|updated)_run":[0-9]+/"\1_run":N/g' "$1" >"$1.unrun"; }
unrun "$tmp/lite.stored"
unrun "$tmp/two.stored"
check "and store what one hunt stores" same "$tmp/lite.stored.unrun" "$tmp/two.stored.unrun"

# The partition lock: a second owner is refused while the first holds it, and takes it
# once the first is gone (its connection closed).
cat >"$tmp/locker.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "store/store.h"
int main(int argc, char **argv)
{
    ts_store *s;
    char err[512];
    int got = -1;
    if (ts_store_open(argv[1], &s, err, sizeof err) != TOCSIN_OK) { fprintf(stderr, "%s\n", err); return 2; }
    if (ts_store_lock_partition(s, (uint32_t)strtoul(argv[2], NULL, 10), &got) != TOCSIN_OK) {
        fprintf(stderr, "%s\n", ts_store_error(s)); return 2;
    }
    printf("%d\n", got);
    fflush(stdout);
    if (argc > 3) sleep((unsigned)atoi(argv[3]));
    ts_store_close(s);
    return 0;
}
EOF
# A store whose server restarts in the middle of a transaction: the commit fails, the
# next transaction connects again and commits, and the partition is owned again.
cat >"$tmp/restart.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
int main(int argc, char **argv)
{
    ts_store *s;
    char err[512], line[16];
    int got = 0;
    void *data;
    size_t len;
    (void)argc;
    if (ts_store_open(argv[1], &s, err, sizeof err) != TOCSIN_OK) { fprintf(stderr, "%s\n", err); return 2; }
    if (ts_store_lock_partition(s, 9, &got) != TOCSIN_OK || !got || ts_store_begin(s) != TOCSIN_OK ||
        ts_store_state_put(s, "restart-test", 0, "lost", 4) != TOCSIN_OK) { fprintf(stderr, "%s\n", ts_store_error(s)); return 2; }
    printf("ready\n");
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin)) return 2;
    printf("first commit %s\n", ts_store_commit(s) == TOCSIN_OK ? "ok" : "failed");
    int again = ts_store_begin(s) == TOCSIN_OK && ts_store_state_put(s, "restart-test", 0, "kept", 4) == TOCSIN_OK &&
                ts_store_commit(s) == TOCSIN_OK;
    printf("second commit %s\n", again ? "ok" : ts_store_error(s));
    printf("owns %d\n", ts_store_owns_partition(s, 9));
    if (ts_store_state_get(s, "restart-test", &data, &len) == TOCSIN_OK && data) {
        printf("state %.*s\n", (int)len, (char *)data);
        free(data);
    }
    ts_store_close(s);
    return 0;
}
EOF
B=$(dirname "$T")
san=""; [ "$(basename "$B")" = build-san ] && san="-fsanitize=address,undefined"
build() { # name: builds $tmp/name from $tmp/name.c against the library
    cc $san -Iinclude -Isrc -D_GNU_SOURCE $(pkg-config --cflags libpq) -o "$tmp/$1" "$tmp/$1.c" "$B/libtocsin.a" \
        $(pkg-config --libs sqlite3 libpq zlib libloc simdjson jansson gmime-3.0 yaml-0.1 libhs libpcre2-8 libpsl) \
        -lstdc++ -lm -lpthread 2>>"$tmp/cc.log"
}
if build locker && build restart; then
    "$tmp/locker" "$url" 7 4 >"$tmp/first" &
    lpid=$!
    sleep 1
    check "the first owner takes partition 7" test "$(cat "$tmp/first")" = 1
    check "a second owner is refused partition 7" test "$("$tmp/locker" "$url" 7)" = 0
    check "but takes partition 8" test "$("$tmp/locker" "$url" 8)" = 1
    wait "$lpid"
    check "and partition 7 once the first is gone" test "$("$tmp/locker" "$url" 7)" = 1
    check "on SQLite every lock succeeds (one machine)" test "$("$tmp/locker" "$tmp/lite.db" 7)" = 1
else
    cat "$tmp/cc.log"
    failed=$((failed + 1)); echo "FAILED: building the partition-lock client"
fi

# A row the server refuses, among those sent without waiting for their answers (an alert's
# events: a trigger refuses them here), fails the hunt saying which, and stores nothing of
# it; the same hunt once the trigger is gone stores everything.
psql -d postgres -c "CREATE DATABASE refuse"
refuse="postgresql://tocsin@127.0.0.1:$port/refuse"
"$T" incidents --db "$refuse" >/dev/null
psql -d refuse -c 'CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION $e$refused by the test$e$; END $$ LANGUAGE plpgsql' \
    -c "CREATE TRIGGER refuse BEFORE INSERT ON alert_hits FOR EACH ROW EXECUTE FUNCTION refuse()"
hunt "$refuse" >/dev/null 2>"$tmp/refuse.err"
check "a refused event fails the hunt" test $? -eq 1
check "naming the row and the server's reason" grep -q "recording an alert's event: ERROR: *refused by the test" "$tmp/refuse.err"
check "and nothing of the hunt is stored" test "$(psql -d refuse -At -c "SELECT count(*) FROM alerts")" = 0
psql -d refuse -c "DROP TRIGGER refuse ON alert_hits"
hunt "$refuse" >/dev/null 2>&1
stored "$refuse" "$tmp/refuse.stored"
# the refused transaction used up identity numbers, which a rollback does not give back
noid() { sed -E 's/"(created|updated)_run":[0-9]+/"\1_run":N/g; s/"id":[0-9]+/"id":N/g' "$1" >"$1.noid"; }
noid "$tmp/lite.stored"
noid "$tmp/refuse.stored"
check "the hunt again stores what SQLite holds" same "$tmp/lite.stored.noid" "$tmp/refuse.stored.noid"

# A database another program uses is refused, and left as it was.
psql -d foreign_app -c "CREATE TABLE customers (id int)"
"$T" hunt "${logs[0]}" --db "postgresql://tocsin@127.0.0.1:$port/foreign_app" --no-progress >/dev/null 2>"$tmp/foreign.err"
check "another program's database is refused" grep -q "not a tocsin store.*customers" "$tmp/foreign.err"
check "and left as it was" test "$(psql -d foreign_app -At -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 1

# A password in the URL never reaches a message.
"$T" incidents --db "postgresql://tocsin:s3cret@127.0.0.1:1/none" >/dev/null 2>"$tmp/down.err"
check "a server that is not there is a clear failure" grep -q "connecting to PostgreSQL" "$tmp/down.err"
check "without the password" test "$(grep -c s3cret "$tmp/down.err")" -eq 0
"$T" show INC-0000000000000000 --db "postgresql://tocsin:s3cret@127.0.0.1:$port/hunts" >/dev/null 2>"$tmp/none.err"
check "an unknown incident names the database" grep -q "no incident INC-0000000000000000 in postgresql://tocsin@127.0.0.1:$port/hunts" "$tmp/none.err"
check "without the password" test "$(grep -c s3cret "$tmp/none.err")" -eq 0

# The server restarted between two hunts: the second works and adds nothing.
server restart -o "-p $port -k $tmp/pg -c listen_addresses=127.0.0.1 -c fsync=off"
hunt "$url" >/dev/null 2>&1
check "a hunt after PostgreSQL restarted succeeds" test $? -eq 0
check "and adds nothing" test "$(count)" = "$before"
if [ -x "$tmp/restart" ]; then
    coproc RESTART { "$tmp/restart" "$url"; }
    read -r ready <&"${RESTART[0]}"
    server restart -o "-p $port -k $tmp/pg -c listen_addresses=127.0.0.1 -c fsync=off"
    echo go >&"${RESTART[1]}"
    out=$(cat <&"${RESTART[0]}")
    wait "$RESTART_PID" 2>/dev/null
    check "a commit cut by a server restart fails ($ready)" grep -q "first commit failed" <<<"$out"
    check "the next transaction connects again and commits ($out)" grep -q "second commit ok" <<<"$out"
    check "owning its partition again" grep -q "owns 1" <<<"$out"
    check "and what it committed is kept, not what was cut" grep -q "state kept" <<<"$out"
fi

# A watch that outlives a server restart connects again and loses nothing: it stores the
# alerts a batch hunt of the same log finds.
psql -d postgres -c "CREATE DATABASE live"
live="postgresql://tocsin@127.0.0.1:$port/live"
mkdir "$tmp/live"
conn=$tmp/sim/zeek/conn.log
half=$(($(wc -l <"$conn") / 2))
head -n "$half" "$conn" >"$tmp/live/conn.log"
"$T" watch "$tmp/live" --db "$live" --interval 0.2 --json >"$tmp/live.out" 2>"$tmp/live.err" &
wpid=$!
read_to() { # waits until the watch stored its position at byte $1 of the log
    for _ in $(seq 150); do
        [ "$(psql -d live -At -c "SELECT max(\"offset\") FROM watch_positions" 2>/dev/null)" = "$1" ] && return 0
        sleep 0.2
    done
    return 1
}
check "the watch reads the first half" read_to "$(stat -c %s "$tmp/live/conn.log")"
server restart -o "-p $port -k $tmp/pg -c listen_addresses=127.0.0.1 -c fsync=off"
tail -n +"$((half + 1))" "$conn" >>"$tmp/live/conn.log"
check "and, after PostgreSQL restarted, the second" read_to "$(stat -c %s "$conn")"
kill -TERM "$wpid"
wait "$wpid"
check "the watch ends with status 0" test $? -eq 0
"$T" hunt "$conn" --db "$tmp/conn.db" --no-progress >/dev/null 2>&1
batch=$("$T" incidents --db "$tmp/conn.db" --json | grep -o '"alerts":[0-9]*' | awk -F: '{ s += $2 } END { print s + 0 }')
live_alerts=$(psql -d live -At -c "SELECT count(*) FROM alerts")
check "and stored the alerts of a batch hunt ($live_alerts, $batch)" test "$live_alerts" = "$batch" -a "$batch" -gt 0

# Workers of a Redis stream over four partitions, with PostgreSQL as their shared store:
# the five hosts of the log are in different partitions, and the incident a batch hunt
# joins them into (same C2 address) is formed once, across partitions, and told by NOTIFY.
if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --port "$rport" --bind 127.0.0.1 --dir "$tmp" --save '' --appendonly no \
        --logfile "$tmp/redis.log" &
    rpid=$!
    for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
    mkdir "$tmp/parts"
    { grep '^#' tests/data/cli/logs/zeek/conn.log | grep -v '^#close'
      awk 'BEGIN { for (i = 0; i < 40; i++)
        printf "%d.250000\tC%04d\t10.20.0.%d\t%d\t203.131.222.102\t443\ttcp\tssl\t1.5\t%d\t4096\tSF\n",
               1416816000 + 60 * i, i, 10 + i % 5, 50000 + i, 300 + i }'; } >"$tmp/parts/conn.log"
    "$T" ship "$tmp/parts" --redis "redis://127.0.0.1:$rport" --stream ev --partitions 4 --once 2>/dev/null
    psql -d postgres -c "CREATE DATABASE parts"
    listen parts &
    lpid=$!
    sleep 1
    for c in a b; do
        "$T" watch --redis "redis://127.0.0.1:$rport" --stream ev --group g --consumer "$c" --drain \
            --db "postgresql://tocsin@127.0.0.1:$port/parts" >"$tmp/parts-$c.out" 2>>"$tmp/parts.err" &
        eval "w_$c=\$!"
    done
    wait "$w_a"; ra=$?
    wait "$w_b"; rb=$?
    touch "$tmp/heard.done"
    wait "$lpid"
    kill -TERM "$rpid"; wait "$rpid" 2>/dev/null
    check "two workers over four partitions into PostgreSQL end with status 0" test "$ra$rb" = 00
    "$T" hunt "$tmp/parts" --db "$tmp/parts.db" --no-progress >/dev/null 2>&1
    strip() { sed 's/"created_run":[0-9]*,"updated_run":[0-9]*//' | sort; }
    "$T" incidents --db "$tmp/parts.db" --json | strip >"$tmp/parts-batch.inc"
    "$T" incidents --db "postgresql://tocsin@127.0.0.1:$port/parts" --json | strip >"$tmp/parts-live.inc"
    check "the batch hunt joins the five hosts into one incident" \
        test "$(wc -l <"$tmp/parts-batch.inc")" -eq 1 -a "$(grep -o '10\.20\.0\.1[0-4]' "$tmp/parts-batch.inc" | sort -u | wc -l)" -eq 5
    check "the workers' incidents in PostgreSQL are the batch hunt's" same "$tmp/parts-batch.inc" "$tmp/parts-live.inc"
    inc=$(grep -o '"id":"INC-[0-9a-f]*"' "$tmp/parts-batch.inc" | cut -d'"' -f4)
    check "NOTIFY told of the incident formed across partitions" grep -q "\"incident\":\"$inc\",\"change\":\"new\"" "$tmp/heard"
else
    echo "pg: the stream workers' part skipped: redis-server is not installed"
fi

check "suppress adds, lists and removes" sh -c "'$T' suppress --host WS-0001 --reason test --db '$url' &&
    '$T' suppress --list --db '$url' | grep -q WS-0001 && '$T' suppress --remove 1 --db '$url'"

finish
