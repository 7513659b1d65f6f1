//! EfficientNet-Lite0: classification, parity with the numpy reference, semantic neighbours,
//! preprocessing and load errors. Offline: inputs and reference vectors are committed in
//! `tests/fixtures/lite0/` (see its README and `reference.py`).
#![allow(clippy::unwrap_used)]

use candle_core::Device;
use lookalike::core::embed::efficientnet::{
    EfficientNetLite0, Kernels, NUM_CLASSES, bundled_weights,
};
use lookalike::core::embed::{EmbedError, Embedder, Prepared};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const IMAGES: [&str; 7] = [
    "chelsea",
    "coffee",
    "astronaut",
    "rocket",
    "chelsea_crop",
    "grace_hopper",
    "synthetic",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lite0")
}

fn model() -> &'static EfficientNetLite0 {
    static MODEL: OnceLock<EfficientNetLite0> = OnceLock::new();
    MODEL.get_or_init(|| EfficientNetLite0::bundled(&Device::Cpu).unwrap())
}

fn load_rgb(name: &str) -> image::RgbImage {
    image::open(fixtures().join(format!("{name}.png")))
        .unwrap()
        .to_rgb8()
}

fn prepared(name: &str) -> Prepared {
    model().prepare(&load_rgb(name)).unwrap()
}

/// name → (reference embedding, reference top-5 classes).
fn reference() -> HashMap<String, (Vec<f32>, Vec<usize>)> {
    let text = std::fs::read_to_string(fixtures().join("reference.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let images = json["images"].as_object().unwrap();
    images
        .iter()
        .map(|(name, entry)| {
            let emb = entry["embedding"].as_array().unwrap();
            let emb = emb.iter().map(|v| v.as_f64().unwrap() as f32).collect();
            let top5 = entry["top5"].as_array().unwrap();
            let top5 = top5.iter().map(|v| v.as_u64().unwrap() as usize).collect();
            (name.clone(), (emb, top5))
        })
        .collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (na * nb)
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

#[test]
fn bundled_model_identity() {
    let m = model();
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/efficientnet-lite0.safetensors"),
    )
    .unwrap();
    assert_eq!(
        bytes,
        bundled_weights(),
        "bundled bytes are the committed file"
    );
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(&bytes)[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(m.id(), format!("lite0-{hex}"));
    assert_eq!(m.dim(), 1280);
    assert_eq!(m.min_input_side_px(), 224);
    assert_eq!(m.kernels(), Kernels::RustCpu);
    assert!(m.label().contains("EfficientNet-Lite0"));
}

#[test]
fn classifies_sample_photos() {
    let batch: Vec<Prepared> = ["chelsea", "coffee", "chelsea_crop"]
        .iter()
        .map(|n| prepared(n))
        .collect();
    let logits = model().classify(&batch).unwrap();
    assert!(logits.iter().all(|l| l.len() == NUM_CLASSES));
    let top: Vec<usize> = logits.iter().map(|l| argmax(l)).collect();
    assert!(
        (281..=285).contains(&top[0]),
        "chelsea top-1 {} is not a cat",
        top[0]
    );
    assert_eq!(top[1], 967, "coffee top-1 is not espresso");
    assert!(
        (281..=285).contains(&top[2]),
        "chelsea crop top-1 {} is not a cat",
        top[2]
    );
}

#[test]
fn embeddings_match_numpy_reference() {
    let reference = reference();
    let batch: Vec<Prepared> = IMAGES.iter().map(|n| prepared(n)).collect();
    let vectors = model().embed_batch(&batch).unwrap();
    let logits = model().classify(&batch).unwrap();
    for ((name, v), l) in IMAGES.iter().zip(&vectors).zip(&logits) {
        let (want, top5) = &reference[*name];
        let norm: f64 = v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>();
        assert!(
            (norm - 1.0).abs() < 1e-4,
            "{name}: not L2-normalised ({norm})"
        );
        let cos = cosine(v, want);
        println!("{name}: cosine to the f32 numpy reference {cos:.7}");
        assert!(
            cos >= 0.9999,
            "{name}: cosine {cos} to the reference < 0.9999"
        );
        assert_eq!(
            argmax(l),
            top5[0],
            "{name}: top-1 differs from the reference"
        );
    }
    // One at a time gives the same vectors as a batch.
    let single = model().embed_batch(&batch[..1]).unwrap();
    assert!(cosine(&single[0], &vectors[0]) > 0.999_999);
}

#[test]
fn candle_ops_kernels_agree() {
    let slow = EfficientNetLite0::bundled_with(&Device::Cpu, Kernels::CandleOps).unwrap();
    assert_eq!(slow.kernels(), Kernels::CandleOps);
    let input = [prepared("coffee")];
    let a = slow.embed_batch(&input).unwrap();
    let b = model().embed_batch(&input).unwrap();
    let cos = cosine(&a[0], &b[0]);
    assert!(cos >= 0.99999, "candle ops vs rust kernels cosine {cos}");
    assert_eq!(slow.id(), model().id());
}

/// On a CUDA GPU (CUDA builds only: `cargo test --release --features cuda --test tests cuda`)
/// the bundled model gives the reference embeddings and classes.
#[cfg(feature = "cuda")]
#[test]
fn cuda_matches_reference() {
    use lookalike::core::device::{DevicePref, select_device};
    let gpu = select_device(DevicePref::Cuda).expect("a CUDA device");
    let m = EfficientNetLite0::bundled(&gpu).unwrap();
    assert_eq!(m.kernels(), Kernels::CandleOps);
    let reference = reference();
    let batch: Vec<Prepared> = IMAGES.iter().map(|n| prepared(n)).collect();
    let vectors = m.embed_batch(&batch).unwrap();
    let logits = m.classify(&batch).unwrap();
    for ((name, v), l) in IMAGES.iter().zip(&vectors).zip(&logits) {
        let (want, top5) = &reference[*name];
        let cos = cosine(v, want);
        println!("{name}: GPU cosine to the reference {cos:.7}");
        assert!(cos >= 0.9999, "{name}: GPU cosine {cos} < 0.9999");
        assert_eq!(argmax(l), top5[0], "{name}: GPU top-1 differs");
    }
}

#[test]
fn nearest_neighbours_are_the_same_kind_of_thing() {
    let batch: Vec<Prepared> = IMAGES.iter().map(|n| prepared(n)).collect();
    let vectors = model().embed_batch(&batch).unwrap();
    let nearest = |i: usize| {
        (0..IMAGES.len())
            .filter(|&j| j != i)
            .max_by(|&a, &b| {
                cosine(&vectors[i], &vectors[a]).total_cmp(&cosine(&vectors[i], &vectors[b]))
            })
            .unwrap()
    };
    // Another cat photo (a differently framed, mirrored crop) and another portrait of a person.
    for (a, b) in [("chelsea", "chelsea_crop"), ("astronaut", "grace_hopper")] {
        let ia = IMAGES.iter().position(|n| *n == a).unwrap();
        let ib = IMAGES.iter().position(|n| *n == b).unwrap();
        assert_eq!(IMAGES[nearest(ia)], b, "nearest to {a}");
        assert_eq!(IMAGES[nearest(ib)], a, "nearest to {b}");
    }
}

#[test]
fn prepare_scales_and_resizes() {
    let img = load_rgb("chelsea");
    let p = model().prepare(&img).unwrap();
    assert_eq!(p.data.len(), 3 * 224 * 224);
    // 224x224 input: no resampling, exact (x - 127) / 128 in CHW order.
    let px = img.get_pixel(10, 20);
    for ch in 0..3 {
        let want = (f32::from(px[ch]) - 127.0) / 128.0;
        assert_eq!(p.data[ch * 224 * 224 + 20 * 224 + 10], want);
    }
    // A 2x-enlarged, non-square copy resizes back to (nearly) the same input.
    let big = image::imageops::resize(&img, 448, 600, image::imageops::FilterType::Triangle);
    let q = model().prepare(&big).unwrap();
    assert_eq!(q.data.len(), p.data.len());
    let v = model().embed_batch(&[p, q]).unwrap();
    let cos = cosine(&v[0], &v[1]);
    assert!(cos > 0.95, "resized copy cosine {cos}");
}

#[test]
fn bad_inputs_are_errors() {
    let m = model();
    let empty = image::RgbImage::new(0, 0);
    assert!(matches!(m.prepare(&empty), Err(EmbedError::BadInput(_))));
    let short = Prepared {
        data: vec![0.0; 10],
    };
    assert!(matches!(
        m.embed_batch(&[short]),
        Err(EmbedError::BadInput(_))
    ));
    assert!(m.embed_batch(&[]).unwrap().is_empty());
}

/// The bundled tensors, re-serialised after `edit`.
fn edited_weights(edit: impl FnOnce(&mut HashMap<String, candle_core::Tensor>)) -> Vec<u8> {
    let mut tensors =
        candle_core::safetensors::load_buffer(bundled_weights(), &Device::Cpu).unwrap();
    edit(&mut tensors);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.safetensors");
    candle_core::safetensors::save(&tensors, &path).unwrap();
    std::fs::read(&path).unwrap()
}

#[test]
fn weight_errors_are_clear() {
    let origin = Path::new("test.safetensors");
    let cpu = &Device::Cpu;
    let missing = edited_weights(|t| {
        t.remove("_blocks.3._depthwise_conv.weight");
    });
    match EfficientNetLite0::from_bytes(&missing, origin, cpu, Kernels::Auto) {
        Err(EmbedError::MissingTensor { tensor, .. }) => {
            assert_eq!(tensor, "_blocks.3._depthwise_conv.weight")
        }
        other => panic!("expected MissingTensor, got {other:?}"),
    }
    let reshaped = edited_weights(|t| {
        let fc = t["_fc.bias"]
            .narrow(0, 0, 10)
            .unwrap()
            .contiguous()
            .unwrap();
        t.insert("_fc.bias".into(), fc);
    });
    match EfficientNetLite0::from_bytes(&reshaped, origin, cpu, Kernels::Auto) {
        Err(EmbedError::ShapeMismatch {
            tensor,
            found,
            expected,
            ..
        }) => {
            assert_eq!(tensor, "_fc.bias");
            assert_eq!((found, expected), (vec![10], vec![1000]));
        }
        other => panic!("expected ShapeMismatch, got {other:?}"),
    }
    let garbage = EfficientNetLite0::from_bytes(b"not a model", origin, cpu, Kernels::Auto);
    assert!(matches!(garbage, Err(EmbedError::Weights { .. })));
    let absent = EfficientNetLite0::from_file("/nonexistent/lite0.safetensors", cpu);
    assert!(matches!(absent, Err(EmbedError::Weights { .. })));
}

#[test]
fn from_file_matches_bundled() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/efficientnet-lite0.safetensors");
    let m = EfficientNetLite0::from_file(&path, &Device::Cpu).unwrap();
    assert_eq!(m.id(), model().id());
    assert!(m.label().contains("efficientnet-lite0.safetensors"));
}

/// Inference throughput on the CPU; run with
/// `cargo test --release --test tests -- --ignored --nocapture lite0::throughput`
/// (`RAYON_NUM_THREADS=2 taskset -c 0,1` to pin it to two cores). Set `LITE0_BENCH_CANDLE=1` to
/// also time the plain Candle ops path.
#[test]
#[ignore = "timing, run by hand"]
fn throughput() {
    // Synthetic input: the test binary can run away from the source tree.
    let img = image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 251) as u8])
    });
    let one = model().prepare(&img).unwrap();
    let mut runs = vec![(model(), "rust kernels", 48)];
    let candle_ops;
    if std::env::var_os("LITE0_BENCH_CANDLE").is_some() {
        candle_ops = EfficientNetLite0::bundled_with(&Device::Cpu, Kernels::CandleOps).unwrap();
        runs.push((&candle_ops, "candle ops", 8));
    }
    for (m, name, images) in runs {
        for batch in [1usize, 4, 8, 16] {
            let inputs = vec![one.clone(); batch];
            m.embed_batch(&inputs).unwrap(); // warm-up
            let rounds = (images / batch).max(1);
            let start = std::time::Instant::now();
            for _ in 0..rounds {
                m.embed_batch(&inputs).unwrap();
            }
            let per_s = (rounds * batch) as f64 / start.elapsed().as_secs_f64();
            println!(
                "lite0 {name} batch {batch:2}: {per_s:6.1} images/s ({:.1} ms/image)",
                1000.0 / per_s
            );
        }
    }
}
