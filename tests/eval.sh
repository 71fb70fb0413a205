#!/bin/bash
# eval.sh: tocsin eval end to end on small simulations of the four scenarios: what the
# current detectors see of sony-2014 and who gets the blame, no outside actor blamed when
# there is none, thresholds that make it fail, bad truth files and bad options.
# usage: tests/eval.sh [path/to/tocsin]
set -u
cd "$(dirname "$0")/.."
T=$(realpath "${1:-build/tocsin}")
export TOCSIN_DATA="$PWD/data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 skipped=0

check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $what"; fi
}
known() { # description, reason, then a command that should succeed but does not yet:
          # reported and counted as skipped while it fails, passed once it succeeds
    local what=$1 why=$2; shift 2
    if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else skipped=$((skipped + 1)); echo "KNOWN: $what ($why)"; fi
}
status_is() { # expected status, command...
    local want=$1; shift
    "$@" >/dev/null 2>&1
    [ $? -eq "$want" ]
}
detected() { # json file, step: the step was detected
    grep -q "\"type\":\"eval_step\",\"step\":\"$2\".*\"detected\":true" "$1"
}

# Ten people over 40 days: the story is squeezed into the period, and each scenario
# simulates and hunts in about a second.
sim() {
    "$T" simulate --scenario "$1" --users 10 --days 40 --seed 1 --out "$tmp/$1" \
        --formats windows,zeek,suricata,linux,intel --no-progress
}
for s in sony-2014 false-flag insider none dream-job ransomware; do
    check "simulate $s" sim "$s"
done

# sony-2014: the intelligence (Destover servers and files) and the watched home network
# must see these steps whatever other detectors exist.
"$T" eval "$tmp/sony-2014" --json --no-progress --expect-actor "Lazarus Group" >"$tmp/sony.json" 2>"$tmp/sony.err"
check "eval sony-2014 attributes it to Lazarus Group (exit 0)" test $? -eq 0
check "eval --json prints only JSON objects" bash -c "test -s '$tmp/sony.json' && ! grep -qv '^{.*}\$' '$tmp/sony.json'"
check "one eval_step line per step of the truth" test "$(grep -c '"type":"eval_step"' "$tmp/sony.json")" -eq \
    "$(grep -c '"type":"step"' "$tmp/sony-2014/truth.jsonl")"
check "one eval_summary line" test "$(grep -c '"type":"eval_summary"' "$tmp/sony.json")" -eq 1
for step in malicious-link c2-beacon exfiltration extortion-mail gop-mail wiper-services raw-disk-driver; do
    check "sony-2014: $step detected" detected "$tmp/sony.json" "$step"
done
check "sony-2014: the main incident's verdict is Lazarus Group" grep -q '"verdict":{"actor":"Lazarus Group"' "$tmp/sony.json"
check "sony-2014: the true actor ranks first" grep -q '"actor_rank":1,' "$tmp/sony.json"
check "sony-2014: the first alert comes within a day of the first click" \
    "$T" eval "$tmp/sony-2014" --no-progress --max-first-alert 1d --min-detected 0.3
check "the store is DIR/eval.db, made afresh each time" test -s "$tmp/sony-2014/eval.db"
check "the stored incidents can be shown" bash -c "'$T' incidents --db '$tmp/sony-2014/eval.db' | grep -q INC-"

# Thresholds that are missed: exit status 4, and the text says which.
"$T" eval "$tmp/sony-2014" --no-progress --expect-actor APT28 >"$tmp/miss.txt" 2>"$tmp/miss.err"
check "a missed --expect-actor exits 4" test $? -eq 4
check "the report marks the missed threshold" grep -q -- '--expect-actor APT28: Lazarus Group  MISSED' "$tmp/miss.txt"
check "stderr counts the missed thresholds" grep -q '1 of 1 thresholds missed' "$tmp/miss.err"
check "sony-2014 blames an outside actor: --expect-unattributed exits 4" \
    status_is 4 "$T" eval "$tmp/sony-2014" --no-progress --expect-unattributed
check "--expect-actor naming another actor is missed" \
    status_is 4 "$T" eval "$tmp/sony-2014" --no-progress --expect-actor "Sandworm Team"
check "none: --max-false-per-kuserday 0 is met (the admins' scripts, PsExec and late evenings are routine)" \
    status_is 0 "$T" eval "$tmp/none" --no-progress --max-false-per-kuserday 0

# false-flag: scored like any other; who gets the blame is reported, not required.
"$T" eval "$tmp/false-flag" --json --no-progress >"$tmp/ff.json" 2>/dev/null
check "eval false-flag runs" test $? -eq 0
check "false-flag: the reused Destover implant is seen" detected "$tmp/ff.json" malicious-link

# none: no campaign, nobody to blame.
"$T" eval "$tmp/none" --no-progress --expect-unattributed --min-detected 0.9 --max-first-alert 1h >"$tmp/none.txt" 2>&1
check "none: no outside actor blamed (exit 0)" test $? -eq 0
check "none: says there is no campaign" grep -q 'no campaign in this scenario' "$tmp/none.txt"
# insider: the employee's steps are no outside actor's. Not met yet with seed 1: a generated
# long-tail web site of normal browsing (www.grockpem.jp) resolves to 80.82.77.17, the
# address the simulator also gives a Sandworm server in the intelligence, and the
# correlator joins the insider's workstation into that incident (Sandworm Team 62 %).
"$T" eval "$tmp/insider" --json --no-progress >"$tmp/insider.json" 2>/dev/null
check "eval insider runs" test $? -eq 0
known "insider: no outside actor blamed" "simulator: long-tail site on the Sandworm server 80.82.77.17" \
    status_is 0 "$T" eval "$tmp/insider" --no-progress --expect-unattributed

# The two intrusions written from public reports: scored step by step. What the detectors
# find of them is reported by eval, not required here (detectors change on other branches).
for s in dream-job ransomware; do
    "$T" eval "$tmp/$s" --json --no-progress >"$tmp/$s.json" 2>/dev/null
    check "eval $s runs" test $? -eq 0
    check "$s: one eval_step line per step of the truth" test "$(grep -c '"type":"eval_step"' "$tmp/$s.json")" -eq \
        "$(grep -c '"type":"step"' "$tmp/$s/truth.jsonl")"
done
# The routine look-alikes are in every scenario's truth, and eval counts false alerts on each.
check "none: the look-alikes are listed with their records" \
    bash -c "'$T' eval '$tmp/none' --json --no-progress | grep -q '\"lookalikes\":\[{\"lookalike\":'"
check "the report has a line for the look-alikes" \
    bash -c "'$T' eval '$tmp/none' --no-progress | grep -q '^on look-alikes .*vuln-scan [0-9]* false'"

# A relative DIR is the same directory: the hunt stores files by their canonical paths, and
# eval matches them to the truth relative to DIR's own.
summary_lines() { grep -E '^(steps detected|alerts|on look-alikes)' "$1"; }
(cd "$tmp" && "$T" eval sony-2014 --no-progress --db rel.db) >"$tmp/rel.txt" 2>/dev/null
"$T" eval "$tmp/sony-2014" --no-progress --db "$tmp/abs.db" >"$tmp/abs.txt" 2>/dev/null
check "a relative DIR scores as its absolute path does" \
    bash -c "test -s '$tmp/rel.txt' && diff <($(declare -f summary_lines); summary_lines '$tmp/rel.txt') \
                                            <($(declare -f summary_lines); summary_lines '$tmp/abs.txt')"

# Broken truth files: a clear error with the file and line.
mkdir -p "$tmp/bad"
head -n 3 "$tmp/none/truth.jsonl" >"$tmp/bad/truth.jsonl"
printf '{"type":"event","step":"x","file":"f","line":"seven","ts":"2014-09-02T10:00:00Z"}\n' >>"$tmp/bad/truth.jsonl"
"$T" eval "$tmp/bad" --no-progress >/dev/null 2>"$tmp/bad.err"
check "a broken truth file fails (exit 1)" test $? -eq 1
n=$(($(wc -l <"$tmp/bad/truth.jsonl")))
check "the error names the truth file and line" grep -q "bad/truth.jsonl:$n: \"line\" is missing or not a whole number" "$tmp/bad.err"
printf 'not json\n' >"$tmp/bad/truth.jsonl"
check "a truth file that is not JSON fails with its line" \
    bash -c "'$T' eval '$tmp/bad' 2>&1 >/dev/null | grep -q 'truth.jsonl:1: not JSON'"
check "a directory without truth.jsonl fails" status_is 1 "$T" eval "$tmp"
check "eval without DIR is a usage error" status_is 2 "$T" eval
check "--min-detected above 1 is a usage error" status_is 2 "$T" eval "$tmp/none" --min-detected 1.5
check "--max-first-alert needs a duration" status_is 2 "$T" eval "$tmp/none" --max-first-alert soon
check "--db naming an existing store is refused" status_is 2 "$T" eval "$tmp/none" --db "$tmp/none/eval.db"
check "--db naming a new file: exit 0 (the eval.db an earlier eval left is no log)" \
    status_is 0 "$T" eval "$tmp/none" --no-progress --db "$tmp/fresh.db"
check "--db naming a new file is used" test -s "$tmp/fresh.db"

# Attribution alone over several directories: a line each, then top-1, top-3 and calibration.
"$T" eval --attribution "$tmp/sony-2014" "$tmp/none" "$tmp/false-flag" --no-progress >"$tmp/attr.txt" 2>/dev/null
check "eval --attribution exits 0" test $? -eq 0
check "eval --attribution: sony-2014 is right, Lazarus Group first" \
    grep -q "^right .*sony-2014: truth Lazarus Group; top Lazarus Group" "$tmp/attr.txt"
check "eval --attribution: none is right when nobody is blamed" grep -q "^right .*none: truth none; 0 incidents" "$tmp/attr.txt"
check "eval --attribution: the false flag does not make Lazarus Group first" \
    bash -c "! grep -q 'false-flag: truth Sandworm Team; top Lazarus Group' '$tmp/attr.txt'"
check "eval --attribution: a summary with top-1, top-3 and calibration" \
    grep -q "^attribution over 3 directories: top-1 0.[0-9]* ([0-9]), top-3" "$tmp/attr.txt"
check "eval --attribution: the ECE line" grep -q "ECE of the top hypothesis" "$tmp/attr.txt"
"$T" eval --attribution "$tmp/sony-2014" "$tmp/none" --json --no-progress >"$tmp/attr.json" 2>/dev/null
check "eval --attribution --json: a case line each and one summary" bash -c \
    "test \$(grep -c '\"type\":\"eval_attribution_case\"' '$tmp/attr.json') -eq 2 && grep -q '\"type\":\"eval_attribution_summary\",\"cases\":2,\"top1\":1' '$tmp/attr.json'"
check "eval with two DIRs without --attribution is a usage error" status_is 2 "$T" eval "$tmp/none" "$tmp/sony-2014"
check "eval --attribution of a directory without truth fails" status_is 1 "$T" eval --attribution "$tmp" --no-progress

echo "tests/eval.sh: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
