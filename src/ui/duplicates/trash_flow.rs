//! Acting on the marks: the confirmation that lists what moves (count and bytes) before anything
//! happens, and the undo offer after the move.

use super::state::DupesState;
use crate::ui::format;
use crate::worker::dupes::describe_trash;
use egui::{Align2, Context, Id, Key, Modifiers, RichText};
use std::time::Duration;

/// How long the undo offer stays on screen.
const UNDO_SHOWN: Duration = Duration::from_secs(60);
/// Files listed by name in the confirmation.
const LISTED: usize = 8;

/// The confirmation modal, while one is asked for.
pub fn confirm_ui(ctx: &Context, state: &mut DupesState) {
    let Some(plan) = &state.confirm else {
        return;
    };
    let (mut confirm, mut cancel) = (false, false);
    let n = plan.files.len();
    let place = describe_trash(state.trash_folder());
    let modal = egui::Modal::new(Id::unique("dupes_confirm_trash")).show(ctx, |ui| {
        ui.set_max_width(560.0);
        ui.heading(format!(
            "Move {n} photo{} ({}) to the trash?",
            if n == 1 { "" } else { "s" },
            format::bytes(plan.bytes)
        ));
        ui.add_space(4.0);
        for p in plan.files.iter().take(LISTED) {
            ui.add(egui::Label::new(p.display().to_string()).truncate());
        }
        if n > LISTED {
            ui.label(RichText::new(format!("…and {} more", n - LISTED)).weak());
        }
        ui.add_space(4.0);
        ui.label(format!(
            "They go to {place}, not deleted. The kept photo of each group stays. \
             A journal in the data folder records every move, and Undo puts them back."
        ));
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui
                .button(RichText::new(format!("Move {n} to the trash (Enter)")).strong())
                .clicked()
            {
                confirm = true;
            }
            if ui.button("Cancel (Esc)").clicked() {
                cancel = true;
            }
        });
    });
    if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Enter)) {
        confirm = true;
    }
    if modal.should_close() {
        cancel = true;
    }
    if confirm {
        state.confirm_trash();
    } else if cancel {
        state.confirm = None;
    }
}

/// "Moved N photos … [Undo]" at the bottom of the window after a move.
pub fn undo_ui(ctx: &Context, state: &mut DupesState) {
    let Some(offer) = &state.undo else {
        return;
    };
    let left = UNDO_SHOWN.saturating_sub(offer.created.elapsed());
    if left.is_zero() {
        state.undo = None;
        return;
    }
    ctx.request_repaint_after(left);
    let text = format!(
        "Moved {} photo{} ({}) to {}.",
        offer.moved,
        if offer.moved == 1 { "" } else { "s" },
        format::bytes(offer.bytes),
        offer.place
    );
    let (mut undo, mut dismiss) = (false, false);
    egui::Area::new(Id::unique("dupes_undo"))
        .anchor(Align2::CENTER_BOTTOM, egui::vec2(0.0, -48.0))
        .order(egui::Order::Foreground)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label(text);
                    if ui.button(RichText::new("Undo").strong()).clicked() {
                        undo = true;
                    }
                    if ui.small_button("×").on_hover_text("Dismiss").clicked() {
                        dismiss = true;
                    }
                });
            });
        });
    if undo {
        state.undo_last();
    } else if dismiss {
        state.undo = None;
    }
}
