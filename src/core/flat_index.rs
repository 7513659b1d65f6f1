//! A flat snapshot of one embedder's vectors, written next to each HNSW dump: what a one-shot
//! `lookalike query` (and the GUI right after start-up) reads instead of the HNSW graph. Only
//! its one-byte codes are held in memory (see [`crate::core::vectors_file`]); a query scans them
//! and re-ranks the best candidates with their full vectors, so the answer is exact. At 100k
//! photos, opening and scanning it takes tens of milliseconds where loading the graph takes
//! seconds. Used only when it reflects the catalog's current epoch; otherwise the caller falls
//! back to [`VectorIndex::open`], which reconciles.

use crate::core::catalog::Catalog;
use crate::core::error::Result;
use crate::core::index::VectorIndex;
use crate::core::neighbours::{Neighbor, NeighbourSearch, dot};
use crate::core::vectors_file::{self, FILE, Loaded};
use rayon::prelude::*;
use std::path::Path;
use std::sync::Mutex;

/// Where the full-precision vectors that re-rank the candidates are.
enum Exact {
    /// In memory (a version 1 file, or built from vectors).
    Memory(Vec<f32>),
    /// In the open version 2 file, from this byte offset (read one row at a time).
    File {
        file: Mutex<std::fs::File>,
        offset: u64,
    },
}

/// Nearest-neighbour search over a flat snapshot: a scan of one-byte codes, then the best
/// candidates re-ranked with their full vectors, so the scores are exact cosines.
pub struct FlatIndex {
    embedder: String,
    epoch: String,
    dim: usize,
    ids: Vec<i64>,
    scales: Vec<f32>,
    codes: Vec<i8>,
    exact: Exact,
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
        let flat = Self::from_loaded(embedder, dim, vectors_file::read(&target, dim, &hash)?)?;
        Some(Self {
            epoch: epoch.to_string(),
            ..flat
        })
    }

    fn from_loaded(embedder: &str, dim: usize, loaded: Loaded) -> Option<Self> {
        match loaded {
            Loaded::Full { ids, vectors } => Self::from_vectors(embedder, dim, ids, vectors),
            Loaded::Quantized {
                ids,
                scales,
                codes,
                file,
                full_offset,
            } => Some(Self {
                embedder: embedder.to_string(),
                epoch: String::new(),
                dim,
                ids,
                scales,
                codes,
                exact: Exact::File {
                    file: Mutex::new(file),
                    offset: full_offset,
                },
            }),
        }
    }

    /// A snapshot of concatenated `vectors` (`dim` each) with their photo `ids`, all kept in
    /// memory; `None` when the lengths disagree.
    pub fn from_vectors(
        embedder: &str,
        dim: usize,
        ids: Vec<i64>,
        vectors: Vec<f32>,
    ) -> Option<Self> {
        if dim == 0 || vectors.len() != ids.len() * dim {
            return None;
        }
        let mut codes = vec![0i8; vectors.len()];
        let scales = codes
            .par_chunks_mut(dim)
            .zip(vectors.par_chunks(dim))
            .map(|(c, v)| vectors_file::quantize(v, c))
            .collect();
        Some(Self {
            embedder: embedder.to_string(),
            epoch: String::new(),
            dim,
            ids,
            scales,
            codes,
            exact: Exact::Memory(vectors),
        })
    }

    /// The catalog epoch this snapshot reflects (compare with [`Catalog::epoch`] before reuse).
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether the full vectors stay on disk (a version 2 file) rather than in memory.
    pub fn is_quantized_on_disk(&self) -> bool {
        matches!(self.exact, Exact::File { .. })
    }

    /// Bytes this snapshot holds in memory (ids, scales, codes and any in-memory vectors).
    pub fn memory_bytes(&self) -> usize {
        let full = match &self.exact {
            Exact::Memory(v) => v.len() * 4,
            Exact::File { .. } => 0,
        };
        self.ids.len() * 12 + self.codes.len() + full
    }

    /// The `pool` rows whose codes score best against the query's code, best first, with
    /// their approximate cosine.
    fn candidates(&self, query: &[f32], pool: usize) -> Vec<(f32, usize)> {
        const CHUNK: usize = 4096;
        let mut qcode = vec![0i8; self.dim];
        let qscale = vectors_file::quantize(query, &mut qcode);
        let best = |mut v: Vec<(f32, usize)>| {
            let cmp = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
            if v.len() > pool {
                v.select_nth_unstable_by(pool - 1, cmp);
                v.truncate(pool);
            }
            v.sort_by(cmp);
            v
        };
        let partial: Vec<Vec<(f32, usize)>> = self
            .codes
            .par_chunks(CHUNK * self.dim)
            .enumerate()
            .map(|(c, block)| {
                let found = block
                    .chunks_exact(self.dim)
                    .enumerate()
                    .map(|(i, code)| {
                        let row = c * CHUNK + i;
                        let approx =
                            vectors_file::dot_i8(code, &qcode) as f32 * self.scales[row] * qscale;
                        (approx, row)
                    })
                    .collect();
                best(found)
            })
            .collect();
        best(partial.into_iter().flatten().collect())
    }

    /// The exact cosine of each candidate row with `query` (the approximate one where a row
    /// cannot be read or does not match its code).
    fn rescore(&self, query: &[f32], mut rows: Vec<(f32, usize)>) -> Vec<(f32, usize)> {
        match &self.exact {
            Exact::Memory(v) => {
                for (score, row) in &mut rows {
                    *score = dot(&v[*row * self.dim..(*row + 1) * self.dim], query);
                }
            }
            Exact::File { file, offset } => {
                use std::io::{Read, Seek, SeekFrom};
                let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
                rows.sort_unstable_by_key(|r| r.1);
                let mut bytes = vec![0u8; 4 * self.dim];
                let mut full = vec![0f32; self.dim];
                for (score, row) in &mut rows {
                    let at = offset + (*row * 4 * self.dim) as u64;
                    if file.seek(SeekFrom::Start(at)).is_err()
                        || file.read_exact(&mut bytes).is_err()
                    {
                        continue;
                    }
                    for (x, b) in full.iter_mut().zip(bytes.chunks_exact(4)) {
                        *x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    }
                    let code = &self.codes[*row * self.dim..(*row + 1) * self.dim];
                    if vectors_file::row_matches_code(&full, code, self.scales[*row]) {
                        *score = dot(&full, query);
                    }
                }
            }
        }
        rows
    }
}

/// How many candidates the code scan hands to the exact re-rank for `k` results: enough that
/// a true top-`k` vector is not lost to the codes' rounding (recall is measured by
/// `lookalike bench --synthetic` and the tests).
fn pool_size(k: usize) -> usize {
    (k * 2).max(k + 48)
}

impl NeighbourSearch for FlatIndex {
    fn embedder(&self) -> &str {
        &self.embedder
    }

    fn search(&self, query: &[f32], k: usize) -> Vec<Neighbor> {
        if k == 0 || query.len() != self.dim || self.dim == 0 || self.is_empty() {
            return Vec::new();
        }
        let rows = self.candidates(query, pool_size(k));
        let mut out: Vec<Neighbor> = self
            .rescore(query, rows)
            .into_iter()
            .filter(|(score, _)| score.is_finite())
            .map(|(score, row)| Neighbor {
                id: self.ids[row],
                score,
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        out.truncate(k);
        out
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
        let tmp = tempfile::tempdir().expect("tmp");
        let v2 = tmp.path().join(FILE);
        let hash = vectors_file::write(&v2, dim, &items).expect("write");
        let v1 = tmp.path().join("old.bin");
        let old = vectors_file::encode_v1(dim, &items);
        std::fs::write(&v1, &old).expect("write v1");
        let old_hash = blake3::hash(&old).to_hex().to_string();
        let q = &vecs[4321].1;
        let mut exact: Vec<(f32, i64)> = vecs.iter().map(|(i, v)| (dot(v, q), *i)).collect();
        exact.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (path, hash, on_disk) in [(&v2, &hash, true), (&v1, &old_hash, false)] {
            let loaded = vectors_file::read(path, dim, hash).expect("reads");
            let flat = FlatIndex::from_loaded("e", dim, loaded).expect("decodes");
            assert_eq!(flat.len(), 9000);
            assert_eq!(flat.is_quantized_on_disk(), on_disk);
            let got = flat.search(q, 5);
            assert_eq!(got.len(), 5);
            // Same order as brute force (ties by id), same scores.
            for (g, e) in got.iter().zip(&exact) {
                assert_eq!(g.id, e.1);
                assert!((g.score - e.0).abs() < 1e-6, "{g:?} vs {e:?}");
            }
            assert!(flat.search(&[1.0, 0.0], 3).is_empty(), "wrong dimension");
            assert!(vectors_file::read(path, dim + 1, hash).is_none());
            assert!(vectors_file::read(path, dim, "0000").is_none());
        }
        // A cut file and a damaged head are refused.
        let bytes = std::fs::read(&v2).expect("read");
        std::fs::write(&v2, &bytes[..bytes.len() - 1]).expect("cut");
        assert!(vectors_file::read(&v2, dim, &hash).is_none());
        let mut damaged = bytes.clone();
        damaged[30] ^= 1;
        std::fs::write(&v2, &damaged).expect("damage");
        assert!(vectors_file::read(&v2, dim, &hash).is_none());
        // A damaged full vector (past the checksummed head) is not trusted: its score falls
        // back to the code's approximation, never the damaged value.
        let mut damaged = bytes;
        let last = damaged.len() - 4;
        damaged[last..].copy_from_slice(&10.0f32.to_le_bytes());
        std::fs::write(&v2, &damaged).expect("damage");
        let flat = FlatIndex::from_loaded(
            "e",
            dim,
            vectors_file::read(&v2, dim, &hash).expect("head ok"),
        )
        .expect("decodes");
        let own = &vecs[8999].1;
        let top = flat.search(own, 1);
        assert!(top[0].score <= 1.01, "{top:?}");
    }
}
