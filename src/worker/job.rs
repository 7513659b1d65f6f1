//! The job thread: owns the [`Library`], the embedders and the query indexes as plain values
//! and handles every command in one place ([`Job::handle`]).
//!
//! Indexing runs on its own thread ([`IndexRun`]) with its own catalog connection and reports
//! progress to the UI directly. While it runs, the job thread answers read-only commands
//! (queries — from the snapshot or the committed vectors, marked partial —, listings, models,
//! settings, the compare view's difference image), steers the run (pause, resume, cancel), and
//! defers commands that write the catalog until the run ends.

use super::indexing::{IndexRun, RunEnded};
use super::search::QueryIndexes;
use super::tasks::{list_models, spawn_download, status_of, write_file};
use super::watcher::{LibraryWatcher, WatchReport};
use super::{Command, Control, Event, EventSink, LibraryStatus, WorkerConfig};
use crate::core::embed::registry::{self, ActiveEmbedders};
use crate::core::filter::PhotoFilter;
use crate::core::library::Library;
use crate::core::moves::TransferKind;
use crate::core::progress::CancelFlag;
use crate::core::timeline;
use crossbeam_channel::{Receiver, Sender};
use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often live counts are sent while indexing.
const STATUS_EVERY: Duration = Duration::from_secs(1);

/// Entry point of the job thread.
pub(crate) fn run(
    config: WorkerConfig,
    commands: Receiver<Command>,
    sink: EventSink,
    control: Arc<Control>,
) {
    timeline::mark("worker started");
    let lib = match Library::open(Some(config.data_dir.clone())) {
        Ok(lib) => lib,
        Err(e) => {
            sink.send(Event::Error(format!(
                "Cannot open the data folder {}: {e}. Choose another with --data-dir.",
                config.data_dir.display()
            )));
            refuse_all(&commands, &sink);
            return;
        }
    };
    timeline::mark("catalog opened");
    for notice in &lib.notices {
        sink.send(Event::Notice(notice.clone()));
    }
    let mut config = config;
    if config.prefer_library_model
        && let Ok(Some(stored)) = lib.stored_model()
    {
        config.model = stored;
    }
    // Show the library at once; loading a CNN can take a moment.
    if let Ok((photos, failed)) = lib.catalog.counts() {
        sink.send(Event::Status(LibraryStatus {
            photos,
            failed,
            model_label: format!("{} (loading…)", config.model),
            model_spec: config.model.clone(),
            roots: lib.catalog.roots().unwrap_or_default(),
            data_dir: lib.data_dir.root().to_path_buf(),
            words_model: None,
            words_error: None,
        }));
    }
    let active = match registry::build(&config.model, lib.data_dir.root(), &config.device) {
        Ok(a) => a,
        Err(e) => {
            sink.send(Event::Error(format!(
                "The model `{}` cannot be used ({e}); using the descriptor instead.",
                config.model
            )));
            match registry::build(registry::DEFAULT_SPEC, lib.data_dir.root(), "cpu") {
                Ok(a) => a,
                Err(e) => {
                    sink.send(Event::Error(format!("No embedder can be built: {e}")));
                    refuse_all(&commands, &sink);
                    return;
                }
            }
        }
    };
    // Start reading the vectors now: the first query (often given on the command line) is
    // answered from them while the start-up rescan walks the library.
    timeline::mark(format_args!("embedder {} ready", active.primary().id()));
    let indexes = QueryIndexes::new(&lib, &active);
    let (ended_tx, ended_rx) = crossbeam_channel::bounded(1);
    let (watch_tx, watch_rx) = crossbeam_channel::unbounded();
    let mut job = Job {
        lib,
        active: Arc::new(active),
        device: config.device.clone(),
        indexes,
        sink,
        control,
        commands,
        pending: VecDeque::new(),
        run: None,
        ended_tx,
        ended_rx,
        trash_dir: config.trash_dir.clone(),
        download_cancel: CancelFlag::new(),
        watcher: None,
        watch_tx,
        watch_rx,
        changed: BTreeSet::new(),
        filter: PhotoFilter::default(),
    };
    let mut added = false;
    for root in &config.add_roots {
        added |= job.add_root(root);
    }
    job.send_status();
    if added || config.scan_on_start {
        job.scan();
    }
    job.main_loop();
}

/// After a fatal start-up error: answer queries with an error until shut down.
fn refuse_all(commands: &Receiver<Command>, sink: &EventSink) {
    for cmd in commands.iter() {
        match cmd {
            Command::Shutdown => return,
            Command::Query { id, .. } => {
                sink.send(Event::QueryFailed {
                    id,
                    message: "the library could not be opened".into(),
                });
            }
            _ => {}
        }
    }
}

/// The job thread's state.
pub(super) struct Job {
    pub(super) lib: Library,
    pub(super) active: Arc<ActiveEmbedders>,
    pub(super) device: String,
    /// How queries search each embedder's vectors.
    pub(super) indexes: QueryIndexes,
    /// What queries' results must pass (the window's filter).
    pub(super) filter: PhotoFilter,
    pub(super) sink: EventSink,
    pub(super) control: Arc<Control>,
    commands: Receiver<Command>,
    /// Commands that write, deferred while indexing.
    pub(super) pending: VecDeque<Command>,
    /// The indexing run in progress.
    pub(super) run: Option<IndexRun>,
    ended_tx: Sender<RunEnded>,
    ended_rx: Receiver<RunEnded>,
    /// A plain folder to move trashed photos into instead of the system trash (tests).
    pub(super) trash_dir: Option<PathBuf>,
    /// Stops the model download in progress.
    download_cancel: CancelFlag,
    /// Watches the library folders while watching is on.
    pub(super) watcher: Option<LibraryWatcher>,
    /// The watcher's reports (the sender is handed to each new watcher).
    pub(super) watch_tx: Sender<WatchReport>,
    watch_rx: Receiver<WatchReport>,
    /// Library folders the watcher found changes in, scanned when no run is in progress.
    pub(super) changed: BTreeSet<PathBuf>,
}

impl Job {
    fn main_loop(&mut self) {
        loop {
            if self.control.shutdown.load(Ordering::SeqCst) {
                break;
            }
            if self.run.is_none()
                && let Some(cmd) = self.pending.pop_front()
            {
                if !self.handle(cmd) {
                    break;
                }
                continue;
            }
            if self.run.is_none() && !self.changed.is_empty() {
                self.scan_changed();
                continue;
            }
            let tick = if self.run.is_some() {
                STATUS_EVERY
            } else {
                Duration::from_secs(3600)
            };
            crossbeam_channel::select! {
                recv(self.commands) -> cmd => match cmd {
                    Ok(cmd) => {
                        if !self.handle(cmd) {
                            break;
                        }
                    }
                    Err(_) => break,
                },
                recv(self.watch_rx) -> report => {
                    if let Ok(report) = report {
                        self.on_watch_report(report);
                    }
                }
                recv(self.ended_rx) -> ended => {
                    if let Ok(ended) = ended {
                        self.run_ended(ended);
                    }
                }
                default(tick) => {
                    if self.run.is_some() {
                        self.send_status();
                    }
                }
            }
        }
        // Indexing saves what it has done before the thread ends.
        self.control.cancel.cancel();
        if let Some(run) = self.run.take() {
            run.set_paused(false, &self.sink);
            run.join();
        }
        // Settings written just before closing must still reach the disk.
        let queued: Vec<Command> = self
            .pending
            .drain(..)
            .chain(self.commands.try_iter())
            .collect();
        for cmd in queued {
            if let Command::WriteFile { path, contents } = cmd {
                write_file(&self.sink, &path, &contents);
            }
        }
    }

    /// Handle one command — the only dispatcher; false means stop.
    fn handle(&mut self, cmd: Command) -> bool {
        let indexing = self.run.is_some();
        match cmd {
            Command::Shutdown => return false,
            Command::Pause | Command::Resume => {
                if let Some(run) = &self.run {
                    run.set_paused(matches!(cmd, Command::Pause), &self.sink);
                }
            }
            Command::CancelIndexing => {
                if let Some(run) = &self.run {
                    self.control.cancel.cancel();
                    run.set_paused(false, &self.sink);
                }
            }
            Command::Query { id, source, k } => self.query(id, &source, k),
            Command::TextQuery { id, query, k } => self.text_query(id, &query, k),
            Command::SetFilter(filter) => self.filter = filter,
            Command::ListPhotos => self.list_photos(),
            Command::ListFailures => {
                let ev = match self.lib.catalog.failures() {
                    Ok(f) => Event::Failures(f),
                    Err(e) => Event::Error(format!("Cannot list failed files: {e}")),
                };
                self.sink.send(ev);
            }
            Command::ListModels => {
                self.sink
                    .send(Event::Models(list_models(self.lib.data_dir.root())));
            }
            Command::DownloadModel(name) => {
                // A new flag per download, so cancelling one never stops the next.
                self.download_cancel = CancelFlag::new();
                spawn_download(
                    name,
                    self.lib.data_dir.root().to_path_buf(),
                    self.sink.clone(),
                    self.download_cancel.clone(),
                );
            }
            Command::CancelDownload => self.download_cancel.cancel(),
            Command::SetWatch(on) => self.set_watch(on),
            Command::PhotoDetails(path) => {
                let exposure = crate::core::metadata::exposure::read_file(&path);
                self.sink.send(Event::PhotoDetails { path, exposure });
            }
            Command::WriteFile { path, contents } => write_file(&self.sink, &path, &contents),
            Command::Transfer { kind, ids, dest } if kind == TransferKind::Copy => {
                self.transfer(kind, &ids, &dest);
            }
            // Read-only: the compare view works while indexing too.
            Command::Dupes(c @ super::dupes::DupesCommand::Diff { .. }) => {
                super::dupes::handle(&self.lib, &self.sink, &self.control, c);
            }
            // Everything below writes the catalog: it waits for the indexing run to end.
            Command::Rescan if indexing => {
                if !self.pending.iter().any(|c| matches!(c, Command::Rescan)) {
                    self.pending.push_back(Command::Rescan);
                }
            }
            other if indexing => self.pending.push_back(other),
            Command::Rescan => self.scan(),
            Command::AddRoot(p) => {
                if self.add_root(&p) {
                    self.sync_watch();
                    self.scan();
                }
            }
            Command::RemoveRoot(p) => {
                self.remove_root(&p);
                self.sync_watch();
            }
            Command::SetModel { spec, device } => self.set_model(&spec, &device),
            Command::Trash(ids) => self.trash(&ids),
            Command::TrashGroups(groups) => self.trash_groups(&groups),
            Command::UndoTrash => self.undo_trash(),
            Command::Transfer { kind, ids, dest } => self.transfer(kind, &ids, &dest),
            Command::UndoMove => self.undo_move(),
            Command::Dupes(c) => super::dupes::handle(&self.lib, &self.sink, &self.control, c),
        }
        true
    }

    pub(super) fn send_status(&self) {
        if let Some(s) = status_of(&self.lib, &self.active) {
            self.sink.send(Event::Status(s));
        }
    }

    /// Index every reachable library folder on the indexing thread.
    pub(super) fn scan(&mut self) {
        if self.run.is_some() {
            return;
        }
        let roots = match self.lib.catalog.roots() {
            Ok(r) => r,
            Err(e) => return self.error(format!("Cannot read the library folders: {e}")),
        };
        let (reachable, missing): (Vec<PathBuf>, Vec<PathBuf>) =
            roots.into_iter().partition(|r| r.is_dir());
        for m in &missing {
            self.sink.send(Event::Notice(format!(
                "Library folder {} is not reachable (unplugged?); its photos are kept",
                m.display()
            )));
        }
        // A full scan covers what the watcher found in these folders.
        self.changed.retain(|c| !reachable.contains(c));
        self.start_run(reachable, Vec::new());
    }

    /// Index `roots` on the indexing thread; `changes_in` says the watcher asked for it.
    pub(super) fn start_run(&mut self, roots: Vec<PathBuf>, changes_in: Vec<PathBuf>) {
        if self.run.is_some() || roots.is_empty() {
            return;
        }
        self.control.cancel.reset();
        self.indexes.drop_graphs();
        timeline::mark("rescan started");
        match IndexRun::start(
            self.lib.data_dir.root().to_path_buf(),
            roots,
            changes_in,
            self.active.clone(),
            self.sink.clone(),
            self.control.clone(),
            self.ended_tx.clone(),
        ) {
            Ok(run) => {
                self.sink.send(Event::IndexStarted);
                self.run = Some(run);
            }
            Err(e) => {
                self.sink.send(Event::IndexFailed(e));
            }
        }
    }

    /// The indexing thread ended: report, refresh and run what waited.
    fn run_ended(&mut self, ended: RunEnded) {
        if let Some(run) = self.run.take() {
            run.join();
        }
        // The graphs on disk were rewritten: load them again on the next query.
        self.indexes.drop_graphs();
        let event = match ended {
            Ok(report) => Event::IndexFinished(report),
            Err(e) => Event::IndexFailed(format!("Indexing stopped: {e}")),
        };
        self.sink.send(event);
        self.send_status();
    }

    pub(super) fn error(&self, message: String) {
        self.sink.send(Event::Error(message));
    }
}
