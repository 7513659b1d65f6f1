//! What a run is told (options) and what it tells back (report, per-stage timings).

use super::*;

/// Tuning knobs of a run.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Decoder threads (default: available cores).
    pub decode_threads: usize,
    /// Photos per catalog transaction.
    pub write_batch: usize,
    /// Thumbnail cache to fill from the decoded pixels (see [`crate::core::thumb_cache`]).
    pub thumbs_dir: Option<PathBuf>,
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            decode_threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            write_batch: 64,
            thumbs_dir: None,
        }
    }
}

/// Time spent per stage (read/decode/prepare are summed over decoder threads).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StageTimings {
    /// Walking folders.
    pub walk_ms: f64,
    /// Reading and hashing file bytes.
    pub read_ms: f64,
    /// Decoding (incl. DCT downscale and orientation).
    pub decode_ms: f64,
    /// Resizing and per-embedder preprocessing (the whole descriptor runs here).
    pub resize_ms: f64,
    /// Writing grid thumbnails to the cache from the decoded pixels.
    pub thumbs_ms: f64,
    /// Batched inference.
    pub embed_ms: f64,
    /// Catalog writes and index inserts.
    pub insert_ms: f64,
}

/// What an indexing run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct IndexReport {
    /// Files found by the walk.
    pub scanned: usize,
    /// Files skipped as unchanged.
    pub unchanged: usize,
    /// Photos embedded (new or changed; also those of [`Self::topped_up`]).
    pub embedded: usize,
    /// Unchanged photos that only got the vectors of a model added since they were indexed
    /// (e.g. CLIP after its download): only that model ran for them.
    pub topped_up: usize,
    /// Photos whose embeddings were reused because their content was already known.
    pub reused: usize,
    /// Photos detected as moved or renamed.
    pub moved: usize,
    /// Photos removed because their file is gone.
    pub removed: usize,
    /// Files that could not be indexed in this run.
    pub failed: usize,
    /// Photos whose capture metadata was read without re-indexing them (after an upgrade).
    pub metadata_read: usize,
    /// Whether the run was cancelled (work done so far is kept).
    pub cancelled: bool,
    /// Warnings for a person (unreachable folders, bad files...).
    pub warnings: Vec<String>,
    /// Wall time of the whole run.
    pub elapsed_ms: f64,
    /// Per-stage timings.
    pub stages: StageTimings,
}
