//! Query by example: the one query pipeline every front-end uses.
//!
//! A query is answered in three steps, the same for the CLI and the GUI:
//! 1. [`QueryVectors::of`] embeds the query (a file, pasted pixels, or a catalog photo, whose
//!    stored vectors are reused) with the primary embedder and, when that is a CNN, with the
//!    descriptor too;
//! 2. the caller picks how to search each embedder's vectors ([`Searchers`]: the HNSW graph, the
//!    exact flat snapshot, or a scan of the catalog while an index is being rebuilt) — the only
//!    thing front-ends choose;
//! 3. [`rank`] applies the one ranking policy and the one rule for the query photo itself.
//!
//! **Ranking.** With the descriptor alone, results are its cosine similarities. With a CNN, the
//! candidates are the union of both indexes' neighbours, each scored exactly from the catalog:
//! the CNN similarity, raised to the descriptor similarity when that is at least
//! [`NEAR_DUPLICATE_SIMILARITY`] — so edited copies of the query come first and semantically
//! similar photos follow, whatever the CNN's calibration. Ties are broken by photo id, so every
//! search structure gives the same list.
//!
//! **The query photo itself** (the same catalog photo, or a file at the same absolute path) is
//! never a result: it is what the user asked with. Other files with the same content are results
//! (they are the duplicates a user wants to see). Pasted pixels exclude nothing.
//!
//! **Missing files**: a result whose file is not there now (moved, deleted, on an unplugged
//! drive) is kept, answered from the catalog, with [`Hit::missing`] set.

use crate::core::catalog::{Catalog, PhotoInfo};
use crate::core::embed::registry::ActiveEmbedders;
use crate::core::embed::{Embedder, embed_one};
use crate::core::error::{Error, Result};
use crate::core::index::{Neighbor, NeighbourSearch, dot};
use std::path::{Path, PathBuf};

/// Descriptor similarity from which a result counts as a near-duplicate of the query and is
/// ranked by the larger of the two similarities (the descriptor is precise there).
pub const NEAR_DUPLICATE_SIMILARITY: f32 = 0.85;

/// What a similarity query starts from.
#[derive(Debug, Clone)]
pub enum QuerySource {
    /// A photo file, in the library or not.
    File(PathBuf),
    /// Pixels that have no file (a pasted image).
    Pixels {
        /// Shown to the user ("pasted image").
        name: String,
        /// The upright image.
        image: image::RgbImage,
    },
    /// A photo already in the catalog ("Find similar").
    Photo {
        /// Catalog id.
        id: i64,
        /// Its path, used when the photo has no stored vector for the current model.
        path: PathBuf,
    },
}

impl QuerySource {
    /// Short name for a person: the file name or "pasted image".
    pub fn display_name(&self) -> String {
        match self {
            QuerySource::File(p) | QuerySource::Photo { path: p, .. } => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            QuerySource::Pixels { name, .. } => name.clone(),
        }
    }

    /// A key for caching this query's vectors (`None` for pixels, which are never cached).
    pub fn cache_key(&self) -> Option<String> {
        match self {
            QuerySource::File(p) | QuerySource::Photo { path: p, .. } => {
                Some(p.display().to_string())
            }
            QuerySource::Pixels { .. } => None,
        }
    }

    /// The catalog id of the query photo itself, excluded from its results.
    pub fn own_id(&self, catalog: &Catalog) -> Option<i64> {
        match self {
            QuerySource::Photo { id, .. } => Some(*id),
            QuerySource::File(p) => {
                let abs = p.canonicalize().unwrap_or_else(|_| p.clone());
                catalog.photo_id(&abs).ok().flatten()
            }
            QuerySource::Pixels { .. } => None,
        }
    }
}

/// One result of a query. In JSON: the photo's catalog fields (`path`, `bytes`, `width`, ...),
/// `score`, and `missing` when true.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    /// The photo.
    #[serde(flatten)]
    pub info: PhotoInfo,
    /// Similarity, 1 = same embedding (see the module doc for the fused score).
    pub score: f32,
    /// The file is not there now; only present in JSON when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
}

/// The query's vectors: the primary embedder's, and the descriptor's when the primary is a CNN.
#[derive(Debug, Clone)]
pub struct QueryVectors {
    /// For the embedder answering queries.
    pub primary: Vec<f32>,
    /// For the descriptor, when it is not the primary (fusion).
    pub descriptor: Option<Vec<f32>>,
}

impl QueryVectors {
    /// Embed `source` with the embedders a query needs (a catalog photo's stored vectors are
    /// reused when present).
    pub fn of(source: &QuerySource, active: &ActiveEmbedders, catalog: &Catalog) -> Result<Self> {
        let mut needed: Vec<&dyn Embedder> = vec![active.primary()];
        if active.primary != 0 {
            needed.push(active.descriptor());
        }
        let mut vectors = match source {
            QuerySource::File(p) => embed_picture_multi(p, &needed)?,
            QuerySource::Pixels { image, .. } => {
                let (picture, _) = crate::core::content_box::picture_of(image);
                needed
                    .iter()
                    .map(|e| {
                        embed_one(*e, &picture).map_err(|err| {
                            Error::Other(format!("cannot use the pasted image: {err}"))
                        })
                    })
                    .collect::<Result<_>>()?
            }
            QuerySource::Photo { id, path } => {
                let stored: Option<Vec<Vec<f32>>> = needed
                    .iter()
                    .map(|e| catalog.vector(*id, e.id()).ok().flatten())
                    .collect();
                match stored {
                    Some(v) => v,
                    None => embed_picture_multi(path, &needed)?,
                }
            }
        };
        let descriptor = (vectors.len() > 1).then(|| vectors.remove(1));
        let primary = vectors
            .pop()
            .ok_or_else(|| Error::Other("internal: no query vector".into()))?;
        Ok(Self {
            primary,
            descriptor,
        })
    }
}

/// How each embedder's vectors are searched for one query.
pub struct Searchers<'a> {
    /// The primary embedder's vectors.
    pub primary: &'a dyn NeighbourSearch,
    /// The descriptor's, when the primary is a CNN (for fusion).
    pub descriptor: Option<&'a dyn NeighbourSearch>,
}

/// The `k` best results for `vectors`, best first, without the photo `own_id` (the query
/// itself). The one ranking policy: see the module doc.
pub fn rank(
    catalog: &Catalog,
    searchers: &Searchers<'_>,
    vectors: &QueryVectors,
    k: usize,
    own_id: Option<i64>,
) -> Result<Vec<Hit>> {
    if k == 0 {
        return Ok(Vec::new());
    }
    // One more than asked, in case the query photo itself is among them.
    let want = k + usize::from(own_id.is_some());
    let mut scored: Vec<(f32, i64)> = match (searchers.descriptor, &vectors.descriptor) {
        (Some(desc_index), Some(desc_vector)) => fused_scores(
            catalog,
            searchers.primary,
            &vectors.primary,
            desc_index,
            desc_vector,
            want,
        )?,
        _ => searchers
            .primary
            .search(&vectors.primary, want)
            .into_iter()
            .map(|n| (n.score, n.id))
            .collect(),
    };
    scored.retain(|&(_, id)| Some(id) != own_id);
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut hits = Vec::with_capacity(k);
    for (score, id) in scored {
        if hits.len() == k {
            break;
        }
        if let Some(info) = catalog.photo(id)? {
            let missing = std::fs::symlink_metadata(&info.path).is_err();
            hits.push(Hit {
                info,
                score: score.clamp(-1.0, 1.0),
                missing,
            });
        }
    }
    Ok(hits)
}

/// Candidates from both indexes, scored with exact cosines from the catalog.
fn fused_scores(
    catalog: &Catalog,
    cnn_index: &dyn NeighbourSearch,
    cnn_vector: &[f32],
    desc_index: &dyn NeighbourSearch,
    desc_vector: &[f32],
    k: usize,
) -> Result<Vec<(f32, i64)>> {
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
    Ok(scored)
}

/// Exact search over every committed vector of one embedder in the catalog: answers queries
/// while the index is being rebuilt (no snapshot or graph is current then).
pub struct CatalogScan<'a> {
    catalog: &'a Catalog,
    embedder: String,
}

impl<'a> CatalogScan<'a> {
    /// Search `embedder`'s vectors in `catalog`.
    pub fn new(catalog: &'a Catalog, embedder: &str) -> Self {
        Self {
            catalog,
            embedder: embedder.to_string(),
        }
    }
}

impl NeighbourSearch for CatalogScan<'_> {
    fn embedder(&self) -> &str {
        &self.embedder
    }

    fn search(&self, query: &[f32], k: usize) -> Vec<Neighbor> {
        // A catalog that cannot be read now answers nothing; the next refresh tries again.
        let all = self.catalog.vectors(&self.embedder).unwrap_or_default();
        let mut scored: Vec<Neighbor> = all
            .iter()
            .filter(|(_, v)| v.len() == query.len())
            .map(|(id, v)| Neighbor {
                id: *id,
                score: dot(v, query),
            })
            .collect();
        scored.sort_unstable_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        scored.truncate(k);
        scored
    }
}

/// Decode a photo file and embed it.
pub fn embed_file(path: &Path, embedder: &dyn Embedder) -> Result<Vec<f32>> {
    embed_file_multi(path, &[embedder])?
        .pop()
        .ok_or_else(|| Error::Other("internal: no embedding returned".into()))
}

/// Decode a photo once and embed the picture inside it (uniform margins cut away, as the
/// indexer does) with each embedder, in order: a query photo on a white canvas finds its source.
pub fn embed_picture_multi(path: &Path, embedders: &[&dyn Embedder]) -> Result<Vec<Vec<f32>>> {
    embed_decoded_multi(path, embedders, true)
}

/// Decode a photo once and embed it, exactly as it is, with each embedder, in order (what
/// `lookalike embed` prints).
pub fn embed_file_multi(path: &Path, embedders: &[&dyn Embedder]) -> Result<Vec<Vec<f32>>> {
    embed_decoded_multi(path, embedders, false)
}

fn embed_decoded_multi(
    path: &Path,
    embedders: &[&dyn Embedder],
    picture_only: bool,
) -> Result<Vec<Vec<f32>>> {
    let min_side = embedders
        .iter()
        .map(|e| e.min_input_side_px())
        .max()
        .unwrap_or(224);
    let decoded = crate::core::video::decode_file(path, min_side)
        .map_err(|e| Error::Other(format!("cannot read {}: {e}", path.display())))?;
    let image = if picture_only {
        crate::core::content_box::picture_of(&decoded.image).0
    } else {
        std::borrow::Cow::Borrowed(&decoded.image)
    };
    embedders
        .iter()
        .map(|e| embed_one(*e, &image).map_err(Error::from))
        .collect()
}
