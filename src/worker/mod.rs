//! Long-lived background threads for the GUI: one job thread that owns the library (catalog),
//! the embedders and the vector index, and a small thumbnail pool.
//!
//! The UI talks to them only through typed [`Command`]s and [`Event`]s on bounded channels. The
//! UI side never blocks: [`WorkerHandle::send`] uses `try_send`, [`WorkerHandle::try_recv`] polls.
//! After every event the worker calls a waker closure (in the app: `ctx.request_repaint()`), so no
//! egui type crosses into this module and tests can pass a no-op waker.

pub mod dupes;
mod edits;
mod indexing;
pub mod job;
mod queries;
mod search;
mod snapshot;
mod tasks;
pub mod thumbnails;
mod transfers;
mod watcher;

pub use crate::core::query::{Hit, QuerySource};
pub use crate::core::text_search::TextQuery;

use crate::core::catalog::PhotoInfo;
use crate::core::dupes::DupeGroup;
use crate::core::indexer::IndexReport;
use crate::core::metadata::Exposure;
use crate::core::moves::{MoveUndoReport, TransferKind, TransferReport};
use crate::core::progress::CancelFlag;
use crate::core::trash::{TrashReport, UndoReport};
use crossbeam_channel::{Receiver, Sender, TrySendError};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Called after each event so the UI wakes up and drains it.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Capacity of the command channel (UI → job thread).
const COMMAND_CAPACITY: usize = 256;
/// Capacity of the event channel (job thread → UI).
const EVENT_CAPACITY: usize = 1024;

/// Requests from the UI to the job thread.
#[derive(Debug, Clone)]
pub enum Command {
    /// Add a library folder (persisted in the catalog) and scan.
    AddRoot(PathBuf),
    /// Forget a library folder and its photos (the files are not touched).
    RemoveRoot(PathBuf),
    /// Scan every library folder for new, changed and removed files.
    Rescan,
    /// Watch the library folders while the app is open and rescan a folder after changes in
    /// it (on), or only when asked (off). The worker starts with watching off.
    SetWatch(bool),
    /// Pause indexing (the writer lock stays held; queries still work).
    Pause,
    /// Resume a paused indexing run.
    Resume,
    /// Stop indexing after the current batch; everything done so far is kept.
    CancelIndexing,
    /// Find the `k` photos most similar to `source`; answered with [`Event::QueryResults`].
    Query {
        /// Chosen by the UI to match the answer with the request.
        id: u64,
        /// What to compare with.
        source: QuerySource,
        /// How many results.
        k: usize,
    },
    /// Find the `k` photos that best match words, or a photo and words ("like this, but …");
    /// answered with [`Event::QueryResults`] (or [`Event::QueryFailed`], e.g. without CLIP).
    TextQuery {
        /// Chosen by the UI to match the answer with the request.
        id: u64,
        /// The words, negative phrases and example photo.
        query: TextQuery,
        /// How many results.
        k: usize,
    },
    /// Narrow every later query's results to photos passing this filter (the window's filter;
    /// empty: all photos).
    SetFilter(crate::core::filter::PhotoFilter),
    /// List every indexed photo; answered with [`Event::Photos`].
    ListPhotos,
    /// List files that could not be indexed; answered with [`Event::Failures`].
    ListFailures,
    /// Read a photo's exposure from its EXIF (the info panel); answered with
    /// [`Event::PhotoDetails`].
    PhotoDetails(PathBuf),
    /// Switch the embedding model (re-embeds the library on the next scan, which starts at once).
    SetModel {
        /// Model spec: "descriptor", "lite0", "resnet50" or a weights file.
        spec: String,
        /// Compute device: "auto", "cpu", "cuda", "metal".
        device: String,
    },
    /// List the models and whether their weights are present; answered with [`Event::Models`].
    ListModels,
    /// Download a model's weights into the data dir (on its own thread).
    DownloadModel(String),
    /// Stop the download in progress (its partial file is kept: the next download resumes it).
    CancelDownload,
    /// Move catalog photos (by id) to the trash, journaled first, and drop them from the
    /// catalog and index (Results, Browse); answered with [`Event::Trashed`].
    Trash(Vec<i64>),
    /// Move the removable photos of duplicate groups (never a keeper or a protected photo) to
    /// the trash (Duplicates); answered with [`Event::Trashed`].
    TrashGroups(Vec<DupeGroup>),
    /// Put back the newest batch moved to the trash, from any view; answered with
    /// [`Event::Restored`], then the library is rescanned.
    UndoTrash,
    /// Copy or move catalog photos (with their companions) into a folder, never overwriting;
    /// moves are journaled and undoable. Answered with [`Event::TransferProgress`] then
    /// [`Event::Transferred`]. Moves wait for an indexing run to end; copies do not.
    Transfer {
        /// Copy or move.
        kind: TransferKind,
        /// Catalog ids, in the order shown.
        ids: Vec<i64>,
        /// The destination folder.
        dest: std::path::PathBuf,
    },
    /// Put back the newest batch of moved photos; answered with [`Event::MoveUndone`].
    UndoMove,
    /// Write `contents` atomically to `path` (settings), off the UI thread.
    WriteFile {
        /// Destination file.
        path: PathBuf,
        /// Bytes to write.
        contents: Vec<u8>,
    },
    /// A job of the duplicates view (scan, trash, undo...); answered with [`Event::Dupes`].
    Dupes(dupes::DupesCommand),
    /// Stop the job thread.
    Shutdown,
}

/// A progress snapshot of an indexing run, sampled about every 200 ms.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexProgress {
    /// "scanning", "indexing", "saving index".
    pub stage: String,
    /// Items done in this stage.
    pub done: u64,
    /// Items in this stage, when known.
    pub total: Option<u64>,
    /// Photos per second in the indexing stage.
    pub rate: f64,
    /// Estimated time left.
    pub eta: Option<Duration>,
    /// The file being worked on.
    pub current: Option<String>,
    /// Whether the run is paused.
    pub paused: bool,
    /// The library folders whose changes the watcher found, when the run is the watcher's
    /// answer to them (empty for a start-up scan or a rescan the user asked for).
    pub changes_in: Vec<PathBuf>,
}

/// What the UI needs to know about the library.
#[derive(Debug, Clone, Default)]
pub struct LibraryStatus {
    /// Indexed photos.
    pub photos: u64,
    /// Files that could not be indexed.
    pub failed: u64,
    /// Human label of the embedder answering queries.
    pub model_label: String,
    /// Spec of the active model ("descriptor"...).
    pub model_spec: String,
    /// Library folders.
    pub roots: Vec<PathBuf>,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The CLIP model that answers searches by words, when there is one.
    pub words_model: Option<String>,
    /// Why a CLIP file that is there could not be used.
    pub words_error: Option<String>,
}

/// A model the user can choose in the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelChoice {
    /// Spec to pass as the model ("descriptor", "lite0", "resnet50").
    pub name: String,
    /// What it is.
    pub description: String,
    /// Usable now (built in, or weights found).
    pub available: bool,
    /// Its weights can be downloaded.
    pub downloadable: bool,
    /// Approximate download size.
    pub approx_mb: Option<u32>,
}

/// Messages from the worker to the UI.
#[derive(Debug, Clone)]
pub enum Event {
    /// Counts, folders and model after any change.
    Status(LibraryStatus),
    /// Indexing started.
    IndexStarted,
    /// Indexing progress.
    Progress(IndexProgress),
    /// Indexing ended (also when cancelled: `report.cancelled`).
    IndexFinished(IndexReport),
    /// Indexing could not run or failed; the message is for a person.
    IndexFailed(String),
    /// The answer to [`Command::Query`].
    QueryResults {
        /// The request's id.
        id: u64,
        /// Best first.
        hits: Vec<Hit>,
        /// True when answered while indexing was running (results may grow later).
        partial: bool,
    },
    /// A query could not be answered.
    QueryFailed {
        /// The request's id.
        id: u64,
        /// For a person.
        message: String,
    },
    /// Every indexed photo (answer to [`Command::ListPhotos`]).
    Photos(Vec<PhotoInfo>),
    /// The bursts among the photos just listed (ids in capture order; see
    /// [`crate::core::bursts`]), sent after [`Event::Photos`].
    Bursts(Vec<Vec<i64>>),
    /// Files that failed, with reasons (answer to [`Command::ListFailures`]).
    Failures(Vec<(PathBuf, String)>),
    /// A photo's exposure (answer to [`Command::PhotoDetails`]).
    PhotoDetails {
        /// The photo asked about.
        path: PathBuf,
        /// Its exposure (empty without EXIF), or why the file could not be read.
        exposure: Result<Exposure, String>,
    },
    /// A trash action ended (any view): what moved (journaled first; undo with
    /// [`Command::UndoTrash`]) and what stayed.
    Trashed(TrashReport),
    /// Nothing could be moved (lock, journal or catalog error); the message is for a person.
    TrashFailed(String),
    /// An undo ended: what is back, what must be restored by hand.
    Restored(UndoReport),
    /// Files copied or moved so far (about every 150 ms during [`Command::Transfer`]).
    TransferProgress {
        /// Copy or move.
        kind: TransferKind,
        /// Files done.
        done: u64,
        /// Files in all.
        total: u64,
        /// The file being worked on.
        current: Option<String>,
    },
    /// A copy or move ended: what went where, what stayed.
    Transferred(TransferReport),
    /// An undo of a move ended.
    MoveUndone(MoveUndoReport),
    /// The models (answer to [`Command::ListModels`]).
    Models(Vec<ModelChoice>),
    /// Bytes of a model download so far.
    DownloadProgress {
        /// Model name.
        name: String,
        /// Bytes received.
        done: u64,
        /// Bytes expected, when the server says.
        total: Option<u64>,
    },
    /// A model download ended.
    DownloadFinished {
        /// Model name.
        name: String,
        /// Why it failed; `None` on success.
        error: Option<String>,
    },
    /// An answer of a duplicates job.
    Dupes(dupes::DupesEvent),
    /// Something a person should know that is not an error.
    Notice(String),
    /// Something failed; the message says what and what to do.
    Error(String),
}

/// Why a command could not be handed to the worker.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The queue is full (the worker is busy): try again.
    #[error("the background worker is busy; try again in a moment")]
    Busy,
    /// The worker has stopped (after a fatal error).
    #[error("the background worker has stopped; restart Lookalike")]
    Stopped,
}

/// How to start the worker.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The data directory (created if missing).
    pub data_dir: PathBuf,
    /// Model spec to use.
    pub model: String,
    /// Use the model the library was indexed with (e.g. from the CLI) instead of `model` when
    /// it has one: set when the user has made no choice in the GUI yet, so opening the GUI never
    /// starts re-embedding a library with another model.
    pub prefer_library_model: bool,
    /// Compute device.
    pub device: String,
    /// Folders to add to the library at start.
    pub add_roots: Vec<PathBuf>,
    /// Scan the library at start (resumes an interrupted run, picks up changes).
    pub scan_on_start: bool,
    /// Thumbnail decoder threads.
    pub thumb_threads: usize,
    /// Move trashed photos into this folder instead of the system trash (tests, a quarantine).
    pub trash_dir: Option<PathBuf>,
}

/// Shared stop switches, readable without going through the command queue.
#[derive(Debug, Default)]
pub(crate) struct Control {
    /// Stops the current indexing run.
    pub cancel: CancelFlag,
    /// Set when the worker must exit.
    pub shutdown: AtomicBool,
    /// Stops the current duplicate scan.
    pub dupes_cancel: CancelFlag,
    /// Stops the copy or move in progress (after the file being moved).
    pub transfer_cancel: CancelFlag,
}

/// Events out, with the waker called after each.
#[derive(Clone)]
pub(crate) struct EventSink {
    tx: Sender<Event>,
    waker: Waker,
}

impl EventSink {
    /// Send, waiting for room; false when the UI is gone.
    pub fn send(&self, event: Event) -> bool {
        let ok = self.tx.send(event).is_ok();
        (self.waker)();
        ok
    }
    /// Send unless the queue is full (for progress, which is superseded anyway).
    pub fn offer(&self, event: Event) {
        if self.tx.try_send(event).is_ok() {
            (self.waker)();
        }
    }
}

/// The UI's handle on the background threads. Dropping it stops them (indexing saves first).
pub struct WorkerHandle {
    commands: Sender<Command>,
    events: Receiver<Event>,
    control: Arc<Control>,
    /// Thumbnail and preview decoding.
    pub thumbs: thumbnails::ThumbnailPool,
    job: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    /// Start the job thread and the thumbnail pool.
    pub fn spawn(config: WorkerConfig, waker: Box<dyn Fn() + Send + Sync>) -> Self {
        let waker: Waker = Arc::from(waker);
        let (cmd_tx, cmd_rx) = crossbeam_channel::bounded(COMMAND_CAPACITY);
        let (ev_tx, ev_rx) = crossbeam_channel::bounded(EVENT_CAPACITY);
        let control = Arc::new(Control::default());
        let thumbs = thumbnails::ThumbnailPool::new(
            crate::core::datadir::DataDir::at(&config.data_dir).thumbs_dir(),
            config.thumb_threads,
            waker.clone(),
        );
        let sink = EventSink { tx: ev_tx, waker };
        let job_control = control.clone();
        let job = std::thread::Builder::new()
            .name("lookalike-job".into())
            .spawn(move || job::run(config, cmd_rx, sink, job_control))
            .ok();
        Self {
            commands: cmd_tx,
            events: ev_rx,
            control,
            thumbs,
            job,
        }
    }

    /// Queue a command without blocking.
    pub fn send(&self, command: Command) -> Result<(), SendError> {
        if self.job.is_none() {
            return Err(SendError::Stopped);
        }
        match self.commands.try_send(command) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(SendError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(SendError::Stopped),
        }
    }

    /// Stop the running duplicate scan (it answers with a "cancelled" failure).
    pub fn cancel_dupes_scan(&self) {
        self.control.dupes_cancel.cancel();
    }

    /// Stop the copy or move in progress after its current file.
    pub fn cancel_transfer(&self) {
        self.control.transfer_cancel.cancel();
    }

    /// The next event, if one is waiting.
    pub fn try_recv(&self) -> Option<Event> {
        self.events.try_recv().ok()
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.control.shutdown.store(true, Ordering::SeqCst);
        self.control.cancel.cancel();
        self.control.dupes_cancel.cancel();
        let _ = self.commands.try_send(Command::Shutdown);
        if let Some(job) = self.job.take() {
            // Keep draining so a job blocked on a full event queue can finish.
            while !job.is_finished() {
                while self.events.try_recv().is_ok() {}
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = job.join();
        }
    }
}
