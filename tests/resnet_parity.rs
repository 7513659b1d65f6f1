//! ResNet embeddings equal torchvision's on the same weights and pixels, loaded through the
//! real `.safetensors` and PyTorch `.pth` paths; broken files give errors, never panics; the
//! hub download works against a loopback server and fails fast and helpfully offline.
//!
//! References: `tests/fixtures/resnet/*.json`, written by `make_reference.py` (see its header).

mod resnet_support;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use candle_core::{Device, Tensor};
use lookalike::core::embed::resnet::ResNetEmbedder;
use lookalike::core::embed::{EmbedError, Embedder};
use lookalike::core::models::{self, ModelError};
use resnet_support::pth::{Wrap, write_pth};
use resnet_support::{Entry, cosine, floats, make_input, reference, state_dict, write_safetensors};
use sha2::{Digest, Sha256};

/// The spec's bar, and a much tighter one that f32 inference comfortably meets.
const MIN_COSINE: f64 = 0.9999;
const TIGHT_COSINE: f64 = 0.999_999;

fn weights(depth: u8) -> &'static [Entry] {
    static R18: OnceLock<Vec<Entry>> = OnceLock::new();
    static R50: OnceLock<Vec<Entry>> = OnceLock::new();
    match depth {
        18 => R18.get_or_init(|| state_dict(18)),
        50 => R50.get_or_init(|| state_dict(50)),
        _ => unreachable!(),
    }
}

fn inputs(n: usize) -> Tensor {
    let data: Vec<f32> = (0..n).flat_map(make_input).collect();
    Tensor::from_vec(data, (n, 3, 224, 224), &Device::Cpu).expect("input tensor")
}

fn check_parity(path: &Path, depth: u8) {
    let model = ResNetEmbedder::load(path, &Device::Cpu).expect("load");
    assert_eq!(model.depth(), depth);
    let want = reference(depth);
    assert_eq!(model.dim(), want.embeddings[0].len());
    let x = inputs(want.embeddings.len());
    let raw = model
        .forward(&x)
        .expect("forward")
        .to_vec2::<f32>()
        .expect("vec2");
    let got = model.embed_tensor(&x).expect("embed");
    for (i, (g, w)) in got.iter().zip(&want.embeddings).enumerate() {
        let cos = cosine(g, w);
        println!(
            "resnet{depth} {} input {i}: cosine {cos:.9}",
            path.display()
        );
        assert!(cos >= MIN_COSINE, "input {i}: cosine {cos} < {MIN_COSINE}");
        assert!(
            cos >= TIGHT_COSINE,
            "input {i}: cosine {cos} < {TIGHT_COSINE}"
        );
        let norm = raw[i]
            .iter()
            .map(|v| f64::from(*v).powi(2))
            .sum::<f64>()
            .sqrt();
        let rel = (norm - want.raw_norms[i]).abs() / want.raw_norms[i];
        assert!(
            rel < 1e-4,
            "input {i}: raw norm {norm} vs {}",
            want.raw_norms[i]
        );
    }
    // The references must discriminate: different inputs are far apart at this bar.
    assert!(cosine(&want.embeddings[0], &want.embeddings[1]) < 0.999);
}

#[test]
fn resnet18_safetensors_matches_torchvision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("resnet18.safetensors");
    write_safetensors(weights(18), &path);
    check_parity(&path, 18);
}

#[test]
fn resnet18_pth_matches_torchvision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("resnet18-f37072fd.pth");
    write_pth(weights(18), &path, Wrap::Plain);
    check_parity(&path, 18);
}

#[test]
fn resnet50_safetensors_matches_torchvision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("model.safetensors");
    write_safetensors(weights(50), &path);
    check_parity(&path, 50);
}

#[test]
fn resnet50_pth_matches_torchvision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("resnet50.pth");
    write_pth(weights(50), &path, Wrap::Plain);
    check_parity(&path, 50);
}

#[test]
fn nested_checkpoint_with_prefix_loads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("checkpoint.pt");
    let wrap = Wrap::Nested {
        key: "state_dict",
        prefix: "module.",
    };
    write_pth(weights(18), &path, wrap);
    check_parity(&path, 18);
}

/// `prepare()` (resize to 224x224 + ImageNet normalisation) matches torchvision's
/// `Resize((224, 224))` on a PIL image, and the whole pipeline gives torchvision's embedding.
#[test]
fn prepare_matches_torchvision_preprocessing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("resnet18.safetensors");
    write_safetensors(weights(18), &path);
    let model = ResNetEmbedder::load(&path, &Device::Cpu).expect("load");
    let want = reference(18).prepare.expect("prepare section");
    let w = want["photo_width"].as_u64().expect("w") as u32;
    let h = want["photo_height"].as_u64().expect("h") as u32;
    let photo = resnet_support::make_photo(w, h);
    let prepared = model.prepare(&photo).expect("prepare");
    assert_eq!(prepared.data.len(), 3 * 224 * 224);

    let step = want["sample_step"].as_u64().expect("step") as usize;
    let samples = floats(&want["samples"]);
    let one_level = 1.0 / 255.0 / 0.225;
    let mut worst = 0.0f32;
    for (k, s) in samples.iter().enumerate() {
        let got = prepared.data[(k * step) % prepared.data.len()];
        worst = worst.max((got - s).abs());
    }
    println!(
        "prepare: worst sample difference {worst} ({} levels)",
        worst / one_level
    );
    assert!(
        worst <= 2.0 * one_level + 1e-5,
        "worst sample difference {worst}"
    );
    let means = floats(&want["channel_means"]);
    for (c, m) in means.iter().enumerate() {
        let plane = &prepared.data[c * 224 * 224..(c + 1) * 224 * 224];
        let got = plane.iter().map(|v| f64::from(*v)).sum::<f64>() / plane.len() as f64;
        assert!(
            (got - f64::from(*m)).abs() < 0.01,
            "channel {c} mean {got} vs {m}"
        );
    }
    let got = model.embed_batch(&[prepared]).expect("embed");
    let cos = cosine(&got[0], &floats(&want["embedding"]));
    println!("prepare: end-to-end cosine {cos:.9}");
    assert!(cos >= MIN_COSINE, "end-to-end cosine {cos}");
}

#[test]
fn batch_equals_single_and_id_names_model() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("resnet18.safetensors");
    write_safetensors(weights(18), &path);
    let model = ResNetEmbedder::load(&path, &Device::Cpu).expect("load");
    let bytes = std::fs::read(&path).expect("read");
    let hex: String = Sha256::digest(&bytes)[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(model.id(), format!("resnet18-{hex}"));
    assert_eq!(model.min_input_side_px(), 224);
    let photos = [
        resnet_support::make_photo(300, 200),
        resnet_support::make_photo(97, 150),
    ];
    let prepared: Vec<_> = photos
        .iter()
        .map(|p| model.prepare(p).expect("prep"))
        .collect();
    let batch = model.embed_batch(&prepared).expect("batch");
    for (p, b) in prepared.iter().zip(&batch) {
        let single = model.embed_batch(std::slice::from_ref(p)).expect("single");
        assert!(cosine(&single[0], b) > 0.99999);
        let norm: f32 = b.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5);
    }
    let bad = lookalike::core::embed::Prepared {
        data: vec![0.0; 10],
    };
    assert!(matches!(
        model.embed_batch(&[bad]),
        Err(EmbedError::BadInput(_))
    ));
}

fn without(entries: &[Entry], name: &str) -> Vec<Entry> {
    entries
        .iter()
        .filter(|e| e.name != name)
        .map(|e| Entry {
            name: e.name.clone(),
            shape: e.shape.clone(),
            data: e.data.clone(),
            is_counter: e.is_counter,
        })
        .collect()
}

#[test]
fn missing_tensor_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (file, gone) in [
        ("a.safetensors", "layer3.1.bn2.running_var"),
        ("b.pth", "layer2.0.downsample.0.weight"),
    ] {
        let path = dir.path().join(file);
        let entries = without(weights(18), gone);
        if file.ends_with(".pth") {
            write_pth(&entries, &path, Wrap::Plain);
        } else {
            write_safetensors(&entries, &path);
        }
        match ResNetEmbedder::load(&path, &Device::Cpu) {
            Err(EmbedError::MissingTensor { tensor, path: p }) => {
                assert_eq!(tensor, gone);
                assert_eq!(p, path);
            }
            other => panic!(
                "expected MissingTensor, got {:?}",
                other.map(|m| m.id().to_string())
            ),
        }
    }
    // An explicit depth the file does not have names the first absent block.
    let path = dir.path().join("r18.safetensors");
    write_safetensors(weights(18), &path);
    let err = ResNetEmbedder::load_with_depth(&path, 34, &Device::Cpu)
        .err()
        .expect("error");
    assert!(err.to_string().contains("layer1.2.conv1.weight"), "{err}");
}

#[test]
fn wrong_shape_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.safetensors");
    let mut entries = without(weights(18), "");
    let e = entries
        .iter_mut()
        .find(|e| e.name == "layer2.0.conv1.weight")
        .expect("entry");
    e.shape = vec![128, 64, 1, 9];
    write_safetensors(&entries, &path);
    match ResNetEmbedder::load(&path, &Device::Cpu) {
        Err(EmbedError::ShapeMismatch {
            tensor,
            found,
            expected,
            ..
        }) => {
            assert_eq!(tensor, "layer2.0.conv1.weight");
            assert_eq!(found, vec![128, 64, 1, 9]);
            assert_eq!(expected, vec![128, 64, 3, 3]);
        }
        other => panic!(
            "expected ShapeMismatch, got {:?}",
            other.map(|m| m.id().to_string())
        ),
    }
}

#[test]
fn garbage_files_give_errors_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.safetensors");
    write_safetensors(&without(weights(18), "")[..5], &good);
    let good_bytes = std::fs::read(&good).expect("read");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.safetensors", Vec::new()),
        (
            "noise.safetensors",
            (0..5000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect(),
        ),
        (
            "truncated.safetensors",
            good_bytes[..good_bytes.len() / 2].to_vec(),
        ),
        (
            "noise.pth",
            b"PK\x03\x04 this is not really a zip archive".to_vec(),
        ),
        ("legacy.pth", vec![0x80, 0x02, b'}', b'.']),
        ("text.pt", b"hello world, definitely not weights".to_vec()),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        let err = ResNetEmbedder::load(&path, &Device::Cpu)
            .err()
            .expect("must fail");
        println!("{name}: {err}");
        assert!(
            err.to_string().contains(name),
            "{name}: message should name the file: {err}"
        );
    }
    // Only some tensors: the first missing one is named.
    let err = ResNetEmbedder::load(&good, &Device::Cpu)
        .err()
        .expect("must fail");
    assert!(matches!(err, EmbedError::MissingTensor { .. }), "{err}");
    let missing = dir.path().join("does-not-exist.safetensors");
    assert!(ResNetEmbedder::load(&missing, &Device::Cpu).is_err());
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn resnet18_file_bytes() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("r.safetensors");
    write_safetensors(weights(18), &path);
    std::fs::read(&path).expect("read")
}

#[test]
fn download_from_loopback_hub() {
    let body = resnet18_file_bytes();
    let hub = resnet_support::hub::serve(body.clone(), hex_sha256(&body));
    let data = tempfile::tempdir().expect("tempdir");
    let last = Cell::new((0u64, None));
    let path = models::download("resnet18", data.path(), &hub.base, &|d, t| last.set((d, t)))
        .expect("download");
    assert_eq!(
        path,
        data.path().join("models").join("resnet18.safetensors")
    );
    assert_eq!(std::fs::read(&path).expect("read"), body);
    assert_eq!(last.get(), (body.len() as u64, Some(body.len() as u64)));
    let leftovers: Vec<PathBuf> = std::fs::read_dir(data.path().join("models"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(leftovers, vec![path.clone()], "no temp files left behind");
    // Redirect followed: resolve (302) + cdn (200).
    assert_eq!(hub.requests.load(std::sync::atomic::Ordering::SeqCst), 2);
    // And the named lookup now finds it first in the data dir.
    let spec: models::ModelSpec = "resnet18".parse().expect("spec");
    assert_eq!(models::resolve(&spec, data.path()).expect("resolve"), path);
}

#[test]
fn download_checksum_mismatch_is_rejected() {
    let body = resnet18_file_bytes();
    let hub = resnet_support::hub::serve(body, "0".repeat(64));
    let data = tempfile::tempdir().expect("tempdir");
    let err = models::download("resnet18", data.path(), &hub.base, &|_, _| {})
        .err()
        .expect("must fail");
    assert!(matches!(err, ModelError::Checksum { .. }), "{err}");
    let left = std::fs::read_dir(data.path().join("models"))
        .expect("dir")
        .count();
    assert_eq!(left, 0, "nothing may land in the models dir");
}

#[test]
fn download_of_wrong_network_is_rejected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("r.safetensors");
    write_safetensors(&without(weights(18), "layer4.1.conv2.weight"), &path);
    let body = std::fs::read(&path).expect("read");
    let hub = resnet_support::hub::serve(body.clone(), hex_sha256(&body));
    let data = tempfile::tempdir().expect("tempdir");
    let err = models::download("resnet18", data.path(), &hub.base, &|_, _| {})
        .err()
        .expect("must fail");
    assert!(err.to_string().contains("layer4.1.conv2.weight"), "{err}");
    assert_eq!(
        std::fs::read_dir(data.path().join("models"))
            .expect("dir")
            .count(),
        0
    );
}

#[test]
fn offline_download_fails_fast_and_says_what_to_do() {
    let data = tempfile::tempdir().expect("tempdir");
    let start = Instant::now();
    let err = models::download("resnet50", data.path(), "http://127.0.0.1:1", &|_, _| {})
        .err()
        .expect("must fail");
    let took = start.elapsed();
    let msg = err.to_string();
    println!("{msg} ({took:?})");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        msg.contains("http://127.0.0.1:1/timm/resnet50.a1_in1k/resolve/main/model.safetensors"),
        "{msg}"
    );
    let target = data.path().join("models").join("resnet50.safetensors");
    assert!(msg.contains(&target.display().to_string()), "{msg}");
    assert!(!target.exists());
}

#[test]
fn named_model_not_found_says_where_and_how() {
    let data = tempfile::tempdir().expect("tempdir");
    let empty = tempfile::tempdir().expect("tempdir");
    let spec = models::ModelSpec::ResNet { depth: 34 };
    let dirs = vec![data.path().join("models"), empty.path().to_path_buf()];
    let err = models::resolve_in(&spec, &dirs, data.path())
        .err()
        .expect("must fail");
    let msg = err.to_string();
    assert!(msg.contains(&empty.path().display().to_string()), "{msg}");
    assert!(msg.contains("lookalike models download resnet34"), "{msg}");
    assert!(
        msg.contains("resnet34.a1_in1k/resolve/main/model.safetensors"),
        "{msg}"
    );
    // torchvision's hashed file name and timm's folder layout are both found.
    std::fs::write(empty.path().join("resnet34-b627a593.pth"), b"x").expect("write");
    let found = models::resolve_in(&spec, &dirs, data.path()).expect("found");
    assert_eq!(found, empty.path().join("resnet34-b627a593.pth"));
    let timm = data.path().join("models/resnet34.a1_in1k");
    std::fs::create_dir_all(&timm).expect("mkdir");
    std::fs::write(timm.join("model.safetensors"), b"x").expect("write");
    let found = models::resolve_in(&spec, &dirs, data.path()).expect("found");
    assert_eq!(found, timm.join("model.safetensors"));
}

/// Inference throughput on the CPU (not a correctness test):
/// `cargo test --test resnet_parity -- --ignored --nocapture cpu_throughput`.
#[test]
#[ignore]
fn cpu_throughput() {
    let dir = tempfile::tempdir().expect("tempdir");
    for depth in [18u8, 50] {
        let path = dir.path().join(format!("resnet{depth}.safetensors"));
        write_safetensors(weights(depth), &path);
        let model = ResNetEmbedder::load(&path, &Device::Cpu).expect("load");
        for batch in [1usize, 4, 8, 16] {
            let x = inputs(1).repeat((batch, 1, 1, 1)).expect("repeat");
            model.forward(&x).expect("warm-up");
            let rounds = (32 / batch).max(2);
            let start = Instant::now();
            for _ in 0..rounds {
                model.forward(&x).expect("forward");
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "resnet{depth} batch {batch:2}: {:.1} images/s ({:.1} ms/image, {} threads)",
                (rounds * batch) as f64 / secs,
                1000.0 * secs / (rounds * batch) as f64,
                candle_core::utils::get_num_threads()
            );
        }
    }
}
