#!/bin/bash
# evtx_ratio.sh: issue 14's EVTX ratio. A hunt with SigmaHQ's full Windows rule tree (and every
# detector, as a user runs it) against Debian's libevtx rendering the same records
# (evtxexport), both reading the same file, in CPU time (user + system), in the same run;
# the median of ROUNDS interleaved rounds. The file is the undamaged real logs of the
# evtx-parser samples (Security, System, Sysmon, RDP, Shell-Core, LiveId), their chunks
# repeated COPIES times behind one header, so that the rate is that of a long log. The
# Hyperscan cache is warmed first (an untimed hunt): a hunt's start with a warm cache is in
# the figure, compiling the rules is not (bench/rule_cache.sh measures that).
# usage: bench/evtx_ratio.sh [DATA_DIR] [COPIES] [ROUNDS]   (default ../shared/data 16 3)
#        TOCSIN=path/to/tocsin to time another build (default build/tocsin, built if needed)
set -eu
cd "$(dirname "$0")/.."
data=${1:-../shared/data}
copies=${2:-16}
rounds=${3:-3}
samples=$data/evtx-parser-samples/samples
rules=$data/sigma/rules/windows
[ -d "$samples" ] && [ -d "$rules" ] || { echo "evtx_ratio: $samples or $rules is absent (../shared/data): skipped"; exit 0; }
command -v evtxexport >/dev/null || { echo "evtx_ratio: evtxexport is missing (apt-get install libevtx-utils)"; exit 1; }
if [ -z "${TOCSIN:-}" ]; then
    make -s build/tocsin >/dev/null
    TOCSIN=build/tocsin
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TOCSIN_CACHE_DIR=$tmp/cache

# One header (chunk count, last chunk and checksum set for the new file) and every chunk of
# the listed files, COPIES times. Chunks are self-contained (strings, templates), so the
# records are exactly those of the samples.
python3 - "$tmp/logs.evtx" "$copies" "$samples"/{security,system,sysmon,2-vss_7-System,Security_with_size_t,sample-with-irregular-bool-values}.evtx \
    "$samples/E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx" \
    "$samples/2-system-Microsoft-Windows-LiveId%4Operational.evtx" <<'EOF'
import struct, sys, zlib
out, copies, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
chunks = []
for f in files:
    b = open(f, 'rb').read()
    chunks += [b[o:o + 65536] for o in range(4096, len(b) - 65535, 65536) if b[o:o + 8] == b'ElfChnk\0']
head = bytearray(open(files[0], 'rb').read(4096))
n = len(chunks) * copies
struct.pack_into('<QQ', head, 8, 0, n - 1)
struct.pack_into('<H', head, 42, n)
struct.pack_into('<I', head, 120, 0)
struct.pack_into('<I', head, 124, zlib.crc32(bytes(head[:120])))
with open(out, 'wb') as o:
    o.write(head)
    for _ in range(copies):
        for c in chunks:
            o.write(c)
EOF

hunt() { # prints the hunt's CPU seconds; its events in $tmp/events
    rm -f "$tmp/h.db"*
    /usr/bin/time -f '%U %S' -o "$tmp/t" "$TOCSIN" hunt "$tmp/logs.evtx" --rules "$rules" --db "$tmp/h.db" \
        --no-progress --json >"$tmp/out" 2>/dev/null || true
    grep -o '"type":"run".*' "$tmp/out" | grep -o '"events":[0-9]*' | head -1 | cut -d: -f2 >"$tmp/events"
    awk '{ printf "%.3f", $1 + $2 }' "$tmp/t"
}
theirs() { # prints evtxexport's CPU seconds; its records in $tmp/records
    /usr/bin/time -f '%U %S' -o "$tmp/t" evtxexport "$tmp/logs.evtx" 2>/dev/null | grep -c '^Event number' \
        >"$tmp/records" || true
    awk '{ printf "%.3f", $1 + $2 }' "$tmp/t"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

hunt >/dev/null # the cache warmed, the file in the page cache
: >"$tmp/ours"
: >"$tmp/libevtx"
: >"$tmp/ratios"
for r in $(seq "$rounds"); do
    o=$(hunt)
    l=$(theirs)
    echo "$o" >>"$tmp/ours"
    echo "$l" >>"$tmp/libevtx"
    awk -v o="$o" -v l="$l" 'BEGIN { print l / o }' >>"$tmp/ratios"
    echo "round $r: hunt $o s, evtxexport $l s CPU"
done
events=$(cat "$tmp/events") records=$(cat "$tmp/records")
o=$(median <"$tmp/ours") l=$(median <"$tmp/libevtx") ratio=$(median <"$tmp/ratios")
mb=$(du -m "$tmp/logs.evtx" | cut -f1)
awk -v o="$o" -v l="$l" -v e="$events" -v n="$records" -v q="$ratio" -v mb="$mb" -v r="$rounds" 'BEGIN {
    printf "input: %d MB of EVTX, %d records (evtxexport: %d)\n", mb, e, n
    printf "tocsin hunt, SigmaHQ Windows rules, every detector: %.3f s CPU, %.0f records/s\n", o, e / o
    printf "evtxexport (libevtx):                                %.3f s CPU, %.0f records/s\n", l, n / l
    printf "ratio hunt / evtxexport: %.1f (median of %d rounds; goal >= 30)\n", q, r }'
[ "$events" = "$records" ] || echo "evtx_ratio: the hunt read $events records, evtxexport $records"
