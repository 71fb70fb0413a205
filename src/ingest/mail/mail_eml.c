/* mail_eml.c: reader for one RFC 5322 message per file (.eml, Maildir cur/ and new/ files). */
#include <stdlib.h>
#include <string.h>

#include "ingest/mail/mail_int.h"

/* A file that starts with an mbox "From " line is the mbox reader's. */
static int eml_sniff(const char *head, size_t len)
{
    if (len >= 5 && memcmp(head, "From ", 5) == 0)
        return 0;
    return mail_sniff_headers(head, len);
}

/* Reads the whole message (at most MAIL_MAX_MESSAGE bytes) and parses it. */
static tocsin_code eml_read(ts_input *in, ts_scratch *s, const ts_sink *sink)
{
    rd_ctx c = rd_make(in, s, sink);
    char *buf;
    size_t len;
    tocsin_code rc = ts_input_slurp(in, MAIL_MAX_MESSAGE, &buf, &len);
    if (rc == TOCSIN_E_TOOLONG) {
        rd_error(&c, 1, 0, rc, "message over the %u MiB limit: skipped", MAIL_MAX_MESSAGE >> 20);
        return TOCSIN_OK;
    }
    if (rc == TOCSIN_E_NOMEM)
        return rc;
    if (rc != TOCSIN_OK) {
        rd_error(&c, 0, 0, rc, "%s", ts_input_error(in));
        return rc;
    }
    mail_parse_message(&c, buf, len, 1);
    free(buf);
    return TOCSIN_OK;
}

const ts_reader ts_reader_mail_eml = {
    .name = "mail-eml",
    .summary = "one e-mail message per file (RFC 5322 .eml, Maildir), parsed with GMime",
    .sniff = eml_sniff,
    .read = eml_read,
};
