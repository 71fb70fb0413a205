/* powershell.c: PowerShell used to hide or fetch code. Script blocks (4104) are measured for
 * obfuscation: escape ticks inside words, string concatenation, [char] casts, the share of
 * punctuation, and character entropy, each against a threshold of data/detect.conf
 * [powershell]; a block crossing several is obfuscated (clean scripts cross at most one:
 * minified code is dense, embedded base64 has high entropy, but neither breaks words with
 * ticks or rebuilds them from pieces). Process starts (Sysmon 1, 4688) of PowerShell with an
 * encoded command, and script blocks or command lines that both download and run code
 * (a download cradle: the word lists of [powershell]), are alerts of their own. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/ip.h"
#include "detect/alert_util.h"
#include "detect/baseline.h"
#include "detect/detect.h"

#define DET "powershell"
#define SEC "powershell"

typedef struct ps_state {
    double min_length, ticks_per_k, concat_per_k, casts_per_k, punct_share, entropy_bits;
    uint32_t min_signals, encoded_min;
    const char *hosts, *download_words, *run_words, *internal_suffixes;
} ps_state;

/* Tunables: the [powershell] section of data/detect.conf. */
typedef struct ps_settings {
    double min_length, ticks_per_k, concat_per_k, casts_per_k, punct_share, entropy_bits, min_signals,
        encoded_min;
    const char *hosts, *download_words, *run_words, *internal_suffixes;
} ps_settings;

static const ts_tunable ps_tunables[] = {
    TS_TUNE(ps_settings, min_length, TS_TUNE_COUNT, 200, 0, 1e9),
    TS_TUNE(ps_settings, ticks_per_k, TS_TUNE_NUM, 2, 0, 1000),
    TS_TUNE(ps_settings, concat_per_k, TS_TUNE_NUM, 3, 0, 1000),
    TS_TUNE(ps_settings, casts_per_k, TS_TUNE_NUM, 3, 0, 1000),
    TS_TUNE(ps_settings, punct_share, TS_TUNE_NUM, 0.35, 0.01, 0.99),
    TS_TUNE(ps_settings, entropy_bits, TS_TUNE_NUM, 5.6, 0, 8),
    TS_TUNE(ps_settings, min_signals, TS_TUNE_COUNT, 2, 1, 5),
    TS_TUNE(ps_settings, encoded_min, TS_TUNE_COUNT, 40, 0, 1e9),
    TS_TUNE_STR(ps_settings, hosts, ""),
    TS_TUNE_STR(ps_settings, download_words, ""),
    TS_TUNE_STR(ps_settings, run_words, ""),
    TS_TUNE_STR(ps_settings, internal_suffixes, ""),
    {0},
};

static tocsin_code ps_init(void *state, const ts_detect_ctx *ctx)
{
    ps_state *st = state;
    const ts_config *c = ctx->config;
    ps_settings tune;
    if (!ts_tune_read(c, SEC, ps_tunables, &tune))
        return TOCSIN_E_ARG;
    st->min_length = tune.min_length;
    st->ticks_per_k = tune.ticks_per_k;
    st->concat_per_k = tune.concat_per_k;
    st->casts_per_k = tune.casts_per_k;
    st->punct_share = tune.punct_share;
    st->entropy_bits = tune.entropy_bits;
    st->min_signals = (uint32_t)tune.min_signals;
    st->encoded_min = (uint32_t)tune.encoded_min;
    st->hosts = tune.hosts;
    st->download_words = tune.download_words;
    st->run_words = tune.run_words;
    st->internal_suffixes = tune.internal_suffixes;
    if (st->min_signals < 1 || st->min_signals > 5 || st->punct_share <= 0 || st->punct_share >= 1)
        return TOCSIN_E_ARG;
    return TOCSIN_OK;
}

static char lc(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}
static bool alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool alnum(char c)
{
    return alpha(c) || (c >= '0' && c <= '9');
}

/* The obfuscation measures of one text. */
typedef struct measures {
    double ticks, concat, casts, punct, entropy; /* per 1000 chars, share, bits per char */
} measures;

static measures measure(ts_str s)
{
    size_t ticks = 0, concat = 0, casts = 0, punct = 0, counted = 0;
    uint32_t freq[256] = {0};
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        freq[(uint8_t)c]++;
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        counted++;
        if (!alnum(c))
            punct++;
        /* A tick between two letters that is not one of PowerShell's escapes ("`n", "`t" ...
         * followed by a non-letter) breaks a word: In`voke, "Down`l`oadString". */
        if (c == '`' && i > 0 && i + 1 < s.n && alpha(s.p[i - 1]) && alpha(s.p[i + 1]) &&
            !(strchr("ntrabfv0", s.p[i + 1]) && !(i + 2 < s.n && alpha(s.p[i + 2]))))
            ticks++;
        /* 'ab'+'cd' or "ab" + "cd": a string rebuilt from pieces. */
        if (c == '+') {
            size_t l = i, r = i + 1;
            while (l > 0 && s.p[l - 1] == ' ')
                l--;
            while (r < s.n && s.p[r] == ' ')
                r++;
            if (l > 0 && r < s.n && (s.p[l - 1] == '\'' || s.p[l - 1] == '"') &&
                (s.p[r] == '\'' || s.p[r] == '"'))
                concat++;
        }
        if (c == '[' && i + 6 <= s.n && lc(s.p[i + 1]) == 'c' && lc(s.p[i + 2]) == 'h' &&
            lc(s.p[i + 3]) == 'a' && lc(s.p[i + 4]) == 'r' && s.p[i + 5] == ']')
            casts++;
    }
    measures m = {0};
    if (!s.n || !counted)
        return m;
    double k = (double)s.n / 1000.0;
    m.ticks = (double)ticks / k;
    m.concat = (double)concat / k;
    m.casts = (double)casts / k;
    m.punct = (double)punct / (double)counted;
    for (size_t b = 0; b < 256; b++)
        if (freq[b]) {
            double p = (double)freq[b] / (double)s.n;
            m.entropy -= p * log2(p);
        }
    return m;
}

/* Whether s contains one of the comma-separated words (case-insensitive); the word found. */
static bool has_word(const char *list, ts_str s, ts_str *found)
{
    ts_str it;
    for (const char *p = list; ts_str_next_item(&p, &it);) {
        if (!it.n || it.n > s.n)
            continue;
        for (size_t i = 0; i + it.n <= s.n; i++) {
            size_t j = 0;
            while (j < it.n && lc(s.p[i + j]) == lc(it.p[j]))
                j++;
            if (j == it.n) {
                *found = it;
                return true;
            }
        }
    }
    return false;
}

/* The host of the first URL in s ("http://HOST[:port]/..."), or an empty string. */
static ts_str url_host(ts_str s)
{
    for (size_t i = 0; i + 3 <= s.n; i++) {
        if (s.p[i] != ':' || s.p[i + 1] != '/' || s.p[i + 2] != '/')
            continue;
        size_t b = i + 3, e = b;
        while (e < s.n && (alnum(s.p[e]) || s.p[e] == '.' || s.p[e] == '-' || s.p[e] == '_'))
            e++;
        return (ts_str){s.p + b, e - b};
    }
    return (ts_str){s.p, 0};
}

static bool ends_with_i(ts_str s, ts_str tail)
{
    if (!tail.n || tail.n > s.n)
        return false;
    for (size_t i = 0; i < tail.n; i++)
        if (lc(s.p[s.n - tail.n + i]) != lc(tail.p[i]))
            return false;
    return true;
}

/* Whether a download host is the organisation's own: a private or internal address, a name
 * of one label (deploy-01: resolved by the internal DNS), a name in the domain of the host
 * that ran the code (corp.example.com for ws-1.corp.example.com), or one ending in a suffix
 * of [powershell] internal_suffixes. */
static bool internal_host(const ps_state *st, ts_str h, ts_str self)
{
    if (!h.n)
        return false;
    ts_ip ip;
    if (ts_ip_parse(h, &ip))
        return ts_ip_is_internal_default(&ip);
    if (!memchr(h.p, '.', h.n))
        return true;
    const char *dot = self.n ? memchr(self.p, '.', self.n) : NULL;
    if (dot) {
        ts_str domain = {dot, (size_t)(self.p + self.n - dot)};                /* ".corp.example.com" */
        if (memchr(domain.p + 1, '.', domain.n - 1) && ends_with_i(h, domain)) /* not a bare ".com" */
            return true;
    }
    ts_str it;
    for (const char *p = st->internal_suffixes; ts_str_next_item(&p, &it);)
        if (ends_with_i(h, it))
            return true;
    return false;
}

/* A download cradle found in a text: a word of each list, and the host of its URL. */
typedef struct fetch {
    ts_str dl, run, from;
    bool inside; /* from the organisation's own server */
} fetch;

static bool find_cradle(const ps_state *st, const ts_event *ev, ts_str text, fetch *f)
{
    if (!has_word(st->download_words, text, &f->dl) || !has_word(st->run_words, text, &f->run))
        return false;
    f->from = url_host(text);
    f->inside = internal_host(st, f->from, ev->host);
    return true;
}

/* Downloads and runs. A cradle fetching from an outside host names it (an outbound alert:
 * never any host's routine habit); one fetching from the organisation's own server weighs
 * less, as a deployment script's does. */
static void cradle(const ps_state *st, const ts_event *ev, ts_str text, const char *where,
                   const ts_alert_sink *out)
{
    fetch f;
    if (!find_cradle(st, ev, text, &f))
        return;
    ts_alert *a = bl_alert(DET, ev, f.inside ? 45 : 70, "T1105,T1059.001",
                           ts_fmt_alloc("%s|cradle|%.*s|%.*s|%.*s", DET, TS_STR_CUT(ev->host, 120),
                                        TS_STR_CUT(ev->user, 80), TS_STR_CUT(f.from, 120)),
                           ts_fmt_alloc("download cradle in %s on %.*s%s%.*s (%.*s ... %.*s): %.*s", where,
                                        TS_STR_CUT(ev->host, 120),
                                        !f.from.n  ? ""
                                        : f.inside ? " from internal "
                                                   : " from ",
                                        TS_STR_CUT(f.from, 120), (int)f.dl.n, f.dl.p, (int)f.run.n, f.run.p,
                                        TS_STR_CUT(text, 200)));
    if (!a)
        return;
    if (f.from.n && !f.inside) {
        a->remote_name = ts_fmt_alloc("%.*s", TS_STR_CUT(f.from, 250));
        a->direction = TS_DIR_OUTBOUND;
    }
    out->emit(out->ud, a);
}

static void script_block(const ps_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str text = ts_event_field(ev, "ScriptBlockText");
    if (!text.n)
        return;
    cradle(st, ev, text, "a script block", out);
    if ((double)text.n < st->min_length)
        return;
    measures m = measure(text);
    uint32_t signals = (m.ticks >= st->ticks_per_k) + (m.concat >= st->concat_per_k) +
                       (m.casts >= st->casts_per_k) + (m.punct >= st->punct_share) +
                       (m.entropy >= st->entropy_bits);
    if (signals < st->min_signals)
        return;
    bl_emit(out, DET, ev, 60, "T1027.010,T1059.001",
            ts_fmt_alloc("%s|obfuscated|%.*s|%.*s", DET, TS_STR_CUT(ev->host, 120), TS_STR_CUT(ev->user, 80)),
            ts_fmt_alloc(
                "obfuscated PowerShell script block on %.*s (%u signs: ticks %.1f/k, concatenations %.1f/k, "
                "[char] %.1f/k, punctuation %.0f%%, entropy %.2f bits): %.*s",
                TS_STR_CUT(ev->host, 120), signals, m.ticks, m.concat, m.casts, m.punct * 100, m.entropy,
                TS_STR_CUT(text, 160)));
}

/* "-e", "-en", "-enc" ... "-encodedcommand" (any prefix of it PowerShell accepts, also with
 * '/'), followed by a base64 token of at least encoded_min characters. */
static bool encoded_command(const ps_state *st, ts_str cmd, ts_str *token)
{
    static const char full[] = "encodedcommand";
    for (size_t i = 0; i + 2 < cmd.n; i++) {
        if (!((cmd.p[i] == '-' || cmd.p[i] == '/') && i > 0 && cmd.p[i - 1] == ' '))
            continue;
        size_t j = i + 1, k = 0;
        while (j < cmd.n && k < sizeof full - 1 && lc(cmd.p[j]) == full[k])
            j++, k++;
        if (k == 0 || (j < cmd.n && cmd.p[j] != ' '))
            continue;
        while (j < cmd.n && cmd.p[j] == ' ')
            j++;
        size_t b = 0;
        while (j + b < cmd.n &&
               (alnum(cmd.p[j + b]) || cmd.p[j + b] == '+' || cmd.p[j + b] == '/' || cmd.p[j + b] == '='))
            b++;
        if (b >= st->encoded_min) {
            *token = (ts_str){cmd.p + j, b};
            return true;
        }
    }
    return false;
}

static bool ieq(ts_str a, ts_str b)
{
    if (a.n != b.n)
        return false;
    for (size_t i = 0; i < a.n; i++)
        if (lc(a.p[i]) != lc(b.p[i]))
            return false;
    return true;
}

static int b64(char c)
{
    return c >= 'A' && c <= 'Z'   ? c - 'A'
           : c >= 'a' && c <= 'z' ? c - 'a' + 26
           : c >= '0' && c <= '9' ? c - '0' + 52
           : c == '+'             ? 62
           : c == '/'             ? 63
                                  : -1;
}

/* The text of an encoded command (base64 of UTF-16LE) into out (cap bytes), characters
 * outside ASCII as '?'; its length. */
static size_t decode_command(ts_str token, char *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0, bytes = 0;
    uint8_t lo = 0;
    for (size_t i = 0; i < token.n && n + 1 < cap; i++) {
        int v = b64(token.p[i]);
        if (v < 0)
            break;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits < 8)
            continue;
        bits -= 8;
        uint8_t byte = (uint8_t)(acc >> bits);
        if (bytes++ % 2 == 0) {
            lo = byte;
        } else {
            unsigned ch = lo | (unsigned)byte << 8;
            out[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : ch == '\t' || ch == '\n' ? ' ' : '?';
        }
    }
    out[n] = 0;
    return n;
}

/* Sysmon 1 / 4688: PowerShell started with an encoded command; any command line that is a
 * download cradle. */
static void process_start(const ps_state *st, const ts_event *ev, const ts_alert_sink *out)
{
    ts_str cmd = ev->command_line;
    if (!cmd.n)
        return;
    ts_str img = bl_basename(ts_str_trim(ev->process)), it;
    bool ps = false;
    for (const char *p = st->hosts; ts_str_next_item(&p, &it);)
        ps |= it.n && ieq(img, it);
    ts_str token;
    if (ps && encoded_command(st, cmd, &token)) {
        /* Keyed by what it runs: the same script again is the same alert (a scheduled job
           becomes that host's habit), another script on that host is a new one. */
        char text[2048];
        ts_str decoded = {text, decode_command(token, text, sizeof text)};
        /* A cradle from the organisation's own server inside it (a deployment script) is
           said by this alert, keyed by the script as any other, not by one of its own: the
           same script on the admins' desks is one thing seen again, whichever way it is
           counted. A cradle from outside is an outbound alert of its own. */
        fetch f;
        bool fetches = find_cradle(st, ev, decoded, &f), ours = fetches && f.from.n && f.inside;
        bl_emit(out, DET, ev, 50, ours ? "T1027.010,T1059.001,T1105" : "T1027.010,T1059.001",
                ts_fmt_alloc("%s|encoded|%.*s|%016llx", DET, TS_STR_CUT(ev->host, 120),
                             (unsigned long long)bl_hash(token, 0)),
                ts_fmt_alloc("%.*s started with an encoded command on %.*s by %.*s%s%.*s: %.*s",
                             TS_STR_CUT(img, 60), TS_STR_CUT(ev->host, 120),
                             TS_STR_CUT(ev->parent_process, 200), ours ? ", downloading from internal " : "",
                             ours ? (int)ts_utf8_cut(f.from, 120) : 0, ours ? ts_str_or_empty(f.from) : "",
                             TS_STR_CUT(decoded, 160)));
        if (fetches && !ours)
            cradle(st, ev, decoded, "an encoded command", out);
    }
    cradle(st, ev, cmd, "a command line", out);
}

static void ps_event(void *state, const ts_event *ev, const ts_alert_sink *out)
{
    const ps_state *st = state;
    if (!ev->has_code)
        return;
    if (ev->code == 4104 && bl_icontains(ev->channel, "PowerShell"))
        script_block(st, ev, out);
    else if (ts_str_eq(ev->action, "process-created"))
        process_start(st, ev, out);
}

const ts_detector ts_detector_powershell = {
    .name = DET,
    .tunables = ps_tunables,
    .summary =
        "PowerShell hiding or fetching code: obfuscated script blocks, encoded commands, download cradles",
    .state_size = sizeof(ps_state),
    .init = ps_init,
    .event = ps_event,
    .finish = NULL,
    .fini = NULL,
};
