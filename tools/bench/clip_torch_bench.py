#!/usr/bin/env python3
"""PyTorch timing of CLIP ViT-B/32's image tower, to compare with Lookalike's Candle version.

Runs transformers' `CLIPVisionModelWithProjection` (default `CLIPVisionConfig()` = ViT-B/32) in
float32 on the CPU, on the vision weights of a CLIPModel `.safetensors` file (the one the Rust
benchmark writes, so both sides run the same weights), batch 16, 2 threads by default, and
prints images/s. The Rust side:

    LOOKALIKE_CLIP_BENCH_FILE=/tmp/clip-b32-bench.safetensors RAYON_NUM_THREADS=2 \\
      cargo test --locked --test tests -- --ignored --nocapture clip_parity::bench::vit_b32_throughput
    /tmp/clipenv/bin/python tools/bench/clip_torch_bench.py /tmp/clip-b32-bench.safetensors

Without a file it uses transformers' random initialisation (same speed). Numerical agreement
is tests/clip_parity.rs's job, not this script's.
"""

import argparse
import time

import torch
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection


def load(path: str | None) -> CLIPVisionModelWithProjection:
    model = CLIPVisionModelWithProjection(CLIPVisionConfig(projection_dim=512))
    if path:
        from safetensors.torch import load_file

        sd = load_file(path)
        wanted = {k: v for k, v in sd.items() if k.startswith(("vision_model.", "visual_projection."))}
        missing, unexpected = model.load_state_dict(wanted, strict=False)
        missing = [k for k in missing if not k.endswith("position_ids")]
        assert not missing and not unexpected, (missing, unexpected)
    return model.eval().float()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("weights", nargs="?", help="CLIPModel .safetensors (optional)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load(args.weights)
    side = model.config.image_size
    g = torch.Generator().manual_seed(0)
    x = torch.randn(args.batch, 3, side, side, generator=g) * 0.9
    with torch.inference_mode():
        model(pixel_values=x)  # warm-up
        t = time.perf_counter()
        for _ in range(args.rounds):
            model(pixel_values=x).image_embeds
        dt = time.perf_counter() - t
    n = args.batch * args.rounds
    print(
        f"PyTorch {torch.__version__} CLIPVisionModelWithProjection ViT-B/32, batch {args.batch}, "
        f"{args.threads} threads, {args.rounds} rounds: {n / dt:.2f} images/s"
    )


if __name__ == "__main__":
    main()
