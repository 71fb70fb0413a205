/* linux_auditd.c: reader for Linux audit logs (audit.log raw or enriched, ausearch -i text):
 * the records of one event are grouped by their serial and each record becomes one event. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/vec.h"
#include "ingest/rd.h"

/*
 * One auditd event is several records (SYSCALL, EXECVE, CWD, PATH..., PROCTITLE, EOE) that
 * share "msg=audit(TIME:SERIAL)" and arrive on neighbouring lines, sometimes interleaved
 * with another event's. SigmaHQ's auditd rules are written against single records
 * ("type: EXECVE" with a0/a1, "type: PATH" with name, "type: SYSCALL" with exe/key), as a
 * SIEM stores them, so each record stays one event with only its own raw fields; grouping
 * gives every record of the event the typed fields known from its siblings (time, host,
 * process, command line, parent, user, syscall). The EXECVE record also carries the
 * process-creation fields Sigma's Linux rules use (Image, CommandLine, ParentImage ...).
 */

#define AU_WINDOW 8             /* events open at once */
#define AU_MAX_RECS 64          /* records kept per event */
#define AU_MAX_BYTES (4u << 20) /* bytes kept per event */
#define AU_AGE_NS 2000000000LL  /* an open event older than this is complete */
#define AU_PARENTS 512          /* processes remembered for ParentImage */
#define AU_PARENT_MAX 4096      /* longest exe or command line remembered */

typedef struct au_rec {
    size_t off, len; /* the line in the event's buffer */
    uint64_t line;
    size_t first, nf; /* its fields in au_state.all, set when the event is flushed */
} au_rec;

typedef struct au_event {
    bool used;
    uint64_t serial, seq; /* seq: order of opening, for eviction */
    int64_t ts_ns;
    char *buf;
    size_t n, cap;
    au_rec rec[AU_MAX_RECS];
    size_t nrec;
} au_event;

typedef struct au_parent {
    uint64_t pid;
    char *exe, *cmd;
} au_parent;

/* One record's header: "[node=N ]type=T msg=audit(TIME:SERIAL): BODY[\x1dENRICHMENT]". */
typedef struct au_head {
    ts_str node, type, body, enrich;
    int64_t ts_ns;
    uint64_t serial;
    bool interp; /* ausearch -i: values already interpreted, never hex */
} au_head;

/* What the records of one event say about it as a whole. */
typedef struct au_ctx {
    ts_str node, sysname, exe, comm, pid, ppid, uid, uid_name, success, cwd, cmdline, proctitle;
    ts_str parent_exe, parent_cmd;
    bool has_syscall, is_exec;
} au_ctx;

typedef struct au_state {
    rd_ctx c;
    au_event ev[AU_WINDOW];
    uint64_t seq;
    ts_fieldbuf all; /* the fields of every record of the event being flushed */
    ts_arena arena;  /* decoded values of that event */
    char *piece;     /* an EXECVE argument split as aN[0], aN[1] ... */
    size_t piece_n, piece_cap;
    ts_str piece_key;
    au_parent parents[AU_PARENTS];
} au_state;

/* ---- record types ---- */

typedef struct au_type {
    const char *name;
    uint16_t code;
} au_type;

/* clang-format off */
static const au_type types[] = {
    {"SYSCALL", 1300}, {"PATH", 1302}, {"IPC", 1303}, {"SOCKETCALL", 1304}, {"CONFIG_CHANGE", 1305},
    {"SOCKADDR", 1306}, {"CWD", 1307}, {"EXECVE", 1309}, {"IPC_SET_PERM", 1311}, {"KERNEL_OTHER", 1316},
    {"FD_PAIR", 1317}, {"OBJ_PID", 1318}, {"TTY", 1319}, {"EOE", 1320}, {"BPRM_FCAPS", 1321},
    {"CAPSET", 1322}, {"MMAP", 1323}, {"NETFILTER_PKT", 1324}, {"NETFILTER_CFG", 1325},
    {"SECCOMP", 1326}, {"PROCTITLE", 1327}, {"FEATURE_CHANGE", 1328}, {"REPLACE", 1329},
    {"KERN_MODULE", 1330}, {"FANOTIFY", 1331}, {"BPF", 1334}, {"URINGOP", 1336}, {"OPENAT2", 1337},
    {"LOGIN", 1006}, {"USER_AUTH", 1100}, {"USER_ACCT", 1101}, {"USER_MGMT", 1102}, {"CRED_ACQ", 1103},
    {"CRED_DISP", 1104}, {"USER_START", 1105}, {"USER_END", 1106}, {"USER_AVC", 1107},
    {"USER_CHAUTHTOK", 1108}, {"USER_ERR", 1109}, {"CRED_REFR", 1110}, {"USYS_CONFIG", 1111},
    {"USER_LOGIN", 1112}, {"USER_LOGOUT", 1113}, {"ADD_USER", 1114}, {"DEL_USER", 1115},
    {"ADD_GROUP", 1116}, {"DEL_GROUP", 1117}, {"CHGRP_ID", 1119}, {"TRUSTED_APP", 1121},
    {"USER_CMD", 1123}, {"USER_TTY", 1124}, {"CHUSER_ID", 1125}, {"GRP_AUTH", 1126},
    {"SYSTEM_BOOT", 1127}, {"SYSTEM_SHUTDOWN", 1128}, {"SYSTEM_RUNLEVEL", 1129},
    {"SERVICE_START", 1130}, {"SERVICE_STOP", 1131}, {"GRP_MGMT", 1132}, {"GRP_CHAUTHTOK", 1133},
    {"ACCT_LOCK", 1135}, {"ACCT_UNLOCK", 1136}, {"USER_DEVICE", 1137}, {"SOFTWARE_UPDATE", 1138},
    {"DAEMON_START", 1200}, {"DAEMON_END", 1201}, {"DAEMON_ABORT", 1202}, {"DAEMON_CONFIG", 1203},
    {"DAEMON_RECONFIG", 1204}, {"DAEMON_ROTATE", 1205}, {"DAEMON_RESUME", 1206},
    {"DAEMON_ACCEPT", 1207}, {"DAEMON_CLOSE", 1208}, {"DAEMON_ERR", 1209}, {"AVC", 1400},
    {"SELINUX_ERR", 1401}, {"MAC_POLICY_LOAD", 1403}, {"MAC_STATUS", 1404}, {"APPARMOR_DENIED", 1503},
    {"ANOM_PROMISCUOUS", 1700}, {"ANOM_ABEND", 1701}, {"ANOM_LINK", 1702}, {"ANOM_CREAT", 1703},
    {"INTEGRITY_DATA", 1800}, {"INTEGRITY_RULE", 1805}, {"ANOM_LOGIN_FAILURES", 2100},
    {"ANOM_LOGIN_ACCT", 2103}, {"ANOM_LOGIN_LOCATION", 2104}, {"ANOM_ROOT_TRANS", 2117},
    {"USER_ROLE_CHANGE", 2300}, {"CRYPTO_KEY_USER", 2404}, {"CRYPTO_SESSION", 2407},
    {"VIRT_CONTROL", 2500},
};
/* clang-format on */

/* The record type's number (1300 for SYSCALL, N for "UNKNOWN[N]"); 0 when not known. Logged
 * types are 1100-2999 (and LOGIN, 1006): a number outside could be taken for a Windows event
 * id the detectors look for (1074 shutdown, 4624 logon), so it is left unset. */
static uint32_t type_code(ts_str t)
{
    if (t.n > 9 && memcmp(t.p, "UNKNOWN[", 8) == 0 && t.p[t.n - 1] == ']') {
        uint64_t v;
        return ts_parse_u64(ts_str_make(t.p + 8, t.n - 9), &v) && v >= 1100 && v < 3000 ? (uint32_t)v : 0;
    }
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (ts_str_eq(t, types[i].name))
            return types[i].code;
    return 0;
}

/* User-space messages (1100-1299, 2100-2999) are whole events of one record. */
static bool standalone(uint32_t code)
{
    return (code >= 1100 && code < 1300) || (code >= 2100 && code < 3000);
}

/* ---- syscall names (raw logs give numbers; Sigma rules name them: SYSCALL: 'execve') ---- */

typedef struct au_sys {
    uint16_t nr;
    const char *name;
} au_sys;

/* x86_64 (arch=c000003e): the calls audit rules commonly watch. */
/* clang-format off */
static const au_sys sys_x86_64[] = {
    {0, "read"}, {1, "write"}, {2, "open"}, {3, "close"}, {4, "stat"}, {9, "mmap"}, {10, "mprotect"},
    {16, "ioctl"}, {21, "access"}, {41, "socket"}, {42, "connect"}, {43, "accept"}, {44, "sendto"},
    {45, "recvfrom"}, {46, "sendmsg"}, {49, "bind"}, {50, "listen"}, {56, "clone"}, {57, "fork"},
    {58, "vfork"}, {59, "execve"}, {62, "kill"}, {63, "uname"}, {76, "truncate"}, {77, "ftruncate"},
    {80, "chdir"}, {82, "rename"}, {83, "mkdir"}, {84, "rmdir"}, {85, "creat"}, {86, "link"},
    {87, "unlink"}, {88, "symlink"}, {90, "chmod"}, {91, "fchmod"}, {92, "chown"}, {93, "fchown"},
    {94, "lchown"}, {99, "sysinfo"}, {101, "ptrace"}, {103, "syslog"}, {105, "setuid"}, {106, "setgid"},
    {113, "setreuid"}, {114, "setregid"}, {117, "setresuid"}, {119, "setresgid"}, {133, "mknod"},
    {135, "personality"}, {155, "pivot_root"}, {157, "prctl"}, {161, "chroot"}, {165, "mount"},
    {166, "umount2"}, {169, "reboot"}, {170, "sethostname"}, {175, "init_module"},
    {176, "delete_module"}, {188, "setxattr"}, {189, "lsetxattr"}, {190, "fsetxattr"},
    {197, "removexattr"}, {200, "tkill"}, {234, "tgkill"}, {246, "kexec_load"}, {257, "openat"},
    {258, "mkdirat"}, {259, "mknodat"}, {260, "fchownat"}, {263, "unlinkat"}, {264, "renameat"},
    {265, "linkat"}, {266, "symlinkat"}, {268, "fchmodat"}, {269, "faccessat"}, {288, "accept4"},
    {313, "finit_module"}, {316, "renameat2"}, {319, "memfd_create"}, {321, "bpf"}, {322, "execveat"},
    {437, "openat2"},
};
/* clang-format on */

/* aarch64 (arch=c00000b7). */
/* clang-format off */
static const au_sys sys_aarch64[] = {
    {29, "ioctl"}, {33, "mknodat"}, {34, "mkdirat"}, {35, "unlinkat"}, {37, "linkat"}, {38, "renameat"},
    {40, "mount"}, {49, "chdir"}, {51, "chroot"}, {52, "fchmod"}, {53, "fchmodat"}, {54, "fchownat"},
    {55, "fchown"}, {56, "openat"}, {57, "close"}, {63, "read"}, {64, "write"}, {92, "personality"},
    {105, "init_module"}, {106, "delete_module"}, {116, "syslog"}, {117, "ptrace"}, {129, "kill"},
    {142, "reboot"}, {144, "setgid"}, {146, "setuid"}, {160, "uname"}, {161, "sethostname"},
    {167, "prctl"}, {179, "sysinfo"}, {198, "socket"}, {200, "bind"}, {201, "listen"}, {202, "accept"},
    {203, "connect"}, {206, "sendto"}, {220, "clone"}, {221, "execve"}, {242, "accept4"},
    {273, "finit_module"}, {276, "renameat2"}, {279, "memfd_create"}, {280, "bpf"}, {281, "execveat"},
    {437, "openat2"},
};
/* clang-format on */

/* i386 (arch=40000003). */
/* clang-format off */
static const au_sys sys_i386[] = {
    {2, "fork"}, {3, "read"}, {4, "write"}, {5, "open"}, {6, "close"}, {10, "unlink"}, {11, "execve"},
    {14, "mknod"}, {15, "chmod"}, {21, "mount"}, {23, "setuid"}, {26, "ptrace"}, {37, "kill"},
    {61, "chroot"}, {88, "reboot"}, {102, "socketcall"}, {103, "syslog"}, {116, "sysinfo"},
    {120, "clone"}, {122, "uname"}, {128, "init_module"}, {129, "delete_module"}, {136, "personality"},
    {295, "openat"}, {350, "finit_module"}, {356, "memfd_create"}, {358, "execveat"},
};
/* clang-format on */

/* The name of syscall nr (decimal text) on arch (hex AUDIT_ARCH_* text); empty if unknown. */
static ts_str syscall_name(ts_str arch, ts_str nr)
{
    const au_sys *t;
    size_t n;
    uint64_t v;
    if (RD_EQ(arch, "c000003e"))
        t = sys_x86_64, n = sizeof sys_x86_64 / sizeof *t;
    else if (RD_EQ(arch, "c00000b7"))
        t = sys_aarch64, n = sizeof sys_aarch64 / sizeof *t;
    else if (RD_EQ(arch, "40000003"))
        t = sys_i386, n = sizeof sys_i386 / sizeof *t;
    else
        return TS_STR_NULL;
    if (!ts_parse_u64(nr, &v))
        return TS_STR_NULL;
    for (size_t i = 0; i < n; i++)
        if (t[i].nr == v)
            return ts_str_c(t[i].name);
    return TS_STR_NULL;
}

/* ---- headers ---- */

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "11/14/2023 22:13:20.123" (ausearch -i, local time read as UTC: it does not say the zone). */
static bool interp_time(ts_str s, int64_t *ns)
{
    const char *p = s.p;
    size_t n = s.n, i = 0;
    int v[6] = {0};
    static const char seps[] = "// ::";
    for (int k = 0; k < 6; k++) {
        int d = 0, x = 0;
        while (i < n && digit(p[i]) && d < 4)
            x = x * 10 + (p[i++] - '0'), d++;
        if (!d || (k < 5 && (i >= n || p[i++] != seps[k])))
            return false;
        v[k] = x;
    }
    int year = v[2] < 100 ? 2000 + v[2] : v[2];
    if (v[0] < 1 || v[0] > 12 || v[1] < 1 || v[1] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60 ||
        year < 1970 || year > 2200) /* nanoseconds since 1970 fit in 64 bits until 2262 */
        return false;
    struct tm tm = {0};
    tm.tm_year = year - 1900, tm.tm_mon = v[0] - 1, tm.tm_mday = v[1];
    tm.tm_hour = v[3], tm.tm_min = v[4], tm.tm_sec = v[5];
    int64_t frac = 0, scale = 100000000;
    if (i < n && p[i] == '.')
        for (i++; i < n && digit(p[i]); i++, scale /= 10)
            frac += (p[i] - '0') * scale;
    if (i != n)
        return false;
    *ns = (int64_t)timegm(&tm) * 1000000000 + frac;
    return true;
}

/* The token after "key=" at p (up to a space). */
static bool prefix_token(const char *p, size_t n, size_t *i, const char *key, ts_str *out)
{
    size_t kn = strlen(key);
    if (n - *i < kn || memcmp(p + *i, key, kn) != 0)
        return false;
    size_t s = *i + kn, e = s;
    while (e < n && p[e] != ' ')
        e++;
    *out = ts_str_make(p + s, e - s);
    *i = e < n ? e + 1 : e;
    return true;
}

static bool parse_head(const char *p, size_t n, au_head *h)
{
    memset(h, 0, sizeof *h);
    size_t i = 0;
    prefix_token(p, n, &i, "node=", &h->node);
    if (!prefix_token(p, n, &i, "type=", &h->type) || !h->type.n)
        return false;
    if (n - i < 11 || memcmp(p + i, "msg=audit(", 10) != 0)
        return false;
    i += 10;
    const char *close = memchr(p + i, ')', n - i);
    if (!close)
        return false;
    ts_str in = ts_str_make(p + i, (size_t)(close - p) - i);
    const char *colon = in.n ? memrchr(in.p, ':', in.n) : NULL;
    if (!colon || !ts_parse_u64(ts_str_make(colon + 1, in.n - (size_t)(colon + 1 - in.p)), &h->serial))
        return false;
    ts_str t = ts_str_make(in.p, (size_t)(colon - in.p));
    if (!ts_parse_epoch_ns(t, &h->ts_ns)) {
        if (!interp_time(t, &h->ts_ns))
            return false;
        h->interp = true;
    }
    if (h->ts_ns < 0) /* the kernel counts from 1970; later arithmetic relies on it */
        return false;
    i = (size_t)(close - p) + 1;
    if (i < n && p[i] == ' ') /* ausearch -i writes ") : " */
        i++;
    if (i >= n || p[i] != ':')
        return false;
    i++;
    while (i < n && p[i] == ' ')
        i++;
    h->body = ts_str_make(p + i, n - i);
    const char *gs = memchr(h->body.p, 0x1d, h->body.n);
    if (gs) {
        h->enrich = ts_str_make(gs + 1, h->body.n - (size_t)(gs + 1 - h->body.p));
        h->body.n = (size_t)(gs - h->body.p);
    }
    return true;
}

/* ---- fields ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool is_hex(ts_str v)
{
    if (!v.n || v.n % 2)
        return false;
    for (size_t i = 0; i < v.n; i++)
        if (hexval(v.p[i]) < 0)
            return false;
    return true;
}

/* Decodes hex v into out (v.n / 2 bytes). */
static void unhex(ts_str v, char *out)
{
    for (size_t i = 0; i + 1 < v.n; i += 2)
        out[i / 2] = (char)(hexval(v.p[i]) << 4 | hexval(v.p[i + 1]));
}

/* "aN" or "aN[k]": an EXECVE argument (not "aN_len"). */
static bool arg_key(ts_str k)
{
    size_t i = 1;
    if (k.n < 2 || k.p[0] != 'a')
        return false;
    while (i < k.n && digit(k.p[i]))
        i++;
    return i > 1 && (i == k.n || k.p[i] == '[');
}

/* Fields auditd writes hex-encoded when they hold a space, quote or control byte; quoted
 * otherwise. "aN" of EXECVE records too, not the hex numbers "aN" of SYSCALL records. */
static bool escaped_field(ts_str k, bool execve)
{
    static const char *const names[] = {"comm", "exe",  "name",      "cwd",      "key", "proctitle", "acct",
                                        "cmd",  "path", "ocomm",     "data",     "dir", "watch",     "file",
                                        "vm",   "grp",  "new_group", "root_dir", "sw"};
    if (execve && arg_key(k))
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ts_str_eq(k, names[i]))
            return true;
    return false;
}

static void add(au_state *st, ts_str k, ts_str v)
{
    ts_fieldbuf_add(&st->all, k, v);
}

/* A decoded copy of hex v in the event's arena (NULs of proctitle become spaces). */
static ts_str decoded(au_state *st, ts_str v, bool nul_to_space)
{
    char *d = ts_arena_alloc(&st->arena, v.n / 2 + 1);
    if (!d)
        return TS_STR_NULL;
    unhex(v, d);
    size_t n = v.n / 2;
    if (nul_to_space) {
        while (n && d[n - 1] == '\0')
            n--;
        for (size_t i = 0; i < n; i++)
            if (d[i] == '\0')
                d[i] = ' ';
    }
    d[n] = '\0';
    return ts_str_make(d, n);
}

/* An argument split by the kernel as "aN[0]=.. aN[1]=..": the pieces are joined. */
static void piece_flush(au_state *st)
{
    if (!st->piece_key.n)
        return;
    char *d = ts_arena_alloc(&st->arena, st->piece_n + 1);
    if (d) {
        if (st->piece_n)
            memcpy(d, st->piece, st->piece_n);
        d[st->piece_n] = '\0';
        add(st, st->piece_key, ts_str_make(d, st->piece_n));
    }
    st->piece_key = TS_STR_NULL;
    st->piece_n = 0;
}

static void piece_add(au_state *st, ts_str key, ts_str v, bool hex)
{
    if (st->piece_key.n && (st->piece_key.n != key.n || memcmp(st->piece_key.p, key.p, key.n)))
        piece_flush(st);
    st->piece_key = key;
    size_t add_n = hex ? v.n / 2 : v.n;
    if (!add_n || st->piece_n + add_n > AU_MAX_BYTES)
        return;
    if (!ts_vec_grow(st->piece, st->piece_cap, st->piece_n + add_n, TS_VEC_NOCAP))
        return;
    if (hex)
        unhex(v, st->piece + st->piece_n);
    else
        memcpy(st->piece + st->piece_n, v.p, v.n);
    st->piece_n += add_n;
}

/* "aN[k]": the key "aN" (else empty). */
static ts_str piece_key(ts_str k)
{
    const char *br = arg_key(k) && k.p[k.n - 1] == ']' ? memchr(k.p, '[', k.n) : NULL;
    return br ? ts_str_make(k.p, (size_t)(br - k.p)) : TS_STR_NULL;
}

/* One value: hex decoded where auditd encodes it; "key" may hold several keys split by 0x01. */
static void value(au_state *st, ts_str k, ts_str v, bool quoted, bool interp, bool execve)
{
    bool hex = !quoted && !interp && escaped_field(k, execve) && is_hex(v);
    ts_str pk = execve ? piece_key(k) : TS_STR_NULL;
    if (pk.n) {
        piece_add(st, pk, v, hex);
        return;
    }
    piece_flush(st);
    if (!hex) {
        add(st, k, v);
        return;
    }
    ts_str d = decoded(st, v, ts_str_eq(k, "proctitle"));
    if (!ts_str_eq(k, "key")) {
        add(st, k, d);
        return;
    }
    while (d.n) {
        const char *sep = memchr(d.p, 0x01, d.n);
        size_t n = sep ? (size_t)(sep - d.p) : d.n;
        add(st, k, ts_str_make(d.p, n));
        d.p += sep ? n + 1 : n, d.n -= sep ? n + 1 : n;
    }
}

/* Splits "k=v k="v w" msg='k=v ...'" into fields; words without '=' (AVC's "denied {") are
 * skipped. interp: ausearch -i text, where proctitle runs to the end of the record. */
static void parse_fields(au_state *st, ts_str b, bool interp, bool execve)
{
    size_t i = 0;
    while (i < b.n) {
        while (i < b.n && b.p[i] == ' ')
            i++;
        size_t ks = i;
        while (i < b.n && b.p[i] != '=' && b.p[i] != ' ')
            i++;
        if (i >= b.n || b.p[i] != '=')
            continue;
        ts_str k = ts_str_make(b.p + ks, i - ks);
        i++;
        if (i < b.n && b.p[i] == '\'' && ts_str_eq(k, "msg")) { /* user-space message text */
            const char *end = memrchr(b.p + i + 1, '\'', b.n - i - 1);
            size_t e = end ? (size_t)(end - b.p) : b.n;
            parse_fields(st, ts_str_make(b.p + i + 1, e - i - 1), interp, false);
            i = e + 1;
            continue;
        }
        bool quoted = i < b.n && b.p[i] == '"';
        size_t vs = i + quoted, ve;
        if (quoted) {
            const char *q = memchr(b.p + vs, '"', b.n - vs);
            ve = q ? (size_t)(q - b.p) : b.n;
            i = ve + 1;
        } else if (interp && ts_str_eq(k, "proctitle")) {
            ve = i = b.n;
        } else {
            ve = vs;
            while (ve < b.n && b.p[ve] != ' ')
                ve++;
            i = ve;
        }
        if (k.n)
            value(st, k, ts_str_make(b.p + vs, ve - vs), quoted, interp, execve);
    }
}

/* ---- one event ---- */

/* The first value of key among fields [first, first+nf) of st->all. */
static ts_str get(const au_state *st, size_t first, size_t nf, const char *key)
{
    for (size_t i = first; i < first + nf; i++)
        if (ts_str_eq(st->all.v[i].key, key))
            return st->all.v[i].val;
    return TS_STR_NULL;
}

static ts_str rec_line(const au_event *e, size_t r)
{
    return ts_str_make(e->buf + e->rec[r].off, e->rec[r].len);
}

/* Parses every record's fields into st->all; the EXECVE records of the event (a long
 * argument list spans several) are read as one, into the range of the first. */
static void parse_event(au_state *st, au_event *e)
{
    ts_fieldbuf_reset(&st->all);
    ts_arena_reset(&st->arena);
    size_t first_exec = SIZE_MAX;
    for (size_t r = 0; r < e->nrec; r++) {
        ts_str l = rec_line(e, r);
        au_head h;
        parse_head(l.p, l.n, &h);
        bool execve = ts_str_eq(h.type, "EXECVE");
        e->rec[r].first = st->all.n;
        e->rec[r].nf = 0;
        if (execve && first_exec != SIZE_MAX)
            continue;
        if (execve) {
            first_exec = r;
            for (size_t x = r; x < e->nrec; x++) { /* every EXECVE record, in order */
                ts_str lx = rec_line(e, x);
                au_head hx;
                parse_head(lx.p, lx.n, &hx);
                if (ts_str_eq(hx.type, "EXECVE"))
                    parse_fields(st, hx.body, hx.interp, true);
            }
            piece_flush(st);
        } else {
            parse_fields(st, h.body, h.interp, false);
            piece_flush(st);
            parse_fields(st, h.enrich, true, false);
        }
        e->rec[r].nf = st->all.n - e->rec[r].first;
    }
}

/* Joins the EXECVE record's a0, a1 ... with spaces, as Sysmon for Linux does. */
static ts_str join_args(au_state *st, size_t first, size_t nf)
{
    size_t total = 0;
    for (size_t i = first; i < first + nf; i++) {
        ts_str k = st->all.v[i].key;
        if (arg_key(k))
            total += st->all.v[i].val.n + 1;
    }
    char *d = total ? ts_arena_alloc(&st->arena, total) : NULL;
    if (!d)
        return TS_STR_NULL;
    size_t n = 0;
    for (size_t i = first; i < first + nf; i++) {
        ts_str k = st->all.v[i].key, v = st->all.v[i].val;
        if (!arg_key(k))
            continue;
        if (n)
            d[n++] = ' ';
        memcpy(d + n, v.p, v.n);
        n += v.n;
    }
    d[n] = '\0';
    return ts_str_make(d, n);
}

/* auditd's ways of writing "no value". */
static bool unset(ts_str v)
{
    return !v.n || RD_EQ(v, "?") || RD_EQ(v, "(null)") || RD_EQ(v, "(none)") || RD_EQ(v, "unset");
}

static bool numeric(ts_str s)
{
    uint64_t v;
    return ts_parse_u64(s, &v);
}

/* The parent table: the last exe and command line each pid ran, by pid. */
static au_parent *parent_slot(au_state *st, ts_str pid)
{
    uint64_t v;
    if (!ts_parse_u64(pid, &v))
        return NULL;
    return &st->parents[v % AU_PARENTS];
}

static char *dup_capped(ts_str s)
{
    return s.n && s.n <= AU_PARENT_MAX ? ts_strndup(s) : NULL;
}

static void remember(au_state *st, const au_ctx *x)
{
    au_parent *p = parent_slot(st, x->pid);
    if (!p || !x->exe.n)
        return;
    free(p->exe), free(p->cmd);
    ts_parse_u64(x->pid, &p->pid);
    p->exe = dup_capped(x->exe);
    p->cmd = dup_capped(x->cmdline);
}

static void gather(au_state *st, const au_event *e, au_ctx *x)
{
    memset(x, 0, sizeof *x);
    for (size_t r = 0; r < e->nrec; r++) {
        ts_str l = rec_line(e, r);
        au_head h;
        parse_head(l.p, l.n, &h);
        size_t f = e->rec[r].first, nf = e->rec[r].nf;
        if (h.node.n)
            x->node = h.node;
        if (ts_str_eq(h.type, "SYSCALL")) {
            ts_str sc = get(st, f, nf, "syscall");
            x->has_syscall = true;
            x->sysname = get(st, f, nf, "SYSCALL");
            if (!x->sysname.n)
                x->sysname = numeric(sc) ? syscall_name(get(st, f, nf, "arch"), sc) : sc;
            x->exe = get(st, f, nf, "exe");
            x->comm = get(st, f, nf, "comm");
            x->pid = get(st, f, nf, "pid");
            x->ppid = get(st, f, nf, "ppid");
            x->uid = get(st, f, nf, "uid");
            x->uid_name = get(st, f, nf, "UID");
            if (!x->uid_name.n && !numeric(x->uid) && !unset(x->uid))
                x->uid_name = x->uid; /* ausearch -i names it */
            if (!x->uid_name.n && RD_EQ(x->uid, "0"))
                x->uid_name = TS_STR_LIT("root");
            x->success = get(st, f, nf, "success");
            x->is_exec = ts_str_eq(x->sysname, "execve") || ts_str_eq(x->sysname, "execveat");
        } else if (ts_str_eq(h.type, "CWD")) {
            x->cwd = get(st, f, nf, "cwd");
        } else if (ts_str_eq(h.type, "EXECVE") && nf) {
            x->cmdline = join_args(st, f, nf);
        } else if (ts_str_eq(h.type, "PROCTITLE")) {
            x->proctitle = get(st, f, nf, "proctitle");
        }
    }
    if (!x->cmdline.n)
        x->cmdline = x->proctitle;
    au_parent *p = parent_slot(st, x->ppid);
    uint64_t ppid = 0;
    if (p && ts_parse_u64(x->ppid, &ppid) && p->pid == ppid) {
        x->parent_exe = ts_str_c(p->exe);
        x->parent_cmd = ts_str_c(p->cmd);
    }
}

static uint32_t category(uint32_t code, const au_ctx *x)
{
    switch (code) {
    case 1100:
    case 1101:
    case 1103:
    case 1104:
    case 1108:
    case 1109:
    case 1110:
    case 1126:
    case 2100:
    case 2103:
    case 2104:
        return TS_CAT_AUTH;
    case 1105:
    case 1106:
    case 1112:
    case 1113:
        return TS_CAT_AUTH | TS_CAT_SESSION;
    case 1123:
        return TS_CAT_AUTH | TS_CAT_PROCESS;
    case 1302:
        return TS_CAT_FILE | (x->is_exec ? TS_CAT_PROCESS : 0);
    default:
        return x->is_exec ? TS_CAT_PROCESS : TS_CAT_HOST;
    }
}

/* "USER_LOGIN" as the action "user-login". */
static ts_str type_action(ts_arena *a, ts_str t)
{
    char *d = ts_arena_alloc(a, t.n + 1);
    if (!d)
        return TS_STR_NULL;
    for (size_t i = 0; i < t.n; i++) {
        char c = t.p[i];
        d[i] = c == '_' ? '-' : c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    d[t.n] = '\0';
    return ts_str_make(d, t.n);
}

/* What a user-space record (USER_LOGIN, USER_AUTH ...) says about who, from where, result. */
static void user_record(ts_event *ev, const au_state *st, size_t f, size_t nf)
{
    ts_str acct = get(st, f, nf, "acct"), addr = get(st, f, nf, "addr"), host = get(st, f, nf, "hostname");
    ts_str res = get(st, f, nf, "res"), exe = get(st, f, nf, "exe");
    if (unset(acct))
        acct = get(st, f, nf, "ACCT");
    if (unset(acct))
        acct = get(st, f, nf, "ID");
    if (!unset(acct))
        ev->user = acct;
    if (!unset(addr))
        rd_ip(addr, &ev->src_ip);
    if (!unset(host) && !ts_str_eq(host, "localhost") &&
        !(addr.n == host.n && !memcmp(addr.p, host.p, addr.n)))
        ev->src_host = host;
    if (!unset(exe))
        ev->process = exe;
    if (RD_EQ(res, "success") || RD_EQ(res, "1"))
        ev->outcome = TS_OUTCOME_SUCCESS;
    else if (RD_EQ(res, "failed") || RD_EQ(res, "0"))
        ev->outcome = TS_OUTCOME_FAILURE;
}

/* Sysmon-for-Linux names on the EXECVE record, for Sigma's process_creation rules. */
static void process_fields(rd_ctx *c, const au_ctx *x)
{
    if (x->exe.n)
        rd_field(c, TS_STR_LIT("Image"), x->exe);
    if (x->cmdline.n)
        rd_field(c, TS_STR_LIT("CommandLine"), x->cmdline);
    if (x->cwd.n)
        rd_field(c, TS_STR_LIT("CurrentDirectory"), x->cwd);
    if (x->uid_name.n)
        rd_field(c, TS_STR_LIT("User"), x->uid_name);
    if (x->pid.n)
        rd_field(c, TS_STR_LIT("ProcessId"), x->pid);
    if (x->ppid.n)
        rd_field(c, TS_STR_LIT("ParentProcessId"), x->ppid);
    if (x->parent_exe.n)
        rd_field(c, TS_STR_LIT("ParentImage"), x->parent_exe);
    if (x->parent_cmd.n)
        rd_field(c, TS_STR_LIT("ParentCommandLine"), x->parent_cmd);
}

static void emit_record(au_state *st, const au_event *e, size_t r, const au_ctx *x)
{
    rd_ctx *c = &st->c;
    ts_str l = rec_line(e, r);
    au_head h;
    parse_head(l.p, l.n, &h);
    uint32_t code = type_code(h.type);
    rd_begin(c, e->rec[r].line, 0);
    ts_event *ev = &c->s->ev;
    ev->ts_ns = h.ts_ns;
    ev->dataset = TS_STR_LIT("linux.auditd");
    ev->provider = TS_STR_LIT("auditd");
    ev->code = code;
    ev->has_code = code != 0;
    ev->host = x->node;
    ev->category = category(code, x);
    rd_field(c, TS_STR_LIT("type"), h.type);
    if (h.node.n)
        rd_field(c, TS_STR_LIT("node"), h.node);
    size_t f = e->rec[r].first, nf = e->rec[r].nf;
    for (size_t i = f; i < f + nf; i++)
        rd_field(c, st->all.v[i].key, st->all.v[i].val);
    if (ts_str_eq(h.type, "SYSCALL") && x->sysname.n && !get(st, f, nf, "SYSCALL").n)
        rd_field(c, TS_STR_LIT("SYSCALL"), x->sysname);
    bool exec_ok = x->is_exec && !RD_EQ(x->success, "no");
    if (ts_str_eq(h.type, "EXECVE") && (exec_ok || !x->has_syscall))
        process_fields(c, x);
    if (x->has_syscall) {
        ev->process = x->exe;
        ev->command_line = x->cmdline;
        ev->parent_process = x->parent_exe;
        ev->user = x->uid_name;
        ev->action = x->sysname.n ? x->sysname : TS_STR_LIT("syscall");
        ev->outcome = RD_EQ(x->success, "yes")  ? TS_OUTCOME_SUCCESS
                      : RD_EQ(x->success, "no") ? TS_OUTCOME_FAILURE
                                                : TS_OUTCOME_UNKNOWN;
    } else {
        ev->action = type_action(&c->s->arena, h.type);
        user_record(ev, st, f, nf);
    }
    if (ts_str_eq(h.type, "PATH"))
        ev->file_path = get(st, f, nf, "name");
    rd_emit(c);
}

/* Emits every record of e (but EOE, and the EXECVE records after the first, read with it). */
static void flush(au_state *st, au_event *e)
{
    parse_event(st, e);
    au_ctx x;
    gather(st, e, &x);
    bool exec_seen = false;
    for (size_t r = 0; r < e->nrec; r++) {
        ts_str l = rec_line(e, r);
        au_head h;
        parse_head(l.p, l.n, &h);
        bool execve = ts_str_eq(h.type, "EXECVE");
        if (ts_str_eq(h.type, "EOE") || (execve && exec_seen))
            continue;
        exec_seen |= execve;
        emit_record(st, e, r, &x);
    }
    if (x.is_exec && !RD_EQ(x.success, "no"))
        remember(st, &x);
    e->used = false;
    e->n = e->nrec = 0;
}

/* ---- the window of open events ---- */

static au_event *oldest(au_state *st)
{
    au_event *o = NULL;
    for (size_t i = 0; i < AU_WINDOW; i++)
        if (st->ev[i].used && (!o || st->ev[i].seq < o->seq))
            o = &st->ev[i];
    return o;
}

static void flush_all(au_state *st)
{
    for (au_event *e; (e = oldest(st));)
        flush(st, e);
}

/* Whether h comes from the node of e's records (logs gathered from several machines). */
static bool same_node(const au_event *e, const au_head *h)
{
    au_head first;
    ts_str l = rec_line(e, 0);
    parse_head(l.p, l.n, &first);
    return first.node.n == h->node.n && (!h->node.n || !memcmp(first.node.p, h->node.p, h->node.n));
}

/* The open event the record belongs to, or a new one (closing events that are too old or,
 * when the window is full, the oldest). */
static au_event *event_for(au_state *st, const au_head *h)
{
    for (size_t i = 0; i < AU_WINDOW; i++) {
        au_event *e = &st->ev[i];
        if (e->used && e->serial == h->serial && e->ts_ns == h->ts_ns && same_node(e, h))
            return e;
    }
    for (au_event *o; (o = oldest(st)) && h->ts_ns - o->ts_ns > AU_AGE_NS;) /* times are >= 0 */
        flush(st, o);
    au_event *free_slot = NULL;
    for (size_t i = 0; i < AU_WINDOW && !free_slot; i++)
        if (!st->ev[i].used)
            free_slot = &st->ev[i];
    if (!free_slot) {
        free_slot = oldest(st);
        flush(st, free_slot);
    }
    free_slot->used = true;
    free_slot->serial = h->serial;
    free_slot->ts_ns = h->ts_ns;
    free_slot->seq = ++st->seq;
    return free_slot;
}

static bool append(au_state *st, au_event *e, const char *p, size_t n, uint64_t line)
{
    if (e->nrec == AU_MAX_RECS || e->n + n > AU_MAX_BYTES) {
        rd_error(&st->c, line, 0, TOCSIN_E_TOOLONG,
                 "audit event %llu has more than %u records or %u bytes; record dropped",
                 (unsigned long long)e->serial, AU_MAX_RECS, AU_MAX_BYTES);
        return true;
    }
    if (!ts_vec_grow(e->buf, e->cap, e->n + n, TS_VEC_NOCAP))
        return false; /* rd_lines reports it */
    memcpy(e->buf + e->n, p, n);
    e->rec[e->nrec++] = (au_rec){e->n, n, line, 0, 0};
    e->n += n;
    return true;
}

/* ausearch's "----" separators and "time->..." lines carry nothing. */
static bool decoration(const char *p, size_t n)
{
    return (n >= 4 && memcmp(p, "----", 4) == 0) || (n >= 6 && memcmp(p, "time->", 6) == 0);
}

static tocsin_code line_in(rd_ctx *c, void *ud, const char *p, size_t n, uint64_t line)
{
    au_state *st = ud;
    (void)c; /* &st->c, which the record assembly uses */
    au_head h;
    if (decoration(p, n)) {
        if (p[0] == '-') /* ausearch ends each event with one */
            flush_all(st);
        return TOCSIN_OK;
    }
    if (!parse_head(p, n, &h)) {
        rd_error(&st->c, line, 0, TOCSIN_E_PARSE,
                 "not an audit record (type=... msg=audit(TIME:SERIAL): ...)");
        return TOCSIN_OK;
    }
    au_event *e = event_for(st, &h);
    if (!append(st, e, p, n, line))
        return TOCSIN_E_NOMEM;
    uint32_t code = type_code(h.type);
    if (code == 1320 || (standalone(code) && e->nrec == 1))
        flush(st, e);
    return TOCSIN_OK;
}

static void state_free(au_state *st)
{
    for (size_t i = 0; i < AU_WINDOW; i++)
        free(st->ev[i].buf);
    for (size_t i = 0; i < AU_PARENTS; i++)
        free(st->parents[i].exe), free(st->parents[i].cmd);
    ts_fieldbuf_free(&st->all);
    ts_arena_free(&st->arena);
    free(st->piece);
    free(st);
}

/* What is still gathered when reading ends is read as it is: nothing read is lost. */
static void au_end(rd_ctx *c, void *ud, tocsin_code rc)
{
    (void)c, (void)rc;
    flush_all(ud);
}

static tocsin_code au_read(ts_input *in, ts_scratch *scratch, const ts_sink *sink)
{
    static const rd_line_ops ops = {.line = line_in, .end = au_end, .flags = RD_TRIM | RD_SKIP_EMPTY};
    au_state *st = calloc(1, sizeof *st);
    if (!st)
        return TOCSIN_E_NOMEM;
    st->c = rd_make(in, scratch, sink);
    tocsin_code rc = rd_lines(&st->c, &ops, st);
    state_free(st);
    return rc;
}

/* The first records of an audit log (ausearch separators skipped). */
static int au_sniff(const char *head, size_t len)
{
    size_t i = 0;
    for (int k = 0; k < 4 && i < len; k++) {
        ts_str l = rd_first_line(head + i, len - i);
        if (!l.n)
            return 0;
        au_head h;
        if (!decoration(l.p, l.n))
            return parse_head(l.p, l.n, &h) ? 90 : 0;
        i = (size_t)(l.p + l.n - head);
    }
    return 0;
}

const ts_reader ts_reader_linux_auditd = {
    .name = "linux-auditd",
    .summary = "Linux audit logs (audit.log raw or enriched, ausearch -i): one event per record",
    .sniff = au_sniff,
    .read = au_read,
};
