/* json_dispatch.c: ts_json over the JSON walk built for this processor (json_variant.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/json_variant.h"

struct ts_json {
    bool haswell;
    void *state;
};

/* AVX2 with the bit instructions simdjson's Haswell kernel uses (LZCNT too, which clang cannot
 * test here; every processor with AVX2 and BMI2 has it); TOCSIN_JSON_PORTABLE=1
 * forces the portable build (tests compare the two on the same documents). */
static bool want_haswell(void)
{
    const char *force = getenv("TOCSIN_JSON_PORTABLE");
    if (force && strcmp(force, "1") == 0)
        return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
           __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("pclmul") &&
           __builtin_cpu_supports("popcnt");
}

ts_json *ts_json_new(void)
{
    ts_json *j = malloc(sizeof *j);
    if (!j)
        return NULL;
    j->haswell = want_haswell();
    j->state = j->haswell ? ts_json_impl_new_haswell() : ts_json_impl_new_generic();
    if (!j->state) {
        free(j);
        return NULL;
    }
    return j;
}

void ts_json_free(ts_json *j)
{
    if (!j)
        return;
    if (j->haswell)
        ts_json_impl_free_haswell(j->state);
    else
        ts_json_impl_free_generic(j->state);
    free(j);
}

tocsin_code ts_json_walk(ts_json *j, const char *buf, size_t len, ts_json_leaf_fn fn, void *ud,
                         const char **why)
{
    return j->haswell ? ts_json_impl_walk_haswell(j->state, buf, len, fn, ud, why)
                      : ts_json_impl_walk_generic(j->state, buf, len, fn, ud, why);
}
