//! Our CLIP towers against `candle_transformers::models::clip` (parity on the small model, and an
//! `#[ignore]`d ViT-B/32 image-tower throughput comparison; PyTorch's side of that comparison is
//! `tools/bench/clip_torch_bench.py`, run on the same weights file).
//!
//! ```text
//! LOOKALIKE_CLIP_BENCH_FILE=/tmp/clip-b32-bench.safetensors RAYON_NUM_THREADS=2 \
//!   cargo test --locked --test tests -- --ignored --nocapture clip_parity::bench::vit_b32_throughput
//! /tmp/clipenv/bin/python tools/bench/clip_torch_bench.py /tmp/clip-b32-bench.safetensors
//! ```

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use candle_core::{DType, Device, IndexOp, Module, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::clip::text_model::{
    Activation, ClipTextConfig, ClipTextTransformer,
};
use candle_transformers::models::clip::vision_model::{ClipVisionConfig, ClipVisionTransformer};
use lookalike::core::embed::clip::bf16_matmul::PackedBf16;
use lookalike::core::embed::clip::model::{ClipImageEmbedder, ClipShape, inspect};
use lookalike::core::embed::clip::precision::ClipPrecision;
use lookalike::core::embed::clip::vision::preprocess;

use super::support::{reference, write_small, write_sparse};
use crate::resnet_support::{cosine, unit};

/// Candle's own CLIP towers (+ projections) for the checkpoint at `path`.
struct CandleClip {
    vision: ClipVisionTransformer,
    text: ClipTextTransformer,
    visual_projection: candle_nn::Linear,
    text_projection: candle_nn::Linear,
}

fn candle_clip(path: &Path, s: &ClipShape, mlp: (usize, usize)) -> CandleClip {
    let tensors: HashMap<String, Tensor> =
        candle_core::safetensors::load(path, &Device::Cpu).expect("load");
    let vb = VarBuilder::from_tensors(tensors, DType::F32, &Device::Cpu);
    let vc = ClipVisionConfig {
        embed_dim: s.vision_width,
        activation: Activation::QuickGelu,
        intermediate_size: mlp.0,
        num_hidden_layers: s.vision_layers,
        num_attention_heads: s.vision_heads(),
        projection_dim: s.embed_dim,
        num_channels: 3,
        image_size: s.image_size,
        patch_size: s.patch_size,
    };
    let tc = ClipTextConfig {
        vocab_size: s.vocab_size,
        embed_dim: s.text_width,
        activation: Activation::QuickGelu,
        intermediate_size: mlp.1,
        max_position_embeddings: s.context_length,
        pad_with: None,
        num_hidden_layers: s.text_layers,
        num_attention_heads: s.text_heads(),
        projection_dim: s.embed_dim,
    };
    CandleClip {
        vision: ClipVisionTransformer::new(vb.pp("vision_model"), &vc).expect("vision"),
        text: ClipTextTransformer::new(vb.pp("text_model"), &tc).expect("text"),
        visual_projection: candle_nn::linear_no_bias(
            s.vision_width,
            s.embed_dim,
            vb.pp("visual_projection"),
        )
        .expect("vp"),
        text_projection: candle_nn::linear_no_bias(
            s.text_width,
            s.embed_dim,
            vb.pp("text_projection"),
        )
        .expect("tp"),
    }
}

/// Candle's CLIP (argmax-of-ids pooling, its causal mask) agrees with transformers on unpadded
/// ids, and on images: our towers and candle's compute the same network.
#[test]
fn candle_transformers_clip_agrees() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = write_small(dir.path(), "clip.safetensors");
    let s = inspect(&path).expect("inspect");
    let c = candle_clip(&path, &s, (512, 512));
    let r = reference();
    for (n, ri) in r.images.iter().enumerate() {
        let crop =
            image::RgbImage::from_raw(r.image_size, r.image_size, ri.crop.clone()).expect("crop");
        let px = preprocess(&crop, r.image_size).expect("pre");
        let side = r.image_size as usize;
        let x = Tensor::from_vec(px, (1, 3, side, side), &Device::Cpu).expect("x");
        let f = c
            .vision
            .forward(&x)
            .and_then(|p| c.visual_projection.forward(&p))
            .expect("vision");
        let v = f.i(0).and_then(|t| t.to_vec1::<f32>()).expect("vec");
        let cos = cosine(&v, &ri.embedding);
        println!("candle_transformers image {n}: cosine {cos:.9}");
        assert!(cos >= 0.99999, "candle image {n}: {cos}");
    }
    for (n, t) in r.texts.iter().enumerate() {
        let ids = Tensor::new(t.ids.as_slice(), &Device::Cpu)
            .and_then(|t| t.unsqueeze(0))
            .expect("ids");
        let f = c
            .text
            .forward(&ids)
            .and_then(|p| c.text_projection.forward(&p))
            .expect("text");
        let v = f.i(0).and_then(|t| t.to_vec1::<f32>()).expect("vec");
        let cos = cosine(&v, &t.embedding);
        println!("candle_transformers text {n}: cosine {cos:.9}");
        assert!(cos >= 0.99999, "candle text {n}: {cos}");
    }
}

/// Images/s of ViT-B/32's image tower on the CPU: ours (in the precision this CPU gets, and in
/// f32 when that is bf16) and candle_transformers', alternating, batch 16, on formula weights
/// (the text half of the file is left as zeros).
#[test]
#[ignore = "benchmark: a 600 MB file and a minute of CPU"]
fn vit_b32_throughput() {
    let file = std::env::var_os("LOOKALIKE_CLIP_BENCH_FILE");
    let dir = tempfile::tempdir().expect("tmp");
    let path = file.map_or_else(|| dir.path().join("b32.safetensors"), Into::into);
    let layout = &reference().full_size_layout;
    if inspect(&path).is_err() {
        write_sparse(&path, layout, |n| {
            n.starts_with("vision_model.") || n == "visual_projection.weight"
        });
    }
    let s = inspect(&path).expect("inspect");
    let batch: usize = std::env::var("LOOKALIKE_CLIP_BENCH_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let rounds: usize = std::env::var("LOOKALIKE_CLIP_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let ours = ClipImageEmbedder::load(&path, &Device::Cpu).expect("ours");
    let ours_f32 = (ours.precision() != ClipPrecision::F32).then(|| {
        ClipImageEmbedder::load_with_precision(&path, &Device::Cpu, ClipPrecision::F32)
            .expect("ours f32")
    });
    let theirs = candle_clip(&path, &s, (3072, 2048));
    let side = s.image_size;
    let px: Vec<f32> = unit("bench-pixels", batch * 3 * side * side)
        .iter()
        .map(|&u| (1.5 * u) as f32)
        .collect();
    let x = Tensor::from_vec(px, (batch, 3, side, side), &Device::Cpu).expect("x");
    let run_ours = || ours.forward(&x).expect("ours");
    let run_theirs = || {
        Device::Cpu
            .with_context(|| {
                theirs
                    .vision
                    .forward(&x)
                    .and_then(|p| theirs.visual_projection.forward(&p))
            })
            .expect("candle")
    };
    let a = run_ours();
    let b = run_theirs();
    let (va, vb) = (
        a.flatten_all().and_then(|t| t.to_vec1::<f32>()),
        b.flatten_all().and_then(|t| t.to_vec1::<f32>()),
    );
    let c = cosine(&va.expect("a"), &vb.expect("b"));
    println!(
        "ours ({}) vs candle_transformers on the batch: cosine {c:.9}",
        ours.precision().as_str()
    );
    assert!(c > 0.9999);
    let (mut t_ours, mut t_f32, mut t_theirs) = (0.0, 0.0, 0.0);
    for _ in 0..rounds {
        let t = Instant::now();
        run_ours();
        t_ours += t.elapsed().as_secs_f64();
        if let Some(o) = &ours_f32 {
            let t = Instant::now();
            o.forward(&x).expect("ours f32");
            t_f32 += t.elapsed().as_secs_f64();
        }
        let t = Instant::now();
        run_theirs();
        t_theirs += t.elapsed().as_secs_f64();
    }
    // Candle's matmul alone at the MLP's shape: the bound for any Candle ViT at this batch.
    let (m, k, nn) = (batch * 50, 768, 3072);
    let a = Tensor::randn(0f32, 1.0, (m, k), &Device::Cpu).expect("a");
    let w = Tensor::randn(0f32, 0.03, (nn, k), &Device::Cpu).expect("w");
    let t = Instant::now();
    for _ in 0..rounds {
        Device::Cpu
            .with_context(|| a.matmul(&w.t()?))
            .expect("matmul");
    }
    let gflops = 2.0 * (m * k * nn * rounds) as f64 / t.elapsed().as_secs_f64() / 1e9;
    let n = (rounds * batch) as f64;
    println!(
        "candle matmul [{m}, {k}] x [{k}, {nn}]: {gflops:.1} GFLOPS; ViT-B/32 is ~8.7 GFLOP per \
         image, so at most {:.2} images/s",
        gflops / 8.7
    );
    let f32_part = if ours_f32.is_some() {
        format!("ours in f32 {:.2} images/s, ", n / t_f32)
    } else {
        String::new()
    };
    println!(
        "ViT-B/32 image tower, batch {batch}, {} threads, {rounds} rounds: ours ({}) {:.2} \
         images/s, {f32_part}candle_transformers {:.2} images/s",
        candle_core::utils::get_num_threads(),
        ours.precision().as_str(),
        n / t_ours,
        n / t_theirs
    );
}

/// GFLOPS of the bf16 kernel ([`PackedBf16`], input rounding and bias included) against
/// Candle's f32 matmul (bias not included) on ViT-B/32's linear layers at batch 16 (800 rows),
/// alternating.
#[test]
#[ignore = "benchmark: seconds of CPU, needs AVX-512 BF16"]
fn bf16_kernel_throughput() {
    assert!(ClipPrecision::cpu_has_bf16(), "this CPU lacks AVX-512 BF16");
    let rounds: usize = std::env::var("LOOKALIKE_CLIP_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let shapes = [
        ("q/k/v", 800, 768, 2304),
        ("fc1", 800, 768, 3072),
        ("fc2", 800, 3072, 768),
        ("out", 800, 768, 768),
    ];
    for (name, m, k, n) in shapes {
        let x = Tensor::randn(0f32, 1.0, (m, k), &Device::Cpu).expect("x");
        let w = Tensor::randn(0f32, 0.03, (n, k), &Device::Cpu).expect("w");
        let b = Tensor::randn(0f32, 0.02, n, &Device::Cpu).expect("b");
        let packed = PackedBf16::from_tensors(&w, Some(&b))
            .expect("pack")
            .expect("shape");
        let f32_mm = || {
            Device::Cpu
                .with_context(|| x.matmul(&w.t()?))
                .expect("matmul")
        };
        let bf16_mm = || packed.forward(&x, false).expect("bf16");
        let (a, c) = (f32_mm().broadcast_add(&b).expect("bias"), bf16_mm());
        let (a, c) = (
            a.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("a"),
            c.flatten_all().and_then(|t| t.to_vec1::<f32>()).expect("c"),
        );
        let cos = cosine(&a, &c);
        assert!(cos > 0.9999, "{name}: cosine {cos}");
        let (mut t32, mut t16) = (0.0, 0.0);
        for _ in 0..rounds {
            let t = Instant::now();
            f32_mm();
            t32 += t.elapsed().as_secs_f64();
            let t = Instant::now();
            bf16_mm();
            t16 += t.elapsed().as_secs_f64();
        }
        let flops = 2.0 * (m * k * n * rounds) as f64 / 1e9;
        println!(
            "{name} [{m}, {k}] x [{k}, {n}], {} threads: f32 {:.1} GFLOPS, bf16 {:.1} GFLOPS \
             ({:.2}x), cosine {cos:.7}",
            candle_core::utils::get_num_threads(),
            flops / t32,
            flops / t16,
            t32 / t16
        );
    }
}
