//! The indexer's progress hook for the GUI: it samples progress for the UI about every 200 ms,
//! answers read-only commands between photos (the indexer calls it on the job thread), defers
//! commands that write, and pauses by blocking until told to resume.

use super::search::{VectorCache, brute_force, query_path};
use super::snapshot::Snapshot;
use super::tasks::{list_models, spawn_download, status_of, write_file};
use super::{Command, Control, Event, EventSink, IndexProgress};
use crate::core::catalog::Catalog;
use crate::core::embed::registry::ActiveEmbedders;
use crate::core::progress::{Progress, ProgressUpdate};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How often progress is sent to the UI.
pub(super) const PROGRESS_EVERY: Duration = Duration::from_millis(200);
/// How often live counts are sent while indexing.
const STATUS_EVERY: Duration = Duration::from_secs(1);

/// Mutable part of the hook.
pub(super) struct HookState {
    pub(super) deferred: Vec<Command>,
    pub(super) paused: bool,
    pub(super) paused_since: Option<Instant>,
    pub(super) paused_total: Duration,
    pub(super) stage: &'static str,
    pub(super) stage_started: Instant,
    pub(super) last: ProgressUpdate,
    pub(super) last_emit: Option<Instant>,
    pub(super) last_status: Instant,
}

impl HookState {
    /// A fresh state for one run.
    pub(super) fn new() -> Self {
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
pub(super) struct Hook<'a> {
    pub(super) commands: &'a Receiver<Command>,
    pub(super) sink: &'a EventSink,
    pub(super) control: &'a Control,
    pub(super) active: &'a ActiveEmbedders,
    pub(super) cache: &'a VectorCache,
    pub(super) snapshot: &'a Snapshot,
    pub(super) data_dir: PathBuf,
    pub(super) reader: Mutex<Option<Catalog>>,
    pub(super) state: Mutex<HookState>,
}

impl Hook<'_> {
    /// The commands that must wait until the run ends.
    pub(super) fn into_deferred(self) -> Vec<Command> {
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
                crate::core::timeline::mark(format_args!("query {id} taken while {}", st.stage));
                let reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
                let event = match reader.as_ref() {
                    Some(cat) => {
                        let embedder = self.active.primary();
                        let result = self.cache.vector(&source, embedder, cat).and_then(|v| {
                            brute_force(
                                cat,
                                embedder,
                                &v,
                                k,
                                query_path(&source).as_deref(),
                                self.snapshot.current(cat).as_deref(),
                            )
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
