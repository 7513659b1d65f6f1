//! Moving duplicates to the trash, with an undo journal.
//!
//! Nothing is ever deleted: files go to the system trash (the `trash` crate) through a [`Mover`].
//! Before each move, a line saying what is about to move is appended to a JSON-lines journal in
//! the data dir and synced; after it, a line saying it moved (and where, when known). Undo reads
//! the last batch back and asks the mover to restore it; where the platform cannot restore, the
//! outcome says where each file went. Tests use [`FolderTrash`], never the user's trash.

use crate::core::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// File name of the journal in the data dir.
pub const JOURNAL_FILE: &str = "dupes-journal.jsonl";

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
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

/// Moves files out of the library and back. Implemented by the system trash and, for tests,
/// by a plain folder.
pub trait Mover: Send + Sync {
    /// Move one file away; returns its new location when known.
    fn trash(&self, path: &Path) -> std::io::Result<Option<PathBuf>>;
    /// Put back files moved earlier (entries are "moved" lines of the journal).
    fn restore(&self, entries: &[JournalEntry]) -> Vec<RestoreOutcome>;
    /// Where files go, for messages ("the system trash", a folder).
    fn describe(&self) -> String;
}

/// The real system trash.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemTrash;

impl Mover for SystemTrash {
    fn trash(&self, path: &Path) -> std::io::Result<Option<PathBuf>> {
        trash::delete(path).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(None)
    }

    fn restore(&self, entries: &[JournalEntry]) -> Vec<RestoreOutcome> {
        restore_from_system_trash(entries)
    }

    fn describe(&self) -> String {
        "the system trash".into()
    }
}

#[cfg(any(
    target_os = "windows",
    all(
        unix,
        not(target_os = "macos"),
        not(target_os = "ios"),
        not(target_os = "android")
    )
))]
fn restore_from_system_trash(entries: &[JournalEntry]) -> Vec<RestoreOutcome> {
    let manual = |p: &Path, why: String| {
        RestoreOutcome::Manual(
            p.to_path_buf(),
            format!("{why}; restore it from the system trash"),
        )
    };
    let items = match trash::os_limited::list() {
        Ok(items) => items,
        Err(e) => {
            return entries
                .iter()
                .map(|en| manual(&en.path, format!("cannot read the trash ({e})")))
                .collect();
        }
    };
    let mut out = Vec::new();
    for en in entries {
        // The newest trashed item with this original path, deleted no earlier than the journal says.
        let found = items
            .iter()
            .filter(|it| it.original_path() == en.path && it.time_deleted >= en.time - 5)
            .max_by_key(|it| it.time_deleted)
            .cloned();
        let outcome = match found {
            None => manual(&en.path, "not found in the trash (emptied?)".into()),
            Some(_) if en.path.exists() => manual(&en.path, "a file now exists at its path".into()),
            Some(item) => match trash::os_limited::restore_all([item]) {
                Ok(()) => RestoreOutcome::Restored(en.path.clone()),
                Err(e) => manual(&en.path, format!("restore failed ({e})")),
            },
        };
        out.push(outcome);
    }
    out
}

#[cfg(not(any(
    target_os = "windows",
    all(
        unix,
        not(target_os = "macos"),
        not(target_os = "ios"),
        not(target_os = "android")
    )
)))]
fn restore_from_system_trash(entries: &[JournalEntry]) -> Vec<RestoreOutcome> {
    entries
        .iter()
        .map(|en| {
            RestoreOutcome::Manual(
                en.path.clone(),
                "this platform cannot restore automatically; use \"Put Back\" in the Trash".into(),
            )
        })
        .collect()
}

/// A trash that is a plain folder: files are renamed into it (same file system) and back. For
/// tests, and for users who prefer a quarantine folder.
#[derive(Debug, Clone)]
pub struct FolderTrash {
    dir: PathBuf,
}

impl FolderTrash {
    /// A trash folder at `dir` (created on first use).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }
}

impl Mover for FolderTrash {
    fn trash(&self, path: &Path) -> std::io::Result<Option<PathBuf>> {
        std::fs::create_dir_all(&self.dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let mut target = self.dir.join(&name);
        let mut n = 1;
        while target.exists() {
            target = self.dir.join(format!("{n}-{name}"));
            n += 1;
        }
        std::fs::rename(path, &target)?;
        Ok(Some(target))
    }

    fn restore(&self, entries: &[JournalEntry]) -> Vec<RestoreOutcome> {
        entries
            .iter()
            .map(|en| match &en.trashed_to {
                Some(from) if !en.path.exists() => match std::fs::rename(from, &en.path) {
                    Ok(()) => RestoreOutcome::Restored(en.path.clone()),
                    Err(e) => RestoreOutcome::Manual(
                        en.path.clone(),
                        format!("cannot move it back ({e}); it is at {}", from.display()),
                    ),
                },
                Some(from) => RestoreOutcome::Manual(
                    en.path.clone(),
                    format!(
                        "a file now exists at its path; the trashed copy is at {}",
                        from.display()
                    ),
                ),
                None => RestoreOutcome::Manual(en.path.clone(), "its location is unknown".into()),
            })
            .collect()
    }

    fn describe(&self) -> String {
        self.dir.display().to_string()
    }
}

/// A file to move, with what the journal records about it.
#[derive(Debug, Clone)]
pub struct TrashRequest {
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
    /// Files that could not be moved, with the reason.
    pub failed: Vec<(PathBuf, String)>,
    /// Bytes moved.
    pub bytes: u64,
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The append-only journal in a data dir.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// The journal of `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(JOURNAL_FILE),
        }
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn append(&self, entry: &JournalEntry) -> Result<()> {
        let mut line = serde_json::to_vec(entry)
            .map_err(|e| Error::Other(format!("cannot encode a journal line: {e}")))?;
        line.push(b'\n');
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| Error::io("cannot open", &self.path, e))?;
        f.write_all(&line)
            .and_then(|()| f.sync_data())
            .map_err(|e| Error::io("cannot write", &self.path, e))
    }

    /// Every entry, oldest first; unreadable lines (a torn last write) are skipped.
    pub fn entries(&self) -> Result<Vec<JournalEntry>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io("cannot read", &self.path, e)),
        };
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }

    /// Move `files` with `mover`, journaling each move before it happens.
    pub fn trash(&self, mover: &dyn Mover, files: &[TrashRequest]) -> Result<TrashReport> {
        let batch = format!("{}-{}", now_secs(), std::process::id());
        let mut report = TrashReport {
            batch: batch.clone(),
            ..TrashReport::default()
        };
        for f in files {
            let mut entry = JournalEntry {
                op: "intent".into(),
                batch: batch.clone(),
                path: f.path.clone(),
                hash: f.hash.clone(),
                bytes: f.bytes,
                trashed_to: None,
                time: now_secs(),
                error: None,
            };
            self.append(&entry)?;
            match mover.trash(&f.path) {
                Ok(to) => {
                    entry.op = "moved".into();
                    entry.trashed_to = to;
                    report.moved.push(f.path.clone());
                    report.bytes += f.bytes;
                }
                Err(e) => {
                    entry.op = "failed".into();
                    entry.error = Some(e.to_string());
                    report.failed.push((f.path.clone(), e.to_string()));
                }
            }
            entry.time = now_secs();
            self.append(&entry)?;
        }
        Ok(report)
    }

    /// The files of the newest batch that still has files away (moved, not restored yet).
    pub fn last_batch(&self) -> Result<Vec<JournalEntry>> {
        let entries = self.entries()?;
        let mut batches: Vec<&str> = Vec::new();
        for e in entries.iter().rev() {
            if e.op == "moved" && !batches.contains(&e.batch.as_str()) {
                batches.push(&e.batch);
            }
        }
        for batch in batches {
            let back = |p: &PathBuf| {
                entries
                    .iter()
                    .any(|e| e.batch == batch && e.op == "restored" && &e.path == p)
            };
            let away: Vec<JournalEntry> = entries
                .iter()
                .filter(|e| e.batch == batch && e.op == "moved" && !back(&e.path))
                .cloned()
                .collect();
            if !away.is_empty() {
                return Ok(away);
            }
        }
        Ok(Vec::new())
    }

    /// Undo the newest batch that still has files away; journals each outcome.
    pub fn undo_last(&self, mover: &dyn Mover) -> Result<Vec<RestoreOutcome>> {
        let batch = self.last_batch()?;
        let outcomes = mover.restore(&batch);
        for (entry, outcome) in batch.iter().zip(&outcomes) {
            let mut e = entry.clone();
            e.time = now_secs();
            match outcome {
                RestoreOutcome::Restored(_) => e.op = "restored".into(),
                RestoreOutcome::Manual(_, why) => {
                    e.op = "restore-failed".into();
                    e.error = Some(why.clone());
                }
            }
            self.append(&e)?;
        }
        Ok(outcomes)
    }
}
