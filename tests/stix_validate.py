#!/usr/bin/python3
"""stix_validate.py: checks a STIX 2.1 bundle tocsin wrote against the official JSON schemas
(OASIS cti-stix2-json-schemas, in ../shared/data) with Debian's python3-jsonschema: the bundle,
then every object against its type's schema; and that every reference points at an object
of the bundle. usage: stix_validate.py SCHEMAS_DIR BUNDLE.json  (exit 0 valid, 1 not)"""
import json
import os
import sys

import jsonschema


def load_schemas(root):
    store = {}
    by_type = {}
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(".json"):
                with open(os.path.join(d, f)) as fh:
                    s = json.load(fh)
                store[s["$id"]] = s
                by_type[(os.path.basename(d), f[:-5])] = s
    return store, by_type


def refs(obj):
    """Every identifier an object refers to (the *_ref and *_refs properties)."""
    for k, v in obj.items():
        if k.endswith("_ref") and isinstance(v, str):
            yield v
        elif k.endswith("_refs") and isinstance(v, list):
            yield from v


def main():
    root, path = sys.argv[1], sys.argv[2]
    store, by_type = load_schemas(root)
    with open(path) as fh:
        bundle = json.load(fh)
    cls = jsonschema.Draft202012Validator

    def validator(schema):
        resolver = jsonschema.RefResolver(schema["$id"], schema, store=store)
        return cls(schema, resolver=resolver, format_checker=jsonschema.FormatChecker())

    errors = [e.message for e in validator(by_type[("common", "bundle")]).iter_errors(bundle)]
    ids = {o["id"] for o in bundle.get("objects", [])}
    for o in bundle.get("objects", []):
        schema = next((s for (d, t), s in by_type.items() if t == o["type"] and d != "common"), None)
        if schema is None:
            errors.append("%s: no schema for type %s" % (o["id"], o["type"]))
            continue
        errors += ["%s: %s" % (o["id"], e.message) for e in validator(schema).iter_errors(o)]
        errors += ["%s: refers to %s, not in the bundle" % (o["id"], r) for r in refs(o) if r not in ids]
    for e in errors:
        print(e)
    print("%s: %d objects, %d problems" % (path, len(ids), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
