#!/usr/bin/env python3
"""gen_catalogue.py: builds data/intel/actors.jsonl (tocsin's actor catalogue) from MITRE
ATT&CK (a STIX 2.1 bundle) and the MISP galaxy threat-actor cluster.

Usage:
  scripts/gen_catalogue.py --attack enterprise-attack.json --galaxy threat-actor.json \
      --intrusion-set mitre-intrusion-set.json --countries country.json \
      [--attack-commit 421deac] [--galaxy-commit 9434ace] > data/intel/actors.jsonl

Rules (the format is described in src/intel/catalogue.c and data/intel/README.md):
  - Every ATT&CK group (intrusion-set, not revoked or deprecated) with its aliases, the
    techniques and software it "uses" or a campaign "attributed-to" it uses, and every
    technique and software of the bundle, each software with the techniques it "uses".
  - A galaxy actor is merged into an ATT&CK group only when it names that group
    explicitly: a "related" entry whose dest-uuid is the group's intrusion-set uuid (the
    mitre-intrusion-set cluster uses the STIX uuids), a meta.refs URL
    attack.mitre.org/groups/Gxxxx (or the older /wiki/Group/Gxxxx), or the group id itself
    among its synonyms or name-attribution entries. Never because a name or alias is shared. When an entry
    names several groups, it is merged into the one whose name or aliases include the
    entry's own name; if none or several do, it stays an actor of its own.
  - Merged galaxy synonyms become aliases of the group, except those that are the name or
    an alias of another ATT&CK group (the galaxy's "Lazarus Group" lists APT38 and
    Andariel, which ATT&CK tracks as G0082 and G0138: they must not resolve to G0032).
  - meta.country (ISO alpha-2) or cfr-suspected-state-sponsor (a country name, mapped
    through country.json) is the suspected home country.
  - Galaxy actors that name no group are kept with their synonyms and country. Those whose
    name is already an ATT&CK group's name are renamed "<name> (MISP galaxy)", so that a
    loader that merges equal names cannot fold them into the group.
Python 3 standard library only.
"""
import argparse
import json
import re
import sys

GROUP_URL = re.compile(r"attack\.mitre\.org/(?:groups/|wiki/Group/)(G\d{4})")
ATTACK_ID = re.compile(r"^G\d{4}$")

# CFR's UN-style names that country.json spells otherwise.
CFR_NAMES = {
    "korea (democratic people's republic of)": "KP",
    "korea (republic of)": "KR",
    "iran (islamic republic of)": "IR",
    "russian federation": "RU",
    "people's republic of china": "CN",
    "united states": "US",
    "us": "US",
    "palestine": "PS",
}


def norm(s):
    """Names compared as the loader does: case, spaces and punctuation ignored."""
    return re.sub(r"[^0-9a-z]", "", s.lower())


def attack_id(obj):
    for r in obj.get("external_references", []):
        if r.get("source_name", "").startswith("mitre-") and r.get("external_id"):
            return r["external_id"]
    return None


def live(obj):
    return not obj.get("revoked") and not obj.get("x_mitre_deprecated")


def read_attack(path):
    bundle = json.load(open(path, encoding="utf-8"))
    objs = {o["id"]: o for o in bundle["objects"] if "id" in o}
    groups, software, techniques = {}, {}, {}
    for o in objs.values():
        if not live(o):
            continue
        aid = attack_id(o)
        if o["type"] == "intrusion-set" and aid:
            aliases = [a for a in o.get("aliases", []) if a != o["name"]]
            groups[o["id"]] = {"name": o["name"], "attack_id": aid, "aliases": aliases,
                               "techniques": set(), "software": set(), "galaxy": []}
        elif o["type"] == "attack-pattern" and aid:
            tactics = [p["phase_name"] for p in o.get("kill_chain_phases", [])]
            techniques[o["id"]] = {"technique": aid, "name": o["name"], "tactics": ",".join(tactics)}
        elif o["type"] in ("malware", "tool") and aid:
            aliases = [a for a in o.get("x_mitre_aliases", []) if a != o["name"]]
            software[o["id"]] = {"software": o["name"], "attack_id": aid, "type": o["type"], "aliases": aliases}
    # A campaign attributed to a group is the group's documented behaviour too: ATT&CK keeps
    # what was seen in a campaign on the campaign object, not on the group.
    owner = {}
    for o in objs.values():
        if o["type"] == "relationship" and o.get("relationship_type") == "attributed-to" and live(o) \
                and o["source_ref"].startswith("campaign--") and o["target_ref"] in groups:
            owner[o["source_ref"]] = groups[o["target_ref"]]
    for o in objs.values():
        if o["type"] != "relationship" or o.get("relationship_type") != "uses" or not live(o):
            continue
        t = o["target_ref"]
        if o["source_ref"] in software and t in techniques:
            software[o["source_ref"]].setdefault("techniques", set()).add(techniques[t]["technique"])
        g = groups.get(o["source_ref"]) or owner.get(o["source_ref"])
        if not g:
            continue
        if t in techniques:
            g["techniques"].add(techniques[t]["technique"])
        elif t in software:
            g["software"].add(software[t]["attack_id"])
    return groups, software, techniques


def country_table(path):
    table = dict(CFR_NAMES)
    for v in json.load(open(path, encoding="utf-8"))["values"]:
        iso = v.get("meta", {}).get("ISO")
        if iso:
            table[v["value"].lower()] = iso
            table[v.get("description", "").lower()] = iso
    return table


def galaxy_country(meta, countries):
    c = meta.get("country")
    if isinstance(c, str) and re.match(r"^[A-Za-z]{2}$", c):
        return c.upper()
    sponsor = meta.get("cfr-suspected-state-sponsor")
    if isinstance(sponsor, str):
        return countries.get(sponsor.lower())
    return None


def referenced_groups(entry, by_uuid, by_gid):
    """The ATT&CK group ids (STIX ids) a galaxy entry names explicitly."""
    found = set()
    for r in entry.get("related", []):
        sid = by_uuid.get(r.get("dest-uuid"))
        if sid:
            found.add(sid)
    meta = entry.get("meta", {})
    gids = [m.group(1) for m in map(GROUP_URL.search, meta.get("refs", [])) if m]
    gids += [s for s in meta.get("synonyms", []) if ATTACK_ID.match(s)]
    gids += [a.split(":", 1)[0] for a in meta.get("name-attribution", []) if ATTACK_ID.match(a.split(":", 1)[0])]
    found.update(by_gid[g] for g in gids if g in by_gid)
    return found


def pick_group(entry, candidates, groups):
    if len(candidates) == 1:
        return next(iter(candidates))
    own = norm(entry["value"])
    named = [sid for sid in candidates
             if own in {norm(groups[sid]["name"])} | {norm(a) for a in groups[sid]["aliases"]}]
    return named[0] if len(named) == 1 else None


def build(args):
    groups, software, techniques = read_attack(args.attack)
    countries = country_table(args.countries)
    by_uuid = {sid.split("--", 1)[1]: sid for sid in groups}
    if args.intrusion_set:  # the galaxy's own uuids for the groups, in case they differ
        for v in json.load(open(args.intrusion_set, encoding="utf-8"))["values"]:
            gid = v.get("meta", {}).get("external_id")
            for sid, g in groups.items():
                if g["attack_id"] == gid:
                    by_uuid[v["uuid"]] = sid
    by_gid = {g["attack_id"]: sid for sid, g in groups.items()}
    # Which ATT&CK group each name belongs to, to keep galaxy synonyms off other groups.
    owner = {}
    for sid, g in groups.items():
        for a in [g["name"]] + g["aliases"]:
            owner.setdefault(norm(a), set()).add(sid)

    galaxy_only = []
    for entry in json.load(open(args.galaxy, encoding="utf-8"))["values"]:
        sid = pick_group(entry, referenced_groups(entry, by_uuid, by_gid), groups)
        if sid:
            groups[sid]["galaxy"].append(entry)
        else:
            galaxy_only.append(entry)

    out = [{"tocsin_catalogue": 1,
            "sources": [{"name": "mitre/cti enterprise-attack", "commit": args.attack_commit},
                        {"name": "MISP/misp-galaxy threat-actor", "commit": args.galaxy_commit}]}]
    out += sorted(techniques.values(), key=lambda t: t["technique"])
    for s in sorted(software.values(), key=lambda s: s["attack_id"]):
        if not s["aliases"]:
            del s["aliases"]
        if "techniques" in s:
            s["techniques"] = sorted(s["techniques"])
        out.append(s)

    attack_names = {norm(g["name"]) for g in groups.values()}
    for sid, g in sorted(groups.items(), key=lambda kv: kv[1]["attack_id"]):
        aliases = list(g["aliases"])
        seen = {norm(g["name"])} | {norm(a) for a in aliases}
        country = None
        for e in g["galaxy"]:
            country = country or galaxy_country(e.get("meta", {}), countries)
            for a in [e["value"]] + e.get("meta", {}).get("synonyms", []):
                k = norm(a)
                if not k or k in seen or ATTACK_ID.match(a) or owner.get(k, {sid}) != {sid}:
                    continue
                seen.add(k)
                aliases.append(a)
        line = {"name": g["name"], "attack_id": g["attack_id"]}
        if country:
            line["country"] = country
        line["aliases"] = aliases
        line["techniques"] = sorted(g["techniques"])
        line["software"] = sorted(g["software"])
        line["sources"] = ["mitre-attack"] + (["misp-galaxy"] if g["galaxy"] else [])
        out.append(line)

    for e in sorted(galaxy_only, key=lambda e: e["value"].lower()):
        name = e["value"]
        if norm(name) in attack_names:
            name += " (MISP galaxy)"
        seen = {norm(name)}
        aliases = []
        for a in ([e["value"]] if name != e["value"] else []) + e.get("meta", {}).get("synonyms", []):
            if norm(a) and norm(a) not in seen:
                seen.add(norm(a))
                aliases.append(a)
        line = {"name": name}
        country = galaxy_country(e.get("meta", {}), countries)
        if country:
            line["country"] = country
        if aliases:
            line["aliases"] = aliases
        line["sources"] = ["misp-galaxy"]
        out.append(line)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--attack", required=True)
    p.add_argument("--galaxy", required=True)
    p.add_argument("--intrusion-set")
    p.add_argument("--countries", required=True)
    p.add_argument("--attack-commit", default="unknown")
    p.add_argument("--galaxy-commit", default="unknown")
    args = p.parse_args()
    w = sys.stdout
    for line in build(args):
        w.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
