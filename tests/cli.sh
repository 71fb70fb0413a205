#!/bin/bash
# cli.sh: end-to-end tests of the tocsin command on logs the project wrote: a hunt from raw
# logs to an attributed incident, the store read back, no duplicates on a second hunt,
# persistent intelligence, lookups, attribution, bad input and escaping.
# usage: tests/cli.sh [path/to/tocsin]
set -u
cd "$(dirname "$0")/.."
T=$(realpath "${1:-build/tocsin}")
export TOCSIN_DATA="$PWD/data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TOCSIN_CACHE_DIR="$tmp/cache" # compiled rules and tables: the test's own
passed=0 failed=0

check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $what"; fi
}
status_is() { # expected status, command...
    local want=$1; shift
    "$@" >/dev/null 2>&1
    [ $? -eq "$want" ]
}

# Linux syslog has no year: it comes from the file's time, so pin it to the campaign's.
cp -r tests/data/cli/logs "$tmp/logs"
touch -d 2014-11-30 "$tmp/logs/linux/auth.log"
db="$tmp/a.db"

# The hunt ends with one entry per incident; with_details adds each one's `show` to its report.
with_details() { # report file, store
    grep -o '^INC-[0-9a-f]\{16\}' "$1" | while read -r id; do "$T" show "$id" --db "$2"; done >>"$1"
}
"$T" hunt "$tmp/logs" --db "$db" --no-progress >"$tmp/hunt1.txt" 2>"$tmp/hunt1.err"
check "hunt over clean logs exits 0" test $? -eq 0
check "the hunt's report is one entry per incident" test "$(grep -c '^INC-' "$tmp/hunt1.txt")" -eq "$(grep -o '[0-9]* incidents\?$' "$tmp/hunt1.txt" | head -1 | cut -d' ' -f1)"
with_details "$tmp/hunt1.txt" "$db"
check "hunt reports an incident" grep -q 'INC-[0-9a-f]\{16\}' "$tmp/hunt1.txt"
check "the incident is attributed to Lazarus Group" grep -q 'Lazarus Group' "$tmp/hunt1.txt"
check "the Sony 2014 C2 address is evidence" grep -q '203\.131\.222\.102' "$tmp/hunt1.txt"
check "the direct connection from North Korea is evidence" grep -q '175\.45\.176\.10' "$tmp/hunt1.txt"
check "the report says where the evidence came from" grep -q 'conn\.log:[0-9]' "$tmp/hunt1.txt"

"$T" incidents --db "$db" >"$tmp/list1.txt"
check "incidents lists what the hunt found" grep -q 'INC-' "$tmp/list1.txt"
id=$(grep -o 'INC-[0-9a-f]\{16\}' "$tmp/list1.txt" | head -n 1)
"$T" show "$id" --db "$db" >"$tmp/show1.txt"
check "show prints the incident" grep -q "$id" "$tmp/show1.txt"
"$T" show "$id" --db "$db" --json >"$tmp/show1.json"
check "show --json is NDJSON" bash -c "grep -v -c '^{.*}\$' '$tmp/show1.json' | grep -qx 0"
check "show --json carries provenance" grep -q '"line"' "$tmp/show1.json"


"$T" hunt "$tmp/logs" --db "$db" --no-progress >/dev/null 2>&1
"$T" incidents --db "$db" --json >"$tmp/list2.json"
check "a second hunt adds no incident" test "$(grep -c 'INC-' "$tmp/list2.json")" -eq "$(grep -c 'INC-' "$tmp/list1.txt")"
"$T" show "$id" --db "$db" --json >"$tmp/show2.json"
check "a second hunt adds no alert" test "$(wc -l <"$tmp/show2.json")" -eq "$(wc -l <"$tmp/show1.json")"

# The report can be cut to the graver incidents and written to a file; the store keeps all.
"$T" hunt "$tmp/logs" --db "$tmp/lvl.db" --no-progress --min-level critical -o "$tmp/lvl.txt" >"$tmp/lvl.out" 2>/dev/null
check "hunt -o writes the report to the file, not to standard output" bash -c "test -s '$tmp/lvl.txt' && ! test -s '$tmp/lvl.out'"
check "hunt --min-level critical lists only critical incidents" bash -c "grep '^INC-' '$tmp/lvl.txt' | grep -q critical && ! grep '^INC-' '$tmp/lvl.txt' | grep -qv ' critical '"
check "hunt --min-level says how many of the incidents it lists" grep -q 'incidents, [0-9]* within --min-level' "$tmp/lvl.txt"
check "the store keeps the incidents the report left out" test "$("$T" incidents --db "$tmp/lvl.db" | grep -c '^INC-')" -gt "$(grep -c '^INC-' "$tmp/lvl.txt")"
check "hunt --since after every event lists no incident" bash -c "'$T' hunt '$tmp/logs' --db '$tmp/lvl.db' --no-progress --since 2030-01-01 | grep -q '0 within' "
check "hunt --min-level with a bad level is a usage error" status_is 2 "$T" hunt "$tmp/logs" --db "$tmp/lvl.db" --min-level severe
check "an incident that stays apart says why" bash -c "for i in \$('$T' incidents --db '$tmp/lvl.db' | grep -o '^INC-[0-9a-f]*'); do '$T' show \$i --db '$tmp/lvl.db'; done | grep -q '^  apart '"
"$T" hunt "$tmp/logs" --db "$tmp/j.db" --json --no-progress >"$tmp/hunt.json" 2>/dev/null
check "hunt --json prints only JSON objects" bash -c "test -s '$tmp/hunt.json' && ! grep -qv '^{.*}\$' '$tmp/hunt.json'"
check "hunt --json lists the events behind each alert, with Zeek's uid" bash -c \
    "grep '\"type\":\"alert\"' '$tmp/hunt.json' | grep -q '\"events\":\[{\"time\":\"[0-9T:.Z-]*\",\"ts_ns\":[0-9]*,\"file\":\"[^\"]*conn.log\",\"line\":[0-9]*,.*\"uid\":\"C'"
check "hunt --json states the detectors' memory and what they forgot" grep -q '"state":{"bytes":[1-9][0-9]*,"bound":[1-9][0-9]*,"evicted":0,"tables":\[{"owner":"credential"' "$tmp/hunt.json"

# Intelligence loaded once is kept in the store for later sessions.
printf '# a list with a declared actor\n45.33.20.1\nbad-entry-!!\nc2.tocsin-test.example\n' >"$tmp/list.txt"
"$T" intel load "$tmp/list.txt" --actor "Tocsin Test Actor" --db "$db" >/dev/null 2>"$tmp/load.err"
check "a bad list entry is reported with its line" grep -q 'list.txt:3' "$tmp/load.err"
"$T" intel lookup 45.33.20.1 --db "$db" >"$tmp/lk1.txt"
check "a stored feed is used by a later lookup" grep -q 'Tocsin Test Actor' "$tmp/lk1.txt"
"$T" intel lookup www.c2.tocsin-test.example --db "$db" >"$tmp/lk2.txt"
check "a domain indicator matches its subdomains" grep -q 'Tocsin Test Actor' "$tmp/lk2.txt"
"$T" intel lookup 175.45.176.10 --db "$db" >"$tmp/lk3.txt"
check "an IP lookup shows its country" grep -q 'KP' "$tmp/lk3.txt"
"$T" intel lookup "Guardians of Peace" --db "$db" >"$tmp/lk4.txt"
check "an alias resolves to its actor" grep -q 'Lazarus Group' "$tmp/lk4.txt"
"$T" intel stats --db "$db" >"$tmp/stats.txt"
check "intel stats counts indicators" grep -qi 'ip' "$tmp/stats.txt"

printf 'ip 203.131.222.102\n# a comment\n' | "$T" attribute --db "$db" >"$tmp/attr.txt"
check "attribute ranks Lazarus Group first for its C2" bash -c "grep -m1 -E 'Lazarus|unattributed|insider' '$tmp/attr.txt' | grep -q Lazarus"
printf 'T1059\nT1105\n' | "$T" attribute --db "$db" >"$tmp/attr2.txt"
check "common techniques alone attribute nothing confidently" bash -c "! grep -qi 'almost certainly' '$tmp/attr2.txt'"
check "the verdict never names an actor below likely" grep -q '^attribution: unattributed' "$tmp/attr2.txt"
check "the verdict states a confidence level" grep -q 'Confidence: \(low\|moderate\|high\)' "$tmp/attr2.txt"
check "attribute prints the competing-hypotheses table" grep -q '^competing hypotheses' "$tmp/attr.txt"

# Years of tracking: an actor's sightings, and the incidents it is the verdict of.
lid=$(grep 'Lazarus Group' "$tmp/list1.txt" | grep -o 'INC-[0-9a-f]\{16\}' | head -n 1)
"$T" actor "Guardians of Peace" --db "$db" >"$tmp/actor.txt"
check "actor resolves an alias and lists its incident" grep -q "${lid:-none}" "$tmp/actor.txt"
check "actor lists its matched indicators" grep -q '203\.131\.222\.102' "$tmp/actor.txt"
check "actor says when it was first seen" grep -q 'first seen 2014-' "$tmp/actor.txt"
check "actor NAME unknown everywhere exits 1" status_is 1 "$T" actor "No Such Actor 123" --db "$db"
"$T" incidents --actor G0032 --db "$db" >"$tmp/byactor.txt"
check "incidents --actor lists the actor's incident" grep -q "${lid:-none}" "$tmp/byactor.txt"
"$T" incidents --actor APT28 --db "$db" >"$tmp/byactor2.txt"
check "incidents --actor lists no other actor's incident" bash -c "! grep -q INC- '$tmp/byactor2.txt'"

# Bad input: each problem named with its file (and line), the rest still read, status 3.
bad="$tmp/bad"
mkdir -p "$bad"
cp "$tmp/logs/zeek/conn.log" "$bad/good.log"
head -c 300000 /dev/urandom | gzip >"$bad/trunc.gz.tmp"
{ printf '{"_path":"dns","ts":1416816000.0,"id.orig_h":"10.0.0.9","id.orig_p":5,"id.resp_h":"10.0.0.1","id.resp_p":53,"query":"a.example"}\n'
  printf '[1,2,3]\n'
  printf '{"_path":"dns","ts":1416816001.0,"query":"\xff\xfe"}\n'
  head -c 10485760 /dev/zero | tr '\0' 'x'; printf '\n'
  printf '{"_path":"dns","ts":1416816002.0,"id.orig_h":"10.0.0.9","id.orig_p":5,"id.resp_h":"10.0.0.1","id.resp_p":53,"query":"b.example"}\n'
} >"$bad/dns.json"
gzip -c "$bad/good.log" | head -c 200 >"$bad/trunc.log.gz"
rm -f "$bad/trunc.gz.tmp"
printf 'this is not a log format\nat all\n' >"$bad/notes.txt"
ln -s "$bad/missing" "$bad/dangling.log"
"$T" hunt "$bad" --db "$tmp/bad.db" --no-progress >"$tmp/bad.out" 2>"$tmp/bad.err"
check "bad input gives exit status 3" test $? -eq 3
check "a JSON record that is not an object is named by line" grep -q 'dns.json:2' "$tmp/bad.err"
check "invalid UTF-8 is named by line" grep -q 'dns.json:3' "$tmp/bad.err"
check "a 10 MB line is named by line" grep -q 'dns.json:4' "$tmp/bad.err"
check "a truncated gzip is named" grep -q 'trunc.log.gz' "$tmp/bad.err"
check "an unknown format is named" grep -q 'notes.txt' "$tmp/bad.err"
check "an unreadable file is named" grep -q 'dangling.log' "$tmp/bad.err"
check "good input beside bad input is still hunted" grep -q 'Lazarus Group' "$tmp/bad.out"

# A line nested 100,000 deep (it overflowed the stack and killed the hunt) is named and
# skipped; the lines around it are read. A path that cannot be opened is named.
dns='{"_path":"dns","id.orig_h":"10.0.0.9","id.orig_p":5,"id.resp_h":"10.0.0.1","id.resp_p":53'
{ printf '%s,"ts":1416816000.0,"query":"a.example"}\n' "$dns"
  printf '%s,"ts":1416816001.0,"x":' "$dns"
  head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; printf '}\n'
  printf '%s,"ts":1416816002.0,"query":"b.example"}\n' "$dns"
} >"$tmp/deep.json"
"$T" hunt "$tmp/deep.json" "$tmp/absent.log" --db "$tmp/deep.db" --no-progress >"$tmp/deep.out" 2>"$tmp/deep.err"
check "a 100,000-deep line gives exit status 3" test $? -eq 3
check "the deep line is named by line" grep -q 'deep.json:2: .*nested deeper than 1024' "$tmp/deep.err"
check "the lines around the deep one are read" grep -q '1 file, 2 events, 2 rejected' "$tmp/deep.out"
check "a missing input is named" grep -q 'absent.log: cannot open' "$tmp/deep.err"
check "no input is named ?" bash -c "! grep -q '^tocsin: ?' '$tmp/deep.err'"

# Messages are capped per file: 20, then one line for the rest.
for i in $(seq 1 50); do printf '%s,"ts":1416816000.0,"query":"a.example"}\n[%d]\n' "$dns" "$i"; done >"$tmp/many.json"
"$T" hunt "$tmp/many.json" --db "$tmp/many.db" --no-progress >"$tmp/many.out" 2>"$tmp/many.err"
check "20 messages for one file" test "$(grep -c 'many.json:[0-9]*: ' "$tmp/many.err")" -eq 20
check "then one line for the rest" grep -q 'many.json: and 30 more like it$' "$tmp/many.err"
check "all 50 are counted" grep -q '50 events, 50 rejected' "$tmp/many.out"

# Logs on a pipe give what the same file gives: '-', /dev/stdin, <(...), a FIFO, gzip too.
conn="$tmp/logs/zeek/conn.log"
incidents_of() { "$T" incidents --db "$1" | sed 's/INC-[0-9a-f]*//'; }
"$T" hunt "$conn" --db "$tmp/file.db" --no-progress 2>/dev/null | grep '^run' | cut -d: -f2 >"$tmp/file.sum"
check "the file gives alerts to compare" grep -q ' [1-9][0-9]* alerts\?,' "$tmp/file.sum"
incidents_of "$tmp/file.db" >"$tmp/file.inc"
same_as_file() { # name of the run's store; compares its summary and incidents with the file's
    grep '^run' "$tmp/$1.out" | cut -d: -f2 | cmp -s - "$tmp/file.sum" && incidents_of "$tmp/$1.db" | cmp -s - "$tmp/file.inc"
}
"$T" hunt - --db "$tmp/stdin.db" --no-progress <"$conn" >"$tmp/stdin.out" 2>/dev/null
check "standard input as '-' gives the file's alerts" same_as_file stdin
cat "$conn" | "$T" hunt /dev/stdin --db "$tmp/devstdin.db" --no-progress >"$tmp/devstdin.out" 2>/dev/null
check "/dev/stdin on a pipe gives the file's alerts" same_as_file devstdin
"$T" hunt <(cat "$conn") --db "$tmp/procsub.db" --no-progress >"$tmp/procsub.out" 2>/dev/null
check "<(...) gives the file's alerts" same_as_file procsub
gzip -c "$conn" | "$T" hunt - --db "$tmp/gzpipe.db" --no-progress >"$tmp/gzpipe.out" 2>/dev/null
check "gzip on a pipe gives the file's alerts" same_as_file gzpipe
mkfifo "$tmp/fifo"
cat "$conn" >"$tmp/fifo" &
"$T" hunt "$tmp/fifo" --db "$tmp/fifo.db" --no-progress >"$tmp/fifo.out" 2>/dev/null
wait
check "a FIFO gives the file's alerts" same_as_file fifo
mkdir "$tmp/withfifo" && cp "$conn" "$tmp/withfifo/" && mkfifo "$tmp/withfifo/idle.fifo"
check "a FIFO inside a directory is passed over, not waited on" \
    timeout 60 "$T" hunt "$tmp/withfifo" --db "$tmp/withfifo.db" --no-progress
# Almost right (text where a port belongs): kept, the flaw named by file and line, status 0.
printf '{"@stream":"conn","ts":1416816000.0,"uid":"C1","id_orig_h":"10.0.0.9","id_orig_p":"http","id_resp_h":"10.0.0.1","id_resp_p":80}\n' >"$tmp/almost.json"
"$T" hunt "$tmp/almost.json" --db "$tmp/almost.db" --no-progress --json >"$tmp/almost.out" 2>"$tmp/almost.err"
check "a record almost right is not a rejection" test $? -eq 0
check "its flaw is named by file and line" grep -q 'almost.json:1: id.orig_p "http" is not a port' "$tmp/almost.err"
check "and the record is read" grep -q '"events":1,"rejected":0' "$tmp/almost.out"

# Untrusted strings never reach the terminal raw.
"$T" intel lookup $'\e[31mred\e[0m' --db "$db" >"$tmp/esc.txt" 2>&1
check "escape sequences are neutralised" bash -c "! grep -q $'\e' '$tmp/esc.txt'"
"$T" show $'INC-\e[31mred' --db "$db" >"$tmp/esc2.txt" 2>&1
check "an error naming bad input is escaped too" bash -c "grep -q 'INC-' '$tmp/esc2.txt' && ! grep -q $'\e' '$tmp/esc2.txt'"

# A simulation of some formats only: the others are generated and dropped, not crashed on.
"$T" simulate --scenario none --seed 2 --users 20 --days 7 --formats zeek,mail --out "$tmp/sim" >/dev/null 2>&1
check "simulate writes only the formats asked for" bash -c "test -s '$tmp/sim/zeek/conn.log' && test -s '$tmp/sim/mail/mail.mbox' && ! test -e '$tmp/sim/windows'"
check "simulate refuses an unknown format" status_is 2 "$T" simulate --scenario none --formats bogus --out "$tmp/sim2"
# A hunt merges its files by event time: the same alerts and incidents whatever order the
# paths come in. (Read one after another, mail first or last changed both at this size.)
"$T" simulate --scenario sony-2014 --seed 3 --users 20 --days 14 --formats zeek,windows,mail --out "$tmp/ord" \
    >/dev/null 2>&1
ord_hunt() { "$T" hunt "$@" --db "$tmp/ord-$1.db" --no-progress >/dev/null 2>&1
    "$T" incidents --json --db "$tmp/ord-$1.db" >"$tmp/ord-$1.json"
    "$T" timeline --jsonl --db "$tmp/ord-$1.db" >>"$tmp/ord-$1.json"; }
(cd "$tmp/ord" && ord_hunt zeek windows mail && ord_hunt mail windows zeek)
check "a hunt over paths in either order finds the same incidents and alerts" bash -c \
    "grep -q 'INC-' '$tmp/ord-zeek.json' && cmp -s '$tmp/ord-zeek.json' '$tmp/ord-mail.json'"
# A second hunt of the same logs into the same store changes nothing: the detectors start
# afresh (their saved state holds those events), the alerts found before join the new ones,
# so no alert counts its events twice and no incident splits off (it gave 4 then 6).
rerun() { "$T" hunt "$tmp/ord" --db "$tmp/rerun.db" --no-progress >/dev/null 2>&1
    { "$T" incidents --json --db "$tmp/rerun.db" | sed 's/"updated_run":[0-9]*//'
      "$T" timeline --jsonl --db "$tmp/rerun.db"
      sqlite3 "$tmp/rerun.db" 'SELECT detector, akey, file, line, first_ns, last_ns, count FROM alerts ORDER BY id'
    } >"$tmp/rerun-$1.txt"; }
rerun 1 && rerun 2
check "a second hunt of the same logs leaves the same alerts and incidents" bash -c \
    "grep -q 'INC-' '$tmp/rerun-1.txt' && cmp -s '$tmp/rerun-1.txt' '$tmp/rerun-2.txt'"

check "show of an unknown incident exits 1" status_is 1 "$T" show INC-0000000000000000 --db "$db"
check "an unknown command exits 2" status_is 2 "$T" frobnicate --db "$db"
check "an unknown option exits 2" status_is 2 "$T" hunt x --frob --db "$db"

# Exports: a STIX 2.1 bundle that validates against the official schemas and carries the
# attribution, and MISP events with the indicators to act on.
"$T" report --db "$db" --stix "$tmp/inc.stix.json" --misp "$tmp/inc.misp.json" >/dev/null 2>&1
check "report --stix --misp exits 0" test $? -eq 0
schemas=../shared/data/stix2-json-schemas/schemas
if [ -d "$schemas" ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
    check "the STIX bundle validates against the STIX 2.1 schemas" /usr/bin/python3 tests/stix_validate.py "$schemas" "$tmp/inc.stix.json"
else
    echo "cli: SKIP STIX schema validation ($schemas or Debian's python3-jsonschema absent)"
fi
check "the STIX bundle attributes an incident to Lazarus Group with a confidence" /usr/bin/python3 -c "
import json, sys
objs = {o['id']: o for o in json.load(open('$tmp/inc.stix.json'))['objects']}
rel = [o for o in objs.values() if o['type'] == 'relationship' and o['relationship_type'] == 'attributed-to'
       and objs[o['target_ref']].get('name') == 'Lazarus Group' and o.get('confidence', 0) >= 50]
sys.exit(0 if rel else 1)"
check "the STIX bundle has the C2 address as an indicator with a sighting" /usr/bin/python3 -c "
import json, sys
objs = json.load(open('$tmp/inc.stix.json'))['objects']
ind = [o['id'] for o in objs if o['type'] == 'indicator' and '203.131.222.102' in o['pattern']]
sys.exit(0 if ind and any(o['type'] == 'sighting' and o['sighting_of_ref'] == ind[0] for o in objs) else 1)"
check "the MISP export is one event per incident" test "$(grep -c '^{"Event":' "$tmp/inc.misp.json")" -eq "$(grep -c 'INC-' "$tmp/list1.txt")"
check "the MISP event has the C2 address to act on and the verdict's likelihood" /usr/bin/python3 -c "
import json, sys
evs = [json.loads(l)['Event'] for l in open('$tmp/inc.misp.json')]
ok = any(a['value'] == '203.131.222.102' and a['to_ids'] for e in evs for a in e['Attribute'])
ok = ok and any(t['name'].startswith('estimative-language:likelihood-probability=') for e in evs for t in e['Tag'])
sys.exit(0 if ok else 1)"
"$T" report "$id" --db "$db" --stix - >"$tmp/one.stix.json" 2>/dev/null
check "report INCIDENT --stix - writes one incident's bundle" bash -c "test \$(grep -o '\"type\":\"report\"' '$tmp/one.stix.json' | wc -l) -eq 1"
check "report of an unknown incident exits 1" status_is 1 "$T" report INC-0000000000000000 --db "$db" --stix "$tmp/x.json"
check "report of an unknown incident leaves no file" test ! -e "$tmp/x.json"
check "report needs --stix or --misp" status_is 2 "$T" report --db "$db"

# The same file named by a relative and by an absolute path is the same evidence.
(cd "$tmp" && "$T" hunt logs --db "$tmp/rel.db" --no-progress >/dev/null 2>&1)
"$T" hunt "$tmp/logs" --db "$tmp/abs.db" --no-progress >/dev/null 2>&1
check "relative and absolute paths give the same incidents" \
    cmp -s <("$T" incidents --db "$tmp/rel.db" --json) <("$T" incidents --db "$tmp/abs.db" --json)
check "alerts name files by their canonical path" grep -q "\"file\":\"$(realpath "$tmp")/logs/" <("$T" timeline --jsonl --db "$tmp/rel.db")

# The timeline: one row per event behind the alerts, oldest first, CSV or JSON lines.
"$T" timeline --db "$db" >"$tmp/tl.csv" 2>/dev/null
check "timeline exits 0" test $? -eq 0
check "timeline CSV starts with Timesketch's columns" bash -c "head -n 1 '$tmp/tl.csv' | grep -q '^datetime,timestamp_desc,message,incident,level,'"
check "timeline has a row per event of the C2 beacon, with Zeek's uid" test "$(grep -c '203\.131\.222\.102.*,C[t0-9A-Za-z]*,' "$tmp/tl.csv")" -ge 6
check "timeline rows are in time order" bash -c "tail -n +2 '$tmp/tl.csv' | cut -d, -f1 | sort -c"
"$T" timeline --db "$db" --jsonl --min-level critical -o "$tmp/tl.jsonl" >/dev/null 2>&1
check "timeline --jsonl -o writes JSON lines to the file" bash -c "test -s '$tmp/tl.jsonl' && ! grep -qv '^{.*}\$' '$tmp/tl.jsonl'"
check "timeline --min-level critical leaves out lower levels" bash -c "! grep -q '\"level\":\"high\"' '$tmp/tl.jsonl' && grep -q '\"level\":\"critical\"' '$tmp/tl.jsonl'"
"$T" timeline --db "$db" --since 2014-11-24T08:15:00Z --until 2014-11-24T08:35:00Z >"$tmp/tl2.csv" 2>/dev/null
check "timeline --since/--until keep the events between" test "$(tail -n +2 "$tmp/tl2.csv" | wc -l)" -eq 2
check "timeline refuses a time it cannot read" status_is 2 "$T" timeline --db "$db" --since yesterday
check "timeline refuses an unknown level" status_is 2 "$T" timeline --db "$db" --min-level severe

# The command line: each command takes its own options, answers --help, and a command that
# only reads (or a typo) leaves no store behind.
fresh="$tmp/fresh"
mkdir -p "$fresh"
for c in hunt incidents show actor report timeline "intel load" "intel stats" "intel lookup" "rules check" \
         "rules coverage" attribute suppress close simulate eval events version; do
    # shellcheck disable=SC2086 # two-word commands split on purpose
    check "tocsin $c --help answers" bash -c "cd '$fresh' && '$T' $c --help | grep -q '^usage: tocsin $c'"
done
check "a typo is a usage error" status_is 2 bash -c "cd '$fresh' && '$T' huntt x"
check "incidents without a store fails" status_is 1 bash -c "cd '$fresh' && '$T' incidents"
(cd "$fresh" && "$T" intel stats >/dev/null 2>&1 && "$T" intel lookup 1.2.3.4 >/dev/null 2>&1 &&
     printf 'T1059\n' | "$T" attribute >/dev/null 2>&1; "$T" suppress --list >/dev/null 2>&1;
     "$T" close INC-0000000000000000 --benign >/dev/null 2>&1; "$T" suppress --remove 1 >/dev/null 2>&1;
     "$T" events "$tmp/logs" >"$tmp/events.ndjson" 2>/dev/null)
check "read-only commands and typos create no store" bash -c "test -z \"\$(ls -A '$fresh')\""
check "events prints the 10 events of the logs, one NDJSON line each with its reader and source" bash -c \
    "test \$(grep -c '^{\"type\":\"event\",\"time\":\".*\"reader\":\"[a-z-]*\",\"source_file\":\"' '$tmp/events.ndjson') -eq 10"
check "events takes no store option" status_is 2 "$T" events "$tmp/logs" --db "$db"
check "an option of another command is a usage error" status_is 2 "$T" incidents --scenario none --db "$db"
check "an option's missing value is not taken from the next option" status_is 2 "$T" hunt "$tmp/logs" --intel --db "$db"
check "a single-dash word is not taken for a path" status_is 2 "$T" hunt "$tmp/logs" -q out.csv --db "$tmp/o.db"
check "show takes one incident" status_is 2 "$T" show --db "$db"
# A store that cannot be used: one line naming it and SQLite's reason, exit 1.
"$T" incidents --db "$tmp" >/dev/null 2>"$tmp/dirdb.err"
check "a directory as the store exits 1" test $? -eq 1
check "a directory as the store: one line with the path and the reason" bash -c \
    "test \$(wc -l <'$tmp/dirdb.err') -eq 1 && grep -q '^tocsin: $tmp: opening the store: unable to open database file (Is a directory)\$' '$tmp/dirdb.err'"
printf 'a text file\n' >"$tmp/text.db"
"$T" hunt "$tmp/logs" --db "$tmp/text.db" >/dev/null 2>"$tmp/textdb.err"
check "a file that is not a database: one line, not a tocsin store" bash -c \
    "test \$(wc -l <'$tmp/textdb.err') -eq 1 && grep -q '^tocsin: $tmp/text.db: not a tocsin store: file is not a database\$' '$tmp/textdb.err'"
check "a file that is not a database is left as it was" grep -qx 'a text file' "$tmp/text.db"
if command -v sqlite3 >/dev/null; then
    sqlite3 "$tmp/other.db" 'CREATE TABLE notes (a, b); CREATE TABLE tags (t)'
    "$T" hunt "$tmp/logs" --db "$tmp/other.db" >/dev/null 2>"$tmp/other.err"
    check "another program's database: one line, not its schema" bash -c \
        "test \$(wc -l <'$tmp/other.err') -eq 1 && grep -q \"not a tocsin store but another program's SQLite database (it holds a table 'notes')\" '$tmp/other.err'"
    check "another program's database gets no tocsin table" test "$(sqlite3 "$tmp/other.db" .tables | tr -s ' \n' ' ')" = "notes tags "
else
    echo "cli: sqlite3 is not installed: the foreign-database checks are skipped"
fi

# --detectors runs only the named detectors, and refuses a name that is none.
"$T" hunt "$tmp/logs" --db "$tmp/d.db" --no-progress --json --detectors home-network >"$tmp/det.json" 2>&1
check "--detectors runs the detector named" grep -q '"detector":"home-network"' "$tmp/det.json"
check "--detectors leaves the others out" bash -c "! grep -q '\"detector\":\"intel\"' '$tmp/det.json'"
"$T" hunt "$tmp/logs" --db "$tmp/d.db" --no-progress --detectors intel,bogus >"$tmp/det.txt" 2>&1
check "--detectors refuses an unknown name" grep -q "no detector is called 'bogus' (known: intel, home-network" "$tmp/det.txt"

# Sigma rules: a hunt with --rules, and rules check.
rules=tests/data/sigma/rules
"$T" hunt "$tmp/logs" --rules "$rules/zeek_conn_c2.yml" --rules "$rules/linux_sudo_tar.yml" --db "$tmp/s.db" \
    --no-progress >"$tmp/sigma.txt" 2>"$tmp/sigma.err"
check "hunt --rules exits 0" test $? -eq 0
with_details "$tmp/sigma.txt" "$tmp/s.db"
check "a Sigma rule over Zeek conn fires" grep -q 'Sigma high: Connection to the Destover C2 network' "$tmp/sigma.txt"
check "a Sigma keyword rule over auth.log fires" grep -q 'Sigma medium: Archive made with sudo' "$tmp/sigma.txt"
check "a Sigma alert carries the rule's technique" grep -q 'T1560.001' "$tmp/sigma.txt"
# Rules below [sigma] min_level are kept in the timeline with the reason, not raised.
sed 's/^min_level = medium/min_level = high/' data/detect.conf >"$tmp/sigma-high.conf"
"$T" hunt "$tmp/logs" --rules "$rules/zeek_conn_c2.yml" --rules "$rules/linux_sudo_tar.yml" --db "$tmp/sl.db" \
    --config "$tmp/sigma-high.conf" --no-progress --json >"$tmp/sigma-level.json" 2>/dev/null
sigma_routine() { # title prefix: prints the alert's "routine" (None: raised)
    python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("type") == "alert" and o.get("title", "").startswith(sys.argv[2]): print(o.get("routine"))' \
        "$tmp/sigma-level.json" "$1"
}
sigma_routine 'Sigma medium: Archive made with sudo' >"$tmp/level-medium.txt"
check "min_level high: the medium rule's alert is kept, marked not raised" \
    grep -qx 'Sigma level medium, below \[sigma\] min_level: in the timeline, not raised' "$tmp/level-medium.txt"
sigma_routine 'Sigma high: Connection to the Destover C2 network' >"$tmp/level-high.txt"
check "min_level high: the high rule's alert is raised" grep -qx None "$tmp/level-high.txt"
sed 's/^min_level = medium/min_level = loud/' data/detect.conf >"$tmp/sigma-bad.conf"
"$T" hunt "$tmp/logs" --rules "$rules/zeek_conn_c2.yml" --db "$tmp/sb.db" --config "$tmp/sigma-bad.conf" \
    --no-progress >/dev/null 2>"$tmp/sigma-bad.err"
check "an unknown min_level is refused (exit 2)" test $? -eq 2
check "the refusal says which levels there are" \
    grep -q 'min_level is one of informational, low, medium, high, critical' "$tmp/sigma-bad.err"
# Compiled rules come back from the cache with the same alerts; damaged entries are rebuilt.
check "the first hunt with rules fills the rule cache" bash -c "ls '$TOCSIN_CACHE_DIR/sigma/' | grep -q '\.hs\$'"
sig_hunt() { "$T" hunt "$tmp/logs" --rules "$rules/zeek_conn_c2.yml" --rules "$rules/linux_sudo_tar.yml" --db "$1" \
    --no-progress >/dev/null 2>&1; "$T" incidents --json --db "$1"; }
sig_hunt "$tmp/s-warm.db" >"$tmp/s-warm.json"
"$T" incidents --json --db "$tmp/s.db" >"$tmp/s-cold.json"
check "a hunt with cached rules finds what the first found" cmp -s "$tmp/s-cold.json" "$tmp/s-warm.json"
for e in "$TOCSIN_CACHE_DIR"/sigma/*.hs; do printf 'XXXX' | dd of="$e" bs=1 seek=200 conv=notrunc 2>/dev/null; done
sig_hunt "$tmp/s-damaged.db" >"$tmp/s-damaged.json"
check "damaged rule-cache entries are rebuilt, not used" cmp -s "$tmp/s-cold.json" "$tmp/s-damaged.json"
# A backtracking regex on a padded command line: cut off at its budget, and the rule that
# gave up is in the summary and in --json, not silently taken as a miss.
mkdir -p "$tmp/pad"
sed -n 3p tests/data/cli/logs/linux/auth.log | sed "s|/srv/finance|$(printf 'x%.0s' $(seq 60))zy|" >"$tmp/pad/auth.log"
touch -d 2014-11-30 "$tmp/pad/auth.log"
"$T" hunt "$tmp/pad" --rules tests/data/sigma/budget --db "$tmp/g.db" --no-progress >"$tmp/gave.txt" 2>&1
check "a hunt with a rule that gave up exits 0" test $? -eq 0
check "the summary says the rule gave up on the event" \
    grep -q '1 rule could not finish on 1 event' "$tmp/gave.txt"
check "the summary names the rule and the event" grep -q '3f1c9a2e-.*: 1 event, first .*pad/auth.log:1' "$tmp/gave.txt"
"$T" hunt "$tmp/pad" --rules tests/data/sigma/budget --db "$tmp/g2.db" --no-progress --json >"$tmp/gave.json" 2>/dev/null
check "--json counts the rule that gave up" grep -q '"gave_up":1,"rules_gave_up":\[{"rule":"3f1c9a2e-7d4b-4e8a-9c6f-2b5d8e1a0c47"' "$tmp/gave.json"
"$T" hunt "$tmp/logs" --rules tests/data/sigma/budget --db "$tmp/g3.db" --no-progress --json >"$tmp/nogave.json" 2>/dev/null
check "--json says no rule gave up on ordinary logs" grep -q '"gave_up":0,"rules_gave_up":\[\]' "$tmp/nogave.json"

"$T" rules check "$rules" --db "$tmp/s.db" >"$tmp/check.txt" 2>&1
check "rules check exits 3 when a rule is refused" test $? -eq 3
check "rules check names the unknown modifier" grep -q "refused.*unknown_modifier.yml.*unknown modifier 'sometimes'" "$tmp/check.txt"
check "rules check names the log source" grep -q 'refused.*cloud.yml.*product=aws' "$tmp/check.txt"
check "rules check counts" grep -q '^2 rules loaded, 2 refused' "$tmp/check.txt"
"$T" rules check "$rules" --json --db "$tmp/s.db" >"$tmp/check.json" 2>/dev/null
check "rules check --json is NDJSON" bash -c "grep -v -c '^{.*}\$' '$tmp/check.json' | grep -qx 0"
check "rules check of a missing tree fails" status_is 1 "$T" rules check "$tmp/nonexistent" --db "$tmp/s.db"
"$T" rules check tests/data/sigma/corr --db "$tmp/s.db" >"$tmp/corr.txt" 2>&1
check "rules check exits 3 when a correlation stays idle" test $? -eq 3
check "rules check loads a chain of correlations with aliases" grep -q '^5 rules loaded, 0 refused, 1 of the loaded correlations idle' "$tmp/corr.txt"
check "rules check says why a correlation stays idle" grep -q "^idle .*mr_idle.yml.*names 'no_such_rule'" "$tmp/corr.txt"
"$T" rules coverage "$rules" "$tmp/logs" --db "$tmp/s.db" >"$tmp/cover.txt" 2>&1
check "rules coverage exits 0" test $? -eq 0
check "rules coverage: the Zeek rule could fire" grep -q '^could fire  5a0c1e3d' "$tmp/cover.txt"
check "rules coverage lists the techniques" grep -q 'techniques covered (2): T1071,T1560.001' "$tmp/cover.txt"
check "rules coverage needs logs" status_is 2 "$T" rules coverage "$rules" --db "$tmp/s.db"
check "rules without a subcommand is a usage error" status_is 2 "$T" rules --db "$tmp/s.db"

# Analyst feedback: a suppression keeps matching alerts from being raised by later hunts
# (stored, counted, marked), expires, and can be removed; a closed incident says so.
fdb="$tmp/feedback.db"
jdoe_line() { "$T" incidents --json --db "$fdb" | grep '"users":\["jdoe"\]'; }
"$T" hunt "$tmp/logs" --db "$fdb" --no-progress >/dev/null 2>&1
check "before: jdoe's incident is critical" bash -c "$(declare -f jdoe_line); T='$T' fdb='$fdb' jdoe_line | grep -q '\"severity\":90,.*\"suppressed_alerts\":0'"
check "suppress needs a reason" status_is 2 "$T" suppress --user jdoe --db "$fdb"
check "suppress needs a condition" status_is 2 "$T" suppress --reason "why not" --db "$fdb"
check "suppress refuses an unknown field" status_is 2 "$T" suppress --field colour=red --reason x --db "$fdb"
check "suppress refuses a past expiry" status_is 2 "$T" suppress --user jdoe --reason x --expires 2001-01-01 --db "$fdb"
check "suppress takes conditions or --list, not both" status_is 2 "$T" suppress --list --user jdoe --db "$fdb"
"$T" suppress --user JDOE --reason $'pentest \e[2Jby jdoe\'s team' --db "$fdb" >"$tmp/sup1.txt" 2>&1
check "suppress adds one and names it" grep -q '^suppression 1 added: user = JDOE (no expiry)$' "$tmp/sup1.txt"
"$T" suppress --host 10.20.0.15 --reason "short-lived" --expires 1s --db "$fdb" >/dev/null 2>&1
"$T" suppress --list --db "$fdb" >"$tmp/sup-list.txt"
check "suppress --list shows the conditions and the reason, escaped" bash -c \
    "grep -q 'user = JDOE' '$tmp/sup-list.txt' && grep -q 'pentest \\\\x1b\[2Jby' '$tmp/sup-list.txt' && ! grep -q $'\e' '$tmp/sup-list.txt'"
sleep 2 # the second suppression expires
"$T" hunt "$tmp/logs" --db "$fdb" --no-progress >"$tmp/fb-hunt.txt" 2>&1
check "the hunt summary counts the suppressed alert" grep -q '^  1 suppressed by analysts' "$tmp/fb-hunt.txt"
check "a suppressed incident no longer raises its severity" bash -c "$(declare -f jdoe_line); T='$T' fdb='$fdb' jdoe_line | grep -q '\"severity\":0,.*\"suppressed_alerts\":1'"
check "an expired suppression no longer applies" bash -c "'$T' incidents --json --db '$fdb' | grep '10.20.0.15' | grep -q '\"severity\":76,.*\"suppressed_alerts\":0'"
"$T" suppress --list --json --db "$fdb" >"$tmp/sup-list.json"
check "suppress --list --json marks the expired one" bash -c \
    "grep -q '\"id\":2,.*\"active\":false' '$tmp/sup-list.json' && grep -q '\"id\":1,.*\"active\":true' '$tmp/sup-list.json'"
jid=$("$T" incidents --json --db "$fdb" | grep '"users":\["jdoe"\]' | grep -o 'INC-[0-9a-f]\{16\}')
"$T" show "$jid" --db "$fdb" >"$tmp/fb-show.txt"
check "show marks the alert with the suppression that matched it" grep -q 'suppressed by rule 1: user = JDOE' "$tmp/fb-show.txt"
"$T" show "$jid" --json --db "$fdb" >"$tmp/fb-show.json"
check "show --json names the suppression" grep -q '"suppression":{"id":1,' "$tmp/fb-show.json"
# New logs (the same records in another file) into the same store: suppressed too.
mkdir -p "$tmp/logs2" && cp "$tmp/logs/linux/auth.log" "$tmp/logs2/auth-copy.log" && touch -d 2014-11-30 "$tmp/logs2/auth-copy.log"
"$T" hunt "$tmp/logs2" --db "$fdb" --json --no-progress >"$tmp/fb-hunt2.json" 2>/dev/null
check "new logs: their alert of jdoe is counted as suppressed" grep -q '^{"type":"run",.*"suppressed":1,' "$tmp/fb-hunt2.json"
check "suppress --remove of an unknown id exits 1" status_is 1 "$T" suppress --remove 99 --db "$fdb"
check "suppress --remove of a word is a usage error" status_is 2 "$T" suppress --remove abc --db "$fdb"
"$T" suppress --remove 1 --db "$fdb" >/dev/null 2>&1
"$T" hunt "$tmp/logs" --db "$fdb" --json --no-progress >"$tmp/fb-hunt3.json" 2>/dev/null
check "a removed suppression no longer applies" grep -q '^{"type":"run",.*"suppressed":0,' "$tmp/fb-hunt3.json"
check "its alert is raised again" bash -c "$(declare -f jdoe_line); T='$T' fdb='$fdb' jdoe_line | grep -q '\"severity\":90,'"
# Closing an incident.
check "close needs --benign or --malicious" status_is 2 "$T" close "$jid" --db "$fdb"
check "close of an unknown incident exits 1" status_is 1 "$T" close INC-0000000000000000 --benign --db "$fdb"
"$T" close "$jid" --benign --note "jdoe's authorised test" --db "$fdb" >"$tmp/close.txt" 2>&1
check "close says what it did" grep -q "^closed $jid as benign\$" "$tmp/close.txt"
check "incidents shows the disposition" bash -c "'$T' incidents --db '$fdb' | grep '$jid' | grep -q '\[closed benign\]'"
"$T" show "$jid" --db "$fdb" >"$tmp/closed.txt"
check "show shows the disposition and the note" grep -q "status    closed as benign on .*: jdoe's authorised test" "$tmp/closed.txt"
"$T" hunt "$tmp/logs" --db "$fdb" --no-progress >/dev/null 2>&1
check "the same alerts again leave it closed" bash -c "'$T' show '$jid' --json --db '$fdb' | grep -q '\"status\":\"closed\",\"disposition\":\"benign\"'"
# A Sigma rule suppressed by its title.
"$T" suppress --rule "Archive made with sudo" --reason "nightly backup" --db "$tmp/s.db" >/dev/null 2>&1
"$T" hunt "$tmp/logs" --rules "$rules/zeek_conn_c2.yml" --rules "$rules/linux_sudo_tar.yml" --db "$tmp/s.db" \
    --no-progress >"$tmp/sigma2.txt" 2>&1
with_details "$tmp/sigma2.txt" "$tmp/s.db"
check "a Sigma rule suppressed by title is counted, not raised" bash -c \
    "grep -q '^  1 suppressed by analysts' '$tmp/sigma2.txt' && grep -q 'suppressed by rule 1: rule = Archive made with sudo' '$tmp/sigma2.txt'"

# A detector's saved state cut short: the next hunt names the field, starts afresh, succeeds.
# (Of logs not read before: a hunt of the same logs again does not resume the state.)
if command -v sqlite3 >/dev/null; then
    cp "$db" "$tmp/cut.db"
    cp -rp "$tmp/logs" "$tmp/logs-next"
    sqlite3 "$tmp/cut.db" "UPDATE detector_state SET data = substr(data, 1, length(data) - 3) WHERE detector = 'lateral'"
    "$T" hunt "$tmp/logs-next" --db "$tmp/cut.db" --no-progress >/dev/null 2>"$tmp/cut.err"
    check "a damaged saved state is named by field and the hunt goes on" bash -c \
        "[ $? -eq 0 ] && grep -q \"detector lateral: saved state damaged at field '.*' (byte [0-9]* of [0-9]*): cut short; it starts afresh\" '$tmp/cut.err'"
fi

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
