/* linux.c: the Linux servers' authentication log as rsyslog writes it in its RFC 3339 file
 * format (sshd, sudo, cron and logind lines), and the SSH connections Zeek sees. */
#include <stdio.h>

#include "simulate/sim.h"

void sim_auth_line(sim_ctx *x, int64_t ts, const sim_host *h, const char *prog, uint32_t pid, const char *msg)
{
    if (!x->on[F_AUTH])
        return;
    sim_out *o = &x->out[F_AUTH];
    sim_put_rfc3339(o, ts);
    sim_putc(o, ' ');
    sim_puts(o, h->name);
    sim_putc(o, ' ');
    sim_puts(o, prog);
    if (pid) {
        sim_putc(o, '[');
        sim_put_u64(o, pid);
        sim_putc(o, ']');
    }
    SIM_PUTL(o, ": ");
    sim_puts(o, msg);
    char id[48];
    size_t n = strlen(h->name);
    memcpy(id, h->name, n);
    id[n++] = ':';
    sim_fmt_u64(id + n, pid);
    sim_end_line(x, F_AUTH, ts, id);
}

static const char *const sudo_cmds[] = {"/usr/bin/systemctl restart nginx",
                                        "/usr/bin/apt-get update",
                                        "/usr/bin/tail -n 200 /var/log/syslog",
                                        "/usr/bin/systemctl status postgresql",
                                        "/bin/df -h",
                                        "/usr/bin/journalctl -u nginx --since today",
                                        "/usr/bin/vi /etc/nginx/sites-available/default",
                                        "/usr/sbin/logrotate -f /etc/logrotate.conf"};

void sim_ssh_session(sim_ctx *x, int64_t ts, const sim_host *h, const char *user, uint32_t from, bool key,
                     const char *sudo_cmd)
{
    char msg[320], ip[16], uid[20];
    uint32_t pid = 1000 + (uint32_t)(sim_mix((uint64_t)ts) % 30000);
    uint16_t port = (uint16_t)(40000 + sim_mix((uint64_t)ts + 1) % 25000);
    int64_t dur = (2 + (int64_t)(sim_mix((uint64_t)ts + 2) % 40)) * SIM_MIN;
    sim_conn c = {ts - SIM_US / 2,
                  dur,
                  from,
                  h->ip,
                  port,
                  22,
                  "tcp",
                  "ssh",
                  20000 + sim_mix((uint64_t)ts) % 200000,
                  40000 + sim_mix((uint64_t)ts + 3) % 900000,
                  "SF",
                  0};
    sim_net_conn(x, &c, uid);
    sim_fmt_ip4(ip, from);
    if (key)
        snprintf(msg, sizeof msg, "Accepted publickey for %s from %s port %u ssh2: RSA SHA256:%016llx%016llx",
                 user, ip, port, (unsigned long long)sim_mix(user[0] * 977ULL + user[1]),
                 (unsigned long long)sim_mix(user[2] * 31ULL + 7));
    else
        snprintf(msg, sizeof msg, "Accepted password for %s from %s port %u ssh2", user, ip, port);
    sim_auth_line(x, ts, h, "sshd", pid, msg);
    snprintf(msg, sizeof msg, "pam_unix(sshd:session): session opened for user %s by (uid=0)", user);
    sim_auth_line(x, ts + 20000, h, "sshd", pid, msg);
    snprintf(msg, sizeof msg, "New session %u of user %s.", pid % 9000 + 100, user);
    sim_auth_line(x, ts + 40000, h, "systemd-logind", 812, msg);
    if (sudo_cmd) {
        const char *cmd = sudo_cmd[0] ? sudo_cmd : sudo_cmds[sim_mix((uint64_t)ts) % 8];
        snprintf(msg, sizeof msg, "%s : TTY=pts/0 ; PWD=/home/%s ; USER=root ; COMMAND=%s", user, user, cmd);
        sim_auth_line(x, ts + 30 * SIM_US, h, "sudo", 0, msg);
        snprintf(msg, sizeof msg, "pam_unix(sudo:session): session opened for user root(uid=0) by %s(uid=%u)",
                 user, 1000 + (unsigned)(sim_mix((uint64_t)user[0] << 8 | (uint8_t)user[1]) % 500));
        sim_auth_line(x, ts + 30 * SIM_US + 1000, h, "sudo", 0, msg);
        sim_auth_line(x, ts + 31 * SIM_US, h, "sudo", 0,
                      "pam_unix(sudo:session): session closed for user root");
    }
    snprintf(msg, sizeof msg, "Received disconnect from %s port %u:11: disconnected by user", ip, port);
    sim_later_line(x, ts + dur, h, "sshd", pid, msg);
    snprintf(msg, sizeof msg, "pam_unix(sshd:session): session closed for user %s", user);
    sim_later_line(x, ts + dur + 1000, h, "sshd", pid, msg);
}

void sim_ssh_failed(sim_ctx *x, int64_t ts, const sim_host *h, const char *user, uint32_t from, bool invalid)
{
    char msg[200], ip[16];
    uint32_t pid = 1000 + (uint32_t)(sim_mix((uint64_t)ts ^ from) % 30000);
    uint16_t port = (uint16_t)(30000 + sim_mix((uint64_t)ts) % 35000);
    sim_fmt_ip4(ip, from);
    if (invalid) {
        snprintf(msg, sizeof msg, "Invalid user %s from %s port %u", user, ip, port);
        sim_auth_line(x, ts, h, "sshd", pid, msg);
    }
    snprintf(msg, sizeof msg,
             "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s%s%s",
             ip, invalid ? "" : "  user=", invalid ? "" : user);
    sim_auth_line(x, ts + 1000, h, "sshd", pid, msg);
    snprintf(msg, sizeof msg, "Failed password for %s%s from %s port %u ssh2", invalid ? "invalid user " : "",
             user, ip, port);
    sim_auth_line(x, ts + 2 * SIM_US, h, "sshd", pid, msg);
}
