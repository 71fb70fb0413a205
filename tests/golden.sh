#!/bin/bash
# golden.sh: the readers held to golden files. Each tests/golden/READER/FIXTURE is read with
# `tocsin events` and its events must equal FIXTURE.expected.ndjson byte for byte; the reader
# that read it must be READER (a directory per name in src/ingest/readers.c's READERS, and
# every registered reader must have one); what it says on stderr must equal FIXTURE.expected.err
# (no such file: nothing). A new reader needs a fixture and its expected output here, no C
# (docs/ingest.md).
# usage: tests/golden.sh [path/to/tocsin] [--update]
#   --update rewrites every .expected.ndjson from what tocsin reads now: read the diff
#   (git diff tests/golden) before committing it.
set -u
cd "$(dirname "$0")/.."
T=build/tocsin update=0
for a in "$@"; do
    if [ "$a" = --update ]; then update=1; else T=$a; fi
done
T=$(realpath "$T")
golden=$PWD/tests/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

fail() { failed=$((failed + 1)); echo "FAILED: $*"; }

for dir in "$golden"/*/; do
    reader=$(basename "$dir")
    for f in "$dir"*; do
        case $f in *.expected.ndjson | *.expected.err | *.md) continue ;; esac
        [ -e "$f" ] || continue
        name=$reader/$(basename "$f")
        # A copy under the same relative name, with a fixed modification time: syslog lines
        # carry no year and take it from the file's time, and the path is in every event.
        mkdir -p "$tmp/$reader"
        cp -L "$f" "$tmp/$name"
        touch -d '2021-06-15 12:00:00 UTC' "$tmp/$name"
        (cd "$tmp" && TZ=UTC "$T" events "$name" >"$tmp/raw" 2>"$tmp/rawerr")
        st=$?
        # Paths are made absolute by the input layer: the copy's folder is dropped again.
        sed "s#$tmp/##g" "$tmp/raw" >"$tmp/out"
        sed "s#$tmp/##g" "$tmp/rawerr" >"$tmp/err"
        if [ "$update" = 1 ]; then
            cp "$tmp/out" "$f.expected.ndjson"
            # What the reader says about records it rejects is held too, when it says anything.
            if [ -s "$tmp/err" ]; then cp "$tmp/err" "$f.expected.err"; else rm -f "$f.expected.err"; fi
            echo "updated $name.expected.ndjson ($(wc -l <"$tmp/out") events, status $st)"
            continue
        fi
        touch "$tmp/none"
        want_err=$tmp/none
        [ -e "$f.expected.err" ] && want_err=$f.expected.err
        if [ ! -e "$f.expected.ndjson" ]; then
            fail "$name has no $name.expected.ndjson (tests/golden.sh --update writes it)"
            continue
        fi
        if ! [ -s "$tmp/out" ]; then
            fail "$name: no events read (status $st)"; head -n 5 "$tmp/err"
        elif ! diff -u "$f.expected.ndjson" "$tmp/out" >"$tmp/diff"; then
            fail "$name: events differ from $name.expected.ndjson"; head -n 40 "$tmp/diff"
        elif ! diff -u "$want_err" "$tmp/err" >"$tmp/diff"; then
            fail "$name: messages differ from $name.expected.err"; head -n 40 "$tmp/diff"
        elif grep -v -q "\"reader\":\"${reader//_/[-_]}\"" "$tmp/out"; then
            fail "$name was not read by the $reader reader"
        else
            passed=$((passed + 1))
        fi
    done
done
# Every registered reader has fixtures.
for r in $(sed -n '/^#define READERS(X)/,/^$/s/^ *X(\([a-z0-9_]*\)).*/\1/p' src/ingest/readers.c); do
    if ls "$golden/$r"/*.expected.ndjson >/dev/null 2>&1; then passed=$((passed + 1)); else fail "reader $r has no golden fixture in tests/golden/$r"; fi
done

echo "tests/golden.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
