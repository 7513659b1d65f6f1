//! A large library's index is a stack of snapshot files: saving after a few new photos writes
//! only those (the base snapshot is linked into the new dump, not rewritten), a run that adds
//! many photos writes them to files as it goes instead of holding them in memory, and once the
//! newer files grow past a quarter of the base a save rewrites everything as one base. Every
//! stage must answer exactly what the live photos are.

use crate::common::*;
use lookalike::core::catalog::Catalog;
use lookalike::core::flat_index::{FlatIndex, QuerySnapshot};
use lookalike::core::index::{NeighbourSearch, VectorIndex};
use std::collections::{HashMap, HashSet};
use std::path::Path;

const EMBEDDER: &str = "layers-test";
const DIM: usize = 48;
/// From how many photos the test's index keeps no graph.
const FROM: usize = 500;

fn clustered(n: usize, salt: u64) -> Vec<Vec<f32>> {
    clustered_unit_vectors(n, DIM, 20, 0x51ED_2700_u64 ^ salt)
}

/// Share of the exact top 10 that `index` returns, over 40 queries drawn from `live`; also
/// checks that no photo outside `live` is returned.
fn recall(index: &dyn NeighbourSearch, live: &HashMap<i64, Vec<f32>>) -> f64 {
    let mut ids: Vec<i64> = live.keys().copied().collect();
    ids.sort_unstable();
    let (mut found, mut wanted) = (0, 0);
    for id in ids.iter().step_by((ids.len() / 40).max(1)) {
        let q = &live[id];
        let got = index.search(q, 10);
        for n in &got {
            assert!(live.contains_key(&n.id), "photo {} is not live", n.id);
        }
        let got: HashSet<i64> = got.into_iter().map(|n| n.id).collect();
        let truth = exact_top(live, q, 10);
        wanted += truth.len();
        found += truth.iter().filter(|t| got.contains(t)).count();
    }
    found as f64 / wanted as f64
}

/// The base snapshot of the current dump.
fn base_file(dir: &Path) -> std::path::PathBuf {
    dump_dir(dir, EMBEDDER).join("vectors.bin")
}

/// Spill files waiting in the index folder.
fn spill_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .expect("index dir")
        .filter(|e| {
            let e = e.as_ref().expect("entry");
            e.file_name().to_string_lossy().starts_with(".spill-")
        })
        .count()
}

#[test]
fn new_photos_are_saved_beside_the_base_snapshot_and_many_changes_rewrite_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (catalog, _) = Catalog::open(&tmp.path().join("catalog.sqlite")).expect("catalog");
    let dir = tmp.path().join("index");
    let vecs = clustered(4000, 1);
    let mut live: HashMap<i64, Vec<f32>> = (0..3000).map(|i| (i as i64, vecs[i].clone())).collect();
    let mut idx = VectorIndex::open_with(&dir, &catalog, EMBEDDER, DIM, FROM).expect("open");
    let all: Vec<(i64, Vec<f32>)> = live.iter().map(|(i, v)| (*i, v.clone())).collect();
    idx.insert_many(&all);
    idx.save(&dir, "e1").expect("save");
    assert_eq!(dump_files(&dir, EMBEDDER), ["manifest.json", "vectors.bin"]);
    let base_bytes = std::fs::read(base_file(&dir)).expect("base");

    // A few photos added, changed and removed: only they are written.
    let added: Vec<(i64, Vec<f32>)> = (3000..3100).map(|i| (i as i64, vecs[i].clone())).collect();
    let changed: Vec<(i64, Vec<f32>)> = (0..10)
        .map(|i| (i * 7, vecs[3500 + i as usize].clone()))
        .collect();
    let removed: Vec<i64> = (0..30).map(|i| 1000 + i * 11).collect();
    idx.insert_many(&added);
    idx.insert_many(&changed);
    for id in &removed {
        idx.remove(*id);
        live.remove(id);
    }
    live.extend(added.iter().cloned());
    live.extend(changed.iter().cloned());
    idx.save(&dir, "e2").expect("save");
    assert_eq!(
        dump_files(&dir, EMBEDDER),
        ["delta-1.bin", "manifest.json", "removed.bin", "vectors.bin"],
        "the new photos are saved beside the base"
    );
    assert_eq!(
        std::fs::read(base_file(&dir)).expect("base"),
        base_bytes,
        "the base snapshot is not rewritten"
    );
    let delta_len = std::fs::metadata(base_file(&dir).with_file_name("delta-1.bin"))
        .expect("delta")
        .len();
    assert!(
        delta_len * 10 < base_bytes.len() as u64,
        "the delta holds only the new vectors ({delta_len} bytes)"
    );
    assert_eq!(idx.len(), live.len());
    assert!(
        recall(&idx, &live) >= 0.99,
        "recall {}",
        recall(&idx, &live)
    );

    // A one-shot query (CLI, GUI start-up) reads the base with its delta, never the base
    // alone, which would show removed photos and miss the new ones.
    assert!(FlatIndex::open_at(&dir, "e2", EMBEDDER, DIM).is_none());
    let snapshot = QuerySnapshot::open_at(&dir, "e2", EMBEDDER, DIM).expect("snapshot");
    assert_eq!(snapshot.len(), live.len());
    assert!(recall(&snapshot, &live) >= 0.99);
    for (id, v) in changed.iter().chain(&added) {
        let hit = snapshot.search(v, 1);
        assert_eq!(
            hit[0].id, *id,
            "a changed or new photo is found by its vector"
        );
        assert!((hit[0].score - 1.0).abs() < 1e-5);
    }
    for id in &removed {
        let hit = snapshot.search(&vecs[*id as usize], 3);
        assert!(
            hit.iter().all(|n| n.id != *id),
            "a removed photo is not found"
        );
    }

    // Reopened (as the next run does), a removed photo stays removed and a changed one keeps
    // its new vector; a photo removed and then added again is live.
    let reopened = VectorIndex::open_with(&dir, &catalog, EMBEDDER, DIM, FROM).expect("reopen");
    assert_eq!(reopened.snapshot_files(), 2);
    // (The catalog is empty, so opening reconciled that index to nothing: load the dump as a
    // query snapshot instead, which never reconciles.)
    let mut idx = match QuerySnapshot::open_at(&dir, "e2", EMBEDDER, DIM) {
        Some(QuerySnapshot::Layers(idx)) => *idx,
        _ => panic!("a layered snapshot"),
    };
    idx.insert_many(&[(removed[0], vecs[removed[0] as usize].clone())]);
    live.insert(removed[0], vecs[removed[0] as usize].clone());
    assert!(idx.contains(removed[0]));
    assert_eq!(idx.len(), live.len());

    // Many more photos: the newer files would pass a quarter of the base, so the save
    // rewrites everything as one base.
    let more: Vec<(i64, Vec<f32>)> = (3100..4000).map(|i| (i as i64, vecs[i].clone())).collect();
    idx.insert_many(&more);
    live.extend(more.iter().cloned());
    idx.save(&dir, "e3").expect("save");
    assert_eq!(dump_files(&dir, EMBEDDER), ["manifest.json", "vectors.bin"]);
    let snapshot = QuerySnapshot::open_at(&dir, "e3", EMBEDDER, DIM).expect("snapshot");
    assert!(matches!(snapshot, QuerySnapshot::File(_)));
    assert_eq!(snapshot.len(), live.len());
    assert!(recall(&snapshot, &live) >= 0.99);
    assert!(recall(&idx, &live) >= 0.99);
}

#[test]
fn a_large_run_writes_its_new_vectors_to_files_as_it_goes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (catalog, _) = Catalog::open(&tmp.path().join("catalog.sqlite")).expect("catalog");
    let dir = tmp.path().join("index");
    let vecs = clustered(3000, 2);
    let mut idx = VectorIndex::open_with(&dir, &catalog, EMBEDDER, DIM, FROM).expect("open");
    // A first run over a large library: no graph, new vectors spilled every 400.
    idx.expect_len(3000);
    assert!(idx.is_flat());
    idx.spill_after(400);
    let mut live = HashMap::new();
    for start in (0..2600).step_by(100) {
        let batch: Vec<(i64, Vec<f32>)> = (start..start + 100)
            .map(|i| (i as i64, vecs[i].clone()))
            .collect();
        idx.insert_many(&batch);
        live.extend(batch);
    }
    assert_eq!(
        idx.snapshot_files(),
        6,
        "2600 vectors: six files of 400, 200 in memory"
    );
    assert_eq!(spill_files(&dir), 6);
    // Photos changed and removed across the spilled files are followed.
    let changed: Vec<(i64, Vec<f32>)> = (0..12)
        .map(|i| (i * 211, vecs[2700 + i as usize].clone()))
        .collect();
    idx.insert_many(&changed);
    live.extend(changed.iter().cloned());
    for id in (5..2600).step_by(173) {
        idx.remove(id as i64);
        live.remove(&(id as i64));
    }
    assert_eq!(idx.len(), live.len());
    assert!(
        recall(&idx, &live) >= 0.99,
        "recall {}",
        recall(&idx, &live)
    );
    for (id, v) in &changed {
        assert_eq!(idx.search(v, 1)[0].id, *id);
    }

    // The save rewrites the spilled files as one base and removes them.
    idx.save(&dir, "e1").expect("save");
    assert_eq!(dump_files(&dir, EMBEDDER), ["manifest.json", "vectors.bin"]);
    assert_eq!(
        spill_files(&dir),
        0,
        "the spilled files are removed once saved"
    );
    assert_eq!(idx.snapshot_files(), 1);
    let snapshot = QuerySnapshot::open_at(&dir, "e1", EMBEDDER, DIM).expect("snapshot");
    assert_eq!(snapshot.len(), live.len());
    assert!(recall(&snapshot, &live) >= 0.99);
    for (id, v) in &changed {
        let hit = snapshot.search(v, 1);
        assert_eq!(hit[0].id, *id);
        assert!(
            (hit[0].score - 1.0).abs() < 1e-5,
            "exact scores after the rewrite"
        );
    }
}
