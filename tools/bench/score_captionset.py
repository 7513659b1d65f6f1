#!/usr/bin/env python3
"""Score `lookalike dupes --json` on the caption set (make_captionset.py): pair precision, recall per kind of
caption or overlay, whether the teal and pink flat wallpapers (different pictures) share a group, and how many groups
keep a copy whose canvas a caption bar extended (extend15, extendtop) over its original (the keeper, item 4).
Usage: score_captionset.py DUPES.json [QUERY_DIR]
QUERY_DIR, when given, holds `query ORIGINAL --json -k 20` answers named after each original's file name
(p03.json...): the share of copies in each original's top 20 is printed per kind."""
import json, sys, itertools, os
truth = json.load(open('/tmp/captionset/truth.json'))
groups = [[p['path'] for p in g['photos']] for g in json.load(open(sys.argv[1]))['groups']]
src_of = {}
for o, cs in truth.items():
    src_of[o] = o
    for c in cs: src_of[c] = o
gid = {}
for i, g in enumerate(groups):
    for p in g: gid[p] = i
kind_of = lambda c: c.rsplit('_', 1)[1][:-4]
found, tot = {}, {}
for o, cs in truth.items():
    for c in cs:
        k = kind_of(c)
        tot[k] = tot.get(k, 0) + 1
        if o in gid and gid.get(c) == gid[o]: found[k] = found.get(k, 0) + 1
pairs = good = 0
for g in groups:
    for a, b in itertools.combinations(g, 2):
        pairs += 1; good += src_of.get(a) == src_of.get(b)
design = lambda p: 'teal' if 'flat_teal' in p else 'pink' if 'flat_pink' in p else None
mixed = sum(1 for g in groups if {'teal', 'pink'} <= {design(p) for p in g})
photo_kinds = {'bar10', 'bar18', 'bar25', 'titletop', 'meme', 'watermark', 'logo', 'smallcap', 'titlebar', 'extend15',
               'extendtop'}
pf = sum(found.get(k, 0) for k in photo_kinds); pt = sum(tot.get(k, 0) for k in photo_kinds)
print('pairs', pairs, 'precision %.3f' % (good / max(pairs, 1)),
      'recall of captioned/overlaid photos %.3f' % (pf / max(pt, 1)), 'groups mixing teal+pink', mixed)
print('found', {k: f'{found.get(k, 0)}/{v}' for k, v in tot.items()})
# The keeper (item 4): a group holding an original and its copy whose canvas a caption bar extended
# (extend15, extendtop) must not keep that copy.
keeps = {g['keep'] for g in json.load(open(sys.argv[1]))['groups']}
ext_groups = [g for g in groups if any(p in truth for p in g) and any(kind_of(p).startswith('extend') for p in g if p not in truth)]
ext_kept = sum(1 for g in ext_groups if any(p in keeps and p not in truth and kind_of(p).startswith('extend') for p in g))
print('keeper: groups with an original and a canvas-extending caption copy', len(ext_groups),
      'keeping such a copy', ext_kept)
if len(sys.argv) > 2:
    hit, n = {}, {}
    for o, cs in truth.items():
        f = os.path.join(sys.argv[2], os.path.basename(o)[:-4] + '.json')
        if not os.path.exists(f): continue
        res = json.load(open(f))
        res = res.get('results', res) if isinstance(res, dict) else res
        top = {r['path'] for r in res}
        for c in cs:
            k = kind_of(c); n[k] = n.get(k, 0) + 1; hit[k] = hit.get(k, 0) + (c in top)
    qp = sum(hit.get(k, 0) for k in photo_kinds); qt = sum(n.get(k, 0) for k in photo_kinds)
    print('query top-20: captioned/overlaid %.3f' % (qp / max(qt, 1)), {k: f'{hit.get(k, 0)}/{v}' for k, v in n.items()})
# The keeper, a caption drawn over the picture: groups holding an original that keep a copy other than the
# original and the canvas-extending ones (a meme, a title bar, a logo...), listed by name.
orig_groups = [g for g in json.load(open(sys.argv[1]))['groups'] if any(p['path'] in truth for p in g['photos'])]
drawn_kept = [g['keep'] for g in orig_groups if g['keep'] not in truth and not kind_of(g['keep']).startswith('extend')]
print('keeper: groups with an original keeping a copy drawn over', len(drawn_kept), 'of', len(orig_groups),
      sorted(os.path.basename(p) for p in drawn_kept))
