/* event_json.c: one normalised event as NDJSON, every field typed and named as in ECS. */
#include "report/event_json.h"

/* Category bits by name, in bit order, so the output reads the same on every run. */
static const struct {
    uint32_t bit;
    const char *name;
} categories[] = {
    {TS_CAT_NETWORK, "network"}, {TS_CAT_DNS, "dns"},     {TS_CAT_WEB, "web"},
    {TS_CAT_TLS, "tls"},         {TS_CAT_EMAIL, "email"}, {TS_CAT_AUTH, "authentication"},
    {TS_CAT_PROCESS, "process"}, {TS_CAT_FILE, "file"},   {TS_CAT_ALERT, "alert"},
    {TS_CAT_SESSION, "session"}, {TS_CAT_HOST, "host"},
};

/* Writes key: s unless s is empty. */
static void kview(ts_jw *w, const char *key, ts_str s)
{
    if (!s.n)
        return;
    ts_jw_key(w, key);
    ts_jw_strn(w, s.p, s.n);
}

static void kip(ts_jw *w, const char *key, const ts_ip *ip)
{
    char buf[TS_IP_STRLEN];
    if (ts_ip_set(ip))
        ts_jw_kstr(w, key, ts_ip_format(ip, buf));
}

/* event.type bits by their ECS names. */
static const struct {
    uint32_t bit;
    const char *name;
} types[] = {
    {TS_TYPE_CONNECTION, "connection"},
    {TS_TYPE_START, "start"},
    {TS_TYPE_END, "end"},
    {TS_TYPE_CREATION, "creation"},
    {TS_TYPE_DELETION, "deletion"},
    {TS_TYPE_CHANGE, "change"},
    {TS_TYPE_ACCESS, "access"},
    {TS_TYPE_INSTALLATION, "installation"},
    {TS_TYPE_ALLOWED, "allowed"},
    {TS_TYPE_DENIED, "denied"},
};

void ts_event_json(FILE *f, const ts_event *ev, const char *reader)
{
    ts_jw w;
    ts_jw_begin(&w, f);
    ts_jw_kstr(&w, "type", "event");
    if (ev->ts_ns) { /* twice, as every NDJSON line of tocsin: text, and nanoseconds for sorting */
        char t[40];
        ts_jw_kstr(&w, "time", ts_format_time(ev->ts_ns, t, sizeof t));
        ts_jw_kint(&w, "time_ns", ev->ts_ns);
    }
    kview(&w, "dataset", ev->dataset);
    ts_jw_key(&w, "category");
    ts_jw_arr(&w);
    for (size_t i = 0; i < sizeof categories / sizeof *categories; i++)
        if (ev->category & categories[i].bit)
            ts_jw_str(&w, categories[i].name);
    ts_jw_arr_end(&w);
    if (ev->type) {
        ts_jw_key(&w, "event_type");
        ts_jw_arr(&w);
        for (size_t i = 0; i < sizeof types / sizeof *types; i++)
            if (ev->type & types[i].bit)
                ts_jw_str(&w, types[i].name);
        ts_jw_arr_end(&w);
    }
    kview(&w, "action", ev->action);
    if (ev->outcome != TS_OUTCOME_UNKNOWN)
        ts_jw_kstr(&w, "outcome", ev->outcome == TS_OUTCOME_SUCCESS ? "success" : "failure");
    if (ev->has_code)
        ts_jw_kuint(&w, "code", ev->code);
    kview(&w, "channel", ev->channel);
    kview(&w, "provider", ev->provider);

    kip(&w, "src_ip", &ev->src_ip);
    if (ev->src_port)
        ts_jw_kuint(&w, "src_port", ev->src_port);
    kip(&w, "dst_ip", &ev->dst_ip);
    if (ev->dst_port)
        ts_jw_kuint(&w, "dst_port", ev->dst_port);
    kview(&w, "transport", ev->transport);
    kview(&w, "protocol", ev->protocol);
    if (ev->bytes_out)
        ts_jw_kuint(&w, "bytes_out", ev->bytes_out);
    if (ev->bytes_in)
        ts_jw_kuint(&w, "bytes_in", ev->bytes_in);

    kview(&w, "host", ev->host);
    kview(&w, "src_host", ev->src_host);
    kview(&w, "user", ev->user);
    kview(&w, "user_domain", ev->user_domain);
    if (ev->logon_type)
        ts_jw_kint(&w, "logon_type", ev->logon_type);

    kview(&w, "domain", ev->domain);
    kview(&w, "url", ev->url);
    kview(&w, "user_agent", ev->user_agent);
    kview(&w, "file_path", ev->file_path);
    kview(&w, "md5", ev->md5);
    kview(&w, "sha1", ev->sha1);
    kview(&w, "sha256", ev->sha256);

    kview(&w, "mail_from", ev->mail_from);
    if (ev->n_mail_to) {
        ts_jw_key(&w, "mail_to");
        ts_jw_arr(&w);
        for (size_t i = 0; i < ev->n_mail_to && i < TS_MAX_RCPT; i++)
            ts_jw_strn(&w, ev->mail_to[i].p, ev->mail_to[i].n);
        ts_jw_arr_end(&w);
    }
    kview(&w, "mail_subject", ev->mail_subject);
    kview(&w, "mail_msgid", ev->mail_msgid);

    kview(&w, "process", ev->process);
    kview(&w, "command_line", ev->command_line);
    kview(&w, "parent_process", ev->parent_process);
    kview(&w, "rule_name", ev->rule_name);

    if (reader)
        ts_jw_kstr(&w, "reader", reader);
    if (ev->file)
        ts_jw_kstr(&w, "source_file", ev->file);
    if (ev->line)
        ts_jw_kuint(&w, "source_line", ev->line);
    if (ev->record)
        ts_jw_kuint(&w, "source_record", ev->record);

    /* The raw record as [key, value] pairs: a key may repeat and order matters to a reader. */
    ts_jw_key(&w, "fields");
    ts_jw_arr(&w);
    for (size_t i = 0; i < ev->n_fields; i++) {
        ts_jw_arr(&w);
        ts_jw_strn(&w, ev->fields[i].key.p, ev->fields[i].key.n);
        ts_jw_strn(&w, ev->fields[i].val.p, ev->fields[i].val.n);
        ts_jw_arr_end(&w);
    }
    ts_jw_arr_end(&w);
    ts_jw_end(&w);
}
