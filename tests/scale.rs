//! Large libraries: the flat snapshot keeps one-byte codes in memory and re-ranks its best
//! candidates with the full vectors, so answers stay exact; a snapshot written before that
//! (full vectors only) still opens; a large snapshot is partitioned and a query scans only the
//! best partitions, still finding the exact neighbours; the graph's candidate list grows with
//! the library.

use lookalike::core::catalog::{Catalog, PhotoRecord};
use lookalike::core::flat_index::{FlatIndex, open_for_query};
use lookalike::core::index::{NeighbourSearch, VectorIndex, default_ef, dot};
use lookalike::core::vectors_file;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

const EMBEDDER: &str = "scale-test";
const DIM: usize = 96;
const N: usize = 4000;

/// `N` unit vectors in clusters of 40, deterministic.
fn clustered() -> Vec<Vec<f32>> {
    crate::common::clustered_unit_vectors(N, DIM, 40, 0x2545_F491_4F6C_DD1D)
}

/// A catalog of the vectors (photo ids in order) and its index folder.
fn library(dir: &Path, vecs: &[Vec<f32>]) -> (Catalog, PathBuf, Vec<i64>) {
    let (mut catalog, _) = Catalog::open(&dir.join("catalog.sqlite")).expect("catalog");
    let records: Vec<PhotoRecord> = vecs
        .iter()
        .enumerate()
        .map(|(i, v)| PhotoRecord {
            path: PathBuf::from(format!("/photos/{i}.jpg")),
            size: 1,
            hash: Some(*blake3::hash(&i.to_le_bytes()).as_bytes()),
            width: 8,
            height: 8,
            orientation: 1,
            format: "jpeg".into(),
            embeddings: vec![(EMBEDDER.to_string(), v.clone())],
            ..Default::default()
        })
        .collect();
    let ids = catalog.upsert(&records).expect("upsert");
    (catalog, dir.join("index"), ids)
}

/// The exact 10 nearest photo ids of each query, with their cosines.
fn exact_top10(vecs: &[Vec<f32>], ids: &[i64], q: &[f32]) -> Vec<(f32, i64)> {
    let mut all: Vec<(f32, i64)> = vecs
        .iter()
        .zip(ids)
        .map(|(v, id)| (dot(v, q), *id))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    all.truncate(10);
    all
}

fn recall(index: &dyn NeighbourSearch, vecs: &[Vec<f32>], ids: &[i64]) -> f64 {
    let queries: Vec<usize> = (0..60).map(|q| (q * 131 + 7) % N).collect();
    let mut found = 0usize;
    for &q in &queries {
        let truth: HashSet<i64> = exact_top10(vecs, ids, &vecs[q])
            .iter()
            .map(|x| x.1)
            .collect();
        found += index
            .search(&vecs[q], 10)
            .iter()
            .filter(|h| truth.contains(&h.id))
            .count();
    }
    found as f64 / (queries.len() * 10) as f64
}

/// The folder of the current dump in the index folder `dir`.
fn current_dump(dir: &Path) -> PathBuf {
    dir.join(
        std::fs::read_to_string(dir.join(format!("{EMBEDDER}.current")))
            .expect("pointer")
            .trim(),
    )
}

/// Record `hash` as the snapshot's checksum in the dump's manifest (as a save would).
fn set_snapshot_hash(dump: &Path, hash: &str) {
    let manifest_path = dump.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("manifest")).expect("json");
    for entry in manifest["files"].as_array_mut().expect("files") {
        if entry[0] == vectors_file::FILE {
            entry[1] = hash.into();
        }
    }
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).expect("json")).expect("write");
}

#[test]
fn the_snapshot_answers_exactly_from_codes_and_an_old_snapshot_still_opens() {
    let tmp = tempfile::tempdir().expect("tmp");
    let vecs = clustered();
    let (catalog, dir, ids) = library(tmp.path(), &vecs);
    let epoch = catalog.epoch().expect("epoch");
    let mut graph = VectorIndex::open(&dir, &catalog, EMBEDDER, DIM).expect("build");
    graph.save(&dir, &epoch).expect("save");

    // What a query reads: one byte per dimension in memory, full vectors left on disk.
    let flat = FlatIndex::open(&dir, &catalog, EMBEDDER, DIM)
        .expect("open")
        .expect("a current snapshot");
    assert!(flat.is_quantized_on_disk());
    assert_eq!(flat.len(), N);
    assert!(
        flat.memory_bytes() < N * DIM * 4 / 3,
        "{} bytes in memory for {N} x {DIM} floats",
        flat.memory_bytes()
    );
    // Same photos and the same (exact) similarities as brute force.
    for q in (0..N).step_by(97) {
        let want = exact_top10(&vecs, &ids, &vecs[q]);
        let got = flat.search(&vecs[q], 10);
        let got_ids: Vec<i64> = got.iter().map(|h| h.id).collect();
        let want_ids: Vec<i64> = want.iter().map(|x| x.1).collect();
        assert_eq!(got_ids, want_ids, "query {q}");
        for (g, w) in got.iter().zip(&want) {
            assert!((g.score - w.0).abs() < 1e-6, "{g:?} vs {w:?}");
        }
    }
    assert!(recall(&graph, &vecs, &ids) >= 0.98);
    let q = &vecs[1234];
    let answer = flat.search(q, 10);
    drop(flat);

    // A data dir saved before the codes existed: its snapshot holds the full vectors only.
    let dump = current_dump(&dir);
    let items: Vec<(i64, &[f32])> = ids
        .iter()
        .zip(&vecs)
        .map(|(id, v)| (*id, v.as_slice()))
        .collect();
    let old = vectors_file::encode_v1(DIM, &items);
    std::fs::write(dump.join(vectors_file::FILE), &old).expect("write old");
    set_snapshot_hash(&dump, blake3::hash(&old).to_hex().as_str());
    let old_flat = FlatIndex::open(&dir, &catalog, EMBEDDER, DIM)
        .expect("open")
        .expect("the old snapshot opens");
    assert!(!old_flat.is_quantized_on_disk());
    assert_eq!(old_flat.search(q, 10), answer);

    // A damaged snapshot is refused, and a query is still answered (by the graph).
    let mut damaged = old;
    damaged[40] ^= 0x55;
    std::fs::write(dump.join(vectors_file::FILE), &damaged).expect("damage");
    assert!(
        FlatIndex::open(&dir, &catalog, EMBEDDER, DIM)
            .expect("open")
            .is_none()
    );
    let fallback = open_for_query(&dir, &catalog, EMBEDDER, DIM).expect("graph");
    assert_eq!(fallback.search(q, 1)[0].id, ids[1234]);
}

#[test]
fn the_graph_searches_a_longer_candidate_list_as_the_library_grows() {
    assert_eq!(default_ef(5_000, 10), 96);
    assert_eq!(default_ef(100_000, 10), 96);
    assert!(default_ef(1_000_000, 10) >= 512);
    assert!(default_ef(400_000, 10) > default_ef(200_000, 10));
    assert_eq!(
        default_ef(1000, 200),
        400,
        "never fewer than twice the results"
    );
}

#[test]
fn a_partitioned_snapshot_finds_the_exact_neighbours_and_a_damaged_partition_block_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let vecs = clustered();
    let (catalog, dir, ids) = library(tmp.path(), &vecs);
    let epoch = catalog.epoch().expect("epoch");
    let mut graph = VectorIndex::open(&dir, &catalog, EMBEDDER, DIM).expect("build");
    graph.save(&dir, &epoch).expect("save");
    // Below the (default) threshold a save keeps one block that every query scans.
    let small = FlatIndex::open(&dir, &catalog, EMBEDDER, DIM)
        .expect("open")
        .expect("a current snapshot");
    assert_eq!(small.partition_count(), 0);
    const { assert!(N < vectors_file::PARTITION_FROM) };
    drop(small);

    // The same library written as a large one is: partitioned (threshold lowered to N).
    let dump = current_dump(&dir);
    let file = dump.join(vectors_file::FILE);
    let items: Vec<(i64, &[f32])> = ids
        .iter()
        .zip(&vecs)
        .map(|(id, v)| (*id, v.as_slice()))
        .collect();
    let hash = vectors_file::write_with(&file, DIM, &items, N, None).expect("write");
    set_snapshot_hash(&dump, &hash);
    let mut flat = FlatIndex::open(&dir, &catalog, EMBEDDER, DIM)
        .expect("open")
        .expect("the partitioned snapshot opens");
    assert_eq!(flat.partition_count(), vectors_file::partition_count(N));
    assert!(flat.probe() * 4 < flat.partition_count(), "scans a few");
    assert!(flat.is_quantized_on_disk());
    // Same photos, same order, same exact similarities as brute force.
    let mut scanned = 0;
    for q in (0..N).step_by(37) {
        scanned += flat.scanned_rows(&vecs[q]);
        let want = exact_top10(&vecs, &ids, &vecs[q]);
        let got = flat.search(&vecs[q], 10);
        let got_ids: Vec<i64> = got.iter().map(|h| h.id).collect();
        let want_ids: Vec<i64> = want.iter().map(|x| x.1).collect();
        assert_eq!(got_ids, want_ids, "query {q}");
        for (g, w) in got.iter().zip(&want) {
            assert!((g.score - w.0).abs() < 1e-6, "{g:?} vs {w:?}");
        }
    }
    assert!(
        scanned * 3 < N * N.div_ceil(37),
        "a third of the rows or less per query on average, not {scanned}"
    );
    // A query far from every cluster still gets 10 answers, and scanning every partition
    // is exact search.
    let odd: Vec<f32> = (0..DIM)
        .map(|d| if d % 2 == 0 { 0.1 } else { -0.1 })
        .collect();
    assert_eq!(flat.search(&odd, 10).len(), 10);
    flat.set_probe(usize::MAX, 1);
    assert_eq!(flat.probe(), flat.partition_count());
    let want: Vec<i64> = exact_top10(&vecs, &ids, &odd).iter().map(|x| x.1).collect();
    let got: Vec<i64> = flat.search(&odd, 10).iter().map(|h| h.id).collect();
    assert_eq!(got, want);
    let answer = flat.search(&vecs[99], 10);
    drop(flat);

    // A version 2 snapshot (what a save below the threshold, or an older build, wrote)
    // still opens and answers the same.
    let hash2 = vectors_file::write_with(&file, DIM, &items, usize::MAX, None).expect("write v2");
    set_snapshot_hash(&dump, &hash2);
    let v2 = FlatIndex::open(&dir, &catalog, EMBEDDER, DIM)
        .expect("open")
        .expect("a version 2 snapshot opens");
    assert_eq!(v2.partition_count(), 0);
    assert_eq!(v2.search(&vecs[99], 10), answer);
    drop(v2);

    // A damaged partition block (a centroid, then an offset) is refused; queries are then
    // answered by the graph.
    vectors_file::write_with(&file, DIM, &items, N, None).expect("write");
    set_snapshot_hash(&dump, &hash);
    let bytes = std::fs::read(&file).expect("read");
    let parts = vectors_file::partition_count(N);
    let centroid_at = 8 + 4 + 8 + 4 + (parts + 1) * 8 + 5 * DIM * 4 + 2;
    let offset_at = 8 + 4 + 8 + 4 + 3 * 8;
    for at in [centroid_at, offset_at] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x40;
        std::fs::write(&file, &damaged).expect("damage");
        assert!(
            FlatIndex::open(&dir, &catalog, EMBEDDER, DIM)
                .expect("open")
                .is_none(),
            "damage at byte {at} is noticed"
        );
        let fallback = open_for_query(&dir, &catalog, EMBEDDER, DIM).expect("graph");
        assert_eq!(fallback.search(&vecs[99], 1)[0].id, ids[99]);
    }
    // Opening reads no codes (each partition is read and verified when a query first probes
    // it), and one query reads only the partitions it probes.
    std::fs::write(&file, &bytes).expect("restore");
    let flat = FlatIndex::open(&dir, &catalog, EMBEDDER, DIM)
        .expect("open")
        .expect("opens");
    let head_only = flat.memory_bytes();
    assert_eq!(flat.search(&vecs[99], 10), answer);
    let after_one = flat.memory_bytes() - head_only;
    assert!(
        after_one > 0 && after_one * 3 < N * DIM,
        "read {after_one} bytes of codes"
    );
    drop(flat);
    // Damaged codes in one partition: that partition is left out, the rest still answers.
    let codes_at = 8 + 4 + 8 + 4 + (parts + 1) * 8 + (parts + 1) * DIM * 4 + parts * 32 + N * 12;
    let mut damaged = bytes.clone();
    damaged[codes_at + 3] ^= 0x40;
    std::fs::write(&file, &damaged).expect("damage");
    let flat = FlatIndex::open(&dir, &catalog, EMBEDDER, DIM)
        .expect("open")
        .expect("the head is intact");
    let in_first = flat_rows_of_first_partition(&flat, &ids, &vecs);
    assert!(!in_first.is_empty());
    let damaged_rows: Vec<usize> = (0..N)
        .filter(|q| in_first.contains(&ids[*q]))
        .take(3)
        .collect();
    for q in (0..N).step_by(101).chain(damaged_rows) {
        let got = flat.search(&vecs[q], 10);
        assert_eq!(got.len(), 10);
        assert!(
            got.iter().all(|h| !in_first.contains(&h.id)),
            "no row of the damaged part"
        );
        if !in_first.contains(&ids[q]) {
            assert_eq!(got[0].id, ids[q]);
            assert!((got[0].score - 1.0).abs() < 1e-5);
        }
    }
}

/// Ids of the photos stored in the first partition of `flat` (those whose best centroid it is).
fn flat_rows_of_first_partition(flat: &FlatIndex, ids: &[i64], vecs: &[Vec<f32>]) -> HashSet<i64> {
    ids.iter()
        .zip(vecs)
        .filter(|(_, v)| flat.best_partition(v) == Some(0))
        .map(|(id, _)| *id)
        .collect()
}
