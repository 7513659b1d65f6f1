//! What answers one-shot queries (the CLI, the GUI right after start-up): a dump's snapshot
//! file, or a large library's stack of snapshot files.

use super::FlatIndex;
use crate::core::index::VectorIndex;
use crate::core::neighbours::{Neighbor, NeighbourSearch};
use std::path::Path;

/// What answers one-shot queries from a saved index without loading a graph: a snapshot
/// file, or a large library's layered store (a base snapshot and the deltas written since).
pub enum QuerySnapshot {
    /// The dump's single snapshot file.
    File(Box<FlatIndex>),
    /// A large library's snapshot files with their deltas.
    Layers(Box<VectorIndex>),
}

impl QuerySnapshot {
    /// The saved snapshot of `embedder` in the index dir `dir` if it reflects catalog `epoch`.
    pub fn open_at(dir: &Path, epoch: &str, embedder: &str, dim: usize) -> Option<Self> {
        match FlatIndex::open_at(dir, epoch, embedder, dim) {
            Some(flat) => Some(Self::File(Box::new(flat))),
            None => VectorIndex::open_current_layers(dir, embedder, dim, epoch)
                .map(|idx| Self::Layers(Box::new(idx))),
        }
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        match self {
            Self::File(f) => f.len(),
            Self::Layers(idx) => idx.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl NeighbourSearch for QuerySnapshot {
    fn embedder(&self) -> &str {
        match self {
            Self::File(f) => NeighbourSearch::embedder(f.as_ref()),
            Self::Layers(idx) => idx.embedder(),
        }
    }

    fn search(&self, query: &[f32], k: usize) -> Vec<Neighbor> {
        match self {
            Self::File(f) => NeighbourSearch::search(f.as_ref(), query, k),
            Self::Layers(idx) => idx.search(query, k),
        }
    }
}
