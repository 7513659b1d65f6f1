//! What the candidate graph is built from: the indexed photos with their content hashes, 32x32
//! signatures and vectors, gathered from the catalog ([`load_input`]) or made up by a benchmark.

use crate::core::catalog::PhotoInfo;
use crate::core::embed::descriptor::Descriptor;
use crate::core::error::Result;
use crate::core::index::VectorIndex;
use crate::core::library::{Library, META_QUERY_EMBEDDER};
use std::collections::HashMap;

/// One photo with what grouping and keep-best need.
#[derive(Debug, Clone)]
pub struct PhotoEntry {
    /// Catalog metadata (id, path, bytes, dimensions, format, mtime).
    pub info: PhotoInfo,
    /// BLAKE3 of the file bytes (`None` only for legacy rows).
    pub hash: Option<[u8; 32]>,
}

/// Everything the graph is built from, gathered from the catalog (or made up by a benchmark).
#[derive(Debug, Default)]
pub struct GraphInput {
    /// Indexed photos.
    pub photos: Vec<PhotoEntry>,
    /// 32x32 signatures by photo id.
    pub signatures: HashMap<i64, Vec<u8>>,
    /// Descriptor vectors by photo id (the space the index was built on).
    pub vectors: HashMap<i64, Vec<f32>>,
    /// Vectors of a semantic model (a CNN) by photo id, when the library has one: the similar tier
    /// then uses them instead of the descriptor.
    pub semantic: Option<HashMap<i64, Vec<f32>>>,
}

/// Gather what the graph needs from the library's catalog.
pub fn load_input(lib: &Library) -> Result<GraphInput> {
    load_input_from(lib, None)
}

/// [`load_input`], with the library's descriptor index at hand: when it is a large library's
/// (no graph), the vectors of both embedders are read from the snapshot files, which hold the
/// same `f32` values in order on disk (at a million photos a few seconds, where the catalog's
/// rows took 60 s).
pub(super) fn load_input_from(lib: &Library, index: Option<&VectorIndex>) -> Result<GraphInput> {
    let mark = |what: &str| crate::core::timeline::mark(what);
    let hashes = lib.catalog.hashes()?;
    let photos = lib
        .catalog
        .photos()?
        .into_iter()
        .map(|info| PhotoEntry {
            hash: hashes.get(&info.id).copied(),
            info,
        })
        .collect();
    mark("dupes: photos read");
    let large = index.and_then(VectorIndex::large_library_vectors);
    let from_snapshots = large.is_some();
    let vectors: HashMap<i64, Vec<f32>> = match large {
        Some(v) => v,
        None => lib.catalog.vectors(Descriptor::ID)?.into_iter().collect(),
    };
    mark("dupes: descriptor vectors read");
    let semantic = match lib.catalog.meta(META_QUERY_EMBEDDER)? {
        Some(e) if e != Descriptor::ID => {
            // A large library's other index has no graph either: open it for its snapshots.
            let dir = lib.data_dir.index_dir();
            let snapshot = from_snapshots
                .then(|| VectorIndex::saved_dim(&dir, &e))
                .flatten()
                .and_then(|dim| VectorIndex::open(&dir, &lib.catalog, &e, dim).ok())
                .and_then(|i| i.large_library_vectors());
            Some(match snapshot {
                Some(v) => v,
                None => lib.catalog.vectors(&e)?.into_iter().collect(),
            })
        }
        _ => None,
    };
    mark("dupes: semantic vectors read");
    let signatures = lib.catalog.signatures()?;
    mark("dupes: signatures read");
    Ok(GraphInput {
        photos,
        signatures,
        vectors,
        semantic: semantic.filter(|s| !s.is_empty()),
    })
}
