//! A large library keeps no HNSW graph (past `index::flat_from()` photos, 200,000 by default):
//! its index is the partitioned snapshot plus the changes since, and it must answer queries,
//! follow edits of the library and find duplicates exactly as a small library's graph does.
//! `LOOKALIKE_FLAT_FROM` / `VectorIndex::open_with` bring the threshold down to test sizes.

use crate::common::*;
use lookalike::core::catalog::{Catalog, PhotoRecord};
use lookalike::core::index::{VectorIndex, dot};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const EMBEDDER: &str = "large-test";
const DIM: usize = 64;

/// `n` unit vectors in clusters of 20 (deterministic; `salt` varies them).
fn clustered(n: usize, salt: u64) -> Vec<Vec<f32>> {
    clustered_unit_vectors(n, DIM, 20, 0x9E37_79B9_7F4A_7C15 ^ salt)
}

fn record(i: usize, v: &[f32]) -> PhotoRecord {
    PhotoRecord {
        path: PathBuf::from(format!("/photos/{i}.jpg")),
        size: 1,
        hash: Some(*blake3::hash(&i.to_le_bytes()).as_bytes()),
        width: 8,
        height: 8,
        orientation: 1,
        format: "jpeg".into(),
        embeddings: vec![(EMBEDDER.to_string(), v.to_vec())],
        ..Default::default()
    }
}

/// Share of the exact top 10 that `index` returns, over queries drawn from `live`.
fn recall(index: &VectorIndex, live: &HashMap<i64, Vec<f32>>) -> f64 {
    let mut ids: Vec<i64> = live.keys().copied().collect();
    ids.sort_unstable();
    let (mut found, mut wanted) = (0, 0);
    for id in ids.iter().step_by(ids.len() / 50) {
        let q = &live[id];
        let got: HashSet<i64> = index.search(q, 10).into_iter().map(|n| n.id).collect();
        let truth = exact_top(live, q, 10);
        wanted += truth.len();
        found += truth.iter().filter(|t| got.contains(t)).count();
    }
    found as f64 / wanted as f64
}

#[test]
fn a_large_library_has_no_graph_answers_exactly_and_follows_every_change() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut catalog, _) = Catalog::open(&tmp.path().join("catalog.sqlite")).expect("catalog");
    let dir = tmp.path().join("index");
    let vecs = clustered(3000, 1);
    let records: Vec<PhotoRecord> = vecs.iter().enumerate().map(|(i, v)| record(i, v)).collect();
    let ids = catalog.upsert(&records).expect("upsert");
    let mut live: HashMap<i64, Vec<f32>> = ids.iter().copied().zip(vecs.clone()).collect();
    const FROM: usize = 1000;

    // Built from the catalog without a graph, saved as the snapshot alone.
    let mut idx = VectorIndex::open_with(&dir, &catalog, EMBEDDER, DIM, FROM).expect("open");
    assert!(idx.is_flat());
    assert_eq!(idx.len(), 3000);
    idx.save(&dir, &catalog.epoch().expect("epoch"))
        .expect("save");
    assert_eq!(dump_files(&dir, EMBEDDER), ["manifest.json", "vectors.bin"]);

    // Reopened from that snapshot: the exact neighbours, exact scores.
    let mut idx = VectorIndex::open_with(&dir, &catalog, EMBEDDER, DIM, FROM).expect("reopen");
    assert!(idx.is_flat() && !idx.is_dirty());
    assert!(
        recall(&idx, &live) >= 0.99,
        "recall {}",
        recall(&idx, &live)
    );
    let first = idx.search(&live[&ids[7]], 1);
    assert_eq!(first[0].id, ids[7]);
    assert!((first[0].score - 1.0).abs() < 1e-5);

    // Removed, changed and new photos are followed before and after the next save.
    let removed: Vec<i64> = ids.iter().step_by(97).copied().collect();
    for id in &removed {
        idx.remove(*id);
        live.remove(id);
    }
    let moved = clustered(3000, 2);
    let changed: Vec<(i64, Vec<f32>)> = (0..20)
        .map(|i| (ids[i * 13 + 1], moved[i].clone()))
        .collect();
    let added: Vec<(i64, Vec<f32>)> = (0..40)
        .map(|i| (100_000 + i as i64, moved[500 + i].clone()))
        .collect();
    idx.insert_many(&changed);
    idx.insert_many(&added);
    live.extend(changed.iter().cloned());
    live.extend(added.iter().cloned());
    let check = |idx: &VectorIndex| {
        assert_eq!(idx.len(), live.len());
        for id in &removed {
            assert!(!idx.contains(*id));
        }
        for (id, v) in changed.iter().chain(&added) {
            let hit = idx.search(v, 1);
            assert_eq!(
                hit[0].id, *id,
                "a changed or new photo is found by its vector"
            );
            assert!((hit[0].score - 1.0).abs() < 1e-5);
        }
        let r = recall(idx, &live);
        assert!(r >= 0.99, "recall {r}");
    };
    check(&idx);
    idx.save(&dir, "after-edits").expect("save");
    let reread = VectorIndex::open_with(&dir, &catalog, EMBEDDER, DIM, FROM);
    // The catalog's epoch is not "after-edits": opening reconciles with the catalog, which
    // never saw these edits, so it must come back to the catalog's 3000 photos.
    let reread = reread.expect("reopen");
    assert_eq!(reread.len(), 3000);
    assert!(removed.iter().all(|id| reread.contains(*id)));
    assert!(!reread.contains(100_000));
    check(&idx);

    // What the duplicate finder reads instead of the catalog's rows: every live vector, from
    // the base, the delta and the removed list, bit for bit; and the saved index's dimension.
    let read = idx
        .large_library_vectors()
        .expect("a large library's vectors");
    assert_eq!(read.len(), live.len());
    assert!(live.iter().all(|(id, v)| read.get(id) == Some(v)));
    assert_eq!(VectorIndex::saved_dim(&dir, EMBEDDER), Some(DIM));
    assert_eq!(VectorIndex::saved_dim(&dir, "no-such-embedder"), None);

    // The duplicate finder's links: each photo's nearest, from the self-join of partitions.
    let links = idx.neighbour_links();
    assert_eq!(links.len(), live.len());
    let (mut found, mut wanted) = (0, 0);
    for (id, v) in live.iter().step_by(7) {
        let truth: Vec<i64> = exact_top(&live, v, 11)
            .into_iter()
            .filter(|x| x != id)
            .take(10)
            .collect();
        let got: HashSet<i64> = links[id].iter().take(16).map(|n| n.id).collect();
        wanted += truth.len();
        found += truth.iter().filter(|t| got.contains(t)).count();
        assert!(links[id].iter().all(|n| n.id != *id));
        for n in &links[id] {
            assert!(
                (n.score - dot(v, &live[&n.id])).abs() < 1e-4,
                "exact cosines"
            );
        }
    }
    let r = found as f64 / wanted as f64;
    assert!(r >= 0.95, "link recall {r}");
}

#[test]
fn a_library_that_grows_past_the_size_drops_its_graph() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (catalog, _) = Catalog::open(&tmp.path().join("catalog.sqlite")).expect("catalog");
    let dir = tmp.path().join("index");
    let vecs = clustered(600, 3);
    let mut idx = VectorIndex::open_with(&dir, &catalog, EMBEDDER, DIM, 500).expect("open");
    let first: Vec<(i64, Vec<f32>)> = (0..400).map(|i| (i as i64, vecs[i].clone())).collect();
    idx.insert_many(&first);
    assert!(!idx.is_flat(), "a small library keeps its graph");
    assert!(
        idx.large_library_vectors().is_none(),
        "a graph's vectors are read from the catalog"
    );
    let rest: Vec<(i64, Vec<f32>)> = (400..600).map(|i| (i as i64, vecs[i].clone())).collect();
    idx.insert_many(&rest);
    assert!(idx.is_flat());
    assert_eq!(idx.len(), 600);
    for (id, v) in first.iter().chain(&rest).step_by(37) {
        assert_eq!(idx.search(v, 1)[0].id, *id);
    }

    // A first run that knows it will pass the size builds no graph on the way.
    let mut fresh = VectorIndex::open_with(&dir, &catalog, EMBEDDER, DIM, 500).expect("open");
    fresh.expect_len(450);
    assert!(!fresh.is_flat());
    fresh.expect_len(600);
    assert!(fresh.is_flat());
    fresh.insert_many(&first);
    assert_eq!(fresh.search(&first[3].1, 1)[0].id, 3);
}

/// Run the CLI with `LOOKALIKE_FLAT_FROM` set (or not).
fn cli(data: &Path, flat_from: Option<&str>, args: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lookalike"));
    cmd.arg("--data-dir").arg(data).args(args);
    match flat_from {
        Some(n) => cmd.env("LOOKALIKE_FLAT_FROM", n),
        None => cmd.env_remove("LOOKALIKE_FLAT_FROM"),
    };
    let out = cmd.output().expect("run lookalike");
    assert!(
        out.status.success(),
        "lookalike {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn name(p: &Value) -> String {
    Path::new(p["path"].as_str().expect("path"))
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned()
}

/// Each group as its tier and sorted file names, groups sorted.
fn groups(dupes: &Value) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = dupes["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            let mut names: Vec<String> = g["photos"]
                .as_array()
                .expect("photos")
                .iter()
                .map(name)
                .collect();
            names.sort();
            (g["tier"].as_str().unwrap_or_default().to_string(), names)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn dupes_and_query_on_a_graphless_library_match_a_small_librarys() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    std::fs::create_dir_all(lib.join("edits")).expect("mkdir");
    let img = scene(1, 640, 480);
    save_jpeg(&img, &lib.join("original.jpg"), 95);
    write_edits(&img, &lib.join("edits"), "s1");
    std::fs::copy(lib.join("original.jpg"), lib.join("copy_of_original.jpg")).expect("copy");
    write_library(&lib.join("others"), 24);
    let libs = lib.to_str().expect("utf8");
    let (graph, flat) = (tmp.path().join("graph"), tmp.path().join("flat"));
    for (data, from) in [(&graph, None), (&flat, Some("1"))] {
        cli(data, from, &["index", libs, "--model", "descriptor"]);
    }
    let index_dir = flat.join("index");
    let has_graph_file = walk_names(&index_dir).iter().any(|n| n.starts_with("hnsw"));
    assert!(!has_graph_file, "a graphless library writes no graph");
    assert!(
        walk_names(&graph.join("index"))
            .iter()
            .any(|n| n.starts_with("hnsw"))
    );

    let dupes = |data: &Path, from| -> Value {
        serde_json::from_str(cli(data, from, &["dupes", "--json"]).trim()).expect("json")
    };
    let small = groups(&dupes(&graph, None));
    assert!(!small.is_empty(), "the edits are found as duplicates");
    let large = groups(&dupes(&flat, Some("1")));
    // The same photos are grouped (the HNSW build is not deterministic under load, so one
    // borderline edit may come and go in the graph's answer), the exact copy with its original,
    // and never another scene with them.
    let grouped = |g: &[(String, Vec<String>)]| -> HashSet<String> {
        g.iter()
            .flat_map(|(_, names)| names.iter().cloned())
            .collect()
    };
    let (a, b) = (grouped(&small), grouped(&large));
    assert!(
        a.symmetric_difference(&b).count() <= 1,
        "{small:?} vs {large:?}"
    );
    assert!(b.len() >= 3, "{large:?}");
    assert!(
        large
            .iter()
            .any(|(_, names)| names.contains(&"original.jpg".to_string())
                && names.contains(&"copy_of_original.jpg".to_string()))
    );
    assert!(!b.iter().any(|n| n.starts_with("scene")), "{large:?}");

    let original = lib.join("original.jpg");
    let query = |data: &Path, from| -> Vec<(String, f64)> {
        let v: Value = serde_json::from_str(
            cli(
                data,
                from,
                &[
                    "query",
                    original.to_str().expect("utf8"),
                    "-k",
                    "8",
                    "--json",
                ],
            )
            .trim(),
        )
        .expect("json");
        v.as_array()
            .expect("array")
            .iter()
            .map(|h| (name(h), h["score"].as_f64().unwrap_or(0.0)))
            .collect()
    };
    let a = query(&graph, None);
    let b = query(&flat, Some("1"));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.0, y.0);
        assert!((x.1 - y.1).abs() < 1e-4);
    }

    // A photo added later is indexed into the graphless library and found; a deleted one is gone.
    let newcomer = lib.join("newcomer.jpg");
    std::fs::copy(&original, &newcomer).expect("copy");
    std::fs::remove_file(lib.join("copy_of_original.jpg")).expect("rm");
    cli(&flat, Some("1"), &["index", libs, "--model", "descriptor"]);
    let after: Vec<String> = query(&flat, Some("1")).into_iter().map(|h| h.0).collect();
    assert!(after.contains(&"newcomer.jpg".to_string()), "{after:?}");
    assert!(
        !after.contains(&"copy_of_original.jpg".to_string()),
        "{after:?}"
    );
}

fn walk_names(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_names(&p));
        } else {
            out.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    out
}

#[test]
fn photos_come_back_in_the_byte_order_of_their_paths() {
    // Sorted by the program, not the database (which walked a million rows through the path
    // index to do it): the order must stay SQLite's, byte by byte, not `Path`'s by component.
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut catalog, _) = Catalog::open(&tmp.path().join("catalog.sqlite")).expect("catalog");
    let names = [
        "/photos/a/b.jpg",
        "/photos/B.jpg",
        "/photos/a-b.jpg",
        "/photos/é.jpg",
        "/photos/a.jpg",
        "/photos/a/a.jpg",
    ];
    let records: Vec<PhotoRecord> = names
        .iter()
        .enumerate()
        .map(|(i, n)| PhotoRecord {
            path: PathBuf::from(n),
            ..record(i, &[1.0; DIM])
        })
        .collect();
    catalog.upsert(&records).expect("upsert");
    let got: Vec<String> = catalog
        .photos()
        .expect("photos")
        .iter()
        .map(|p| p.path.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        got,
        [
            "/photos/B.jpg",
            "/photos/a-b.jpg",
            "/photos/a.jpg",
            "/photos/a/a.jpg",
            "/photos/a/b.jpg",
            "/photos/é.jpg",
        ]
    );
}
