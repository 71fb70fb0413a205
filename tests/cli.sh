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

"$T" hunt "$tmp/logs" --db "$db" --no-progress >"$tmp/hunt1.txt" 2>"$tmp/hunt1.err"
check "hunt over clean logs exits 0" test $? -eq 0
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

"$T" hunt "$tmp/logs" --db "$tmp/j.db" --json --no-progress >"$tmp/hunt.json" 2>/dev/null
check "hunt --json prints only JSON objects" bash -c "test -s '$tmp/hunt.json' && ! grep -qv '^{.*}\$' '$tmp/hunt.json'"

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

check "show of an unknown incident exits 1" status_is 1 "$T" show INC-0000000000000000 --db "$db"
check "an unknown command exits 2" status_is 2 "$T" frobnicate --db "$db"
check "an unknown option exits 2" status_is 2 "$T" hunt x --frob --db "$db"

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
check "a Sigma rule over Zeek conn fires" grep -q 'Sigma high: Connection to the Destover C2 network' "$tmp/sigma.txt"
check "a Sigma keyword rule over auth.log fires" grep -q 'Sigma medium: Archive made with sudo' "$tmp/sigma.txt"
check "a Sigma alert carries the rule's technique" grep -q 'T1560.001' "$tmp/sigma.txt"
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

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
