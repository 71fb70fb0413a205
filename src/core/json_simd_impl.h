/* json_simd_impl.h: the JSON walk over simdjson On-Demand, the hot path of every JSON reader; included
 * once per instruction set by json_simd.cpp and json_simd_haswell.cpp, each defining
 * TS_JSON_VARIANT, and chosen at run time by json_dispatch.c. */
#ifndef TS_JSON_VARIANT
#error "include json_simd_impl.h from json_simd.cpp or json_simd_haswell.cpp"
#endif
#include "core/json.h"
#include "core/json_variant.h"

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace od = simdjson::ondemand;

static_assert(TS_JSON_PAD >= simdjson::SIMDJSON_PADDING, "TS_JSON_PAD below simdjson's padding");

#define TS_JSON_CAT2(a, b) a##_##b
#define TS_JSON_CAT(a, b) TS_JSON_CAT2(a, b)
#define TS_JSON_FN(name) TS_JSON_CAT(name, TS_JSON_VARIANT)

/* Each variant's types live in their own namespace: the two must never be merged. */
namespace TS_JSON_VARIANT
{
namespace
{

/* Append-only storage for joined paths, kept across walks. A path handed to the callback
 * never moves until the next walk, so blocks are chained instead of reallocated. */
struct path_block {
    path_block *next;
    size_t cap;
    char data[1];
};

constexpr size_t BLOCK = 64 * 1024;

struct parser_state {
    od::parser parser;
    path_block *head = nullptr; /* the chain, reused */
    path_block *cur = nullptr;  /* block being filled */
    size_t used = 0;
    char why[200] = ""; /* the last walk's problem, lent to the caller until the next walk */
};

struct walker {
    parser_state *j;
    const char *end; /* of the document: keys lie before it */
    ts_json_leaf_fn fn;
    void *ud;
    simdjson::error_code err = simdjson::SUCCESS;
    int depth = 1; /* containers open, the top-level object included */
    bool stopped = false;
    bool nomem = false;
    bool too_deep = false;
};

path_block *new_block(size_t need)
{
    size_t cap = need > BLOCK ? need : BLOCK;
    auto *b = static_cast<path_block *>(std::malloc(sizeof(path_block) + cap));
    if (b) {
        b->next = nullptr;
        b->cap = cap;
    }
    return b;
}

/* Returns room for n bytes that stays put until the next walk, or nullptr. */
char *path_room(parser_state *j, size_t n)
{
    while (j->cur && j->cur->cap - j->used < n) {
        if (!j->cur->next && !(j->cur->next = new_block(n)))
            return nullptr;
        j->cur = j->cur->next;
        j->used = 0;
    }
    if (!j->cur) {
        if (!j->head && !(j->head = new_block(n)))
            return nullptr;
        j->cur = j->head;
        j->used = 0;
        return path_room(j, n);
    }
    char *p = j->cur->data + j->used;
    j->used += n;
    return p;
}

/* Index of the first '"' or '\\' in p[0..n), or n: eight bytes a step (the zero-byte test
 * of quote- and backslash-xored words; the lowest flagged byte is exact). Reads up to
 * seven bytes past p + n, which the document's padding (TS_JSON_PAD) covers. */
inline __attribute__((always_inline)) size_t quote_or_escape(const char *p, size_t n)
{
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the lowest byte must come first");
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t x;
        std::memcpy(&x, p + i, 8);
        uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
        uint64_t hit = (((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
        if (hit) {
            size_t j = i + (size_t)(__builtin_ctzll(hit) >> 3);
            return j < n ? j : n;
        }
    }
    return n;
}

bool leaf(walker &w, const char *path, size_t plen, ts_json_type t, const char *v, size_t n)
{
    if (w.fn(w.ud, path, plen, t, v, n))
        w.stopped = true;
    return !w.stopped;
}

bool walk_value(walker &w, od::value &v, const char *path, size_t plen);

/* simdjson's iterators go by reference, and results are read in place (value_unsafe after
 * the error check): copied out, a field or value is stored in parts and reloaded whole,
 * a store-forwarding stall each, which cost a third of the walk. */
bool walk_object(walker &w, od::object &o, const char *path, size_t plen)
{
    for (auto f : o) {
        std::string_view key;
        if ((w.err = f.error()))
            return false;
        od::field &field = f.value_unsafe();
        /* Keys likewise: in place unless escaped. Stage 1 matched every quote of the
         * document, so the scan meets the closing one (or a backslash) before its end. */
        const char *raw = field.key().raw(), *q = raw + quote_or_escape(raw, (size_t)(w.end - raw));
        if (q < w.end && *q == '"')
            key = std::string_view(raw, (size_t)(q - raw));
        else if ((w.err = field.unescaped_key().get(key)))
            return false;
        const char *cp = key.data();
        size_t cl = key.size();
        if (plen) { /* top-level keys live in simdjson's string buffer already */
            char *p = path_room(w.j, plen + 1 + cl);
            if (!p) {
                w.nomem = true;
                return false;
            }
            std::memcpy(p, path, plen);
            p[plen] = '.';
            std::memcpy(p + plen + 1, key.data(), cl);
            cp = p;
            cl += plen + 1;
        }
        if (!walk_value(w, field.value(), cp, cl))
            return false;
    }
    return true;
}

bool walk_array(walker &w, od::array &a, const char *path, size_t plen)
{
    for (auto e : a) {
        if ((w.err = e.error()))
            return false;
        if (!walk_value(w, e.value_unsafe(), path, plen))
            return false;
    }
    return true;
}

/* The walk recurses once per container: a hostile line of "[[[[..." would overflow the
 * stack, so nesting past TS_JSON_MAX_DEPTH rejects the record instead. */
bool enter(walker &w)
{
    if (w.depth == TS_JSON_MAX_DEPTH) {
        w.too_deep = true;
        return false;
    }
    w.depth++;
    return true;
}

bool walk_value(walker &w, od::value &v, const char *path, size_t plen)
{
    od::json_type t;
    if ((w.err = v.type().get(t)))
        return false;
    switch (t) {
    case od::json_type::object: {
        auto o = v.get_object();
        if ((w.err = o.error()) || !enter(w))
            return false;
        bool ok = walk_object(w, o.value_unsafe(), path, plen);
        w.depth--;
        return ok;
    }
    case od::json_type::array: {
        auto a = v.get_array();
        if ((w.err = a.error()) || !enter(w))
            return false;
        bool ok = walk_array(w, a.value_unsafe(), path, plen);
        w.depth--;
        return ok;
    }
    case od::json_type::string: {
        /* Most strings hold no escape: lend their bytes in place rather than copying them
         * through simdjson's unescaping (stage 1 has validated the UTF-8 and the quotes). */
        std::string_view tok = v.raw_json_token();
        size_t n = tok.size() > 1 ? quote_or_escape(tok.data() + 1, tok.size() - 1) : tok.size();
        if (n + 1 < tok.size() && tok[n + 1] == '"') /* the closing quote, nothing escaped */
            return leaf(w, path, plen, TS_JSON_STRING, tok.data() + 1, n);
        std::string_view s;
        if ((w.err = v.get_string().get(s)))
            return false;
        return leaf(w, path, plen, TS_JSON_STRING, s.data(), s.size());
    }
    case od::json_type::number: {
        std::string_view s = v.raw_json_token();
        size_t n = s.size();
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
            n--;
        return leaf(w, path, plen, TS_JSON_NUMBER, s.data(), n);
    }
    case od::json_type::boolean: {
        bool b;
        if ((w.err = v.get_bool().get(b)))
            return false;
        return b ? leaf(w, path, plen, TS_JSON_TRUE, "true", 4)
                 : leaf(w, path, plen, TS_JSON_FALSE, "false", 5);
    }
    case od::json_type::null:
        if (!v.is_null()) {
            w.err = simdjson::N_ATOM_ERROR;
            return false;
        }
        return leaf(w, path, plen, TS_JSON_NULL, "null", 4);
    }
    w.err = simdjson::INCORRECT_TYPE;
    return false;
}

tocsin_code parse_error(parser_state *j, const char *what)
{
    std::snprintf(j->why, sizeof j->why, "invalid JSON: %s", what);
    return TOCSIN_E_PARSE;
}

} // namespace
} // namespace TS_JSON_VARIANT

using TS_JSON_VARIANT::parser_state;
using TS_JSON_VARIANT::path_block;

extern "C" void *TS_JSON_FN(ts_json_impl_new)(void)
{
    try {
        return new parser_state();
    } catch (...) {
        return nullptr;
    }
}

extern "C" void TS_JSON_FN(ts_json_impl_free)(void *state)
{
    auto *j = static_cast<parser_state *>(state);
    if (!j)
        return;
    for (path_block *b = j->head, *n; b; b = n) {
        n = b->next;
        std::free(b);
    }
    delete j;
}

extern "C" tocsin_code TS_JSON_FN(ts_json_impl_walk)(void *state, const char *buf, size_t len,
                                                     ts_json_leaf_fn fn, void *ud, const char **why)
{
    using namespace TS_JSON_VARIANT;
    auto *j = static_cast<parser_state *>(state);
    j->why[0] = '\0';
    if (why)
        *why = j->why;
    j->cur = j->head;
    j->used = 0;
    try {
        od::document doc;
        simdjson::error_code e = j->parser.iterate(buf, len, len + TS_JSON_PAD).get(doc);
        if (e)
            return parse_error(j, simdjson::error_message(e));
        od::json_type t;
        if ((e = doc.type().get(t)))
            return parse_error(j, simdjson::error_message(e));
        if (t != od::json_type::object)
            return parse_error(j, "the record is not a JSON object");
        od::object o;
        if ((e = doc.get_object().get(o)))
            return parse_error(j, simdjson::error_message(e));
        walker w{j, buf + len, fn, ud};
        if (!walk_object(w, o, "", 0)) {
            if (w.stopped)
                return TOCSIN_OK;
            if (w.nomem) {
                std::snprintf(j->why, sizeof j->why, "out of memory walking JSON");
                return TOCSIN_E_NOMEM;
            }
            if (w.too_deep) {
                std::snprintf(j->why, sizeof j->why, "JSON nested deeper than %d levels", TS_JSON_MAX_DEPTH);
                return TOCSIN_E_PARSE;
            }
            return parse_error(j, simdjson::error_message(w.err));
        }
        const char *rest;
        if (doc.current_location().get(rest) == simdjson::SUCCESS)
            return parse_error(j, "content after the end of the JSON object");
        return TOCSIN_OK;
    } catch (const std::bad_alloc &) {
        std::snprintf(j->why, sizeof j->why, "out of memory parsing JSON");
        return TOCSIN_E_NOMEM;
    } catch (...) {
        return parse_error(j, "unexpected failure");
    }
}
