#!/bin/bash
# layers.sh: data flows one way (docs: ingest -> enrich -> detect -> correlate -> attribute ->
# store -> report), so no folder of src/ includes a header of a later stage, and core
# includes only core. A new include against the flow, which is how an include cycle between
# stages starts, fails here naming the file and line. The drivers sit above every stage, in
# their own order: api (the library's calls) below live, eval and simulate (built on those
# calls), and cli above all; no stage includes a driver. A folder includes its own headers
# and those of a lower place, never a sibling's of the same place. A new folder under src/
# fails until it is given its place below.
cd "$(dirname "$0")/.." || exit 1

# The place of each folder in the flow. intel and sigma are compiled knowledge the stages
# consult, built on core only.
declare -A RANK=([core]=0 [intel]=1 [sigma]=1 [ingest]=2 [enrich]=3 [detect]=4 [correlate]=5
    [attribute]=6 [store]=7 [report]=8 [api]=9 [live]=10 [eval]=10 [simulate]=10 [cli]=11)

# check SRC: prints each include against the flow and each folder without a place; returns
# how many there were (capped by the shell at 255, enough to fail).
check() {
    local src=$1 bad=0 f dir line target
    for d in "$src"/*/; do
        dir=$(basename "$d")
        if [ -z "${RANK[$dir]+x}" ]; then
            echo "FAILED: src/$dir has no place in tests/layers.sh (RANK)"
            bad=$((bad + 1))
        fi
    done
    while IFS=: read -r f line target; do
        dir=${f#"$src"/}
        dir=${dir%%/*}
        [ -n "${RANK[$dir]+x}" ] || continue # reported above
        target=${target#*\"}
        target=${target%%/*}
        [ "$target" != "$dir" ] && [ -n "${RANK[$target]+x}" ] || continue
        if [ "${RANK[$target]}" -ge "${RANK[$dir]}" ]; then
            echo "FAILED: ${f#"$src"/}:$line: $dir includes $target/, a later stage or driver or a sibling"
            bad=$((bad + 1))
        fi
    done < <(grep -rnE --include='*.c' --include='*.h' --include='*.cpp' --include='*.in' \
        '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]+/' "$src")
    return $bad
}

passed=0 failed=0
if out=$(check src); then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "$out"
fi

# The check itself: an attribute header included by correlate (the cycle this replaced), a
# stage including the CLI, api including live (the drivers' cycle this replaced) and eval
# including live (siblings) must all be caught; live including api and cli including live pass.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/correlate "$tmp"/attribute "$tmp"/detect "$tmp"/cli "$tmp"/api "$tmp"/live "$tmp"/eval
printf '#include "attribute/attribute.h"\n' >"$tmp"/correlate/correlate.c
printf '#include "correlate/correlate.h"\n#include "core/incident.h"\n' >"$tmp"/attribute/attribute.h
printf '#include "cli/cli.h"\n' >"$tmp"/detect/detect.h
printf '#include "api/session.h"\n#include "live/alert_out.h"\n' >"$tmp"/api/hunt.c
printf '#include "api/session.h"\n#include "live/watch.h"\n' >"$tmp"/eval/eval.c
printf '#include "api/session.h"\n#include "live/watch.h"\n' >"$tmp"/live/watch.c
printf '#include "live/watch.h"\n#include "eval/eval.h"\n' >"$tmp"/cli/main.c
out=$(check "$tmp")
if [ $? -eq 4 ] && grep -q 'correlate/correlate.c:1: correlate includes attribute/' <<<"$out" &&
    grep -q 'detect/detect.h:1: detect includes cli/' <<<"$out" &&
    grep -q 'api/hunt.c:2: api includes live/' <<<"$out" &&
    grep -q 'eval/eval.c:2: eval includes live/' <<<"$out"; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    echo "FAILED: the check missed a planted include against the flow:"
    echo "$out"
fi

echo "layers: $passed passed, $failed failed (includes follow the flow of stages)"
[ "$failed" -eq 0 ]
