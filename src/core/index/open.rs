//! Opening an index: its dump loaded and reconciled with the catalog, or a new one built from
//! the catalog when the dump is missing, damaged, stale past repair or too fragmented.

use super::{CATALOG_BATCH, VectorIndex, flat_from, load_dump};
use crate::core::catalog::Catalog;
use crate::core::error::Result;
use std::collections::{HashMap, HashSet};
use std::path::Path;

impl VectorIndex {
    /// Load the dump for `embedder` from `dir` and reconcile it with the catalog, or rebuild
    /// from the catalog when the dump is missing, corrupt, mismatched or too fragmented.
    pub fn open(dir: &Path, catalog: &Catalog, embedder: &str, dim: usize) -> Result<Self> {
        Self::open_with(dir, catalog, embedder, dim, flat_from())
    }

    /// [`Self::open`] keeping a graph only below `flat_from` live vectors (see [`flat_from`]).
    pub fn open_with(
        dir: &Path,
        catalog: &Catalog,
        embedder: &str,
        dim: usize,
        flat_from: usize,
    ) -> Result<Self> {
        let epoch = catalog.epoch()?;
        let flat_from = flat_from.max(1);
        let mut idx = Self::open_unchecked(dir, catalog, embedder, dim, &epoch, flat_from)?;
        idx.flat_from = flat_from;
        idx.set_dir(Some(dir.to_path_buf()));
        Ok(idx)
    }

    fn open_unchecked(
        dir: &Path,
        catalog: &Catalog,
        embedder: &str,
        dim: usize,
        epoch: &str,
        flat_from: usize,
    ) -> Result<Self> {
        match load_dump(dir, embedder, dim) {
            Ok((mut idx, dump_epoch)) => {
                idx.flat_from = flat_from;
                idx.set_dir(Some(dir.to_path_buf()));
                if dump_epoch != epoch {
                    // The catalog changed after this dump (e.g. a crash before saving):
                    // compare every vector and fix what differs.
                    idx.reconcile_with(catalog)?;
                }
                if idx.flat.is_none() && idx.len() >= flat_from {
                    idx.drop_graph();
                }
                if idx.needs_compaction() {
                    let mut fresh = Self::build(embedder, dim, &catalog.vectors(embedder)?);
                    fresh.rebuild_reason = Some("too many removed photos; compacted".into());
                    return Ok(fresh);
                }
                Ok(idx)
            }
            Err(reason) => {
                let mut fresh = if catalog.vector_count(embedder)? >= flat_from {
                    // A large library: its vectors go through the store a batch at a time
                    // (spilled to files as they come), never all in memory.
                    let mut fresh = Self::new_flat(embedder, dim, Vec::new());
                    fresh.set_dir(Some(dir.to_path_buf()));
                    catalog.for_each_vectors(embedder, CATALOG_BATCH, |batch| {
                        fresh.insert_many(&batch);
                    })?;
                    fresh
                } else {
                    Self::build(embedder, dim, &catalog.vectors(embedder)?)
                };
                fresh.rebuild_reason = Some(reason);
                Ok(fresh)
            }
        }
    }

    /// Make the live set equal the catalog's vectors. A large library's store reads them a
    /// batch at a time.
    fn reconcile_with(&mut self, catalog: &Catalog) -> Result<()> {
        let Some(f) = &mut self.flat else {
            let truth = catalog.vectors(&self.embedder)?;
            self.reconcile(&truth);
            return Ok(());
        };
        let mut wanted = HashSet::new();
        catalog.for_each_vectors(&self.embedder, CATALOG_BATCH, |batch| {
            wanted.extend(batch.iter().map(|(id, _)| *id));
            let changed = f.changed_of(&batch);
            f.insert_many(&changed);
        })?;
        f.keep_only(&wanted);
        self.dirty = true;
        Ok(())
    }

    /// Make the live set equal `truth`: insert missing or changed vectors, remove extra ids.
    fn reconcile(&mut self, truth: &[(i64, Vec<f32>)]) {
        if let Some(f) = &mut self.flat {
            f.reconcile(truth);
            self.dirty = true;
            return;
        }
        let current: HashMap<usize, Vec<f32>> = self
            .hnsw
            .get_point_indexation()
            .into_iter()
            .map(|p| (p.get_origin_id(), p.get_v().to_vec()))
            .collect();
        let wanted: HashSet<i64> = truth.iter().map(|(id, _)| *id).collect();
        let extra: Vec<i64> = self
            .live
            .keys()
            .filter(|id| !wanted.contains(id))
            .copied()
            .collect();
        for id in extra {
            self.remove(id);
        }
        let changed: Vec<(i64, Vec<f32>)> = truth
            .iter()
            .filter(|(id, v)| {
                let same = self
                    .live
                    .get(id)
                    .and_then(|slot| current.get(slot))
                    .is_some_and(|old| old.iter().zip(v).all(|(a, b)| (a - b).abs() < 1e-6));
                !same
            })
            .cloned()
            .collect();
        self.insert_many(&changed);
    }
}
