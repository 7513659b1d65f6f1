//! Duplicate finding for the GUI, run by the job thread: the candidate-graph scan (with progress
//! and its own cancel flag), moving marked photos to the trash with the journal, undo, saving the
//! ignore list, and the difference image of the compare view.
//!
//! Regrouping with other thresholds is not here: it only reads the graph the scan returned, which
//! is cheap enough for the UI thread (see [`crate::core::dupes::groups`]).

use super::hook::PROGRESS_EVERY;
use super::thumbnails::ThumbPixels;
use super::{Control, Event, EventSink};
use crate::core::dupes::trash::{FolderTrash, Journal, Mover, RestoreOutcome, SystemTrash};
use crate::core::dupes::{self, CandidateGraph, DupeGroup, GraphOptions, IgnoreList};
use crate::core::image_io;
use crate::core::index::VectorIndex;
use crate::core::library::Library;
use crate::core::progress::{Progress, ProgressUpdate};
use image::RgbImage;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Longest side of the images the difference is computed on.
pub const DIFF_SIDE_PX: u32 = 768;
/// Differences up to this (of 255) are re-compression noise and stay dark.
const DIFF_NOISE: f32 = 10.0;
/// How much a difference is amplified to be visible.
const DIFF_GAIN: f32 = 4.0;

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
        /// The image (bright where they differ), or why it could not be made.
        result: Result<ThumbPixels, String>,
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
            let result = diff_files(&a, &b);
            sink.send(Event::Dupes(DupesEvent::Diff { a, b, result }));
            After::Nothing
        }
    }
}

/// Decode an upright photo with its longer side at most [`DIFF_SIDE_PX`].
fn load_small(path: &Path) -> Result<RgbImage, String> {
    let bytes = image_io::read_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let decoded = image_io::decode_named(&bytes, path, DIFF_SIDE_PX)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(image_io::fit_within(&decoded.image, DIFF_SIDE_PX))
}

/// The difference highlight of two files (see [`diff_image`]).
pub fn diff_files(a: &Path, b: &Path) -> Result<ThumbPixels, String> {
    let (a, b) = (load_small(a)?, load_small(b)?);
    let d = diff_image(&a, &b);
    let (w, h) = d.dimensions();
    Ok(ThumbPixels {
        size: [w as usize, h as usize],
        rgb: d.into_raw(),
    })
}

/// `b` is resized onto `a`'s frame; the result is `a` in dim grey with |a−b| (largest channel,
/// amplified) painted over it from red to yellow, so identical areas stay dark.
pub fn diff_image(a: &RgbImage, b: &RgbImage) -> RgbImage {
    let (w, h) = a.dimensions();
    let b = image_io::resize_exact(b, w, h);
    // Match b's tone to a's per channel (mean and contrast), so a brightened or re-graded copy
    // shows the local edits (a caption, a crop edge) rather than one uniform glow.
    let (ma, sa) = channel_stats(a);
    let (mb, sb) = channel_stats(&b);
    let gain: [f32; 3] = std::array::from_fn(|i| if sb[i] > 1.0 { sa[i] / sb[i] } else { 1.0 });
    let mut out = RgbImage::new(w, h);
    for ((pa, pb), po) in a.pixels().zip(b.pixels()).zip(out.pixels_mut()) {
        let d = (0..3)
            .map(|i| {
                let bt = (f32::from(pb.0[i]) - mb[i]) * gain[i] + ma[i];
                (f32::from(pa.0[i]) - bt).abs()
            })
            .fold(0.0f32, f32::max);
        let t = ((d - DIFF_NOISE) * DIFF_GAIN / 255.0).clamp(0.0, 1.0);
        let grey =
            (0.299 * f32::from(pa.0[0]) + 0.587 * f32::from(pa.0[1]) + 0.114 * f32::from(pa.0[2]))
                * 0.3;
        let r = grey * (1.0 - t) + 255.0 * t;
        let g = grey * (1.0 - t) + 255.0 * (t - 0.5).max(0.0) * 2.0 * t;
        let bl = grey * (1.0 - t);
        po.0 = [r as u8, g as u8, bl as u8];
    }
    out
}

/// Mean and standard deviation of each channel.
fn channel_stats(img: &RgbImage) -> ([f32; 3], [f32; 3]) {
    let n = (img.width() as f64 * img.height() as f64).max(1.0);
    let mut sum = [0f64; 3];
    let mut sq = [0f64; 3];
    for p in img.pixels() {
        for i in 0..3 {
            let v = f64::from(p.0[i]);
            sum[i] += v;
            sq[i] += v * v;
        }
    }
    let mean: [f64; 3] = std::array::from_fn(|i| sum[i] / n);
    let sd: [f32; 3] =
        std::array::from_fn(|i| (sq[i] / n - mean[i] * mean[i]).max(0.0).sqrt() as f32);
    (mean.map(|m| m as f32), sd)
}

/// Where trashed files of the GUI go, for messages.
pub fn describe_trash(trash_dir: Option<&Path>) -> String {
    mover(trash_dir).describe()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn diff_is_dark_where_equal_and_bright_where_different() {
        let a = RgbImage::from_fn(8, 8, |x, y| Rgb([90 + 4 * x as u8, 110 + 3 * y as u8, 140]));
        let mut b = a.clone();
        for x in 0..2 {
            for y in 0..2 {
                b.put_pixel(x, y, Rgb([250, 20, 20]));
            }
        }
        let d = diff_image(&a, &b);
        let same = d.get_pixel(6, 4).0;
        let differs = d.get_pixel(1, 1).0;
        assert!(same[0] < 90, "equal area is dim: {same:?}");
        assert!(differs[0] > 150, "different area is bright: {differs:?}");
        // A uniformly brighter copy is not a difference.
        let mut bright = a.clone();
        for p in bright.pixels_mut() {
            p.0 = p.0.map(|v| v.saturating_add(30));
        }
        let d = diff_image(&a, &bright);
        assert!(d.pixels().all(|p| p.0[0] < 90), "tone is matched first");
        // A smaller copy is resized onto the first frame.
        let small = image_io::resize_exact(&a, 4, 4);
        assert_eq!(diff_image(&a, &small).dimensions(), (8, 8));
    }
}
