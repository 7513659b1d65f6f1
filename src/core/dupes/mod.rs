//! Duplicate finding: exact copies, near duplicates (the same picture edited) and similar photos
//! (the same scene), with a keep-best rule, reference folders, an ignore list and a trash with undo.
//!
//! Flow: [`load_input`] gathers photos, hashes, signatures and vectors from the catalog;
//! [`graph::CandidateGraph::build`] asks the HNSW index for the k nearest of each distinct content
//! and pixel-checks the closer pairs on aligned signatures; [`groups`] turns the graph into groups
//! with the current [`Thresholds`] — cheap, so a slider can regroup on every change.

pub mod added_band;
mod band_candidates;
mod candidates;
mod caption_band;
pub mod cluster;
pub mod diff_image;
mod edge;
mod extended_canvas;
pub mod frame_alignment;
pub mod graph;
mod graph_options;
mod group;
mod group_trash;
mod grouping;
pub mod ignore;
mod input;
pub mod keep;
pub mod overlay;
pub mod pair_cache;
pub mod pixel_check;
mod pixel_math;
mod pixel_measure;
mod settings;
pub mod symmetry;

pub use cluster::{Thresholds, Tier};
pub use graph::{CandidateGraph, GraphInput, GraphOptions, PhotoEntry};
pub use group::{DupeGroup, GroupMember};
pub use group_trash::trash_groups;
pub use grouping::{filter_groups, groups};
pub use ignore::IgnoreList;
pub use input::load_input;
pub use keep::KeepRule;
pub use pair_cache::PairCache;
pub use settings::DupeSettings;

use crate::core::embed::descriptor::Descriptor;
use crate::core::error::{Error, Result};
use crate::core::library::Library;
use crate::core::progress::{CancelFlag, Progress};

/// Build the candidate graph of an indexed library (loads the descriptor index). Pixel checks
/// of earlier scans are reused from the data dir's pair cache, and new ones added to it.
pub fn scan(
    lib: &Library,
    opts: &GraphOptions,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<CandidateGraph> {
    let index = lib.open_index(&Descriptor::new());
    let input = input::load_input_from(lib, index.as_ref().ok())?;
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    if input.vectors.is_empty() {
        return Err(Error::Other(format!(
            "no photos are indexed in {}: run `lookalike index LIBRARY_DIR` first",
            lib.data_dir.root().display()
        )));
    }
    let index = index?;
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    let root = lib.data_dir.root();
    let mut cache = PairCache::load(root);
    let graph = CandidateGraph::build(input, &index, opts, &mut cache, progress, cancel)?;
    // The cache only saves work: a data dir that cannot take it (read-only, full) still gets
    // its groups, and the next scan checks those pairs again.
    let _ = cache.save(root);
    Ok(graph)
}

/// The last step of every indexing run (CLI and GUI): pixel-check the new duplicate candidate
/// pairs, so `dupes` and the Duplicates view answer at once. Skipped when the run was
/// cancelled or changed nothing (and the pair cache exists). A cancellation here loses nothing:
/// the next scan checks what is missing. `Err` only for a real failure, which callers show as a
/// warning: the index itself is complete.
pub fn check_after_index(
    lib: &Library,
    report: &crate::core::indexer::IndexReport,
    progress: &dyn Progress,
    cancel: &CancelFlag,
) -> Result<()> {
    let changed = report.embedded + report.reused + report.moved + report.removed > 0;
    let has_photos = lib.catalog.counts()?.0 > 0;
    let cache_exists = lib.data_dir.dupes_pairs_path().exists();
    if report.cancelled || !has_photos || (!changed && cache_exists) {
        return Ok(());
    }
    let opts = GraphOptions::with_mirror(DupeSettings::load(lib.data_dir.root()).thresholds.mirror);
    match scan(lib, &opts, progress, cancel) {
        Ok(_) | Err(Error::Cancelled) => Ok(()),
        Err(e) => Err(e),
    }
}
