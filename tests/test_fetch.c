/* test_fetch.c: the fetch detector with the shipped data/detect.conf: programs and scripts
 * fetched by bare address, from a rare name or on an unusual port alert (Zeek http.log,
 * Suricata fileinfo); the same program from a name other hosts use, a vendor's update
 * service, a document from a rare name, and a download from an internal server stay quiet.
 * Zeek's pe.log makes a download a program by its file id, whichever comes first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "behaviour.h"

int main(void)
{
    ts_config *cfg = NULL;
    CHECK(ts_config_load(TOCSIN_DATA_DIR "/detect.conf", &cfg, NULL, NULL) == TOCSIN_OK);
    det x;
    CHECK(det_open(&x, "fetch", cfg));
    CHECK_INT(feed_file(&x, "tests/data/netbehave/http_fetch.log"), 10);
    for (size_t i = 0; i < n_got; i++)
        printf("  %u %s | %s\n", got[i]->severity, got[i]->key, got[i]->title);
    /* bare address */
    const ts_alert *a = find_key("fetch|10.1.2.3|45.77.10.20");
    CHECK(a && strstr(a->title, "bare address") && a->severity == 52 && !strcmp(a->techniques, "T1105"));
    CHECK(a && a->direction == TS_DIR_OUTBOUND);
    /* cdn.popular.example, first seen by 10.1.2.3 fetching setup.exe: rare then, but a rare
       name alone does not ring by default (rare_name_alone = 0) */
    CHECK(find_key("fetch|10.1.2.3|cdn.popular.example") == NULL);
    CHECK_INT(count_key("fetch|10.1.2.6|"), 1);
    /* a script on port 8888 from the same (now common) name: unusual port */
    a = find_key("fetch|10.1.2.6|cdn.popular.example");
    CHECK(a && strstr(a->title, "u.ps1") && strstr(a->title, "unusual port") && !strstr(a->title, "rare"));
    /* a vendor's update service, a PDF, an internal deployment server: nothing */
    CHECK(!find_key("fetch|10.1.2.7|"));
    CHECK(!find_key("fetch|10.1.2.9|"));
    /* an HTA by MIME type from a rare name: rare alone, quiet by default */
    CHECK(!find_key("fetch|10.1.2.8|rare-thing.example"));
    CHECK_INT(n_got, 2);
    drop_all();

    /* Suricata fileinfo: a PE by magic from a bare address on port 8081; a PNG is nothing. */
    CHECK_INT(feed_file(&x, "tests/data/netbehave/eve_fileinfo.json"), 2);
    CHECK_INT(n_got, 1);
    a = find_key("fetch|10.1.2.3|45.77.10.80");
    CHECK(a && strstr(a->title, "bare address") && strstr(a->title, "unusual port") && a->severity == 67);
    drop_all();

    /* Suricata http: a request without a Host header names no server, as in Zeek's http.log */
    CHECK_INT(feed_file(&x, "tests/data/netbehave/eve_http_nohost.json"), 1);
    a = find_key("fetch|10.1.2.4|45.77.10.82");
    CHECK(a && strstr(a->title, "bare address") && strstr(a->title, ".exe"));
    CHECK_INT(n_got, 1);
    drop_all();

    /* Zeek pe.log joined by file id (a fixture made up for this test): a bare-address
       download that no name or MIME type calls a program, raised when pe.log describes its
       file; pe.log first, then the request naming its file on an unusual port; a download
       pe.log never describes stays quiet. */
    CHECK_INT(feed_file(&x, "tests/data/netbehave/zeek_pe_join.json"), 7);
    for (size_t i = 0; i < n_got; i++)
        printf("  %u %s | %s\n", got[i]->severity, got[i]->key, got[i]->title);
    a = find_key("fetch|10.1.3.3|45.77.11.20");
    CHECK(a && strstr(a->title, "pe.log") && strstr(a->title, "bare address") && a->severity == 52);
    a = find_key("fetch|10.1.3.4|files.example.net");
    CHECK(a && strstr(a->title, "pe.log") && strstr(a->title, "unusual port"));
    CHECK(!find_key("fetch|10.1.3.5|"));
    CHECK_INT(n_got, 2);
    drop_all();
    det_close(&x);

    /* rare_name_alone = 1: a rare name alone rings too, at the lowest severity */
    const char *alone = "build/tests/fetch-rare-alone.conf";
    FILE *f = fopen(alone, "w");
    if (f) {
        fputs("[fetch]\nrare_name_alone = 1\n", f);
        fclose(f);
    }
    ts_config *cfg2 = NULL;
    CHECK(ts_config_load(alone, &cfg2, NULL, NULL) == TOCSIN_OK);
    det y;
    CHECK(det_open(&y, "fetch", cfg2));
    CHECK_INT(feed_file(&y, "tests/data/netbehave/http_fetch.log"), 10);
    CHECK(find_key("fetch|10.1.2.3|cdn.popular.example") != NULL);
    a = find_key("fetch|10.1.2.8|rare-thing.example");
    CHECK(a && strstr(a->title, "rare name") && a->severity == 45);
    CHECK(n_got >= 4); /* this file sets no common_domains, so the vendor's service is rare too */
    drop_all();
    det_close(&y);
    ts_config_free(cfg2);
    remove(alone);

    /* Real data: the WRCCDC 2018 logs hold no http.log, and pe.log names no addresses, so
       nothing there can be judged; the Suricata samples' alerts carry no files. */
    ts_config_free(cfg);
    return check_done("fetch");
}
