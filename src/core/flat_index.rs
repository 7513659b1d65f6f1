//! A flat, exact snapshot of one embedder's vectors, written next to each HNSW dump: what a
//! one-shot `lookalike query` reads instead of rebuilding the HNSW graph in memory. At 100k
//! photos, reading and scanning it takes a few tens of milliseconds where loading the graph takes
//! seconds, and the answer is exact. Used only when it reflects the catalog's current epoch;
//! otherwise the caller falls back to [`VectorIndex::open`], which reconciles.

use crate::core::catalog::Catalog;
use crate::core::error::Result;
use crate::core::index::VectorIndex;
use crate::core::neighbours::{Neighbor, NeighbourSearch, dot};
use crate::core::vectors_file::{self, FILE};
use rayon::prelude::*;
use std::path::Path;

/// Exact nearest-neighbour search over a flat snapshot.
pub struct FlatIndex {
    embedder: String,
    epoch: String,
    dim: usize,
    ids: Vec<i64>,
    vectors: Vec<f32>,
}

impl FlatIndex {
    /// The snapshot of `embedder` in the index dir `dir`, if there is one that is intact and
    /// current for `catalog`; `None` otherwise (the caller then opens the HNSW index).
    pub fn open(dir: &Path, catalog: &Catalog, embedder: &str, dim: usize) -> Result<Option<Self>> {
        Ok(Self::open_at(dir, &catalog.epoch()?, embedder, dim))
    }

    /// [`Self::open`] for a catalog whose epoch is `epoch`.
    pub fn open_at(dir: &Path, epoch: &str, embedder: &str, dim: usize) -> Option<Self> {
        let (target, hash) = VectorIndex::current_dump_file(dir, embedder, dim, epoch, FILE)?;
        let bytes = std::fs::read(&target).ok()?;
        // Hashing 200+ MB at 100k photos: both cores.
        let mut hasher = blake3::Hasher::new();
        hasher.update_rayon(&bytes);
        if hasher.finalize().to_hex().as_str() != hash {
            return None;
        }
        Self::decode(embedder, dim, &bytes).map(|f| Self {
            epoch: epoch.to_string(),
            ..f
        })
    }

    /// The catalog epoch this snapshot reflects (compare with [`Catalog::epoch`] before reuse).
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    fn decode(embedder: &str, dim: usize, bytes: &[u8]) -> Option<Self> {
        let (ids, vectors) = vectors_file::decode(dim, bytes)?;
        Some(Self {
            embedder: embedder.to_string(),
            epoch: String::new(),
            dim,
            ids,
            vectors,
        })
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl NeighbourSearch for FlatIndex {
    fn embedder(&self) -> &str {
        &self.embedder
    }

    fn search(&self, query: &[f32], k: usize) -> Vec<Neighbor> {
        if k == 0 || query.len() != self.dim || self.dim == 0 {
            return Vec::new();
        }
        const CHUNK: usize = 4096;
        let best = |mut v: Vec<Neighbor>| {
            v.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
            v.truncate(k);
            v
        };
        let partial: Vec<Vec<Neighbor>> = self
            .vectors
            .par_chunks(CHUNK * self.dim)
            .enumerate()
            .map(|(c, block)| {
                let found = block
                    .chunks_exact(self.dim)
                    .enumerate()
                    .map(|(i, v)| Neighbor {
                        id: self.ids[c * CHUNK + i],
                        score: dot(v, query),
                    })
                    .filter(|n| n.score.is_finite())
                    .collect();
                best(found)
            })
            .collect();
        best(partial.into_iter().flatten().collect())
    }
}

/// Open whichever answers a one-shot query fastest: the flat snapshot when current, else the
/// HNSW index (loaded and reconciled with the catalog).
pub fn open_for_query(
    dir: &Path,
    catalog: &Catalog,
    embedder: &str,
    dim: usize,
) -> Result<Box<dyn NeighbourSearch>> {
    match FlatIndex::open(dir, catalog, embedder, dim)? {
        Some(flat) => Ok(Box::new(flat)),
        None => Ok(Box::new(VectorIndex::open(dir, catalog, embedder, dim)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_search_over_a_snapshot_and_damaged_files_are_refused() {
        let dim = 5;
        let vecs: Vec<(i64, Vec<f32>)> = (0..9000)
            .map(|i| {
                let mut v: Vec<f32> = (0..dim)
                    .map(|d| ((i * 31 + d * 7) % 17) as f32 - 8.0)
                    .collect();
                crate::core::embed::l2_normalize(&mut v);
                (i as i64 * 3 + 1, v)
            })
            .collect();
        let items: Vec<(i64, &[f32])> = vecs.iter().map(|(i, v)| (*i, v.as_slice())).collect();
        let bytes = vectors_file::encode(dim, &items);
        let flat = FlatIndex::decode("e", dim, &bytes).expect("decodes");
        assert_eq!(flat.len(), 9000);
        let q = &vecs[4321].1;
        let got = flat.search(q, 5);
        let mut exact: Vec<(f32, i64)> = vecs.iter().map(|(i, v)| (dot(v, q), *i)).collect();
        exact.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(got.len(), 5);
        // Same order as brute force (ties by id), same scores.
        for (g, e) in got.iter().zip(&exact) {
            assert_eq!(g.id, e.1);
            assert!((g.score - e.0).abs() < 1e-6, "{g:?} vs {e:?}");
        }
        assert!(FlatIndex::decode("e", dim, &bytes[..bytes.len() - 1]).is_none());
        assert!(FlatIndex::decode("e", dim + 1, &bytes).is_none());
        assert!(flat.search(&[1.0, 0.0], 3).is_empty(), "wrong dimension");
    }
}
