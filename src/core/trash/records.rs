//! What the trash path records and reports: journal lines, requests, outcomes. The lowest
//! module of `trash`: it imports nothing from its siblings.

use std::path::PathBuf;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct JournalEntry {
    /// "intent" (about to move), "moved", "failed", "restored" or "restore-failed".
    pub op: String,
    /// Batch id (one per trash action), for undo.
    pub batch: String,
    /// The file's original absolute path.
    pub path: PathBuf,
    /// Content hash (hex), when known.
    pub hash: Option<String>,
    /// File size in bytes.
    pub bytes: u64,
    /// Where the file went, when the mover knows.
    pub trashed_to: Option<PathBuf>,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// Error text for failed operations.
    pub error: Option<String>,
}

/// What happened to one file on undo.
#[derive(Debug, Clone, PartialEq)]
pub enum RestoreOutcome {
    /// Back at its original path.
    Restored(PathBuf),
    /// Could not be restored automatically; the message says where the file is.
    Manual(PathBuf, String),
}

/// A file to move, with what the journal records about it.
#[derive(Debug, Clone)]
pub struct TrashRequest {
    /// Catalog id, when the file is a catalog photo (it leaves the catalog once moved).
    pub id: Option<i64>,
    /// Absolute path.
    pub path: PathBuf,
    /// Content hash (hex).
    pub hash: Option<String>,
    /// Size in bytes.
    pub bytes: u64,
}

/// Result of a trash action.
#[derive(Debug, Clone, Default)]
pub struct TrashReport {
    /// Batch id (for undo).
    pub batch: String,
    /// Files moved.
    pub moved: Vec<PathBuf>,
    /// Catalog ids of the photos moved (they have left the catalog).
    pub moved_ids: Vec<i64>,
    /// Files that could not be moved, with the reason.
    pub failed: Vec<(PathBuf, String)>,
    /// Bytes moved.
    pub bytes: u64,
    /// Where the files went, for messages ("the system trash", a folder).
    pub place: String,
}

/// Result of an undo.
#[derive(Debug, Clone, Default)]
pub struct UndoReport {
    /// Back at their paths (a rescan indexes them again).
    pub restored: Vec<PathBuf>,
    /// Left where they are, with what to do.
    pub manual: Vec<(PathBuf, String)>,
}
