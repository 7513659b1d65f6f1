//! The indexing thread: one run of the core "index" use case ([`Library::index`], then the
//! duplicate pre-check) on its own thread with its own catalog connection, so the job thread
//! keeps answering every command in one place while it runs.
//!
//! The run reports progress straight to the UI (sampled about every 200 ms), pauses by waiting
//! on a [`PauseGate`] between photos, stops on the shared cancel flag, and ends with one
//! [`RunEnded`] message to the job thread.

use super::{Control, Event, EventSink, IndexProgress};
use crate::core::dupes;
use crate::core::embed::registry::ActiveEmbedders;
use crate::core::indexer::IndexReport;
use crate::core::library::Library;
use crate::core::progress::{Progress, ProgressUpdate};
use crossbeam_channel::Sender;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often progress is sent to the UI.
pub(super) const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// How an indexing run ended.
pub(super) type RunEnded = Result<IndexReport, String>;

/// Pause switch of a run: the indexing thread waits here between photos while it is closed.
#[derive(Default)]
pub(super) struct PauseGate {
    paused: Mutex<bool>,
    changed: Condvar,
}

impl PauseGate {
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.paused.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Pause or resume.
    pub(super) fn set(&self, paused: bool) {
        *self.lock() = paused;
        self.changed.notify_all();
    }

    /// Whether the run is paused.
    pub(super) fn is_paused(&self) -> bool {
        *self.lock()
    }

    /// Wait while paused, waking every 100 ms to look at `stop`; returns the time paused.
    fn wait(&self, stop: impl Fn() -> bool) -> Duration {
        let started = Instant::now();
        let mut paused = self.lock();
        while *paused && !stop() {
            paused = self
                .changed
                .wait_timeout(paused, Duration::from_millis(100))
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        started.elapsed()
    }
}

/// A running indexing thread.
pub(super) struct IndexRun {
    /// Pause switch shared with the thread.
    gate: Arc<PauseGate>,
    /// The progress last sent, re-sent with the new state when the run is paused or resumed.
    last: Arc<Mutex<Option<IndexProgress>>>,
    thread: Option<JoinHandle<()>>,
}

impl IndexRun {
    /// Start indexing `roots` of the data dir `data_dir` with `active`; the outcome is sent
    /// on `ended`. `changes_in` (the folders where the watcher found changes) is shown with
    /// the progress.
    pub(super) fn start(
        data_dir: PathBuf,
        roots: Vec<PathBuf>,
        changes_in: Vec<PathBuf>,
        active: Arc<ActiveEmbedders>,
        sink: EventSink,
        control: Arc<Control>,
        ended: Sender<RunEnded>,
    ) -> Result<Self, String> {
        let gate = Arc::new(PauseGate::default());
        let last = Arc::new(Mutex::new(None));
        let (thread_gate, thread_last) = (gate.clone(), last.clone());
        let thread = std::thread::Builder::new()
            .name("lookalike-index".into())
            .spawn(move || {
                let progress = Sampler {
                    sink: &sink,
                    control: &control,
                    gate: &thread_gate,
                    last: &thread_last,
                    changes_in,
                    state: Mutex::new(SamplerState::new()),
                };
                let result = run(&data_dir, &roots, &active, &sink, &control, &progress);
                let _ = ended.send(result);
            })
            .map_err(|e| format!("cannot start indexing: {e}"))?;
        Ok(Self {
            gate,
            last,
            thread: Some(thread),
        })
    }

    /// Pause or resume the run, and tell the UI at once.
    pub(super) fn set_paused(&self, paused: bool, sink: &EventSink) {
        self.gate.set(paused);
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(mut p) = last {
            p.paused = paused;
            sink.offer(Event::Progress(p));
        }
    }

    /// Wait for the thread to end (after its outcome was received, or after cancelling).
    pub(super) fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The body of the indexing thread.
fn run(
    data_dir: &std::path::Path,
    roots: &[PathBuf],
    active: &ActiveEmbedders,
    sink: &EventSink,
    control: &Control,
    progress: &Sampler<'_>,
) -> RunEnded {
    let mut lib = Library::open(Some(data_dir.to_path_buf())).map_err(|e| e.to_string())?;
    let refs = active.refs();
    let report = lib
        .index(
            roots,
            &active.spec,
            &refs,
            active.primary,
            progress,
            &control.cancel,
        )
        .map_err(|e| e.to_string())?;
    if let Err(e) = dupes::check_after_index(&lib, &report, progress, &control.cancel) {
        sink.send(Event::Notice(format!("Duplicate pre-check skipped: {e}")));
    }
    Ok(report)
}

/// Mutable part of the sampler.
struct SamplerState {
    stage: &'static str,
    stage_started: Instant,
    paused_total: Duration,
    last_emit: Option<Instant>,
}

impl SamplerState {
    fn new() -> Self {
        Self {
            stage: "",
            stage_started: Instant::now(),
            paused_total: Duration::ZERO,
            last_emit: None,
        }
    }
}

/// The run's progress reporter: samples progress for the UI and pauses at the gate.
struct Sampler<'a> {
    sink: &'a EventSink,
    control: &'a Control,
    gate: &'a PauseGate,
    last: &'a Mutex<Option<IndexProgress>>,
    /// The folders where the watcher found changes (see [`IndexProgress::changes_in`]).
    changes_in: Vec<PathBuf>,
    state: Mutex<SamplerState>,
}

impl Sampler<'_> {
    fn stopping(&self) -> bool {
        self.control.cancel.is_cancelled() || self.control.shutdown.load(Ordering::SeqCst)
    }

    fn emit(&self, st: &mut SamplerState, u: &ProgressUpdate, paused: bool) {
        let active_time = st.stage_started.elapsed().saturating_sub(st.paused_total);
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
        let p = IndexProgress {
            stage: u.stage.to_string(),
            done: u.done,
            total: u.total,
            rate,
            eta,
            current: u.current.clone(),
            paused,
            changes_in: self.changes_in.clone(),
        };
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(p.clone());
        self.sink.offer(Event::Progress(p));
        st.last_emit = Some(Instant::now());
    }
}

impl Progress for Sampler<'_> {
    fn update(&self, update: ProgressUpdate) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let new_stage = st.stage != update.stage;
        if new_stage {
            st.stage = update.stage;
            st.stage_started = Instant::now();
            st.paused_total = Duration::ZERO;
        }
        if self.gate.is_paused() && !self.stopping() {
            self.emit(&mut st, &update, true);
            st.paused_total += self.gate.wait(|| self.stopping());
        }
        let due = st.last_emit.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY);
        if new_stage || due {
            self.emit(&mut st, &update, false);
        }
    }
}
