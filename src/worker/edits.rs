//! The job thread's commands that change the library: folders, the model, the trash (every
//! view's, through core's one journaled trash path) and the duplicates jobs. They run only when
//! no indexing run is in progress (the job defers them until it ends).

use super::Event;
use super::job::Job;
use super::search::QueryIndexes;
use crate::core::embed::registry;
use crate::core::trash;
use std::path::Path;
use std::sync::Arc;

impl Job {
    /// Remember a library folder; true when it was added (or is already there).
    pub(super) fn add_root(&mut self, root: &Path) -> bool {
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

    /// Forget a library folder and its photos (the files are not touched).
    pub(super) fn remove_root(&mut self, root: &Path) {
        let result = self
            .lib
            .data_dir
            .lock_writer()
            .and_then(|_lock| self.lib.catalog.remove_root(root));
        match result {
            Ok(n) => {
                // The dump no longer matches the catalog's epoch: reopening reconciles it.
                self.indexes.drop_graphs();
                self.sink.send(Event::Notice(format!(
                    "Removed {} from the library ({n} photos forgotten; the files are untouched)",
                    root.display()
                )));
                self.send_status();
            }
            Err(e) => self.error(format!("Cannot remove {}: {e}", root.display())),
        }
    }

    /// Switch the model; the library is re-embedded by the scan that starts at once.
    pub(super) fn set_model(&mut self, spec: &str, device: &str) {
        if spec == self.active.spec && device == self.device {
            return;
        }
        match registry::build(spec, self.lib.data_dir.root(), device) {
            Ok(active) => {
                self.indexes = QueryIndexes::new(&self.lib, &active);
                self.active = Arc::new(active);
                self.device = device.to_string();
                self.send_status();
                self.scan();
            }
            Err(e) => self.error(format!("Cannot use model `{spec}` on {device}: {e}")),
        }
    }

    /// Move catalog photos to the trash (journaled first, undoable) — Results and Browse.
    pub(super) fn trash(&mut self, ids: &[i64]) {
        let mover = trash::mover(self.trash_dir.as_deref());
        let result = self.lib.trash_photos(mover.as_ref(), ids);
        self.trashed(result);
    }

    /// Tell the UI what a trash action did and keep the loaded graph in step.
    pub(super) fn trashed(&mut self, result: crate::core::error::Result<trash::TrashReport>) {
        let event = match result {
            Ok(report) => {
                self.indexes.remove_photos(&report.moved_ids);
                Event::Trashed(report)
            }
            Err(e) => Event::TrashFailed(format!("Nothing was moved: {e}")),
        };
        self.sink.send(event);
        self.send_status();
    }

    /// Put back the newest batch moved to the trash (from any view), then rescan so the
    /// restored photos are indexed again.
    pub(super) fn undo_trash(&mut self) {
        let mover = trash::mover(self.trash_dir.as_deref());
        match self.lib.undo_trash(mover.as_ref()) {
            Ok(report) => {
                let any = !report.restored.is_empty();
                self.sink.send(Event::Restored(report));
                if any {
                    self.scan();
                }
            }
            Err(e) => self.error(format!(
                "Cannot undo: the journal {} could not be used ({e})",
                self.lib.trash_journal().path().display()
            )),
        }
    }

    /// Move the removable photos of duplicate groups to the trash (the Duplicates view).
    pub(super) fn trash_groups(&mut self, groups: &[crate::core::dupes::DupeGroup]) {
        let mover = trash::mover(self.trash_dir.as_deref());
        let result = crate::core::dupes::trash_groups(&mut self.lib, mover.as_ref(), groups);
        self.trashed(result);
    }
}
