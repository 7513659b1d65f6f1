//! ResNet embeddings equal torchvision's on the same weights and pixels, loaded through the
//! real `.safetensors` and PyTorch `.pth` paths; broken files give errors, never panics.
//! (Downloads and model lookup: `tests/model_download.rs`.)
//!
//! References: `tests/fixtures/resnet/*.json`, written by `make_reference.py` (see its header).

use crate::resnet_support;

use std::path::Path;
use std::time::Instant;

use candle_core::{Device, Tensor};
use lookalike::core::embed::resnet::{Kernels, ResNetEmbedder};
use lookalike::core::embed::{EmbedError, Embedder};
use resnet_support::pth::{Wrap, write_pth};
use resnet_support::{cosine, floats, make_input, reference, weights, without, write_safetensors};
use sha2::{Digest, Sha256};

/// The spec's bar, and a much tighter one that f32 inference comfortably meets.
const MIN_COSINE: f64 = 0.9999;
const TIGHT_COSINE: f64 = 0.999_999;

fn inputs(n: usize) -> Tensor {
    let data: Vec<f32> = (0..n).flat_map(make_input).collect();
    Tensor::from_vec(data, (n, 3, 224, 224), &Device::Cpu).expect("input tensor")
}

fn check_parity(path: &Path, depth: u8) {
    // The NHWC Rust kernels (the CPU default) and plain Candle ops (what CUDA/Metal run).
    for kernels in [Kernels::Auto, Kernels::CandleOps] {
        check_parity_with(path, depth, kernels);
    }
}

fn check_parity_with(path: &Path, depth: u8, kernels: Kernels) {
    let model = ResNetEmbedder::load_with(path, None, &Device::Cpu, kernels).expect("load");
    check_model(&model, path, depth, TIGHT_COSINE);
}

/// `model`'s embeddings of the reference inputs equal torchvision's to `min_cosine`, and its raw
/// (pre-normalisation) features have torchvision's norms.
fn check_model(model: &ResNetEmbedder, path: &Path, depth: u8, min_cosine: f64) {
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
            "resnet{depth} {:?} {} input {i}: 1 - cosine = {:.2e}",
            model.kernels(),
            path.display(),
            1.0 - cos
        );
        assert!(cos >= MIN_COSINE, "input {i}: cosine {cos} < {MIN_COSINE}");
        assert!(cos >= min_cosine, "input {i}: cosine {cos} < {min_cosine}");
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
    let err = ResNetEmbedder::load_with_depth(&path, 34, &Device::Cpu).expect_err("error");
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
        let err = ResNetEmbedder::load(&path, &Device::Cpu).expect_err("must fail");
        println!("{name}: {err}");
        assert!(
            err.to_string().contains(name),
            "{name}: message should name the file: {err}"
        );
    }
    // A pickle whose tensor record is cut short (Candle's unpickler would index past its end).
    let short = dir.path().join("short-record.pth");
    let pickle = b"\x80\x02}(X\x0c\x00\x00\x00conv1.weightctorch._utils\n_rebuild_tensor_v2\n)Ru.";
    resnet_support::pth::write_zip(&short, &[("archive/data.pkl", pickle)]);
    let err = ResNetEmbedder::load(&short, &Device::Cpu).expect_err("must fail");
    println!("short-record.pth: {err}");
    assert!(matches!(err, EmbedError::Weights { .. }), "{err}");
    // Only some tensors: the first missing one is named.
    let err = ResNetEmbedder::load(&good, &Device::Cpu).expect_err("must fail");
    assert!(matches!(err, EmbedError::MissingTensor { .. }), "{err}");
    let missing = dir.path().join("does-not-exist.safetensors");
    assert!(ResNetEmbedder::load(&missing, &Device::Cpu).is_err());
}

/// Reads weight files PyTorch itself wrote (`make_reference.py --write-torch-files DIR`:
/// `resnet{18,50}.pth` by `torch.save`, `.safetensors` by `safetensors.torch`) from the folder in
/// `LOOKALIKE_TORCH_FILES`: `cargo test --test tests -- --ignored resnet_parity::torch_written`.
#[test]
#[ignore]
fn torch_written_files_match_reference() {
    let dir = std::env::var_os("LOOKALIKE_TORCH_FILES").expect("set LOOKALIKE_TORCH_FILES");
    for depth in [18u8, 50] {
        for ext in ["pth", "safetensors"] {
            check_parity(&Path::new(&dir).join(format!("resnet{depth}.{ext}")), depth);
        }
    }
}

/// Writes this test's `.pth` (plain and nested) and `.safetensors` files into the folder in
/// `LOOKALIKE_RUST_FILES`, for `make_reference.py --check-rust-files DIR` (torch.load with
/// `weights_only=True`): `cargo test --test tests -- --ignored resnet_parity::write_rust_files`.
#[test]
#[ignore]
fn write_rust_files_for_torch() {
    let dir = std::env::var_os("LOOKALIKE_RUST_FILES").expect("set LOOKALIKE_RUST_FILES");
    let dir = Path::new(&dir);
    write_pth(weights(18), &dir.join("resnet18.pth"), Wrap::Plain);
    let nested = Wrap::Nested {
        key: "state_dict",
        prefix: "module.",
    };
    write_pth(weights(18), &dir.join("resnet18-nested.pth"), nested);
    write_safetensors(weights(18), &dir.join("resnet18.safetensors"));
}

/// Inference throughput on the CPU (not a correctness test):
/// `cargo test --test tests -- --ignored --nocapture resnet_parity::cpu_throughput`.
#[test]
#[ignore]
fn cpu_throughput() {
    let dir = tempfile::tempdir().expect("tempdir");
    for depth in [18u8, 50] {
        let path = dir.path().join(format!("resnet{depth}.safetensors"));
        write_safetensors(weights(depth), &path);
        for kernels in [Kernels::Auto, Kernels::CandleOps] {
            let model =
                ResNetEmbedder::load_with(&path, None, &Device::Cpu, kernels).expect("load");
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
                    "resnet{depth} {:?} batch {batch:2}: {:.1} images/s ({:.1} ms/image, {} threads)",
                    model.kernels(),
                    (rounds * batch) as f64 / secs,
                    1000.0 * secs / (rounds * batch) as f64,
                    candle_core::utils::get_num_threads()
                );
            }
        }
    }
}

/// The same parity on a CUDA GPU, through Candle's CUDA kernels (CUDA builds only:
/// `cargo test --release --features cuda --test tests cuda`): ResNet-18 from
/// `.safetensors` and ResNet-50 from `.pth` give torchvision's embeddings, and a batch on the GPU
/// embeds as the CPU does.
#[cfg(feature = "cuda")]
#[test]
fn cuda_matches_torchvision() {
    use lookalike::core::device::{DevicePref, describe, select_device};
    let gpu = select_device(DevicePref::Cuda).expect("a CUDA device");
    assert_eq!(describe(&gpu), "cuda:0");
    let dir = tempfile::tempdir().expect("tempdir");
    for (depth, name) in [(18u8, "resnet18.safetensors"), (50, "resnet50.pth")] {
        let path = dir.path().join(name);
        if name.ends_with(".pth") {
            write_pth(weights(depth), &path, Wrap::Plain);
        } else {
            write_safetensors(weights(depth), &path);
        }
        let model = ResNetEmbedder::load(&path, &gpu).expect("load on the GPU");
        assert!(model.device().is_cuda());
        assert_eq!(model.kernels(), Kernels::CandleOps);
        check_model(&model, &path, depth, MIN_COSINE);
        let cpu = ResNetEmbedder::load(&path, &Device::Cpu).expect("load on the CPU");
        let x = inputs(4);
        let (g, c) = (
            model.embed_tensor(&x).expect("gpu"),
            cpu.embed_tensor(&x).expect("cpu"),
        );
        for (i, (g, c)) in g.iter().zip(&c).enumerate() {
            let cos = cosine(g, c);
            println!(
                "resnet{depth} batch of 4, input {i}: GPU vs CPU 1 - cosine = {:.2e}",
                1.0 - cos
            );
            assert!(cos >= MIN_COSINE, "input {i}: GPU vs CPU cosine {cos}");
        }
    }
}

/// Network throughput on a CUDA GPU, weights and inputs already on the device (not a correctness
/// test): `cargo test --release --features cuda --test tests resnet_parity:: -- --ignored --nocapture
/// cuda_throughput`.
#[cfg(feature = "cuda")]
#[test]
#[ignore]
fn cuda_throughput() {
    use lookalike::core::device::{DevicePref, select_device};
    let gpu = select_device(DevicePref::Cuda).expect("a CUDA device");
    let dir = tempfile::tempdir().expect("tempdir");
    for depth in [18u8, 50] {
        let path = dir.path().join(format!("resnet{depth}.safetensors"));
        write_safetensors(weights(depth), &path);
        let model = ResNetEmbedder::load(&path, &gpu).expect("load");
        for batch in [1usize, 8, 32, 64, 128] {
            let x = inputs(1)
                .repeat((batch, 1, 1, 1))
                .and_then(|x| x.to_device(&gpu))
                .expect("input on the GPU");
            model.forward(&x).expect("warm-up");
            gpu.synchronize().expect("sync");
            let rounds = (512 / batch).clamp(4, 64);
            let start = Instant::now();
            for _ in 0..rounds {
                model.forward(&x).expect("forward");
            }
            gpu.synchronize().expect("sync");
            let secs = start.elapsed().as_secs_f64();
            println!(
                "resnet{depth} cuda batch {batch:3}: {:.0} images/s ({:.2} ms/image)",
                (rounds * batch) as f64 / secs,
                1000.0 * secs / (rounds * batch) as f64
            );
        }
    }
}
