#!/usr/bin/env python3
"""Query benchmark (issue 19): for each original of a query set (make_queryset.py), `lookalike query ORIGINAL
--json -k 20` and count how many of its edited copies are in the top 20, per kind of edit.

Usage: score_query_top20.py LOOKALIKE DATA_DIR [SET_DIR] [--index] [--model M]
  LOOKALIKE  the binary (a release build: target/release/lookalike)
  DATA_DIR   a data dir of its own (`--index` indexes SET_DIR/lib into it first, with M, default: the default model)
  SET_DIR    default /tmp/queryset
Prints the share found per kind, overall, the same for the top N alone (N = the number of copies of each original:
a strict score that stands for a library where many more look-alikes compete), the queries that missed copies, and the median wall time of one query
(the whole CLI process: start, model load, embedding, search)."""
import json, os, subprocess, sys, time

args = [a for a in sys.argv[1:] if not a.startswith('--')]
flags = sys.argv[1:]
exe, data = args[0], args[1]
sdir = args[2] if len(args) > 2 else '/tmp/queryset'
model = flags[flags.index('--model') + 1] if '--model' in flags else None
if model in args:
    args.remove(model)
truth = json.load(open(f'{sdir}/truth.json'))
if '--index' in flags:
    cmd = [exe, '--data-dir', data, 'index', f'{sdir}/lib'] + (['--model', model] if model else [])
    t = time.time(); subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    print(f'indexed in {time.time() - t:.1f} s')
kind_of = lambda c: os.path.basename(c).rsplit('_', 1)[1][:-4]
hit, tot, misses, walls, strict = {}, {}, [], [], {}
for o, copies in sorted(truth.items()):
    t = time.time()
    out = subprocess.run([exe, '--data-dir', data, 'query', o, '--json', '-k', '20'], check=True,
                         capture_output=True, text=True).stdout
    walls.append(time.time() - t)
    ranked = [os.path.realpath(r['path']) for r in json.loads(out)]
    top, top_n = set(ranked), set(ranked[:len(copies)])
    for c in copies:
        k = kind_of(c); tot[k] = tot.get(k, 0) + 1
        strict[k] = strict.get(k, 0) + (os.path.realpath(c) in top_n)
        if os.path.realpath(c) in top:
            hit[k] = hit.get(k, 0) + 1
        else:
            misses.append(os.path.basename(c))
n, h = sum(tot.values()), sum(hit.values())
print(f'copies in the top 20: {h}/{n} = {h / max(n, 1):.3f}')
print('per kind: ' + ', '.join(f'{k} {hit.get(k, 0) / v:.0%} ({hit.get(k, 0)}/{v})' for k, v in sorted(tot.items())))
print(f'copies in the top N: {sum(strict.values())}/{n} = {sum(strict.values()) / max(n, 1):.3f}; per kind: '
      + ', '.join(f'{k} {strict.get(k, 0) / v:.0%}' for k, v in sorted(tot.items())))
print('missed:', ' '.join(sorted(misses)))
walls.sort()
print(f'query wall time, median of {len(walls)}: {walls[len(walls) // 2] * 1000:.0f} ms')
