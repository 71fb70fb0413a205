#!/bin/bash
# rule_cache.sh: what the compiled-rule cache saves at the start of a hunt (issue 14): the CPU
# time (user + system) of hunting a one-event file with a Sigma rule tree, cold (empty cache
# directory) and warm (the cache the cold run filled), fastest of ROUNDS interleaved rounds.
# usage: bench/rule_cache.sh [RULES_DIR] [ROUNDS]   (default: SigmaHQ's Windows rules)
set -eu
cd "$(dirname "$0")/.."
rules=${1:-../shared/data/sigma/rules/windows}
rounds=${2:-3}
[ -d "$rules" ] || { echo "rule_cache: $rules is absent (SigmaHQ rules, ../shared/data)"; exit 0; }
make -s build/tocsin >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '{"_path":"dns","ts":1416816000.0,"id.orig_h":"10.0.0.9","id.orig_p":5,"id.resp_h":"10.0.0.1","id.resp_p":53,"query":"a.example"}\n' >"$tmp/one.json"
cpu() { # cache dir: prints the hunt's CPU seconds
    TOCSIN_CACHE_DIR="$1" /usr/bin/time -f '%U %S' -o "$tmp/t" build/tocsin hunt "$tmp/one.json" \
        --rules "$rules" --db "$tmp/$RANDOM$RANDOM.db" --no-progress >/dev/null 2>&1 || true
    awk '{ printf "%.3f", $1 + $2 }' "$tmp/t"
}
best_cold= best_warm=
for r in $(seq "$rounds"); do
    rm -rf "$tmp/cache"
    c=$(cpu "$tmp/cache")
    w=$(cpu "$tmp/cache")
    best_cold=$(awk -v a="${best_cold:-1e9}" -v b="$c" 'BEGIN { print (b < a ? b : a) }')
    best_warm=$(awk -v a="${best_warm:-1e9}" -v b="$w" 'BEGIN { print (b < a ? b : a) }')
    echo "round $r: cold $c s, warm $w s"
done
entries=$(find "$tmp/cache/sigma" -name '*.hs' | wc -l)
size=$(du -sh "$tmp/cache/sigma" | cut -f1)
awk -v c="$best_cold" -v w="$best_warm" -v e="$entries" -v s="$size" 'BEGIN {
    printf "rule cache: cold %.2f s, warm %.2f s CPU: warm/cold = %.3f (goal <= 0.15); %d entries, %s\n", c, w, w / c, e, s }'
