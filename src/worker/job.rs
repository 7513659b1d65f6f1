//! The job thread: owns the [`Library`], the embedders and the query index as plain values and
//! serialises scans, queries and edits through one command queue.
//!
//! While an indexing run is in progress the indexer owns the catalog and the index mutably. The
//! job thread still answers read-only commands (queries, listings) between photos: the indexer
//! calls our [`Progress`] hook on this same thread after each photo, and the hook reads the
//! committed state through a second (read-only use) catalog connection and searches by brute
//! force. Commands that write are deferred until the run ends. Pausing blocks inside the hook.

use super::hook::{Hook, HookState};
use super::search::{VectorCache, query_path};
use super::snapshot::Snapshot;
use super::tasks::{journal_trash, list_models, spawn_download, status_of, write_file};
use super::{Command, Control, Event, EventSink, Hit, LibraryStatus, QuerySource, WorkerConfig};
use crate::core::catalog::Catalog;
use crate::core::embed::registry::{self, ActiveEmbedders};
use crate::core::index::{NeighbourSearch, VectorIndex};
use crate::core::library::Library;
use crate::core::timeline;
use crossbeam_channel::Receiver;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

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
    let snapshot = snapshot_of(&lib, &active);
    let mut job = Job {
        lib,
        active,
        device: config.device.clone(),
        index: None,
        snapshot,
        sink,
        control,
        commands,
        pending: VecDeque::new(),
        cache: VectorCache::default(),
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

/// The flat snapshot of the primary embedder's vectors, loading in the background.
fn snapshot_of(lib: &Library, active: &ActiveEmbedders) -> Arc<Snapshot> {
    let primary = active.primary();
    let snapshot = Snapshot::new(lib.data_dir.index_dir(), primary.id(), primary.dim());
    if let Ok(epoch) = lib.catalog.epoch() {
        snapshot.preload(epoch);
    }
    snapshot
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

struct Job {
    lib: Library,
    active: ActiveEmbedders,
    device: String,
    /// Index of the primary embedder, loaded on first query and dropped when indexing.
    index: Option<VectorIndex>,
    /// Exact flat snapshot answering queries until the graph is needed (valid for its epoch).
    snapshot: Arc<Snapshot>,
    sink: EventSink,
    control: Arc<Control>,
    commands: Receiver<Command>,
    /// Commands deferred while indexing.
    pending: VecDeque<Command>,
    /// The last query's vector (partial results are refreshed with the same query).
    cache: VectorCache,
}

impl Job {
    fn main_loop(&mut self) {
        loop {
            if self.control.shutdown.load(Ordering::SeqCst) {
                break;
            }
            let cmd = match self.pending.pop_front() {
                Some(c) => c,
                None => match self.commands.recv() {
                    Ok(c) => c,
                    Err(_) => break,
                },
            };
            if !self.handle(cmd) {
                break;
            }
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

    /// Handle one command while idle; false means stop.
    fn handle(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::AddRoot(p) => {
                if self.add_root(&p) {
                    self.scan();
                }
            }
            Command::RemoveRoot(p) => self.remove_root(&p),
            Command::Rescan => self.scan(),
            Command::Pause | Command::Resume | Command::CancelIndexing => {}
            Command::Query { id, source, k } => {
                timeline::mark(format_args!("query {id} taken"));
                let event = match self.query(&source, k) {
                    Ok(hits) => Event::QueryResults {
                        id,
                        hits,
                        partial: false,
                    },
                    Err(message) => Event::QueryFailed { id, message },
                };
                self.sink.send(event);
            }
            Command::ListPhotos => {
                let ev = match self.lib.catalog.photos() {
                    Ok(p) => Event::Photos(p),
                    Err(e) => Event::Error(format!("Cannot list photos: {e}")),
                };
                self.sink.send(ev);
            }
            Command::ListFailures => {
                let ev = match self.lib.catalog.failures() {
                    Ok(f) => Event::Failures(f),
                    Err(e) => Event::Error(format!("Cannot list failed files: {e}")),
                };
                self.sink.send(ev);
            }
            Command::SetModel { spec, device } => self.set_model(&spec, &device),
            Command::ListModels => {
                self.sink
                    .send(Event::Models(list_models(self.lib.data_dir.root())));
            }
            Command::DownloadModel(name) => spawn_download(
                name,
                self.lib.data_dir.root().to_path_buf(),
                self.sink.clone(),
            ),
            Command::Trash(items) => self.trash(&items),
            Command::WriteFile { path, contents } => write_file(&self.sink, &path, &contents),
            Command::Dupes(c) => {
                let after = super::dupes::handle(
                    &mut self.lib,
                    &mut self.index,
                    &self.sink,
                    &self.control,
                    c,
                );
                match after {
                    super::dupes::After::Nothing => {}
                    super::dupes::After::Status => self.send_status(),
                    super::dupes::After::Rescan => self.scan(),
                }
            }
            Command::Shutdown => return false,
        }
        true
    }

    fn send_status(&self) {
        if let Some(s) = status_of(&self.lib.catalog, &self.active, self.lib.data_dir.root()) {
            self.sink.send(Event::Status(s));
        }
    }

    /// Remember a library folder; true when it was added.
    fn add_root(&mut self, root: &Path) -> bool {
        let abs = match root.canonicalize() {
            Ok(a) if a.is_dir() => a,
            Ok(a) => {
                self.error(format!(
                    "{} is not a folder: choose the folder that holds your photos",
                    a.display()
                ));
                return false;
            }
            Err(e) => {
                self.error(format!(
                    "Cannot open library folder {}: {e}",
                    root.display()
                ));
                return false;
            }
        };
        let roots = self.lib.catalog.roots().unwrap_or_default();
        if roots.iter().any(|r| abs.starts_with(r)) {
            self.sink.send(Event::Notice(format!(
                "{} is already in the library",
                abs.display()
            )));
            return true;
        }
        let result = self
            .lib
            .data_dir
            .lock_writer()
            .and_then(|_lock| self.lib.catalog.add_root(&abs));
        match result {
            Ok(()) => {
                self.send_status();
                true
            }
            Err(e) => {
                self.error(format!("Cannot add {}: {e}", abs.display()));
                false
            }
        }
    }

    fn remove_root(&mut self, root: &Path) {
        let result = self
            .lib
            .data_dir
            .lock_writer()
            .and_then(|_lock| self.lib.catalog.remove_root(root));
        match result {
            Ok(n) => {
                // The dump no longer matches the catalog's epoch: reopening reconciles it.
                self.index = None;
                self.sink.send(Event::Notice(format!(
                    "Removed {} from the library ({n} photos forgotten; the files are untouched)",
                    root.display()
                )));
                self.send_status();
            }
            Err(e) => self.error(format!("Cannot remove {}: {e}", root.display())),
        }
    }

    fn set_model(&mut self, spec: &str, device: &str) {
        if spec == self.active.spec && device == self.device {
            return;
        }
        match registry::build(spec, self.lib.data_dir.root(), device) {
            Ok(active) => {
                self.active = active;
                self.device = device.to_string();
                self.index = None;
                self.snapshot = snapshot_of(&self.lib, &self.active);
                self.send_status();
                self.scan();
            }
            Err(e) => self.error(format!("Cannot use model `{spec}` on {device}: {e}")),
        }
    }

    /// Index every reachable library folder, answering read-only commands meanwhile.
    fn scan(&mut self) {
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
        if reachable.is_empty() {
            return;
        }
        self.control.cancel.reset();
        self.index = None;
        let reader = Catalog::open(&self.lib.data_dir.catalog_path())
            .map(|(c, _)| c)
            .ok();
        self.sink.send(Event::IndexStarted);
        timeline::mark("rescan started");
        let Job {
            lib,
            active,
            sink,
            control,
            commands,
            cache,
            snapshot,
            ..
        } = self;
        let hook = Hook {
            commands: &*commands,
            sink: &*sink,
            control,
            active: &*active,
            cache: &*cache,
            snapshot,
            data_dir: lib.data_dir.root().to_path_buf(),
            reader: Mutex::new(reader),
            state: Mutex::new(HookState::new()),
        };
        let refs = active.refs();
        let result = lib.index(
            &reachable,
            &active.spec,
            &refs,
            active.primary,
            &hook,
            &control.cancel,
        );
        let deferred = hook.into_deferred();
        self.pending.extend(deferred);
        let event = match result {
            Ok(report) => Event::IndexFinished(report),
            Err(e) => Event::IndexFailed(format!("Indexing stopped: {e}")),
        };
        self.sink.send(event);
        self.send_status();
    }

    fn query(&mut self, source: &QuerySource, k: usize) -> Result<Vec<Hit>, String> {
        let vector = self
            .cache
            .vector(source, self.active.primary(), &self.lib.catalog)?;
        // Right after start-up (or an indexing run) the exact flat snapshot answers at once;
        // the HNSW graph is loaded only when there is no current snapshot.
        let quick = match self.index {
            Some(_) => None,
            None => self.snapshot.current(&self.lib.catalog),
        };
        if self.index.is_none() && quick.is_none() {
            let idx = self
                .lib
                .open_index(self.active.primary())
                .map_err(|e| format!("Cannot open the index: {e}"))?;
            self.index = Some(idx);
        }
        let found = match (&self.index, &quick) {
            (Some(index), _) => index.search(&vector, k + 1),
            (None, Some(quick)) => quick.search(&vector, k + 1),
            (None, None) => return Ok(Vec::new()),
        };
        let exclude = query_path(source);
        let mut hits = Vec::with_capacity(k + 1);
        for n in found {
            if let Ok(Some(info)) = self.lib.catalog.photo(n.id) {
                if exclude.as_deref() == Some(info.path.as_path()) {
                    continue;
                }
                hits.push(Hit {
                    info,
                    score: n.score.clamp(-1.0, 1.0),
                });
            }
        }
        hits.truncate(k);
        Ok(hits)
    }

    fn trash(&mut self, items: &[(i64, PathBuf)]) {
        let mut ids = Vec::new();
        let mut failed = Vec::new();
        for (id, path) in items {
            match trash::delete(path) {
                Ok(()) => {
                    journal_trash(self.lib.data_dir.root(), *id, path);
                    ids.push(*id);
                }
                Err(e) => failed.push(format!("{}: {e}", path.display())),
            }
        }
        if !ids.is_empty() {
            let result = self
                .lib
                .data_dir
                .lock_writer()
                .and_then(|_lock| self.lib.catalog.delete_photos(&ids));
            if let Err(e) = result {
                failed.push(format!(
                    "the catalog could not be updated ({e}); rescan to fix"
                ));
            }
            if let Some(index) = &mut self.index {
                for id in &ids {
                    index.remove(*id);
                }
            }
        }
        self.sink.send(Event::Trashed { ids, failed });
        self.send_status();
    }

    fn error(&self, message: String) {
        self.sink.send(Event::Error(message));
    }
}
