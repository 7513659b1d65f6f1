//! Query by example: embed a photo (in the library or not) and find its nearest neighbours.

use crate::core::catalog::Catalog;
use crate::core::embed::{Embedder, embed_one};
use crate::core::error::{Error, Result};
use crate::core::image_io;
use crate::core::index::{NeighbourSearch, dot};
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
    /// The file is not there now (moved or deleted since indexing, or on a drive that is not
    /// plugged in); only present in JSON when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
}

impl QueryHit {
    /// Mark the hits whose files are not there now.
    pub fn check_files(hits: &mut [QueryHit]) {
        for h in hits {
            h.missing = std::fs::symlink_metadata(&h.path).is_err();
        }
    }
}

/// Decode a photo file and embed it.
pub fn embed_file(path: &Path, embedder: &dyn Embedder) -> Result<Vec<f32>> {
    embed_file_multi(path, &[embedder])?
        .pop()
        .ok_or_else(|| Error::Other("internal: no embedding returned".into()))
}

/// The `k` nearest photos to `vector`, best first, with their paths.
pub fn nearest(
    index: &dyn NeighbourSearch,
    catalog: &Catalog,
    vector: &[f32],
    k: usize,
) -> Result<Vec<QueryHit>> {
    let mut hits = Vec::with_capacity(k);
    for n in index.search(vector, k) {
        if let Some(info) = catalog.photo(n.id)? {
            hits.push(QueryHit {
                missing: false,
                path: info.path,
                score: n.score.clamp(-1.0, 1.0),
                id: n.id,
            });
        }
    }
    Ok(hits)
}

/// Descriptor similarity from which a result counts as a near-duplicate of the query and is
/// ranked by the larger of the two similarities (the descriptor is precise there).
pub const NEAR_DUPLICATE_SIMILARITY: f32 = 0.85;

/// Decode a photo once and embed it with each embedder, in order.
pub fn embed_file_multi(path: &Path, embedders: &[&dyn Embedder]) -> Result<Vec<Vec<f32>>> {
    let bytes = image_io::read_file(path)
        .map_err(|e| Error::Other(format!("cannot read {}: {e}", path.display())))?;
    let min_side = embedders
        .iter()
        .map(|e| e.min_input_side_px())
        .max()
        .unwrap_or(224);
    let decoded = image_io::decode_named(&bytes, path, min_side)
        .map_err(|e| Error::Other(format!("cannot decode {}: {e}", path.display())))?;
    embedders
        .iter()
        .map(|e| embed_one(*e, &decoded.image).map_err(Error::from))
        .collect()
}

/// Query with a CNN (semantic neighbours) fused with the descriptor (near-duplicates first).
///
/// Candidates are the union of both indexes' neighbours; each is scored with exact cosines from
/// the catalog: the CNN similarity, raised to the descriptor similarity when that is above
/// [`NEAR_DUPLICATE_SIMILARITY`]. So edited copies of the query come first and semantically
/// similar photos follow, whatever the CNN's calibration.
#[allow(clippy::too_many_arguments)]
pub fn nearest_fused(
    catalog: &Catalog,
    cnn_index: &dyn NeighbourSearch,
    cnn_vector: &[f32],
    desc_index: &dyn NeighbourSearch,
    desc_vector: &[f32],
    k: usize,
) -> Result<Vec<QueryHit>> {
    let mut ids: Vec<i64> = cnn_index
        .search(cnn_vector, k * 2)
        .into_iter()
        .chain(desc_index.search(desc_vector, k))
        .map(|n| n.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut scored = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(cv) = catalog.vector(id, cnn_index.embedder())? else {
            continue;
        };
        let c = dot(&cv, cnn_vector);
        let d = catalog
            .vector(id, desc_index.embedder())?
            .map_or(0.0, |dv| dot(&dv, desc_vector));
        let score = if d >= NEAR_DUPLICATE_SIMILARITY {
            c.max(d)
        } else {
            c
        };
        scored.push((score, id));
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.truncate(k);
    let mut hits = Vec::with_capacity(scored.len());
    for (score, id) in scored {
        if let Some(info) = catalog.photo(id)? {
            hits.push(QueryHit {
                missing: false,
                path: info.path,
                score: score.clamp(-1.0, 1.0),
                id,
            });
        }
    }
    Ok(hits)
}
