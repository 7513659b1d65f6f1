"""200 camera-sized (4000x3000) JPEGs with photo-like content: smooth colour fields, edges and grain."""
import os, sys
from multiprocessing import Pool
import numpy as np
from PIL import Image, ImageDraw, ImageFilter
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
def make(i):
    r = np.random.default_rng(i)
    small = (r.random((12, 16, 3)) * 255).astype(np.uint8)
    img = Image.fromarray(small).resize((4000, 3000), Image.BICUBIC)
    d = ImageDraw.Draw(img)
    for _ in range(40):
        x, y = r.integers(0, 4000), r.integers(0, 3000); s = r.integers(50, 900)
        d.ellipse([x, y, x + s, y + s * 0.7], fill=tuple(int(v) for v in r.integers(0, 255, 3)))
    img = img.filter(ImageFilter.GaussianBlur(3))
    a = np.asarray(img).astype(np.int16) + r.integers(-12, 12, (3000, 4000, 3), dtype=np.int16)
    Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).save(f"{out}/img{i:04d}.jpg", quality=92)
with Pool(16) as p: p.map(make, range(n))
