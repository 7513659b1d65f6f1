//! Duplicate finding end to end: generated photos and their edits are indexed with the CLI, then
//! grouped through the CLI (`dupes --json`) and the library API.

use crate::common;

use common::*;
use lookalike::core::catalog::PhotoInfo;
use lookalike::core::dupes::graph::Edge;
use lookalike::core::dupes::{
    self, CandidateGraph, DupeSettings, GraphOptions, IgnoreList, KeepRule, PhotoEntry, Tier,
    pixel_check::PixelMatch, symmetry::Symmetry,
};
use lookalike::core::library::Library;
use lookalike::core::progress::{CancelFlag, NoProgress};
use lookalike::core::trash::{FolderTrash, Journal, RestoreOutcome};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A library: scene 1 with its edits and an exact copy, plus unrelated scenes.
fn build_library(root: &Path) -> PathBuf {
    let lib = root.join("lib");
    std::fs::create_dir_all(lib.join("edits")).expect("mkdir");
    let img = scene(1, 640, 480);
    save_jpeg(&img, &lib.join("original.jpg"), 95);
    write_edits(&img, &lib.join("edits"), "s1");
    std::fs::copy(lib.join("original.jpg"), lib.join("copy_of_original.jpg")).expect("copy");
    for i in 0..6 {
        save_jpeg(
            &scene(200 + i, 640, 480),
            &lib.join(format!("other{i}.jpg")),
            90,
        );
    }
    lib
}

fn index(data: &Path, lib: &Path) {
    lookalike_ok(data, &["index", lib.to_str().expect("utf8")]);
}

fn dupes_json(data: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["dupes", "--json"];
    args.extend_from_slice(extra);
    serde_json::from_str(lookalike_ok(data, &args).trim()).expect("dupes --json")
}

fn file_names(group: &Value) -> Vec<String> {
    let mut v: Vec<String> = group["photos"]
        .as_array()
        .expect("photos")
        .iter()
        .map(|p| {
            Path::new(p["path"].as_str().expect("path"))
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn tiers_are_assigned_and_json_has_the_documented_shape() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (data, lib) = (tmp.path().join("data"), build_library(tmp.path()));
    index(&data, &lib);

    let v = dupes_json(&data, &[]);
    let groups = v["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "one picture has copies: {v:#}");
    let g = &groups[0];
    assert_eq!(g["tier"], "near");
    let names = file_names(g);
    for want in [
        "original.jpg",
        "copy_of_original.jpg",
        "s1_resized.jpg",
        "s1_crop80.jpg",
        "s1_bright.jpg",
        "s1_gray.png",
        "s1_caption.jpg",
        "s1_exif6.jpg",
    ] {
        assert!(
            names.contains(&want.to_string()),
            "{want} missing from {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n.starts_with("other")),
        "unrelated photo grouped: {names:?}"
    );
    let keep = g["keep"].as_str().expect("keep");
    assert!(Path::new(keep).is_absolute());
    assert!(keep.ends_with("original.jpg"), "keep {keep}");
    for p in g["photos"].as_array().expect("photos") {
        assert!(Path::new(p["path"].as_str().expect("path")).is_absolute());
        assert!(p["bytes"].as_u64().expect("bytes") > 0);
        assert!(p["width"].as_u64().expect("width") > 0);
        assert!(p["height"].as_u64().expect("height") > 0);
    }

    let exact = dupes_json(&data, &["--tier", "exact"]);
    let groups = exact["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "{exact:#}");
    assert_eq!(groups[0]["tier"], "exact");
    assert_eq!(
        file_names(&groups[0]),
        ["copy_of_original.jpg", "original.jpg"]
    );

    let human = lookalike_ok(&data, &["dupes"]);
    assert!(human.contains("keep") && human.contains("near"), "{human}");
}

#[test]
fn mirrored_and_rotated_copies_need_the_switch() {
    let tmp = tempfile::tempdir().expect("tmp");
    let lib = tmp.path().join("lib");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let img = scene(7, 640, 480);
    save_jpeg(&img, &lib.join("a.jpg"), 92);
    save_jpeg(
        &image::imageops::flip_horizontal(&img),
        &lib.join("a_mirror.jpg"),
        90,
    );
    save_jpeg(
        &image::imageops::rotate90(&img),
        &lib.join("a_rot90.jpg"),
        90,
    );
    for i in 0..4 {
        save_jpeg(
            &scene(300 + i, 640, 480),
            &lib.join(format!("b{i}.jpg")),
            90,
        );
    }
    let data = tmp.path().join("data");
    index(&data, &lib);
    let plain = dupes_json(&data, &[]);
    assert!(
        plain["groups"].as_array().expect("groups").is_empty(),
        "{plain:#}"
    );
    let mirrored = dupes_json(&data, &["--mirror"]);
    let groups = mirrored["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "{mirrored:#}");
    assert_eq!(
        file_names(&groups[0]),
        ["a.jpg", "a_mirror.jpg", "a_rot90.jpg"]
    );
}

fn open(data: &Path) -> Library {
    Library::open(Some(data.to_path_buf())).expect("open library")
}

fn scan(lib: &Library) -> CandidateGraph {
    dupes::scan(
        lib,
        &GraphOptions::default(),
        &NoProgress,
        &CancelFlag::new(),
    )
    .expect("scan")
}

#[test]
fn reference_folders_are_never_offered_for_removal() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (data, lib_dir) = (tmp.path().join("data"), build_library(tmp.path()));
    let reference = lib_dir.join("reference");
    std::fs::create_dir_all(&reference).expect("mkdir");
    let small = image::imageops::resize(
        &scene(1, 640, 480),
        320,
        240,
        image::imageops::FilterType::Triangle,
    );
    save_jpeg(&small, &reference.join("archived.jpg"), 80);
    index(&data, &lib_dir);
    let lib = open(&data);
    let graph = scan(&lib);
    let settings = DupeSettings {
        reference_folders: vec![reference.canonicalize().expect("abs")],
        ..DupeSettings::default()
    };
    let groups = dupes::groups(&graph, &settings, &IgnoreList::default());
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert!(
        g.kept().photo.path.ends_with("reference/archived.jpg"),
        "kept {:?}",
        g.kept().photo.path
    );
    assert!(
        g.removable()
            .iter()
            .all(|m| !m.photo.path.starts_with(&settings.reference_folders[0]))
    );
    assert_eq!(g.removable().len(), g.members.len() - 1);
}

#[test]
fn trash_moves_into_the_test_trash_journals_and_undoes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (data, lib_dir) = (tmp.path().join("data"), build_library(tmp.path()));
    index(&data, &lib_dir);
    let mut lib = open(&data);
    let graph = scan(&lib);
    let groups = dupes::groups(&graph, &DupeSettings::default(), &IgnoreList::default());
    let doomed: Vec<PathBuf> = groups[0]
        .removable()
        .iter()
        .map(|m| m.photo.path.clone())
        .collect();
    assert!(doomed.len() >= 7);
    let trash_dir = tmp.path().join("trash");
    let mover = FolderTrash::new(&trash_dir);
    let report = dupes::trash_groups(&mut lib, &mover, &groups).expect("trash");
    assert_eq!(report.moved.len(), doomed.len());
    for p in &doomed {
        assert!(!p.exists(), "{} still in the library", p.display());
    }
    assert_eq!(
        std::fs::read_dir(&trash_dir).expect("trash dir").count(),
        doomed.len()
    );
    assert!(
        lib_dir.join("original.jpg").exists(),
        "the kept photo stays"
    );
    let journal = Journal::new(lib.data_dir.root());
    let entries = journal.entries().expect("journal");
    for p in &doomed {
        let ops: Vec<&str> = entries
            .iter()
            .filter(|e| &e.path == p)
            .map(|e| e.op.as_str())
            .collect();
        assert_eq!(ops, ["intent", "moved"], "{}", p.display());
    }
    // The catalog forgot them: a new scan finds no group.
    let after = dupes::groups(
        &scan(&lib),
        &DupeSettings::default(),
        &IgnoreList::default(),
    );
    assert!(after.is_empty());
    let outcomes = journal.undo_last(&mover).expect("undo");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, RestoreOutcome::Restored(_))),
        "{outcomes:?}"
    );
    for p in &doomed {
        assert!(p.exists(), "{} not restored", p.display());
    }
    assert!(journal.last_batch().expect("journal").is_empty());
}

#[test]
fn ignore_list_survives_a_file_move() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (data, lib_dir) = (tmp.path().join("data"), build_library(tmp.path()));
    index(&data, &lib_dir);
    {
        let lib = open(&data);
        let groups = dupes::groups(
            &scan(&lib),
            &DupeSettings::default(),
            &IgnoreList::default(),
        );
        let mut ignore = IgnoreList::load(lib.data_dir.root()).expect("load");
        ignore.ignore_group(&groups[0].hashes());
        ignore.save().expect("save");
    }
    std::fs::create_dir_all(lib_dir.join("moved")).expect("mkdir");
    std::fs::rename(
        lib_dir.join("edits/s1_crop80.jpg"),
        lib_dir.join("moved/renamed.jpg"),
    )
    .expect("mv");
    index(&data, &lib_dir);
    let v = dupes_json(&data, &[]);
    assert!(v["groups"].as_array().expect("groups").is_empty(), "{v:#}");
}

fn entry(
    id: i64,
    name: &str,
    w: u32,
    h: u32,
    bytes: u64,
    format: &str,
    mtime_ns: i64,
) -> PhotoEntry {
    PhotoEntry {
        info: PhotoInfo {
            id,
            path: PathBuf::from(format!("/photos/{name}")),
            bytes,
            width: w,
            height: h,
            format: format.into(),
            mtime_ns,
            ..Default::default()
        },
        hash: Some({
            let mut h = [0u8; 32];
            h[..8].copy_from_slice(&id.to_le_bytes());
            h
        }),
    }
}

#[test]
fn keep_best_rule_order() {
    let rule = KeepRule::default();
    let original = entry(1, "a.jpg", 4000, 3000, 3_000_000, "jpeg", 10);
    let converted = entry(2, "a.png", 4000, 3000, 9_000_000, "png", 20);
    let small = entry(3, "a_small.jpg", 800, 600, 90_000, "jpeg", 5);
    let recompressed = entry(4, "a_q60.jpg", 4000, 3000, 1_000_000, "jpeg", 30);
    let pick = |v: &[&PhotoEntry]| rule.choose(v, &[]).map(|i| v[i].info.id);
    assert_eq!(
        pick(&[&small, &converted, &original, &recompressed]),
        Some(1)
    );
    assert_eq!(pick(&[&small, &recompressed]), Some(4), "resolution first");
    let twin_old = entry(5, "b.jpg", 4000, 3000, 3_000_000, "jpeg", 1);
    assert_eq!(pick(&[&original, &twin_old]), Some(5), "oldest breaks ties");
}

fn near_edge(a: u32, b: u32) -> Edge {
    Edge {
        a,
        b,
        similarity: 0.95,
        semantic: None,
        pixel: Some(PixelMatch {
            ncc: 0.99,
            trimmed: 0.99,
            detail: 0.95,
            coverage: 1.0,
            agreement: 1.0,
        }),
        symmetry: Symmetry::IDENTITY,
        colour: None,
    }
}

#[test]
fn chains_are_not_grouped_transitively() {
    // 0-1-2-3-4-5 linked only to their neighbours: no group may hold two photos that are not
    // both linked to a common centre.
    let photos: Vec<PhotoEntry> = (0..6)
        .map(|i| entry(i, &format!("p{i}.jpg"), 100, 100, 1000, "jpeg", i))
        .collect();
    let edges: Vec<Edge> = (0..5).map(|i| near_edge(i, i + 1)).collect();
    let graph = CandidateGraph::from_parts(photos, edges.clone());
    let groups = dupes::groups(&graph, &DupeSettings::default(), &IgnoreList::default());
    let linked = |a: i64, b: i64| {
        a == b
            || edges.iter().any(|e| {
                (e.a as i64 - e.b as i64).abs() == 1
                    && (e.a as i64 == a.min(b))
                    && (e.b as i64 == a.max(b))
            })
    };
    assert!(!groups.is_empty());
    for g in &groups {
        assert_eq!(g.tier, Tier::Near);
        let ids: Vec<i64> = g.members.iter().map(|m| m.photo.id).collect();
        assert!(ids.len() <= 3, "chained group {ids:?}");
        let has_centre = ids.iter().any(|&c| ids.iter().all(|&m| linked(c, m)));
        assert!(has_centre, "no member links to all others in {ids:?}");
    }
}

/// Speed of grouping an indexed library: synthetic descriptor-like vectors (low intrinsic
/// dimension, like real ones) and signatures; a fifth of the photos have 1–3 edited copies.
/// The same as `lookalike bench --dupes N` (release build); here for a quick check:
/// `LOOKALIKE_BENCH_N=20000 cargo test --test tests dupes:: -- --ignored --nocapture`
#[test]
#[ignore]
fn bench_grouping_speed() {
    use lookalike::core::index::VectorIndex;
    use std::time::Instant;
    let n: usize = std::env::var("LOOKALIKE_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dim = lookalike::core::embed::descriptor::DESCRIPTOR_DIM;
    let t = Instant::now();
    let input = lookalike::cli::bench_dupes::synthetic_input(n);
    let gen_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut vectors: Vec<(i64, Vec<f32>)> =
        input.vectors.iter().map(|(k, v)| (*k, v.clone())).collect();
    vectors.sort_by_key(|x| x.0);
    let index = VectorIndex::build("descriptor-v1", dim, &vectors);
    drop(vectors);
    let index_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let graph = CandidateGraph::build(
        input,
        &index,
        &GraphOptions::default(),
        &mut dupes::PairCache::default(),
        &NoProgress,
        &CancelFlag::new(),
    )
    .expect("graph");
    let graph_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let groups = dupes::groups(&graph, &DupeSettings::default(), &IgnoreList::default());
    let group_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let mut settings = DupeSettings::default();
    settings.thresholds.near = 0.95;
    let regrouped = dupes::groups(&graph, &settings, &IgnoreList::default());
    let regroup_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "bench n={} (generate {gen_s:.1} s, index build {index_s:.1} s, not counted): graph {graph_s:.2} s \
         [search {:.0} ms, pixel checks {:.0} ms for {} pairs, {} edges], group {group_ms:.0} ms -> {} groups, \
         regroup at near=0.95 {regroup_ms:.0} ms -> {} groups; total {:.2} s",
        graph.photos.len(),
        graph.stats.search_ms,
        graph.stats.verify_ms,
        graph.stats.pixel_checked,
        graph.stats.edges,
        groups.len(),
        regrouped.len(),
        graph_s + group_ms / 1e3
    );
    assert!(!groups.is_empty());
}

/// The warm path of `bench --dupes` alone, repeated for medians on a noisy machine: the graph of
/// an indexed library built again with every pixel check cached, then grouped. The pair cache of
/// the cold pass is kept in `LOOKALIKE_BENCH_CACHE` (a folder) between runs, so only the first
/// run pays for it:
/// `LOOKALIKE_BENCH_N=20000 LOOKALIKE_BENCH_CACHE=/tmp/pc cargo test --test tests
/// dupes::bench_warm -- --ignored --nocapture` (with `LOOKALIKE_TRACE=1` for the stages).
#[test]
#[ignore]
fn bench_warm_graph_and_grouping() {
    use lookalike::core::index::VectorIndex;
    use std::time::Instant;
    let env = |k: &str| std::env::var(k).ok();
    let n: usize = env("LOOKALIKE_BENCH_N")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let rounds: usize = env("LOOKALIKE_BENCH_ROUNDS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let cache_dir = PathBuf::from(env("LOOKALIKE_BENCH_CACHE").expect("LOOKALIKE_BENCH_CACHE"));
    let dim = lookalike::core::embed::descriptor::DESCRIPTOR_DIM;
    let input = lookalike::cli::bench_dupes::synthetic_input(n);
    let mut vectors: Vec<(i64, Vec<f32>)> =
        input.vectors.iter().map(|(k, v)| (*k, v.clone())).collect();
    vectors.sort_by_key(|x| x.0);
    let index = VectorIndex::build("descriptor-v1", dim, &vectors);
    drop((vectors, input));
    let mut cache = dupes::PairCache::load(&cache_dir);
    let build = |input, cache: &mut dupes::PairCache| {
        CandidateGraph::build(
            input,
            &index,
            &GraphOptions::default(),
            cache,
            &NoProgress,
            &CancelFlag::new(),
        )
        .expect("graph")
    };
    // The index is built anew (not deterministic): a first round checks the pairs it adds.
    let cold = cache.is_empty();
    build(lookalike::cli::bench_dupes::synthetic_input(n), &mut cache);
    if cold {
        std::fs::create_dir_all(&cache_dir).expect("cache dir");
        cache.save(&cache_dir).expect("save cache");
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut graph_ms, mut group_ms, mut regroup_ms) = (Vec::new(), Vec::new(), Vec::new());
    let mut groups = Vec::new();
    for _ in 0..rounds {
        let input = lookalike::cli::bench_dupes::synthetic_input(n);
        let t = Instant::now();
        let graph = build(input, &mut cache);
        graph_ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(graph.stats.pixel_checked, 0, "every pair is cached");
        let t = Instant::now();
        groups = dupes::groups(&graph, &DupeSettings::default(), &IgnoreList::default());
        group_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let mut settings = DupeSettings::default();
        settings.thresholds.near = 0.95;
        let t = Instant::now();
        dupes::groups(&graph, &settings, &IgnoreList::default());
        regroup_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "warm n={n}, {rounds} rounds: graph median {:.0} ms {graph_ms:.0?}, grouping median {:.0} ms \
         {group_ms:.0?}, regroup at near=0.95 median {:.0} ms {regroup_ms:.0?}; {} groups",
        median(graph_ms.clone()),
        median(group_ms.clone()),
        median(regroup_ms.clone()),
        groups.len(),
    );
    assert!(!groups.is_empty());
}
