//! `lookalike bench --synthetic N`: the flat snapshots over the synthetic vectors — the full
//! code scan held in memory, and the partitioned (version 3) file as a large library writes it:
//! build time, open time, memory, and query p50/p99 and recall@10 for a range of probes.

use crate::core::flat_index::{FlatIndex, default_probe};
use crate::core::neighbours::{Neighbor, NeighbourSearch};
use crate::core::vectors_file::{self, Partitions};
use anyhow::{Context, Result};
use std::collections::HashSet;
use std::time::Instant;

/// Query p50 and p99 in ms, and recall@10 against `truth`, of `search` over the query vectors
/// (every 7919th of `vecs`, as `exact_top10` picks them).
fn measure(
    vecs: &[(i64, Vec<f32>)],
    truth: &[HashSet<i64>],
    search: impl Fn(&[f32]) -> Vec<Neighbor>,
) -> (f64, f64, f64) {
    let n = vecs.len();
    let mut times = Vec::with_capacity(truth.len());
    let mut recall_sum = 0.0;
    for (q, truth) in truth.iter().enumerate() {
        let qv = &vecs[(q * 7919) % n].1;
        let t = Instant::now();
        let got = search(qv);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        recall_sum += got.iter().filter(|h| truth.contains(&h.id)).count() as f64 / 10.0;
    }
    times.sort_by(f64::total_cmp);
    let p = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    (p(0.5), p(0.99), recall_sum / truth.len().max(1) as f64)
}

/// The flat snapshot (one-byte codes scanned on all cores, best candidates re-ranked with the
/// full vectors) over the same vectors: p50/p99 and recall@10.
pub(super) fn flat_queries(vecs: &[(i64, Vec<f32>)], dim: usize, truth: &[HashSet<i64>]) {
    let ids = vecs.iter().map(|(id, _)| *id).collect();
    let all = vecs.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    let Some(flat) = FlatIndex::from_vectors("synthetic", dim, ids, all) else {
        return;
    };
    let (p50, p99, recall) = measure(vecs, truth, |q| flat.search(q, 10));
    println!(
        "synthetic: snapshot, full scan (codes + exact re-rank) query p50 {p50:.2} ms, \
         p99 {p99:.2} ms, recall@10 {recall:.3}"
    );
}

/// The partitioned snapshot file written (whatever the size) into a temporary folder and
/// opened as a query would: k-means and write time, open time, memory, and p50/p99 and
/// recall@10 at the default probe and a sweep of others.
pub(super) fn partitioned_queries(
    vecs: &[(i64, Vec<f32>)],
    dim: usize,
    truth: &[HashSet<i64>],
) -> Result<()> {
    let tmp = std::env::temp_dir().join(format!("lookalike-bench-ivf-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let result = (|| -> Result<()> {
        let path = tmp.join(vectors_file::FILE);
        let items: Vec<(i64, &[f32])> = vecs.iter().map(|(i, v)| (*i, v.as_slice())).collect();
        let t = Instant::now();
        vectors_file::write_with(&path, dim, &items, usize::MAX, None)?;
        let plain_s = t.elapsed().as_secs_f64();
        let rows: Vec<&[f32]> = vecs.iter().map(|(_, v)| v.as_slice()).collect();
        let t = Instant::now();
        std::hint::black_box(Partitions::train(&rows, dim)?);
        let kmeans_s = t.elapsed().as_secs_f64();
        drop(rows);
        let t = Instant::now();
        let hash = vectors_file::write_with(&path, dim, &items, 1, None)?;
        let write_s = t.elapsed().as_secs_f64();
        drop(items);
        let t = Instant::now();
        let mut flat = FlatIndex::open_file(&path, &hash, "synthetic", dim)
            .with_context(|| format!("cannot reopen {}", path.display()))?;
        let open_ms = t.elapsed().as_secs_f64() * 1e3;
        let parts = flat.partition_count();
        println!(
            "synthetic: partitioned snapshot: {parts} partitions; k-means alone {kmeans_s:.1} s; \
             written in {write_s:.1} s (k-means + write; unpartitioned write {plain_s:.1} s); \
             opened in {open_ms:.0} ms; {:.0} MB in memory",
            flat.memory_bytes() as f64 / 1e6
        );
        let default = default_probe(parts);
        let mut probes = vec![(default, 2), (default, 4), (default, 1)];
        probes.extend(
            [1, 2, 4, 8, 16, 32, 64, 128, 256]
                .into_iter()
                .filter(|p| *p <= parts)
                .map(|p| (p, 1)),
        );
        let n = vecs.len();
        for (probe, widen) in probes {
            flat.set_probe(probe, widen);
            let (p50, p99, recall) = measure(vecs, truth, |q| flat.search(q, 10));
            let scanned: usize = (0..truth.len())
                .map(|q| flat.scanned_rows(&vecs[(q * 7919) % n].1))
                .sum();
            let label = match (probe == default, widen) {
                (true, 1) => " (fixed)".to_string(),
                (true, w) => format!(" (up to {w}x where centroids are alike)"),
                _ => String::new(),
            };
            println!(
                "synthetic: partitioned, probe {probe}{label}: {:.1}% of rows scanned, query \
                 p50 {p50:.2} ms, p99 {p99:.2} ms, recall@10 {recall:.3}",
                100.0 * scanned as f64 / (n * truth.len().max(1)) as f64
            );
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    result
}
