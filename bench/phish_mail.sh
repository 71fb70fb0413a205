#!/bin/sh
# bench/phish_mail.sh: the phishing detector's recall and false-positive rate on the mail
# corpora of ../shared/data/mail (phishing honeypot messages, SpamAssassin ham), measured
# through the CLI a user runs: one hunt per folder into a fresh store, then the share of
# messages (files) with a phishing alert.
#   bench/phish_mail.sh [TOCSIN] [MAILDIR]   (defaults: build/tocsin, ../shared/data/mail)
# With -v, lists the files of each folder judged wrongly (missed phishing, flagged ham).
# PHISH_CONF=FILE hunts with that detect.conf instead of the bundled one (to try tunables).
# The phishing folders hold plain spam too: a second figure leaves out the messages listed
# in bench/phish_mail_spam.txt (the rule is written at its top), flagged or not.
# Skips (exit 0, says so) when the shared data is absent.
set -eu
spam_list=$(dirname "$0")/phish_mail_spam.txt
verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; shift; fi
bin=${1:-build/tocsin}
mail=${2:-$(dirname "$0")/../../shared/data/mail}
if [ ! -d "$mail/ham/easy_ham" ]; then
    echo "phish_mail: $mail not found: skipped (the shared mail corpora are absent)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# folder  expected (phish|ham)
for spec in phishing-pot:phish phishing-sample/email:phish ham/easy_ham:ham ham/hard_ham:ham; do
    dir=${spec%:*}
    want=${spec##*:}
    db="$tmp/$(echo "$dir" | tr / _).db"
    "$bin" hunt --db "$db" --detectors phishing --no-progress ${PHISH_CONF:+--config "$PHISH_CONF"} "$mail/$dir" \
        >/dev/null 2>"$tmp/err" || {
        rc=$?
        [ "$rc" -eq 3 ] || { echo "phish_mail: hunt of $dir failed ($rc)"; cat "$tmp/err"; exit 1; }
    }
    total=$(find "$mail/$dir" -maxdepth 1 -type f ! -name 'cmds' ! -name '*.md' ! -name 'LICENSE' | wc -l)
    sqlite3 "$db" "SELECT DISTINCT file FROM alerts WHERE detector='phishing' AND dataset IS NOT 'phishing.click'" |
        sort >"$tmp/flagged"
    flagged=$(wc -l <"$tmp/flagged")
    if [ "$want" = phish ]; then
        grep -v '^#' "$spam_list" | awk -v d="$dir/" 'index($1, d) == 1 { print substr($1, length(d) + 1) }' |
            sort >"$tmp/spam"
        n_spam=$(wc -l <"$tmp/spam")
        f_spam=$(sed 's|.*/||' "$tmp/flagged" | sort | comm -12 - "$tmp/spam" | wc -l)
        awk -v d="$dir" -v f="$flagged" -v t="$total" -v s="$n_spam" -v fs="$f_spam" \
            'BEGIN { printf "%-22s recall %4d/%-4d = %5.1f%%; without %d plain spam: %d/%d = %5.1f%%\n",
                     d, f, t, 100 * f / t, s, f - fs, t - s, 100 * (f - fs) / (t - s) }'
        if [ "$verbose" = 1 ]; then
            find "$mail/$dir" -maxdepth 1 -type f -name '*.eml' | sort >"$tmp/all"
            comm -23 "$tmp/all" "$tmp/flagged" | sed 's/^/  missed: /'
        fi
    else
        awk -v d="$dir" -v f="$flagged" -v t="$total" \
            'BEGIN { printf "%-22s flagged %4d/%-4d = %5.1f%%\n", d, f, t, 100 * f / t }'
        [ "$verbose" = 1 ] && sed 's/^/  flagged: /' "$tmp/flagged"
    fi
done
exit 0
