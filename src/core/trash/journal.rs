//! The one trash journal of a data dir: a JSON-lines file, appended and synced before each move.
//!
//! Before each move, a line saying what is about to move is written and synced; after it, a line
//! saying it moved (and where, when known). Undo reads the newest batch that still has files
//! away back and journals each outcome. Earlier versions kept two journals: `dupes-journal.jsonl`
//! (this format) and, for Results/Browse, `trash-journal.jsonl` lines `{time_unix, id, path}`
//! written after the move. Both are read, so nothing trashed earlier becomes un-undoable, and
//! the first write merges them into this one file.

use super::mover::Mover;
use super::records::{JournalEntry, RestoreOutcome, TrashReport, TrashRequest};
use crate::core::datadir::{
    DataDir, append_json_line, json_line, last_batch_away, read_journal, write_atomic,
};
use crate::core::error::{Error, Result};
use std::path::{Path, PathBuf};

/// A line of the Results/Browse journal of earlier versions (written after the move).
#[derive(serde::Deserialize)]
struct LegacyLine {
    time_unix: i64,
    path: PathBuf,
}

impl From<LegacyLine> for JournalEntry {
    fn from(l: LegacyLine) -> Self {
        JournalEntry {
            op: "moved".into(),
            // One batch per second: a multi-photo action wrote its lines within the same second.
            batch: format!("legacy-{}", l.time_unix),
            path: l.path,
            hash: None,
            bytes: 0,
            trashed_to: None,
            time: l.time_unix,
            error: None,
        }
    }
}

/// Parse one journal line of either format; `None` for a torn or unknown line.
fn parse_line(line: &str) -> Option<JournalEntry> {
    serde_json::from_str::<JournalEntry>(line).ok().or_else(|| {
        serde_json::from_str::<LegacyLine>(line)
            .ok()
            .map(Into::into)
    })
}

/// One journal line, newline included.
fn read_entries(path: &Path) -> Result<Vec<JournalEntry>> {
    read_journal(path, parse_line)
}

pub(super) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The append-only journal in a data dir.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
    old_dupes: PathBuf,
}

impl Journal {
    /// The journal of `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        let layout = DataDir::at(data_dir);
        Self {
            path: layout.trash_journal_path(),
            old_dupes: layout.old_dupes_journal_path(),
        }
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Merge the journals of earlier versions into this one (oldest first), once, before the
    /// first write: the merged file is written atomically, then the old one is renamed aside.
    fn migrate(&self) -> Result<()> {
        let legacy_here = std::fs::read_to_string(&self.path)
            .map(|t| {
                t.lines()
                    .any(|l| serde_json::from_str::<LegacyLine>(l).is_ok())
            })
            .unwrap_or(false);
        if !self.old_dupes.exists() && !legacy_here {
            return Ok(());
        }
        let entries = self.entries()?;
        let mut text = Vec::new();
        for e in &entries {
            text.extend(json_line(e)?);
        }
        write_atomic(&self.path, &text)?;
        if self.old_dupes.exists() {
            let aside = self.old_dupes.with_extension("jsonl.merged");
            std::fs::rename(&self.old_dupes, &aside)
                .map_err(|e| Error::io("cannot rename", &self.old_dupes, e))?;
        }
        Ok(())
    }

    fn append(&self, entry: &JournalEntry) -> Result<()> {
        append_json_line(&self.path, entry)
    }

    /// Every entry, oldest first; unreadable lines (a torn last write) are skipped.
    /// Lines of the journals of earlier versions are included, merged by time.
    pub fn entries(&self) -> Result<Vec<JournalEntry>> {
        let mut entries = read_entries(&self.path)?;
        if self.old_dupes.exists() {
            let mut old = read_entries(&self.old_dupes)?;
            old.append(&mut entries);
            // Stable: lines of one file keep their order within a second.
            old.sort_by_key(|e| e.time);
            // A merge whose old file could not be renamed aside leaves its lines in both.
            let mut seen = std::collections::HashSet::new();
            old.retain(|e| seen.insert(e.clone()));
            entries = old;
        }
        Ok(entries)
    }

    /// Move `files` with `mover`, journaling each move before it happens.
    pub fn trash(&self, mover: &dyn Mover, files: &[TrashRequest]) -> Result<TrashReport> {
        self.migrate()?;
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
                    report.moved_ids.extend(f.id);
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

    /// The files of the newest batch that still has files away (moved, and no restore tried
    /// yet: a file that could not be restored was reported with where it is, once, so it does
    /// not block undoing older batches).
    pub fn last_batch(&self) -> Result<Vec<JournalEntry>> {
        let entries = self.entries()?;
        Ok(last_batch_away(&entries, |e| (&e.batch, &e.op, &e.path)))
    }

    /// Undo the newest batch that still has files away; journals each outcome.
    pub fn undo_last(&self, mover: &dyn Mover) -> Result<Vec<RestoreOutcome>> {
        self.migrate()?;
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
