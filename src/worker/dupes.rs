//! Duplicate finding for the GUI, run by the job thread: the candidate-graph scan (with progress
//! and its own cancel flag), moving marked photos to the trash with the journal, undo, saving the
//! ignore list, and the difference image of the compare view.
//!
//! Regrouping with other thresholds is not here: it only reads the graph the scan returned, which
//! is cheap enough for the UI thread (see [`crate::core::dupes::groups`]).

use super::diff::DiffImages;
use super::hook::PROGRESS_EVERY;
use super::{Control, Event, EventSink};
use crate::core::dupes::trash::{FolderTrash, Journal, Mover, RestoreOutcome, SystemTrash};
use crate::core::dupes::{self, CandidateGraph, DupeGroup, GraphOptions, IgnoreList};
use crate::core::index::VectorIndex;
use crate::core::library::Library;
use crate::core::progress::{Progress, ProgressUpdate};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Requests of the duplicates view.
#[derive(Debug, Clone)]
pub enum DupesCommand {
    /// Build the candidate graph; answered with [`DupesEvent::Scanned`] or `ScanFailed`.
    Scan {
        /// Also look for mirrored and quarter-turned copies.
        mirror: bool,
    },
    /// Move the removable members of `groups` (all but `keep`, never protected ones) away.
    Trash {
        /// Groups cut down to the kept photo plus the marked ones.
        groups: Vec<DupeGroup>,
        /// A plain folder to move files into instead of the system trash (tests, quarantine).
        trash_dir: Option<PathBuf>,
    },
    /// Put back the newest batch that still has files away, then rescan the library.
    Undo {
        /// Must match the `trash_dir` the batch was moved with.
        trash_dir: Option<PathBuf>,
    },
    /// Persist the "not a duplicate" marks.
    SaveIgnore(IgnoreList),
    /// Compute the difference highlight of two photos.
    Diff {
        /// Left photo.
        a: PathBuf,
        /// Right photo.
        b: PathBuf,
    },
}

/// Answers of the duplicate jobs.
#[derive(Debug, Clone)]
pub enum DupesEvent {
    /// Scan progress, about every 200 ms.
    Progress {
        /// Stage name from the core.
        stage: String,
        /// Items done in this stage.
        done: u64,
        /// Items in this stage, when known.
        total: Option<u64>,
    },
    /// The graph; regroup it with any thresholds.
    Scanned(Arc<CandidateGraph>),
    /// The scan could not run; the message is for a person.
    ScanFailed(String),
    /// The scan was cancelled.
    ScanCancelled,
    /// Files moved (the journal was written first).
    Trashed {
        /// Journal batch id.
        batch: String,
        /// Files moved away.
        moved: Vec<PathBuf>,
        /// Files that stayed, with the reason.
        failed: Vec<(PathBuf, String)>,
        /// Bytes moved.
        bytes: u64,
        /// Where they went, for the message.
        place: String,
    },
    /// Nothing could be moved (lock, journal or catalog error).
    TrashFailed(String),
    /// Result of an undo.
    Restored {
        /// Back at their paths.
        restored: Vec<PathBuf>,
        /// Left where they are, with what to do.
        manual: Vec<(PathBuf, String)>,
    },
    /// The difference image of two photos.
    Diff {
        /// Left photo.
        a: PathBuf,
        /// Right photo.
        b: PathBuf,
        /// The images (difference highlight, B aligned onto A), or why they could not be made.
        result: Result<DiffImages, String>,
    },
}

/// The trash to use: a plain folder when asked (tests), the system trash otherwise.
pub fn mover(trash_dir: Option<&Path>) -> Box<dyn Mover> {
    match trash_dir {
        Some(dir) => Box::new(FolderTrash::new(dir)),
        None => Box::new(SystemTrash),
    }
}

/// Samples the scan's progress for the UI.
struct ScanProgress<'a> {
    sink: &'a EventSink,
    last: Mutex<Option<Instant>>,
}

impl Progress for ScanProgress<'_> {
    fn update(&self, u: ProgressUpdate) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_some_and(|t| t.elapsed() < PROGRESS_EVERY) {
            return;
        }
        *last = Some(Instant::now());
        self.sink.offer(Event::Dupes(DupesEvent::Progress {
            stage: u.stage.to_string(),
            done: u.done,
            total: u.total,
        }));
    }
}

/// What the job thread must do after a duplicates command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum After {
    /// Nothing more.
    Nothing,
    /// The catalog changed: send a fresh status.
    Status,
    /// Files came back: rescan the library so they are indexed again.
    Rescan,
}

/// Run one duplicates command on the job thread.
pub(super) fn handle(
    lib: &mut Library,
    index: &mut Option<VectorIndex>,
    sink: &EventSink,
    control: &Control,
    cmd: DupesCommand,
) -> After {
    match cmd {
        DupesCommand::Scan { mirror } => {
            control.dupes_cancel.reset();
            let opts = GraphOptions::with_mirror(mirror);
            let progress = ScanProgress {
                sink,
                last: Mutex::new(None),
            };
            let ev = match dupes::scan(lib, &opts, &progress, &control.dupes_cancel) {
                Ok(_) if control.dupes_cancel.is_cancelled() => DupesEvent::ScanCancelled,
                Ok(graph) => DupesEvent::Scanned(Arc::new(graph)),
                Err(_) if control.dupes_cancel.is_cancelled() => DupesEvent::ScanCancelled,
                Err(e) => DupesEvent::ScanFailed(format!("Cannot look for duplicates: {e}")),
            };
            sink.send(Event::Dupes(ev));
            After::Nothing
        }
        DupesCommand::Trash { groups, trash_dir } => {
            let mover = mover(trash_dir.as_deref());
            let ids: HashMap<PathBuf, i64> = groups
                .iter()
                .flat_map(|g| g.members.iter())
                .map(|m| (m.photo.path.clone(), m.photo.id))
                .collect();
            let ev = match dupes::trash_groups(lib, mover.as_ref(), &groups) {
                Ok(report) => {
                    if let Some(index) = index {
                        for p in &report.moved {
                            if let Some(id) = ids.get(p) {
                                index.remove(*id);
                            }
                        }
                    }
                    DupesEvent::Trashed {
                        batch: report.batch,
                        moved: report.moved,
                        failed: report.failed,
                        bytes: report.bytes,
                        place: mover.describe(),
                    }
                }
                Err(e) => DupesEvent::TrashFailed(format!("Nothing was moved: {e}")),
            };
            sink.send(Event::Dupes(ev));
            After::Status
        }
        DupesCommand::Undo { trash_dir } => {
            let mover = mover(trash_dir.as_deref());
            let journal = Journal::new(lib.data_dir.root());
            match journal.undo_last(mover.as_ref()) {
                Ok(outcomes) => {
                    let (mut restored, mut manual) = (Vec::new(), Vec::new());
                    for o in outcomes {
                        match o {
                            RestoreOutcome::Restored(p) => restored.push(p),
                            RestoreOutcome::Manual(p, why) => manual.push((p, why)),
                        }
                    }
                    let any = !restored.is_empty();
                    sink.send(Event::Dupes(DupesEvent::Restored { restored, manual }));
                    if any { After::Rescan } else { After::Nothing }
                }
                Err(e) => {
                    sink.send(Event::Error(format!(
                        "Cannot undo: the journal {} could not be used ({e})",
                        journal.path().display()
                    )));
                    After::Nothing
                }
            }
        }
        DupesCommand::SaveIgnore(list) => {
            if let Err(e) = list.save() {
                sink.send(Event::Error(format!(
                    "Cannot save the \"not a duplicate\" marks in {}: {e}",
                    lib.data_dir
                        .root()
                        .join(dupes::ignore::IGNORE_FILE)
                        .display()
                )));
            }
            After::Nothing
        }
        DupesCommand::Diff { a, b } => {
            let result = super::diff::diff_files(&a, &b);
            sink.send(Event::Dupes(DupesEvent::Diff { a, b, result }));
            After::Nothing
        }
    }
}

/// Where trashed files of the GUI go, for messages.
pub fn describe_trash(trash_dir: Option<&Path>) -> String {
    mover(trash_dir).describe()
}
