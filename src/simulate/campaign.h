/* campaign.h: a scenario's playbook as parsed (facts and steps) and the story state its
 * actions share while they run. Internal to src/simulate. */
#ifndef TS_SIM_CAMPAIGN_H
#define TS_SIM_CAMPAIGN_H

#include "simulate/sim.h"

#define CAMP_MAX_STEPS 48
#define CAMP_MAX_C2 16
#define CAMP_MAX_TOOLS 12
#define CAMP_MAX_LIST 8
#define CAMP_MAX_HOSTS 256

struct sim_step;
/* Performs unit k of a step at time t. */
typedef void (*camp_action_fn)(sim_ctx *x, struct sim_step *s, uint32_t k, int64_t t);

/* When a step's units may happen. */
enum camp_when {
    WHEN_ANY,     /* automated: any time */
    WHEN_ACTOR,   /* hands on keyboard: the actor's working hours (playbook "hours") */
    WHEN_OFFICE,  /* done by a victim at work: headquarters' office hours */
    WHEN_EVENING, /* an insider after hours */
    WHEN_NIGHT    /* automated but timed for the victim's night (01:00-05:00 at headquarters) */
};

typedef struct camp_action {
    const char *name;
    camp_action_fn run;
    int when;               /* enum camp_when */
    const char *techniques; /* default ATT&CK ids when the playbook names none */
    bool foothold;          /* acts from a machine running the implant: waits until one does */
} camp_action;

typedef struct sim_step {
    char name[32];
    const camp_action *action;
    char tech[96]; /* "T1566.002,T1204.001" */
    char about[200];
    double d0, d1;  /* nominal days (of span) */
    uint32_t count; /* units; from count= or every= */
    double every_min;
    double gb;      /* bytes= in GB */
    double share;   /* share= (e.g. of actor mails sent from the home network) */
    int64_t t0, t1; /* planned window, UTC microseconds */
    int64_t last_t;
    uint32_t done;
    uint64_t events;
    int64_t first_ev, last_ev;
    uint32_t hosts[64], nhosts; /* hosts touched (for the truth record; the first 64) */
    uint32_t users[16], nusers;
} sim_step;

typedef struct camp_c2 {
    uint32_t ip;
    uint16_t port;
    char cc[3];
    bool leaked; /* someone else's server, reused */
} camp_c2;

typedef struct camp_tool {
    char role[16]; /* implant, wiper, driver, wallpaper, dumper, archiver */
    char name[48];
    char md5[33];
} camp_tool;

typedef struct sim_campaign {
    char scenario[40];
    char actor[64];
    char aliases[200];
    double span;
    int hour0, hour1; /* the actor's working hours, UTC [hour0, hour1) */
    camp_c2 c2[CAMP_MAX_C2];
    uint32_t nc2;
    uint32_t home_base, home_size, home_asn;
    camp_tool tools[CAMP_MAX_TOOLS];
    uint32_t ntools;
    char lookalike_pat[CAMP_MAX_LIST][48];
    uint32_t nlookalike;
    char sender_dom[CAMP_MAX_LIST][40];
    uint32_t nsender;
    char vpn_cc[CAMP_MAX_LIST][3];
    uint32_t nvpn_cc;
    char cloud[64];       /* cloud storage host (the insider's, or the actor's upload target) */
    char ransom_ext[16];  /* extension the encryptor appends (".basta") */
    char sender_name[64]; /* display name of the actor's own mail */
    sim_step steps[CAMP_MAX_STEPS];
    uint32_t nsteps;

    /* the story as it unfolds (chosen lazily, with the campaign's own PRNG) */
    bool cast;
    char lookalike[64];
    uint32_t lookalike_ip;
    uint32_t targets[32], ntargets; /* phished users */
    uint32_t p0[4], np0;            /* users who ran the implant */
    uint32_t admin;                 /* the administrator whose credentials are stolen */
    uint32_t insider;
    uint32_t owned[CAMP_MAX_HOSTS], nowned; /* hosts the actor controls */
    uint32_t stage;                         /* staging server */
    uint32_t exfil_ip;
    char implant_path[160]; /* where the implant runs once installed ("" = the Temp file of click) */
} sim_campaign;

/* Shared by the actions (actions.c, actions_intrusion.c). */
void camp_cast(sim_ctx *x);                    /* the story's cast, chosen once */
void camp_touch_host(sim_step *s, uint32_t h); /* the step touched host h (truth) */
void camp_touch_user(sim_step *s, uint32_t u); /* ... and user u */
bool camp_owned(const sim_campaign *c, uint32_t h);
void camp_own(sim_campaign *c, uint32_t h);      /* the actor now controls h */
uint32_t camp_p0_user(sim_ctx *x);               /* a user whose machine runs the implant */
uint32_t camp_from_host(sim_ctx *x);             /* a controlled host to act from */
uint32_t camp_new_target(sim_ctx *x);            /* a Windows host not yet controlled */
uint32_t camp_wave_host(sim_ctx *x, uint32_t k); /* k-th host of a wave: owned ones first */
const char *camp_tool_name(const sim_campaign *c, const char *role, const char *dflt);
void camp_tool_hashes(const sim_campaign *c, const char *role, char *buf, size_t cap);
/* The actions of actions_intrusion.c, listed in camp_actions[]. */
void act_lure_mail(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_open_attachment(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_sideload(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_discovery(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_lsass_read(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_psexec(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_rdp_tunnel(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_cloud_exfil(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_shadow_delete(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_stop_services(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_encrypt(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_cleanup(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);
void act_clear_logs(sim_ctx *x, sim_step *s, uint32_t k, int64_t t);

extern const camp_action camp_actions[];
const camp_action *camp_action_find(const char *name, size_t n);
const camp_tool *camp_tool_of(const sim_campaign *c, const char *role);
/* A generated server of index k in country cc: the same for the playbook and the intel. */
uint32_t sim_gen_server(uint64_t seed, uint32_t k, const char *cc);

#endif
