/* model.h: the constants of the attribution model, shared by its files. Each is explained
 * in docs/attribution.md; changing one changes every score, so tests pin their effect. */
#ifndef TS_ATTR_MODEL_H
#define TS_ATTR_MODEL_H

/* Prior mass: most intrusions are by actors no catalogue names, or cannot be told apart.
 * The catalogued actors share what unattributed and insider leave, evenly. */
#define TS_PRIOR_UNATTRIBUTED 0.30
/* The most a named actor gets from public techniques and software alone, in a hunt: below
 * "roughly even chance" (ICD 203: 45-55%), so logs without actor-specific evidence name no
 * actor as the verdict (issue 12). */
#define TS_PUBLIC_ONLY_CAP 0.45
#define TS_PRIOR_INSIDER 0.05 /* only offered when some evidence fits an insider */

/* Base strengths b of the kinds weighed by exclusivity (indicators, claims, home networks): a piece of
 * evidence tied to k of N actors, trusted with confidence c, has likelihood ratio 1 + c * b * N / k for each
 * of those k actors against the unattributed hypothesis (weight: its log, in nats). */
#define TS_B_INDICATOR 8.0 /* an actor's own infrastructure or file */
#define TS_B_CLAIM 3.0     /* a name the evidence carries: cheap to plant */
#define TS_B_HOME_IN 4.0   /* a direct connection from the actor's country's address space */
#define TS_B_HOME_OUT 1.0  /* a connection to it: users and scanners reach anywhere */
#define TS_W_INSIDER 2.5   /* nats for the insider hypothesis per fitting observation */

/* Diminishing returns: the i-th (0-based, strongest first) contribution of one kind to one
 * hypothesis is multiplied by TS_DAMP^i; techniques, whose strength is in their
 * combination, by 1 / sqrt(i + 1). */
#define TS_DAMP 0.5

/* The technique and software channels (profile.c; fitted by bench/attr_calibrate, see
 * docs/attribution.md): an actor's distribution over techniques is its documented profile
 * mixed with the background (the average actor) with weight TS_TECH_SMOOTH, so that a
 * technique outside the profile costs at most log(TS_TECH_SMOOTH); a technique of the same
 * family (parent or sibling sub-technique) as one the profile lists counts TS_TECH_FAMILY of
 * a listed one; the channel's log-likelihood ratios are divided by TS_TECH_TEMP, because
 * techniques seen together are far from independent. The same for software. */
#define TS_TECH_SMOOTH 0.5
/* A small profile says less: a profile of n items keeps n / (n + TS_TECH_PSEUDO) of its
 * weight, the rest goes to the background (for software too). */
#define TS_TECH_PSEUDO 0.3
#define TS_TECH_FAMILY 0.03
/* The techniques the actor's programs do (ATT&CK's software "uses") and its profile does not
 * list share this much of its technique distribution (the listed ones the rest); fitted by
 * leave-one-out on the subset, short and novel cases, never on the campaigns. */
#define TS_TECH_SOFT 0.04
#define TS_TECH_TEMP 0.5
/* The more techniques one incident shows, the more they repeat one another (one toolkit,
 * one playbook): beyond TS_TECH_N0 of them, the temperature grows as (n / TS_TECH_N0)^TS_TECH_DEP. */
#define TS_TECH_N0 9
#define TS_TECH_DEP 1.0
/* Below TS_TECH_N0 techniques, it grows as (TS_TECH_N0 / n)^TS_TECH_FEW: one or two
 * techniques say little about who, however rare. */
#define TS_TECH_FEW 0.25
/* A profile of n items spreads its probability as over n^TS_TECH_SPAN items: 1 is the
 * multinomial 1/n, which leaves a well-documented actor (a long profile) almost nothing for
 * the common techniques it lists; below 1 a listed item keeps more weight. */
#define TS_TECH_SPAN 1.0
#define TS_SOFT_SPAN 0.5
#define TS_SOFT_SMOOTH 0.7
#define TS_SOFT_TEMP 0.175
/* The background's own floor: a share spread evenly over every catalogued technique (or
 * software), so a technique no actor is known to use still has a probability. */
#define TS_BACKGROUND_FLOOR 0.02

/* The ATT&CK tactics of an insider's techniques: the insider hypothesis, when offered, is
 * weighed like an actor whose profile is every technique of these tactics. */
#define TS_INSIDER_TACTICS "collection", "exfiltration", "discovery"

/* Time: the share of its hands-on hours a team spends in its office hours, the scale of the
 * binomial log-likelihood ratio (an intrusion's hours are far from independent), and its
 * bound either way, in nats. */
#define TS_TZ_WORK_SHARE 0.8
#define TS_TZ_SCALE 0.1
#define TS_TZ_MAX_NATS 1.5

/* When some hypothesis has costly evidence (an exclusive network indicator, a direct
 * connection from home address space), evidence cheap to fake (files' hashes, techniques,
 * software, names) may move an actor by at most this many nats (x20): it can tell apart
 * actors the costly evidence leaves close, but not outvote it (a false flag). */
#define TS_CHEAP_MAX_NATS 3.0
/* Cheap evidence that favours another actor over the one costly evidence favours by more
 * than this (x400) is a stated conflict, the pattern of a false flag. */
#define TS_CONFLICT_NATS 6.0

/* Actors whose costly support is within this many nats of the strongest are contested: one
 * of them had its infrastructure reused or planted, and cheap evidence cannot choose. */
#define TS_CONTESTED_NATS 1.0

/* Contributions of one kind listed one by one; weaker ones are summed into one line. */
#define TS_KEEP_PER_KIND 12

/* Hypotheses kept in full; the mass of weaker actors joins "unattributed". */
#define TS_MAX_ACTOR_HYPS 8

#endif
