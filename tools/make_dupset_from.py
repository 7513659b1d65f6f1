#!/usr/bin/env python3
"""Build a near-duplicate benchmark (same edits and truth format as shared/bench/make_dupset.py) from
real photos in Debian wallpaper packages other than lomiri, so duplicate detection is measured on photos
it was not tuned on.

Usage: make_dupset_from.py OUT_DIR [CACHE_DIR] [--packages p1,p2,...]
Default packages: mate-backgrounds ukui-wallpapers plasma-workspace-wallpapers gnome-backgrounds.
Writes OUT_DIR/lib/GROUP/... and OUT_DIR/truth.json {relative path: {"group": g, "kind": k}}; score with
shared/bench/score_dupes.py. Needs Pillow. Deterministic.

Grouping of the source files (one group = one picture):
- Plasma: /usr/share/wallpapers/NAME/contents/images/*  -> group NAME (several resolutions = "natural"
  variants); images_dark/* -> group NAME-dark (a different picture: a hard negative).
- Elsewhere: the file stem with a trailing _WIDTHxHEIGHT removed (mate's Elephants_3840x2160.jpg joins
  Elephants.jpg). GNOME's -l/-d pairs stay separate groups (light and dark designs are not duplicates).
- Images with transparency are skipped (overlays, not photos).
- OUT_DIR/variants/truth.json scores designer colour variants (GNOME -l/-d, Plasma X-dark, Ubuntu
  MATE colour schemes) as one picture; OUT_DIR/truth.json keeps them apart (strict).
- Symlinks and byte-identical files are merged into the group of the file they repeat, so the truth never
  calls two copies of one picture different (make_dupset.py's lomiri set has such a pair).
"""
import glob, hashlib, json, os, re, shutil, subprocess, sys
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

args = [a for a in sys.argv[1:] if not a.startswith("--packages")]
pk = ["mate-backgrounds", "ukui-wallpapers", "plasma-workspace-wallpapers", "gnome-backgrounds"]
for a in sys.argv[1:]:
    if a.startswith("--packages"):
        pk = a.split("=", 1)[1].split(",")
out = os.path.abspath(args[0])
cache = os.path.abspath(args[1] if len(args) > 1 else "/tmp/dupset2-cache")
os.makedirs(cache, exist_ok=True)
x = os.path.join(cache, "x")
if not os.path.isdir(x):
    subprocess.run(["apt-get", "download"] + pk, cwd=cache, check=True, capture_output=True)
    for deb in sorted(glob.glob(os.path.join(cache, "*.deb"))):
        subprocess.run(["dpkg", "-x", deb, x], check=True)

EXTS = (".jpg", ".jpeg", ".png", ".webp")
files = []
for root, _, names in os.walk(x):
    for n in names:
        p = os.path.join(root, n)
        if n.lower().endswith(EXTS) and os.path.isfile(p) and os.path.getsize(p) > 100_000:
            files.append(p)
files.sort()


def group_of(p):
    m = re.search(r"/wallpapers/([^/]+)/contents/(images_dark|images|screenshot)", p)
    if m:
        return m.group(1) + ("-dark" if m.group(2) == "images_dark" else "")
    stem = os.path.splitext(os.path.basename(p))[0]
    return re.sub(r"_\d+x\d+$", "", stem)


groups, by_content = {}, {}
for f in files:
    real = os.path.realpath(f)
    digest = hashlib.blake2b(open(real, "rb").read(), digest_size=16).hexdigest()
    if digest in by_content:  # a symlink or byte-identical copy: one picture, one group
        continue
    by_content[digest] = f
    groups.setdefault(group_of(f), []).append(f)

shutil.rmtree(out, ignore_errors=True)
os.makedirs(out + "/lib")
truth = {}


def save(img, rel, group, kind, **kw):
    p = os.path.join(out, "lib", rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    img.save(p, **kw)
    truth[rel] = {"group": group, "kind": kind}


for g, fs in sorted(groups.items()):
    imgs = []
    for f in fs:
        try:
            im = Image.open(f)
            im.load()
            # Transparent overlays (mate's Stripes, Silk, Waves...) are not photos: flattened they
            # are blank frames that every detector rightly calls identical.
            if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
                if im.convert("RGBA").getextrema()[3][0] < 255:
                    print("skip transparent", f, file=sys.stderr)
                    continue
            imgs.append((f, im.convert("RGB")))
        except Exception as e:  # noqa: BLE001 - report and continue
            print("skip", f, e, file=sys.stderr)
    if not imgs:
        continue
    imgs.sort(key=lambda t: -t[1].size[0] * t[1].size[1])
    base = imgs[0][1]
    if max(base.size) > 4000:
        base.thumbnail((4000, 4000), Image.LANCZOS)
    d = g + "/"
    save(base, d + "original.jpg", g, "original", quality=92)
    for i, (f, im) in enumerate(imgs[1:]):
        ext = os.path.splitext(f)[1].lower()
        shutil.copy(f, os.path.join(out, "lib", d + f"natural{i}{ext}"))
        truth[d + f"natural{i}{ext}"] = {"group": g, "kind": "natural"}
    w, h = base.size
    small = base.copy()
    small.thumbnail((800, 800), Image.LANCZOS)
    save(small, d + "resized.jpg", g, "resize", quality=60)
    c = base.crop((int(w * .1), int(h * .1), int(w * .9), int(h * .9)))
    save(c, d + "crop80.jpg", g, "crop", quality=85)
    b = ImageEnhance.Contrast(ImageEnhance.Brightness(base).enhance(1.25)).enhance(0.9)
    save(b, d + "bright.jpg", g, "color", quality=88)
    t = base.copy()
    dr = ImageDraw.Draw(t)
    dr.rectangle((0, int(h * .85), w, h), fill=(20, 20, 20))
    dr.text((int(w * .05), int(h * .88)), "(c) holiday 2024  " * 3, fill=(255, 255, 255))
    save(t, d + "caption.jpg", g, "overlay", quality=88)
    save(ImageOps.grayscale(base), d + "gray.jpg", g, "gray", quality=88)
    r = base.rotate(3, resample=Image.BICUBIC, expand=False).crop(
        (int(w * .05), int(h * .05), int(w * .95), int(h * .95)))
    save(r, d + "tilt3.jpg", g, "tilt", quality=88)
    save(ImageOps.mirror(base), d + "mirror.jpg", g, "hard-mirror", quality=88)
    save(base.rotate(90, expand=True), d + "rot90.jpg", g, "hard-rot90", quality=88)
    ex = Image.Exif()
    ex[0x0112] = 6
    save(base.rotate(90, expand=True), d + "exif6.jpg", g, "exif-orientation", quality=90, exif=ex)

json.dump(truth, open(os.path.join(out, "truth.json"), "w"), indent=1, sort_keys=True)


def family(g):
    """Designer colour variants of one picture: GNOME's X-l/X-d, Plasma's X/X-dark, Ubuntu MATE's
    colour schemes."""
    if re.fullmatch(r".+-[ld]", g):
        return g[:-2]
    if g.endswith("-dark"):
        return g[: -len("-dark")]
    if g.startswith("Ubuntu-Mate-") and g.endswith("-no-logo"):
        return "Ubuntu-Mate"
    return g


# A second truth where colour variants of one design count as the same picture (recoloured copies,
# like the gray and brightened edits). The family's first variant keeps its original and edits;
# the other variants' files become "natural" members (they count for precision, not edit recall).
def write_variants_truth(truth, out):
    primary = {}
    for g in sorted({t["group"] for t in truth.values()}):
        primary.setdefault(family(g), g)
    merged = {}
    for rel, t in truth.items():
        fam = family(t["group"])
        kind = t["kind"] if primary[fam] == t["group"] else "natural"
        merged[rel] = {"group": fam, "kind": kind}
    os.makedirs(os.path.join(out, "variants"), exist_ok=True)
    link = os.path.join(out, "variants", "lib")
    if not os.path.islink(link):
        os.symlink(os.path.join(out, "lib"), link)
    json.dump(merged, open(os.path.join(out, "variants", "truth.json"), "w"), indent=1, sort_keys=True)


write_variants_truth(truth, out)
