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
//! similar photos follow, whatever the CNN's calibration. A candidate whose pixels line up with
//! a catalog query photo's (an edited copy: captioned, cropped, tilted, grayscale) is raised to
//! that pixel agreement ([`crate::core::query_expand`]). Ties are broken by photo id, so every
//! search structure gives the same list.
//!
//! **The query photo itself** (the same catalog photo, or a file at the same absolute path) is
//! never a result: it is what the user asked with. Other files with the same content are results
//! (they are the duplicates a user wants to see). Pasted pixels exclude nothing.
//!
//! **Several photos** ([`QuerySource::Photos`], "Find similar to these"): the query is the mean
//! of their stored vectors, normalised ([`mean_vector`]), for each embedder a query needs; the
//! selected photos themselves are never results (they are what the user asked with, as for one
//! photo), so the list shows only what is like them and not already chosen.
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
    /// Several catalog photos ("Find similar to these"): the mean of their vectors.
    Photos {
        /// Catalog ids, in the order the user saw them.
        ids: Vec<i64>,
        /// Shown to the user ("3 photos").
        name: String,
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
            QuerySource::Pixels { name, .. } | QuerySource::Photos { name, .. } => name.clone(),
        }
    }

    /// A key for caching this query's vectors (`None` for pixels, which are never cached).
    pub fn cache_key(&self) -> Option<String> {
        match self {
            QuerySource::File(p) | QuerySource::Photo { path: p, .. } => {
                Some(p.display().to_string())
            }
            QuerySource::Photos { ids, .. } => Some(format!(
                "photos:{}",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            )),
            QuerySource::Pixels { .. } => None,
        }
    }

    /// The catalog id of the query photo itself, for a query by one photo (`None` for pixels
    /// and for several photos: see [`Self::own_ids`]).
    pub fn own_id(&self, catalog: &Catalog) -> Option<i64> {
        match self {
            QuerySource::Photo { id, .. } => Some(*id),
            QuerySource::File(p) => {
                let abs = p.canonicalize().unwrap_or_else(|_| p.clone());
                catalog.photo_id(&abs).ok().flatten()
            }
            QuerySource::Pixels { .. } | QuerySource::Photos { .. } => None,
        }
    }

    /// The catalog photos the query was made from, excluded from its results.
    pub fn own_ids(&self, catalog: &Catalog) -> Vec<i64> {
        match self {
            QuerySource::Photos { ids, .. } => ids.clone(),
            _ => self.own_id(catalog).into_iter().collect(),
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
            QuerySource::Photos { ids, .. } => needed
                .iter()
                .map(|e| {
                    mean_vector(catalog, ids, e.id())?.ok_or_else(|| {
                        Error::Other(format!(
                            "none of these photos is indexed with {} yet; wait for indexing \
                             to finish",
                            e.id()
                        ))
                    })
                })
                .collect::<Result<_>>()?,
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

/// The mean of the stored `embedder` vectors of the photos `ids`, L2-normalised: the query for
/// "Find similar to these". Photos without a vector for `embedder` (not indexed yet) are left
/// out; `None` when none has one, or when the vectors cancel out.
pub fn mean_vector(catalog: &Catalog, ids: &[i64], embedder: &str) -> Result<Option<Vec<f32>>> {
    let mut sum: Vec<f32> = Vec::new();
    for &id in ids {
        let Some(v) = catalog.vector(id, embedder)? else {
            continue;
        };
        if sum.is_empty() {
            sum = vec![0.0; v.len()];
        }
        if v.len() == sum.len() {
            for (s, x) in sum.iter_mut().zip(&v) {
                *s += x;
            }
        }
    }
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
    if sum.is_empty() || !norm.is_normal() {
        return Ok(None);
    }
    sum.iter_mut().for_each(|x| *x /= norm);
    Ok(Some(sum))
}

/// The `k` best results for `vectors`, best first, without the photos `own` (what the query
/// was made from). The one ranking policy: see the module doc.
pub fn rank(
    catalog: &Catalog,
    searchers: &Searchers<'_>,
    vectors: &QueryVectors,
    k: usize,
    own: &[i64],
) -> Result<Vec<Hit>> {
    if k == 0 {
        return Ok(Vec::new());
    }
    // More than asked, in case the query photos themselves are among them.
    let want = k + own.len();
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
    crate::core::timeline::mark("query: nearest found");
    if crate::core::query_expand::applies(searchers) {
        crate::core::query_expand::raise_copies(catalog, own, &mut scored)?;
    }
    scored.retain(|(_, id)| !own.contains(id));
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
        .chain({
            crate::core::timeline::mark("query: model's nearest found");
            desc_index.search(desc_vector, k)
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::catalog::PhotoRecord;

    /// A catalog with one photo per vector (embedder "e").
    fn catalog(vectors: &[[f32; 2]]) -> (tempfile::TempDir, Catalog, Vec<i64>) {
        let tmp = tempfile::tempdir().expect("tmp");
        let (mut catalog, _) = Catalog::open(&tmp.path().join("catalog.db")).expect("open");
        let records: Vec<PhotoRecord> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| PhotoRecord {
                path: tmp.path().join(format!("{i}.jpg")),
                format: "jpeg".into(),
                embeddings: vec![("e".into(), v.to_vec())],
                ..PhotoRecord::default()
            })
            .collect();
        let ids = catalog.upsert(&records).expect("upsert");
        (tmp, catalog, ids)
    }

    #[test]
    fn several_photos_query_with_their_normalised_mean_and_are_not_results() {
        let s = std::f32::consts::FRAC_1_SQRT_2;
        // Two selected photos at right angles; the photo between them is the best result, and
        // the selected ones — each more like the mean than anything else — are left out.
        let (_tmp, catalog, ids) = catalog(&[[1.0, 0.0], [0.0, 1.0], [s, s], [-1.0, 0.0]]);
        let mean = mean_vector(&catalog, &ids[..2], "e")
            .expect("mean")
            .expect("some");
        assert!(
            (mean[0] - s).abs() < 1e-6 && (mean[1] - s).abs() < 1e-6,
            "{mean:?}"
        );
        assert_eq!(mean_vector(&catalog, &[], "e").expect("none"), None);
        assert_eq!(
            mean_vector(&catalog, &ids[..2], "other").expect("none"),
            None,
            "no photo has that embedder's vector"
        );
        // Opposite vectors cancel out: no query rather than a zero vector.
        assert_eq!(
            mean_vector(&catalog, &[ids[0], ids[3]], "e").expect("cancel"),
            None
        );

        let source = QuerySource::Photos {
            ids: ids[..2].to_vec(),
            name: "2 photos".into(),
        };
        assert_eq!(source.own_ids(&catalog), ids[..2]);
        assert_eq!(source.display_name(), "2 photos");
        let scan = CatalogScan::new(&catalog, "e");
        let searchers = Searchers {
            primary: &scan,
            descriptor: None,
        };
        let vectors = QueryVectors {
            primary: mean,
            descriptor: None,
        };
        let hits =
            rank(&catalog, &searchers, &vectors, 3, &source.own_ids(&catalog)).expect("rank");
        let got: Vec<i64> = hits.iter().map(|h| h.info.id).collect();
        assert_eq!(
            got,
            [ids[2], ids[3]],
            "the selected photos are never results"
        );
        assert!((hits[0].score - 1.0).abs() < 1e-5);
    }
}
