//! A k-nearest-neighbour list for every photo of a large library without a graph: a self-join
//! of the snapshot's partitions. Each partition's photos are compared with the photos of their
//! own partition and of the [`NEAR_PARTITIONS`] partitions whose centroids lie nearest to
//! theirs, with exact cosines (matrix products on all cores). A near duplicate is almost always
//! in the same partition as its original (k-means puts near-identical vectors together), so
//! this finds what the duplicate finder needs for about `3 x sqrt(n)` comparisons per photo
//! instead of `n`.

use crate::core::flat_index::FlatIndex;
use crate::core::neighbours::Neighbor;
use candle_core::{Device, Tensor};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// Other partitions each partition is joined with (nearest centroids first).
pub const NEAR_PARTITIONS: usize = 2;
/// Rows per side of one matrix product.
const BLOCK: usize = 2048;

/// Live photos of one partition: ids and concatenated vectors.
#[derive(Default)]
struct Members {
    ids: Vec<i64>,
    vectors: Vec<f32>,
}

/// The `k` nearest live photos of every live photo (itself excluded), best first. `base` is the
/// snapshot (its `removed` ids are not live) and `tail` the live vectors not in it.
pub(super) fn links(
    base: Option<&FlatIndex>,
    removed: &HashSet<i64>,
    tail: &HashMap<i64, Vec<f32>>,
    dim: usize,
    k: usize,
) -> HashMap<i64, Vec<Neighbor>> {
    let parts = base.and_then(FlatIndex::partitions);
    let groups = parts.map_or(1, |p| p.len());
    // Tail vectors join the partition whose centroid fits them best.
    let mut tail_of: Vec<Vec<i64>> = vec![Vec::new(); groups];
    for (id, v) in tail {
        let g = parts.map_or(0, |p| p.scored(v).first().map_or(0, |s| s.1));
        tail_of[g].push(*id);
    }
    let members = |g: usize| -> Members {
        let mut m = Members::default();
        if let Some(base) = base {
            let rows = parts.map_or(0..base.len(), |p| p.rows(g));
            let full = base.full_rows(rows.clone());
            for (i, id) in base.ids()[rows].iter().enumerate() {
                if !removed.contains(id) {
                    m.ids.push(*id);
                    m.vectors.extend_from_slice(&full[i * dim..(i + 1) * dim]);
                }
            }
        }
        for id in &tail_of[g] {
            if let Some(v) = tail.get(id) {
                m.ids.push(*id);
                m.vectors.extend_from_slice(v);
            }
        }
        m
    };
    let near = |g: usize| -> Vec<usize> {
        let Some(p) = parts else {
            return Vec::new();
        };
        let centroid = &p.centroids()[g * dim..(g + 1) * dim];
        p.scored(centroid)
            .into_iter()
            .map(|(_, q)| q)
            .filter(|q| *q != g)
            .take(NEAR_PARTITIONS)
            .collect()
    };
    let mut out = HashMap::new();
    for g in 0..groups {
        let own = members(g);
        if own.ids.is_empty() {
            continue;
        }
        let others: Vec<Members> = near(g).into_iter().map(members).collect();
        let mut best: Vec<Vec<Neighbor>> = vec![Vec::new(); own.ids.len()];
        for other in std::iter::once(&own).chain(&others) {
            join_into(&own, other, dim, k, &mut best);
        }
        out.extend(own.ids.iter().copied().zip(best));
    }
    out
}

/// Merge the `k` best of `other` for each photo of `own` into `best` (same order as `own`).
fn join_into(own: &Members, other: &Members, dim: usize, k: usize, best: &mut [Vec<Neighbor>]) {
    if other.ids.is_empty() || dim == 0 {
        return;
    }
    for (a, best_a) in own
        .vectors
        .chunks(BLOCK * dim)
        .zip(best.chunks_mut(BLOCK))
        .zip(own.ids.chunks(BLOCK))
        .map(|((v, b), ids)| ((v, ids), b))
    {
        for (b, b_ids) in other
            .vectors
            .chunks(BLOCK * dim)
            .zip(other.ids.chunks(BLOCK))
        {
            let scores = products(a.0, b, dim);
            let cols = b_ids.len();
            best_a
                .par_iter_mut()
                .zip(a.1.par_iter())
                .enumerate()
                .for_each(|(i, (list, me))| {
                    let row = &scores[i * cols..(i + 1) * cols];
                    for (score, id) in row.iter().zip(b_ids) {
                        if id != me && score.is_finite() {
                            push(
                                list,
                                Neighbor {
                                    id: *id,
                                    score: *score,
                                },
                                k,
                            );
                        }
                    }
                });
        }
    }
}

/// Keep `list` the `k` best neighbours, best first.
fn push(list: &mut Vec<Neighbor>, n: Neighbor, k: usize) {
    if list.len() == k && list.last().is_some_and(|w| w.score >= n.score) {
        return;
    }
    let at = list.partition_point(|x| x.score > n.score || (x.score == n.score && x.id < n.id));
    list.insert(at, n);
    list.truncate(k);
}

/// `a · bᵀ` for row-major blocks of `dim`-long rows (candle's matrix product; a plain loop if
/// it fails).
fn products(a: &[f32], b: &[f32], dim: usize) -> Vec<f32> {
    let (m, n) = (a.len() / dim, b.len() / dim);
    let run = || -> candle_core::Result<Vec<f32>> {
        let cpu = Device::Cpu;
        let x = Tensor::from_slice(a, (m, dim), &cpu)?;
        let y = Tensor::from_slice(b, (n, dim), &cpu)?.t()?;
        x.matmul(&y)?.flatten_all()?.to_vec1::<f32>()
    };
    run().unwrap_or_else(|_| {
        a.chunks_exact(dim)
            .flat_map(|x| {
                b.chunks_exact(dim)
                    .map(move |y| crate::core::neighbours::dot(x, y))
            })
            .collect()
    })
}
