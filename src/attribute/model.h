/* model.h: the constants of the attribution model, shared by its files. Each is explained
 * in docs/attribution.md; changing one changes every score, so tests pin their effect. */
#ifndef TS_ATTR_MODEL_H
#define TS_ATTR_MODEL_H

/* Prior mass: most intrusions are by actors no catalogue names, or cannot be told apart. */
#define TS_PRIOR_UNATTRIBUTED 0.60
#define TS_PRIOR_ACTORS 0.35  /* shared evenly among the catalogued actors */
#define TS_PRIOR_INSIDER 0.05 /* only offered when some evidence fits an insider */

/* Base strengths b of each kind: a piece of evidence tied to k of N actors, trusted with
 * confidence c, has likelihood ratio 1 + c * b * N / k for each of those k actors against
 * the unattributed hypothesis (weight: its log, in nats). */
#define TS_B_INDICATOR 8.0  /* an actor's own infrastructure or file */
#define TS_B_CLAIM 3.0      /* a name the evidence carries: cheap to plant */
#define TS_B_MALWARE 4.0    /* malware families are mostly kept by their owners */
#define TS_B_TOOL 1.0       /* tools are public or bought */
#define TS_B_TECHNIQUE 0.3  /* anyone can use any technique; catalogues are incomplete */
#define TS_B_HOME_IN 4.0    /* a direct connection from the actor's country's address space */
#define TS_B_HOME_OUT 1.0   /* a connection to it: users and scanners reach anywhere */
#define TS_W_INSIDER 2.5    /* nats for the insider hypothesis per fitting observation */

/* Diminishing returns: the i-th (0-based, strongest first) contribution of one kind to one
 * hypothesis is multiplied by TS_DAMP^i; techniques, whose strength is in their
 * combination, by 1 / sqrt(i + 1). */
#define TS_DAMP 0.5

/* Public knowledge alone never makes an actor more than so many times as likely as
 * "unattributed": the techniques' total for an actor is capped at
 * log(TS_TECHNIQUE_MAX_ODDS * (P_unattributed + P_actors) / P_actor), and techniques and
 * software together at the same with TS_PUBLIC_MAX_ODDS. Techniques seen together are far
 * from independent, and a published profile can be imitated. */
#define TS_TECHNIQUE_MAX_ODDS 4.0 /* at most about 80%: "likely" */
#define TS_PUBLIC_MAX_ODDS 9.0    /* at most about 90%: "very likely", never "almost certainly" */

/* Contributions of one kind listed one by one; weaker ones are summed into one line. */
#define TS_KEEP_PER_KIND 12

/* Hypotheses kept in full; the mass of weaker actors joins "unattributed". */
#define TS_MAX_ACTOR_HYPS 8

#endif
