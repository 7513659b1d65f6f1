//! Applying what the worker answers to the duplicates view's state.

use super::state::{DupesState, ScanState};
use crate::core::trash::{TrashReport, UndoReport};
use crate::ui::toasts::Toasts;
use crate::worker::dupes::DupesEvent;

impl DupesState {
    /// Apply an answer of the worker.
    pub fn on_event(&mut self, ev: DupesEvent, toasts: &mut Toasts) {
        match ev {
            DupesEvent::Progress { stage, done, total } => {
                if matches!(self.scan, ScanState::Running { .. }) {
                    self.scan = ScanState::Running { stage, done, total };
                }
            }
            DupesEvent::Scanned(graph) => self.set_graph(graph),
            DupesEvent::ScanCancelled => {
                toasts.info("Duplicate scan cancelled");
                self.scan = ScanState::Idle;
            }
            DupesEvent::ScanFailed(message) => {
                toasts.error(message.clone());
                self.scan = ScanState::Failed(message);
            }
            DupesEvent::Diff { a, b, result } => {
                if self
                    .diff
                    .as_ref()
                    .is_some_and(|(da, db, _)| *da == a && *db == b)
                {
                    self.diff = Some((a, b, result));
                }
            }
        }
    }

    /// Photos were moved to the trash (from any view): hide them from the groups.
    pub fn on_trashed(&mut self, report: &TrashReport) {
        if report.moved.is_empty() {
            return;
        }
        self.moved.extend(report.moved.iter().cloned());
        self.compare = None;
        self.regroup();
    }

    /// Photos came back from the trash: show them again.
    pub fn on_restored(&mut self, report: &UndoReport) {
        for p in &report.restored {
            self.moved.remove(p);
        }
        self.regroup();
    }
}
