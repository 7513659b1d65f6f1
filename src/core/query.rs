//! Query by example: embed a photo (in the library or not) and find its nearest neighbours.

use crate::core::catalog::Catalog;
use crate::core::embed::{Embedder, embed_one};
use crate::core::error::{Error, Result};
use crate::core::image_io;
use crate::core::index::VectorIndex;
use std::path::{Path, PathBuf};

/// One result of a query.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueryHit {
    /// Absolute path of the photo (lossy UTF-8 in JSON).
    #[serde(serialize_with = "crate::core::catalog::serialize_path_lossy")]
    pub path: PathBuf,
    /// Cosine similarity (1 = identical embedding).
    pub score: f32,
    /// Catalog id.
    #[serde(skip)]
    pub id: i64,
}

/// Decode a photo file and embed it.
pub fn embed_file(path: &Path, embedder: &dyn Embedder) -> Result<Vec<f32>> {
    let bytes = image_io::read_file(path)
        .map_err(|e| Error::Other(format!("cannot read {}: {e}", path.display())))?;
    let decoded = image_io::decode(&bytes, embedder.min_input_side_px())
        .map_err(|e| Error::Other(format!("cannot decode {}: {e}", path.display())))?;
    Ok(embed_one(embedder, &decoded.image)?)
}

/// The `k` nearest photos to `vector`, best first, with their paths.
pub fn nearest(
    index: &VectorIndex,
    catalog: &Catalog,
    vector: &[f32],
    k: usize,
) -> Result<Vec<QueryHit>> {
    let mut hits = Vec::with_capacity(k);
    for n in index.search(vector, k) {
        if let Some(info) = catalog.photo(n.id)? {
            hits.push(QueryHit {
                path: info.path,
                score: n.score.clamp(-1.0, 1.0),
                id: n.id,
            });
        }
    }
    Ok(hits)
}
