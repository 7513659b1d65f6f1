//! Acting on the photos selected in a grid (Browse, Results): find similar to these, copy
//! paths, copy or move to a folder (with progress and undo), reveal, open, trash, export. Only
//! photos shown now are acted on, in the order they are shown.

use super::App;
use crate::core::catalog::PhotoInfo;
use crate::core::moves::TransferKind;
use crate::ui::ListKind;
use crate::ui::actions;
use crate::ui::selection_bar::SelectionAction;
use crate::ui::selection_flow::{FlowRequest, OPEN_WITHOUT_ASKING, Pick, TransferState};
use crate::ui::trash::TrashPlan;
use crate::worker::{Command, Event, QuerySource};
use egui::Context;
use std::path::{Path, PathBuf};

/// Folders shown at once by "Reveal in file manager".
const REVEAL_FOLDERS: usize = 5;

impl App {
    /// The selected photos of `list` that are shown, in display order, with their scores.
    pub(in crate::ui) fn selected_rows(&self, list: ListKind) -> Vec<(PhotoInfo, Option<f32>)> {
        match list {
            ListKind::Browse => {
                let b = &self.browse;
                if b.grid.selection.is_empty() {
                    return Vec::new();
                }
                (0..b.len())
                    .filter_map(|i| b.item(i))
                    .filter(|p| b.grid.selection.contains(p.id))
                    .map(|p| (p.clone(), None))
                    .collect()
            }
            ListKind::Results => self
                .query
                .as_ref()
                .map(|q| {
                    q.hits
                        .iter()
                        .filter(|h| q.grid.selection.contains(h.info.id))
                        .map(|h| (h.info.clone(), Some(h.score)))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Do `action` with the selected photos of `list`.
    pub(in crate::ui) fn selection_action(
        &mut self,
        ctx: &Context,
        list: ListKind,
        action: SelectionAction,
    ) {
        let rows = self.selected_rows(list);
        if rows.is_empty() {
            return;
        }
        let ids: Vec<i64> = rows.iter().map(|(p, _)| p.id).collect();
        let paths: Vec<PathBuf> = rows.iter().map(|(p, _)| p.path.clone()).collect();
        let n = rows.len();
        let asks_for_a_file = matches!(
            action,
            SelectionAction::CopyToFolder | SelectionAction::MoveToFolder | SelectionAction::Export
        );
        if asks_for_a_file && self.dialogs.is_open() {
            self.toasts.error("A file dialog is already open");
            return;
        }
        match action {
            SelectionAction::FindSimilar => {
                let source = match rows.as_slice() {
                    [(one, _)] => QuerySource::Photo {
                        id: one.id,
                        path: one.path.clone(),
                    },
                    _ => QuerySource::Photos {
                        ids,
                        name: format!("{n} photos"),
                    },
                };
                self.start_query(source, None);
            }
            SelectionAction::CopyPaths => {
                let text: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                ctx.copy_text(text.join("\n"));
                self.toasts
                    .info(format!("Copied {n} path{}", if n == 1 { "" } else { "s" }));
            }
            SelectionAction::CopyToFolder | SelectionAction::MoveToFolder => {
                let kind = if action == SelectionAction::CopyToFolder {
                    TransferKind::Copy
                } else {
                    TransferKind::Move
                };
                self.selection_flow.pick = Some(Pick::Transfer { kind, ids });
                let title = format!(
                    "Choose the folder to {} {n} photo{} to",
                    kind.verb(),
                    if n == 1 { "" } else { "s" }
                );
                self.dialogs.pick_destination(ctx, title);
            }
            SelectionAction::Reveal => self.reveal(&paths),
            SelectionAction::Open => {
                if n > OPEN_WITHOUT_ASKING {
                    self.selection_flow.open_confirm = Some(paths);
                } else {
                    self.open_all(&paths);
                }
            }
            SelectionAction::Trash => self.ask_trash(&rows),
            SelectionAction::Export => {
                self.selection_flow.pick = Some(Pick::Export(rows));
                self.dialogs
                    .pick_export_file(ctx, "lookalike-selection.csv".into());
            }
        }
    }

    /// Show each folder of the selection (the first few) in the file manager.
    fn reveal(&mut self, paths: &[PathBuf]) {
        let mut folders: Vec<(&Path, &Path)> = Vec::new();
        for p in paths {
            let dir = p.parent().unwrap_or(Path::new("/"));
            if !folders.iter().any(|(d, _)| *d == dir) {
                folders.push((dir, p));
            }
        }
        for (_, first) in folders.iter().take(REVEAL_FOLDERS) {
            if let Err(e) = actions::show_in_folder(first) {
                self.toasts.error(e);
                return;
            }
        }
        if folders.len() > REVEAL_FOLDERS {
            self.toasts.info(format!(
                "Showed the first {REVEAL_FOLDERS} of the {} folders of the selection",
                folders.len()
            ));
        }
    }

    fn open_all(&mut self, paths: &[PathBuf]) {
        for p in paths {
            if let Err(e) = actions::open_external(p) {
                self.toasts.error(e);
                return;
            }
        }
    }

    /// The one trash confirmation, for the selection and everything that travels with it.
    fn ask_trash(&mut self, rows: &[(PhotoInfo, Option<f32>)]) {
        let mut files = Vec::new();
        let mut bytes = 0;
        let mut companions = 0;
        let mut finder = crate::core::pairs::CompanionFinder::new();
        for (info, _) in rows {
            files.push(info.path.clone());
            bytes += info.bytes;
            for c in finder.companions(&info.path) {
                bytes += std::fs::metadata(&c.path).map_or(0, |m| m.len());
                files.push(c.path);
                companions += 1;
            }
        }
        let note = if companions == 0 {
            String::new()
        } else {
            format!(
                "{companions} companion file{} (RAW/JPEG mates, Live Photo videos, sidecars) \
                 travel with them: one Undo puts all back.",
                if companions == 1 { "" } else { "s" }
            )
        };
        self.trash.ask(TrashPlan {
            files,
            bytes,
            note,
            command: Command::Trash(rows.iter().map(|(p, _)| p.id).collect()),
        });
    }

    /// The folder for a copy or move was chosen.
    pub(in crate::ui) fn on_destination(&mut self, dest: PathBuf) {
        if let Some(Pick::Transfer { kind, ids }) = self.selection_flow.pick.take() {
            let total = ids.len();
            if self.send(Command::Transfer { kind, ids, dest }) {
                self.selection_flow.started(kind, total);
            }
        }
    }

    /// The file for an exported list was chosen: CSV, or JSON for a `.json` name.
    pub(in crate::ui) fn on_export_file(&mut self, path: PathBuf) {
        let Some(Pick::Export(rows)) = self.selection_flow.pick.take() else {
            return;
        };
        let path = if path.extension().is_none() {
            path.with_extension("csv")
        } else {
            path
        };
        let format = crate::core::export::ListFormat::for_path(&path);
        let contents = crate::core::export::photo_list(&rows, format);
        let n = rows.len();
        if self.send(Command::WriteFile {
            path: path.clone(),
            contents,
        }) {
            self.toasts.info(format!(
                "Saved the list of {n} photo{} to {}",
                if n == 1 { "" } else { "s" },
                path.display()
            ));
        }
    }

    /// The progress and undo offer of copies and moves, and the question before opening many.
    pub(in crate::ui) fn selection_flow_ui(&mut self, ctx: &Context) {
        for request in self.selection_flow.ui(ctx) {
            match request {
                FlowRequest::UndoMove => {
                    self.send(Command::UndoMove);
                }
                FlowRequest::CancelTransfer => self.worker.cancel_transfer(),
                FlowRequest::Open(paths) => self.open_all(&paths),
            }
        }
    }

    /// A copy or move reported progress or ended, or an undo of a move ended.
    pub(in crate::ui) fn on_transfer_event(&mut self, ev: Event) {
        match ev {
            Event::TransferProgress {
                kind,
                done,
                total,
                current,
            } => self.selection_flow.on_progress(TransferState {
                kind,
                done,
                total,
                current,
            }),
            Event::Transferred(report) => {
                self.selection_flow
                    .on_transferred(&report, &mut self.toasts);
                if report.kind == TransferKind::Move && !report.done.is_empty() {
                    if let Some(q) = &mut self.query {
                        q.hits.retain(|h| !report.left_library.contains(&h.info.id));
                        for h in &mut q.hits {
                            if let Some((_, to)) = report
                                .moved_in_library
                                .iter()
                                .find(|(id, _)| *id == h.info.id)
                            {
                                h.info.path = to.clone();
                            }
                        }
                        q.grid
                            .selection
                            .retain_shown(q.hits.iter().map(|h| h.info.id));
                    }
                    self.after_paths_changed();
                }
            }
            Event::MoveUndone(report) => {
                self.selection_flow
                    .on_move_undone(&report, &mut self.toasts);
                if let Some(q) = &mut self.query {
                    for h in &mut q.hits {
                        if let Some((_, from)) = report
                            .catalog_restored
                            .iter()
                            .find(|(id, _)| *id == h.info.id)
                        {
                            h.info.path = from.clone();
                        }
                    }
                }
                if !report.restored.is_empty() {
                    self.after_paths_changed();
                }
            }
            _ => {}
        }
    }

    /// Photos moved: the browse listing is read again (the selection, kept by id, follows), and
    /// the preview, which shows a path, closes.
    fn after_paths_changed(&mut self) {
        self.preview = None;
        if self.browse.loaded {
            self.browse.requested = true;
            self.send(Command::ListPhotos);
        }
    }
}
