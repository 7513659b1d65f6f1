//! The job thread's copies and moves of selected photos to a folder, and the undo of a move,
//! through core's one use case ([`crate::core::moves`]). Progress goes to the UI as
//! [`Event::TransferProgress`]; the Cancel button reaches the run through the shared
//! [`super::Control`] (the job thread is busy while the files move).

use super::job::Job;
use super::{Event, EventSink};
use crate::core::moves::TransferKind;
use crate::core::progress::{Progress, ProgressUpdate};
use std::path::Path;

/// Hands core's progress to the UI (dropped when the queue is full: the next one supersedes it).
struct TransferProgress {
    sink: EventSink,
    kind: TransferKind,
}

impl Progress for TransferProgress {
    fn update(&self, u: ProgressUpdate) {
        self.sink.offer(Event::TransferProgress {
            kind: self.kind,
            done: u.done,
            total: u.total.unwrap_or(0),
            current: u.current,
        });
    }
}

impl Job {
    /// Copy or move catalog photos into `dest`; answered with [`Event::Transferred`], or
    /// [`Event::Error`] when nothing could start (lock, folder, journal).
    pub(super) fn transfer(&mut self, kind: TransferKind, ids: &[i64], dest: &Path) {
        self.control.transfer_cancel.reset();
        let progress = TransferProgress {
            sink: self.sink.clone(),
            kind,
        };
        let cancel = self.control.transfer_cancel.clone();
        match self
            .lib
            .transfer_photos(kind, ids, dest, &progress, &cancel)
        {
            Ok(report) => {
                if !report.left_library.is_empty() {
                    self.indexes.remove_photos(&report.left_library);
                }
                self.sink.send(Event::Transferred(report));
                if kind == TransferKind::Move {
                    self.send_status();
                }
            }
            Err(e) => self.error(format!(
                "Nothing was {}: {e}",
                match kind {
                    TransferKind::Copy => "copied",
                    TransferKind::Move => "moved",
                }
            )),
        }
    }

    /// Put back the newest batch of moved photos; answered with [`Event::MoveUndone`], then a
    /// scan when some of them had left the library.
    pub(super) fn undo_move(&mut self) {
        match self.lib.undo_move() {
            Ok(report) => {
                let rescan = report.rescan;
                self.sink.send(Event::MoveUndone(report));
                if rescan {
                    self.scan();
                }
            }
            Err(e) => self.error(format!("Cannot undo the move: {e}")),
        }
    }
}
