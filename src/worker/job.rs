//! The job thread: owns the [`Library`], the embedders and the query index as plain values and
//! serialises scans, queries and edits through one command queue.
//!
//! While an indexing run is in progress the indexer owns the catalog and the index mutably. The
//! job thread still answers read-only commands (queries, listings) between photos: the indexer
//! calls our [`Progress`] hook on this same thread after each photo, and the hook reads the
//! committed state through a second (read-only use) catalog connection and searches by brute
//! force. Commands that write are deferred until the run ends. Pausing blocks inside the hook.

use super::{
    Command, Control, Event, EventSink, Hit, IndexProgress, LibraryStatus, ModelChoice,
    QuerySource, WorkerConfig,
};
use crate::core::catalog::Catalog;
use crate::core::datadir::write_atomic;
use crate::core::embed::registry::{self, ActiveEmbedders};
use crate::core::embed::{Embedder, embed_one};
use crate::core::index::VectorIndex;
use crate::core::library::Library;
use crate::core::models;
use crate::core::progress::{Progress, ProgressUpdate};
use crate::core::query;
use crossbeam_channel::{Receiver, RecvTimeoutError};
use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How often progress is sent to the UI.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);
/// How often live counts are sent while indexing.
const STATUS_EVERY: Duration = Duration::from_secs(1);

/// Entry point of the job thread.
pub(crate) fn run(
    config: WorkerConfig,
    commands: Receiver<Command>,
    sink: EventSink,
    control: Arc<Control>,
) {
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
    for notice in &lib.notices {
        sink.send(Event::Notice(notice.clone()));
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
    let mut job = Job {
        lib,
        active,
        device: config.device.clone(),
        index: None,
        sink,
        control,
        commands,
        pending: VecDeque::new(),
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

struct Job {
    lib: Library,
    active: ActiveEmbedders,
    device: String,
    /// Index of the primary embedder, loaded on first query and dropped when indexing.
    index: Option<VectorIndex>,
    sink: EventSink,
    control: Arc<Control>,
    commands: Receiver<Command>,
    /// Commands deferred while indexing.
    pending: VecDeque<Command>,
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
        let Job {
            lib,
            active,
            sink,
            control,
            commands,
            ..
        } = self;
        let hook = Hook {
            commands: &*commands,
            sink: &*sink,
            control,
            active: &*active,
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
        let vector = query_vector(source, self.active.primary(), &self.lib.catalog)?;
        if self.index.is_none() {
            let idx = self
                .lib
                .open_index(self.active.primary())
                .map_err(|e| format!("Cannot open the index: {e}"))?;
            self.index = Some(idx);
        }
        let Some(index) = &self.index else {
            return Ok(Vec::new());
        };
        let exclude = query_path(source);
        let mut hits = Vec::with_capacity(k + 1);
        for n in index.search(&vector, k + 1) {
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

/// The path a query was made from, excluded from its own results.
fn query_path(source: &QuerySource) -> Option<PathBuf> {
    match source {
        QuerySource::File(p) => Some(p.canonicalize().unwrap_or_else(|_| p.clone())),
        QuerySource::Photo { path, .. } => Some(path.clone()),
        QuerySource::Pixels { .. } => None,
    }
}

/// Embed (or look up) the query's vector.
fn query_vector(
    source: &QuerySource,
    embedder: &dyn Embedder,
    catalog: &Catalog,
) -> Result<Vec<f32>, String> {
    match source {
        QuerySource::File(p) => query::embed_file(p, embedder).map_err(|e| e.to_string()),
        QuerySource::Pixels { image, .. } => {
            embed_one(embedder, image).map_err(|e| format!("cannot use the pasted image: {e}"))
        }
        QuerySource::Photo { id, path } => match catalog.vector(*id, embedder.id()) {
            Ok(Some(v)) => Ok(v),
            _ => query::embed_file(path, embedder).map_err(|e| e.to_string()),
        },
    }
}

fn status_of(
    catalog: &Catalog,
    active: &ActiveEmbedders,
    data_dir: &Path,
) -> Option<LibraryStatus> {
    let (photos, failed) = catalog.counts().ok()?;
    Some(LibraryStatus {
        photos,
        failed,
        model_label: active.primary().label(),
        model_spec: active.spec.clone(),
        roots: catalog.roots().unwrap_or_default(),
        data_dir: data_dir.to_path_buf(),
    })
}

fn write_file(sink: &EventSink, path: &Path, contents: &[u8]) {
    if let Err(e) = write_atomic(path, contents) {
        sink.send(Event::Error(format!("Cannot save {}: {e}", path.display())));
    }
}

/// The models and whether they can be used now.
fn list_models(data_dir: &Path) -> Vec<ModelChoice> {
    models::list_models(data_dir)
        .into_iter()
        .map(|m| ModelChoice {
            approx_mb: models::known_model(&m.name).map(|k| k.approx_mb),
            name: m.name,
            description: m.description,
            available: m.available,
            downloadable: m.downloadable,
        })
        .collect()
}

/// Download a model on its own thread (minutes), reporting progress about every 200 ms.
fn spawn_download(name: String, data_dir: PathBuf, sink: EventSink) {
    let thread_sink = sink.clone();
    let thread_name = name.clone();
    let spawned = std::thread::Builder::new()
        .name("lookalike-download".into())
        .spawn(move || {
            let (sink, name) = (thread_sink, thread_name);
            let last = Mutex::new(Instant::now());
            let progress = |done: u64, total: Option<u64>| {
                let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
                if last.elapsed() >= PROGRESS_EVERY {
                    *last = Instant::now();
                    sink.offer(Event::DownloadProgress {
                        name: name.clone(),
                        done,
                        total,
                    });
                }
            };
            let result = models::download(&name, &data_dir, &models::hub_base_url(), &progress);
            sink.send(Event::DownloadFinished {
                name,
                error: result.err().map(|e| e.to_string()),
            });
        });
    if let Err(e) = spawned {
        sink.send(Event::DownloadFinished {
            name,
            error: Some(format!("cannot start the download: {e}")),
        });
    }
}

/// Append one line to the trash journal so a person can find (and restore) what was trashed.
fn journal_trash(data_dir: &Path, id: i64, path: &Path) {
    let when = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let line = serde_json::json!({"time_unix": when, "id": id, "path": path});
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data_dir.join("trash-journal.jsonl"))
    {
        let _ = writeln!(f, "{line}");
    }
}

/// Brute-force nearest neighbours over committed vectors (used while the index is being built).
fn brute_force(
    catalog: &Catalog,
    embedder: &dyn Embedder,
    vector: &[f32],
    k: usize,
    exclude: Option<&Path>,
) -> Result<Vec<Hit>, String> {
    let all = catalog
        .vectors(embedder.id())
        .map_err(|e| format!("cannot read vectors: {e}"))?;
    let mut scored: Vec<(f32, i64)> = all
        .iter()
        .filter(|(_, v)| v.len() == vector.len())
        .map(|(id, v)| (v.iter().zip(vector).map(|(a, b)| a * b).sum::<f32>(), *id))
        .collect();
    scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut hits = Vec::with_capacity(k);
    for (score, id) in scored {
        if hits.len() >= k {
            break;
        }
        if let Ok(Some(info)) = catalog.photo(id) {
            if exclude == Some(info.path.as_path()) {
                continue;
            }
            hits.push(Hit {
                info,
                score: score.clamp(-1.0, 1.0),
            });
        }
    }
    Ok(hits)
}

/// Mutable part of the hook.
struct HookState {
    deferred: Vec<Command>,
    paused: bool,
    paused_since: Option<Instant>,
    paused_total: Duration,
    stage: &'static str,
    stage_started: Instant,
    last: ProgressUpdate,
    last_emit: Option<Instant>,
    last_status: Instant,
}

impl HookState {
    fn new() -> Self {
        Self {
            deferred: Vec::new(),
            paused: false,
            paused_since: None,
            paused_total: Duration::ZERO,
            stage: "",
            stage_started: Instant::now(),
            last: ProgressUpdate::default(),
            last_emit: None,
            last_status: Instant::now(),
        }
    }
}

/// The indexer's progress reporter: samples progress, answers read-only commands, pauses.
struct Hook<'a> {
    commands: &'a Receiver<Command>,
    sink: &'a EventSink,
    control: &'a Control,
    active: &'a ActiveEmbedders,
    data_dir: PathBuf,
    reader: Mutex<Option<Catalog>>,
    state: Mutex<HookState>,
}

impl Hook<'_> {
    fn into_deferred(self) -> Vec<Command> {
        self.state
            .into_inner()
            .map(|s| s.deferred)
            .unwrap_or_default()
    }

    fn lock_state(&self) -> MutexGuard<'_, HookState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stopping(&self) -> bool {
        self.control.cancel.is_cancelled() || self.control.shutdown.load(Ordering::SeqCst)
    }

    fn emit_progress(&self, st: &mut HookState) {
        let u = &st.last;
        let mut active_time = st.stage_started.elapsed().saturating_sub(st.paused_total);
        if let Some(since) = st.paused_since {
            active_time = active_time.saturating_sub(since.elapsed());
        }
        let secs = active_time.as_secs_f64();
        let rate = if u.stage == "indexing" && secs > 0.2 {
            u.done as f64 / secs
        } else {
            0.0
        };
        let eta = match u.total {
            Some(t) if rate > 0.0 && t >= u.done => {
                Some(Duration::from_secs_f64((t - u.done) as f64 / rate))
            }
            _ => None,
        };
        self.sink.offer(Event::Progress(IndexProgress {
            stage: u.stage.to_string(),
            done: u.done,
            total: u.total,
            rate,
            eta,
            current: u.current.clone(),
            paused: st.paused,
        }));
        st.last_emit = Some(Instant::now());
        if st.last_status.elapsed() >= STATUS_EVERY {
            st.last_status = Instant::now();
            let reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(cat) = reader.as_ref()
                && let Some(s) = status_of(cat, self.active, &self.data_dir)
            {
                self.sink.offer(Event::Status(s));
            }
        }
    }

    /// Handle a command that arrived during the run.
    fn handle(&self, cmd: Command, st: &mut HookState) {
        match cmd {
            Command::Pause => {
                if !st.paused {
                    st.paused = true;
                    st.paused_since = Some(Instant::now());
                }
                self.emit_progress(st);
            }
            Command::Resume => self.resume(st),
            Command::CancelIndexing => {
                self.control.cancel.cancel();
                self.resume(st);
            }
            Command::Shutdown => {
                self.control.shutdown.store(true, Ordering::SeqCst);
                self.control.cancel.cancel();
                self.resume(st);
            }
            Command::Query { id, source, k } => {
                let reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
                let event = match reader.as_ref() {
                    Some(cat) => {
                        let embedder = self.active.primary();
                        let result = query_vector(&source, embedder, cat).and_then(|v| {
                            brute_force(cat, embedder, &v, k, query_path(&source).as_deref())
                        });
                        match result {
                            Ok(hits) => Event::QueryResults {
                                id,
                                hits,
                                partial: true,
                            },
                            Err(message) => Event::QueryFailed { id, message },
                        }
                    }
                    None => Event::QueryFailed {
                        id,
                        message: "the catalog cannot be read while indexing".into(),
                    },
                };
                self.sink.send(event);
            }
            Command::ListPhotos | Command::ListFailures => {
                let reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(cat) = reader.as_ref() {
                    let ev = if matches!(cmd, Command::ListPhotos) {
                        cat.photos().map(Event::Photos)
                    } else {
                        cat.failures().map(Event::Failures)
                    };
                    self.sink
                        .send(ev.unwrap_or_else(|e| Event::Error(format!("Cannot list: {e}"))));
                }
            }
            Command::WriteFile { path, contents } => write_file(self.sink, &path, &contents),
            Command::ListModels => {
                self.sink.send(Event::Models(list_models(&self.data_dir)));
            }
            Command::DownloadModel(name) => {
                spawn_download(name, self.data_dir.clone(), self.sink.clone())
            }
            Command::Rescan => {
                if !st.deferred.iter().any(|c| matches!(c, Command::Rescan)) {
                    st.deferred.push(Command::Rescan);
                }
            }
            other => st.deferred.push(other),
        }
    }

    fn resume(&self, st: &mut HookState) {
        if let Some(since) = st.paused_since.take() {
            st.paused_total += since.elapsed();
        }
        st.paused = false;
    }
}

impl Progress for Hook<'_> {
    fn update(&self, update: ProgressUpdate) {
        let mut st = self.lock_state();
        let new_stage = st.stage != update.stage;
        if new_stage {
            st.stage = update.stage;
            st.stage_started = Instant::now();
            st.paused_total = Duration::ZERO;
        }
        st.last = update;
        while let Ok(cmd) = self.commands.try_recv() {
            self.handle(cmd, &mut st);
        }
        while st.paused && !self.stopping() {
            match self.commands.recv_timeout(Duration::from_millis(100)) {
                Ok(cmd) => self.handle(cmd, &mut st),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.control.cancel.cancel();
                    break;
                }
            }
        }
        let due = st.last_emit.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY);
        if new_stage || due {
            self.emit_progress(&mut st);
        }
    }
}
