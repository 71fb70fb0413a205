/* names.c: turns the session's intelligence ids into the names the store keeps (ids are
 * only meaningful inside one loaded ts_intel). The store's only use of intel. */
#include "store/store_int.h"

void st_actor_names(const ts_intel *ti, uint32_t set,
                    void (*fn)(void *ud, const char *name, const char *attack_id), void *ud)
{
    const uint32_t *ids = NULL;
    if (!ti || !set)
        return;
    size_t n = ts_intel_actorset_get(ti, set, &ids);
    for (size_t i = 0; i < n; i++) {
        const ts_actor *a = ts_intel_actor(ti, ids[i]);
        if (a && a->name)
            fn(ud, a->name, a->attack_id);
    }
}

const char *st_actor_attack_id(const ts_intel *ti, uint32_t actor)
{
    const ts_actor *a = ti && actor ? ts_intel_actor(ti, actor) : NULL;
    return a ? a->attack_id : NULL;
}

const char *st_source_name(const ts_intel *ti, uint32_t source)
{
    return ti && source ? ts_intel_source_name(ti, source) : NULL;
}

const char *st_ioc_type_name(ts_ioc_type t)
{
    return t == TS_IOC_NONE ? NULL : ts_ioc_type_name(t);
}
