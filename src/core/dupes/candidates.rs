//! Candidate pairs of the graph: for each exact-copy class, the classes the HNSW index links it to
//! (widened by one hop through close neighbours), scored exactly on their descriptor vectors, and,
//! with mirror search on, the nearest of its mirrored and quarter-turned descriptors.

use super::edge::Edge;
use super::graph::tick;
use super::graph_options::GraphOptions;
use super::input::PhotoEntry;
use super::symmetry::Symmetry;
use crate::core::catalog::FastHash;
use crate::core::error::{Error, Result};
use crate::core::index::VectorIndex;
use crate::core::neighbours::dot;
use crate::core::progress::{CancelFlag, Progress};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The candidate edges between `classes` (indices into `photos`; `class_vectors` their
/// descriptor vectors), one per pair and symmetry with its best similarity, sorted by pair; with
/// the milliseconds the search took.
pub(super) fn propose(
    classes: &[Vec<u32>],
    photos: &[PhotoEntry],
    class_vectors: &[Option<Vec<f32>>],
    index: &VectorIndex,
    opts: &GraphOptions,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<(Vec<Edge>, f64)> {
    let photo_list = &photos;
    // Looked up for every link of every photo: a fast hasher.
    let class_of_id: HashMap<i64, u32, FastHash> = classes
        .iter()
        .enumerate()
        .flat_map(|(c, members)| {
            members
                .iter()
                .map(move |&m| (photo_list[m as usize].info.id, c as u32))
        })
        .collect();
    // Straight copies: the index's own neighbour links, widened by one hop
    //    through close neighbours (HNSW's heuristic keeps one of several near-identical
    //    points in a list; the others are one hop away). Mirror/rotation variants are not
    //    in the index, so those are searched for (off by default).
    let started = Instant::now();
    let done = AtomicU64::new(0);
    let total = classes.len() as u64;
    // The index's links are one long step at a large library's size (a self-join of its
    // snapshot): look at the cancel flag on both sides of it.
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let links = index.neighbour_links();
    crate::core::timeline::mark("dupes: the index's neighbour links read");
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let member_ids = |c: usize| classes[c].iter().map(|&m| photos[m as usize].info.id);
    let class_links: Vec<Vec<(u32, f32)>> = (0..classes.len())
        .into_par_iter()
        .map(|c| {
            let mut out: Vec<(u32, f32)> = member_ids(c)
                .filter_map(|id| links.get(&id))
                .flatten()
                .filter_map(|nb| class_of_id.get(&nb.id).map(|&o| (o, nb.score)))
                .filter(|&(o, _)| o as usize != c)
                .collect();
            out.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.total_cmp(&x.1)));
            out.dedup_by_key(|x| x.0);
            out
        })
        .collect();
    drop(links);
    let symmetries: Vec<Symmetry> = if opts.mirror {
        Symmetry::all()
            .into_iter()
            .filter(|s| !s.is_identity())
            .collect()
    } else {
        Vec::new()
    };
    let largest_class = classes.iter().map(Vec::len).max().unwrap_or(1);
    // Identical copies share one vector and crowd a result list: ask for more in that case.
    let k = opts.k + largest_class.min(64);
    let raw: Vec<Vec<Edge>> = (0..classes.len())
        .into_par_iter()
        .map(|c| {
            if cancel.is_cancelled() {
                return Vec::new();
            }
            let n = done.fetch_add(1, Ordering::Relaxed);
            tick(progress, "finding candidates", n, total, 4096);
            let Some(v) = &class_vectors[c] else {
                return Vec::new();
            };
            let mut out: Vec<Edge> = Vec::new();
            let edge = |other: u32, score: f32, sym: Symmetry| {
                let (a, b, symmetry) = if (c as u32) < other {
                    (c as u32, other, sym)
                } else {
                    (other, c as u32, sym.inverse())
                };
                Edge {
                    a,
                    b,
                    similarity: score.clamp(-1.0, 1.0),
                    semantic: None,
                    pixel: None,
                    symmetry,
                    colour: None,
                }
            };
            // Linked classes and, through the close ones, their links; scored exactly.
            let mut seen: Vec<u32> = class_links[c].iter().map(|x| x.0).collect();
            for &(o, score) in &class_links[c] {
                if score >= opts.hop_from {
                    seen.extend(class_links[o as usize].iter().map(|x| x.0));
                }
            }
            seen.sort_unstable();
            seen.dedup();
            let mut scored: Vec<(u32, f32)> = seen
                .into_iter()
                .filter(|&o| o as usize != c)
                .filter_map(|o| class_vectors[o as usize].as_ref().map(|w| (o, dot(v, w))))
                .filter(|&(_, s)| s >= opts.min_similarity)
                .collect();
            scored.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            scored.truncate(opts.k);
            out.extend(
                scored
                    .into_iter()
                    .map(|(o, s)| edge(o, s, Symmetry::IDENTITY)),
            );
            for &sym in &symmetries {
                let Some(query) = sym.apply_descriptor(v) else {
                    continue;
                };
                for nb in index.search_ef(&query, k, opts.ef.max(k)) {
                    let Some(&other) = class_of_id.get(&nb.id) else {
                        continue;
                    };
                    if other as usize == c || nb.score < opts.min_similarity {
                        continue;
                    }
                    out.push(edge(other, nb.score, sym));
                }
            }
            out
        })
        .collect();
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let search_ms = started.elapsed().as_secs_f64() * 1e3;
    // One edge per (pair, symmetry): the best similarity.
    let mut best: HashMap<(u32, u32, Symmetry), Edge, FastHash> = HashMap::default();
    for e in raw.into_iter().flatten() {
        best.entry((e.a, e.b, e.symmetry))
            .and_modify(|old| {
                if e.similarity > old.similarity {
                    *old = e;
                }
            })
            .or_insert(e);
    }
    let mut edges: Vec<Edge> = best.into_values().collect();
    edges.sort_by_key(|e| (e.a, e.b));
    Ok((edges, search_ms))
}
