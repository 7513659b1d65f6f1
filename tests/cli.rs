//! End-to-end tests of the engine through the `lookalike` binary (the stable CLI contract).

use crate::common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn index_json(data: &Path, lib: &Path) -> Value {
    let out = lookalike_ok(data, &["index", lib.to_str().expect("utf8"), "--json"]);
    serde_json::from_str(out.trim()).expect("index --json")
}

fn query_json(data: &Path, img: &Path, k: usize) -> Vec<Value> {
    let out = lookalike_ok(
        data,
        &[
            "query",
            img.to_str().expect("utf8"),
            "-k",
            &k.to_string(),
            "--json",
        ],
    );
    let v: Value = serde_json::from_str(out.trim()).expect("query --json");
    v.as_array().expect("array").clone()
}

fn names(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|h| {
            Path::new(h["path"].as_str().expect("path"))
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn query_by_example_finds_edited_copies_first() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let data = tmp.path().join("data");
    write_library(&lib, 30);
    let original = scene(7, 960, 720);
    let edits = write_edits(&original, &lib, "target");
    // The query photo itself lives outside the library.
    let q = tmp.path().join("query.jpg");
    save_jpeg(&original, &q, 95);
    let report = index_json(&data, &lib);
    assert_eq!(report["photos"].as_u64(), Some(30 + edits.len() as u64));
    let hits = query_json(&data, &q, edits.len());
    let got = names(&hits);
    for e in &edits {
        let n = e.file_name().expect("name").to_string_lossy().into_owned();
        assert!(
            got.contains(&n),
            "{n} not among the top {}: {got:?}",
            edits.len()
        );
    }
    // Best first, scores in [-1, 1], absolute paths.
    let scores: Vec<f64> = hits
        .iter()
        .map(|h| h["score"].as_f64().expect("score"))
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(scores.iter().all(|s| (-1.0..=1.0001).contains(s)));
    assert!(
        hits.iter()
            .all(|h| Path::new(h["path"].as_str().expect("p")).is_absolute())
    );
}

#[test]
fn exif_orientation_embeds_like_the_upright_photo() {
    let tmp = tempfile::tempdir().expect("tmp");
    let img = scene(3, 400, 300);
    let upright = tmp.path().join("upright.jpg");
    let sideways = tmp.path().join("sideways.jpg");
    save_jpeg(&img, &upright, 92);
    save_jpeg_with_orientation(&image::imageops::rotate270(&img), &sideways, 6);
    let emb = |p: &Path| -> Vec<f64> {
        let out = lookalike_ok(
            tmp.path(),
            &[
                "embed",
                p.to_str().expect("utf8"),
                "--model",
                "descriptor",
                "--json",
            ],
        );
        let v: Value = serde_json::from_str(out.trim()).expect("embed json");
        v["embedding"]
            .as_array()
            .expect("embedding")
            .iter()
            .map(|x| x.as_f64().expect("f"))
            .collect()
    };
    let (a, b) = (emb(&upright), emb(&sideways));
    let norm: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-3, "not L2-normalised: {norm}");
    let cos: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    assert!(cos > 0.98, "EXIF-rotated copy embeds differently: {cos}");
}

#[test]
fn reindex_is_incremental_and_tracks_moves_and_deletes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let data = tmp.path().join("data");
    let files = write_library(&lib, 12);
    // Large enough that the pixels decoded for embedding make its grid thumbnail.
    save_jpeg(&scene(101, 1600, 1200), &files[1], 90);
    let first = index_json(&data, &lib);
    assert_eq!(first["embedded"].as_u64(), Some(12));
    let thumbs = || {
        std::fs::read_dir(data.join("thumbs"))
            .expect("thumbs")
            .count()
    };
    assert_eq!(
        thumbs(),
        1,
        "the indexer caches the large photo's thumbnail"
    );

    let again = index_json(&data, &lib);
    assert_eq!(again["embedded"].as_u64(), Some(0), "{again}");
    assert_eq!(again["unchanged"].as_u64(), Some(12), "{again}");

    // Move one photo into a subfolder under a new name: its embedding is kept.
    std::fs::create_dir_all(lib.join("sub")).expect("mkdir");
    let moved_to = lib.join("sub").join("renamed.jpg");
    std::fs::rename(&files[0], &moved_to).expect("rename");
    // Delete another; add a new one.
    std::fs::remove_file(&files[1]).expect("rm");
    save_jpeg(&scene(999, 480, 360), &lib.join("new.jpg"), 90);
    let third = index_json(&data, &lib);
    assert_eq!(third["moved"].as_u64(), Some(1), "{third}");
    assert_eq!(third["removed"].as_u64(), Some(1), "{third}");
    assert_eq!(third["embedded"].as_u64(), Some(1), "{third}");
    assert_eq!(third["photos"].as_u64(), Some(12), "{third}");
    assert_eq!(thumbs(), 0, "the deleted photo's thumbnail is removed");

    // A copy from outside the library finds the moved photo under its new name.
    let probe = tmp.path().join("probe.jpg");
    std::fs::copy(&moved_to, &probe).expect("copy");
    let hits = query_json(&data, &probe, 1);
    assert_eq!(names(&hits), vec!["renamed.jpg".to_string()]);
    let deleted = tmp.path().join("deleted-copy.jpg");
    save_jpeg(&scene(101, 480, 360), &deleted, 90); // same scene as files[1]
    let hits = query_json(&data, &deleted, 12);
    assert!(
        !names(&hits).contains(&"scene001.jpg".to_string()),
        "deleted file still returned"
    );
}

#[test]
fn bad_files_are_reported_and_the_rest_indexed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let data = tmp.path().join("data");
    write_library(&lib, 5);
    let good = std::fs::read(lib.join("scene000.jpg")).expect("read");
    std::fs::write(lib.join("truncated.jpg"), &good[..good.len() / 3]).expect("w");
    std::fs::write(lib.join("empty.jpg"), b"").expect("w");
    std::fs::write(lib.join("notes.jpg"), b"this is not a photo at all").expect("w");
    std::fs::write(lib.join("readme.txt"), b"ignored, not a photo").expect("w");
    // A PNG with a .jpg name and a JPEG with no extension are found by content.
    scene(55, 200, 150)
        .save_with_format(lib.join("really_png.jpg"), image::ImageFormat::Png)
        .expect("png");
    std::fs::write(lib.join("no_extension"), &good).expect("w");
    let mut corrupt = good.clone();
    for b in corrupt.iter_mut().skip(600).take(4000) {
        *b = 0x55;
    }
    std::fs::write(lib.join("corrupt.jpg"), &corrupt).expect("w");

    let out = lookalike(&data, &["index".as_ref(), lib.as_os_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let st: Value =
        serde_json::from_str(&lookalike_ok(&data, &["status", "--json"])).expect("status");
    let failures = st["failures"].as_array().expect("failures");
    let failed: Vec<&str> = failures
        .iter()
        .map(|f| f["path"].as_str().expect("p"))
        .collect();
    for name in ["empty.jpg", "notes.jpg"] {
        assert!(
            failed.iter().any(|p| p.ends_with(name)),
            "{name} not reported: {failed:?}"
        );
    }
    assert!(
        failures
            .iter()
            .all(|f| !f["reason"].as_str().expect("r").is_empty())
    );
    assert!(!failed.iter().any(|p| p.ends_with("readme.txt")));
    let photos = st["photos"].as_u64().expect("photos");
    // 5 scenes + really_png + no_extension (+ corrupt.jpg/truncated.jpg when the decoder
    // recovers a partial image, which is fine; they must then not be listed as failed).
    assert!(photos >= 7, "{st}");
    // 11 candidate files: readme.txt is not one.
    assert_eq!(photos + failures.len() as u64, 11, "{st}");
    assert_eq!(st["failed"].as_u64(), Some(failures.len() as u64));
    for key in ["embedder", "index", "data_dir"] {
        assert!(st.get(key).is_some(), "status --json lacks {key}");
    }
}

#[test]
fn corrupt_index_dump_is_rebuilt_and_queries_still_answer() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let data = tmp.path().join("data");
    let files = write_library(&lib, 10);
    index_json(&data, &lib);
    let before = names(&query_json(&data, &files[4], 3));
    // Scribble over every index file.
    for entry in walk(&data.join("index")) {
        if entry
            .extension()
            .is_some_and(|e| e == "graph" || e == "data")
        {
            let mut bytes = std::fs::read(&entry).expect("read");
            let n = bytes.len();
            bytes.truncate(n / 2);
            bytes.extend(std::iter::repeat_n(0xAB, 100));
            std::fs::write(&entry, bytes).expect("write");
        }
    }
    let after = names(&query_json(&data, &files[4], 3));
    assert_eq!(before, after);
    assert_eq!(after.len(), 3);
    assert!(
        !after.contains(&"scene004.jpg".to_string()),
        "the query photo itself is never its own result"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_round_trip() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let data = tmp.path().join("data");
    write_library(&lib, 3);
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9-\xff.jpg");
    let odd = lib.join(name);
    save_jpeg(&scene(42, 300, 200), &odd, 90);
    let out = lookalike(&data, &["index".as_ref(), lib.as_os_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Human output prints the real bytes; the file is found again by querying with a copy of
    // it from outside the library (the query photo itself is never its own result).
    let copy = tmp.path().join("query-copy.jpg");
    std::fs::copy(&odd, &copy).expect("copy");
    let out = lookalike(
        &data,
        &[
            "query".as_ref(),
            copy.as_os_str(),
            "-k".as_ref(),
            "1".as_ref(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = out.stdout;
    assert!(
        stdout.windows(name.len()).any(|w| w == name.as_bytes())
            || String::from_utf8_lossy(&stdout).contains("caf"),
        "{}",
        String::from_utf8_lossy(&stdout)
    );
    let lib_api = lookalike::core::library::Library::open(Some(data.clone())).expect("open");
    let photos = lib_api.catalog.photos().expect("photos");
    assert!(
        photos.iter().any(|p| p.path == odd),
        "path bytes changed in the catalog"
    );
}

#[test]
fn second_writer_is_refused_with_a_clear_message() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let lib = tmp.path().join("lib");
    write_library(&lib, 2);
    let dd = lookalike::core::datadir::DataDir::open(&data).expect("dd");
    let _held = dd.lock_writer().expect("first lock");
    let out = lookalike(&data, &["index".as_ref(), lib.as_os_str()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use") && err.contains("PID"), "{err}");
    assert_eq!(
        err.trim().lines().count(),
        1,
        "error must be one line: {err}"
    );
    drop(_held);
    // Readers work regardless; the lock is free again.
    lookalike_ok(&data, &["status"]);
    lookalike_ok(&data, &["index", lib.to_str().expect("utf8")]);
}

#[test]
fn corrupt_catalog_is_moved_aside_not_emptied_silently() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::write(data.join("catalog.sqlite"), vec![0x42u8; 8192]).expect("w");
    let out = lookalike(&data, &["status".as_ref()]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("moved to"), "{err}");
    let aside: Vec<_> = std::fs::read_dir(&data)
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
        .collect();
    assert_eq!(aside.len(), 1);
}

#[test]
fn errors_are_one_line_and_name_the_file() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("data");
    let out = lookalike(
        &data,
        &["query".as_ref(), "/nonexistent/photo.jpg".as_ref()],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/photo.jpg"), "{err}");
    assert_eq!(err.trim().lines().count(), 1);
    let q = tmp.path().join("q.jpg");
    save_jpeg(&scene(1, 100, 100), &q, 90);
    let out = lookalike(&data, &["query".as_ref(), q.as_os_str()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("lookalike index"));
}

#[test]
fn default_model_finds_the_same_kind_of_thing_from_real_photos() {
    // Real photos (scikit-image / matplotlib samples, see tests/fixtures/lite0/README.md):
    // with the default model (bundled EfficientNet-Lite0), the portrait of one person finds the
    // portrait of another before a cat, a coffee cup or a rocket.
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lite0");
    for name in [
        "grace_hopper.png",
        "chelsea.png",
        "coffee.png",
        "rocket.png",
    ] {
        std::fs::copy(fixtures.join(name), lib.join(name)).expect("copy");
    }
    let report = index_json(&data, &lib);
    assert!(
        report["embedder"]
            .as_str()
            .expect("embedder")
            .starts_with("lite0-"),
        "{report}"
    );
    let hits = query_json(&data, &fixtures.join("astronaut.png"), 4);
    assert_eq!(names(&hits)[0], "grace_hopper.png", "{hits:?}");
    let st: Value =
        serde_json::from_str(&lookalike_ok(&data, &["status", "--json"])).expect("status");
    assert!(st["embedder"].as_str().expect("e").starts_with("lite0-"));
}

#[test]
fn results_on_an_unplugged_drive_are_marked_missing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("drive");
    let data = tmp.path().join("data");
    let photos = write_library(&lib, 4);
    index_json(&data, &lib);
    // The query photo lives elsewhere; the library's drive goes away.
    let query = tmp.path().join("query.jpg");
    std::fs::copy(&photos[2], &query).expect("copy");
    let unplugged = tmp.path().join("drive-unplugged");
    std::fs::rename(&lib, &unplugged).expect("unplug");
    let hits = query_json(&data, &query, 4);
    assert_eq!(hits.len(), 4, "the catalog still answers");
    assert_eq!(names(&hits)[0], "scene002.jpg");
    assert!(
        hits.iter().all(|h| h["missing"] == Value::Bool(true)),
        "{hits:?}"
    );
    let human = lookalike_ok(&data, &["query", query.to_str().expect("utf8"), "-k", "1"]);
    assert!(human.contains("missing"), "{human}");
    // Plugged back in: nothing is marked.
    std::fs::rename(&unplugged, &lib).expect("plug");
    let hits = query_json(&data, &query, 4);
    assert!(hits.iter().all(|h| h.get("missing").is_none()), "{hits:?}");
}

/// `dupes --trash --yes` then `dupes --undo`, through the real system trash (a freedesktop trash
/// under a temporary XDG_DATA_HOME, so the user's own trash is never touched).
#[cfg(target_os = "linux")]
#[test]
fn trashed_copies_come_back_with_undo() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    let data = tmp.path().join("data");
    let photos = write_library(&lib, 3);
    let copy = lib.join("copy-of-scene001.jpg");
    std::fs::copy(&photos[1], &copy).expect("copy");
    index_json(&data, &lib);
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_lookalike"))
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .env("XDG_DATA_HOME", tmp.path().join("xdg"))
            .env("HOME", tmp.path().join("home"))
            .output()
            .expect("run");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    let (ok, text) = run(&["dupes", "--trash", "--yes"]);
    assert!(ok, "{text}");
    let gone: Vec<&Path> = [photos[1].as_path(), copy.as_path()]
        .into_iter()
        .filter(|p| !p.exists())
        .collect();
    assert_eq!(gone.len(), 1, "one of the two copies goes: {text}");
    assert!(
        tmp.path()
            .join("xdg/Trash/files")
            .read_dir()
            .is_ok_and(|mut d| d.next().is_some())
    );
    let (ok, text) = run(&["dupes", "--undo"]);
    assert!(ok, "{text}");
    assert!(gone[0].exists(), "put back: {text}");
    assert!(text.contains("Put back 1 files"), "{text}");
    let (ok, text) = run(&["dupes", "--undo"]);
    assert!(ok, "{text}");
    assert!(text.contains("Nothing to undo"), "{text}");
}
