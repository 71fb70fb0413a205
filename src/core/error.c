/* error.c: the text of every tocsin_code. */
#include "tocsin.h"

const char *tocsin_strerror(tocsin_code code)
{
    switch (code) {
    case TOCSIN_OK:
        return "no error";
    case TOCSIN_E_NOMEM:
        return "out of memory";
    case TOCSIN_E_IO:
        return "cannot read or write a file";
    case TOCSIN_E_FORMAT:
        return "not in a format tocsin reads";
    case TOCSIN_E_PARSE:
        return "cannot parse a record";
    case TOCSIN_E_DB:
        return "the store failed";
    case TOCSIN_E_ARG:
        return "bad argument";
    case TOCSIN_E_NOTFOUND:
        return "not found";
    case TOCSIN_E_TOOLONG:
        return "record too long";
    case TOCSIN_E_PARTIAL:
        return "some input was rejected";
    case TOCSIN_E_TRUNCATED:
        return "file ends early";
    case TOCSIN_E_ENCODING:
        return "invalid encoding";
    case TOCSIN_E_ENRICH:
        return "the IP location database cannot be opened";
    }
    return "unknown error";
}
