//! A flat snapshot of one embedder's vectors, written next to each HNSW dump: what a one-shot
//! `lookalike query` (and the GUI right after start-up) reads instead of the HNSW graph. Only
//! its one-byte codes are held in memory (see [`crate::core::vectors_file`]); a query scans them
//! and re-ranks the best candidates with their full vectors, so the answer is exact. At 100k
//! photos, opening and scanning it takes tens of milliseconds where loading the graph takes
//! seconds. Used only when it reflects the catalog's current epoch; otherwise the caller falls
//! back to [`VectorIndex::open`], which reconciles.
//!
//! A large snapshot (version 3 or 4, from [`vectors_file::PARTITION_FROM`] vectors, or any size
//! in a large library's index) is partitioned, and a version 4 file's codes are read and
//! verified one partition at a time, when a query first probes it:
//! a query ranks the partitions' centroids and scans only the codes of the best few (see
//! [`default_probe`] and [`FlatIndex::set_probe`]), so its cost grows with the size of a
//! partition rather than of the library; the re-rank stays exact.

use crate::core::catalog::Catalog;
use crate::core::error::Result;
use crate::core::index::VectorIndex;
use crate::core::neighbours::{Neighbor, NeighbourSearch, dot};
use crate::core::vectors_file::{self, FILE, Loaded, Partitions};
use rayon::prelude::*;
use std::ops::Range;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

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

/// Where the one-byte codes are.
enum Codes {
    /// All in memory.
    Memory(Vec<i8>),
    /// In the file (version 4): each partition's read and verified the first time it is needed
    /// (`None` once found damaged: its rows are then left out of scans).
    Lazy {
        blocks: Vec<OnceLock<Option<Vec<i8>>>>,
        hashes: Vec<[u8; 32]>,
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
    codes: Codes,
    exact: Exact,
    /// A partitioned (version 3) snapshot's partitions; `None`: every query scans every code.
    partitions: Option<Partitions>,
    /// How many partitions a query scans at least (best centroids first).
    probe: usize,
    /// At most this many times `probe` when many centroids look alike to the query.
    widen: usize,
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
        let flat = Self::open_file(&target, &hash, embedder, dim)?;
        Some(Self {
            epoch: epoch.to_string(),
            ..flat
        })
    }

    /// The snapshot in the vectors file at `path` whose manifest checksum is `hash`, whatever
    /// its epoch; `None` when it is missing, damaged, or not of dimension `dim`.
    pub fn open_file(path: &Path, hash: &str, embedder: &str, dim: usize) -> Option<Self> {
        Self::from_loaded(embedder, dim, vectors_file::read(path, dim, hash)?)
    }

    fn from_loaded(embedder: &str, dim: usize, loaded: Loaded) -> Option<Self> {
        // Versions 2 to 4: the full vectors stay in the file, read one row at a time.
        let on_disk =
            |ids, scales, codes, file, full_offset, partitions: Option<Partitions>| Self {
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
                probe: partitions.as_ref().map_or(0, |p| default_probe(p.len())),
                widen: WIDEN,
                partitions,
            };
        match loaded {
            Loaded::Full { ids, vectors } => Self::from_vectors(embedder, dim, ids, vectors),
            Loaded::Quantized {
                ids,
                scales,
                codes,
                file,
                full_offset,
                partitions,
            } => Some(on_disk(
                ids,
                scales,
                Codes::Memory(codes),
                file,
                full_offset,
                partitions,
            )),
            Loaded::Lazy {
                ids,
                scales,
                partitions,
                hashes,
                file,
                codes_offset,
                full_offset,
            } => {
                let codes = Codes::Lazy {
                    blocks: (0..partitions.len()).map(|_| OnceLock::new()).collect(),
                    hashes,
                    file: Mutex::new(file.try_clone().ok()?),
                    offset: codes_offset,
                };
                Some(on_disk(
                    ids,
                    scales,
                    codes,
                    file,
                    full_offset,
                    Some(partitions),
                ))
            }
        }
    }

    /// The codes of `rows` (which lie in one partition), read and verified first if they are
    /// still in the file; `None` when their partition is damaged.
    fn codes_of(&self, rows: Range<usize>) -> Option<&[i8]> {
        let dim = self.dim;
        match &self.codes {
            Codes::Memory(c) => c.get(rows.start * dim..rows.end * dim),
            Codes::Lazy {
                blocks,
                hashes,
                file,
                offset,
            } => {
                let parts = self.partitions.as_ref()?;
                let p = parts
                    .offsets()
                    .partition_point(|o| *o <= rows.start)
                    .checked_sub(1)
                    .filter(|p| *p < parts.len())?;
                let range = parts.rows(p);
                let block = blocks[p]
                    .get_or_init(|| {
                        use std::io::{Read, Seek, SeekFrom};
                        let mut bytes = vec![0u8; range.len() * dim];
                        let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
                        file.seek(SeekFrom::Start(offset + (range.start * dim) as u64))
                            .ok()?;
                        file.read_exact(&mut bytes).ok()?;
                        (blake3::hash(&bytes).as_bytes() == hashes.get(p)?)
                            .then(|| bytes.into_iter().map(|b| i8::from_le_bytes([b])).collect())
                    })
                    .as_ref()?;
                block.get((rows.start - range.start) * dim..(rows.end - range.start) * dim)
            }
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
            codes: Codes::Memory(codes),
            exact: Exact::Memory(vectors),
            partitions: None,
            probe: 0,
            widen: 1,
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

    /// Number of partitions (0 when every query scans every code).
    pub fn partition_count(&self) -> usize {
        self.partitions.as_ref().map_or(0, Partitions::len)
    }

    /// How many partitions a query scans at least (0 when not partitioned).
    pub fn probe(&self) -> usize {
        self.probe
    }

    /// Scan at least the best `probe` partitions per query (at least 1; more finds more of
    /// the true neighbours and costs more), and up to `widen` times that many when further
    /// centroids are about as similar to the query as the best (1: exactly `probe`). No
    /// effect when not partitioned.
    pub fn set_probe(&mut self, probe: usize, widen: usize) {
        if let Some(p) = &self.partitions {
            self.probe = probe.clamp(1, p.len());
            self.widen = widen.max(1);
        }
    }

    /// How many rows a query for `query` scans.
    pub fn scanned_rows(&self, query: &[f32]) -> usize {
        self.blocks(query, usize::MAX).iter().map(|r| r.len()).sum()
    }

    /// Bytes this snapshot holds in memory (ids, scales, codes and any in-memory vectors).
    pub fn memory_bytes(&self) -> usize {
        let full = match &self.exact {
            Exact::Memory(v) => v.len() * 4,
            Exact::File { .. } => 0,
        };
        let parts = self
            .partitions
            .as_ref()
            .map_or(0, |p| p.centroids().len() * 4 + p.offsets().len() * 8);
        let codes = match &self.codes {
            Codes::Memory(c) => c.len(),
            Codes::Lazy { blocks, .. } => blocks
                .iter()
                .filter_map(|b| b.get().and_then(Option::as_ref))
                .map(Vec::len)
                .sum(),
        };
        self.ids.len() * 12 + codes + full + parts
    }

    /// The rows a query scans, in blocks of at most `chunk`: all of them, or those of the
    /// partitions whose centroids are most similar to `query` — `probe` of them, or up to
    /// `widen` times that many when further centroids are within [`MARGIN`] of the best.
    fn blocks(&self, query: &[f32], chunk: usize) -> Vec<Range<usize>> {
        let ranges: Vec<Range<usize>> = match &self.partitions {
            Some(p) => {
                let scored = p.scored(query);
                let best = scored.first().map_or(0.0, |s| s.0);
                // Neighbours of a query that no centroid fits well are spread over the
                // partitions of all the centroids that fit it about as well: scan those too.
                let alike = scored.iter().take_while(|s| s.0 >= best - MARGIN).count();
                let take = alike.clamp(self.probe, self.probe.saturating_mul(self.widen));
                scored.iter().take(take).map(|s| p.rows(s.1)).collect()
            }
            None => std::iter::once(0..self.len()).collect(),
        };
        ranges
            .into_iter()
            .flat_map(|r| {
                (r.start..r.end)
                    .step_by(chunk)
                    .map(move |s| s..s.saturating_add(chunk).min(r.end))
            })
            .collect()
    }

    /// The `pool` scanned rows whose codes score best against the query's code, best first,
    /// with their approximate cosine.
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
            .blocks(query, CHUNK)
            .into_par_iter()
            .map(|rows| {
                let Some(codes) = self.codes_of(rows.clone()) else {
                    return Vec::new();
                };
                let found = codes
                    .chunks_exact(self.dim)
                    .zip(rows)
                    .map(|(code, row)| {
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
                    let Some(code) = self.codes_of(*row..*row + 1) else {
                        continue;
                    };
                    if vectors_file::row_matches_code(&full, code, self.scales[*row]) {
                        *score = dot(&full, query);
                    }
                }
            }
        }
        rows
    }
}

/// How far below the best centroid's cosine a further centroid counts as alike (see
/// [`FlatIndex::set_probe`]).
const MARGIN: f32 = 0.1;
/// How many times the default probe a query scans at most when many centroids are alike.
const WIDEN: usize = 2;

/// How many of `parts` partitions a query scans by default: a sixteenth, at least 8 (all of
/// them in a small snapshot). Chosen on `lookalike bench --synthetic` (clustered vectors) for
/// recall@10 >= 0.98 with a margin; real embeddings, less clustered, may need more.
pub fn default_probe(parts: usize) -> usize {
    (parts / 16).max(8).min(parts)
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

/// Open whichever answers a one-shot query fastest: the flat snapshot (or a large library's
/// snapshot files) when current, else the HNSW index (loaded and reconciled with the catalog).
pub fn open_for_query(
    dir: &Path,
    catalog: &Catalog,
    embedder: &str,
    dim: usize,
) -> Result<Box<dyn NeighbourSearch>> {
    match QuerySnapshot::open_at(dir, &catalog.epoch()?, embedder, dim) {
        Some(snapshot) => Ok(Box::new(snapshot)),
        None => Ok(Box::new(VectorIndex::open(dir, catalog, embedder, dim)?)),
    }
}

mod query_snapshot;
mod rows;
pub use query_snapshot::QuerySnapshot;
#[cfg(test)]
mod tests;
