//! Progress reporting and cancellation shared by every long job.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A snapshot of a long job's progress.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProgressUpdate {
    /// Stage name ("scanning", "indexing", "saving index"...).
    pub stage: &'static str,
    /// Items finished in this stage.
    pub done: u64,
    /// Items in this stage, when known.
    pub total: Option<u64>,
    /// The file being worked on, if any.
    pub current: Option<String>,
}

/// Receives progress updates. Implementations must be cheap: they are called often.
pub trait Progress: Send + Sync {
    /// A new snapshot.
    fn update(&self, update: ProgressUpdate);
    /// A non-fatal problem with one file (it is also recorded in the catalog).
    fn warn(&self, _message: &str) {}
}

/// Discards all progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _update: ProgressUpdate) {}
}

/// A cancel flag shared between the caller (Ctrl-C handler, GUI button) and the job.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }
    /// Ask the job to stop at its next checkpoint.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Clear the flag for reuse.
    pub fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }
    /// Whether stop was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
