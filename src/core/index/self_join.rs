//! A k-nearest-neighbour list for every photo of a large library without a graph: a self-join
//! of the snapshot's partitions with multiple assignment. Every photo is filed under the
//! [`ASSIGN`] partitions whose centroids fit it best, and each partition's photos so filed are
//! compared with each other, with exact cosines (matrix products on all cores). Two photos
//! that are close share one of their best partitions, even when a cluster straddles a
//! partition border, so this finds what the duplicate finder needs for about
//! `ASSIGN² x sqrt(n)` comparisons per photo instead of `n`.

use crate::core::neighbours::Neighbor;
use crate::core::vectors_file::Partitions;
use candle_core::{Device, Tensor};
use rayon::prelude::*;
use std::collections::HashMap;

/// Partitions each photo is filed under (best centroids first).
pub const ASSIGN: usize = 2;
/// Rows per side of one matrix product.
const BLOCK: usize = 2048;

/// Photos to compare: ids and concatenated vectors.
#[derive(Default)]
struct Members {
    ids: Vec<i64>,
    vectors: Vec<f32>,
}

impl Members {
    fn push(&mut self, id: i64, v: &[f32]) {
        self.ids.push(id);
        self.vectors.extend_from_slice(v);
    }
}

/// The `k` nearest of every photo among `ids` (vectors concatenated in `vectors`; itself
/// excluded), best first, filed under the snapshot's `partitions` (all together without).
pub(super) fn links(
    ids: Vec<i64>,
    vectors: Vec<f32>,
    partitions: Option<&Partitions>,
    dim: usize,
    k: usize,
) -> HashMap<i64, Vec<Neighbor>> {
    let all = Members { ids, vectors };
    if all.ids.is_empty() || dim == 0 {
        return HashMap::new();
    }
    // The partitions each photo is filed under.
    let groups: Vec<Vec<usize>> = match partitions {
        Some(p) if p.len() > 1 => {
            let mut groups = vec![Vec::new(); p.len()];
            let take = ASSIGN.min(p.len());
            for (block, chunk) in all.vectors.chunks(BLOCK * dim).enumerate() {
                let scores = products(chunk, p.centroids(), dim);
                for (i, row) in scores.chunks_exact(p.len()).enumerate() {
                    let mut best: Vec<(f32, usize)> = row
                        .iter()
                        .zip(p.bias())
                        .map(|(s, b)| s - b)
                        .zip(0..)
                        .collect();
                    best.select_nth_unstable_by(take - 1, |a, b| b.0.total_cmp(&a.0));
                    for (_, g) in &best[..take] {
                        groups[*g].push(block * BLOCK + i);
                    }
                }
            }
            groups
        }
        _ => vec![(0..all.ids.len()).collect()],
    };
    let mut best: Vec<Vec<Neighbor>> = vec![Vec::new(); all.ids.len()];
    for rows in groups.iter().filter(|g| g.len() > 1) {
        let mut group = Members::default();
        for &r in rows {
            group.push(all.ids[r], &all.vectors[r * dim..(r + 1) * dim]);
        }
        let mut found: Vec<Vec<Neighbor>> = vec![Vec::new(); rows.len()];
        join_into(&group, dim, k, &mut found);
        for (&r, list) in rows.iter().zip(found) {
            for n in list {
                if !best[r].iter().any(|x| x.id == n.id) {
                    push(&mut best[r], n, k);
                }
            }
        }
    }
    all.ids.into_iter().zip(best).collect()
}

/// Merge the `k` best of `group`'s other photos for each of its photos into `best` (same order
/// as `group`).
fn join_into(group: &Members, dim: usize, k: usize, best: &mut [Vec<Neighbor>]) {
    if group.ids.is_empty() || dim == 0 {
        return;
    }
    for (a, best_a) in group
        .vectors
        .chunks(BLOCK * dim)
        .zip(best.chunks_mut(BLOCK))
        .zip(group.ids.chunks(BLOCK))
        .map(|((v, b), ids)| ((v, ids), b))
    {
        for (b, b_ids) in group
            .vectors
            .chunks(BLOCK * dim)
            .zip(group.ids.chunks(BLOCK))
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
