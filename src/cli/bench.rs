//! `lookalike bench`: index a folder into a throwaway data dir and print per-stage timings and
//! photos/s; optionally time queries on synthetic vectors.

use crate::core::embed::registry;
use crate::core::index::VectorIndex;
use crate::core::library::Library;
use crate::core::progress::{CancelFlag, NoProgress};
use anyhow::{Result, bail};
use std::path::Path;
use std::time::Instant;

/// Run the benchmark.
pub fn run(
    dir: Option<&Path>,
    model: &str,
    device: &str,
    synthetic: usize,
    graph: bool,
    dupes: usize,
) -> Result<()> {
    let Some(dir) = dir else {
        if synthetic == 0 && dupes == 0 {
            bail!("give a folder of photos to benchmark, or --synthetic N / --dupes N");
        }
        if synthetic > 0 {
            let root = crate::core::datadir::DataDir::default_path()
                .unwrap_or_else(|_| std::env::temp_dir());
            let active = registry::build(model, &root, device)?;
            synthetic_queries(synthetic, active.primary().dim(), graph)?;
            if graph && active.clip().is_some() {
                text_queries(&active, &root, synthetic)?;
            }
        }
        if dupes > 0 {
            super::bench_dupes::run(dupes)?;
        }
        return Ok(());
    };
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let tmp = std::env::temp_dir().join(format!("lookalike-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = (|| -> Result<()> {
        let mut lib = Library::open(Some(tmp.clone()))?;
        let t = Instant::now();
        let active = registry::build(model, lib.data_dir.root(), device)?;
        let load_ms = t.elapsed().as_secs_f64() * 1e3;
        let refs = active.refs();
        let r = lib.index(
            &[dir.to_path_buf()],
            &active.spec,
            &refs,
            active.primary,
            &NoProgress,
            &CancelFlag::new(),
        )?;
        let secs = r.elapsed_ms / 1e3;
        println!(
            "model: {} on {} (loaded in {load_ms:.0} ms)",
            active.primary().label(),
            active.device
        );
        println!(
            "photos: {} embedded, {} failed, {} files scanned",
            r.embedded, r.failed, r.scanned
        );
        println!(
            "stage      total ms   (read/decode/resize/thumbs are summed over decoder threads)"
        );
        let s = &r.stages;
        for (name, ms) in [
            ("walk", s.walk_ms),
            ("read", s.read_ms),
            ("decode", s.decode_ms),
            ("resize", s.resize_ms),
            ("thumbs", s.thumbs_ms),
            ("embed", s.embed_ms),
            ("insert", s.insert_ms),
        ] {
            let per = if r.embedded > 0 {
                ms / r.embedded as f64
            } else {
                0.0
            };
            println!("{name:<8} {ms:>10.1}   {per:>7.2} ms/photo");
        }
        println!(
            "end to end: {secs:.2} s, {:.1} photos/s",
            if secs > 0.0 {
                r.embedded as f64 / secs
            } else {
                0.0
            }
        );
        // Re-index with nothing changed: the incremental path.
        let r2 = lib.index(
            &[dir.to_path_buf()],
            &active.spec,
            &refs,
            active.primary,
            &NoProgress,
            &CancelFlag::new(),
        )?;
        println!(
            "re-index unchanged: {:.1} ms for {} files",
            r2.elapsed_ms, r2.scanned
        );
        if synthetic > 0 {
            synthetic_queries(synthetic, active.primary().dim(), graph)?;
        }
        if active.clip().is_some() {
            text_queries(&active, lib.data_dir.root(), synthetic)?;
        }
        if dupes > 0 {
            super::bench_dupes::run(dupes)?;
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

/// Phrases a person types; the text tower's cost depends on their token count.
const PHRASES: &[&str] = &[
    "a dog on the beach",
    "receipt",
    "whiteboard with diagrams",
    "passport",
    "birthday cake with candles",
    "snow covered mountains at sunset",
    "screenshot of a chat",
    "my car in the parking lot",
    "children playing in a garden in summer",
    "a plate of food in a restaurant",
];

/// Search by words: loading the text tower, encoding phrases (p50/p99), and a whole text query
/// (encode + search) against `synthetic` clustered CLIP-sized vectors when asked.
fn text_queries(
    active: &registry::ActiveEmbedders,
    data_dir: &Path,
    synthetic: usize,
) -> Result<()> {
    use crate::core::text_search::WordsEncoder;
    let Some(clip) = active.clip() else {
        return Ok(());
    };
    let t = Instant::now();
    let mut words = WordsEncoder::load(active, data_dir)?;
    println!(
        "text: {} text tower loaded in {:.0} ms",
        clip.label(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let index = (synthetic > 0).then(|| synthetic_vectors(synthetic, clip.dim()).0);
    let mut encode = Vec::new();
    let mut whole = Vec::new();
    for round in 0..20 {
        for p in PHRASES {
            // A different phrase every time: the encoder's cache must not answer.
            let phrase = format!("{p} {round}");
            let t = Instant::now();
            let v = words.encode(&phrase)?;
            encode.push(t.elapsed().as_secs_f64() * 1e3);
            if let Some(idx) = &index {
                let hits = idx.search(&v, 20);
                std::hint::black_box(hits);
                whole.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    let pct = |v: &mut Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() as f64 - 1.0) * q).round() as usize]
    };
    println!(
        "text: encode a phrase p50 {:.1} ms, p99 {:.1} ms ({} phrases)",
        pct(&mut encode, 0.5),
        pct(&mut encode, 0.99),
        encode.len()
    );
    if !whole.is_empty() {
        println!(
            "text: whole query (encode + search {synthetic} x {}-d) p50 {:.1} ms, p99 {:.1} ms",
            clip.dim(),
            pct(&mut whole, 0.5),
            pct(&mut whole, 0.99)
        );
    }
    Ok(())
}

/// `n` clustered random unit vectors of `dim` and their HNSW index.
fn synthetic_vectors(n: usize, dim: usize) -> (VectorIndex, Vec<(i64, Vec<f32>)>) {
    let vecs = clustered(n, dim);
    let idx = VectorIndex::build("synthetic", dim, &vecs);
    (idx, vecs)
}

/// `n` random unit vectors of `dim` in clusters of about 100 (photo ids 0..n).
fn clustered(n: usize, dim: usize) -> Vec<(i64, Vec<f32>)> {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f32 / (1u64 << 53) as f32 - 0.5
    };
    let centers: Vec<Vec<f32>> = (0..(n / 100).max(1))
        .map(|_| (0..dim).map(|_| rnd()).collect())
        .collect();
    (0..n)
        .map(|i| {
            let c = &centers[i % centers.len()];
            let mut v: Vec<f32> = c.iter().map(|x| x + 0.35 * rnd()).collect();
            crate::core::embed::l2_normalize(&mut v);
            (i as i64, v)
        })
        .collect()
}

/// Clustered random unit vectors: build time, query p50/p99 and recall@10 vs brute force of
/// the graph (unless `graph` is false) and of the flat snapshots.
fn synthetic_queries(n: usize, dim: usize, graph: bool) -> Result<()> {
    let vecs = clustered(n, dim);
    let queries = 500.min(n);
    let t = Instant::now();
    let truth = exact_top10(&vecs, queries);
    println!(
        "synthetic: exact top 10 of {queries} queries in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if graph {
        graph_queries(&vecs, dim, &truth);
    }
    super::bench_snapshot::flat_queries(&vecs, dim, &truth);
    super::bench_snapshot::partitioned_queries(&vecs, dim, &truth)
}

/// The HNSW graph over `vecs`: build time, then query p50/p99 and recall@10 at the default
/// candidate list and a sweep of others.
fn graph_queries(vecs: &[(i64, Vec<f32>)], dim: usize, truth: &[std::collections::HashSet<i64>]) {
    let n = vecs.len();
    let t = Instant::now();
    let idx = VectorIndex::build("synthetic", dim, vecs);
    println!(
        "synthetic: built {n} x {dim}-d in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    println!(
        "synthetic: default ef at {n} photos is {}",
        crate::core::index::default_ef(n, 10)
    );
    // The default (`search`) and a sweep of candidate-list sizes: the recall/speed trade-off.
    for ef in [0usize, 24, 32, 48, 64, 96, 128, 192, 256, 384] {
        let mut times = Vec::with_capacity(truth.len());
        let mut recall_sum = 0.0;
        for (q, truth) in truth.iter().enumerate() {
            let qv = &vecs[(q * 7919) % n].1;
            let t = Instant::now();
            let got = if ef == 0 {
                idx.search(qv, 10)
            } else {
                idx.search_ef(qv, 10, ef)
            };
            times.push(t.elapsed().as_secs_f64() * 1e3);
            recall_sum += got.iter().filter(|n| truth.contains(&n.id)).count() as f64 / 10.0;
        }
        times.sort_by(f64::total_cmp);
        let p = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
        let label = if ef == 0 {
            "default".to_string()
        } else {
            format!("ef={ef}")
        };
        println!(
            "synthetic: {label:<8} query p50 {:.2} ms, p99 {:.2} ms, recall@10 {:.3}",
            p(0.5),
            p(0.99),
            recall_sum / truth.len() as f64
        );
    }
}

/// The exact 10 nearest ids of each of the first `queries` query vectors (every 7919th vector),
/// by brute force on all cores.
pub(super) fn exact_top10(
    vecs: &[(i64, Vec<f32>)],
    queries: usize,
) -> Vec<std::collections::HashSet<i64>> {
    use rayon::prelude::*;
    let n = vecs.len();
    (0..queries)
        .into_par_iter()
        .map(|q| {
            let qv = &vecs[(q * 7919) % n].1;
            let mut exact: Vec<(f32, i64)> = vecs
                .iter()
                .map(|(id, v)| (crate::core::neighbours::dot(v, qv), *id))
                .collect();
            let cmp = |a: &(f32, i64), b: &(f32, i64)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
            if exact.len() > 10 {
                exact.select_nth_unstable_by(9, cmp);
                exact.truncate(10);
            }
            exact.iter().map(|e| e.1).collect()
        })
        .collect()
}
