#!/usr/bin/env python3
"""attack_moves.py: writes data/attack/technique_moves.tsv, the ATT&CK technique ids that
moved (old id -> current id), so tocsin compares and prints techniques by their current ids.

Two sources of facts:
  1. `revoked-by` relationships of the ATT&CK STIX bundles given (a technique revoked by
     another is replaced by it). Chains are followed to their end.
  2. ATT&CK v19's restructuring of Impair Defenses / Indicator Removal into the new
     Defense Impairment techniques (T1685 Disable or Modify Tools, T1686 Disable or Modify
     System Firewall, T1688-T1690), which SigmaHQ already tags while v18 data (the bundle in
     ../shared/data/attack, OTRF and Atomic Red Team recordings) still says T1562.x/T1070.x.
     Each is stated below with the old technique's name, and checked against the bundle:
     the old id must be there under that name, so a typo cannot slip in.
  3. Revocations whose revoked-by relationship the bundle lacks (the core bundle drops them):
     ATT&CK v17 merged DLL Side-Loading into T1574.001, renamed DLL. Checked the same way,
     and the old technique must be marked revoked in the bundle.

Usage: scripts/attack_moves.py BUNDLE.json [BUNDLE.json ...] > data/attack/technique_moves.tsv
The output is facts (id pairs and names), not a copy of any bundle.
"""
import json
import sys

# old id, old name (v18), current id, current name (v19)
V19_MOVES = [
    ("T1562.001", "Disable or Modify Tools", "T1685", "Disable or Modify Tools"),
    ("T1562.002", "Disable Windows Event Logging", "T1685.001", "Disable or Modify Windows Event Log"),
    ("T1562.008", "Disable or Modify Cloud Logs", "T1685.002", "Disable or Modify Cloud Log"),
    ("T1562.012", "Disable or Modify Linux Audit System", "T1685.004", "Disable or Modify Linux Audit System Log"),
    ("T1070.001", "Clear Windows Event Logs", "T1685.005", "Clear Windows Event Logs"),
    ("T1070.002", "Clear Linux or Mac System Logs", "T1685.006", "Clear Linux or Mac System Logs"),
    ("T1562.004", "Disable or Modify System Firewall", "T1686", "Disable or Modify System Firewall"),
    ("T1562.007", "Disable or Modify Cloud Firewall", "T1686.001", "Cloud Firewall"),
    ("T1562.013", "Disable or Modify Network Device Firewall", "T1686.002", "Network Device Firewall"),
    ("T1562.009", "Safe Mode Boot", "T1688", "Safe Mode Boot"),
    ("T1562.010", "Downgrade Attack", "T1689", "Downgrade Attack"),
    ("T1562.003", "Impair Command History Logging", "T1690", "Prevent Command History Logging"),
]

# old id, old name, current id, current name: revoked in ATT&CK v17, relationship not in the bundle
V17_REVOKED = [
    ("T1574.002", "DLL Side-Loading", "T1574.001", "DLL"),
]


def attack_id(obj):
    for ref in obj.get("external_references", []):
        if ref.get("source_name") == "mitre-attack":
            return ref.get("external_id")
    return None


def main(paths):
    names, revoked_by, by_stix, revoked = {}, {}, {}, set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            objects = json.load(f)["objects"]
        for o in objects:
            if o.get("type") == "attack-pattern":
                tid = attack_id(o)
                if tid:
                    by_stix[o["id"]] = tid
                    names.setdefault(tid, o.get("name", ""))
                    if o.get("revoked"):
                        revoked.add(tid)
        for o in objects:
            if o.get("type") == "relationship" and o.get("relationship_type") == "revoked-by":
                src, dst = by_stix.get(o["source_ref"]), by_stix.get(o["target_ref"])
                if src and dst and src != dst:
                    revoked_by[src] = dst
    moves = {}
    for old in revoked_by:
        cur, seen = old, set()
        while cur in revoked_by and cur not in seen:  # follow chains; a cycle stops
            seen.add(cur)
            cur = revoked_by[cur]
        moves[old] = (cur, "revoked-by")
    for old, old_name, new, new_name in V19_MOVES:
        if names.get(old) != old_name:
            sys.exit(f"attack_moves.py: {old} is not '{old_name}' in the bundles given ({names.get(old)!r})")
        moves[old] = (new, f"ATT&CK v19: {old_name} is now {new} {new_name}")
    for old, old_name, new, new_name in V17_REVOKED:
        if old in moves:
            continue  # the bundle's own relationship says it
        if names.get(old) != old_name or old not in revoked or names.get(new) != new_name:
            sys.exit(f"attack_moves.py: {old} '{old_name}' revoked for {new} '{new_name}' is not what the bundles say")
        moves[old] = (new, f"ATT&CK v17: {old_name} was revoked and merged into {new} {new_name}")
    print("# technique_moves.tsv: ATT&CK technique ids that moved; written by scripts/attack_moves.py.")
    print(f"# {len(revoked_by)} revoked-by relationships in the bundles, {len(V19_MOVES)} v19 moves, "
          f"{len(V17_REVOKED)} v17 revocation stated.")
    print("# old id\tcurrent id\twhy")
    for old in sorted(moves):
        print(f"{old}\t{moves[old][0]}\t{moves[old][1]}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
