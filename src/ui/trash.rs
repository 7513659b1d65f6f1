//! The one trash flow of the window, for Results, Browse and Duplicates alike: a confirmation
//! that lists what moves (count and bytes) before anything happens, and an Undo offer after
//! any move. The worker moves files through core's journaled trash path.

use crate::core::trash::{TrashReport, UndoReport};
use crate::ui::format;
use crate::ui::toasts::Toasts;
use crate::worker::Command;
use egui::{Align2, Context, Id, Key, Modifiers, RichText};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long the undo offer stays on screen.
const UNDO_SHOWN: Duration = Duration::from_secs(60);
/// Files listed by name in the confirmation.
const LISTED: usize = 8;

/// What a confirmation would move, and the command that moves it.
#[derive(Debug, Clone)]
pub struct TrashPlan {
    /// The files, for the list in the dialog.
    pub files: Vec<PathBuf>,
    /// Their total size.
    pub bytes: u64,
    /// A sentence about what stays (e.g. "The kept photo of each group stays.").
    pub note: String,
    /// Sent to the worker on confirmation.
    pub command: Command,
}

/// The last move, offered for undo.
#[derive(Debug, Clone)]
pub struct UndoOffer {
    /// Files moved.
    pub moved: usize,
    /// Bytes moved.
    pub bytes: u64,
    /// Where they went.
    pub place: String,
    /// When the offer appeared.
    pub created: Instant,
}

/// What the user decided in the confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Move the files.
    Confirm,
    /// Close without moving anything.
    Cancel,
}

/// The confirmation modal for `plan`; `place` says where files go. `None` while undecided.
pub fn confirm_ui(ctx: &Context, plan: &TrashPlan, place: &str) -> Option<Decision> {
    let mut decision = None;
    let n = plan.files.len();
    let modal = egui::Modal::new(Id::unique("confirm_trash")).show(ctx, |ui| {
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
            "They go to {place}, not deleted.{} A journal in the data folder records every \
             move, and Undo puts them back.",
            if plan.note.is_empty() {
                String::new()
            } else {
                format!(" {}", plan.note)
            }
        ));
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui
                .button(RichText::new(format!("Move {n} to the trash (Enter)")).strong())
                .clicked()
            {
                decision = Some(Decision::Confirm);
            }
            if ui.button("Cancel (Esc)").clicked() {
                decision = Some(Decision::Cancel);
            }
        });
    });
    if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Enter)) {
        decision = Some(Decision::Confirm);
    }
    if decision.is_none() && modal.should_close() {
        decision = Some(Decision::Cancel);
    }
    decision
}

/// The window's trash state: the confirmation asked for, and the undo offer.
#[derive(Debug, Default)]
pub struct TrashFlow {
    /// Asked for, not yet answered.
    pub confirm: Option<TrashPlan>,
    /// Shown after a move.
    pub undo: Option<UndoOffer>,
}

impl TrashFlow {
    /// Ask to confirm `plan`.
    pub fn ask(&mut self, plan: TrashPlan) {
        self.confirm = Some(plan);
    }

    /// The confirmation, while one is asked for; the command to send once confirmed.
    pub fn confirm_ui(&mut self, ctx: &Context, place: &str) -> Option<Command> {
        let plan = self.confirm.as_ref()?;
        match confirm_ui(ctx, plan, place)? {
            Decision::Confirm => self.confirm.take().map(|p| p.command),
            Decision::Cancel => {
                self.confirm = None;
                None
            }
        }
    }

    /// A move ended: offer undo and report failures.
    pub fn on_trashed(&mut self, report: &TrashReport, toasts: &mut Toasts) {
        for (p, why) in &report.failed {
            toasts.error(format!(
                "Could not move {} to the trash: {why}",
                p.display()
            ));
        }
        if !report.moved.is_empty() {
            self.undo = Some(UndoOffer {
                moved: report.moved.len(),
                bytes: report.bytes,
                place: report.place.clone(),
                created: Instant::now(),
            });
        }
    }

    /// An undo ended: say what came back and what did not.
    pub fn on_restored(&mut self, report: &UndoReport, toasts: &mut Toasts) {
        for (p, why) in &report.manual {
            toasts.error(format!("{} was not restored: {why}", p.display()));
        }
        if !report.restored.is_empty() {
            toasts.info(format!(
                "Restored {} photo(s); the library is rescanned to index them again",
                report.restored.len()
            ));
        } else if report.manual.is_empty() {
            toasts.info("Nothing to undo: no photos moved by Lookalike are still in the trash");
        }
    }

    /// "Moved N photos … [Undo]" at the bottom of the window after a move; the command to
    /// send when Undo is clicked.
    pub fn undo_ui(&mut self, ctx: &Context) -> Option<Command> {
        let offer = self.undo.as_ref()?;
        let left = UNDO_SHOWN.saturating_sub(offer.created.elapsed());
        if left.is_zero() {
            self.undo = None;
            return None;
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
        egui::Area::new(Id::unique("trash_undo"))
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
        if undo || dismiss {
            self.undo = None;
        }
        undo.then_some(Command::UndoTrash)
    }
}
