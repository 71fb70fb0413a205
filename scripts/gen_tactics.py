#!/usr/bin/env python3
"""gen_tactics.py: writes data/report/tactics.tsv, the ATT&CK Enterprise tactics in the
order of the matrix (the attack stages the HTML report shows), from mitre/cti's bundle.

usage: scripts/gen_tactics.py ../shared/data/attack/enterprise-attack-core.json > data/report/tactics.tsv

The bundle's x-mitre-matrix object gives the order when it holds one; the flattened bundle
in ../shared/data has none, so the order of ATT&CK's published Enterprise matrix (v18) is
used, by tactic id, and every tactic of the bundle must be in it."""
import json
import sys

MATRIX_ORDER = ["TA0043", "TA0042", "TA0001", "TA0002", "TA0003", "TA0004", "TA0005",
                "TA0006", "TA0007", "TA0008", "TA0009", "TA0011", "TA0010", "TA0040"]


def main(path):
    objs = json.load(open(path, encoding="utf-8"))["objects"]
    tactics = {}
    for o in objs:
        if o["type"] == "x-mitre-tactic" and not o.get("revoked") and not o.get("x_mitre_deprecated"):
            tid = next(r["external_id"] for r in o["external_references"] if r["source_name"] == "mitre-attack")
            tactics[o["id"]] = (tid, o["x_mitre_shortname"], o["name"])
    order = MATRIX_ORDER
    for o in objs:
        if o["type"] == "x-mitre-matrix" and o.get("tactic_refs"):
            order = [tactics[r][0] for r in o["tactic_refs"] if r in tactics]
    by_id = {t[0]: t for t in tactics.values()}
    missing = set(by_id) - set(order)
    if missing:
        sys.exit("gen_tactics: tactics not in the matrix order: " + ", ".join(sorted(missing)))
    print("# ATT&CK Enterprise tactics in matrix order (scripts/gen_tactics.py, from mitre/cti)")
    print("# id\tshortname\tname")
    for tid in order:
        if tid in by_id:
            print("\t".join(by_id[tid]))


if __name__ == "__main__":
    main(sys.argv[1])
