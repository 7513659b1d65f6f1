//! The bar above a photo grid that says how many photos are selected and offers what can be
//! done with them, and the keyboard paths to the same: Ctrl+A selects all, Escape clears,
//! Shift+arrows extend; with a selection, F finds similar to these, C copies to a folder, M
//! moves to a folder, R reveals in the file manager, O opens, E exports the list, Delete moves
//! to the trash and Ctrl+C copies the paths (F, O, Delete and Ctrl+C act on the cursor's photo
//! alone while at most one photo is selected, as before).

use super::context::ViewContext;
use super::grid_selection::IdList;
use super::results_grid::GridState;
use super::{ListKind, UiAction};
use egui::{Key, Modifiers, Ui};

/// Height of the bar (kept when nothing is selected, so the grid never jumps under the mouse).
const BAR_H: f32 = 26.0;

/// Something to do with every selected photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectionAction {
    /// Query with the mean of their vectors.
    FindSimilar,
    /// Copy their paths, one a line, to the clipboard.
    CopyPaths,
    /// Copy the files to a folder (asks which).
    CopyToFolder,
    /// Move the files to a folder (asks which; undoable).
    MoveToFolder,
    /// Show their folders in the file manager.
    Reveal,
    /// Open them with the default application (asks first when there are many).
    Open,
    /// Move them to the trash (after the confirmation).
    Trash,
    /// Save the list as CSV or JSON (asks where).
    Export,
}

impl SelectionAction {
    /// Every action, in the order of the bar and the menu.
    pub const ALL: [SelectionAction; 8] = [
        SelectionAction::FindSimilar,
        SelectionAction::CopyPaths,
        SelectionAction::CopyToFolder,
        SelectionAction::MoveToFolder,
        SelectionAction::Reveal,
        SelectionAction::Open,
        SelectionAction::Export,
        SelectionAction::Trash,
    ];

    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            SelectionAction::FindSimilar => "Find similar to these",
            SelectionAction::CopyPaths => "Copy paths",
            SelectionAction::CopyToFolder => "Copy to folder…",
            SelectionAction::MoveToFolder => "Move to folder…",
            SelectionAction::Reveal => "Reveal in file manager",
            SelectionAction::Open => "Open with default app",
            SelectionAction::Export => "Export list…",
            SelectionAction::Trash => "Move to trash…",
        }
    }

    /// The key that does it.
    pub fn key_hint(self) -> &'static str {
        match self {
            SelectionAction::FindSimilar => "F",
            SelectionAction::CopyPaths => "Ctrl+C",
            SelectionAction::CopyToFolder => "C",
            SelectionAction::MoveToFolder => "M",
            SelectionAction::Reveal => "R",
            SelectionAction::Open => "O",
            SelectionAction::Export => "E",
            SelectionAction::Trash => "Delete",
        }
    }
}

/// The selection's keys, when no widget has the keyboard. `ids` are the photos shown.
fn selection_keys(
    ui: &Ui,
    list: ListKind,
    grid: &mut GridState,
    ids: &(impl IdList + ?Sized),
    cx: &mut ViewContext<'_>,
) {
    let focused = ui.ctx().memory(|m| m.focused().is_some());
    if !cx.keyboard || focused || ui.ctx().egui_wants_keyboard_input() || ids.count() == 0 {
        return;
    }
    let count = ids.count();
    let cols = grid.columns.max(1) as isize;
    let mut wanted = Vec::new();
    ui.input_mut(|i| {
        if i.consume_key(Modifiers::COMMAND, Key::A) {
            grid.selection.select_all(ids);
        }
        if !grid.selection.is_empty() && i.consume_key(Modifiers::NONE, Key::Escape) {
            grid.selection.clear();
        }
        let extend = [
            (Key::ArrowRight, 1),
            (Key::ArrowLeft, -1),
            (Key::ArrowDown, cols),
            (Key::ArrowUp, -cols),
        ];
        for (key, delta) in extend {
            if i.consume_key(Modifiers::SHIFT, key) {
                if grid.selection.is_empty()
                    && let Some(cur) = grid.selected
                {
                    grid.selection.select_only(cur, ids);
                }
                grid.step(delta, count);
                if let Some(cur) = grid.selected {
                    grid.selection.extend_to(cur, ids);
                }
            }
        }
        if grid.selection.is_empty() {
            return;
        }
        let always = [
            (Key::C, SelectionAction::CopyToFolder),
            (Key::M, SelectionAction::MoveToFolder),
            (Key::R, SelectionAction::Reveal),
            (Key::E, SelectionAction::Export),
        ];
        for (key, a) in always {
            if i.consume_key(Modifiers::NONE, key) {
                wanted.push(a);
            }
        }
        // With one photo selected these stay the grid's own keys (on the cursor's photo).
        if grid.selection.len() >= 2 {
            let many = [
                (Key::F, SelectionAction::FindSimilar),
                (Key::O, SelectionAction::Open),
                (Key::Delete, SelectionAction::Trash),
            ];
            for (key, a) in many {
                if i.consume_key(Modifiers::NONE, key) {
                    wanted.push(a);
                }
            }
            let copies = i.events.len();
            i.events.retain(|e| !matches!(e, egui::Event::Copy));
            if i.events.len() != copies {
                wanted.push(SelectionAction::CopyPaths);
            }
        }
    });
    for a in wanted {
        cx.act(UiAction::Selection(list, a));
    }
}

/// Draw the selection bar above a grid and handle the selection's keys (call it before
/// [`super::results_grid::grid_keys`], which then handles what is left). `ids` are the photos
/// shown, in order.
pub fn selection_bar_ui(
    ui: &mut Ui,
    list: ListKind,
    grid: &mut GridState,
    ids: &(impl IdList + ?Sized),
    cx: &mut ViewContext<'_>,
) {
    selection_keys(ui, list, grid, ids, cx);
    let n = grid.selection.len();
    let width = ui.available_width();
    ui.allocate_ui_with_layout(
        egui::vec2(width, BAR_H),
        egui::Layout::left_to_right(egui::Align::Center),
        |ui| {
            ui.set_min_size(egui::vec2(width, BAR_H));
            if n == 0 {
                ui.weak(
                    "Click, Shift-click, Ctrl-click or drag across photos to select them · \
                     Ctrl+A selects all",
                );
                return;
            }
            ui.strong(format!("{n} selected"));
            ui.separator();
            for a in SelectionAction::ALL {
                let hint = format!("{} ({})", a.label(), a.key_hint());
                if ui.button(a.label()).on_hover_text(hint).clicked() {
                    cx.act(UiAction::Selection(list, a));
                }
            }
            ui.separator();
            if ui
                .button("Clear")
                .on_hover_text("Select nothing (Esc)")
                .clicked()
            {
                grid.selection.clear();
            }
        },
    );
}

/// Hand the grid's menu choices on a selection to the app.
pub fn forward(actions: Vec<SelectionAction>, list: ListKind, cx: &mut ViewContext<'_>) {
    for a in actions {
        cx.act(UiAction::Selection(list, a));
    }
}
