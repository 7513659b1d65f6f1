//! The HNSW vector index (hnsw_rs) over L2-normalised embeddings, one per embedder.
//!
//! Derived data: the catalog is the truth. The index is dumped to the data dir for a fast start
//! (checksummed, published atomically through a pointer file) and on load reconciled with the
//! catalog: missing vectors are inserted, stale ones tombstoned. A dump that is missing, corrupt,
//! for another embedder or too full of tombstones is rebuilt from the catalog. hnsw_rs may panic
//! or exit on a bad file, so a dump is only handed to it after its checksums verify.

// Re-exported for callers that still name them here (worker job/search, core query/library).
pub use crate::core::neighbours::{Neighbor, NeighbourSearch, dot};
use crate::core::vectors_file;
use hnsw_rs::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod dump;
mod flat_store;
mod open;
mod self_join;
use dump::load_dump;
use flat_store::FlatStore;

/// Graph degree (neighbours per node per layer).
const MAX_NB_CONNECTION: usize = 16;
/// Candidate list size while building.
const EF_CONSTRUCTION: usize = 100;
/// Vectors read from the catalog at once when a large library's index is rebuilt or
/// reconciled.
const CATALOG_BATCH: usize = 10_000;
/// Tombstone share above which the graph is rebuilt.
const MAX_TOMBSTONE_RATIO: f64 = 0.2;
/// Neighbours per photo in the duplicate finder's links of a large (graphless) library: what
/// an HNSW node keeps on its bottom layer.
const FLAT_LINKS: usize = 2 * MAX_NB_CONNECTION;

/// From how many photos an embedder's index keeps no HNSW graph, only the partitioned flat
/// snapshot and the changes since (see `index/flat_store.rs`): the snapshot's partition size.
/// `LOOKALIKE_FLAT_FROM` sets another size (tests and benchmarks use it to reach the large
/// library's code with few photos).
pub fn flat_from() -> usize {
    std::env::var("LOOKALIKE_FLAT_FROM")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(vectors_file::PARTITION_FROM, |n| n.max(1))
}

/// Cosine distance for unit vectors, `1 - dot`, clamped at 0 so rounding never yields the small
/// negative values that trip hnsw_rs's assertions.
#[derive(Debug, Default, Clone, Copy)]
pub struct UnitCosine;

impl Distance<f32> for UnitCosine {
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        let d = 1.0 - dot(a, b);
        if d.is_nan() { 2.0 } else { d.clamp(0.0, 2.0) }
    }
}

/// How an index came to be in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexOrigin {
    /// Loaded from a verified dump.
    Loaded,
    /// Built from the catalog (no dump, or the dump was unusable).
    Rebuilt,
}

/// An HNSW index of one embedder's vectors.
///
/// hnsw_rs cannot delete or replace a point, so every insert gets a fresh graph slot; a removed
/// or replaced photo's old slot becomes a tombstone filtered out of results, and the graph is
/// rebuilt once tombstones pass [`MAX_TOMBSTONE_RATIO`].
pub struct VectorIndex {
    embedder: String,
    dim: usize,
    hnsw: Hnsw<'static, f32, UnitCosine>,
    /// Photo id of every slot in the graph (live or tombstoned).
    slots: HashMap<usize, i64>,
    /// Current slot of each live photo id.
    live: HashMap<i64, usize>,
    tombstones: HashSet<usize>,
    next_slot: usize,
    dirty: bool,
    /// Why the index was rebuilt instead of loaded, if it was.
    pub rebuild_reason: Option<String>,
    /// A large library's index: no graph (the fields above stay empty), the flat snapshot and
    /// the changes since.
    flat: Option<FlatStore>,
    /// From how many live vectors this index drops its graph (see [`flat_from`]).
    flat_from: usize,
    /// The index folder it was opened from, where a large library's store spills vectors
    /// (`None`: built in memory, nothing spilled).
    dir: Option<PathBuf>,
}

fn new_hnsw(capacity: usize) -> Hnsw<'static, f32, UnitCosine> {
    // hnsw_rs only dumps graphs created with its maximum layer count (16).
    Hnsw::new(
        MAX_NB_CONNECTION,
        capacity.max(1000),
        16,
        EF_CONSTRUCTION,
        UnitCosine,
    )
}

/// Candidate list size for a search of `k` results in a graph of `n` points.
///
/// A fixed list loses recall as the graph grows (`lookalike bench --synthetic`, clustered
/// 483-d vectors: recall@10 at ef 96 is 0.998 at 100k points but 0.855 at 1M, where ef 256
/// gives 0.960 and ef 384 0.975), so beyond 100k points the list grows as the size to the
/// power 3/4: 96 at 100k, 540 at 1M. It never drops below 96 or twice `k`.
pub fn default_ef(n: usize, k: usize) -> usize {
    const BASE: f64 = 96.0;
    let grown = BASE * (n as f64 / 100_000.0).max(1.0).powf(0.75);
    (grown.ceil() as usize).max(k * 2).max(BASE as usize)
}

/// Whether a vector is fit for the index (finite, non-zero, right length).
pub fn valid_vector(v: &[f32], dim: usize) -> bool {
    v.len() == dim && v.iter().all(|x| x.is_finite()) && v.iter().any(|x| *x != 0.0)
}

impl VectorIndex {
    /// An empty index for `embedder` vectors of length `dim`.
    pub fn new(embedder: &str, dim: usize, capacity: usize) -> Self {
        Self {
            embedder: embedder.to_string(),
            dim,
            hnsw: new_hnsw(capacity),
            slots: HashMap::new(),
            live: HashMap::new(),
            tombstones: HashSet::new(),
            next_slot: 0,
            dirty: true,
            rebuild_reason: None,
            flat: None,
            flat_from: flat_from(),
            dir: None,
        }
    }

    /// An index of `vectors` without a graph (a large library's), not saved yet.
    fn new_flat(embedder: &str, dim: usize, vectors: Vec<(i64, Vec<f32>)>) -> Self {
        Self {
            flat: Some(FlatStore::from_vectors(embedder, dim, vectors)),
            ..Self::new(embedder, dim, 0)
        }
    }

    /// Drop the graph and keep its live vectors in a flat store (the library grew past
    /// [`flat_from`]).
    fn drop_graph(&mut self) {
        // hnsw_rs cannot iterate an empty graph.
        let vectors: Vec<(i64, Vec<f32>)> = if self.live.is_empty() {
            Vec::new()
        } else {
            self.live_points()
                .into_iter()
                .map(|(id, p)| (id, p.get_v().to_vec()))
                .collect()
        };
        let reason = self.rebuild_reason.take();
        let from = self.flat_from;
        let dir = self.dir.take();
        *self = Self::new_flat(&self.embedder.clone(), self.dim, vectors);
        self.rebuild_reason = reason;
        self.flat_from = from;
        self.set_dir(dir);
    }

    /// Remember the index folder: a large library's store spills a large tail of new vectors
    /// there instead of holding them in memory.
    fn set_dir(&mut self, dir: Option<PathBuf>) {
        if let (Some(f), Some(d)) = (&mut self.flat, &dir) {
            f.spill_into(d.clone());
        }
        self.dir = dir;
    }

    /// Whether this index has no graph (a large library's: see [`flat_from`]).
    pub fn is_flat(&self) -> bool {
        self.flat.is_some()
    }

    /// Remove the vectors a large library's index spilled into the index folder `dir` during
    /// a run that ended before saving them (see `index/flat_store.rs`). For the start of an
    /// indexing run, which holds the writer lock: a run's own spills are removed once saved.
    pub fn remove_stale_spills(dir: &Path) {
        flat_store::remove_spills(dir);
    }

    /// How many snapshot files a large library's index is made of (its base and the deltas
    /// written since; 0 for a graph).
    pub fn snapshot_files(&self) -> usize {
        self.flat.as_ref().map_or(0, FlatStore::layer_count)
    }

    /// Make a large library's index write its new vectors to a file once `rows` of them are
    /// waiting in memory (instead of 256 MB of them); no effect on a graph. For tests and
    /// benchmarks.
    pub fn spill_after(&mut self, rows: usize) {
        if let Some(f) = &mut self.flat {
            f.spill_after(rows);
        }
    }

    /// Say that the index is about to hold `total` vectors: past [`flat_from`] it drops its
    /// graph now, instead of building one up to that size first (a first run over a large
    /// library).
    pub fn expect_len(&mut self, total: usize) {
        if self.flat.is_none() && total >= self.flat_from {
            self.drop_graph();
        }
    }

    /// Build from vectors in parallel.
    pub fn build(embedder: &str, dim: usize, vectors: &[(i64, Vec<f32>)]) -> Self {
        let mut idx = Self::new(embedder, dim, vectors.len() * 2);
        idx.insert_many(vectors);
        idx
    }

    /// Embedder whose vectors this index holds.
    pub fn embedder(&self) -> &str {
        &self.embedder
    }
    /// Vector length.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// Number of live vectors.
    pub fn len(&self) -> usize {
        self.flat.as_ref().map_or(self.live.len(), FlatStore::len)
    }
    /// Whether there are no live vectors.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Number of tombstoned points still in the graph.
    pub fn tombstones(&self) -> usize {
        self.tombstones.len()
    }
    /// Whether `id` is live in the index.
    pub fn contains(&self, id: i64) -> bool {
        match &self.flat {
            Some(f) => f.contains(id),
            None => self.live.contains_key(&id),
        }
    }

    /// Insert or replace many vectors (invalid ones are skipped).
    pub fn insert_many(&mut self, vectors: &[(i64, Vec<f32>)]) {
        if self.flat.is_none() && self.live.len() + vectors.len() >= self.flat_from {
            self.drop_graph();
        }
        if let Some(f) = &mut self.flat {
            self.dirty |= f.insert_many(vectors);
            return;
        }
        let mut batch: Vec<(&[f32], usize)> = Vec::with_capacity(vectors.len());
        for (id, v) in vectors {
            if !valid_vector(v, self.dim) {
                continue;
            }
            self.remove(*id);
            let slot = self.next_slot;
            self.next_slot += 1;
            self.slots.insert(slot, *id);
            self.live.insert(*id, slot);
            batch.push((v.as_slice(), slot));
        }
        if batch.is_empty() {
            return;
        }
        self.dirty = true;
        if batch.len() > 64 {
            self.hnsw.parallel_insert_slice(&batch);
        } else {
            for item in batch {
                self.hnsw.insert_slice(item);
            }
        }
    }

    /// Remove an id from results (its slot becomes a tombstone).
    pub fn remove(&mut self, id: i64) {
        if let Some(f) = &mut self.flat {
            self.dirty |= f.remove(id);
            return;
        }
        if let Some(slot) = self.live.remove(&id) {
            self.tombstones.insert(slot);
            self.dirty = true;
        }
    }

    /// Whether the tombstones justify a rebuild.
    pub fn needs_compaction(&self) -> bool {
        self.flat.is_none()
            && !self.slots.is_empty()
            && self.tombstones.len() as f64 / self.slots.len() as f64 > MAX_TOMBSTONE_RATIO
    }

    /// The `k` nearest live vectors to `query`, best first, with a candidate list that grows
    /// with the graph (see [`default_ef`]).
    pub fn search(&self, query: &[f32], k: usize) -> Vec<Neighbor> {
        self.search_ef(query, k, default_ef(self.slots.len(), k))
    }

    /// [`VectorIndex::search`] with an explicit candidate list size (recall/speed trade-off).
    pub fn search_ef(&self, query: &[f32], k: usize, ef: usize) -> Vec<Neighbor> {
        if let Some(f) = &self.flat {
            return f.search(query, k);
        }
        if k == 0 || self.is_empty() || !valid_vector(query, self.dim) {
            return Vec::new();
        }
        let tomb = &self.tombstones;
        let filter = |slot: &usize| !tomb.contains(slot);
        let found = if tomb.is_empty() {
            self.hnsw.search(query, k, ef.max(k))
        } else {
            self.hnsw.search_filter(query, k, ef.max(k), Some(&filter))
        };
        let mut out: Vec<Neighbor> = found
            .into_iter()
            .filter(|n| !tomb.contains(&n.d_id))
            .filter_map(|n| {
                self.slots.get(&n.d_id).map(|id| Neighbor {
                    id: *id,
                    score: 1.0 - n.distance,
                })
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        out.truncate(k);
        out
    }

    /// Every live vector by photo id when this is a large library's index (no graph), read
    /// from its snapshot files; `None` for an index with a graph, whose caller reads the catalog.
    /// At a million photos this takes seconds where the catalog's rows take tens of seconds.
    pub fn large_library_vectors(&self) -> Option<HashMap<i64, Vec<f32>>> {
        self.flat.as_ref().map(|f| f.live_vectors())
    }

    /// The graph's own bottom-layer links: for each live photo, the live photos it is linked to
    /// with their cosine. HNSW keeps each point's nearest neighbours (diversified by its
    /// heuristic), so this is a k-nearest-neighbour graph for the cost of reading it: what the
    /// duplicate finder uses instead of one search per photo.
    ///
    /// A large library's index has no graph: its links come from a self-join of the snapshot's
    /// partitions (exact cosines, the nearest photos within each photo's partition and its
    /// neighbouring ones).
    pub fn neighbour_links(&self) -> HashMap<i64, Vec<Neighbor>> {
        use rayon::prelude::*;
        if let Some(f) = &self.flat {
            return f.neighbour_links(FLAT_LINKS);
        }
        self.live_points()
            .par_iter()
            .filter_map(|(id, point)| {
                let layers = point.get_neighborhood_id();
                let list: Vec<Neighbor> = layers
                    .first()?
                    .iter()
                    .filter(|n| !self.tombstones.contains(&n.d_id))
                    .filter_map(|n| {
                        self.slots.get(&n.d_id).map(|&other| Neighbor {
                            id: other,
                            score: 1.0 - n.distance,
                        })
                    })
                    .collect();
                Some((*id, list))
            })
            .collect()
    }

    /// The graph's points that hold a live photo (not tombstones), with that photo's id.
    fn live_points(&self) -> Vec<(i64, Arc<Point<'static, f32>>)> {
        self.hnsw
            .get_point_indexation()
            .into_iter()
            .filter_map(|p| {
                let slot = p.get_origin_id();
                if self.tombstones.contains(&slot) {
                    return None;
                }
                self.slots.get(&slot).map(|&id| (id, p))
            })
            .collect()
    }

    /// Whether there are changes not yet saved.
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// Rebuild the graph without tombstones.
    fn compact(&mut self) {
        let vecs: Vec<(i64, Vec<f32>)> = self
            .live_points()
            .into_iter()
            .map(|(id, p)| (id, p.get_v().to_vec()))
            .collect();
        let reason = self.rebuild_reason.take();
        *self = Self::build(&self.embedder.clone(), self.dim, &vecs);
        self.rebuild_reason = reason;
    }
}

impl NeighbourSearch for VectorIndex {
    fn embedder(&self) -> &str {
        VectorIndex::embedder(self)
    }

    fn search(&self, query: &[f32], k: usize) -> Vec<Neighbor> {
        VectorIndex::search(self, query, k)
    }
}
