/* tunables.h: every section of the configuration (data/detect.conf) with its table of
 * tunables: the detectors' from their registry, then the stages after them. */
#ifndef TS_TUNABLES_H
#define TS_TUNABLES_H

#include "core/config.h"

/* The sections, into out (at most cap); returns how many there are. */
size_t ts_tune_sections(ts_tune_section *out, size_t cap);

#endif
