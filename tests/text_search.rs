//! Search by words through the CLI, end to end, with a small CLIP checkpoint the test writes
//! (the parity tests prove the network; these prove the pipeline): what a user without CLIP is
//! told, adding CLIP to an indexed library (only CLIP runs), text queries ranked exactly by the
//! cosine of the words' and the photos' vectors, "like this photo, but …", `--not`, filters.

use crate::clip_support;
use crate::common::{self, lookalike, lookalike_json, lookalike_ok, write_library};
use candle_core::Device;
use lookalike::core::embed::Embedder;
use lookalike::core::embed::clip::model::{ClipImageEmbedder, ClipTextEncoder};
use lookalike::core::library::Library;
use std::path::{Path, PathBuf};

/// Where `models download clip` saves the checkpoint; the small test model goes there.
const CLIP_FILE: &str = "clip-vit-base-patch32.safetensors";

fn put_clip(data: &Path) -> PathBuf {
    let dir = data.join("models");
    std::fs::create_dir_all(&dir).expect("models dir");
    clip_support::write_small(&dir, CLIP_FILE)
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
    v
}

/// Every photo's stored CLIP vector, read from the catalog.
fn image_vectors(data: &Path, clip: &Path) -> Vec<(PathBuf, Vec<f32>)> {
    let id = ClipImageEmbedder::load(clip, &Device::Cpu)
        .expect("image tower")
        .id()
        .to_string();
    let lib = Library::open_read_only(Some(data.to_path_buf())).expect("library");
    lib.catalog
        .vectors(&id)
        .expect("vectors")
        .into_iter()
        .map(|(pid, v)| {
            let info = lib.catalog.photo(pid).expect("photo").expect("exists");
            (info.path, v)
        })
        .collect()
}

/// The ranking a query vector must give: every photo by descending cosine.
fn expected_order(q: &[f32], vectors: &[(PathBuf, Vec<f32>)], skip: Option<&Path>) -> Vec<PathBuf> {
    let mut scored: Vec<(f32, PathBuf)> = vectors
        .iter()
        .filter(|(p, _)| Some(p.as_path()) != skip)
        .map(|(p, v)| (dot(q, v), p.clone()))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().map(|(_, p)| p).collect()
}

fn paths(v: &serde_json::Value) -> Vec<PathBuf> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|h| PathBuf::from(h["path"].as_str().expect("path")))
        .collect()
}

fn scores(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|h| h["score"].as_f64().expect("score") as f32)
        .collect()
}

#[test]
fn without_clip_every_entry_point_says_how_to_get_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    write_library(&lib, 3);
    common::index_descriptor(&data, &lib);
    let out = lookalike(
        &data,
        &["query".as_ref(), "--text".as_ref(), "a dog".as_ref()],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("lookalike models download clip"), "{err}");
    let status = lookalike_json(&data, &["status", "--json"]);
    assert!(status["text_search"]["model_file"].is_null(), "{status}");
    assert!(lookalike_ok(&data, &["status"]).contains("models download clip"));
}

#[test]
fn adding_clip_to_an_indexed_library_embeds_only_clip_then_words_find_photos() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    let photos = write_library(&lib, 6);
    let lib_s = lib.to_str().expect("utf8");
    // Indexed first without CLIP (the descriptor keeps this test fast).
    common::index_descriptor(&data, &lib);
    let clip = put_clip(&data);

    // `index` with no folder re-scans the library: only CLIP runs for the six photos.
    let report = lookalike_json(&data, &["index", "--json"]);
    assert_eq!(report["topped_up"], 6, "{report}");
    assert_eq!(report["unchanged"], 0, "{report}");
    let status = lookalike_json(&data, &["status", "--json"]);
    assert_eq!(status["text_search"]["photos_with_vectors"], 6, "{status}");
    // A second run has nothing left to do.
    let again = lookalike_json(&data, &["index", lib_s, "--json"]);
    assert_eq!(
        (again["unchanged"].as_u64(), again["topped_up"].as_u64()),
        (Some(6), Some(0))
    );

    // Words: ranked exactly by the cosine of the words' vector and each photo's.
    let vectors = image_vectors(&data, &clip);
    assert_eq!(vectors.len(), 6);
    let text = ClipTextEncoder::load(&clip, &Device::Cpu).expect("text tower");
    let words = "a red boat on a lake";
    let q = text.embed_text(words).expect("words");
    let hits = lookalike_json(&data, &["query", "--text", words, "-k", "4", "--json"]);
    assert_eq!(paths(&hits), expected_order(&q, &vectors, None)[..4]);
    let s = scores(&hits);
    assert!(s.windows(2).all(|w| w[0] >= w[1]), "best first: {s:?}");
    assert!(
        (s[0]
            - dot(
                &q,
                &vectors
                    .iter()
                    .find(|(p, _)| *p == paths(&hits)[0])
                    .expect("top")
                    .1
            ))
        .abs()
            < 1e-4
    );

    // Human output says what was searched.
    let human = lookalike_ok(&data, &["query", "--text", words, "-k", "2"]);
    assert!(human.contains("“a red boat on a lake”"), "{human}");

    // Like this photo, but as the words say: photo + 2·words, the photo itself excluded.
    let photo = &vectors[2];
    assert!(
        photos
            .iter()
            .any(|p| p.canonicalize().ok().as_ref() == Some(&photo.0))
    );
    let combined = unit(photo.1.iter().zip(&q).map(|(p, w)| p + 2.0 * w).collect());
    let photo_arg = photo.0.to_str().expect("utf8");
    let hits = lookalike_json(&data, &["query", photo_arg, "--text", words, "--json"]);
    assert_eq!(
        paths(&hits),
        expected_order(&combined, &vectors, Some(&photo.0))
    );

    // And not like these words.
    let not = text.embed_text("a photo of a cat").expect("not");
    let away = unit(q.iter().zip(&not).map(|(w, n)| 2.0 * w - n).collect());
    let hits = lookalike_json(
        &data,
        &[
            "query",
            "--text",
            words,
            "--not",
            "a photo of a cat",
            "--json",
        ],
    );
    assert_eq!(paths(&hits), expected_order(&away, &vectors, None));

    // Filters apply to words too.
    let hits = lookalike_json(
        &data,
        &["query", "--text", words, "--name", "scene001", "--json"],
    );
    assert_eq!(paths(&hits), vec![photos[1].canonicalize().expect("abs")]);
}

#[test]
fn a_clip_file_given_as_the_model_answers_image_and_word_queries() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lib, data) = (tmp.path().join("lib"), tmp.path().join("data"));
    let photos = write_library(&lib, 4);
    let clip = clip_support::write_small(tmp.path(), "my-clip.safetensors");
    let report = lookalike_json(
        &data,
        &[
            "index",
            lib.to_str().expect("utf8"),
            "--model",
            clip.to_str().expect("utf8"),
            "--json",
        ],
    );
    let net = ClipImageEmbedder::load(&clip, &Device::Cpu).expect("load");
    assert_eq!(report["embedder"].as_str(), Some(net.id()), "{report}");
    assert_eq!(report["embedded"], 4);
    let hits = lookalike_json(&data, &["query", "--text", "snow", "--json"]);
    assert_eq!(hits.as_array().map(Vec::len), Some(4));
    let by_image = lookalike_json(
        &data,
        &["query", photos[0].to_str().expect("utf8"), "--json"],
    );
    assert_eq!(by_image.as_array().map(Vec::len), Some(3), "{by_image}");
}
