//! Applying what the worker answers to the duplicates view's state.

use super::marks::UndoOffer;
use super::state::{DupesState, ScanState};
use crate::ui::toasts::Toasts;
use crate::worker::dupes::DupesEvent;
use std::time::Instant;

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
            DupesEvent::Trashed {
                moved,
                failed,
                bytes,
                place,
                ..
            } => {
                for (p, why) in &failed {
                    toasts.error(format!(
                        "Could not move {} to the trash: {why}",
                        p.display()
                    ));
                }
                if !moved.is_empty() {
                    self.undo = Some(UndoOffer {
                        moved: moved.len(),
                        bytes,
                        place,
                        created: Instant::now(),
                    });
                }
                self.moved.extend(moved);
                self.compare = None;
                self.regroup();
            }
            DupesEvent::TrashFailed(message) => toasts.error(message),
            DupesEvent::Restored { restored, manual } => {
                for p in &restored {
                    self.moved.remove(p);
                }
                for (p, why) in &manual {
                    toasts.error(format!("{} was not restored: {why}", p.display()));
                }
                if !restored.is_empty() {
                    toasts.info(format!(
                        "Restored {} photo(s); the library is rescanned to index them again",
                        restored.len()
                    ));
                }
                self.regroup();
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
}
