/* ioc.h: the kinds of indicator. An alert names the kind it matched, so the type lives in
 * core; intel/intel.h names, parses and guesses them. */
#ifndef TS_IOC_H
#define TS_IOC_H

typedef enum ts_ioc_type {
    TS_IOC_NONE = 0,
    TS_IOC_IP,     /* an IPv4/IPv6 address or CIDR; longest prefix wins */
    TS_IOC_DOMAIN, /* a host name; matches its subdomains too */
    TS_IOC_URL,    /* normalised: scheme and host lower-cased, default port and fragment dropped */
    TS_IOC_EMAIL,  /* lower-cased */
    TS_IOC_MD5,
    TS_IOC_SHA1,
    TS_IOC_SHA256,
    TS_IOC_ASN, /* "AS131279" or "131279" */
    TS_IOC__COUNT
} ts_ioc_type;

#endif
