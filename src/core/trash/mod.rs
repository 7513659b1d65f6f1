//! Every destructive action goes through here: "move to trash" from Results, Browse and
//! Duplicates, and undo (czkawka's single `common/deletion.rs` is the model).
//!
//! Photos are never deleted: they are moved by a [`Mover`] (the system trash, or a plain folder
//! for tests), a journal line is written and synced *before* each move ([`Journal`]), the moved
//! photos leave the catalog, and [`Library::undo_trash`] puts back the newest batch that still
//! has files away — whichever view trashed it.

pub mod journal;
pub mod mover;
pub mod records;

pub use journal::Journal;
pub use mover::{FolderTrash, Mover, SystemTrash};
pub use records::{JournalEntry, RestoreOutcome, TrashReport, TrashRequest, UndoReport};

use crate::core::error::Result;
use crate::core::library::Library;
use std::path::Path;

/// The trash to use: a plain folder when one is given (tests, a quarantine folder), the system
/// trash otherwise.
pub fn mover(trash_dir: Option<&Path>) -> Box<dyn Mover> {
    match trash_dir {
        Some(dir) => Box::new(FolderTrash::new(dir)),
        None => Box::new(SystemTrash),
    }
}

impl Library {
    /// Move catalog photos to the trash (journaled first) and drop the moved ones from the
    /// catalog. Takes the data dir's writer lock; photos the catalog does not know are skipped.
    /// Each photo's companions (its RAW or JPEG mate, Live Photo video, sidecars) go with it,
    /// in the same batch, so one undo puts them all back.
    pub fn trash_photos(&mut self, mover: &dyn Mover, ids: &[i64]) -> Result<TrashReport> {
        let hashes = self.catalog.hashes_of(ids)?;
        let mut finder = crate::core::pairs::CompanionFinder::new();
        let mut requests: Vec<TrashRequest> = Vec::with_capacity(ids.len());
        let mut seen = std::collections::HashSet::new();
        for &id in ids {
            if let Some(info) = self.catalog.photo(id)? {
                if !seen.insert(info.path.clone()) {
                    continue;
                }
                let companions = finder.companions(&info.path);
                requests.push(TrashRequest {
                    id: Some(id),
                    path: info.path,
                    hash: hashes.get(&id).map(crate::core::dupes::ignore::hash_hex),
                    bytes: info.bytes,
                });
                for c in companions {
                    if seen.insert(c.path.clone()) {
                        requests.push(self.companion_request(&c.path)?);
                    }
                }
            }
        }
        self.trash(mover, &requests)
    }

    /// The trash request for a companion file: a catalog photo when the catalog has it (it
    /// then leaves the catalog too), else a plain file.
    pub fn companion_request(&self, path: &Path) -> Result<TrashRequest> {
        Ok(TrashRequest {
            id: self.catalog.photo_id(path)?,
            path: path.to_path_buf(),
            hash: None,
            bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
        })
    }

    /// Move files to the trash, journaling each move before it happens, and drop the moved
    /// catalog photos from the catalog. Takes the data dir's writer lock.
    pub fn trash(&mut self, mover: &dyn Mover, requests: &[TrashRequest]) -> Result<TrashReport> {
        let _lock = self.data_dir.lock_writer()?;
        let journal = Journal::new(self.data_dir.root());
        let mut report = journal.trash(mover, requests)?;
        report.place = mover.describe();
        self.catalog.delete_photos(&report.moved_ids)?;
        Ok(report)
    }

    /// Put back the newest batch moved to the trash that still has files away (from any view
    /// or the CLI); journals each outcome. The restored files are indexed by the next scan.
    pub fn undo_trash(&self, mover: &dyn Mover) -> Result<UndoReport> {
        let journal = Journal::new(self.data_dir.root());
        let mut report = UndoReport::default();
        for outcome in journal.undo_last(mover)? {
            match outcome {
                RestoreOutcome::Restored(p) => report.restored.push(p),
                RestoreOutcome::Manual(p, why) => report.manual.push((p, why)),
            }
        }
        Ok(report)
    }

    /// The trash journal of this data dir.
    pub fn trash_journal(&self) -> Journal {
        Journal::new(self.data_dir.root())
    }
}
