//! The move journal of a data dir (`moves-journal.jsonl`): one JSON line per step, appended and
//! synced — "intent" before a file moves, "moved" or "failed" after, "restored" or
//! "restore-failed" on undo — so a crash at any instant leaves a record of where each file is.

use crate::core::datadir::{append_json_line, last_batch_away, read_journal};
use crate::core::error::Result;
use std::path::{Path, PathBuf};

/// The journal's file name in the data dir.
pub const MOVES_JOURNAL: &str = "moves-journal.jsonl";

/// One line of the move journal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MoveEntry {
    /// "intent", "moved", "failed", "restored" or "restore-failed".
    pub op: String,
    /// One per move action: what one Undo puts back.
    pub batch: String,
    /// Where the file was.
    pub from: PathBuf,
    /// Where it goes (or went).
    pub to: PathBuf,
    /// Its catalog id, when it is a catalog photo.
    pub id: Option<i64>,
    /// Whether `to` is inside a library folder (the catalog follows the file), or outside (the
    /// photo left the catalog).
    pub in_library: bool,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// Why a step failed.
    pub error: Option<String>,
}

/// The append-only move journal.
#[derive(Debug, Clone)]
pub struct MoveJournal {
    path: PathBuf,
}

impl MoveJournal {
    /// The journal of the data dir `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(MOVES_JOURNAL),
        }
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one line and sync it.
    pub fn append(&self, entry: &MoveEntry) -> Result<()> {
        append_json_line(&self.path, entry)
    }

    /// Every line, oldest first; a torn last line is skipped.
    pub fn entries(&self) -> Result<Vec<MoveEntry>> {
        read_journal(&self.path, |l| serde_json::from_str(l).ok())
    }

    /// The "moved" lines of the newest batch that still has files away (no restore tried yet),
    /// in the order they moved.
    pub fn last_batch(&self) -> Result<Vec<MoveEntry>> {
        let entries = self.entries()?;
        Ok(last_batch_away(&entries, |e| (&e.batch, &e.op, &e.from)))
    }
}
