//! The bf16 path of the CLIP image tower (AVX-512 BF16 CPUs): the kernel against a float64
//! product of the same bf16-rounded numbers, and the whole tower against its f32 self and the
//! `transformers` reference. On CPUs without AVX-512 BF16 the tower falls back to f32, which
//! these tests check instead.

use candle_core::Device;
use lookalike::core::embed::clip::bf16_matmul::{PANEL, PackedBf16};
use lookalike::core::embed::clip::model::ClipImageEmbedder;
use lookalike::core::embed::clip::precision::ClipPrecision;
use lookalike::core::embed::{Embedder, Prepared};

use super::support::{self, reference, write_small};
use crate::resnet_support::{cosine, unit};

/// `x` rounded to bf16 (nearest, ties to even), as a float64.
fn bf16(x: f32) -> f64 {
    let b = x.to_bits();
    f64::from(f32::from_bits(
        (b.wrapping_add(0x7fff + ((b >> 16) & 1)) >> 16) << 16,
    ))
}

fn values(name: &str, n: usize, scale: f64) -> Vec<f32> {
    unit(name, n).iter().map(|&u| (u * scale) as f32).collect()
}

/// Every output of the kernel equals the float64 product of the bf16-rounded inputs (plus the
/// f32 bias, then quick_gelu) to f32 summation error: odd widths, rows that are not a multiple
/// of the register tile, reductions over several chunks, ViT-B/32's shapes.
#[test]
fn bf16_kernel_matches_rounded_reference() {
    if !ClipPrecision::cpu_has_bf16() {
        println!("this CPU lacks AVX-512 BF16: the kernel is never used here");
        return;
    }
    let shapes = [
        (1, 1, 64, false),
        (7, 33, 64, true),
        (17, 389, 128, false),
        (13, 1001, 192, true),
        (20, 768, 2304, false),
        (9, 3072, 768, true),
    ];
    for (m, k, n, gelu) in shapes {
        let tag = format!("{m}x{k}x{n}");
        let x = values(&format!("x{tag}"), m * k, 2.0);
        let w = values(&format!("w{tag}"), n * k, (3.0 / k as f64).sqrt());
        let b = values(&format!("b{tag}"), n, 0.1);
        let packed = PackedBf16::new(&w, n, k, Some(&b)).expect("pack");
        let mut out = vec![0.0f32; m * n];
        packed.matmul_into(&x, &mut out, gelu).expect("matmul");
        let mut worst = 0.0f64;
        for i in 0..m {
            for j in 0..n {
                let (xr, wr) = (&x[i * k..(i + 1) * k], &w[j * k..(j + 1) * k]);
                let dot: f64 = xr.iter().zip(wr).map(|(&a, &c)| bf16(a) * bf16(c)).sum();
                let mag: f64 = xr
                    .iter()
                    .zip(wr)
                    .map(|(&a, &c)| (bf16(a) * bf16(c)).abs())
                    .sum();
                let z = dot + f64::from(b[j]);
                let want = if gelu {
                    z / (1.0 + (-1.702 * z).exp())
                } else {
                    z
                };
                let err = (f64::from(out[i * n + j]) - want).abs() / (mag + 1e-3);
                worst = worst.max(err);
            }
        }
        println!("{tag} gelu {gelu}: worst error / sum|products| {worst:.2e}");
        assert!(worst < 1e-5, "{tag}: {worst}");
    }
    // Widths the kernel does not take are refused (the layer stays f32).
    assert!(PackedBf16::new(&[0.0; 100], PANEL + 36, 1, None).is_none());
    assert!(PackedBf16::new(&[0.0; 64], PANEL, 2, None).is_none());
}

/// The bf16 tower is the f32 tower to within 1e-4 cosine and stays at the 0.9999 bar against
/// `transformers`; `LOOKALIKE_CLIP_PRECISION=f32` picks the f32 path.
#[test]
fn bf16_tower_agrees_with_f32() {
    assert_eq!(ClipPrecision::choose(Some("f32")), ClipPrecision::F32);
    assert_eq!(ClipPrecision::choose(Some(" F32 ")), ClipPrecision::F32);
    let auto = if ClipPrecision::cpu_has_bf16() {
        ClipPrecision::Bf16
    } else {
        ClipPrecision::F32
    };
    assert_eq!(ClipPrecision::choose(None), auto);
    assert_eq!(ClipPrecision::choose(Some("bf16")), auto);
    let dir = tempfile::tempdir().expect("tmp");
    let path = write_small(dir.path(), "clip-small.safetensors");
    let load = |p| ClipImageEmbedder::load_with_precision(&path, &Device::Cpu, p).expect("load");
    let (fast, exact) = (load(ClipPrecision::Bf16), load(ClipPrecision::F32));
    assert_eq!(
        (fast.precision(), exact.precision()),
        (auto, ClipPrecision::F32)
    );
    assert_eq!(fast.id(), exact.id(), "same model, same vectors' id");
    let r = reference();
    let prepared: Vec<Prepared> = r
        .images
        .iter()
        .enumerate()
        .map(|(n, i)| {
            fast.prepare(&support::make_photo(n as u32, i.width, i.height))
                .expect("prepare")
        })
        .collect();
    let a = fast.embed_batch(&prepared).expect("bf16");
    let b = exact.embed_batch(&prepared).expect("f32");
    for (n, ((a, b), ri)) in a.iter().zip(&b).zip(&r.images).enumerate() {
        let (to_f32, to_ref) = (cosine(a, b), cosine(a, &ri.embedding));
        println!(
            "image {n}, {}: cosine {to_f32:.7} to the f32 tower, {to_ref:.7} to transformers",
            fast.precision().as_str()
        );
        assert!(
            to_f32 >= 0.9999 && to_ref >= 0.9999,
            "image {n}: {to_f32} {to_ref}"
        );
    }
}
