//! Duplicate finding for the GUI, run by the job thread: the candidate-graph scan (with progress
//! and its own cancel flag), saving the ignore list, and the difference image of the compare
//! view. Moving marked photos to the trash and undo go through the one trash path of the job
//! (`edits.rs`, core's [`crate::core::trash`]).
//!
//! Regrouping with other thresholds is not here: it only reads the graph the scan returned, which
//! is cheap enough for the UI thread (see [`crate::core::dupes::groups`]).

use super::indexing::PROGRESS_EVERY;
use super::{Control, Event, EventSink};
use crate::core::dupes::diff_image::{DiffImages, diff_files};
use crate::core::dupes::{self, CandidateGraph, GraphOptions, IgnoreList};
use crate::core::library::Library;
use crate::core::progress::{Progress, ProgressUpdate};
use std::path::PathBuf;
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

/// Run one duplicates command on the job thread.
pub(super) fn handle(lib: &Library, sink: &EventSink, control: &Control, cmd: DupesCommand) {
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
        }
        DupesCommand::SaveIgnore(list) => {
            if let Err(e) = list.save() {
                sink.send(Event::Error(format!(
                    "Cannot save the \"not a duplicate\" marks in {}: {e}",
                    lib.data_dir.dupes_ignore_path().display()
                )));
            }
        }
        DupesCommand::Diff { a, b } => {
            let result = diff_files(&a, &b);
            sink.send(Event::Dupes(DupesEvent::Diff { a, b, result }));
        }
    }
}
