//! Lending the app's state to the layout for one frame: the views' own states ([`Panels`]) and
//! the shared [`ViewContext`], made by splitting the borrows of the app's fields.

use super::App;
use crate::ui::UiAction;
use crate::ui::context::{CommandSender, ViewContext};
use crate::ui::layout::{self, Panels};
use crate::worker::thumbnails::ThumbKey;

impl App {
    /// Lend the views' states and a [`ViewContext`] to the layout, splitting the borrows.
    pub(super) fn panels_ui(
        &mut self,
        ui: &mut egui::Ui,
        actions: &mut Vec<UiAction>,
        wanted: &mut Vec<ThumbKey>,
        commands: &mut CommandSender,
    ) {
        let hovering = ui.ctx().input(|i| !i.raw.hovered_files.is_empty());
        let keyboard = self.preview.is_none() && self.trash.confirm.is_none();
        let Self {
            settings,
            settings_window,
            status,
            progress,
            indexing,
            last_report,
            view,
            query,
            words,
            browse,
            dupes,
            preview,
            textures,
            toasts,
            failures,
            trash,
            trash_place,
            frames,
            show_debug,
            ..
        } = self;
        let mut cx = ViewContext {
            settings,
            status: status.as_ref(),
            indexing: *indexing,
            textures,
            wanted,
            toasts,
            commands,
            actions,
            keyboard,
            hovering,
        };
        let panels = Panels {
            view: *view,
            progress: progress.as_ref(),
            last_report: last_report.as_ref(),
            query,
            words,
            browse,
            dupes,
            preview,
            settings: settings_window,
            failures,
            trash,
            trash_place,
            debug: show_debug.then_some(&*frames),
        };
        layout::panels_ui(ui, panels, &mut cx);
    }
}
