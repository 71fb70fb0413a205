/* readers.c: the registry of log readers (one line each) and format detection. */
#include "ingest/ingest.h"

#include <string.h>

extern const ts_reader ts_reader_evtx;
extern const ts_reader ts_reader_zeek_tsv;
extern const ts_reader ts_reader_zeek_json;
extern const ts_reader ts_reader_suricata_eve;
extern const ts_reader ts_reader_winevent_json;
extern const ts_reader ts_reader_winevent_xml;
extern const ts_reader ts_reader_winlogbeat;
extern const ts_reader ts_reader_sysmon_linux;
extern const ts_reader ts_reader_linux_auth;
extern const ts_reader ts_reader_linux_auditd;
extern const ts_reader ts_reader_mail_mbox;
extern const ts_reader ts_reader_mail_eml;

const ts_reader *const ts_readers[] = {
    &ts_reader_evtx,
    &ts_reader_zeek_tsv,
    &ts_reader_zeek_json,
    &ts_reader_suricata_eve,
    &ts_reader_winevent_json,
    &ts_reader_winevent_xml,
    &ts_reader_winlogbeat,
    &ts_reader_sysmon_linux,
    &ts_reader_linux_auth,
    &ts_reader_linux_auditd,
    &ts_reader_mail_mbox,
    &ts_reader_mail_eml,
    NULL,
};

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
