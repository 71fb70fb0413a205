/* fuzz_playbook.c: the simulator's two parsers of outside files, the playbook and the
 * rates file, on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "simulate/campaign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim_ctx x;
    memset(&x, 0, sizeof x);
    if (sim_campaign_parse(&x, (const char *)data, size, "fuzz", NULL, NULL) == TOCSIN_OK)
        sim_campaign_free(&x);
    sim_conf c;
    sim_conf_defaults(&c);
    (void)sim_conf_parse(&c, (const char *)data, size, "fuzz", NULL, NULL);
    return 0;
}
