/* readers.c: the registry of log readers (one line each in READERS) and format detection. */
#include "ingest/ingest.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Each X(name) names a `const ts_reader ts_reader_<name>` defined in its own file. Order
 * matters only for ties in sniffing: a more specific format comes first. */
#define READERS(X)   \
    X(evtx)          \
    X(zeek_tsv)      \
    X(zeek_json)     \
    X(suricata_eve)  \
    X(winevent_json) \
    X(winevent_xml)  \
    X(winlogbeat)    \
    X(sysmon_linux)  \
    X(linux_auth)    \
    X(linux_auditd)  \
    X(mail_mbox)     \
    X(mail_eml)

#define DECLARE(name) extern const ts_reader ts_reader_##name;
READERS(DECLARE)
#undef DECLARE

#define LIST(name) &ts_reader_##name,
const ts_reader *const ts_readers[] = {READERS(LIST) NULL};
#undef LIST

static const ts_reader *best_sniff(const char *head, size_t len)
{
    const ts_reader *best = NULL;
    int best_score = 0;
    for (size_t i = 0; ts_readers[i]; i++) {
        int s = ts_readers[i]->sniff(head, len);
        if (s > best_score) { /* ties go to the earlier, more specific reader */
            best_score = s;
            best = ts_readers[i];
        }
        if (best_score >= 100) /* certain: a later reader could only tie, and ties go to this one */
            break;
    }
    return best;
}

/* The first record of pretty-printed JSON as one line, the form the JSON readers' sniffers
 * know: each line's leading blanks and its break are dropped, which leaves JSON the same (a
 * string never holds a raw line break). Returns the length written to out (up to the
 * record's closing brace, or all of head), 0 if head starts with no object spread over lines. */
static size_t join_first_record(const char *head, size_t len, char *out)
{
    size_t i = 0, o = 0;
    while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (i == len || head[i] != '{' || !memchr(head + i, '\n', len - i))
        return 0;
    bool line_start = false, str = false, esc = false;
    long depth = 0;
    for (; i < len && (o == 0 || depth > 0); i++) {
        char b = head[i];
        if (b == '\n' || b == '\r') {
            line_start = true;
            continue;
        }
        if (line_start && (b == ' ' || b == '\t'))
            continue;
        line_start = false;
        out[o++] = b;
        if (esc)
            esc = false;
        else if (str)
            esc = b == '\\', str = b != '"';
        else if (b == '"')
            str = true;
        else if (b == '{' || b == '[')
            depth++;
        else if (b == '}' || b == ']')
            depth--;
    }
    return o;
}

const ts_reader *ts_reader_detect(const char *head, size_t len)
{
    const ts_reader *r = best_sniff(head, len);
    if (r || len < 2)
        return r;
    char *joined = malloc(len);
    size_t n = joined ? join_first_record(head, len, joined) : 0;
    if (n)
        r = best_sniff(joined, n);
    free(joined);
    return r;
}

const ts_reader *ts_reader_find(const char *name)
{
    for (size_t i = 0; ts_readers[i]; i++)
        if (strcmp(ts_readers[i]->name, name) == 0)
            return ts_readers[i];
    return NULL;
}
