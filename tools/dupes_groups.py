#!/usr/bin/env python3
"""Convert `lookalike dupes --json` output into the GROUPS.json that shared/bench/score_dupes.py reads
(a list of groups, each a list of paths).

Usage: dupes_groups.py DUPES.json [LIB_DIR] > GROUPS.json   (DUPES.json may be - for stdin)
With LIB_DIR, paths are written relative to it, so the groups can be scored against another truth
file for the same images (e.g. a dataset dir whose lib/ is a symlink)."""
import json, os, sys

src = sys.stdin if len(sys.argv) < 2 or sys.argv[1] == "-" else open(sys.argv[1])
base = os.path.realpath(sys.argv[2]) if len(sys.argv) > 2 else None
data = json.load(src)


def path(p):
    return os.path.relpath(os.path.realpath(p), base) if base else p


json.dump([[path(p["path"]) for p in g["photos"]] for g in data["groups"]], sys.stdout)
