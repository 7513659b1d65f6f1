//! [`Library`]: one data directory opened for use — the façade the CLI and the GUI's worker
//! call for every use case. Opening, indexing, status and one-shot queries are here; trash and
//! undo are `impl Library` in [`crate::core::trash`]; duplicates take a `&Library` in
//! [`crate::core::dupes`]. Front-ends add no logic of their own.

use crate::core::catalog::Catalog;
use crate::core::datadir::DataDir;
use crate::core::embed::Embedder;
use crate::core::embed::registry::{self, ActiveEmbedders};
use crate::core::error::{Error, Result};
use crate::core::filter::PhotoFilter;
use crate::core::index::VectorIndex;
use crate::core::index_set::IndexSet;
use crate::core::indexer::{IndexOptions, IndexReport, run_index};
use crate::core::progress::{CancelFlag, Progress};
use crate::core::query::{Hit, QuerySource, QueryVectors, Searchers, rank};
use crate::core::text_search::{self, TextQuery, TextResults, WordsEncoder};
use std::path::PathBuf;

/// Catalog meta key: the model spec the library was indexed with ("descriptor", "lite0"...).
pub const META_MODEL: &str = "model";
/// Catalog meta key: the id of the embedder used for queries.
pub const META_QUERY_EMBEDDER: &str = "query_embedder";
/// Catalog meta key: a human label for the query embedder.
pub const META_QUERY_LABEL: &str = "query_embedder_label";

/// An open data directory.
pub struct Library {
    /// Where everything lives.
    pub data_dir: DataDir,
    /// The catalog (source of truth).
    pub catalog: Catalog,
    /// Things the user should be told (e.g. a corrupt catalog was moved aside).
    pub notices: Vec<String>,
}

/// Summary for `status`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Status {
    /// Indexed photos.
    pub photos: u64,
    /// Files that failed.
    pub failed: u64,
    /// Id of the embedder used for queries.
    pub embedder: Option<String>,
    /// Human label of that embedder.
    pub embedder_label: Option<String>,
    /// Model spec the library was indexed with.
    pub model: Option<String>,
    /// Vector counts per embedder.
    pub embeddings: Vec<(String, u64)>,
    /// Library folders.
    pub roots: Vec<PathBuf>,
    /// The data directory.
    pub data_dir: PathBuf,
    /// Indexed photos per format, most common first.
    pub formats: Vec<(String, u64)>,
    /// How many photos have a capture date, a camera, a location.
    pub capture: crate::core::catalog::CaptureCounts,
}

impl Library {
    /// Open the data directory at `root`, or the platform default.
    pub fn open(root: Option<PathBuf>) -> Result<Self> {
        let root = match root {
            Some(r) => r,
            None => DataDir::default_path()?,
        };
        let data_dir = DataDir::open(root)?;
        let (catalog, notice) = Catalog::open(&data_dir.catalog_path())
            .map_err(|e| crate::core::datadir::explain_write_error(e, data_dir.root()))?;
        Ok(Self {
            data_dir,
            catalog,
            notices: notice.into_iter().collect(),
        })
    }

    /// Open the data directory at `root` (or the platform default) for reading only: for
    /// `query`, `status` and `dupes` on a data dir that cannot be written (a read-only disk or
    /// folder). Nothing is created, repaired or saved.
    pub fn open_read_only(root: Option<PathBuf>) -> Result<Self> {
        let root = match root {
            Some(r) => r,
            None => DataDir::default_path()?,
        };
        let data_dir = DataDir::open_existing(root)?;
        let catalog = Catalog::open_read_only(&data_dir.catalog_path())?;
        Ok(Self {
            data_dir,
            catalog,
            notices: Vec::new(),
        })
    }

    /// The model spec stored by the last `index`, if any.
    pub fn stored_model(&self) -> Result<Option<String>> {
        self.catalog.meta(META_MODEL)
    }

    /// Load the embedders the library was indexed with, for queries on `device`. Fails with a
    /// message saying what to run when nothing is indexed or the model no longer loads the same.
    pub fn query_embedders(&self, device: &str) -> Result<ActiveEmbedders> {
        let spec = self.stored_model()?.ok_or_else(|| {
            Error::Other(format!(
                "nothing is indexed in {} yet: run `lookalike index LIBRARY_DIR` first",
                self.data_dir.root().display()
            ))
        })?;
        let active = registry::build(&spec, self.data_dir.root(), device)?;
        let stored = self.catalog.meta(META_QUERY_EMBEDDER)?;
        if stored.as_deref() != Some(active.primary().id()) {
            return Err(Error::Other(format!(
                "the library was indexed with {} but the model now loads as {}: run `lookalike index` again to re-embed",
                stored.unwrap_or_else(|| "nothing".into()),
                active.primary().id()
            )));
        }
        Ok(active)
    }

    /// The `k` photos most like `source`, best first (the one query pipeline, see
    /// [`crate::core::query`]), searching the indexes saved on disk: for one-shot use (the
    /// CLI). The GUI's worker keeps its indexes loaded and calls [`rank`] with them.
    pub fn query(
        &self,
        active: &ActiveEmbedders,
        source: &QuerySource,
        k: usize,
    ) -> Result<Vec<Hit>> {
        use crate::core::timeline::mark;
        let vectors = QueryVectors::of(source, active, &self.catalog)?;
        mark("query: embedded");
        let primary = self.open_query_index(active.primary())?;
        mark("query: index opened");
        let descriptor = match vectors.descriptor {
            Some(_) => Some(self.open_query_index(active.descriptor())?),
            None => None,
        };
        mark("query: descriptor index opened");
        let searchers = Searchers {
            primary: &*primary,
            descriptor: descriptor.as_deref(),
        };
        let hits = rank(
            &self.catalog,
            &searchers,
            &vectors,
            k,
            &source.own_ids(&self.catalog),
        );
        mark("query: ranked");
        hits
    }

    /// The `k` photos most like `source` that pass `filter`, best first: [`Library::query`] over
    /// [`PhotoFilter::query_candidates`] nearest photos (the whole library up to
    /// [`crate::core::filter::FILTERED_QUERY_CANDIDATES`] photos), then filtered and cut to `k`.
    /// Without a filter, the same as [`Library::query`].
    pub fn query_filtered(
        &self,
        active: &ActiveEmbedders,
        source: &QuerySource,
        k: usize,
        filter: &PhotoFilter,
    ) -> Result<Vec<Hit>> {
        if filter.is_empty() {
            return self.query(active, source, k);
        }
        let photos = usize::try_from(self.catalog.counts()?.0).unwrap_or(usize::MAX);
        let mut hits = self.query(active, source, filter.query_candidates(k, photos))?;
        filter.narrow(&mut hits, |h| &h.info, k);
        Ok(hits)
    }

    /// The `k` photos that best match `q` (words, an example photo with words, negative
    /// phrases; see [`crate::core::text_search`]) and pass `filter`, best first, from the CLIP
    /// vectors saved on disk, with how many photos have CLIP vectors. Fails with what to do when
    /// no CLIP model is there or no photo has CLIP vectors yet; photos not embedded with CLIP
    /// yet are simply not found.
    pub fn query_text(
        &self,
        active: &ActiveEmbedders,
        encoder: &mut WordsEncoder,
        q: &TextQuery,
        k: usize,
        filter: &PhotoFilter,
    ) -> Result<TextResults> {
        let clip = active
            .clip()
            .ok_or_else(|| Error::Other(crate::core::models::clip_hint(self.data_dir.root())))?;
        let (with_clip, photos) = text_search::coverage(&self.catalog, clip.id())?;
        if with_clip == 0 && photos > 0 {
            return Err(Error::Other(format!(
                "none of the {photos} photos has CLIP vectors yet: run `lookalike index` (or \
                 open the window) to add them"
            )));
        }
        let vector = text_search::query_vector(q, encoder, active, &self.catalog)?;
        let own = q
            .image
            .as_ref()
            .map(|s| s.own_ids(&self.catalog))
            .unwrap_or_default();
        let search = self.open_query_index(clip)?;
        let want = filter.query_candidates(k, usize::try_from(photos).unwrap_or(usize::MAX));
        let mut hits = text_search::rank_text(&self.catalog, &*search, vector, want, &own)?;
        filter.narrow(&mut hits, |h| &h.info, k);
        Ok(TextResults {
            hits,
            with_clip,
            photos,
        })
    }

    /// Load (or rebuild) the index of one embedder.
    pub fn open_index(&self, embedder: &dyn Embedder) -> Result<VectorIndex> {
        VectorIndex::open(
            &self.data_dir.index_dir(),
            &self.catalog,
            embedder.id(),
            embedder.dim(),
        )
    }

    /// What answers a one-shot query fastest: the exact flat snapshot saved with the index when
    /// it is current, else the HNSW index.
    pub fn open_query_index(
        &self,
        embedder: &dyn Embedder,
    ) -> Result<Box<dyn crate::core::index::NeighbourSearch>> {
        crate::core::flat_index::open_for_query(
            &self.data_dir.index_dir(),
            &self.catalog,
            embedder.id(),
            embedder.dim(),
        )
    }

    /// Index `roots` (added to the library's folders) with `embedders`; `embedders[primary]`
    /// answers queries. Takes the writer lock for the duration.
    pub fn index(
        &mut self,
        roots: &[PathBuf],
        model_spec: &str,
        embedders: &[&dyn Embedder],
        primary: usize,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<IndexReport> {
        let _lock = self.data_dir.lock_writer()?;
        let mut abs_roots = Vec::new();
        for r in roots {
            let abs = r
                .canonicalize()
                .map_err(|e| Error::io("cannot open library folder", r, e))?;
            if !abs.is_dir() {
                return Err(Error::Other(format!(
                    "{} is not a folder: pass the folder that holds your photos",
                    abs.display()
                )));
            }
            self.catalog
                .add_root(&abs)
                .map_err(|e| crate::core::datadir::explain_write_error(e, self.data_dir.root()))?;
            abs_roots.push(abs);
        }
        let p = embedders
            .get(primary)
            .ok_or_else(|| Error::Other("internal: no primary embedder".into()))?;
        // A full or read-only disk can stop these first writes too: say so as for the others.
        let explain = |e| crate::core::datadir::explain_write_error(e, self.data_dir.root());
        self.catalog
            .set_meta(META_MODEL, model_spec)
            .map_err(explain)?;
        self.catalog
            .set_meta(META_QUERY_EMBEDDER, p.id())
            .map_err(explain)?;
        self.catalog
            .set_meta(META_QUERY_LABEL, &p.label())
            .map_err(explain)?;
        let mut indexes = IndexSet::new(&self.data_dir.index_dir(), embedders);
        let exclude = self.data_dir.root().to_path_buf();
        run_index(
            &mut self.catalog,
            &mut indexes,
            embedders,
            &abs_roots,
            Some(&exclude),
            &IndexOptions {
                thumbs_dir: Some(self.data_dir.thumbs_dir()),
                ..IndexOptions::default()
            },
            progress,
            cancel,
        )
    }

    /// Counts and settings for `status`.
    pub fn status(&self) -> Result<Status> {
        let (photos, failed) = self.catalog.counts()?;
        Ok(Status {
            photos,
            failed,
            embedder: self.catalog.meta(META_QUERY_EMBEDDER)?,
            embedder_label: self.catalog.meta(META_QUERY_LABEL)?,
            model: self.catalog.meta(META_MODEL)?,
            embeddings: self.catalog.embedder_counts()?,
            roots: self.catalog.roots()?,
            data_dir: self.data_dir.root().to_path_buf(),
            formats: self.catalog.format_counts()?,
            capture: self.catalog.capture_counts()?,
        })
    }
}
