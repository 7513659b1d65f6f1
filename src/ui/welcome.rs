//! The first-launch screen: what Lookalike does and how to start.

use super::UiAction;
use egui::{RichText, Stroke, Ui, Vec2};

/// Draw the welcome screen. `hovering`: files are being dragged over the window.
pub fn welcome_ui(ui: &mut Ui, hovering: bool, actions: &mut Vec<UiAction>) {
    ui.vertical_centered(|ui| {
        ui.add_space((ui.available_height() * 0.15).max(12.0));
        ui.label(RichText::new("Lookalike").size(34.0).strong());
        ui.add_space(6.0);
        ui.label(
            RichText::new(
                "Find similar photos in your library — by example, on your own computer.",
            )
            .size(16.0),
        );
        ui.add_space(18.0);
        ui.label(
            "1. Choose the folder that holds your photos. Lookalike indexes it in the background.",
        );
        ui.label("2. Drop a photo on the window, paste one (Ctrl+V) or open one (Ctrl+O).");
        ui.label("3. Browse the most similar photos, preview them, open or tidy them up.");
        ui.add_space(18.0);
        let button = egui::Button::new(RichText::new("Choose photo library…").size(18.0))
            .min_size(Vec2::new(260.0, 40.0));
        if ui.add(button).on_hover_text("Ctrl+L").clicked() {
            actions.push(UiAction::AddFolderDialog);
        }
        ui.add_space(18.0);
        let size = Vec2::new(ui.available_width().min(520.0), 110.0);
        let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
        let v = ui.visuals();
        let (stroke, fill) = if hovering {
            (
                Stroke::new(3.0, v.selection.stroke.color),
                v.selection.bg_fill.gamma_multiply(0.35),
            )
        } else {
            (
                Stroke::new(1.5, v.weak_text_color()),
                egui::Color32::TRANSPARENT,
            )
        };
        ui.painter().rect_filled(rect, 12.0, fill);
        ui.painter()
            .rect_stroke(rect, 12.0, stroke, egui::StrokeKind::Inside);
        ui.painter().text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            if hovering {
                "Drop: a folder is added to the library, a photo is searched"
            } else {
                "…or drop a photo folder here"
            },
            egui::FontId::proportional(16.0),
            v.text_color(),
        );
        ui.add_space(18.0);
        ui.weak("Everything stays on this computer. Photos are never modified.");
    });
}
