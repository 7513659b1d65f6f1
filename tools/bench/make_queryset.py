#!/usr/bin/env python3
"""Edited copies of real photos for the query benchmark (issue 19: "`query` with the original: edited copies in the
top 20"). Writes OUT/lib (default /tmp/queryset) and OUT/truth.json {original: [copies]}. Needs Pillow and DejaVu fonts.

Photos, all real and all from Debian packages (`apt-get download PKG` + `dpkg-deb -x PKG.deb DIR`):
  lomiri-wallpapers-20.04 lomiri-wallpapers-16.04  -> /tmp/walls/x   (as make_captionset.py)
  ukui-wallpapers mate-backgrounds                  -> /tmp/i19q/x
  plasma-workspace-wallpapers gnome-backgrounds     -> /tmp/i19q/y
Pictures under 100 kB (flat vector art), the same picture under another name or size, and the portrait, dark and
screenshot variants that Plasma and GNOME ship beside a wallpaper are skipped. Each photo gets the copies a user's library
holds, one of each kind: a white passe-partout frame, square padding (Instagram), black letterbox, an 80 % crop,
grayscale, a caption bar, a 3-degree tilt, a re-compressed copy and a 320 px thumbnail. Every other photo and its
copies are the distractors of a query. With --scenes, each photo also gives 9 other "shots of the same scene" (its
3x3 tiles, not copies: a ninth of the picture each), hard distractors like a burst or a pan in a real library.
Usage: make_queryset.py [--scenes] [OUT] [MORE_SOURCE_DIRS...]"""
import glob, json, os, re, sys
from PIL import Image, ImageDraw, ImageFont, ImageOps

SCENES = '--scenes' in sys.argv
ARGS = [a for a in sys.argv[1:] if a != '--scenes']
OUT = ARGS[0] if ARGS else '/tmp/queryset'
SOURCES = ['/tmp/walls/x', '/tmp/i19q/x', '/tmp/i19q/y'] + ARGS[1:]
VARIANT = re.compile(r'images_dark|screenshot|/(1080x1920|720x1440|1622x2880)\.|-d\.webp$')
FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'
lib = f'{OUT}/lib'
os.makedirs(lib, exist_ok=True)


def caption(im, frac=0.14, text='Holiday 2024 - with the family at the lake'):
    c = im.copy(); w, h = c.size; d = ImageDraw.Draw(c); bh = int(h * frac)
    d.rectangle((0, h - bh, w, h), fill=(18, 18, 18))
    d.text((int(w * .04), h - bh + bh * .2), text, font=ImageFont.truetype(FONT, max(8, int(bh * .5))), fill=(255, 255, 255))
    return c


def frame(im):
    w, h = im.size; m = int(0.12 * max(w, h))
    c = Image.new('RGB', (w + 2 * m, h + 2 * m), (255, 255, 255)); c.paste(im, (m, m)); return c


def pad(im):
    w, h = im.size; s = max(w, h)
    c = Image.new('RGB', (s, s), (250, 250, 250)); c.paste(im, ((s - w) // 2, (s - h) // 2)); return c.resize((1080, 1080))


def letterbox(im):
    w, h = im.size; H = int(w * 0.75) if w / h > 4 / 3 else int(h * 1.3)
    W = w if w / h > 4 / 3 else w
    c = Image.new('RGB', (W, max(H, h)), (0, 0, 0)); c.paste(im, (0, (max(H, h) - h) // 2)); return c


def crop80(im):
    w, h = im.size; return im.crop((int(w * .1), int(h * .1), int(w * .9), int(h * .9)))


def tilt3(im):
    w, h = im.size
    return im.rotate(3, resample=Image.BICUBIC).crop((int(w * .05), int(h * .05), int(w * .95), int(h * .95)))


def thumb(im):
    c = im.copy(); c.thumbnail((320, 320)); return c


edits = [
    ('frame', frame, 88), ('pad', pad, 88), ('letterbox', letterbox, 88), ('crop80', crop80, 85),
    ('gray', lambda im: ImageOps.grayscale(im).convert('RGB'), 88), ('caption', caption, 88), ('tilt3', tilt3, 88),
    ('recompress', lambda im: im, 40), ('thumb', thumb, 75),
]

photos = []
for s in SOURCES:
    for ext in ('jpg', 'jpeg', 'png', 'webp'):
        photos += glob.glob(f'{s}/**/*.{ext}', recursive=True)
truth, seen = {}, set()  # seen: 16x16 grayscale layouts of the photos kept
for p in sorted(photos):
    if os.path.getsize(p) < 100_000 or VARIANT.search(p):
        continue
    full = Image.open(p).convert('RGB'); im = full.copy(); im.thumbnail((1600, 1600))
    key = list(im.convert('L').resize((16, 16)).tobytes())
    if any(sum(abs(a - b) for a, b in zip(key, k)) < 256 * 6 for k in seen):  # one picture under two names or sizes
        continue
    seen.add(tuple(key))
    n = len(truth)
    base = f'{lib}/q{n:03d}.jpg'; im.save(base, quality=92); truth[base] = []
    for name, f, q in edits:
        c = f'{lib}/q{n:03d}_{name}.jpg'; f(im).save(c, quality=q); truth[base].append(c)
    W, H = full.size
    for t in range(9 if SCENES else 0):
        x, y = t % 3, t // 3
        tile = full.crop((x * W // 3, y * H // 3, (x + 1) * W // 3, (y + 1) * H // 3)); tile.thumbnail((1200, 1200))
        tile.save(f'{lib}/s{n:03d}-{t}.jpg', quality=90)
json.dump(truth, open(f'{OUT}/truth.json', 'w'), indent=1)
print(len(truth), 'originals,', sum(len(v) for v in truth.values()), 'copies in', lib)
