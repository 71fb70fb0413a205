#!/bin/sh
# format.sh: every C and C++ file of the project is as clang-format (Debian 12's, version 14)
# writes it with .clang-format; a file that is not is named with its first differences.
# `clang-format -i FILE` mends one.
cd "$(dirname "$0")/.." || exit 1
if ! command -v clang-format >/dev/null; then
    echo "format: clang-format is absent (scripts/setup installs it): skipped"
    echo "format: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
files=$(git ls-files '*.c' '*.h' '*.cpp' '*.c.in' 2>/dev/null | grep -E '^(src|include|tests|fuzz|bench)/')
[ -n "$files" ] || files=$(find src include tests fuzz bench -name '*.[ch]' -o -name '*.cpp')
bad=0 n=0
for f in $files; do
    n=$((n + 1))
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        bad=$((bad + 1))
        echo "FAILED: $f is not formatted (clang-format -i $f):"
        clang-format --dry-run "$f" 2>&1 | head -n 6
    fi
done
echo "format: $((n - bad)) passed, $bad failed (files as .clang-format writes them)"
[ "$bad" -eq 0 ]
