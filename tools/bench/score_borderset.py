#!/usr/bin/env python3
"""Score `lookalike dupes --json` on the border set: pair precision, recall per kind of border, and how many
groups keep the original. Usage: score_borderset.py DUPES.json"""
import json, sys, itertools
truth = json.load(open('/tmp/borderset/truth.json'))
groups = [[p['path'] for p in g['photos']] for g in json.load(open(sys.argv[1]))['groups']]
src_of = {}
for o, cs in truth.items():
    src_of[o] = o
    for c in cs: src_of[c] = o
gid = {}
for i, g in enumerate(groups):
    for p in g: gid[p] = i
found = {}; tot = {}
for o, cs in truth.items():
    for c in cs:
        kind = c.rsplit('_', 1)[1][:-4]
        tot[kind] = tot.get(kind, 0) + 1
        if o in gid and gid.get(c) == gid[o]: found[kind] = found.get(kind, 0) + 1
pairs = good = 0
for g in groups:
    for a, b in itertools.combinations(g, 2):
        pairs += 1; good += src_of.get(a) == src_of.get(b)
kept_orig = sum(1 for g in json.load(open(sys.argv[1]))['groups'] if g['keep'] in truth)
print('pairs', pairs, 'precision %.3f' % (good / max(pairs, 1)), 'found', {k: f'{found.get(k,0)}/{v}' for k, v in tot.items()}, 'recall %.3f' % (sum(found.values()) / sum(tot.values())), 'groups kept original', kept_orig, '/', len(groups))
