//! The index of a large library: no HNSW graph, only partitioned flat snapshots
//! ([`crate::core::flat_index`]) plus the vectors changed since they were written.
//!
//! Past [`super::flat_from`] photos an HNSW graph costs more than it gives: at 1M photos
//! building it takes 10–50 minutes on 2 cores and 6 GB per embedder, and its recall at a usable
//! candidate list falls under 0.98, where the partitioned snapshot is trained and written in
//! about a minute, holds a quarter of the vectors' bytes and answers with recall 0.998 (see
//! docs/performance.md, "A million photos").
//!
//! A [`FlatStore`] is a stack of snapshot files, its *layers*: the *base* (the last full
//! rewrite) and the *deltas* written since, each holding the vectors added or changed after the
//! one before; then a *tail* of vectors in memory that every query scans exactly. A photo's live
//! vector is its newest one; a photo removed is marked gone. Every query searches each layer and
//! keeps the hits that are live there.
//!
//! So memory stays bounded and adding photos stays cheap at any size:
//! - a tail that grows past [`spill_rows`] is written to a delta file (*spilled*) during the
//!   run, so indexing a million photos never holds their vectors in memory;
//! - a save links the layers' files into the new dump and writes only the tail as a new delta;
//!   adding 1,000 photos to a million writes 1,000 rows, not the million;
//! - once the deltas and removed photos reach a quarter of the base (or [`MAX_LAYERS`] files),
//!   a save rewrites everything as one new base, streaming the layers a block at a time
//!   ([`vectors_file::write_merged`]).

mod save;

use super::self_join;
use crate::core::flat_index::FlatIndex;
use crate::core::neighbours::{Neighbor, NeighbourSearch, dot};
use crate::core::vectors_file;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::OnceLock;

pub(super) use save::{LayerFile, REMOVED_FILE, read_removed, remove_spills, spill_rows};

/// Most removed rows a search asks a layer for beyond `k` to make up for filtering them out
/// of its answer.
const REMOVED_MARGIN: usize = 256;
/// Most snapshot files a store keeps before a save rewrites them as one.
const MAX_LAYERS: usize = 16;

/// Where a photo's live vector is, when it is not its base row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In delta layer `.0`, row `.1`.
    Layer(u32, u32),
    /// In the tail.
    Tail,
    /// Removed.
    Gone,
}

/// One snapshot file of the store.
struct Layer {
    index: FlatIndex,
    file: LayerFile,
}

/// A large library's vectors of one embedder: snapshot files on disk and the changes since.
pub(super) struct FlatStore {
    embedder: String,
    dim: usize,
    /// The base first, then the deltas, oldest first.
    layers: Vec<Layer>,
    /// Row of each base id (built when first needed: a one-shot query never needs it).
    base_rows: OnceLock<HashMap<i64, usize>>,
    /// Photos whose live vector is not their base row (or that have no base row), and where
    /// it is.
    moved: HashMap<i64, Place>,
    /// Live vectors newer than every layer.
    tail: HashMap<i64, Vec<f32>>,
    /// Rows of each layer that are no longer live.
    dead: Vec<usize>,
    /// Number of live vectors.
    len: usize,
    /// The index folder, where a large tail is spilled (`None`: kept in memory).
    spill_dir: Option<PathBuf>,
    /// Tail length from which it is spilled ([`spill_rows`] unless set).
    spill_at: usize,
}

impl FlatStore {
    /// A store of `vectors`, none saved yet.
    pub(super) fn from_vectors(embedder: &str, dim: usize, vectors: Vec<(i64, Vec<f32>)>) -> Self {
        let mut store = Self::from_layers(embedder, dim, Vec::new(), &[]);
        for (id, v) in vectors {
            if super::valid_vector(&v, dim) && !store.contains(id) {
                store.len += 1;
                store.moved.insert(id, Place::Tail);
                store.tail.insert(id, v);
            }
        }
        store
    }

    /// A store of the snapshot files `layers` (base first, with the files they were read
    /// from), in which the photos `removed` are gone.
    pub(super) fn from_layers(
        embedder: &str,
        dim: usize,
        layers: Vec<(FlatIndex, LayerFile)>,
        removed: &[i64],
    ) -> Self {
        let layers: Vec<Layer> = layers
            .into_iter()
            .map(|(index, file)| Layer { index, file })
            .collect();
        let mut moved = HashMap::new();
        for (l, layer) in layers.iter().enumerate().skip(1) {
            for (row, id) in layer.index.ids().iter().enumerate() {
                moved.insert(*id, Place::Layer(l as u32, row as u32));
            }
        }
        for id in removed {
            moved.insert(*id, Place::Gone);
        }
        // Counted by a pass over the base's ids (a million in 10–20 ms): a one-shot query
        // never builds the map of its rows.
        let mut dead = vec![0usize; layers.len()];
        let base_ids = layers.first().map_or(&[][..], |b| b.index.ids());
        if !moved.is_empty()
            && let Some(d) = dead.first_mut()
        {
            *d = base_ids.iter().filter(|id| moved.contains_key(id)).count();
        }
        let live_moved = moved.values().filter(|p| **p != Place::Gone).count();
        let len = base_ids.len() - dead.first().copied().unwrap_or(0) + live_moved;
        for (l, layer) in layers.iter().enumerate().skip(1) {
            dead[l] = layer
                .index
                .ids()
                .iter()
                .enumerate()
                .filter(|(row, id)| moved.get(id) != Some(&Place::Layer(l as u32, *row as u32)))
                .count();
        }
        Self {
            embedder: embedder.to_string(),
            dim,
            layers,
            base_rows: OnceLock::new(),
            moved,
            tail: HashMap::new(),
            dead,
            len,
            spill_dir: None,
            spill_at: spill_rows(dim),
        }
    }

    /// Spill a large tail into files in the index folder `dir` (see [`spill_rows`]).
    pub(super) fn spill_into(&mut self, dir: PathBuf) {
        self.spill_dir = Some(dir);
    }

    /// Row of each base id.
    fn base_rows(&self) -> &HashMap<i64, usize> {
        self.base_rows.get_or_init(|| {
            self.layers
                .first()
                .map(|b| {
                    b.index
                        .ids()
                        .iter()
                        .enumerate()
                        .map(|(row, id)| (*id, row))
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    /// Spill the tail once it holds `rows` vectors (instead of [`spill_rows`]).
    pub(super) fn spill_after(&mut self, rows: usize) {
        self.spill_at = rows.max(1);
    }

    /// Number of live vectors.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Number of snapshot files (base and deltas).
    pub(super) fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// Whether `id` is live.
    pub(super) fn contains(&self, id: i64) -> bool {
        match self.moved.get(&id) {
            Some(Place::Gone) => false,
            Some(_) => true,
            None => self.base_rows().contains_key(&id),
        }
    }

    /// Whether the hit `id` found in layer `l` is its live vector.
    fn live_in(&self, l: usize, id: i64) -> bool {
        match self.moved.get(&id) {
            None => l == 0,
            Some(Place::Layer(m, _)) => *m as usize == l,
            Some(_) => false,
        }
    }

    /// Insert or replace vectors (invalid ones are skipped). Returns whether anything changed.
    pub(super) fn insert_many(&mut self, vectors: &[(i64, Vec<f32>)]) -> bool {
        let mut changed = false;
        for (id, v) in vectors {
            if !super::valid_vector(v, self.dim) {
                continue;
            }
            if !self.contains(*id) {
                self.len += 1;
            }
            self.bury(*id);
            self.moved.insert(*id, Place::Tail);
            self.tail.insert(*id, v.clone());
            changed = true;
        }
        if self.tail.len() >= self.spill_at {
            self.spill();
        }
        changed
    }

    /// Remove `id`. Returns whether it was live.
    pub(super) fn remove(&mut self, id: i64) -> bool {
        let was = self.contains(id);
        self.tail.remove(&id);
        if was {
            self.len -= 1;
            self.bury(id);
            self.moved.insert(id, Place::Gone);
        }
        was
    }

    /// Count the layer row that holds `id`'s live vector, if one does, as dead (it is about
    /// to be replaced or removed).
    fn bury(&mut self, id: i64) {
        let layer = match self.moved.get(&id) {
            Some(Place::Layer(l, _)) => Some(*l as usize),
            Some(_) => None,
            None => self.base_rows().contains_key(&id).then_some(0),
        };
        if let Some(d) = layer.and_then(|l| self.dead.get_mut(l)) {
            *d += 1;
        }
    }

    /// Make the live set equal `truth` (the catalog's vectors): a stored vector whose code
    /// no longer matches the catalog's is replaced, extra ids are removed.
    pub(super) fn reconcile(&mut self, truth: &[(i64, Vec<f32>)]) {
        let changed = self.changed_of(truth);
        self.insert_many(&changed);
        self.keep_only(&truth.iter().map(|(id, _)| *id).collect());
    }

    /// The vectors of `truth` that this store does not hold as they are.
    pub(super) fn changed_of(&self, truth: &[(i64, Vec<f32>)]) -> Vec<(i64, Vec<f32>)> {
        let mut code = vec![0i8; self.dim];
        truth
            .iter()
            .filter(|(id, v)| {
                if v.len() != self.dim {
                    return true;
                }
                let (layer, row) = match self.moved.get(id) {
                    Some(Place::Tail) => return self.tail.get(id) != Some(v),
                    Some(Place::Gone) => return true,
                    Some(Place::Layer(l, row)) => (*l as usize, *row as usize),
                    None => match self.base_rows().get(id) {
                        Some(row) => (0, *row),
                        None => return true,
                    },
                };
                // A row whose code cannot be read is taken from the catalog again.
                let Some((stored, scale)) = self.layers[layer].index.code(row) else {
                    return true;
                };
                vectors_file::quantize(v, &mut code) != scale || code != stored
            })
            .cloned()
            .collect()
    }

    /// Remove every live photo not in `wanted`.
    pub(super) fn keep_only(&mut self, wanted: &HashSet<i64>) {
        let extra: Vec<i64> = self
            .base_rows()
            .keys()
            .chain(self.moved.keys())
            .filter(|id| !wanted.contains(id) && self.contains(**id))
            .copied()
            .collect();
        for id in extra {
            self.remove(id);
        }
    }

    /// The `k` nearest live vectors to `query`, best first, exact cosines.
    pub(super) fn search(&self, query: &[f32], k: usize) -> Vec<Neighbor> {
        if k == 0 || !super::valid_vector(query, self.dim) {
            return Vec::new();
        }
        let mut out: Vec<Neighbor> = Vec::new();
        for (l, layer) in self.layers.iter().enumerate() {
            let extra = self.dead[l].min(REMOVED_MARGIN);
            out.extend(
                layer
                    .index
                    .search(query, k + extra)
                    .into_iter()
                    .filter(|n| self.live_in(l, n.id)),
            );
        }
        out.extend(self.tail.iter().map(|(id, v)| Neighbor {
            id: *id,
            score: dot(v, query),
        }));
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        out.truncate(k);
        out
    }

    /// For each live photo, its `k` nearest live photos with their cosine: a self-join of the
    /// base's partitions (see [`self_join`]), the duplicate finder's candidates.
    pub(super) fn neighbour_links(&self, k: usize) -> HashMap<i64, Vec<Neighbor>> {
        // Every live vector, in memory for the join (a 483-d descriptor: 1.9 GB at 1M photos).
        let (mut ids, mut vectors) = (Vec::new(), Vec::new());
        self.for_each_live_block(|block_ids, block| {
            ids.extend_from_slice(block_ids);
            vectors.extend_from_slice(block);
        });
        let partitions = self.layers.first().and_then(|b| b.index.partitions());
        self_join::links(ids, vectors, partitions, self.dim, k)
    }

    /// Every live vector by id, read from the snapshot files a block at a time: sequential
    /// reads, where the catalog's rows of one embedder lie between the other's.
    pub(super) fn live_vectors(&self) -> HashMap<i64, Vec<f32>> {
        let mut out = HashMap::with_capacity(self.len);
        self.for_each_live_block(|ids, vectors| {
            for (id, v) in ids.iter().zip(vectors.chunks_exact(self.dim.max(1))) {
                out.insert(*id, v.to_vec());
            }
        });
        out
    }

    /// Every live vector, a block at a time: the ids and their concatenated vectors, layers
    /// first (read from their files), then the tail.
    fn for_each_live_block(&self, mut each: impl FnMut(&[i64], &[f32])) {
        const BLOCK: usize = 16_384;
        let dim = self.dim;
        for (l, layer) in self.layers.iter().enumerate() {
            let index = &layer.index;
            for start in (0..index.len()).step_by(BLOCK) {
                let rows = start..(start + BLOCK).min(index.len());
                let full = index.read_rows(rows.clone());
                let (mut ids, mut vectors) = (Vec::new(), Vec::new());
                for (i, id) in index.ids()[rows].iter().enumerate() {
                    if self.live_in(l, *id) {
                        ids.push(*id);
                        vectors.extend_from_slice(&full[i * dim..(i + 1) * dim]);
                    }
                }
                each(&ids, &vectors);
            }
        }
        for chunk in self.sorted_tail().chunks(BLOCK) {
            let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
            let vectors: Vec<f32> = chunk.iter().flat_map(|(_, v)| v.iter().copied()).collect();
            each(&ids, &vectors);
        }
    }

    /// The tail's vectors with their ids, sorted by id.
    fn sorted_tail(&self) -> Vec<(i64, &[f32])> {
        let mut items: Vec<(i64, &[f32])> = self
            .tail
            .iter()
            .map(|(id, v)| (*id, v.as_slice()))
            .collect();
        items.sort_unstable_by_key(|x| x.0);
        items
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
