/* org.c: the simulated organisation (people, machines, addresses, offices, calendars) and
 * the generated outside world (domain names, country address pools). */
#include <stdio.h>
#include <stdlib.h>

#include "core/hash.h"
#include "simulate/sim.h"

const sim_site sim_sites[] = {
    {"Culver City", "US", -480, 1, 10},
    {"New York", "US", -300, 1, 20},
    {"London", "GB", 0, 2, 30},
    {"Tokyo", "JP", 540, 0, 40},
};
const uint32_t sim_nsites = sizeof sim_sites / sizeof sim_sites[0];

/* Address pools checked against the libloc database (country, AS): consumer ISPs for home
 * and travel, hosting providers for web sites and attackers' servers. */
#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
const sim_geo sim_geos[] = {
    {"US", IP4(73, 0, 0, 0), 1u << 24},     /* Comcast AS7922 */
    {"GB", IP4(86, 128, 0, 0), 1u << 20},   /* BT AS2856 */
    {"JP", IP4(126, 0, 0, 0), 1u << 24},    /* SoftBank AS17676 */
    {"DE", IP4(79, 192, 0, 0), 1u << 22},   /* Deutsche Telekom AS3320 */
    {"FR", IP4(90, 0, 0, 0), 1u << 23},     /* Orange AS3215 */
    {"CA", IP4(99, 224, 0, 0), 1u << 16},   /* Rogers AS812 */
    {"SG", IP4(101, 127, 0, 0), 1u << 14},  /* AS55430 */
    {"CN", IP4(1, 180, 0, 0), 1u << 18},    /* China Telecom AS4134 */
    {"RU", IP4(95, 24, 0, 0), 1u << 17},    /* Beeline AS8402 */
    {"IT", IP4(151, 20, 0, 0), 1u << 16},   /* Wind AS1267 */
    {"KP", IP4(175, 45, 176, 0), 1u << 10}, /* Star JV AS131279 */
};
const uint32_t sim_ngeo = sizeof sim_geos / sizeof sim_geos[0];

static const struct {
    const char *cc;
    uint32_t base, size;
} hosting[] = {
    {"US", IP4(104, 131, 0, 0), 1u << 14}, /* DigitalOcean AS14061 */
    {"US", IP4(159, 203, 0, 0), 1u << 12}, /* DigitalOcean */
    {"FR", IP4(51, 68, 0, 0), 1u << 16},   /* OVH AS16276 */
    {"DE", IP4(88, 198, 0, 0), 1u << 16},  /* Hetzner AS24940 */
    {"US", IP4(45, 33, 0, 0), 1u << 13},   /* Linode AS63949 */
    {"US", IP4(54, 160, 0, 0), 1u << 18},  /* Amazon AS14618 */
    {"DE", IP4(212, 227, 0, 0), 1u << 16}, /* 1&1 AS8560 */
    {"DE", IP4(5, 9, 0, 0), 1u << 16},     /* Hetzner */
    {"NL", IP4(80, 82, 77, 0), 1u << 8},   /* AS202425 */
    {"JP", IP4(54, 150, 0, 0), 1u << 16},  /* Amazon Tokyo AS16509 */
    {"RU", IP4(95, 24, 0, 0), 1u << 17},
};
#define NHOSTING (sizeof hosting / sizeof hosting[0])

int sim_geo_find(const char *cc)
{
    for (uint32_t i = 0; i < sim_ngeo; i++)
        if (strcmp(sim_geos[i].cc, cc) == 0)
            return (int)i;
    return -1;
}

uint32_t sim_geo_addr(sim_rng *r, int geo)
{
    const sim_geo *g = &sim_geos[geo < 0 ? 0 : geo];
    /* avoid .0 and .255 host octets, which look like network and broadcast */
    uint32_t a = g->base + sim_below(r, g->size);
    if ((a & 255) == 0 || (a & 255) == 255)
        a ^= 7;
    return a;
}

uint32_t sim_hosting_addr(sim_rng *r, const char *cc)
{
    uint32_t pick[NHOSTING], n = 0;
    for (uint32_t i = 0; i < NHOSTING; i++)
        if (!cc || strcmp(hosting[i].cc, cc) == 0)
            pick[n++] = i;
    if (!n)
        return sim_geo_addr(r, sim_geo_find(cc));
    uint32_t h = pick[sim_below(r, n)];
    /* the upper half of a block: ordinary websites live in the lower half (sim_domain_ip), so
       an actor's server never shares an address with a site normal browsing visits */
    uint32_t half = hosting[h].size / 2;
    uint32_t a = hosting[h].base + half + sim_below(r, hosting[h].size - half);
    return (a & 255) == 0 ? a + 1 : a;
}

uint32_t sim_domain_ip(uint64_t key)
{
    uint64_t h = sim_mix(key ^ 0x51ed270b27c7e2a1ULL);
    uint32_t i = (uint32_t)(h % (NHOSTING - 1)); /* never the RU pool for ordinary sites */
    uint32_t a = hosting[i].base + (uint32_t)((h >> 20) % (hosting[i].size / 2)); /* lower half */
    return (a & 255) == 0 ? a + 1 : a;
}

static const char *const onsets[] = {"b",  "c",  "d",  "f",  "g",  "h",  "k",  "l",  "m",  "n",
                                     "p",  "r",  "s",  "t",  "v",  "w",  "z",  "br", "cr", "dr",
                                     "fl", "gr", "pl", "st", "tr", "sh", "ch", "th", "qu", "sp"};
static const char *const vowels[] = {"a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"};
static const char *const codas[] = {"", "", "", "n", "r", "s", "x", "l", "m", "t", "ck", "ng"};
static const char *const tlds[] = {"com", "com", "com",   "com", "net", "org", "io", "co", "info",
                                   "biz", "de",  "co.uk", "fr",  "jp",  "us",  "tv", "me", "ru"};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

size_t sim_gen_domain(uint64_t key, char *buf)
{
    uint64_t h = sim_mix(key);
    size_t n = 0;
    int syl = 2 + (int)(h % 2);
    h /= 2;
    for (int i = 0; i < syl; i++) {
        const char *p[3] = {onsets[h % NELEM(onsets)], vowels[(h >> 5) % NELEM(vowels)],
                            codas[(h >> 9) % NELEM(codas)]};
        h = sim_mix(h);
        for (int k = 0; k < 3; k++) {
            size_t l = strlen(p[k]);
            memcpy(buf + n, p[k], l);
            n += l;
        }
    }
    if (h % 5 == 0) { /* some sites hyphenate a word onto the name */
        static const char *const words[] = {"-online", "-shop", "-news", "-cloud",
                                            "-media",  "-labs", "-hub",  "-group"};
        const char *w = words[(h >> 3) % NELEM(words)];
        memcpy(buf + n, w, strlen(w));
        n += strlen(w);
    }
    buf[n++] = '.';
    const char *t = tlds[(h >> 12) % NELEM(tlds)];
    memcpy(buf + n, t, strlen(t) + 1);
    return n + strlen(t);
}

/* ---------------------------------------------------------------- calendars */

/* the nth (1-based; 5 = last) weekday wd of month mo, as a day of month */
static unsigned nth_weekday(int y, unsigned mo, int n, unsigned wd)
{
    int64_t first = sim_days_of(y, mo, 1);
    unsigned fw = (unsigned)((first % 7 + 11) % 7);
    unsigned d = 1 + (wd + 7 - fw) % 7;
    if (n < 5)
        return d + 7 * (unsigned)(n - 1);
    unsigned dim = (unsigned)(sim_days_of(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1) - first);
    while (d + 7 <= dim)
        d += 7;
    return d;
}

static bool in_dst(int rule, const sim_civil *c)
{
    unsigned a, b;
    if (rule == 1) { /* US: second Sunday of March to first Sunday of November */
        a = nth_weekday(c->y, 3, 2, 0);
        b = nth_weekday(c->y, 11, 1, 0);
    } else if (rule == 2) { /* EU: last Sunday of March to last Sunday of October */
        a = nth_weekday(c->y, 3, 5, 0);
        b = nth_weekday(c->y, 10, 5, 0);
    } else {
        return false;
    }
    unsigned bmo = rule == 1 ? 11 : 10;
    if (c->mo < 3 || c->mo > bmo)
        return false;
    if (c->mo > 3 && c->mo < bmo)
        return true;
    return c->mo == 3 ? c->d >= a : c->d < b;
}

int sim_site_offset(int site, int64_t us)
{
    const sim_site *s = &sim_sites[site];
    sim_civil c;
    sim_civil_of(us + (int64_t)s->std_off * SIM_MIN, &c);
    return s->std_off + (in_dst(s->dst, &c) ? 60 : 0);
}

bool sim_site_dayoff(int site, int64_t local_day_us)
{
    sim_civil c;
    sim_civil_of(local_day_us, &c);
    if (c.wday == 0 || c.wday == 6)
        return true;
    const char *cc = sim_sites[site].cc;
    unsigned m = c.mo, d = c.d;
    if ((m == 1 && d == 1) || (m == 12 && d == 25))
        return true;
    if (cc[0] == 'U') {
        return (m == 1 && d == nth_weekday(c.y, 1, 3, 1)) || (m == 5 && d == nth_weekday(c.y, 5, 5, 1)) ||
               (m == 7 && d == 4) || (m == 9 && d == nth_weekday(c.y, 9, 1, 1)) ||
               (m == 11 && (d == nth_weekday(c.y, 11, 4, 4) || d == nth_weekday(c.y, 11, 4, 4) + 1));
    }
    if (cc[0] == 'G') {
        return (m == 5 && (d == nth_weekday(c.y, 5, 1, 1) || d == nth_weekday(c.y, 5, 5, 1))) ||
               (m == 8 && d == nth_weekday(c.y, 8, 5, 1)) || (m == 12 && d == 26);
    }
    /* Japan: Respect for the Aged, Sports Day, Culture Day, Labour Thanksgiving */
    return (m == 9 && d == nth_weekday(c.y, 9, 3, 1)) || (m == 10 && d == nth_weekday(c.y, 10, 2, 1)) ||
           (m == 11 && (d == 3 || d == 23 || d == 24)) || (m == 12 && d == 23);
}

/* ---------------------------------------------------------------- people and machines */

static const char *const firsts[] = {
    "James",     "Mary",    "John",    "Patricia", "Robert",  "Jennifer", "Michael", "Linda",  "David",
    "Elizabeth", "William", "Barbara", "Richard",  "Susan",   "Joseph",   "Jessica", "Thomas", "Sarah",
    "Charles",   "Karen",   "Daniel",  "Nancy",    "Matthew", "Lisa",     "Anthony", "Betty",  "Mark",
    "Sandra",    "Steven",  "Ashley",  "Paul",     "Emily",   "Andrew",   "Donna",   "Kenji",  "Yuki",
    "Hiroshi",   "Aiko",    "Oliver",  "Amelia",   "Harry",   "Isla",     "George",  "Olivia", "Carlos",
    "Maria",     "Luis",    "Sofia",   "Wei",      "Mei",     "Raj",      "Priya",   "Ahmed",  "Fatima",
    "Ivan",      "Olga",    "Pierre",  "Claire",   "Kevin",   "Rachel",   "Brian",   "Laura"};
static const char *const lasts[] = {
    "Smith",    "Johnson",   "Williams", "Brown",    "Jones",    "Garcia",   "Miller", "Davis",   "Rodriguez",
    "Martinez", "Hernandez", "Lopez",    "Gonzalez", "Wilson",   "Anderson", "Thomas", "Taylor",  "Moore",
    "Jackson",  "Martin",    "Lee",      "Perez",    "Thompson", "White",    "Harris", "Sanchez", "Clark",
    "Ramirez",  "Lewis",     "Robinson", "Walker",   "Young",    "Allen",    "King",   "Wright",  "Scott",
    "Torres",   "Nguyen",    "Hill",     "Flores",   "Green",    "Adams",    "Nelson", "Baker",   "Hall",
    "Rivera",   "Campbell",  "Mitchell", "Carter",   "Roberts",  "Tanaka",   "Suzuki", "Sato",    "Watanabe",
    "Evans",    "Hughes",    "Patel",    "Khan",     "Chen",     "Wang",     "Kim",    "Park",    "Cohen",
    "Schmidt",  "Muller",    "Rossi",    "Dubois",   "Novak"};
static const char *const orgwords[] = {"Norvale",   "Castellan",  "Brightwater", "Ardent",    "Meridian",
                                       "Halcyon",   "Silverlake", "Kestrel",     "Pinecrest", "Redwood",
                                       "Bluefield", "Aurora",     "Sterling",    "Harbor",    "Vantage"};
static const char *const orgkinds[] = {"Pictures", "Studios", "Entertainment", "Media"};

static void lower_copy(char *dst, const char *src, size_t cap)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
    dst[i] = 0;
}

static void upper_copy(char *dst, const char *src, size_t cap)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i]);
    dst[i] = 0;
}

static uint32_t add_host(sim_ctx *x, int kind, int site, const char *name, uint32_t ip)
{
    sim_org *o = &x->org;
    sim_host *h = &o->hosts[o->nhosts];
    memset(h, 0, sizeof *h);
    snprintf(h->name, sizeof h->name, "%s", name);
    upper_copy(h->nb, name, sizeof h->nb);
    snprintf(h->fqdn, sizeof h->fqdn, "%s.%s", name, o->ad);
    h->ip = ip;
    h->kind = (uint8_t)kind;
    h->site = (uint8_t)site;
    h->owner = UINT32_MAX;
    h->rec_sec = 100000 + sim_below(&x->rng, 900000);
    h->rec_sys = 1000 + sim_below(&x->rng, 9000);
    h->rec_sysmon = 10000 + sim_below(&x->rng, 90000);
    h->pid_seed = sim_below(&x->rng, 1u << 30);
    return o->nhosts++;
}

/* Server k's address (10.10.1.10 and up, in the order servers are added). */
static uint32_t server_ip(uint32_t k)
{
    return IP4(10, 10, 1, 10 + k);
}

/* n servers of one kind named prefix-01, prefix-02 ... into out[], the next address k on. */
static void add_numbered(sim_ctx *x, int kind, const char *prefix, uint32_t *out, uint32_t n, uint32_t *k)
{
    char nm[24];
    for (uint32_t i = 0; i < n; i++) {
        snprintf(nm, sizeof nm, "%s-%02u", prefix, i + 1);
        out[i] = add_host(x, kind, 0, nm, server_ip((*k)++));
    }
}

/* How many servers of a kind an organisation of nu people has: base, one more per per
 * people, at most max. */
static uint32_t scaled(uint32_t nu, uint32_t base, uint32_t per, uint32_t max)
{
    uint32_t n = base + nu / per;
    return n > max ? max : n;
}

static void add_servers(sim_ctx *x)
{
    sim_org *o = &x->org;
    uint32_t k = 0, nu = o->nhuman;
    o->first_server = o->nhosts;
    o->ndc = 2 + (nu >= 1000) + (nu >= 5000);
    add_numbered(x, HK_DC, "dc", o->dcs, o->ndc, &k);
    o->nfs = scaled(nu, 1, 150, 16);
    add_numbered(x, HK_FILE, "fs", o->fs, o->nfs, &k);
    o->mail = add_host(x, HK_MAIL, 0, "mx-01", server_ip(k++));
    o->njump = 2;
    add_numbered(x, HK_JUMP, "jump", o->jumps, o->njump, &k);
    o->deploy = add_host(x, HK_DEPLOY, 0, "deploy-01", server_ip(k++));
    o->backup = add_host(x, HK_BACKUP, 0, "backup-01", server_ip(k++));
    o->napp = scaled(nu, 2, 200, 16);
    add_numbered(x, HK_APP, "app", o->apps, o->napp, &k);
    o->nsql = scaled(nu, 1, 400, 8);
    add_numbered(x, HK_SQL, "sql", o->sqls, o->nsql, &k);
    o->nlin = scaled(nu, 3, 200, 15);
    add_numbered(x, HK_LINUX, "lnx-web", o->lin, o->nlin, &k);
    o->sftp = add_host(x, HK_SFTP, 0, "sftp-01", server_ip(k++));
    o->lin[o->nlin++] = o->sftp;
    o->scan = add_host(x, HK_SCAN, 0, "vscan-01", server_ip(k++));
}

static void name_user(sim_ctx *x, sim_user *u, char (*seen)[24], uint32_t nseen)
{
    const char *f = firsts[sim_below(&x->rng, NELEM(firsts))];
    const char *l = lasts[sim_below(&x->rng, NELEM(lasts))];
    snprintf(u->first, sizeof u->first, "%s", f);
    snprintf(u->last, sizeof u->last, "%s", l);
    char base[24];
    char fl[2] = {(char)(f[0] + 32), 0};
    char ll[20];
    lower_copy(ll, l, sizeof ll);
    snprintf(base, sizeof base, "%s%s", fl, ll);
    snprintf(u->name, sizeof u->name, "%s", base);
    /* a linear scan would be quadratic; names repeat rarely, so probe a small hash */
    for (uint32_t tries = 1;; tries++) {
        uint64_t h = ts_hash(TS_HASH_SEED, u->name, strlen(u->name));
        uint32_t slot = (uint32_t)(h % nseen);
        bool dup = false;
        while (seen[slot][0]) {
            if (strcmp(seen[slot], u->name) == 0) {
                dup = true;
                break;
            }
            slot = (slot + 1) % nseen;
        }
        if (!dup) {
            memcpy(seen[slot], u->name, sizeof seen[slot]);
            break;
        }
        snprintf(u->name, sizeof u->name, "%.16s%u", base, tries + 1);
    }
}

static void add_service_account(sim_org *o, uint32_t *slot, const char *name)
{
    sim_user *u = &o->users[o->nusers];
    memset(u, 0, sizeof *u);
    snprintf(u->name, sizeof u->name, "%s", name);
    snprintf(u->first, sizeof u->first, "Service");
    snprintf(u->last, sizeof u->last, "%s", name + 4);
    u->role = ROLE_SERVICE;
    u->ws = UINT32_MAX;
    u->rid = 1100 + o->nusers;
    *slot = o->nusers++;
}

tocsin_code sim_org_build(sim_ctx *x, ts_diag_fn diag, void *ud)
{
    sim_org *o = &x->org;
    uint32_t nu = x->opt->users ? x->opt->users : 200;
    memset(o, 0, sizeof *o);
    const char *w = orgwords[sim_below(&x->rng, NELEM(orgwords))];
    snprintf(o->name, sizeof o->name, "%s %s", w, orgkinds[sim_below(&x->rng, NELEM(orgkinds))]);
    char wl[32];
    lower_copy(wl, w, sizeof wl);
    snprintf(o->domain, sizeof o->domain, "%s%s", wl, sim_chance(&x->rng, 0.5) ? ".com" : "-ent.com");
    snprintf(o->ad, sizeof o->ad, "corp.%s", o->domain);
    upper_copy(o->nb, w, sizeof o->nb);
    for (int i = 0; i < 3; i++)
        o->sid[i] = 1000000000u + sim_below(&x->rng, 3000000000u);
    snprintf(o->sidpfx, sizeof o->sidpfx, "S-1-5-21-%u-%u-%u-", o->sid[0], o->sid[1], o->sid[2]);
    o->pub_base = IP4(12, 130, 60, 0) + (sim_below(&x->rng, 64) << 8); /* AT&T AS7018 */
    o->mx_pub = o->pub_base + 25;
    o->vpn_pub = o->pub_base + 10;
    o->sftp_pub = o->pub_base + 22;
    o->nat_pub = o->pub_base + 2;
    o->npartner = 5;
    for (uint32_t i = 0; i < o->npartner; i++) {
        sim_gen_domain(sim_mix(x->seed ^ (0xa11ce000ULL + i)), o->partners[i]);
        o->partner_ip[i] = sim_domain_ip(sim_mix(x->seed ^ (0xa11ce000ULL + i)));
    }

    uint32_t maxhosts = nu + 96;
    o->users = calloc(nu + 8, sizeof *o->users);
    o->hosts = calloc(maxhosts, sizeof *o->hosts);
    char(*seen)[24] = calloc(2 * nu + 1, sizeof *seen);
    if (!o->users || !o->hosts || !seen) {
        free(seen);
        char msg[64];
        snprintf(msg, sizeof msg, "out of memory for %u users", nu);
        ts_diag_say(diag, ud, NULL, 0, 0, TOCSIN_E_NOMEM, msg);
        return TOCSIN_E_NOMEM;
    }
    o->nhuman = nu;
    uint32_t nexec = (uint32_t)(nu * x->conf.exec_share) + 1;
    uint32_t nadmin = (uint32_t)(nu * x->conf.admin_share) + 2;
    for (uint32_t i = 0; i < nu; i++) {
        sim_user *u = &o->users[i];
        name_user(x, u, seen, 2 * nu + 1);
        u->rid = 1100 + i;
        u->role = i < nexec ? ROLE_EXEC : i < nexec + nadmin ? ROLE_ADMIN : ROLE_STAFF;
        if (u->role == ROLE_EXEC && o->nexec < NELEM(o->execs))
            o->execs[o->nexec++] = i;
        if (u->role == ROLE_ADMIN && o->nadmin < NELEM(o->admins))
            o->admins[o->nadmin++] = i;
        /* most people at headquarters, the rest in the other offices */
        uint32_t r = sim_below(&x->rng, 100);
        u->site = u->role != ROLE_STAFF ? 0 : r < 60 ? 0 : r < 80 ? 1 : r < 92 ? 2 : 3;
        u->dept = (uint8_t)sim_below(&x->rng, 8);
        int hg = sim_geo_find(sim_sites[u->site].cc);
        u->home_geo = (uint8_t)(hg < 0 ? 0 : hg);
        u->home_ip = sim_geo_addr(&x->rng, u->home_geo);
        u->hire_day = sim_chance(&x->rng, x->conf.new_hire_share) && u->role == ROLE_STAFF
                          ? (int32_t)sim_below(&x->rng, x->days ? x->days : 1) + 1
                          : 0;
        char nm[24];
        snprintf(nm, sizeof nm, "ws-%04u", i + 1);
        const sim_site *s = &sim_sites[u->site];
        uint32_t ip = IP4(10, s->net + i / 37440, 100 + (i / 240) % 156, 10 + i % 240);
        u->ws = add_host(x, HK_WS, u->site, nm, ip);
        o->hosts[u->ws].owner = i;
    }
    free(seen);
    o->nusers = nu;
    o->nws = o->nhosts;
    add_service_account(o, &o->svc_backup, "svc_backup");
    add_service_account(o, &o->svc_deploy, "svc_deploy");
    add_service_account(o, &o->svc_sql, "svc_sql");
    add_service_account(o, &o->svc_web, "svc_web");
    add_service_account(o, &o->svc_scan, "svc_scan");
    add_servers(x);
    return TOCSIN_OK;
}

void sim_org_free(sim_org *o)
{
    free(o->users);
    free(o->hosts);
    o->users = NULL;
    o->hosts = NULL;
}
