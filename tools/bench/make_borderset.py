#!/usr/bin/env python3
"""Framed, letterboxed, square-padded and shadowed copies of real photos (Debian lomiri wallpapers, unpacked
with `apt-get download lomiri-wallpapers-20.04 lomiri-wallpapers-16.04` + `dpkg-deb -x` into /tmp/walls/x),
for issue 19 item 1/4. Writes /tmp/borderset/lib and truth.json. Needs Pillow."""
import os, sys, glob, json
from PIL import Image, ImageOps
src = sorted(glob.glob('/tmp/walls/x/usr/share/backgrounds/*.jpg'))[:20]
out = '/tmp/borderset/lib'; os.makedirs(out, exist_ok=True)
truth = {}
for i, p in enumerate(src):
    im = Image.open(p).convert('RGB'); im.thumbnail((1600, 1600))
    w, h = im.size
    base = f'{out}/p{i:02d}.jpg'; im.save(base, quality=92)
    copies = []
    # white passe-partout, 12% each side
    m = int(0.12 * max(w, h)); c = Image.new('RGB', (w + 2*m, h + 2*m), (255, 255, 255)); c.paste(im, (m, m))
    copies.append(('frame', c))
    # black letterbox to 16:9 / pillarbox
    if w / h > 1:
        H = int(w * 1.0); c = Image.new('RGB', (w, H), (0, 0, 0)); c.paste(im, (0, (H - h)//2))
    else:
        W = int(h * 1.0); c = Image.new('RGB', (W, h), (0, 0, 0)); c.paste(im, ((W - w)//2, 0))
    copies.append(('square-black', c))
    # instagram-style white square padding, smaller export
    s = max(w, h); c = Image.new('RGB', (s, s), (250, 250, 250)); c.paste(im, ((s - w)//2, (s - h)//2)); c = c.resize((1080, 1080))
    copies.append(('insta', c))
    # framed print with a grey shadow
    m = int(0.08 * max(w, h)); c = Image.new('RGB', (w + 2*m, h + 2*m), (245, 245, 245))
    sh = Image.new('RGB', (w, h), (200, 200, 200)); c.paste(sh, (m + 6, m + 6)); c.paste(im, (m, m))
    copies.append(('shadow', c))
    truth[base] = []
    for name, c in copies:
        q = f'{out}/p{i:02d}_{name}.jpg'; c.save(q, quality=88); truth[base].append(q)
json.dump(truth, open('/tmp/borderset/truth.json', 'w'))
print(len(truth), 'originals')
