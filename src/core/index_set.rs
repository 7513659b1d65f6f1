//! The indexes an indexing run writes to, one per embedder, opened only when the run first
//! changes something.
//!
//! Loading an HNSW graph of 100k photos takes over a second. A re-scan that finds nothing new
//! (the common case at every GUI start-up) never needs it: the saved dump stays current and the
//! flat snapshot beside it keeps answering queries.

use crate::core::catalog::Catalog;
use crate::core::embed::Embedder;
use crate::core::error::Result;
use crate::core::index::VectorIndex;
use std::path::{Path, PathBuf};

/// One embedder's index, loaded on first use.
struct Slot {
    embedder: String,
    dim: usize,
    index: Option<VectorIndex>,
}

/// The indexes of an indexing run (same order as its embedders), loaded lazily from `dir`.
pub struct IndexSet {
    dir: PathBuf,
    slots: Vec<Slot>,
    /// Vectors the run expects to add (see [`Self::expect_more`]).
    expected: usize,
}

impl IndexSet {
    /// Indexes of `embedders` saved in the index folder `dir`; nothing is read yet.
    pub fn new(dir: &Path, embedders: &[&dyn Embedder]) -> Self {
        // A run killed before saving leaves the vectors it spilled: nothing refers to them.
        VectorIndex::remove_stale_spills(dir);
        Self {
            dir: dir.to_path_buf(),
            slots: embedders
                .iter()
                .map(|e| Slot {
                    embedder: e.id().to_string(),
                    dim: e.dim(),
                    index: None,
                })
                .collect(),
            expected: 0,
        }
    }

    /// Say that the run will add about `n` vectors to each index: an index that will then be
    /// past [`crate::core::index::flat_from`] is loaded without its graph.
    pub fn expect_more(&mut self, n: usize) {
        self.expected = n;
    }

    /// Number of indexes.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// How many are loaded.
    pub fn loaded(&self) -> usize {
        self.slots.iter().filter(|s| s.index.is_some()).count()
    }

    /// Load every index not loaded yet, reconciled with `catalog`. Call it before the catalog's
    /// embeddings change, so a dump is brought up to the catalog as it was, not half-way.
    pub fn open_all(&mut self, catalog: &Catalog) -> Result<()> {
        for s in &mut self.slots {
            if s.index.is_none() {
                let mut idx = VectorIndex::open(&self.dir, catalog, &s.embedder, s.dim)?;
                idx.expect_len(idx.len() + self.expected);
                s.index = Some(idx);
            }
        }
        Ok(())
    }

    /// The loaded indexes, in embedder order (empty until [`Self::open_all`]).
    pub fn loaded_mut(&mut self) -> impl Iterator<Item = (usize, &mut VectorIndex)> {
        self.slots
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| s.index.as_mut().map(|x| (i, x)))
    }

    /// Save what changed. An index that was never loaded is left alone when its dump reflects
    /// `catalog`; when it does not (a run killed before saving, a damaged or missing dump) it
    /// is loaded — which repairs it from the catalog — and saved.
    pub fn save(&mut self, catalog: &Catalog) -> Result<()> {
        let epoch = catalog.epoch()?;
        for s in &mut self.slots {
            let current = VectorIndex::dump_is_current(&self.dir, &s.embedder, s.dim, &epoch);
            if current && !s.index.as_ref().is_some_and(VectorIndex::is_dirty) {
                continue;
            }
            let idx = match s.index.as_mut() {
                Some(idx) => idx,
                None => s
                    .index
                    .insert(VectorIndex::open(&self.dir, catalog, &s.embedder, s.dim)?),
            };
            idx.save(&self.dir, &epoch)?;
        }
        Ok(())
    }

    /// Save the loaded indexes that changed, ignoring errors (used when a run fails: what the
    /// catalog already has must not be lost from the index either).
    pub fn save_loaded_best_effort(&mut self, catalog: &Catalog) {
        let epoch = catalog.epoch().unwrap_or_default();
        for s in &mut self.slots {
            if let Some(idx) = s.index.as_mut()
                && idx.is_dirty()
            {
                let _ = idx.save(&self.dir, &epoch);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::catalog::PhotoRecord;
    use crate::core::embed::descriptor::Descriptor;

    fn record(i: usize, embedder: &str, dim: usize) -> PhotoRecord {
        let mut v: Vec<f32> = (0..dim)
            .map(|d| ((i * 7 + d * 3) % 11) as f32 - 5.0)
            .collect();
        crate::core::embed::l2_normalize(&mut v);
        PhotoRecord {
            path: PathBuf::from(format!("/photos/{i}.jpg")),
            size: 1,
            hash: Some([i as u8; 32]),
            width: 8,
            height: 8,
            orientation: 1,
            format: "jpeg".into(),
            embeddings: vec![(embedder.to_string(), v)],
            ..Default::default()
        }
    }

    #[test]
    fn an_unchanged_library_needs_no_graph_and_a_stale_dump_is_repaired() {
        let tmp = tempfile::tempdir().expect("tmp");
        let (mut catalog, _) = Catalog::open(&tmp.path().join("catalog.sqlite")).expect("catalog");
        let dir = tmp.path().join("index");
        let d = Descriptor;
        let embedders: [&dyn Embedder; 1] = [&d];
        let (id, dim) = (d.id().to_string(), d.dim());

        // A first run writes photos: the index is loaded (built from nothing) and saved.
        let mut set = IndexSet::new(&dir, &embedders);
        set.open_all(&catalog).expect("open");
        let records: Vec<PhotoRecord> = (0..20).map(|i| record(i, &id, dim)).collect();
        let ids = catalog.upsert(&records).expect("upsert");
        for (_, idx) in set.loaded_mut() {
            let fresh: Vec<(i64, Vec<f32>)> = ids
                .iter()
                .zip(&records)
                .map(|(id, r)| (*id, r.embeddings[0].1.clone()))
                .collect();
            idx.insert_many(&fresh);
        }
        set.save(&catalog).expect("save");
        let epoch = catalog.epoch().expect("epoch");
        assert!(VectorIndex::dump_is_current(&dir, &id, dim, &epoch));

        // A run that changes nothing loads nothing.
        let mut set = IndexSet::new(&dir, &embedders);
        set.save(&catalog).expect("save");
        assert_eq!(set.loaded(), 0);

        // The catalog moved on without the index (a run killed before saving): the next run
        // repairs the dump even though it changes nothing itself.
        catalog.upsert(&[record(99, &id, dim)]).expect("upsert");
        let epoch = catalog.epoch().expect("epoch");
        assert!(!VectorIndex::dump_is_current(&dir, &id, dim, &epoch));
        let mut set = IndexSet::new(&dir, &embedders);
        set.save(&catalog).expect("save");
        assert_eq!(set.loaded(), 1);
        assert!(VectorIndex::dump_is_current(&dir, &id, dim, &epoch));
        let reopened = VectorIndex::open(&dir, &catalog, &id, dim).expect("open");
        assert_eq!(reopened.len(), 21);
    }

    #[test]
    fn a_run_that_wrote_nothing_saves_an_empty_index() {
        // A first run cancelled while it was still walking the library: no vectors at all.
        let tmp = tempfile::tempdir().expect("tmp");
        let (catalog, _) = Catalog::open(&tmp.path().join("catalog.sqlite")).expect("catalog");
        let dir = tmp.path().join("index");
        let d = Descriptor;
        let embedders: [&dyn Embedder; 1] = [&d];
        let mut set = IndexSet::new(&dir, &embedders);
        set.save(&catalog).expect("save");
        let epoch = catalog.epoch().expect("epoch");
        assert!(VectorIndex::dump_is_current(&dir, d.id(), d.dim(), &epoch));
        let reopened = VectorIndex::open(&dir, &catalog, d.id(), d.dim()).expect("open");
        assert!(reopened.is_empty());
    }
}
