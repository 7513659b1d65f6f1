//! Copy or move catalog photos to a folder ("Copy to folder…", "Move to folder…" on a
//! selection), and undo the last move — the one use case every front-end calls.
//!
//! **Never overwrites**: a name already taken in the folder becomes "name (2).jpg" (then 3, …);
//! a photo's companions (RAW/JPEG mate, Live Photo video, sidecars) travel with it and get the
//! same number, so they stay paired.
//!
//! **Safe across file systems** ([`files::move_file`]): on one file system a move is a hard link
//! then the removal of the source; across file systems it is a copy into a temporary file,
//! synced, compared with the source by hash and then published, and the source is removed only
//! after that. A copy is the same verified copy.
//!
//! **The catalog follows moves at once**: a photo moved into a library folder keeps its id, its
//! vectors and its place in results (its catalog path is updated); a photo moved out of every
//! library folder leaves the catalog (it is no longer in the library). Copies change nothing in
//! the catalog: a copy inside the library is indexed by the next scan (the watcher's, or F5),
//! which reuses the original's vectors by content hash.
//!
//! **Undo** ([`Library::undo_move`]): every move is journaled before it happens
//! ([`journal::MoveJournal`]); undo puts the newest batch back where it was and the catalog paths
//! with it. Photos that had left the library are back on disk and indexed again by the next
//! scan ([`MoveUndoReport::rescan`]). A file that cannot go back (something now at its old
//! path, or it is gone) is reported, never overwritten.

pub mod files;
pub mod journal;

#[cfg(test)]
mod tests;

pub use journal::{MoveEntry, MoveJournal};

use crate::core::error::{Error, Result};
use crate::core::library::Library;
use crate::core::progress::{CancelFlag, Progress, ProgressUpdate};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often progress is reported at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(150);

/// Copy or move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferKind {
    /// Copy: the originals stay where they are.
    Copy,
    /// Move: the originals leave their folder (journaled, undoable).
    Move,
}

impl TransferKind {
    /// "copy" or "move", for messages.
    pub fn verb(self) -> &'static str {
        match self {
            TransferKind::Copy => "copy",
            TransferKind::Move => "move",
        }
    }
}

/// What a copy or move did.
#[derive(Debug, Clone)]
pub struct TransferReport {
    /// Copy or move.
    pub kind: TransferKind,
    /// The destination folder.
    pub dest: PathBuf,
    /// Batch id (moves: what undo puts back).
    pub batch: String,
    /// Files done, as (from, to), companions included.
    pub done: Vec<(PathBuf, PathBuf)>,
    /// Catalog photos done.
    pub photos: usize,
    /// Files that took a numbered name because theirs was taken.
    pub renamed: usize,
    /// Bytes copied or moved.
    pub bytes: u64,
    /// Files left where they were, with why.
    pub failed: Vec<(PathBuf, String)>,
    /// Catalog photos moved out of every library folder (they left the catalog).
    pub left_library: Vec<i64>,
    /// Catalog photos moved within the library, with their new path.
    pub moved_in_library: Vec<(i64, PathBuf)>,
    /// Stopped before the end.
    pub cancelled: bool,
}

/// What an undo of a move did.
#[derive(Debug, Clone, Default)]
pub struct MoveUndoReport {
    /// Files back at their old path.
    pub restored: Vec<PathBuf>,
    /// Files that could not go back, with where they are and why.
    pub manual: Vec<(PathBuf, String)>,
    /// Catalog photos whose path was put back, with that path.
    pub catalog_restored: Vec<(i64, PathBuf)>,
    /// Some restored photos are not in the catalog (they had left the library): a scan indexes
    /// them again.
    pub rescan: bool,
}

/// One photo and the files that travel with it.
struct Group {
    id: i64,
    files: Vec<(Option<i64>, PathBuf)>,
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn name_of(p: &Path) -> String {
    p.file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned())
}

/// The group's names in `dest` with the smallest number that leaves every name free: the photo
/// as "stem (n).ext", companions sharing its stem with the same number.
fn free_names(dest: &Path, files: &[(Option<i64>, PathBuf)]) -> Vec<PathBuf> {
    let Some((_, photo)) = files.first() else {
        return Vec::new();
    };
    let stem = photo
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let names: Vec<String> = files.iter().map(|(_, p)| name_of(p)).collect();
    let name_at = |i: usize, n: u32| -> String {
        let name = &names[i];
        let shares_stem = name
            .get(..stem.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(&stem));
        match shares_stem.then(|| files::numbered_after(name, stem.len(), n)) {
            Some(Some(numbered)) => numbered,
            _ => files::numbered(name, n),
        }
    };
    for n in 1..100_000 {
        let candidate: Vec<PathBuf> = (0..names.len()).map(|i| dest.join(name_at(i, n))).collect();
        let distinct = candidate
            .iter()
            .enumerate()
            .all(|(i, c)| !candidate[..i].contains(c));
        if distinct && candidate.iter().all(|c| !files::taken(c)) {
            return candidate;
        }
    }
    // Unreachable in practice: fall back to per-file names far out of the way.
    (0..names.len())
        .map(|i| dest.join(files::numbered(&names[i], 100_000 + i as u32)))
        .collect()
}

impl Library {
    /// Copy or move the catalog photos `ids` (with their companions) into the folder `dest`,
    /// reporting progress and stopping at `cancel`. Moves take the data dir's writer lock, are
    /// journaled before each file moves, and update the catalog (see the module doc).
    pub fn transfer_photos(
        &mut self,
        kind: TransferKind,
        ids: &[i64],
        dest: &Path,
        progress: &dyn Progress,
        cancel: &CancelFlag,
    ) -> Result<TransferReport> {
        let dest = dest
            .canonicalize()
            .map_err(|e| Error::io("cannot open the folder", dest, e))?;
        if !dest.is_dir() {
            return Err(Error::Other(format!("{} is not a folder", dest.display())));
        }
        let _lock = match kind {
            TransferKind::Move => Some(self.data_dir.lock_writer()?),
            TransferKind::Copy => None,
        };
        let in_library = self.catalog.roots()?.iter().any(|r| dest.starts_with(r));
        let groups = self.groups(ids)?;
        let total: usize = groups.iter().map(|g| g.files.len()).sum();
        let journal = MoveJournal::new(self.data_dir.root());
        let mut report = TransferReport {
            kind,
            dest: dest.clone(),
            batch: format!("{}-{}", now_secs(), std::process::id()),
            done: Vec::new(),
            photos: 0,
            renamed: 0,
            bytes: 0,
            failed: Vec::new(),
            left_library: Vec::new(),
            moved_in_library: Vec::new(),
            cancelled: false,
        };
        let stage = match kind {
            TransferKind::Copy => "copying",
            TransferKind::Move => "moving",
        };
        let mut last = Instant::now();
        let mut done_files = 0u64;
        for group in &groups {
            if cancel.is_cancelled() {
                report.cancelled = true;
                break;
            }
            if kind == TransferKind::Move && group.files[0].1.parent().is_some_and(|d| d == dest) {
                report.failed.push((
                    group.files[0].1.clone(),
                    format!("it is already in {}", dest.display()),
                ));
                continue;
            }
            let targets = free_names(&dest, &group.files);
            for ((id, from), to) in group.files.iter().zip(targets) {
                if last.elapsed() >= PROGRESS_EVERY {
                    last = Instant::now();
                    progress.update(ProgressUpdate {
                        stage,
                        done: done_files,
                        total: Some(total as u64),
                        current: Some(name_of(from)),
                    });
                }
                done_files += 1;
                let renamed = to.file_name() != from.file_name();
                let outcome = match kind {
                    TransferKind::Copy => files::copy_verified(from, &to),
                    TransferKind::Move => {
                        let mut entry = MoveEntry {
                            op: "intent".into(),
                            batch: report.batch.clone(),
                            from: from.clone(),
                            to: to.clone(),
                            id: *id,
                            in_library,
                            time: now_secs(),
                            error: None,
                        };
                        journal.append(&entry)?;
                        let moved = files::move_file(from, &to);
                        entry.op = if moved.is_ok() { "moved" } else { "failed" }.into();
                        entry.error = moved.as_ref().err().map(ToString::to_string);
                        entry.time = now_secs();
                        journal.append(&entry)?;
                        moved
                    }
                };
                match outcome {
                    Ok(bytes) => {
                        report.bytes += bytes;
                        report.renamed += usize::from(renamed);
                        if *id == Some(group.id) {
                            report.photos += 1;
                        }
                        if kind == TransferKind::Move
                            && let Some(id) = *id
                        {
                            self.follow_move(id, &to, in_library, &mut report)?;
                        }
                        report.done.push((from.clone(), to));
                    }
                    Err(e) => report.failed.push((from.clone(), e.to_string())),
                }
            }
        }
        if !report.left_library.is_empty() {
            self.catalog.delete_photos(&report.left_library)?;
        }
        progress.update(ProgressUpdate {
            stage,
            done: done_files,
            total: Some(total as u64),
            current: None,
        });
        Ok(report)
    }

    /// Keep the catalog in step with one moved photo.
    fn follow_move(
        &mut self,
        id: i64,
        to: &Path,
        in_library: bool,
        report: &mut TransferReport,
    ) -> Result<()> {
        if in_library {
            let meta = std::fs::metadata(to).map_err(|e| Error::io("cannot read", to, e))?;
            self.catalog
                .move_photo(id, to, meta.len(), crate::core::scan::mtime_ns(&meta))?;
            report.moved_in_library.push((id, to.to_path_buf()));
        } else {
            report.left_library.push(id);
        }
        Ok(())
    }

    /// The photos `ids` (unknown ones skipped) with their companions, each file once.
    fn groups(&self, ids: &[i64]) -> Result<Vec<Group>> {
        let mut finder = crate::core::pairs::CompanionFinder::new();
        let mut seen = std::collections::HashSet::new();
        let mut groups = Vec::with_capacity(ids.len());
        for &id in ids {
            let Some(info) = self.catalog.photo(id)? else {
                continue;
            };
            if !seen.insert(info.path.clone()) {
                continue;
            }
            let mut files = vec![(Some(id), info.path.clone())];
            for c in finder.companions(&info.path) {
                if seen.insert(c.path.clone()) {
                    files.push((self.catalog.photo_id(&c.path)?, c.path));
                }
            }
            groups.push(Group { id, files });
        }
        Ok(groups)
    }

    /// Put the newest batch of moved files back where they were (newest first), and their
    /// catalog paths with them. Takes the data dir's writer lock. Never overwrites: a file
    /// whose old path is taken stays where it is and is reported.
    pub fn undo_move(&mut self) -> Result<MoveUndoReport> {
        let _lock = self.data_dir.lock_writer()?;
        let journal = MoveJournal::new(self.data_dir.root());
        let mut report = MoveUndoReport::default();
        for entry in journal.last_batch()?.into_iter().rev() {
            let outcome = if files::taken(&entry.from) {
                Err(format!(
                    "a file is now at its old path; it stays at {}",
                    entry.to.display()
                ))
            } else if !files::taken(&entry.to) {
                Err(format!(
                    "it is no longer at {} (moved or deleted since)",
                    entry.to.display()
                ))
            } else {
                entry
                    .from
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| files::move_file(&entry.to, &entry.from))
                    .map_err(|e| format!("{e}; it stays at {}", entry.to.display()))
            };
            let mut line = MoveEntry {
                time: now_secs(),
                ..entry.clone()
            };
            match outcome {
                Ok(_) => {
                    line.op = "restored".into();
                    self.restore_catalog_path(&entry, &mut report)?;
                    report.restored.push(entry.from.clone());
                }
                Err(why) => {
                    line.op = "restore-failed".into();
                    line.error = Some(why.clone());
                    report.manual.push((entry.from.clone(), why));
                }
            }
            journal.append(&line)?;
        }
        Ok(report)
    }

    /// After a file went back: its catalog photo's path too (when the catalog still has it at
    /// the moved-to path), else a scan must index it again.
    fn restore_catalog_path(
        &mut self,
        entry: &MoveEntry,
        report: &mut MoveUndoReport,
    ) -> Result<()> {
        let photo = match entry.id {
            Some(id) => self.catalog.photo(id)?,
            None => None,
        };
        match photo {
            Some(info) if info.path == entry.to => {
                let meta = std::fs::metadata(&entry.from)
                    .map_err(|e| Error::io("cannot read", &entry.from, e))?;
                self.catalog.move_photo(
                    info.id,
                    &entry.from,
                    meta.len(),
                    crate::core::scan::mtime_ns(&meta),
                )?;
                report.catalog_restored.push((info.id, entry.from.clone()));
            }
            _ => report.rescan |= entry.id.is_some() || !entry.in_library,
        }
        Ok(())
    }
}
