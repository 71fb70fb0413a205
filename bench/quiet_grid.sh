#!/bin/sh
# quiet_grid.sh: false alerts per 1,000 user-days and campaign steps detected over every
# bundled scenario at two sizes and two seeds (issue 10's "quiet when nothing is wrong").
# Usage: bench/quiet_grid.sh [WORKDIR] [-- EVAL-OPTIONS...]
# Simulations are kept in WORKDIR (default /tmp/tocsin-quiet-grid) and reused while the
# simulator's sources and data are unchanged; each eval's false alerts are listed in
# WORKDIR/falses.txt. TOCSIN names the binary (default build/tocsin).
set -eu
bin=${TOCSIN:-build/tocsin}
work=${1:-/tmp/tocsin-quiet-grid}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
mkdir -p "$work"
stamp=$(cat src/simulate/* data/simulate/* data/scenarios/* | cksum | cut -d' ' -f1)
: >"$work/falses.txt"
printf '%-12s %-7s %4s %6s %9s %8s\n' scenario size seed false per_kud steps
for scen in data/scenarios/*.playbook; do
    name=$(basename "$scen" .playbook)
    for size in 10x40 50x30; do
        for seed in 1 2; do
            dir="$work/$name-$size-$seed"
            if [ ! -f "$dir/.stamp" ] || [ "$(cat "$dir/.stamp")" != "$stamp" ]; then
                rm -rf "$dir"
                "$bin" simulate --scenario "$name" --users "${size%x*}" --days "${size#*x}" --seed "$seed" \
                    --formats windows,zeek,suricata,linux,intel,mail --out "$dir" --no-progress >/dev/null
                echo "$stamp" >"$dir/.stamp"
            fi
            "$bin" eval "$dir" --max-first-alert 1h --no-progress --json "$@" 2>/dev/null >"$dir/eval.ndjson" || true
            python3 - "$dir/eval.ndjson" "$name $size $seed" "$work/falses.txt" <<'PY'
import json, sys
falses, summ = [], None
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["type"] == "eval_false":
        falses.append(d)
    elif d["type"] == "eval_summary":
        summ = d
scen, size, seed = sys.argv[2].split()
steps = "%d/%d" % (summ["detected"], summ["steps"]) if summ["steps"] else "-"
print("%-12s %-7s %4s %6d %9.2f %8s" % (scen, size, seed, summ["false_alerts"], summ["false_per_kuserday"], steps))
with open(sys.argv[3], "a") as f:
    for a in falses:
        f.write("%s %s %s\t%s\t%s\t%s\t%s\t%s\n" % (scen, size, seed, a["first"], a["detector"],
                a.get("host") or a.get("ip") or "-", a.get("user") or "-", a["title"]))
PY
        done
    done
done
