//! How the job thread searches for a query: it keeps each embedder's vectors ready (the exact
//! flat snapshot right after start-up, the HNSW graph once loaded, a catalog scan while an
//! index is being rebuilt) and hands them to the one query pipeline, [`query::rank`].

use super::snapshot::Snapshot;
use crate::core::catalog::Catalog;
use crate::core::embed::Embedder;
use crate::core::embed::registry::ActiveEmbedders;
use crate::core::flat_index::QuerySnapshot;
use crate::core::index::{Neighbor, NeighbourSearch, VectorIndex};
use crate::core::library::Library;
use crate::core::query::{self, CatalogScan, Hit, QuerySource, QueryVectors, Searchers};
use crate::core::text_search::{self, TextQuery, WordsEncoder};
use std::sync::{Arc, Mutex};

/// One embedder's vectors, searched the fastest way that is current.
pub(super) struct EmbedderIndex {
    /// The HNSW graph, loaded on the first query that finds no current snapshot.
    graph: Option<VectorIndex>,
    /// Exact flat snapshot, valid for the catalog epoch it was saved at.
    snapshot: Arc<Snapshot>,
}

impl EmbedderIndex {
    fn new(lib: &Library, embedder: &dyn Embedder) -> Self {
        let snapshot = Snapshot::new(lib.data_dir.index_dir(), embedder.id(), embedder.dim());
        if let Ok(epoch) = lib.catalog.epoch() {
            snapshot.preload(epoch);
        }
        Self {
            graph: None,
            snapshot,
        }
    }
}

/// What answers one search: borrowed graph, shared snapshot, or a catalog scan.
enum Search<'a> {
    Graph(&'a VectorIndex),
    Flat(Arc<QuerySnapshot>),
    Scan(CatalogScan<'a>),
}

impl NeighbourSearch for Search<'_> {
    fn embedder(&self) -> &str {
        match self {
            Search::Graph(g) => g.embedder(),
            Search::Flat(f) => f.embedder(),
            Search::Scan(s) => s.embedder(),
        }
    }

    fn search(&self, query: &[f32], k: usize) -> Vec<Neighbor> {
        match self {
            Search::Graph(g) => g.search(query, k),
            Search::Flat(f) => f.search(query, k),
            Search::Scan(s) => s.search(query, k),
        }
    }
}

/// The query indexes of the active embedders: the primary one and, when it is a CNN, the
/// descriptor's (for fusion).
pub(super) struct QueryIndexes {
    primary: EmbedderIndex,
    descriptor: Option<EmbedderIndex>,
    /// The CLIP image vectors, searched by words (when CLIP is not the primary embedder).
    clip: Option<EmbedderIndex>,
    /// The CLIP text tower, loaded on the first search by words.
    words: Option<WordsEncoder>,
    /// The last query's vectors (refreshing partial results does not embed the photo again).
    cache: Mutex<Option<(String, QueryVectors)>>,
}

impl QueryIndexes {
    /// Indexes for `active`; their snapshots start loading at once.
    pub(super) fn new(lib: &Library, active: &ActiveEmbedders) -> Self {
        Self {
            primary: EmbedderIndex::new(lib, active.primary()),
            descriptor: (active.primary != 0).then(|| EmbedderIndex::new(lib, active.descriptor())),
            clip: active
                .text
                .filter(|&t| t != active.primary)
                .map(|t| EmbedderIndex::new(lib, active.list[t].as_ref())),
            words: None,
            cache: Mutex::new(None),
        }
    }

    /// Forget the loaded graphs (the catalog changed under them: indexing, removed folders).
    pub(super) fn drop_graphs(&mut self) {
        self.primary.graph = None;
        for ix in [&mut self.descriptor, &mut self.clip].into_iter().flatten() {
            ix.graph = None;
        }
    }

    /// Keep every loaded graph in step with photos that left the catalog (trashed).
    pub(super) fn remove_photos(&mut self, ids: &[i64]) {
        let graphs = std::iter::once(&mut self.primary)
            .chain(self.descriptor.as_mut())
            .chain(self.clip.as_mut())
            .filter_map(|ix| ix.graph.as_mut());
        for graph in graphs {
            for id in ids {
                graph.remove(*id);
            }
        }
    }

    /// The query's vectors, from the cache when it is the last file asked about.
    fn vectors(
        &self,
        source: &QuerySource,
        active: &ActiveEmbedders,
        catalog: &Catalog,
    ) -> Result<QueryVectors, String> {
        let key = source
            .cache_key()
            .map(|k| format!("{}\0{k}", active.primary().id()));
        let mut slot = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(k), Some((ck, v))) = (&key, slot.as_ref())
            && k == ck
        {
            return Ok(v.clone());
        }
        let v = QueryVectors::of(source, active, catalog).map_err(|e| e.to_string())?;
        if let Some(k) = key {
            *slot = Some((k, v.clone()));
        }
        Ok(v)
    }

    /// Answer a query when the catalog is settled: snapshot if current, else the graph
    /// (loaded, or rebuilt from the catalog, on first use).
    pub(super) fn query(
        &mut self,
        lib: &Library,
        active: &ActiveEmbedders,
        source: &QuerySource,
        k: usize,
    ) -> Result<Vec<Hit>, String> {
        let vectors = self.vectors(source, active, &lib.catalog)?;
        let primary = settled(&mut self.primary, lib, active.primary())?;
        let descriptor = match &mut self.descriptor {
            Some(d) => Some(settled(d, lib, active.descriptor())?),
            None => None,
        };
        rank(&lib.catalog, primary, descriptor, &vectors, source, k)
    }

    /// Answer a query while an index is being rebuilt: the snapshot while it still matches
    /// the catalog, else an exact scan of the committed vectors. Never loads a graph.
    pub(super) fn query_while_indexing(
        &self,
        catalog: &Catalog,
        active: &ActiveEmbedders,
        source: &QuerySource,
        k: usize,
    ) -> Result<Vec<Hit>, String> {
        let vectors = self.vectors(source, active, catalog)?;
        let unsettled = |ix: &EmbedderIndex, e: &dyn Embedder| match ix.snapshot.current(catalog) {
            Some(flat) => Search::Flat(flat),
            None => Search::Scan(CatalogScan::new(catalog, e.id())),
        };
        let primary = unsettled(&self.primary, active.primary());
        let descriptor = self
            .descriptor
            .as_ref()
            .map(|d| unsettled(d, active.descriptor()));
        rank(catalog, primary, descriptor, &vectors, source, k)
    }
}

impl QueryIndexes {
    /// Answer a search by words (or a photo and words) from the CLIP vectors: settled like
    /// [`Self::query`], or from the snapshot or a catalog scan while `indexing`.
    pub(super) fn text_query(
        &mut self,
        lib: &Library,
        active: &ActiveEmbedders,
        q: &TextQuery,
        k: usize,
        indexing: bool,
    ) -> Result<Vec<Hit>, String> {
        let Some(clip) = active.clip() else {
            return Err(match &active.clip_error {
                Some(why) => format!("The CLIP model could not be loaded: {why}"),
                None => "Searching by words needs the CLIP model: download it from the search \
                         box or in Settings"
                    .to_string(),
            });
        };
        let words = match &mut self.words {
            Some(w) => w,
            slot @ None => slot.insert(
                WordsEncoder::load(active, lib.data_dir.root()).map_err(|e| e.to_string())?,
            ),
        };
        let vector =
            text_search::query_vector(q, words, active, &lib.catalog).map_err(|e| e.to_string())?;
        let ix = match self.clip.as_mut() {
            Some(ix) => ix,
            None => &mut self.primary,
        };
        let search = if indexing {
            match ix.snapshot.current(&lib.catalog) {
                Some(flat) => Search::Flat(flat),
                None => Search::Scan(CatalogScan::new(&lib.catalog, clip.id())),
            }
        } else {
            settled(ix, lib, clip)?
        };
        let own = q
            .image
            .as_ref()
            .map(|s| s.own_ids(&lib.catalog))
            .unwrap_or_default();
        text_search::rank_text(&lib.catalog, &search, vector, k, &own).map_err(|e| e.to_string())
    }
}

/// The snapshot when current, else the graph (loaded on first use).
fn settled<'a>(
    ix: &'a mut EmbedderIndex,
    lib: &Library,
    embedder: &dyn Embedder,
) -> Result<Search<'a>, String> {
    if ix.graph.is_none() {
        if let Some(flat) = ix.snapshot.current(&lib.catalog) {
            return Ok(Search::Flat(flat));
        }
        let graph = lib
            .open_index(embedder)
            .map_err(|e| format!("Cannot open the index: {e}"))?;
        ix.graph = Some(graph);
    }
    match &ix.graph {
        Some(g) => Ok(Search::Graph(g)),
        None => Err("internal: no index".into()),
    }
}

fn rank(
    catalog: &Catalog,
    primary: Search<'_>,
    descriptor: Option<Search<'_>>,
    vectors: &QueryVectors,
    source: &QuerySource,
    k: usize,
) -> Result<Vec<Hit>, String> {
    let searchers = Searchers {
        primary: &primary,
        descriptor: descriptor.as_ref().map(|d| d as &dyn NeighbourSearch),
    };
    query::rank(catalog, &searchers, vectors, k, &source.own_ids(catalog))
        .map_err(|e| e.to_string())
}
