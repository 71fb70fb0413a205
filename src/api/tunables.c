/* tunables.c: every section of the configuration with its table, for the check at open. */
#include "api/tunables.h"

#include "correlate/correlate.h"
#include "correlate/routine.h"
#include "detect/detect.h"

size_t ts_tune_sections(ts_tune_section *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; ts_detectors[i]; i++)
        if (ts_detectors[i]->tunables) {
            if (n < cap)
                out[n] = (ts_tune_section){ts_detectors[i]->name, ts_detectors[i]->tunables};
            n++;
        }
    static const ts_tune_section stages[] = {{"correlate", ts_correlate_tunables},
                                             {"routine", ts_routine_tunables}};
    for (size_t i = 0; i < sizeof stages / sizeof *stages; i++, n++)
        if (n < cap)
            out[n] = stages[i];
    return n;
}
