/* readers.c: the registry of log readers (one line each in READERS) and format detection. */
#include "ingest/ingest.h"

#include <string.h>

/* Each X(name) names a `const ts_reader ts_reader_<name>` defined in its own file. Order
 * matters only for ties in sniffing: a more specific format comes first. */
#define READERS(X)    \
    X(evtx)           \
    X(zeek_tsv)       \
    X(zeek_json)      \
    X(suricata_eve)   \
    X(winevent_json)  \
    X(linux_auth)     \
    X(linux_auditd)   \
    X(mail_mbox)      \
    X(mail_eml)

#define DECLARE(name) extern const ts_reader ts_reader_##name;
READERS(DECLARE)
#undef DECLARE

#define LIST(name) &ts_reader_##name,
const ts_reader *const ts_readers[] = {READERS(LIST) NULL};
#undef LIST

const ts_reader *ts_reader_detect(const char *head, size_t len)
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

const ts_reader *ts_reader_find(const char *name)
{
    for (size_t i = 0; ts_readers[i]; i++)
        if (strcmp(ts_readers[i]->name, name) == 0)
            return ts_readers[i];
    return NULL;
}
