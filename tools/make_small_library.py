# 100k small distinct JPEGs (smooth random layouts + noise) for start-up / re-index / query timing.
# Usage: python3 tools/make_small_library.py OUT_DIR 100000   (needs numpy and Pillow)
import os, sys, random
from PIL import Image
import numpy as np
out = sys.argv[1]; n = int(sys.argv[2])
rng = np.random.default_rng(7)
yy, xx = np.mgrid[0:48, 0:64] / 64.0
for i in range(n):
    d = os.path.join(out, f"{i // 1000:03d}")
    if i % 1000 == 0: os.makedirs(d, exist_ok=True)
    f = rng.uniform(1, 6, size=6); ph = rng.uniform(0, 6, size=3)
    img = np.stack([127 + 100*np.sin(f[2*c]*xx*3 + ph[c]) * np.cos(f[2*c+1]*yy*3) for c in range(3)], -1)
    img += rng.normal(0, 8, img.shape)
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(os.path.join(d, f"p{i:06d}.jpg"), quality=85)
