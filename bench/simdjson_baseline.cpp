/* simdjson_baseline.cpp: the benchmarks' yardstick, plain simdjson On-Demand visiting every
 * field of every NDJSON record, with no event building at all (bench_ingest_json, bench_hunt). */
#include <simdjson.h>

#include <cstring>

#include "simdjson_baseline.h"

namespace od = simdjson::ondemand;

namespace
{

/* Visits every value under v, summing key and value lengths so nothing is optimised out. */
bool visit(od::value v, size_t &sum)
{
    od::json_type t;
    if (v.type().get(t))
        return false;
    switch (t) {
    case od::json_type::object: {
        od::object o;
        if (v.get_object().get(o))
            return false;
        for (auto f : o) {
            od::field field;
            std::string_view key;
            if (std::move(f).get(field) || field.unescaped_key().get(key))
                return false;
            sum += key.size();
            if (!visit(field.value(), sum))
                return false;
        }
        return true;
    }
    case od::json_type::array: {
        od::array a;
        if (v.get_array().get(a))
            return false;
        for (auto e : a) {
            od::value ev;
            if (e.get(ev) || !visit(ev, sum))
                return false;
        }
        return true;
    }
    case od::json_type::string: {
        std::string_view s;
        if (v.get_string().get(s))
            return false;
        sum += s.size();
        return true;
    }
    case od::json_type::number: {
        std::string_view s = v.raw_json_token();
        sum += s.size();
        return true;
    }
    case od::json_type::boolean: {
        bool b;
        if (v.get_bool().get(b))
            return false;
        sum += b;
        return true;
    }
    case od::json_type::null:
        sum += v.is_null();
        return true;
    }
    return false;
}

bool visit_doc(od::document_reference doc, size_t &sum)
{
    od::object o;
    if (doc.get_object().get(o))
        return false;
    for (auto f : o) {
        od::field field;
        std::string_view key;
        if (std::move(f).get(field) || field.unescaped_key().get(key))
            return false;
        sum += key.size();
        if (!visit(field.value(), sum))
            return false;
    }
    return true;
}

} // namespace

extern "C" size_t simd_baseline_lines(const char *buf, size_t len, size_t *records)
{
    static od::parser parser;
    size_t sum = 0, n = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = static_cast<const char *>(std::memchr(p, '\n', (size_t)(end - p)));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        od::document doc;
        if (!parser.iterate(p, l, (size_t)(end - p) + simdjson::SIMDJSON_PADDING).get(doc) &&
            visit_doc(doc, sum))
            n++;
        p += l + 1;
    }
    *records = n;
    return sum;
}

extern "C" size_t simd_baseline_many(const char *buf, size_t len, size_t *records)
{
    static od::parser parser;
    size_t sum = 0, n = 0;
    od::document_stream stream;
    if (parser.iterate_many(buf, len, 1 << 20).get(stream))
        return 0;
    for (auto d : stream) {
        od::document_reference doc;
        if (!std::move(d).get(doc) && visit_doc(doc, sum))
            n++;
    }
    *records = n;
    return sum;
}

extern "C" size_t simd_baseline_file(const char *path, int many, size_t *records)
{
    /* simdjson's own way to read a file: one padded buffer the size of the file */
    simdjson::padded_string text;
    *records = 0;
    if (simdjson::padded_string::load(path).get(text))
        return 0;
    return many ? simd_baseline_many(text.data(), text.size(), records)
                : simd_baseline_lines(text.data(), text.size(), records);
}
