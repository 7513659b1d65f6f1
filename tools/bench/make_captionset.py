#!/usr/bin/env python3
"""Captioned and overlaid copies of real photos (issue 19 item 2), plus two different flat wallpapers of the same
layout in other colours (item 3). Writes /tmp/captionset/lib and truth.json. Needs Pillow and DejaVu fonts.

Photos: Debian lomiri wallpapers, unpacked with `apt-get download lomiri-wallpapers-20.04 lomiri-wallpapers-16.04`
+ `dpkg-deb -x` into /tmp/walls/x. For each photo, copies a user's library really holds: a dark caption bar at the
bottom (10, 18 and 25% high), a white title bar at the top, meme text on the picture, a large semi-transparent
watermark across it, a corner logo, a caption bar on a resized, re-compressed copy, a title bar and a bottom bar on the
same copy, and caption bars added outside the photo (the canvas made taller: 15 % below, 12 % above).

Colour case: a teal and a pink wallpaper, each a flat field with white shapes along the right edge (different
shapes), each with its own grayscale, tilted, cropped and captioned copies. truth.json maps each original to its
copies; the scorer checks that the two designs never share a group."""
import glob, json, os, random
from PIL import Image, ImageDraw, ImageFont, ImageOps

OUT = '/tmp/captionset'
FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'
rng = random.Random(19)
lib = f'{OUT}/lib'
os.makedirs(lib, exist_ok=True)


def font(px):
    return ImageFont.truetype(FONT, max(8, int(px)))


def bar(im, frac, top=False, fill=(18, 18, 18), ink=(255, 255, 255), text='Holiday 2024 - with the family at the lake'):
    c = im.copy(); w, h = c.size; d = ImageDraw.Draw(c); bh = int(h * frac)
    y0 = 0 if top else h - bh
    d.rectangle((0, y0, w, y0 + bh), fill=fill)
    d.text((int(w * .04), y0 + bh * .2), text, font=font(bh * .5), fill=ink)
    return c


def meme(im):
    c = im.copy(); w, h = c.size; d = ImageDraw.Draw(c); f = font(h * .09)
    for y, t in ((h * .03, 'WHEN THE WEEKEND'), (h * .85, 'FINALLY ARRIVES')):
        d.text((w * .08, y), t, font=f, fill=(255, 255, 255), stroke_width=max(2, int(h * .006)), stroke_fill=(0, 0, 0))
    return c


def watermark(im):
    c = im.convert('RGBA'); w, h = c.size
    layer = Image.new('RGBA', c.size, (0, 0, 0, 0)); d = ImageDraw.Draw(layer)
    d.text((w * .12, h * .4), '© STOCKPHOTO', font=font(h * .14), fill=(255, 255, 255, 110))
    return Image.alpha_composite(c, layer).convert('RGB')


def logo(im):
    c = im.copy(); w, h = c.size; d = ImageDraw.Draw(c); s = int(min(w, h) * .16)
    d.ellipse((w - s - w * .03, h - s - h * .03, w - w * .03, h - h * .03), fill=(230, 40, 40))
    d.text((w - s - w * .03 + s * .2, h - s - h * .03 + s * .3), 'TV', font=font(s * .4), fill=(255, 255, 255))
    return c


def title_and_bar(im):
    return bar(bar(im, .12, top=True, fill=(250, 250, 250), ink=(20, 20, 20), text='Day 3: the old town'), .12)


def extend(im, frac, top=False, fill=(18, 18, 18), ink=(255, 255, 255), text='Holiday 2024 - with the family'):
    """A caption bar added outside the photo: the canvas grows by `frac` of the photo's height."""
    w, h = im.size; bh = int(h * frac)
    c = Image.new('RGB', (w, h + bh), fill); c.paste(im, (0, bh if top else 0))
    y0 = 0 if top else h
    ImageDraw.Draw(c).text((int(w * .04), y0 + bh * .2), text, font=font(bh * .5), fill=ink)
    return c


def small_caption(im):
    c = im.copy(); c.thumbnail((640, 640)); return bar(c, .14, text='sent from my phone')


edits = [
    ('bar10', lambda im: bar(im, .10)),
    ('bar18', lambda im: bar(im, .18)),
    ('bar25', lambda im: bar(im, .25, text='Look at this view!!')),
    ('titletop', lambda im: bar(im, .14, top=True, fill=(250, 250, 250), ink=(20, 20, 20), text='Day 3: the old town')),
    ('meme', meme),
    ('watermark', watermark),
    ('logo', logo),
    ('smallcap', small_caption),
    ('titlebar', title_and_bar),
    ('extend15', lambda im: extend(im, .15)),
    ('extendtop', lambda im: extend(im, .12, top=True, fill=(250, 250, 250), ink=(20, 20, 20), text='Day 3: the old town')),
]

truth = {}
seen = set()
photos = sorted(glob.glob('/tmp/walls/x/usr/share/backgrounds/*.jpg')) + sorted(glob.glob('/tmp/walls/x/usr/share/backgrounds/*.png'))
for i, p in enumerate(photos):
    im = Image.open(p).convert('RGB'); im.thumbnail((1600, 1600))
    key = im.resize((8, 8)).tobytes()
    if key in seen:  # the package ships one picture under two names
        continue
    seen.add(key)
    base = f'{lib}/p{i:02d}.jpg'; im.save(base, quality=92)
    truth[base] = []
    for name, f in edits:
        q = f'{lib}/p{i:02d}_{name}.jpg'; f(im).save(q, quality=60 if name == 'smallcap' else 88); truth[base].append(q)


def flat_wallpaper(bg, shapes, size=(1600, 1000)):
    """A flat field with white shapes along the right edge, as many vendor wallpapers are."""
    im = Image.new('RGB', size, bg); d = ImageDraw.Draw(im); w, h = size
    for kind, x, y, s in shapes:
        box = (w * x, h * y, w * x + h * s, h * y + h * s)
        if kind == 'circle':
            d.ellipse(box, fill=(255, 255, 255))
        elif kind == 'square':
            d.rectangle(box, fill=(255, 255, 255))
        else:
            d.polygon([(box[0], box[3]), ((box[0] + box[2]) / 2, box[1]), (box[2], box[3])], fill=(255, 255, 255))
    return im


designs = {
    'teal': flat_wallpaper((0, 128, 128), [('circle', .78, .12, .22), ('square', .84, .45, .16), ('tri', .76, .70, .2)]),
    'pink': flat_wallpaper((236, 96, 160), [('square', .80, .10, .2), ('circle', .82, .42, .2), ('circle', .77, .72, .18)]),
}
for name, im in designs.items():
    w, h = im.size
    base = f'{lib}/flat_{name}.jpg'; im.save(base, quality=92); truth[base] = []
    copies = {
        'gray': ImageOps.grayscale(im).convert('RGB'),
        'tilt': im.rotate(3, resample=Image.BICUBIC).crop((int(w * .05), int(h * .05), int(w * .95), int(h * .95))),
        'crop': im.crop((int(w * .1), int(h * .1), int(w * .9), int(h * .9))),
        'caption': bar(im, .15),
        'small': im.resize((w // 3, h // 3)),
        'graycaption': bar(ImageOps.grayscale(im).convert('RGB'), .15),
    }
    for k, c in copies.items():
        q = f'{lib}/flat_{name}_{k}.jpg'; c.save(q, quality=85); truth[base].append(q)
json.dump(truth, open(f'{OUT}/truth.json', 'w'), indent=1)
print(len(truth), 'originals,', sum(len(v) for v in truth.values()), 'copies in', lib)
