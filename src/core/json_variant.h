/* json_variant.h: the JSON walk compiled twice, for any x86-64 and for AVX2 (Haswell and later);
 * json_dispatch.c picks one per parser. */
#ifndef TS_JSON_VARIANT_H
#define TS_JSON_VARIANT_H

#include "core/json.h"

#ifdef __cplusplus
extern "C" {
#endif

void *ts_json_impl_new_generic(void);
void ts_json_impl_free_generic(void *state);
tocsin_code ts_json_impl_walk_generic(void *state, const char *buf, size_t len, ts_json_leaf_fn fn, void *ud,
                                      const char **why);

void *ts_json_impl_new_haswell(void);
void ts_json_impl_free_haswell(void *state);
tocsin_code ts_json_impl_walk_haswell(void *state, const char *buf, size_t len, ts_json_leaf_fn fn, void *ud,
                                      const char **why);

#ifdef __cplusplus
}
#endif
#endif
