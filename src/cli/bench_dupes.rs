//! `lookalike bench --dupes N`: how long grouping an indexed library of N photos takes, on
//! synthetic descriptor-like vectors (low intrinsic dimension, like real ones) and 32x32
//! signatures; a fifth of the photos have 1–3 edited copies. Index build time is reported but
//! not counted: a real library has its index already.

use crate::core::catalog::PhotoInfo;
use crate::core::dupes::{
    self, CandidateGraph, DupeSettings, GraphInput, GraphOptions, IgnoreList, PairCache, PhotoEntry,
};
use crate::core::embed::descriptor::DESCRIPTOR_DIM;
use crate::core::index::VectorIndex;
use crate::core::progress::{CancelFlag, NoProgress};
use anyhow::Result;
use std::path::PathBuf;
use std::time::Instant;

/// Deterministic xorshift generator in [0, 1).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-6);
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// A synthetic indexed library of at least `n` photos: scenes drawn from a 24-d latent space
/// mapped into the descriptor's dimension, each with its own fine texture; a fifth of the
/// scenes get 1–3 copies with slightly perturbed vectors, some shifted by 3 %.
pub fn synthetic_input(n: usize) -> GraphInput {
    let dim = DESCRIPTOR_DIM;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let latent = 24;
    let basis: Vec<f32> = (0..dim * latent).map(|_| rng.next() - 0.5).collect();
    let mut input = GraphInput::default();
    let mut id = 0i64;
    while (id as usize) < n {
        let z: Vec<f32> = (0..latent).map(|_| rng.next() - 0.5).collect();
        let base: Vec<f32> = (0..dim)
            .map(|d| (0..latent).map(|k| basis[d * latent + k] * z[k]).sum())
            .collect();
        let (fx, fy, ph) = (
            1.0 + 6.0 * rng.next(),
            1.0 + 6.0 * rng.next(),
            6.0 * rng.next(),
        );
        // A fixed per-scene texture (the fine detail copies share) over a smooth layout.
        let texture: Vec<f32> = (0..1024).map(|_| 24.0 * (rng.next() - 0.5)).collect();
        let sig = |shift: f32, noise: &mut Rng| -> Vec<u8> {
            (0..1024)
                .map(|i| {
                    let sx = ((i % 32) as f32 + shift * 32.0).min(31.0) as usize;
                    let (x, y) = ((i % 32) as f32 / 32.0 + shift, (i / 32) as f32 / 32.0);
                    let v = 128.0
                        + 50.0 * (fx * x * 3.0 + ph).sin() * (fy * y * 3.0).cos()
                        + texture[(i / 32) * 32 + sx]
                        + 4.0 * (noise.next() - 0.5);
                    v.clamp(0.0, 255.0) as u8
                })
                .collect()
        };
        let copies = if rng.next() < 0.2 {
            1 + (rng.next() * 3.0) as usize
        } else {
            0
        };
        for c in 0..=copies {
            let v: Vec<f32> = base
                .iter()
                .map(|x| {
                    x + if c == 0 {
                        0.0
                    } else {
                        0.02 * (rng.next() - 0.5)
                    }
                })
                .collect();
            input.vectors.insert(id, unit(v));
            let shift = if c > 0 && rng.next() < 0.3 { 0.03 } else { 0.0 };
            input.signatures.insert(id, sig(shift, &mut rng));
            let mut hash = [0u8; 32];
            hash[..8].copy_from_slice(&id.to_le_bytes());
            input.photos.push(PhotoEntry {
                info: PhotoInfo {
                    id,
                    path: PathBuf::from(format!("/photos/p{id}.jpg")),
                    bytes: 1_000_000 + id as u64,
                    width: 4000,
                    height: 3000,
                    format: "jpeg".into(),
                    mtime_ns: id,
                    ..Default::default()
                },
                hash: Some(hash),
            });
            id += 1;
        }
    }
    input
}

/// Run the grouping benchmark and print per-stage timings.
pub fn run(n: usize) -> Result<()> {
    let t = Instant::now();
    let input = synthetic_input(n);
    let gen_s = t.elapsed().as_secs_f64();
    let photos = input.photos.len();
    let t = Instant::now();
    let mut vectors: Vec<(i64, Vec<f32>)> =
        input.vectors.iter().map(|(k, v)| (*k, v.clone())).collect();
    vectors.sort_by_key(|x| x.0);
    let index = VectorIndex::build("descriptor-v1", DESCRIPTOR_DIM, &vectors);
    drop(vectors);
    drop(input);
    let index_s = t.elapsed().as_secs_f64();
    println!(
        "dupes: {photos} synthetic photos (generated in {gen_s:.1} s; index built in {index_s:.1} s, not counted)"
    );
    // Cold: every pair pixel-checked (what indexing does once, warming the cache); warm: what
    // `dupes` and the Duplicates view do on an indexed library.
    let mut cache = PairCache::default();
    let mut graph = None;
    for pass in ["cold (no cache)", "warm (indexed)"] {
        let input = synthetic_input(n);
        let t = Instant::now();
        let g = CandidateGraph::build(
            input,
            &index,
            &GraphOptions::default(),
            &mut cache,
            &NoProgress,
            &CancelFlag::new(),
        )?;
        let graph_s = t.elapsed().as_secs_f64();
        let s = &g.stats;
        println!(
            "dupes: candidate graph, {pass}: {graph_s:.2} s  [neighbours {:.0} ms, pixel checks {:.0} ms: {} aligned, {} from cache; {} edges]",
            s.search_ms, s.verify_ms, s.pixel_checked, s.pixel_cached, s.edges
        );
        graph = Some((g, graph_s));
    }
    let Some((graph, graph_s)) = graph else {
        return Ok(());
    };
    let t = Instant::now();
    let groups = dupes::groups(&graph, &DupeSettings::default(), &IgnoreList::default());
    let group_s = t.elapsed().as_secs_f64();
    let mut settings = DupeSettings::default();
    settings.thresholds.near = 0.95;
    let t = Instant::now();
    let regrouped = dupes::groups(&graph, &settings, &IgnoreList::default());
    let regroup_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "dupes: grouping {:.0} ms -> {} groups; regroup at near=0.95 {regroup_ms:.0} ms -> {} groups",
        group_s * 1e3,
        groups.len(),
        regrouped.len()
    );
    println!(
        "dupes: grouped an indexed library in {:.2} s for {} photos ({:.0} photos/s)",
        graph_s + group_s,
        graph.photos.len(),
        graph.photos.len() as f64 / (graph_s + group_s).max(1e-9)
    );
    Ok(())
}
