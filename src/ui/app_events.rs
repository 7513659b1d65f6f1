//! Handling what the worker and the file dialogs report.

use super::actions::DialogResult;
use super::app::App;
use super::settings_window::DownloadState;
use super::{ListKind, View};
use crate::worker::{Command, Event, IndexProgress, QuerySource};

impl App {
    pub(super) fn on_dialog(&mut self, r: DialogResult) {
        if matches!(r, DialogResult::Nothing { .. }) {
            self.selection_flow.pick = None;
        }
        match r {
            DialogResult::Folder(p) => {
                self.send(Command::AddRoot(p));
            }
            DialogResult::Image(p) => self.start_query(QuerySource::File(p), None),
            DialogResult::Destination(p) => self.on_destination(p),
            DialogResult::ExportFile(p) => self.on_export_file(p),
            DialogResult::Nothing { quick: true } => self.toasts.error(
                "No file dialog is available on this desktop (xdg-desktop-portal is needed). \
                 Drop a folder or photo on the window, or paste its path (Ctrl+V).",
            ),
            DialogResult::Nothing { quick: false } => {}
        }
    }

    pub(super) fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Status(s) => {
                // No choice saved in the GUI yet: the worker uses the library's own model, and
                // the settings show that one rather than the default.
                if !super::settings::Settings::path(&self.data_dir).exists()
                    && !s.model_spec.is_empty()
                {
                    self.settings.model = s.model_spec.clone();
                    self.saved_settings.model = s.model_spec.clone();
                    self.settings_window.draft.model = s.model_spec.clone();
                }
                self.status = Some(s);
            }
            Event::IndexStarted => {
                self.indexing = true;
                self.progress = Some(IndexProgress {
                    stage: "starting".into(),
                    ..Default::default()
                });
            }
            Event::Progress(p) => {
                if self.indexing {
                    self.progress = Some(p);
                }
            }
            Event::IndexFinished(report) => {
                self.indexing = false;
                self.progress = None;
                if report.cancelled {
                    self.toasts
                        .info("Indexing stopped. Work done so far is kept; Rescan (F5) continues.");
                }
                self.last_report = Some(report);
                self.after_library_change();
            }
            Event::IndexFailed(message) => {
                self.indexing = false;
                self.progress = None;
                self.toasts.error(message);
                self.after_library_change();
            }
            Event::QueryResults { id, hits, partial } => {
                if let Some(q) = self.query.as_mut().filter(|q| q.id == id) {
                    let first = q.hits.is_empty();
                    if first {
                        crate::core::timeline::mark(format_args!(
                            "query {id}: {} results shown",
                            hits.len()
                        ));
                    }
                    q.hits = hits;
                    q.grid
                        .selection
                        .retain_shown(q.hits.iter().map(|h| h.info.id));
                    q.pending = false;
                    q.partial = partial;
                    q.error = None;
                    if first {
                        q.grid = Default::default();
                        if self.preview_first_result && !q.hits.is_empty() {
                            self.preview_first_result = false;
                            self.preview =
                                Some((ListKind::Results, crate::ui::preview::PreviewState::new(0)));
                        }
                    }
                }
            }
            Event::QueryFailed { id, message } => {
                if let Some(q) = self.query.as_mut().filter(|q| q.id == id) {
                    q.pending = false;
                    q.error = Some(message.clone());
                    self.toasts.error(format!("Search failed: {message}"));
                }
            }
            Event::Photos(photos) => self.browse.set_photos(photos),
            Event::Bursts(bursts) => self.browse.set_bursts(bursts),
            Event::Failures(f) => self.failures.failures = Some(f),
            Event::PhotoDetails { path, exposure } => {
                if let Some((_, preview)) = &mut self.preview {
                    preview.details = Some((path, exposure));
                }
            }
            Event::Trashed(report) => {
                let ids = &report.moved_ids;
                if let Some(q) = &mut self.query {
                    q.hits.retain(|h| !ids.contains(&h.info.id));
                    q.grid
                        .selection
                        .retain_shown(q.hits.iter().map(|h| h.info.id));
                }
                self.browse.remove_ids(ids);
                self.preview = None;
                self.dupes.state.on_trashed(&report);
                self.trash.on_trashed(&report, &mut self.toasts);
            }
            Event::TrashFailed(message) => self.toasts.error(message),
            Event::Restored(report) => {
                self.dupes.state.on_restored(&report);
                self.trash.on_restored(&report, &mut self.toasts);
            }
            Event::Models(m) => self.settings_window.models = Some(m),
            Event::DownloadProgress { name, done, total } => {
                let state = DownloadState { name, done, total };
                if is_clip(&state.name) {
                    self.words.download = Some(state.clone());
                }
                self.settings_window.download = Some(state);
            }
            Event::DownloadFinished { name, error } => {
                self.settings_window.download = None;
                self.words.download = None;
                match error {
                    None if is_clip(&name) => {
                        // The embedders are rebuilt with CLIP beside the model in use, and the
                        // library is read again for CLIP's vectors only.
                        self.toasts.info(format!(
                            "Downloaded {name}: adding its vectors to the library, then you \
                             can search by words"
                        ));
                        let spec = self
                            .status
                            .as_ref()
                            .map_or_else(|| self.settings.model.clone(), |s| s.model_spec.clone());
                        let device = self.settings.device.clone();
                        self.send(Command::SetModel { spec, device });
                    }
                    None => self
                        .toasts
                        .info(format!("Downloaded {name}; choose Apply to use it")),
                    Some(e) => self.toasts.error(format!("Download of {name} failed: {e}")),
                }
                self.send(Command::ListModels);
            }
            ev
            @ (Event::TransferProgress { .. } | Event::Transferred(_) | Event::MoveUndone(_)) => {
                self.on_transfer_event(ev)
            }
            Event::Dupes(ev) => self.dupes.state.on_event(ev, &mut self.toasts),
            Event::Notice(text) => self.toasts.info(text),
            Event::Error(text) => self.toasts.error(text),
        }
    }

    /// After indexing: refresh what depends on the library.
    pub(super) fn after_library_change(&mut self) {
        self.textures.clear_failures();
        self.dupes.state.library_changed();
        self.rerun_query();
        if self.browse.loaded || self.view == View::Browse {
            self.browse.requested = true;
            self.send(Command::ListPhotos);
        }
    }
}

/// Whether a download is a CLIP model (search by words).
fn is_clip(name: &str) -> bool {
    crate::core::models::known_model(name)
        .is_some_and(|m| m.kind == crate::core::models::KnownKind::Clip)
}
