#!/usr/bin/env python3
"""gen_attr_cases.py: writes attribution test cases from an ATT&CK STIX bundle, for
bench/attr_calibrate (the leave-one-out calibration of docs/attribution.md).

Usage:
  scripts/gen_attr_cases.py --attack enterprise-attack-core.json [--seed 1] [--reps 3] > cases.tsv

One case a line, tab-separated:
  kind    subset | short | novel | campaign
  truth   the ATT&CK group id the case belongs to ("G0032"); for novel, "-": the right
          answer is "unattributed" (an actor the catalogue does not know)
  holdout technique and software ids hidden from the truth's profile while the case is
          scored ("-": none)
  seen    the observed technique ids and software ids, comma-separated

subset: for each group with at least 10 techniques, `reps` draws. 30% of the group's
techniques are held out of its profile; the case sees 5 techniques from the rest of the
profile, 2 of the held-out ones (a technique the actor uses but nobody documented) and 2
noise techniques the group is not known to use.
short: for each such group, 1 to 5 techniques of the (70%) profile and at most one noise
technique.
novel: for every third such group (twice: 9 techniques, and as many as its short case), its whole profile,
techniques and software, is held out (as if nobody had documented it) and the case sees 7 of its techniques and 2 noise techniques: the actor is
new to the catalogue, so the right answer is "unattributed".
campaign: each campaign attributed to a group, with its techniques and software. The
techniques and software the group's profile holds only because of this campaign (the
catalogue adds a group's campaigns to it) are held out: techniques and software ids.

The cases are generated facts for measurement; they are written to a scratch file, never
to the repository. Python 3 standard library only.
"""
import argparse
import json
import random
import sys


def attack_id(obj):
    for r in obj.get("external_references", []):
        if r.get("source_name", "").startswith("mitre-") and r.get("external_id"):
            return r["external_id"]
    return None


def live(obj):
    return not obj.get("revoked") and not obj.get("x_mitre_deprecated")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attack", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    objs = {o["id"]: o for o in json.load(open(args.attack, encoding="utf-8"))["objects"] if "id" in o}
    ids = {k: attack_id(o) for k, o in objs.items() if live(o)}
    techniques = sorted(i for k, i in ids.items() if objs[k]["type"] == "attack-pattern" and i)
    uses, attributed = {}, {}
    for o in objs.values():
        if o["type"] != "relationship" or not live(o):
            continue
        s, t = o["source_ref"], o["target_ref"]
        if s not in ids or t not in ids:
            continue
        if o["relationship_type"] == "uses":
            uses.setdefault(s, set()).add(ids[t])
        elif o["relationship_type"] == "attributed-to" and s.startswith("campaign--"):
            attributed[s] = ids[t]
    # a group's profile, as scripts/gen_catalogue.py builds it: its own uses and its campaigns'
    campaigns = {}
    for c, g in attributed.items():
        campaigns.setdefault(g, []).append(c)
    by_id = {i: k for k, i in ids.items() if i and objs[k]["type"] == "intrusion-set"}

    def profile(gid, without=None):
        p = set(uses.get(by_id.get(gid), ()))
        for c in campaigns.get(gid, ()):
            if c != without:
                p |= uses.get(c, set())
        return p

    rng = random.Random(args.seed)
    out = sys.stdout
    for k in sorted(ids, key=lambda x: ids[x] or ""):
        o = objs[k]
        if o["type"] != "intrusion-set" or not ids[k]:
            continue
        prof = sorted(t for t in profile(ids[k]) if t.startswith("T"))
        if len(prof) < 10:
            continue
        for _ in range(args.reps):
            held = set(rng.sample(prof, max(2, round(0.3 * len(prof)))))
            kept = [t for t in prof if t not in held]
            seen = rng.sample(kept, 5) + rng.sample(sorted(held), 2)
            seen += rng.sample([t for t in techniques if t not in prof], 2)
            rng.shuffle(seen)
            out.write("subset\t%s\t%s\t%s\n" % (ids[k], ",".join(sorted(held)), ",".join(seen)))
        # a short case: 1 to 5 techniques of the profile and maybe one noise technique, for
        # how sure a few techniques may make the model
        n_in = rng.randint(1, 5)
        held = set(rng.sample(prof, max(2, round(0.3 * len(prof)))))
        kept = [t for t in prof if t not in held]
        seen = rng.sample(kept, n_in) + rng.sample([t for t in techniques if t not in prof], rng.randint(0, 1))
        rng.shuffle(seen)
        out.write("short\t%s\t%s\t%s\n" % (ids[k], ",".join(sorted(held)), ",".join(seen)))
        # a novel actor is unknown to the catalogue: its software is hidden with its techniques
        # (the techniques its programs do would otherwise point to it)
        whole = ",".join(sorted(profile(ids[k])))
        if rng.random() < 1 / 3:
            seen = rng.sample(prof, n_in) + rng.sample([t for t in techniques if t not in prof], rng.randint(0, 1))
            rng.shuffle(seen)
            out.write("novel\t%s\t%s\t%s\n" % (ids[k], whole, ",".join(seen)))
        if rng.random() < 1 / 3:
            seen = rng.sample(prof, 7) + rng.sample([t for t in techniques if t not in prof], 2)
            rng.shuffle(seen)
            out.write("novel\t%s\t%s\t%s\n" % (ids[k], whole, ",".join(seen)))
    for k in sorted(attributed, key=lambda x: ids[x]):
        seen = sorted(uses.get(k, ()))
        # what the group's profile holds only because of this campaign is hidden while it is scored
        held = sorted(uses.get(k, set()) - profile(attributed[k], without=k))
        if seen:
            out.write("campaign\t%s\t%s\t%s\n" % (attributed[k], ",".join(held) or "-", ",".join(seen)))


if __name__ == "__main__":
    main()
