/* linux_auth.c: reader for Linux syslog (RFC 3164, RFC 5424 and ISO-stamped lines) with
 * sshd, sudo, su and PAM authentication messages made into typed events. */
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ingest/rd.h"
#include "ingest/winxml.h"

/* The header of one syslog line. */
typedef struct sl_line {
    int64_t ts_ns;
    ts_str host, program, pid, msg;
} sl_line;

/* The year RFC 3164 leaves out: the file's, minus one for months after its last change. */
typedef struct sl_year {
    int year, month; /* of the file's mtime, month 1..12 */
} sl_year;

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

static int month_of(const char *p)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++)
        if (memcmp(p, names + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

/* Reads a number of up to max digits at p[*i]; -1 if none. */
static int num(const char *p, size_t n, size_t *i, int max)
{
    int v = 0, k = 0;
    while (*i < n && k < max && digit(p[*i])) {
        v = v * 10 + (p[*i] - '0');
        (*i)++;
        k++;
    }
    return k ? v : -1;
}

static int64_t utc_ns(int year, int mon, int day, int h, int m, int s)
{
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm) * 1000000000;
}

/* "Mmm dd hh:mm:ss " at p; sets *end past the space. Local time is taken as UTC: syslog
 * does not say which zone it wrote. */
static bool rfc3164_time(const char *p, size_t n, const sl_year *y, int64_t *ns, size_t *end)
{
    if (n < 16)
        return false;
    int mon = month_of(p);
    if (!mon || p[3] != ' ')
        return false;
    size_t i = 4;
    if (p[i] == ' ')
        i++;
    int day = num(p, n, &i, 2);
    if (day < 1 || day > 31 || i >= n || p[i++] != ' ')
        return false;
    int h = num(p, n, &i, 2);
    if (h < 0 || i >= n || p[i++] != ':')
        return false;
    int m = num(p, n, &i, 2);
    if (m < 0 || i >= n || p[i++] != ':')
        return false;
    int s = num(p, n, &i, 2);
    if (s < 0 || h > 23 || m > 59 || s > 60)
        return false;
    if (i < n && p[i] == '.') /* fractional seconds some daemons add */
        while (++i < n && digit(p[i]))
            ;
    if (i >= n || p[i] != ' ')
        return false;
    int year = y->year - (mon > y->month);
    *ns = utc_ns(year, mon, day, h, m, s);
    *end = i + 1;
    return true;
}

/* An RFC 3339 stamp token at p ("2024-01-15T10:00:00.123+01:00 "). */
static bool iso_time(const char *p, size_t n, int64_t *ns, size_t *end)
{
    const char *sp = memchr(p, ' ', n);
    if (!sp || sp - p < 19 || !digit(p[0]) || p[4] != '-' || p[10] != 'T')
        return false;
    if (!rd_time(ts_str_make(p, (size_t)(sp - p)), ns))
        return false;
    *end = (size_t)(sp - p) + 1;
    return true;
}

static ts_str token(const char *p, size_t n, size_t *i)
{
    size_t s = *i;
    while (*i < n && p[*i] != ' ')
        (*i)++;
    ts_str t = ts_str_make(p + s, *i - s);
    if (*i < n)
        (*i)++;
    return t;
}

/* "prog[pid]: msg", "prog: msg"; anything else is all message. */
static void tag(const char *p, size_t n, sl_line *l)
{
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    size_t s = i;
    while (i < n && p[i] != '[' && p[i] != ':' && p[i] != ' ')
        i++;
    ts_str prog = ts_str_make(p + s, i - s);
    ts_str pid = TS_STR_NULL;
    if (i < n && p[i] == '[') {
        const char *close = memchr(p + i, ']', n - i);
        if (close) {
            pid = ts_str_make(p + i + 1, (size_t)(close - p - i - 1));
            i = (size_t)(close - p) + 1;
        }
    }
    if (prog.n && i < n && p[i] == ':') {
        l->program = prog;
        l->pid = pid;
        i++;
        if (i < n && p[i] == ' ')
            i++;
        l->msg = ts_str_make(p + i, n - i);
        return;
    }
    l->msg = ts_str_make(p + s, n - s);
}

/* "<PRI>1 TIME HOST APP PROCID MSGID SD MSG" (RFC 5424) after the PRI. */
static bool rfc5424(const char *p, size_t n, sl_line *l)
{
    size_t i = 2;
    if (n < 2 || p[0] != '1' || p[1] != ' ')
        return false;
    ts_str t = token(p, n, &i);
    if (RD_EQ(t, "-"))
        l->ts_ns = 0;
    else if (!t.n || !digit(t.p[0]) || !rd_time(t, &l->ts_ns))
        return false;
    l->host = token(p, n, &i);
    l->program = token(p, n, &i);
    l->pid = token(p, n, &i);
    token(p, n, &i);            /* MSGID */
    if (i < n && p[i] == '[') { /* structured data elements, quoted values may hold ']' */
        while (i < n && p[i] == '[') {
            bool q = false;
            for (i++; i < n; i++) {
                if (q && p[i] == '\\') {
                    i++;
                    continue;
                }
                if (p[i] == '"')
                    q = !q;
                else if (p[i] == ']' && !q) {
                    i++;
                    break;
                }
            }
        }
    } else if (i < n && p[i] == '-') {
        i++;
    }
    if (i < n && p[i] == ' ')
        i++;
    if (i > n)
        i = n;
    if (RD_EQ(l->program, "-"))
        l->program = TS_STR_NULL;
    if (RD_EQ(l->pid, "-"))
        l->pid = TS_STR_NULL;
    l->msg = ts_str_make(p + i, n - i);
    return true;
}

static bool parse_line(const char *p, size_t n, const sl_year *y, sl_line *l)
{
    memset(l, 0, sizeof *l);
    size_t i = 0;
    if (n > 2 && p[0] == '<') { /* a PRI part: "<34>" */
        const char *gt = memchr(p, '>', n < 6 ? n : 6);
        if (!gt)
            return false;
        i = (size_t)(gt - p) + 1;
        if (rfc5424(p + i, n - i, l))
            return true;
    }
    size_t e;
    if (!rfc3164_time(p + i, n - i, y, &l->ts_ns, &e) && !iso_time(p + i, n - i, &l->ts_ns, &e))
        return false;
    i += e;
    l->host = token(p, n, &i);
    if (!l->host.n)
        return false;
    tag(p + i, n - i, l);
    return true;
}

/* The program without a "(pam_unix)" suffix. */
static ts_str base_program(ts_str prog)
{
    const char *paren = prog.n ? memchr(prog.p, '(', prog.n) : NULL;
    return paren ? ts_str_make(prog.p, (size_t)(paren - prog.p)) : prog;
}

static bool auth_program(ts_str b)
{
    static const char *const names[] = {"sshd",           "sudo",    "su",      "login",        "passwd",
                                        "useradd",        "userdel", "usermod", "groupadd",     "chpasswd",
                                        "systemd-logind", "polkitd", "gdm",     "gdm-password", "CRON",
                                        "cron",           "klogind", "ftpd",    "vsftpd",       "dropbear",
                                        "doas",           "pkexec"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ts_str_eq(b, names[i]))
            return true;
    return false;
}

/* Text of m after prefix, up to the first occurrence of stop (or the end). */
static ts_str between(ts_str m, size_t from, const char *stop)
{
    if (from > m.n)
        return TS_STR_NULL;
    const char *s = rd_find(m.p + from, m.n - from, stop);
    size_t end = s ? (size_t)(s - m.p) : m.n;
    return ts_str_make(m.p + from, end - from);
}

/* "... from IP port N ..." after position at. */
static void from_ip_port(ts_event *ev, ts_str m, const char *at)
{
    if (!at)
        return;
    size_t i = (size_t)(at - m.p) + 6;
    ts_str ip = between(m, i, " ");
    rd_ip(ip, &ev->src_ip);
    i += ip.n;
    if (i + 6 <= m.n && memcmp(m.p + i, " port ", 6) == 0)
        rd_port(between(m, i + 6, " "), &ev->src_port);
}

/* "1.2.3.4:" in "Received disconnect from 1.2.3.4: 11: Bye" is the address. */
static ts_str no_colon(ts_str t)
{
    if (t.n && t.p[t.n - 1] == ':')
        t.n--;
    return t;
}

/* The leading digits: "22:11:" in "port 22:11: Bye" is port 22. */
static ts_str digits(ts_str t)
{
    size_t n = 0;
    while (n < t.n && digit(t.p[n]))
        n++;
    return ts_str_make(t.p, n);
}

/* "[authenticating |invalid ]user U IP port N" or "IP port N" from position i. */
static void sshd_peer(ts_event *ev, ts_str m, size_t i)
{
    static const char *const who[] = {"authenticating user ", "invalid user ", "user "};
    for (size_t k = 0; k < sizeof who / sizeof who[0]; k++) {
        size_t wn = strlen(who[k]);
        if (i + wn <= m.n && memcmp(m.p + i, who[k], wn) == 0) {
            ev->user = between(m, i + wn, " ");
            i += wn + ev->user.n + 1;
            break;
        }
    }
    ts_str ip = between(m, i, " ");
    rd_ip(no_colon(ip), &ev->src_ip);
    i += ip.n;
    if (i + 6 <= m.n && memcmp(m.p + i, " port ", 6) == 0)
        rd_port(digits(between(m, i + 6, " ")), &ev->src_port);
}

/* sshd: Accepted/Failed METHOD for [invalid user ]USER from IP port N; Invalid user. */
static void sshd(ts_event *ev, ts_str m, ts_arena *a)
{
    bool acc = ts_str_istarts(m, "Accepted "), fail = ts_str_istarts(m, "Failed ");
    if (acc || fail) {
        size_t i = acc ? 9 : 7;
        ts_str method = between(m, i, " ");
        i += method.n;
        if (i + 5 > m.n || memcmp(m.p + i, " for ", 5) != 0)
            return;
        i += 5;
        if (i + 13 <= m.n && memcmp(m.p + i, "invalid user ", 13) == 0)
            i += 13;
        const char *from = rd_find(m.p + i, m.n - i, " from ");
        ev->user = ts_str_make(m.p + i, from ? (size_t)(from - m.p) - i : 0);
        from_ip_port(ev, m, from);
        ev->outcome = acc ? TS_OUTCOME_SUCCESS : TS_OUTCOME_FAILURE;
        ev->action = rd_cat(a, acc ? TS_STR_LIT("accepted-") : TS_STR_LIT("failed-"), method, TS_STR_NULL);
        ev->category |= TS_CAT_AUTH;
        ev->type |= TS_TYPE_START | (acc ? TS_TYPE_ALLOWED : TS_TYPE_DENIED);
        return;
    }
    if (ts_str_istarts(m, "Invalid user ")) {
        const char *from = rd_find(m.p + 13, m.n - 13, " from ");
        ev->user = ts_str_make(m.p + 13, from ? (size_t)(from - m.p) - 13 : m.n - 13);
        from_ip_port(ev, m, from);
        ev->outcome = TS_OUTCOME_FAILURE;
        ev->action = TS_STR_LIT("invalid-user");
        ev->category |= TS_CAT_AUTH;
        ev->type |= TS_TYPE_START | TS_TYPE_DENIED;
        return;
    }
    static const char *const peers[] = {"Received disconnect from ", "Connection closed by ",
                                        "Disconnected from "};
    for (size_t k = 0; k < sizeof peers / sizeof peers[0]; k++)
        if (ts_str_istarts(m, peers[k])) {
            sshd_peer(ev, m, strlen(peers[k]));
            return;
        }
}

/* The value of "key=" in a PAM message, up to the next space. */
static ts_str kv(ts_str m, const char *key)
{
    size_t kn = strlen(key);
    for (const char *p = rd_find(m.p, m.n, key); p; p = rd_find(p + 1, m.n - (size_t)(p + 1 - m.p), key))
        if (p == m.p || p[-1] == ' ' || p[-1] == ';')
            return between(m, (size_t)(p - m.p) + kn, " ");
    return TS_STR_NULL;
}

static void pam(ts_event *ev, ts_str m)
{
    const char *af = rd_find(m.p, m.n, "authentication failure;");
    if (af) {
        ts_str rhost = kv(m, "rhost="), user = kv(m, "user=");
        if (rhost.n && !ts_ip_parse(rhost, &ev->src_ip))
            ev->src_host = rhost;
        ev->user = user;
        ev->outcome = TS_OUTCOME_FAILURE;
        ev->action = TS_STR_LIT("authentication-failure");
        ev->category |= TS_CAT_AUTH;
        return;
    }
    const char *so = rd_find(m.p, m.n, "session opened for user ");
    const char *sc = so ? NULL : rd_find(m.p, m.n, "session closed for user ");
    if (so || sc) {
        size_t i = (size_t)((so ? so : sc) - m.p) + 24;
        ts_str u = between(m, i, " ");
        const char *paren = memchr(u.p, '(', u.n); /* "root(uid=0)" */
        if (paren)
            u.n = (size_t)(paren - u.p);
        ev->user = u;
        ev->action = so ? TS_STR_LIT("session-opened") : TS_STR_LIT("session-closed");
        if (so)
            ev->outcome = TS_OUTCOME_SUCCESS;
        ev->category |= TS_CAT_AUTH | TS_CAT_SESSION;
        ev->type |= so ? TS_TYPE_START : TS_TYPE_END;
    }
}

/* "USER : TTY=pts/0 ; PWD=/home ; USER=root ; COMMAND=/bin/ls" and its failure forms. */
static void sudo(ts_event *ev, ts_str m)
{
    const char *sep = rd_find(m.p, m.n, " : ");
    if (!sep)
        return;
    ev->user = ts_str_trim(ts_str_make(m.p, (size_t)(sep - m.p)));
    ts_str rest = ts_str_make(sep + 3, m.n - (size_t)(sep + 3 - m.p));
    const char *cmd = rd_find(rest.p, rest.n, "COMMAND=");
    if (cmd)
        ev->command_line = ts_str_make(cmd + 8, rest.n - (size_t)(cmd + 8 - rest.p));
    bool bad = rd_find(rest.p, rest.n, "NOT in sudoers") || rd_find(rest.p, rest.n, "incorrect password") ||
               rd_find(rest.p, rest.n, "command not allowed");
    ev->outcome = bad ? TS_OUTCOME_FAILURE : TS_OUTCOME_SUCCESS;
    ev->action = TS_STR_LIT("sudo");
    ev->category |= TS_CAT_AUTH | TS_CAT_PROCESS;
}

static void classify(ts_event *ev, const sl_line *l, ts_arena *a)
{
    ts_str b = base_program(l->program);
    bool pamline = rd_find(l->msg.p, l->msg.n, "pam_unix") || ts_str_istarts(l->program, "sshd(") ||
                   rd_find(l->program.p, l->program.n, "(pam_unix)");
    bool auth = auth_program(b) || pamline;
    ev->dataset = auth ? TS_STR_LIT("linux.auth") : TS_STR_LIT("linux.syslog");
    ev->category = auth ? TS_CAT_AUTH : TS_CAT_HOST;
    if (ts_str_eq(b, "sshd"))
        sshd(ev, l->msg, a);
    else if (ts_str_eq(b, "sudo"))
        sudo(ev, l->msg);
    if (!ev->action.n)
        pam(ev, l->msg);
    if (!ev->action.n && ts_str_istarts(l->msg, "ROOT LOGIN ON ")) {
        ev->user = TS_STR_LIT("root");
        ev->action = TS_STR_LIT("root-login");
        ev->outcome = TS_OUTCOME_SUCCESS;
        ev->dataset = TS_STR_LIT("linux.auth");
        ev->category = TS_CAT_AUTH | TS_CAT_SESSION;
    }
    if (ts_str_eq(b, "sshd") && ev->action.n)
        ev->protocol = TS_STR_LIT("ssh");
}

/* One line of a file whose stamps are in year y. */
static tocsin_code record(rd_ctx *c, void *y, const char *p, size_t n, uint64_t line)
{
    sl_line l;
    if (!parse_line(p, n, y, &l)) {
        rd_error(c, line, 0, TOCSIN_E_PARSE, "not a syslog line (no timestamp and host)");
        return TOCSIN_OK;
    }
    if (l.msg.n > 7 && l.msg.p[0] == '<' && ts_winxml_find(l.msg.p, l.msg.n) == 0) {
        ts_sysmon_linux_event(c, line, l.msg.p, l.msg.n); /* Sysmon for Linux's XML */
        return TOCSIN_OK;
    }
    rd_begin(c, line, 0);
    ts_event *ev = &c->s->ev;
    ev->ts_ns = l.ts_ns;
    ev->host = l.host;
    rd_field(c, TS_STR_LIT("hostname"), l.host);
    if (l.program.n)
        rd_field(c, TS_STR_LIT("program"), l.program);
    if (l.pid.n)
        rd_field(c, TS_STR_LIT("pid"), l.pid);
    rd_field(c, TS_STR_LIT("message"), l.msg);
    classify(ev, &l, &c->s->arena);
    rd_emit(c);
    return TOCSIN_OK;
}

static sl_year file_year(const char *path)
{
    struct stat st;
    time_t t = stat(path, &st) == 0 ? st.st_mtime : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    return (sl_year){tm.tm_year + 1900, tm.tm_mon + 1};
}

static tocsin_code la_read(ts_input *in, ts_scratch *scratch, const ts_sink *sink)
{
    static const rd_line_ops ops = {.line = record, .flags = RD_TRIM | RD_SKIP_EMPTY};
    rd_ctx c = rd_make(in, scratch, sink);
    sl_year y = file_year(ts_input_path(in));
    return rd_lines(&c, &ops, &y);
}

static int la_sniff(const char *head, size_t len)
{
    ts_str l = rd_first_line(head, len);
    sl_line sl;
    sl_year y = {2000, 12};
    if (!l.n || !parse_line(l.p, l.n, &y, &sl))
        return 0;
    size_t n = len < 8192 ? len : 8192;
    if (rd_find(head, n, "sshd") || rd_find(head, n, "sudo:") || rd_find(head, n, "pam_unix"))
        return 70;
    return 50;
}

const ts_reader ts_reader_linux_auth = {
    .name = "linux-auth",
    .summary = "Linux syslog/auth.log (RFC 3164, RFC 5424, ISO stamps): sshd, sudo, su, PAM",
    .sniff = la_sniff,
    .read = la_read,
};
