//! Model weights by name and from the hub: the download against a loopback server standing in
//! for the Hugging Face hub (redirect, `X-Linked-Etag` SHA-256, `Content-Length`), checksum and
//! content checks, the offline error message, and the "not found" message.

use crate::resnet_support;

use std::cell::Cell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use lookalike::core::models::{self, ModelError};
use lookalike::core::progress::CancelFlag;
use resnet_support::{weights, without, write_safetensors};
use sha2::{Digest, Sha256};

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The known model `name` without its pinned checksum and size, as a model described at run
/// time is: the tests serve weights they write themselves, which cannot match the real file's
/// SHA-256, so the transfer is checked against the hub's `X-Linked-Etag` instead. Everything
/// else (URL, resume, checks, placement) is the real path.
fn unpinned(name: &str) -> models::KnownModel {
    models::KnownModel {
        sha256: None,
        size: None,
        ..*models::known_model(name).expect("known")
    }
}

/// Download `name` (unpinned) with no progress display and no cancel (what most tests need).
fn fetch(name: &str, data: &std::path::Path, hub: &str) -> Result<PathBuf, ModelError> {
    models::download_model(&unpinned(name), data, hub, &|_, _| {}, &CancelFlag::new())
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
    let path = models::download_model(
        &unpinned("resnet18"),
        data.path(),
        &hub.base,
        &|d, t| last.set((d, t)),
        &CancelFlag::new(),
    )
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
    let err = fetch("resnet18", data.path(), &hub.base).expect_err("must fail");
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
    let err = fetch("resnet18", data.path(), &hub.base).expect_err("must fail");
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
    let err = fetch("resnet50", data.path(), "http://127.0.0.1:1").expect_err("must fail");
    let took = start.elapsed();
    let msg = err.to_string();
    println!("{msg} ({took:?})");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        msg.contains(
            "http://127.0.0.1:1/timm/resnet50.a1_in1k/resolve/\
             767268603ca0cb0bfe326fa87277f19c419566ef/model.safetensors"
        ),
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
    let err = models::resolve_in(&spec, &dirs, data.path()).expect_err("must fail");
    let msg = err.to_string();
    assert!(msg.contains(&empty.path().display().to_string()), "{msg}");
    assert!(msg.contains("lookalike models download resnet34"), "{msg}");
    assert!(msg.contains("resnet34.a1_in1k/resolve/"), "{msg}");
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

#[test]
fn model_names_parse_and_list() {
    use models::ModelSpec;
    assert_eq!(
        "descriptor".parse::<ModelSpec>().ok(),
        Some(ModelSpec::Descriptor)
    );
    assert_eq!("lite0".parse::<ModelSpec>().ok(), Some(ModelSpec::Lite0));
    assert_eq!(
        "ResNet50".parse::<ModelSpec>().ok(),
        Some(ModelSpec::ResNet { depth: 50 })
    );
    assert_eq!(
        "weights/r.pth".parse::<ModelSpec>().ok(),
        Some(ModelSpec::File("weights/r.pth".into()))
    );
    let err = "resnet51".parse::<ModelSpec>().expect_err("typo");
    assert!(err.to_string().contains("resnet51"), "{err}");
    for name in [
        "descriptor",
        "lite0",
        "resnet18",
        "resnet34",
        "resnet50",
        "clip",
        "clip-large",
    ] {
        assert_eq!(name.parse::<ModelSpec>().expect("name").to_string(), name);
    }

    let data = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(data.path().join("models")).expect("mkdir");
    let r18 = data.path().join("models/resnet18.pth");
    std::fs::write(&r18, b"x").expect("write");
    let list = models::list_models(data.path());
    let names: Vec<&str> = list.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "descriptor",
            "lite0",
            "resnet18",
            "resnet34",
            "resnet50",
            "clip",
            "clip-large"
        ]
    );
    assert_eq!(
        "CLIP-ViT-B32".parse::<ModelSpec>().ok(),
        Some(ModelSpec::Clip { large: false })
    );
    assert!(list[5].downloadable && !list[5].available && list[5].dim == 512);
    assert_eq!(list[6].dim, 768);
    let r = &list[2];
    assert!(r.available && r.downloadable && r.dim == 512);
    assert_eq!(r.file.as_deref(), Some(r18.as_path()));
    assert!(list[0].available && !list[0].downloadable);
    assert_eq!(list[4].dim, 2048);
}

#[test]
fn a_cut_download_resumes_where_it_stopped() {
    let body = resnet18_file_bytes();
    let cut = body.len() / 3;
    let hub = resnet_support::hub::serve_with(
        body.clone(),
        hex_sha256(&body),
        resnet_support::hub::Behaviour {
            cut_first_after: Some(cut),
        },
    );
    let data = tempfile::tempdir().expect("tempdir");
    let err = fetch("resnet18", data.path(), &hub.base).expect_err("the first transfer is cut");
    assert!(matches!(err, ModelError::Download { .. }), "{err}");
    assert!(err.to_string().contains("resume"), "{err}");
    let partial = data
        .path()
        .join("models")
        .join("resnet18.safetensors.download.tmp");
    assert_eq!(
        std::fs::metadata(&partial).expect("partial kept").len(),
        cut as u64
    );
    assert!(!data.path().join("models/resnet18.safetensors").exists());

    let first = Cell::new(None);
    let path = models::download_model(
        &unpinned("resnet18"),
        data.path(),
        &hub.base,
        &|d, t| {
            if first.get().is_none() {
                first.set(Some((d, t)));
            }
        },
        &CancelFlag::new(),
    )
    .expect("resumed download");
    assert_eq!(std::fs::read(&path).expect("read"), body);
    assert_eq!(
        *hub.ranges.lock().expect("ranges"),
        vec![format!("bytes={cut}-"); 2],
        "both requests of the second attempt (resolve, cdn) asked for the rest only"
    );
    // Progress starts from the bytes already there, out of the whole file.
    assert_eq!(first.get(), Some((cut as u64, Some(body.len() as u64))));
    assert!(!partial.exists());
}

#[test]
fn a_cancelled_download_stops_and_resumes_later() {
    let body = resnet18_file_bytes();
    let hub = resnet_support::hub::serve(body.clone(), hex_sha256(&body));
    let data = tempfile::tempdir().expect("tempdir");
    let cancel = CancelFlag::new();
    let err = models::download_model(
        &unpinned("resnet18"),
        data.path(),
        &hub.base,
        &|done, _| {
            if done > 0 {
                cancel.cancel();
            }
        },
        &cancel,
    )
    .expect_err("cancelled");
    assert!(matches!(err, ModelError::Cancelled { .. }), "{err}");
    let partial = data
        .path()
        .join("models")
        .join("resnet18.safetensors.download.tmp");
    let kept = std::fs::metadata(&partial).expect("partial kept").len();
    assert!(kept > 0 && kept < body.len() as u64, "{kept}");
    let path = fetch("resnet18", data.path(), &hub.base).expect("resumed");
    assert_eq!(std::fs::read(&path).expect("read"), body);
}

#[test]
fn a_corrupt_partial_file_is_not_kept() {
    // A checksum mismatch deletes the partial file: the next attempt starts from zero.
    let body = resnet18_file_bytes();
    let hub = resnet_support::hub::serve(body, "1".repeat(64));
    let data = tempfile::tempdir().expect("tempdir");
    fetch("resnet18", data.path(), &hub.base).expect_err("mismatch");
    assert!(
        !data
            .path()
            .join("models/resnet18.safetensors.download.tmp")
            .exists()
    );
}

#[test]
fn clip_comes_from_the_pinned_safetensors_commit_and_another_size_is_refused_before_writing() {
    // OpenAI's repository serves `model.safetensors` only from its conversion commit (`main`
    // has the PyTorch pickle alone), so the URL must name that commit. A server offering a file
    // of another size than the pinned one is refused before a byte is written.
    let body = b"not the 605 MB checkpoint".to_vec();
    let hub = resnet_support::hub::serve(body.clone(), hex_sha256(&body));
    let data = tempfile::tempdir().expect("tempdir");
    let err = models::download(
        "clip",
        data.path(),
        &hub.base,
        &|_, _| {},
        &CancelFlag::new(),
    )
    .expect_err("wrong size");
    let msg = err.to_string();
    assert!(msg.contains("605157884 bytes"), "{msg}");
    assert_eq!(
        hub.paths.lock().expect("paths")[0],
        "/openai/clip-vit-base-patch32/resolve/b33cedfd0df4e43b8238760678fcc89e1a0d38b3/\
         model.safetensors"
    );
    assert!(
        !data
            .path()
            .join("models/clip-vit-base-patch32.safetensors")
            .exists()
    );
}

#[test]
fn the_pinned_checksum_wins_over_the_servers_own() {
    // The hub's etag agrees with the bytes it sends, but they are not the pinned file.
    let body = resnet18_file_bytes();
    let hub = resnet_support::hub::serve(body.clone(), hex_sha256(&body));
    let data = tempfile::tempdir().expect("tempdir");
    let err = models::download(
        "resnet34",
        data.path(),
        &hub.base,
        &|_, _| {},
        &CancelFlag::new(),
    )
    .expect_err("not the pinned file");
    match &err {
        ModelError::Checksum {
            expected, found, ..
        } => {
            assert_eq!(
                expected,
                models::known_model("resnet34")
                    .and_then(|m| m.sha256)
                    .expect("pinned")
            );
            assert_eq!(found, &hex_sha256(&body));
        }
        other => panic!("expected a checksum error, got {other}"),
    }
    assert_eq!(
        std::fs::read_dir(data.path().join("models"))
            .expect("dir")
            .count(),
        0,
        "nothing lands in the models dir"
    );
}

#[test]
fn every_downloadable_model_has_a_pinned_checksum() {
    for m in models::KNOWN_MODELS {
        let sha = m
            .sha256
            .unwrap_or_else(|| panic!("{} has no pinned SHA-256", m.name));
        assert!(
            sha.len() == 64
                && sha
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "{}: {sha}",
            m.name
        );
        if let Some(size) = m.size {
            let mb = size as f64 / 1e6;
            assert!(
                (mb - m.approx_mb as f64).abs() / mb < 0.05,
                "{}: {mb} MB vs {}",
                m.name,
                m.approx_mb
            );
        }
    }
}
