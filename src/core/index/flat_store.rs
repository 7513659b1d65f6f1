//! The index of a large library: no HNSW graph, only the partitioned flat snapshot
//! ([`crate::core::flat_index`]) plus the vectors changed since it was written.
//!
//! Past [`super::flat_from`] photos an HNSW graph costs more than it gives: at 1M photos
//! building it takes 10–50 minutes on 2 cores and 6 GB per embedder, and its recall at a usable
//! candidate list falls under 0.98, where the partitioned snapshot is trained and written in
//! about a minute, holds a quarter of the vectors' bytes and answers with recall 0.998 (see
//! docs/performance.md, "A million photos"). A [`FlatStore`] is that snapshot (the *base*, read
//! from the current dump) with a *tail* of new or changed vectors that every query scans exactly,
//! and the set of base rows that are no longer live. Saving writes a new snapshot of all live
//! vectors and makes it the base.

use super::self_join;
use crate::core::flat_index::FlatIndex;
use crate::core::neighbours::{Neighbor, NeighbourSearch, dot};
use crate::core::vectors_file;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Most removed base rows a search asks the snapshot for beyond `k` to make up for filtering
/// them out of its answer.
const REMOVED_MARGIN: usize = 256;

/// A large library's vectors of one embedder: a snapshot on disk and the changes since.
pub(super) struct FlatStore {
    embedder: String,
    dim: usize,
    base: Option<FlatIndex>,
    /// Row of each base id.
    base_rows: HashMap<i64, usize>,
    /// Base ids that are no longer live (removed, or replaced by a tail vector).
    removed: HashSet<i64>,
    /// Live vectors that are not in the base (new, or changed since it was written).
    tail: HashMap<i64, Vec<f32>>,
}

impl FlatStore {
    /// A store of `vectors`, none saved yet.
    pub(super) fn from_vectors(embedder: &str, dim: usize, vectors: Vec<(i64, Vec<f32>)>) -> Self {
        let mut store = Self::with_base(embedder, dim, None);
        for (id, v) in vectors {
            if super::valid_vector(&v, dim) {
                store.tail.insert(id, v);
            }
        }
        store
    }

    /// A store whose vectors are those of the snapshot `base` (none when `None`).
    pub(super) fn with_base(embedder: &str, dim: usize, base: Option<FlatIndex>) -> Self {
        let base_rows = base
            .as_ref()
            .map(|b| {
                b.ids()
                    .iter()
                    .enumerate()
                    .map(|(row, id)| (*id, row))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            embedder: embedder.to_string(),
            dim,
            base,
            base_rows,
            removed: HashSet::new(),
            tail: HashMap::new(),
        }
    }

    /// Number of live vectors.
    pub(super) fn len(&self) -> usize {
        self.base_rows.len() - self.removed.len() + self.tail.len()
    }

    /// Whether `id` is live.
    pub(super) fn contains(&self, id: i64) -> bool {
        self.tail.contains_key(&id)
            || (self.base_rows.contains_key(&id) && !self.removed.contains(&id))
    }

    /// Insert or replace vectors (invalid ones are skipped). Returns whether anything changed.
    pub(super) fn insert_many(&mut self, vectors: &[(i64, Vec<f32>)]) -> bool {
        let mut changed = false;
        for (id, v) in vectors {
            if !super::valid_vector(v, self.dim) {
                continue;
            }
            if self.base_rows.contains_key(id) {
                self.removed.insert(*id);
            }
            self.tail.insert(*id, v.clone());
            changed = true;
        }
        changed
    }

    /// Remove `id`. Returns whether it was live.
    pub(super) fn remove(&mut self, id: i64) -> bool {
        let in_tail = self.tail.remove(&id).is_some();
        let in_base = self.base_rows.contains_key(&id) && self.removed.insert(id);
        in_tail || in_base
    }

    /// Make the live set equal `truth` (the catalog's vectors): a base row whose stored code
    /// no longer matches the catalog's vector is replaced, extra ids are removed.
    pub(super) fn reconcile(&mut self, truth: &[(i64, Vec<f32>)]) {
        let wanted: HashSet<i64> = truth.iter().map(|(id, _)| *id).collect();
        let extra: Vec<i64> = self
            .base_rows
            .keys()
            .chain(self.tail.keys())
            .filter(|id| !wanted.contains(id))
            .copied()
            .collect();
        for id in extra {
            self.remove(id);
        }
        let mut code = vec![0i8; self.dim];
        let changed: Vec<(i64, Vec<f32>)> = truth
            .iter()
            .filter(|(id, v)| {
                if let Some(t) = self.tail.get(id) {
                    return t != v;
                }
                let Some((base, &row)) = self.base.as_ref().zip(self.base_rows.get(id)) else {
                    return true;
                };
                if self.removed.contains(id) || v.len() != self.dim {
                    return true;
                }
                // A row whose code cannot be read is taken from the catalog again.
                let Some((stored, scale)) = base.code(row) else {
                    return true;
                };
                vectors_file::quantize(v, &mut code) != scale || code != stored
            })
            .cloned()
            .collect();
        self.insert_many(&changed);
    }

    /// The `k` nearest live vectors to `query`, best first, exact cosines.
    pub(super) fn search(&self, query: &[f32], k: usize) -> Vec<Neighbor> {
        if k == 0 || !super::valid_vector(query, self.dim) {
            return Vec::new();
        }
        let mut out: Vec<Neighbor> = match &self.base {
            Some(base) => base
                .search(query, k + self.removed.len().min(REMOVED_MARGIN))
                .into_iter()
                .filter(|n| !self.removed.contains(&n.id))
                .collect(),
            None => Vec::new(),
        };
        out.extend(self.tail.iter().map(|(id, v)| Neighbor {
            id: *id,
            score: dot(v, query),
        }));
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        out.truncate(k);
        out
    }

    /// Write every live vector to a new snapshot at `path` (partitioned from `partition_from`
    /// vectors on), sorted by id; returns its head checksum. The store is unchanged: call
    /// [`Self::rebase`] with the file once it is published.
    pub(super) fn write(&self, path: &Path, partition_from: usize) -> std::io::Result<String> {
        let dim = self.dim;
        let (base_ids, base_vectors) = self.live_base();
        let mut items: Vec<(i64, &[f32])> = base_ids
            .iter()
            .zip(base_vectors.chunks_exact(dim.max(1)))
            .map(|(id, v)| (*id, v))
            .chain(self.tail.iter().map(|(id, v)| (*id, v.as_slice())))
            .collect();
        items.sort_unstable_by_key(|x| x.0);
        let previous = self.base.as_ref().and_then(FlatIndex::partitions);
        vectors_file::write_with(path, dim, &items, partition_from, previous)
    }

    /// Make the snapshot just written (`path`, head checksum `hash`) the base: the tail and the
    /// removed set are then empty. Returns `false` (and changes nothing) when it cannot be read
    /// back.
    pub(super) fn rebase(&mut self, path: &Path, hash: &str) -> bool {
        match FlatIndex::open_file(path, hash, &self.embedder, self.dim) {
            Some(base) => {
                *self = Self::with_base(&self.embedder, self.dim, Some(base));
                true
            }
            None => false,
        }
    }

    /// For each live photo, its `k` nearest live photos with their cosine: a self-join of the
    /// snapshot's partitions (see [`self_join`]), the duplicate finder's candidates.
    pub(super) fn neighbour_links(&self, k: usize) -> HashMap<i64, Vec<Neighbor>> {
        // Every live vector, in memory for the join (a 483-d descriptor: 1.9 GB at 1M photos).
        let (mut ids, mut vectors) = self.live_base();
        for (id, v) in &self.tail {
            ids.push(*id);
            vectors.extend_from_slice(v);
        }
        let partitions = self.base.as_ref().and_then(FlatIndex::partitions);
        self_join::links(ids, vectors, partitions, self.dim, k)
    }

    /// The base's live rows in stored order: their ids and concatenated full vectors, read from
    /// the snapshot a block at a time.
    fn live_base(&self) -> (Vec<i64>, Vec<f32>) {
        const BLOCK: usize = 16_384;
        let dim = self.dim;
        let (mut ids, mut vectors) = (Vec::new(), Vec::new());
        if let Some(base) = &self.base {
            for start in (0..base.len()).step_by(BLOCK) {
                let rows = start..(start + BLOCK).min(base.len());
                let full = base.full_rows(rows.clone());
                for (i, id) in base.ids()[rows].iter().enumerate() {
                    if !self.removed.contains(id) {
                        ids.push(*id);
                        vectors.extend_from_slice(&full[i * dim..(i + 1) * dim]);
                    }
                }
            }
        }
        (ids, vectors)
    }
}

impl NeighbourSearch for FlatStore {
    fn embedder(&self) -> &str {
        &self.embedder
    }

    fn search(&self, query: &[f32], k: usize) -> Vec<Neighbor> {
        FlatStore::search(self, query, k)
    }
}
