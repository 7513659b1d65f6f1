#!/usr/bin/env python3
"""shared/bench/baseline_torch.py (the seed recipe: PIL decode -> Resize(224) -> CenterCrop -> normalise
-> ResNet avg-pool features in batches), with the model and batches on a CUDA GPU.
Usage: baseline_torch_cuda.py DIR [resnet18|resnet50] [batch]   Prints images/s."""
import os, sys, time, torch, torchvision
from PIL import Image
torch.set_num_threads(os.cpu_count())
d = sys.argv[1]; arch = sys.argv[2] if len(sys.argv) > 2 else "resnet50"; bs = int(sys.argv[3]) if len(sys.argv) > 3 else 32
m = getattr(torchvision.models, arch)(weights=None).eval().cuda(); m.fc = torch.nn.Identity()
tf = torchvision.transforms.Compose([torchvision.transforms.Resize(224), torchvision.transforms.CenterCrop(224),
     torchvision.transforms.ToTensor(), torchvision.transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
files = sorted(os.path.join(r, f) for r, _, fs in os.walk(d) for f in fs if f.lower().endswith((".jpg", ".jpeg", ".png", ".webp")))
with torch.inference_mode():
    m(torch.zeros(1, 3, 224, 224, device="cuda")); torch.cuda.synchronize()  # CUDA context and cuDNN warm-up
    t = time.time(); feats = []; batch = []
    for f in files:
        batch.append(tf(Image.open(f).convert("RGB")))
        if len(batch) == bs: feats.append(torch.nn.functional.normalize(m(torch.stack(batch).cuda())).cpu()); batch = []
    if batch: feats.append(torch.nn.functional.normalize(m(torch.stack(batch).cuda())).cpu())
    el = time.time() - t
print(f"torch cuda {arch}: {len(files)} images in {el:.1f}s = {len(files)/el:.2f} images/s")
