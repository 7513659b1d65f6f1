//! Query helpers of the job thread: the query's vector (cached for refreshes), and a brute-force
//! search over committed vectors for queries that arrive while the index is being rebuilt.

use super::{Hit, QuerySource};
use crate::core::catalog::Catalog;
use crate::core::embed::{Embedder, embed_one};
use crate::core::flat_index::FlatIndex;
use crate::core::index::{NeighbourSearch, dot};
use crate::core::query;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The path a query was made from, excluded from its own results.
pub(super) fn query_path(source: &QuerySource) -> Option<PathBuf> {
    match source {
        QuerySource::File(p) => Some(p.canonicalize().unwrap_or_else(|_| p.clone())),
        QuerySource::Photo { path, .. } => Some(path.clone()),
        QuerySource::Pixels { .. } => None,
    }
}

/// Remembers the vector of the last file query, so refreshing partial results does not decode
/// and embed the same photo again.
#[derive(Default)]
pub(super) struct VectorCache(Mutex<Option<(String, Vec<f32>)>>);

impl VectorCache {
    /// The vector of `source`, from the cache when it is the last file asked about.
    pub(super) fn vector(
        &self,
        source: &QuerySource,
        embedder: &dyn Embedder,
        catalog: &Catalog,
    ) -> Result<Vec<f32>, String> {
        let key = match source {
            QuerySource::File(p) | QuerySource::Photo { path: p, .. } => {
                Some(format!("{}\0{}", embedder.id(), p.display()))
            }
            QuerySource::Pixels { .. } => None,
        };
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(k), Some((ck, v))) = (&key, slot.as_ref())
            && k == ck
        {
            return Ok(v.clone());
        }
        let v = query_vector(source, embedder, catalog)?;
        if let Some(k) = key {
            *slot = Some((k, v.clone()));
        }
        Ok(v)
    }
}

/// Embed (or look up) the query's vector.
pub(super) fn query_vector(
    source: &QuerySource,
    embedder: &dyn Embedder,
    catalog: &Catalog,
) -> Result<Vec<f32>, String> {
    match source {
        QuerySource::File(p) => query::embed_file(p, embedder).map_err(|e| e.to_string()),
        QuerySource::Pixels { image, .. } => {
            embed_one(embedder, image).map_err(|e| format!("cannot use the pasted image: {e}"))
        }
        QuerySource::Photo { id, path } => match catalog.vector(*id, embedder.id()) {
            Ok(Some(v)) => Ok(v),
            _ => query::embed_file(path, embedder).map_err(|e| e.to_string()),
        },
    }
}

/// Exact nearest neighbours over committed vectors (used while the index is being built).
pub(super) fn brute_force(
    catalog: &Catalog,
    embedder: &dyn Embedder,
    vector: &[f32],
    k: usize,
    exclude: Option<&Path>,
    snapshot: Option<&FlatIndex>,
) -> Result<Vec<Hit>, String> {
    // The flat snapshot saved with the last index dump, while it still matches the catalog
    // (the first batch of a run changes that); else every committed vector from the catalog.
    let scored: Vec<(f32, i64)> = match snapshot {
        Some(flat) => flat
            .search(vector, k + 1)
            .into_iter()
            .map(|n| (n.score, n.id))
            .collect(),
        None => {
            let all = catalog
                .vectors(embedder.id())
                .map_err(|e| format!("cannot read vectors: {e}"))?;
            let mut scored: Vec<(f32, i64)> = all
                .iter()
                .filter(|(_, v)| v.len() == vector.len())
                .map(|(id, v)| (dot(v, vector), *id))
                .collect();
            scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            scored
        }
    };
    let mut hits = Vec::with_capacity(k);
    for (score, id) in scored {
        if hits.len() >= k {
            break;
        }
        if let Ok(Some(info)) = catalog.photo(id) {
            if exclude == Some(info.path.as_path()) {
                continue;
            }
            hits.push(Hit {
                info,
                score: score.clamp(-1.0, 1.0),
            });
        }
    }
    Ok(hits)
}
