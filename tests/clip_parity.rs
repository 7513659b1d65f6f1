//! CLIP parity with Hugging Face `transformers` (`CLIPModel`, `CLIPImageProcessorPil`), offline.
//!
//! `tests/fixtures/clip/make_reference.py` built a small CLIP with OpenAI-style shapes from a
//! deterministic weight formula, ran it in float64 and stored the results in `clip_small.json`.
//! These tests rebuild the same weights bit for bit, write them as a `.safetensors` file with
//! Hugging Face's tensor names, load it through the real loaders ([`ClipImageEmbedder::load`],
//! [`ClipTextEncoder::load`]) and compare: preprocessing (cropped pixels), image embeddings,
//! text embeddings. Also: F16/BF16 files, the full-size ViT-B/32 layout (names and shapes of
//! `CLIPConfig()`), damaged files and bad inputs (`clip_support/errors.rs`), and a cross-check
//! against `candle_transformers`' CLIP (`clip_support/bench.rs`).

#[path = "clip_support/bench.rs"]
mod bench;
#[path = "clip_support/bf16.rs"]
mod bf16;
#[path = "clip_support/errors.rs"]
mod errors;

use crate::clip_support as support;

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use lookalike::core::embed::clip::model::{
    ClipImageEmbedder, ClipShape, ClipTextEncoder, inspect, is_clip_file,
};
use lookalike::core::embed::clip::precision::ClipPrecision;
use lookalike::core::embed::clip::vision::{preprocess, resize_and_crop};
use lookalike::core::embed::{Embedder, Prepared};

use crate::resnet_support::cosine;
use support::{Entry, reference, small_entries, write_checkpoint, write_small};

/// The bar for f32 against the float64 reference.
const F32_BAR: f64 = 0.99999;
/// The bar for the image tower's bf16 path (AVX-512 BF16 CPUs) against the float64 reference.
const BF16_BAR: f64 = 0.9999;

/// The bar the image tower `img` must meet: [`F32_BAR`], or [`BF16_BAR`] on its bf16 path.
fn image_bar(img: &ClipImageEmbedder) -> f64 {
    match img.precision() {
        ClipPrecision::F32 => F32_BAR,
        ClipPrecision::Bf16 => BF16_BAR,
    }
}

fn load_both(path: &Path) -> (ClipImageEmbedder, ClipTextEncoder) {
    let img = ClipImageEmbedder::load(path, &Device::Cpu).expect("image tower");
    let txt = ClipTextEncoder::load(path, &Device::Cpu).expect("text tower");
    (img, txt)
}

/// Cosines of every reference image (end to end from the formula photo) and text.
fn cosines(img: &ClipImageEmbedder, txt: &ClipTextEncoder) -> (Vec<f64>, Vec<f64>) {
    let r = reference();
    let prepared: Vec<Prepared> = r
        .images
        .iter()
        .enumerate()
        .map(|(n, i)| {
            img.prepare(&support::make_photo(n as u32, i.width, i.height))
                .expect("prepare")
        })
        .collect();
    let vecs = img.embed_batch(&prepared).expect("embed");
    let ic = vecs
        .iter()
        .zip(&r.images)
        .map(|(v, i)| cosine(v, &i.embedding))
        .collect();
    let tc = r
        .texts
        .iter()
        .map(|t| cosine(&txt.embed_ids(&t.ids).expect("text"), &t.embedding))
        .collect();
    (ic, tc)
}

#[test]
fn preprocessing_matches_clip_image_processor() {
    let r = reference();
    for (n, ri) in r.images.iter().enumerate() {
        let photo = support::make_photo(n as u32, ri.width, ri.height);
        let sum: u64 = photo.as_raw().iter().map(|&b| u64::from(b)).sum();
        assert_eq!(sum, ri.pixel_sum, "photo {n} formula");
        let crop = resize_and_crop(&photo, r.image_size).expect("crop");
        let diffs: Vec<i32> = crop
            .as_raw()
            .iter()
            .zip(&ri.crop)
            .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
            .collect();
        let max = diffs.iter().copied().max().unwrap_or(0);
        let off = diffs.iter().filter(|&&d| d != 0).count();
        println!(
            "photo {n} {}x{}: {off} of {} bytes differ from PIL, max {max}",
            ri.width,
            ri.height,
            diffs.len()
        );
        assert_eq!(crop.as_raw().len(), ri.crop.len());
        assert!(
            max <= 1 && off * 100 <= diffs.len(),
            "photo {n}: bicubic differs from PIL"
        );
        let data = preprocess(&photo, r.image_size).expect("preprocess");
        for (k, want) in ri.samples.iter().enumerate() {
            let got = data[(k * ri.sample_step) % data.len()];
            assert!(
                (got - want).abs() <= 0.03,
                "photo {n} sample {k}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn small_model_matches_transformers() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = write_small(dir.path(), "clip-small.safetensors");
    let (img, txt) = load_both(&path);
    let r = reference();
    // The network alone, on transformers' own preprocessed pixels (the stored PIL crops).
    for (n, ri) in r.images.iter().enumerate() {
        let crop =
            image::RgbImage::from_raw(r.image_size, r.image_size, ri.crop.clone()).expect("crop");
        let v = lookalike::core::embed::embed_one(&img, &crop).expect("embed");
        let c = cosine(&v, &ri.embedding);
        println!(
            "image {n} (PIL crop, {}): cosine {c:.9}",
            img.precision().as_str()
        );
        assert!(c >= image_bar(&img), "image {n}: cosine {c}");
    }
    let (ic, tc) = cosines(&img, &txt);
    println!("images end to end: {ic:.9?}\ntexts: {tc:.9?}");
    for (n, c) in ic.iter().enumerate() {
        assert!(*c >= 0.9999, "image {n} end to end: cosine {c}");
    }
    for (n, c) in tc.iter().enumerate() {
        assert!(*c >= F32_BAR, "text {n}: cosine {c}");
    }
    // Words through the bundled tokenizer: reference text 1 is "a photo of a cat".
    assert_eq!(r.texts[1].ids, [49406, 320, 1125, 539, 320, 2368, 49407]);
    let words = txt.embed_text("A photo of a cat").expect("embed_text");
    assert!(cosine(&words, &r.texts[1].embedding) >= F32_BAR);
}

#[test]
fn towers_share_id_and_describe_the_checkpoint() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = write_small(dir.path(), "clip-small.safetensors");
    let (img, txt) = load_both(&path);
    assert_eq!(img.id(), txt.id());
    let (prefix, hex) = img.id().rsplit_once('-').expect("id");
    assert_eq!(prefix, "clip-vit-128w2l-p16-64");
    assert!(
        hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{}",
        img.id()
    );
    assert_eq!(
        img.label(),
        "CLIP ViT-128x2/16@64px (clip-small.safetensors)"
    );
    assert_eq!(
        (img.dim(), txt.dim(), img.min_input_side_px()),
        (64, 64, 64)
    );
    let want = ClipShape {
        image_size: 64,
        patch_size: 16,
        vision_width: 128,
        vision_layers: 2,
        text_width: 128,
        text_layers: 2,
        embed_dim: 64,
        vocab_size: 49408,
        context_length: 77,
    };
    assert_eq!(*img.shape(), want);
    assert_eq!(inspect(&path).expect("inspect"), want);
    assert!(is_clip_file(&path));
    // Same weights in another file: same id. Different weights: different id.
    let copy = dir.path().join("copy.safetensors");
    std::fs::copy(&path, &copy).expect("copy");
    assert_eq!(
        ClipTextEncoder::load(&copy, &Device::Cpu)
            .expect("copy")
            .id(),
        img.id()
    );
    let mut other: Vec<Entry> = support::formula_entries(&reference().layout);
    if let Some(e) = other
        .iter_mut()
        .find(|e| e.name == "text_projection.weight")
    {
        e.data[0] += 1.0;
    }
    let changed = dir.path().join("changed.safetensors");
    write_checkpoint(&changed, &other, DType::F32, Vec::new());
    assert_ne!(
        ClipTextEncoder::load(&changed, &Device::Cpu)
            .expect("changed")
            .id(),
        img.id()
    );
}

#[test]
fn half_precision_files_load() {
    let dir = tempfile::tempdir().expect("tmp");
    for (dtype, bar) in [(DType::F16, F32_BAR), (DType::BF16, BF16_BAR)] {
        let path = dir.path().join(format!("clip-{dtype:?}.safetensors"));
        write_checkpoint(&path, small_entries(), dtype, Vec::new());
        let (img, txt) = load_both(&path);
        let (ic, tc) = cosines(&img, &txt);
        println!("{dtype:?}: images {ic:.6?} texts {tc:.6?}");
        let ibar = bar.min(image_bar(&img));
        assert!(
            ic.iter().all(|&c| c >= ibar) && tc.iter().all(|&c| c >= bar),
            "{dtype:?}: {ic:?} {tc:?}"
        );
    }
}

#[test]
fn extra_buffers_are_ignored() {
    // Older transformers saved the int64 `position_ids` buffers; the towers must skip them.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("with-buffers.safetensors");
    let ids = |n: i64| {
        Tensor::arange(0i64, n, &Device::Cpu)
            .and_then(|t| t.unsqueeze(0))
            .expect("ids")
    };
    let extra = vec![
        ("text_model.embeddings.position_ids".to_string(), ids(77)),
        ("vision_model.embeddings.position_ids".to_string(), ids(17)),
    ];
    write_checkpoint(&path, small_entries(), DType::F32, extra);
    let (img, txt) = load_both(&path);
    let (ic, tc) = cosines(&img, &txt);
    assert!(ic.iter().all(|&c| c >= 0.9999) && tc.iter().all(|&c| c >= F32_BAR));
}

#[test]
fn full_size_layout_is_vit_b32() {
    let r = reference();
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("clip-vit-base-patch32.safetensors");
    support::write_sparse(&path, &r.full_size_layout, |_| false);
    let shape = inspect(&path).expect("inspect full size");
    assert_eq!(
        shape,
        ClipShape {
            image_size: 224,
            patch_size: 32,
            vision_width: 768,
            vision_layers: 12,
            text_width: 512,
            text_layers: 12,
            embed_dim: 512,
            vocab_size: 49408,
            context_length: 77,
        }
    );
    assert_eq!(
        (shape.variant().as_str(), shape.display_name().as_str()),
        ("vit-b32", "ViT-B/32")
    );
    assert_eq!((shape.vision_heads(), shape.text_heads()), (12, 8));
    assert!(is_clip_file(&path));
    // The small model's layout is the full one with other numbers: same names, layers 0..2.
    let small: Vec<&str> = r.layout.iter().map(|(n, _)| n.as_str()).collect();
    for (name, _) in &r.full_size_layout {
        let layer = name
            .split(".layers.")
            .nth(1)
            .and_then(|s| s.split('.').next());
        if layer.is_none_or(|l| l == "0" || l == "1") {
            assert!(
                small.contains(&name.as_str()),
                "{name} missing from the small layout"
            );
        }
    }
}

#[test]
fn variant_names() {
    let b32 = ClipShape {
        image_size: 224,
        patch_size: 32,
        vision_width: 768,
        vision_layers: 12,
        text_width: 512,
        text_layers: 12,
        embed_dim: 512,
        vocab_size: 49408,
        context_length: 77,
    };
    let b16 = ClipShape {
        patch_size: 16,
        ..b32
    };
    let l14 = ClipShape {
        patch_size: 14,
        vision_width: 1024,
        vision_layers: 24,
        text_width: 768,
        embed_dim: 768,
        ..b32
    };
    let l336 = ClipShape {
        image_size: 336,
        ..l14
    };
    let names: Vec<(String, String)> = [b32, b16, l14, l336]
        .iter()
        .map(|s| (s.variant(), s.display_name()))
        .collect();
    let want = [
        ("vit-b32", "ViT-B/32"),
        ("vit-b16", "ViT-B/16"),
        ("vit-l14", "ViT-L/14"),
        ("vit-l14-336", "ViT-L/14@336px"),
    ];
    for ((v, d), (wv, wd)) in names.iter().zip(want) {
        assert_eq!((v.as_str(), d.as_str()), (wv, wd));
    }
}

/// A file written by `transformers` itself (`save_pretrained`, exactly how Hub checkpoints are
/// made): `make_reference.py --write-hf-file DIR`, then
/// `LOOKALIKE_CLIP_HF_DIR=DIR cargo test --test tests -- --ignored clip_parity::hf_saved`.
#[test]
#[ignore = "needs a file written by make_reference.py --write-hf-file"]
fn hf_saved_file_loads() {
    let dir = std::env::var_os("LOOKALIKE_CLIP_HF_DIR").expect("set LOOKALIKE_CLIP_HF_DIR");
    let path = Path::new(&dir).join("model.safetensors");
    assert!(is_clip_file(&path));
    let (img, txt) = load_both(&path);
    let (ic, tc) = cosines(&img, &txt);
    println!("transformers-written file: images {ic:.9?} texts {tc:.9?}");
    assert!(ic.iter().all(|&c| c >= 0.9999) && tc.iter().all(|&c| c >= F32_BAR));
    // The same variant as the file the tests write (the hash covers the header, so it differs).
    let tmp = tempfile::tempdir().expect("tmp");
    let ours = ClipTextEncoder::load(&write_small(tmp.path(), "x.safetensors"), &Device::Cpu);
    let prefix = |id: &str| id.rsplit_once('-').map(|p| p.0.to_string());
    assert_eq!(prefix(ours.expect("ours").id()), prefix(img.id()));
}
