#!/bin/bash
# html.sh: `tocsin report --html` end to end: the page written from a hunt over the CLI's logs
# plus a Windows process event whose command line, host and account are markup, then opened
# in headless Chromium (Debian's chromium): it renders (verdict, stages, timeline rows, the
# graph the script draws), logs nothing to the console, requests nothing, and the hostile
# strings stay text. The Chromium part is skipped, saying so, when chromium is absent.
# usage: tests/html.sh [path/to/tocsin]
set -u
cd "$(dirname "$0")/.."
T=$(realpath "${1:-build/tocsin}")
export TOCSIN_DATA="$PWD/data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TOCSIN_CACHE_DIR="$tmp/cache"
passed=0 failed=0 skipped=0

check() { # description, then a command that must succeed
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $what"; fi
}
has() { grep -qF -- "$2" "$1"; }    # file, fixed string
lacks() { ! grep -qiF -- "$2" "$1"; } # file, fixed string (any case)

cp -r tests/data/cli/logs "$tmp/logs"
touch -d 2014-11-30 "$tmp/logs/linux/auth.log"
mkdir -p "$tmp/logs/windows" "$tmp/rules"
# A Sysmon process creation (evtx_dump JSON) whose command line, computer and user are markup.
HOSTILE='<img src=x onerror=alert(1)><script>alert(2)</script>'
printf '%s\n' '{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,"TimeCreated":{"#attributes":{"SystemTime":"2014-11-24T09:20:00.000000Z"}},"EventRecordID":7,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"ws-<b>07</b>"},"EventData":{"Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c echo <img src=x onerror=alert(1)><script>alert(2)</script></script><!-- & \"q\"","User":"CORP\\<svg onload=alert(3)>","ParentImage":"C:\\Windows\\explorer.exe"}}}' \
    >"$tmp/logs/windows/sysmon.jsonl"
cat >"$tmp/rules/markup.yml" <<'EOF'
title: Process with markup in its command line
id: 6f1f3c52-1b7e-4d0a-9a56-0d2b9f0e5a11
status: test
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    CommandLine|contains: 'onerror'
  condition: selection
level: high
tags:
  - attack.execution
  - attack.t1059.001
EOF
db="$tmp/a.db"
"$T" hunt "$tmp/logs" --rules "$tmp/rules" --db "$db" --no-progress >"$tmp/hunt.txt" 2>&1
check "the hunt with the hostile event runs" grep -q 'INC-' "$tmp/hunt.txt"
n_inc=$("$T" incidents --db "$db" | grep -c 'INC-')

page="$tmp/report.html"
"$T" report --db "$db" --html "$page" >/dev/null 2>"$tmp/report.err"
check "report --html exits 0" test $? -eq 0
check "report --html writes the page" test -s "$page"
check "no temporary file is left beside it" bash -c "! ls '$tmp' | grep -q '\\.tmp\$'"
check "the page has a section per incident" test "$(grep -c '<section class="incident"' "$page")" -eq "$n_inc"
check "the page opens with a verdict and the attack stages" bash -c \
    "grep -q 'class=\"verdict\"' '$page' && grep -q 'attack stages reached' '$page'"
check "the Lazarus C2 incident is attributed on the page" has "$page" 'Lazarus Group'
check "stages come from the techniques' tactics (T1071: Command and Control)" \
    grep -q '<li class="on" title="TA0011 Command and Control">' "$page"
check "the Sigma alert's technique maps to Execution" grep -q '<li class="on" title="TA0002 Execution">' "$page"
check "there is a competing-hypotheses table" has "$page" 'class="ach"'
check "every alert's events are listed, with their command line" has "$page" 'cmd.exe /c echo'

# Nothing is loaded from anywhere: no external script, style, image or frame, and a policy
# that forbids any load the page could make.
check "the page loads no script, style or image from outside" bash -c \
    "! grep -Eiq '(src|href|action)=[\"'\'']?(https?:)?//|@import|url\\(|<link|<iframe' '$page'"
check "a Content-Security-Policy forbids every other load" \
    grep -q "Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-" "$page"

# The hostile strings are text in the HTML and inert in the JSON the script reads.
check "the hostile command line is HTML-escaped" has "$page" '&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;'
check "no hostile markup is left raw" bash -c "lacks() { ! grep -qiF -- \"\$2\" \"\$1\"; }; \
    lacks '$page' '<img' && lacks '$page' '<svg onload' && lacks '$page' '<b>07' && lacks '$page' '<script>alert'"
check "in the JSON for the script, < is written \\u003c" has "$page" '"label":"\u003csvg onload=alert(3)\u003e"'
check "every script element closes where the page means it to" test \
    "$(grep -o '<script' "$page" | wc -l)" -eq "$(grep -o '</script>' "$page" | wc -l)"

# One incident by name, standard output, an unknown incident.
id=$(grep -o 'INC-[0-9a-f]\{16\}' "$tmp/hunt.txt" | head -n 1)
"$T" report "$id" --db "$db" --html - >"$tmp/one.html" 2>/dev/null
check "report INCIDENT --html - writes one incident's page" test "$(grep -c '<section class="incident"' "$tmp/one.html")" -eq 1
check "report of an unknown incident exits 1" bash -c "'$T' report INC-0000000000000000 --db '$db' --html '$tmp/x.html'; test \$? -eq 1"
check "report of an unknown incident leaves no file" test ! -e "$tmp/x.html"

# ---- in Chromium --------------------------------------------------------------------------
chrome=$(command -v chromium || true)
if [ -z "$chrome" ]; then
    echo "html: chromium is not installed (Debian's chromium package): the browser checks are skipped"
    skipped=$((skipped + 1))
else
    # Flags the browser needs here: no sandbox as root, no background connections of its own;
    # a dead proxy, so that nothing could leave even if the page tried.
    run_chrome() { # name, url: DOM to $tmp/name.dom, console to .err, requests to .net
        timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --user-data-dir="$tmp/profile-$1" --proxy-server=127.0.0.1:9 \
            --enable-logging=stderr --v=0 --log-net-log="$tmp/$1.net" \
            --dump-dom "$2" >"$tmp/$1.dom" 2>"$tmp/$1.err"
    }
    # Chromium's own services (accounts, updates) that it asks for even with the flags above.
    own='^https?://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gvt1\.com|gstatic\.com)(/|:|$)'
    outside_requests() { grep -o '"url":"[^"]*"' "$tmp/$1.net" | sed 's/^"url":"//; s/"$//' | grep -v '^file:' | grep -Ev "$own"; }

    # A canary page shows that these checks see what they look for: a console message and a
    # request to an outside host.
    printf '<!DOCTYPE html><p>canary</p><script>console.log("canary-console")</script><img src="http://tocsin-canary.invalid/x.png">' >"$tmp/canary.html"
    run_chrome canary "file://$tmp/canary.html"
    check "the console check sees a page's console" grep -q 'CONSOLE.*canary-console' "$tmp/canary.err"
    check "the request check sees a page's request" bash -c "grep -q 'tocsin-canary.invalid' '$tmp/canary.net'"

    run_chrome page "file://$page"
    dom="$tmp/page.dom"
    check "Chromium renders the page" has "$dom" '</html>'
    check "the rendered page shows the verdict" bash -c "grep -q 'class=\"verdict\"' '$dom' && grep -q 'Lazarus Group' '$dom'"
    n_alerts=$(grep -c '<details class="alert"' "$page")
    check "the rendered timeline has a row per alert" test "$(grep -o '<a href="#INC-[0-9a-f]*-a[0-9]*">[0-9]*</a></td><td class="nw">' "$dom" | wc -l)" -eq "$n_alerts"
    check "the script drew the tactic lanes" grep -q '<svg viewBox="0 0 1000 [0-9]*" width="1000" height="[0-9]*" role="img"><title>alerts by ATT' "$dom"
    check "the script drew the graph, hostile names as text" has "$dom" '&lt;svg onload=alert(3)&gt;</text>'
    check "the script drew an outside address in the graph" has "$dom" '>203.131.222.102</text>'
    check "nothing was logged to the console (errors, refused loads)" bash -c "! grep -q 'CONSOLE' '$tmp/page.err'"
    outside=$(outside_requests page)
    [ -n "$outside" ] && echo "requested: $outside"
    check "the request log was written" test -s "$tmp/page.net"
    check "nothing was requested from outside" test -z "$outside"
    check "the hostile command line is text in the DOM" has "$dom" '&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;'
    check "the DOM holds no element from a log string" bash -c "! grep -Eiq '<img|<svg onload|<b>07|<script>alert' '$dom'"
fi

echo "html: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
