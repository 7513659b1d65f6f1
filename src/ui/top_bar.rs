//! The toolbar: query inputs (open, paste, words), view tabs, thumbnail size, rescan and
//! settings.

use super::context::ViewContext;
use super::settings::THUMB_RANGE;
use super::words_box::WordsBox;
use super::{UiAction, View};
use egui::Ui;

/// Draw the top bar; `view` is the one shown.
pub fn top_bar_ui(ui: &mut Ui, view: View, words: &mut WordsBox, cx: &mut ViewContext<'_>) {
    let (settings, indexing, actions) = (&mut *cx.settings, cx.indexing, &mut *cx.actions);
    let status = cx.status;
    ui.horizontal(|ui| {
        ui.strong("Lookalike");
        ui.separator();
        if ui
            .button("Open image…")
            .on_hover_text("Find photos similar to an image file (Ctrl+O)")
            .clicked()
        {
            actions.push(UiAction::OpenImageDialog);
        }
        if ui
            .button("Paste")
            .on_hover_text("Search with the image or path on the clipboard (Ctrl+V)")
            .clicked()
        {
            actions.push(UiAction::Paste);
        }
        super::words_box::words_box_ui(ui, words, status, actions);
        ui.separator();
        for (v, label, key) in [
            (View::Results, "Results", "Ctrl+1"),
            (View::Browse, "Browse", "Ctrl+2"),
            (View::Duplicates, "Duplicates", "Ctrl+3"),
        ] {
            if ui
                .selectable_label(view == v, label)
                .on_hover_text(key)
                .clicked()
            {
                actions.push(UiAction::SetView(v));
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.button("Settings").on_hover_text("Ctrl+,").clicked() {
                actions.push(UiAction::ToggleSettings);
            }
            if ui
                .add_enabled(!indexing, egui::Button::new("Rescan"))
                .on_hover_text("Look for new, changed and removed photos (F5)")
                .clicked()
            {
                actions.push(UiAction::Rescan);
            }
            if ui
                .button("Add folder…")
                .on_hover_text("Add a photo folder to the library (Ctrl+L)")
                .clicked()
            {
                actions.push(UiAction::AddFolderDialog);
            }
            ui.separator();
            let slider = egui::Slider::new(&mut settings.thumb_px, THUMB_RANGE)
                .show_value(false)
                .step_by(8.0);
            let resp = ui
                .add(slider)
                .on_hover_text("Thumbnail size (Ctrl + and Ctrl -)");
            let label = ui.label("Size");
            let _ = resp.labelled_by(label.id);
        });
    });
}
