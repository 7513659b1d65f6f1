#!/usr/bin/env python3
"""Query recall on a near-duplicate set made by shared/bench/make_dupset.py.

Usage: eval_query_recall.py DATASET_DIR LOOKALIKE_BIN DATA_DIR [K]
Indexes DATASET_DIR/lib into DATA_DIR (if not yet), queries with every original and reports the
share of its edited copies (non-hard, non-natural kinds) found in the top K (default 20)."""
import collections, json, os, subprocess, sys

ds, exe, data = sys.argv[1], sys.argv[2], sys.argv[3]
k = int(sys.argv[4]) if len(sys.argv) > 4 else 20
lib = os.path.join(os.path.abspath(ds), "lib")
truth = json.load(open(os.path.join(ds, "truth.json")))
subprocess.run([exe, "--data-dir", data, "index", lib], check=True, stdout=subprocess.DEVNULL)
hit, tot = collections.Counter(), collections.Counter()
for rel, v in sorted(truth.items()):
    if v["kind"] != "original":
        continue
    out = subprocess.run([exe, "--data-dir", data, "query", os.path.join(lib, rel), "-k", str(k), "--json"],
                         check=True, capture_output=True, text=True).stdout
    got = {os.path.relpath(h["path"], lib) for h in json.loads(out)}
    for r2, v2 in truth.items():
        if v2["group"] == v["group"] and v2["kind"] != "original":
            tot[v2["kind"]] += 1
            hit[v2["kind"]] += r2 in got
easy = [x for x in tot if not x.startswith("hard") and x != "natural"]
rec = sum(hit[x] for x in easy) / max(1, sum(tot[x] for x in easy))
print(f"recall@{k} of edits = {rec:.3f}  " + " ".join(f"{x}={hit[x]}/{tot[x]}" for x in sorted(tot)))
